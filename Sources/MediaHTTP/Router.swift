import MediaCore

/// Matches method + path to a handler. Patterns are literal segments, `{name}` parameters
/// and one trailing `{name...}` wildcard that takes the rest of the path (one or more segments).
/// A more literal route wins over a parameter, a parameter over a wildcard, whatever the
/// method: the most specific pattern that fits names the resource, and a method it lacks is
/// 405 (PATCH /media/list is not an edit of a media called "list").
public struct Router<Handler>: Sendable where Handler: Sendable {
    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        fileprivate let segments: [PatternSegment]
        /// Ranks matches: a digit per segment (literal 0, parameter 1, wildcard 2), first segment
        /// most significant, so the smaller score is the more specific route.
        fileprivate let score: Int
        public let handler: Handler
    }

    public enum Match {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public private(set) var routes: [Route] = []

    public init() {}

    /// Patterns have at most this many segments (the score holds one digit per segment).
    static var maxSegments: Int { 24 }

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = Self.split(pattern).map(PatternSegment.init)
        if let wildcard = segments.firstIndex(where: \.isWildcard) {
            precondition(wildcard == segments.count - 1, "a wildcard must be the last segment: \(pattern)")
        }
        precondition(segments.count <= Self.maxSegments, "too many segments: \(pattern)")
        var score = 0
        for index in 0..<Self.maxSegments {
            score = score * 3 + (index < segments.count ? segments[index].rank : 0)
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, score: score, handler: handler))
    }

    /// Runs for every request: routes that do not fit are ruled out without allocating, and
    /// parameters are decoded for the winner only.
    public func match(method: String, path: String) -> Match {
        let requestSegments = Self.split(path)
        var bestScore = Int.max
        var best: Int?
        var allowed: [String] = []
        // By index: copying each Route (four references) cost more than the matching itself.
        for index in routes.indices where Self.fits(routes[index].segments, requestSegments) {
            let score = routes[index].score
            if score < bestScore {
                // A more specific pattern: what was found for a less specific one does not count.
                bestScore = score
                best = nil
                allowed.removeAll(keepingCapacity: true)
            }
            guard score == bestScore else { continue }
            if routes[index].method == method {
                best = index
            } else if !allowed.contains(routes[index].method) {
                allowed.append(routes[index].method)
            }
        }
        if let best { return .found(routes[best], parameters: Self.parameters(routes[best].segments, requestSegments)) }
        if !allowed.isEmpty { return .methodNotAllowed(allowed: allowed) }
        return .notFound
    }

    /// Path segments after the leading slash, empty ones kept (`/a//b/` → a, "", b, "").
    static func split(_ path: String) -> [Substring] {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.first == "" { segments.removeFirst() }
        return segments
    }

    private static func fits(_ pattern: [PatternSegment], _ path: [Substring]) -> Bool {
        if !(pattern.last?.isWildcard ?? false), pattern.count != path.count { return false }
        for (index, segment) in pattern.enumerated() {
            guard index < path.count else { return false }
            switch segment {
            case .literal(let text):
                guard path[index] == text else { return false }
            case .parameter:
                guard !path[index].isEmpty else { return false }
            case .wildcard:
                // One or more segments, not a lone empty one.
                return path.count - index > 1 || !path[index].isEmpty
            }
        }
        return true
    }

    /// The parameters of a route that fits `path`, percent-decoded.
    private static func parameters(_ pattern: [PatternSegment], _ path: [Substring]) -> [String: String] {
        var parameters: [String: String] = [:]
        for (index, segment) in pattern.enumerated() {
            switch segment {
            case .literal: break
            case .parameter(let name): parameters[name] = PercentEncoding.decode(path[index])
            case .wildcard(let name): parameters[name] = PercentEncoding.decode(path[index...].joined(separator: "/"))
            }
        }
        return parameters
    }
}

private enum PatternSegment: Sendable {
    case literal(String)
    case parameter(String)
    case wildcard(String)

    init(_ text: Substring) {
        if text.hasPrefix("{") && text.hasSuffix("...}") {
            self = .wildcard(String(text.dropFirst().dropLast(4)))
        } else if text.hasPrefix("{") && text.hasSuffix("}") {
            self = .parameter(String(text.dropFirst().dropLast()))
        } else {
            self = .literal(String(text))
        }
    }

    var isWildcard: Bool { if case .wildcard = self { true } else { false } }

    var rank: Int {
        switch self {
        case .literal: 0
        case .parameter: 1
        case .wildcard: 2
        }
    }
}
