import ArgumentParser
import Foundation
import MediaApp

/// A command that needs the installation's settings. They are loaded here, inside `run()`, so
/// that parsing and `--help` work with no configuration at all.
///
/// Exit codes: 0 done; 1 failed (or, for reconcile, problems remain); 64 usage (argument-parser's
/// own, and `AdminCommands.UsageError`); 78 configuration (EX_CONFIG, as for the services).
protocol AdminSubcommand: ParsableCommand {
    /// Returns the exit code.
    func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32
}

extension AdminSubcommand {
    mutating func run() throws {
        let config: AppConfig
        do {
            config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
        } catch {
            complain("\(error)")
            throw ExitCode(78)
        }
        RequestLog.bootstrap(level: config.logLevel)
        let code: Int32
        do {
            code = try run(AdminCommands(config: config), config: config)
        } catch let error as AdminCommands.UsageError {
            throw ValidationError(error.message)
        } catch {
            complain("\(error)")
            throw ExitCode.failure
        }
        if code != 0 { throw ExitCode(code) }
    }
}

func complain(_ message: String) {
    FileHandle.standardError.write(Data("mediactl: \(message)\n".utf8))
}
