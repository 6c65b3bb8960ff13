import CHiredis
import Foundation

public struct RedisSettings: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    public var timeoutSeconds: Double

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

    public var description: String {
        switch self {
        case .connection(let message): "Redis connection: \(message)"
        case .reply(let message): "Redis error: \(message)"
        }
    }
}

/// One Redis connection, owned by one thread, opened on first use and reopened after a failure.
/// `@unchecked Sendable` only so a thread can create and keep it; never shared between threads.
public final class RedisConnection: @unchecked Sendable {
    public let settings: RedisSettings
    private var context: UnsafeMutablePointer<redisContext>?

    public init(settings: RedisSettings) { self.settings = settings }

    deinit { close() }

    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Sends one command (binary-safe, no varargs) and returns its reply. A connection that
    /// went stale (Redis restarted since it was opened) is reopened and the command sent once
    /// more; a fresh connection that fails is a real outage.
    @discardableResult
    public func command(_ arguments: [String]) throws -> RedisReply {
        let wasOpen = context != nil
        do {
            return try send(arguments, on: try open())
        } catch RedisError.connection where wasOpen {
            return try send(arguments, on: try open())
        }
    }

    private func send(_ arguments: [String], on connection: UnsafeMutablePointer<redisContext>) throws -> RedisReply {
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
        let raw = redisCommandArgv(connection, Int32(arguments.count), &argv, &lengths)
        guard let raw else {
            let message = String(cString: withUnsafeBytes(of: connection.pointee.errstr) { $0.bindMemory(to: CChar.self).baseAddress! })
            close()
            throw RedisError.connection(message)
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return try convert(reply)
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
        let seconds = Int(settings.timeoutSeconds)
        let timeout = timeval(tv_sec: seconds, tv_usec: Int((settings.timeoutSeconds - Double(seconds)) * 1_000_000))
        guard let connection = redisConnectWithTimeout(settings.host, Int32(settings.port), timeout) else {
            throw RedisError.connection("cannot allocate a context")
        }
        if connection.pointee.err != 0 {
            let message = String(cString: withUnsafeBytes(of: connection.pointee.errstr) { $0.bindMemory(to: CChar.self).baseAddress! })
            redisFree(connection)
            throw RedisError.connection(message)
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
        return connection
    }
}
