import Foundation
import Logging
import MediaCore

/// swift-log's handler for every process of the service: one JSON object per record, on one
/// line, whatever the message or metadata hold (journald and the tests read lines).
///
/// A line is `{"time":…,"level":…,"event":MESSAGE,…metadata}`: the time in UTC with
/// milliseconds, then the metadata sorted by key. Integers, doubles and booleans passed as
/// `.stringConvertible` stay JSON numbers and booleans, so `status` and `durationMs` can be
/// compared without parsing. A metadata key named like a fixed field is dropped: one key, one
/// meaning. An error passed to the logger becomes `error` unless the metadata has one.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let output: @Sendable ([UInt8]) -> Void
    private let now: @Sendable () -> String

    static let fixedKeys: Set<String> = ["time", "level", "event"]

    /// `output` receives each finished line (newline included); by default it goes to stderr.
    public init(level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil,
                output: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.writeToStandardError,
                now: @escaping @Sendable () -> String = Timestamp.nowWithMilliseconds) {
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.output = output
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .string(String(describing: error)) }
        var fields: [(String, JSONValue)] = [("time", .string(now())), ("level", .string(event.level.rawValue)),
                                             ("event", .string(event.message.description))]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !Self.fixedKeys.contains(key) {
            fields.append((key, Self.json(value)))
        }
        var line = JSONValue.object(fields).serialized()
        line.append(0x0a)
        output(line)
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let number as Int): .int(number)
        case .stringConvertible(let number as Double): .double(number)
        case .stringConvertible(let flag as Bool): .bool(flag)
        case .stringConvertible(let other): .string(other.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let members): .object(members.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })
        }
    }

    /// One `write(2)` per line, so lines of the processes sharing stderr never interleave
    /// (the pool's workers inherit the master's stderr); retried on a short write.
    public static let writeToStandardError: @Sendable ([UInt8]) -> Void = { line in
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
