import Foundation
import MediaApp

// mediactl: administration of a Media Service installation (see `mediactl help`).

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
    exit(try AdminCommands(config: config).run(arguments))
} catch let error as AdminCommands.UsageError {
    FileHandle.standardError.write(Data("mediactl: \(error.message)\n\n\(AdminCommands.usage)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("mediactl: \(error)\n".utf8))
    exit(1)
}
