/// A statement parameter.
public enum DatabaseValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case bytes([UInt8])

    public static func optional(_ text: String?) -> DatabaseValue { text.map(DatabaseValue.text) ?? .null }
    public static func int(_ value: Int) -> DatabaseValue { .int(Int64(value)) }
    public static func bool(_ value: Bool) -> DatabaseValue { .int(value ? 1 : 0) }
}

/// One result row; every column arrives as text (or nil for SQL NULL).
public struct DatabaseRow: Sendable {
    public let columns: [String]
    public let values: [String?]

    public subscript(column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { preconditionFailure("no column \(column) in result") }
        return values[index]
    }

    public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    public func bool(_ column: String) -> Bool { int(column).map { $0 != 0 } ?? false }
}
