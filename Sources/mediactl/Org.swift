import ArgumentParser
import MediaApp

struct Org: CommandGroup {
    static let configuration = CommandConfiguration(
        abstract: "Create and list organizations.", subcommands: [Create.self, List.self])

    struct Create: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")

        @Argument(help: "2-64 lowercase letters, digits and single hyphens.")
        var slug: String

        @Option(help: "Display name (default: the slug).")
        var name: String?

        @ArgumentParser.Flag(help: "Succeed without changes when the organization exists.")
        var ifNotExists = false

        func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
            try admin.createOrganization(slug: slug, name: name, ifNotExists: ifNotExists)
            return 0
        }
    }

    struct List: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "List organizations: slug, name and id per line.")

        func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
            try admin.listOrganizations()
            return 0
        }
    }
}
