import ArgumentParser

/// `mediactl`: administration of a Media Service installation. Parsing and `--help` need no
/// configuration; each command loads it in `run()` (see `AdminSubcommand`).
@main
struct MediaCtl: CommandGroup {
    static let configuration = CommandConfiguration(
        commandName: "mediactl",
        abstract: "Administer a Media Service installation.",
        discussion: "Settings come from the environment, as for the services (see config.env.example).",
        subcommands: [Migrate.self, Org.self, Key.self, Reconcile.self, RoutesCommand.self])
}

/// A command that only groups others (`mediactl`, `org`, `key`): run without one of them it
/// is a usage error (64), as it always was, rather than argument-parser's help with exit 0.
protocol CommandGroup: ParsableCommand {}

extension CommandGroup {
    func run() throws {
        throw ValidationError("a command is needed; see --help")
    }
}
