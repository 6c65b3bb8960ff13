import ArgumentParser
import MediaApp

struct RoutesCommand: AdminSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Every route the service answers, METHOD PATTERN per line.")

    func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
        for line in AdminCommands.routeLines(config: config) { print(line) }
        return 0
    }
}
