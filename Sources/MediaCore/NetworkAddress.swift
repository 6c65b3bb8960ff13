/// A `host:port` a client connects to: a database node (DB_HOSTS) or a Sentinel (REDIS_SENTINELS).
public struct NetworkAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let entry: String
        public var description: String { "holds \"\(entry)\", which is not host[:port] (an IPv6 address in brackets, a port 1-65535)" }
    }

    /// `db1:3306, db2, [fd00::3]:3307`: entries without a port get `defaultPort`; blanks
    /// between commas are ignored; a repeated address is kept once (it would only be tried twice).
    public static func parseList(_ text: String, defaultPort: Int) throws -> [NetworkAddress] {
        var addresses: [NetworkAddress] = []
        for piece in text.split(separator: ",") {
            let entry = piece.trimmingSpaces()
            guard !entry.isEmpty else { continue }
            guard let address = parse(entry, defaultPort: defaultPort) else { throw ParseError(entry: entry) }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }

    /// One `host[:port]`; nil when malformed.
    public static func parse(_ entry: String, defaultPort: Int) -> NetworkAddress? {
        let host: Substring
        var portText: Substring?
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else { return nil }
            host = entry[entry.index(after: entry.startIndex)..<close]
            let rest = entry[entry.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        let port = portText.map { Int($0) } ?? defaultPort
        guard let port, (1...65535).contains(port), !host.isEmpty,
              host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "/" && $0 != "@" }) else { return nil }
        return NetworkAddress(host: String(host), port: port)
    }
}

/// The order in which a client tries a list of equal nodes: first the one that last worked,
/// then the others in list order, wrapping around. After a working node failed it starts at
/// the next one, so a node that went away costs one failed attempt, not one per statement.
public struct EndpointRotation: Sendable, Equatable {
    public let count: Int
    /// The node tried first.
    public private(set) var current = 0

    public init(count: Int) {
        precondition(count > 0, "a rotation needs at least one node")
        self.count = count
    }

    /// Every node once, starting with `current`.
    public var attemptOrder: [Int] { (0..<count).map { (current + $0) % count } }

    /// Connecting to `index` worked: it is tried first from now on.
    public mutating func connected(to index: Int) { current = index % count }

    /// The node in use failed (its connection was lost): start at the next one.
    public mutating func failed(_ index: Int) {
        if index == current { current = (index + 1) % count }
    }
}
