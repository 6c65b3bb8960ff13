import ArgumentParser

/// `mediactl`: administration of a Media Service installation. Parsing and `--help` need no
/// configuration; each command loads it in `run()` (see `AdminSubcommand`).
@main
struct MediaCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mediactl",
        abstract: "Administer a Media Service installation.",
        discussion: "Settings come from the environment, as for the services (see config.env.example).",
        subcommands: [Migrate.self, Org.self, Key.self, Reconcile.self, RoutesCommand.self])
}
