/// Matches method + path to a handler. Patterns are literal segments, `{name}` parameters
/// and one trailing `{name...}` wildcard that takes the rest of the path (one or more segments).
/// A more literal route wins over a parameter, a parameter over a wildcard.
public struct Router<Handler>: Sendable where Handler: Sendable {
    public struct Route: Sendable {
        public let method: String
        public let pattern: String
        fileprivate let segments: [PatternSegment]
        public let handler: Handler
    }

    public enum Match {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public private(set) var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = Self.split(pattern).map(PatternSegment.init)
        if let wildcard = segments.firstIndex(where: \.isWildcard) {
            precondition(wildcard == segments.count - 1, "a wildcard must be the last segment: \(pattern)")
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    public func match(method: String, path: String) -> Match {
        let requestSegments = Self.split(path)
        var best: (route: Route, parameters: [String: String], score: [Int])?
        var allowed: [String] = []
        for route in routes {
            guard let (parameters, score) = Self.match(route.segments, requestSegments) else { continue }
            guard route.method == method else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if best == nil || score.lexicographicallyPrecedes(best!.score) {
                best = (route, parameters, score)
            }
        }
        if let best { return .found(best.route, parameters: best.parameters) }
        if !allowed.isEmpty { return .methodNotAllowed(allowed: allowed) }
        return .notFound
    }

    /// Path segments after the leading slash, empty ones kept (`/a//b/` → a, "", b, "").
    static func split(_ path: String) -> [Substring] {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.first == "" { segments.removeFirst() }
        return segments
    }

    /// Parameters by name, and a score per segment (lower is more specific) to rank matches.
    private static func match(_ pattern: [PatternSegment], _ path: [Substring]) -> ([String: String], [Int])? {
        var parameters: [String: String] = [:]
        var score: [Int] = []
        for (index, segment) in pattern.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < path.count, path[index] == text else { return nil }
                score.append(0)
            case .parameter(let name):
                guard index < path.count, !path[index].isEmpty else { return nil }
                parameters[name] = PercentEncoding.decode(path[index])
                score.append(1)
            case .wildcard(let name):
                guard index < path.count else { return nil }
                let rest = path[index...].joined(separator: "/")
                guard !rest.isEmpty else { return nil }
                parameters[name] = PercentEncoding.decode(rest)
                score.append(2)
                return (parameters, score)
            }
        }
        return path.count == pattern.count ? (parameters, score) : nil
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
}
