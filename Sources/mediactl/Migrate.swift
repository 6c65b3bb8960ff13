import ArgumentParser
import MediaApp

struct Migrate: AdminSubcommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (idempotent, safe on several hosts).")

    func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
        try admin.migrate()
        return 0
    }
}
