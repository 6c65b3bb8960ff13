import Foundation
import XCTest

/// Servers a live test starts for itself (a Redis primary, replica and Sentinels), on
/// loopback ports of their own, removed when the test ends.
final class LiveProcesses {
    let folder: URL
    private var running: [String: Process] = [:]

    init(name: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Starts `executable` (looked up on PATH) as `name`; its output goes to `<name>.log`.
    func start(_ name: String, _ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        running[name] = process
    }

    /// `kill -9`: the server gets no chance to hand anything over.
    func kill(_ name: String) {
        guard let process = running.removeValue(forKey: name) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

    func stopAll() {
        for name in Array(running.keys) { kill(name) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// `count` consecutive free loopback ports from 500 above the stack's base port (the
    /// stack uses the 12 from its base), moving up while any is taken.
    static func freePorts(_ count: Int) throws -> [Int] {
        let base = Int(ProcessInfo.processInfo.environment["STACK_BASE_PORT"] ?? "") ?? 24443
        var first = base + 500
        while first + count < 65000 {
            let ports = Array(first..<(first + count))
            if ports.allSatisfy(isFree) { return ports }
            first += count
        }
        throw LiveProcessError("no \(count) free consecutive ports above \(base + 500)")
    }

    private static func isFree(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct LiveProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds, failing after `seconds`: waits on an event, never on a
/// guess of how long something takes. A condition that throws counts as not yet.
func waitUntil(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? condition()) == true { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    throw LiveProcessError("timed out after \(seconds) s waiting until \(what)")
}
