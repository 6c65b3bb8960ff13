import ArgumentParser
import MediaApp

struct Key: CommandGroup {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AdminSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key; it is printed once, on the last line (only its hash is stored).")

        @Option(help: "The organization's slug.")
        var org: String

        @Option(help: "A name to tell keys apart.")
        var name = "default"

        func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
            try admin.createKey(organization: org, name: name)
            return 0
        }
    }

    struct List: AdminSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's keys by id, with creation, last use and revocation times.")

        @Option(help: "The organization's slug.")
        var org: String

        func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
            try admin.listKeys(organization: org)
            return 0
        }
    }

    struct Revoke: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")

        @Argument(help: "The key's id, as `key list` prints it.")
        var keyId: String

        func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
            try admin.revokeKey(id: keyId)
            return 0
        }
    }
}
