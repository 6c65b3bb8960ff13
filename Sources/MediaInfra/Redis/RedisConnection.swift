import CHiredis
import Foundation
import Logging
import MediaCore

public struct RedisSettings: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    public var timeoutSeconds: Double
    /// Sentinels to ask where the primary is (REDIS_SENTINELS); when set, `host`/`port` are unused.
    public var sentinels: [NetworkAddress] = []
    /// The name the Sentinels monitor the primary under (REDIS_SENTINEL_MASTER).
    public var sentinelMaster = "media"
    public var sentinelPassword: String?
    /// Replicas that must confirm a write the client is told succeeded (REDIS_MIN_REPLICAS_ACKED).
    public var minReplicasAcked = 0
    /// How long to wait for them (REDIS_WAIT_TIMEOUT_MS).
    public var waitTimeoutMilliseconds = 500

    public init(host: String, port: Int, password: String?, database: Int, timeoutSeconds: Double = 2) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.timeoutSeconds = timeoutSeconds
    }
}

public enum RedisReply: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case array([RedisReply])
    case status(String)
    case null

    public var string: String? {
        switch self {
        case .string(let s), .status(let s): s
        default: nil
        }
    }
    public var integer: Int? { if case .integer(let i) = self { i } else { nil } }
    public var array: [RedisReply]? { if case .array(let a) = self { a } else { nil } }
}

public enum RedisError: Error, CustomStringConvertible, Sendable {
    /// Redis cannot be reached or the connection broke; the next command reconnects.
    case connection(String)
    /// Redis answered with an error reply.
    case reply(String)
    /// The primary took a write, but fewer replicas than required confirmed it in time: it
    /// may not survive a failover (and may still be applied), so it is not acknowledged.
    case notReplicated(acknowledged: Int, wanted: Int)

    public var description: String {
        switch self {
        case .connection(let message): "Redis connection: \(message)"
        case .reply(let message): "Redis error: \(message)"
        case .notReplicated(let acknowledged, let wanted): "Redis write confirmed by \(acknowledged) of \(wanted) replicas needed"
        }
    }

    /// The server is no longer the primary (a failover demoted it: `-READONLY`) or cannot
    /// serve (`-MASTERDOWN` from a replica that lost its primary): ask the Sentinels again.
    /// Either refused the command without running it, so it may be sent again.
    public var meansPrimaryMoved: Bool {
        guard case .reply(let message) = self else { return false }
        return message.hasPrefix("READONLY") || message.hasPrefix("MASTERDOWN")
    }
}

/// One Redis connection, owned by one thread, opened on first use and reopened after a failure.
/// Not `Sendable`: never shared between threads, and the compiler keeps it that way.
public final class RedisConnection {
    public let settings: RedisSettings
    private var context: UnsafeMutablePointer<redisContext>?
    private var sentinelRotation: EndpointRotation
    private let logger = Logger(label: "redis")

    public init(settings: RedisSettings) {
        self.settings = settings
        self.sentinelRotation = EndpointRotation(count: max(1, settings.sentinels.count))
    }

    deinit { close() }

    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Sends one command (binary-safe, no varargs) and returns its reply. A connection that
    /// went stale (Redis restarted or failed over since it was opened) is reopened and the
    /// command sent once more; so is one the server refused because it is no longer the
    /// primary (the new connection asks the Sentinels where the primary is now). A fresh
    /// connection that fails is a real outage.
    @discardableResult
    public func command(_ arguments: [String]) throws -> RedisReply {
        let wasOpen = context != nil
        do {
            return try send(arguments, on: try open())
        } catch let error as RedisError where Self.sendAgain(after: error, wasOpen: wasOpen) {
            close()
            return try send(arguments, on: try open())
        }
    }

    static func sendAgain(after error: RedisError, wasOpen: Bool) -> Bool {
        if case .connection = error { return wasOpen }
        return error.meansPrimaryMoved
    }

    /// Waits until `minReplicasAcked` replicas have every write sent on this connection so far
    /// (`WAIT`), else throws `notReplicated`. Called after a write the client will be told
    /// succeeded: once a replica holds it, a failover (Sentinel promotes the most up-to-date
    /// replica) keeps it. A connection lost meanwhile proves nothing: WAIT on a new connection
    /// would count replicas of none of our writes, so that is `notReplicated` too.
    public func waitForReplicas() throws {
        let wanted = settings.minReplicasAcked
        guard wanted > 0 else { return }
        guard let context else { throw RedisError.notReplicated(acknowledged: 0, wanted: wanted) }
        let acknowledged: Int
        do {
            acknowledged = try send(["WAIT", String(wanted), String(settings.waitTimeoutMilliseconds)], on: context).integer ?? 0
        } catch {
            close()
            throw RedisError.notReplicated(acknowledged: 0, wanted: wanted)
        }
        if acknowledged < wanted {
            logger.warning("redis write not confirmed by enough replicas", metadata: ["acknowledged": "\(acknowledged)", "wanted": "\(wanted)"])
            throw RedisError.notReplicated(acknowledged: acknowledged, wanted: wanted)
        }
    }

    private func send(_ arguments: [String], on connection: UnsafeMutablePointer<redisContext>) throws -> RedisReply {
        let raw = Self.withArgv(arguments) { argc, argv, lengths in redisCommandArgv(connection, argc, argv, lengths) }
        guard let raw else { throw dropConnection(connection) }
        defer { freeReplyObject(raw) }
        return try convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// `SET key value NX EX ttl`: true when this call set it, false when the key exists. Only
    /// `+OK` means set and only nil means held: any other reply (a `+QUEUED` from a connection
    /// inside MULTI, say) is an error, never a lock taken.
    public func setIfAbsent(_ key: String, _ value: String, ttlSeconds: Int) throws -> Bool {
        switch try command(["SET", key, value, "NX", "EX", String(ttlSeconds)]) {
        case .status("OK"): return true
        case .null: return false
        case let other: throw RedisError.reply("unexpected reply to SET NX: \(other)")
        }
    }

    /// Runs `commands` as one MULTI…EXEC and returns EXEC's replies. The whole transaction is
    /// written in one go and every reply read before anything is judged, so the connection
    /// never stays inside MULTI: a command Redis refuses while queuing (`-OOM` under
    /// `noeviction`, a wrong argument count) makes EXEC fail with EXECABORT, and any error
    /// reply or broken connection closes the connection (the next command opens a fresh one).
    /// A stale connection is retried like `command`, always with the whole transaction.
    @discardableResult
    public func transaction(_ commands: [[String]]) throws -> [RedisReply] {
        let wasOpen = context != nil
        do {
            return try pipelineTransaction(commands, on: try open())
        } catch let error as RedisError where Self.sendAgain(after: error, wasOpen: wasOpen) {
            close()
            return try pipelineTransaction(commands, on: try open())
        }
    }

    private func pipelineTransaction(_ commands: [[String]], on connection: UnsafeMutablePointer<redisContext>) throws -> [RedisReply] {
        let all = [["MULTI"]] + commands + [["EXEC"]]
        for arguments in all {
            let appended = Self.withArgv(arguments) { argc, argv, lengths in redisAppendCommandArgv(connection, argc, argv, lengths) }
            guard appended == REDIS_OK else { throw dropConnection(connection) }
        }
        var firstError: String?
        var exec = RedisReply.null
        for _ in all {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(connection, &raw) == REDIS_OK, let raw else { throw dropConnection(connection) }
            defer { freeReplyObject(raw) }
            do {
                exec = try convert(raw.assumingMemoryBound(to: redisReply.self))
            } catch RedisError.reply(let message) {
                firstError = firstError ?? message
            }
        }
        if let firstError {
            close()
            throw RedisError.reply(firstError)
        }
        guard let results = exec.array else {
            close()
            throw RedisError.reply("the transaction was not executed")
        }
        return results
    }

    /// Calls `body` with a C argument vector of `arguments` (binary-safe lengths); the
    /// buffers live only for the call.
    private static func withArgv<T>(_ arguments: [String],
                                    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafeMutablePointer<Int>) -> T) -> T {
        let buffers = arguments.map { Array($0.utf8) }
        var lengths = buffers.map { $0.count }
        let pointers = buffers.map { bytes -> UnsafeMutablePointer<CChar> in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { pointer.update(from: $0.baseAddress!, count: bytes.count) }
            }
            return pointer
        }
        defer { pointers.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = pointers.map { UnsafePointer($0) }
        return argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeMutableBufferPointer { lengthBuffer in
                body(Int32(arguments.count), argvBuffer.baseAddress!, lengthBuffer.baseAddress!)
            }
        }
    }

    /// The connection's error text (copied while the context is alive), then the connection
    /// closed: after a failed read or write hiredis' context cannot be used again.
    private func dropConnection(_ connection: UnsafeMutablePointer<redisContext>) -> RedisError {
        let message = Self.errorText(connection)
        logger.debug("redis connection dropped", metadata: ["error": "\(message)"])
        close()
        return RedisError.connection(message)
    }

    /// `errstr` is a fixed array inside the context: the String is made inside the closure
    /// that has its address, never from a pointer that outlives it.
    private static func errorText(_ connection: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: connection.pointee.errstr) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private func convert(_ reply: UnsafeMutablePointer<redisReply>) throws -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING: return .string(String(decoding: UnsafeRawBufferPointer(start: value.str, count: Int(value.len)), as: UTF8.self))
        case REDIS_REPLY_STATUS: return .status(String(cString: value.str))
        case REDIS_REPLY_INTEGER: return .integer(Int(value.integer))
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ERROR: throw RedisError.reply(String(cString: value.str))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            for index in 0..<Int(value.elements) {
                guard let element = value.element[index] else { items.append(.null); continue }
                items.append(try convert(element))
            }
            return .array(items)
        default: return .null
        }
    }

    private func open() throws -> UnsafeMutablePointer<redisContext> {
        if let context { return context }
        guard !settings.sentinels.isEmpty else { return try connect(host: settings.host, port: settings.port) }
        return try openPrimary()
    }

    /// Where the Sentinels say the primary is, confirmed by the server itself (`ROLE`): right
    /// after a failover a Sentinel may still name the old primary, now a replica or down.
    /// Sentinels are asked in turn, the one that last answered first.
    private func openPrimary() throws -> UnsafeMutablePointer<redisContext> {
        var lastError = RedisError.connection("no Sentinel answered")
        for index in sentinelRotation.attemptOrder {
            let sentinelAddress = settings.sentinels[index]
            let sentinel = RedisConnection(settings: RedisSettings(host: sentinelAddress.host, port: sentinelAddress.port,
                                                                   password: settings.sentinelPassword, database: 0,
                                                                   timeoutSeconds: settings.timeoutSeconds))
            defer { sentinel.close() }
            let primary: NetworkAddress
            do {
                let reply = try sentinel.command(["SENTINEL", "get-master-addr-by-name", settings.sentinelMaster])
                guard let address = Sentinel.primaryAddress(reply) else {
                    lastError = .connection("Sentinel \(sentinelAddress) knows no primary named \(settings.sentinelMaster)")
                    continue
                }
                primary = address
            } catch let error as RedisError {
                sentinelRotation.failed(index)
                lastError = error
                continue
            }
            do {
                let connection = try connect(host: primary.host, port: primary.port)
                guard Sentinel.isPrimary(role: try send(["ROLE"], on: connection)) else {
                    close()
                    lastError = .connection("\(primary), named by Sentinel \(sentinelAddress), is not a primary (failover under way)")
                    continue
                }
                sentinelRotation.connected(to: index)
                return connection
            } catch let error as RedisError {
                close()
                lastError = error
            }
        }
        logger.warning("no Redis primary found", metadata: ["error": "\(lastError)"])
        throw lastError
    }

    private func connect(host: String, port: Int) throws -> UnsafeMutablePointer<redisContext> {
        let seconds = Int(settings.timeoutSeconds)
        let timeout = timeval(tv_sec: seconds, tv_usec: Int((settings.timeoutSeconds - Double(seconds)) * 1_000_000))
        guard let connection = redisConnectWithTimeout(host, Int32(port), timeout) else {
            throw RedisError.connection("cannot allocate a context")
        }
        if connection.pointee.err != 0 {
            let message = Self.errorText(connection)
            redisFree(connection)
            throw RedisError.connection("\(host):\(port): \(message)")
        }
        _ = redisSetTimeout(connection, timeout)   // a hung server costs a bounded wait, not a thread
        context = connection
        do {
            if let password = settings.password, !password.isEmpty { try send(["AUTH", password], on: connection) }
            if settings.database != 0 { try send(["SELECT", String(settings.database)], on: connection) }
        } catch {
            close()
            throw error
        }
        logger.debug("redis connection opened", metadata: ["server": "\(host):\(port)"])
        return connection
    }
}

/// What Sentinel and `ROLE` answer, read.
public enum Sentinel {
    /// `SENTINEL get-master-addr-by-name`: `[ip, port]`, or nil for a name it does not monitor.
    public static func primaryAddress(_ reply: RedisReply) -> NetworkAddress? {
        guard let parts = reply.array, parts.count == 2, let host = parts[0].string, !host.isEmpty,
              let port = parts[1].string.flatMap(Int.init), (1...65535).contains(port) else { return nil }
        return NetworkAddress(host: host, port: port)
    }

    /// `ROLE`: `["master", offset, replicas]` on a primary; `["slave", ...]` or
    /// `["sentinel", ...]` elsewhere.
    public static func isPrimary(role reply: RedisReply) -> Bool {
        reply.array?.first?.string == "master"
    }
}
