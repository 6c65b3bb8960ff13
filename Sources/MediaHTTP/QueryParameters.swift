import MediaCore

/// `application/x-www-form-urlencoded` pairs, in order (query strings and form bodies).
public struct QueryParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(pairs: [(String, String)] = []) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    public init(encoded: String) {
        pairs = encoded.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.decodeFormComponent(pieces[0])
            let value = pieces.count > 1 ? PercentEncoding.decodeFormComponent(pieces[1]) : ""
            return (name: name, value: value)
        }
    }

    /// The first value of `name`, if present.
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    public var names: Set<String> { Set(pairs.map(\.name)) }
}
