import Foundation
import MediaInfra

/// Extra migrations for the cluster test's rolling upgrade: the host being upgraded runs
/// `mediactl migrate` with one more migration than the build the other host still runs, as a
/// new release would. Off unless `MEDIA_TEST_MIGRATIONS_DIR` names a folder, which only
/// scripts/test-cluster sets. Each file `NNNN-name.sql` there is migration NNNN; its statements
/// are separated by lines holding only `;`.
enum TestMigrations {
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [Migration] {
        guard let folder = environment["MEDIA_TEST_MIGRATIONS_DIR"], !folder.isEmpty else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { name in
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            return try parse(fileName: name, text: text)
        }
    }

    static func parse(fileName: String, text: String) throws -> Migration {
        let stem = fileName.dropLast(".sql".count)
        let parts = stem.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let version = Int(parts[0]), version > 0 else {
            throw AdminCommands.UsageError(message: "test migration \(fileName): the name must be NNNN-name.sql")
        }
        var statements: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == ";" {
                statements.append(current.joined(separator: "\n"))
                current = []
            } else {
                current.append(line)
            }
        }
        statements.append(current.joined(separator: "\n"))
        let nonEmpty = statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else { throw AdminCommands.UsageError(message: "test migration \(fileName) is empty") }
        return Migration(version: version, name: String(parts[1]), statements: nonEmpty)
    }
}
