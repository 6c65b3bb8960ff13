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

/// The column names of one result, shared by all its rows: a column is found by a hash
/// lookup, not a search through the names of every row.
public final class ResultColumns: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
        self.positions = positions
    }

    public func position(of name: String) -> Int? { positions[name] }
}

/// One result row; every column arrives as text (or nil for SQL NULL).
public struct DatabaseRow: Sendable {
    public let columns: ResultColumns
    public let values: [String?]

    public init(columns: ResultColumns, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    public subscript(column: String) -> String? {
        guard let index = columns.position(of: column) else { preconditionFailure("no column \(column) in result") }
        return values[index]
    }

    public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    public func bool(_ column: String) -> Bool { int(column).map { $0 != 0 } ?? false }
}
