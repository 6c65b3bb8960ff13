import MediaCore

/// Reads a JSON request object field by field, every mistake a 400 naming the field.
/// Unknown members are refused, so a typo never silently does nothing, and so is `null` for
/// a field that is not nullable (only `nullableString` takes it): left out is the only way
/// to leave a field out, as the contract's types say.
public struct JSONObjectReader {
    public let value: JSONValue
    private let members: [String: JSONValue]

    public init(_ value: JSONValue, allowed: Set<String>) throws(ServiceError) {
        guard case .object(let pairs) = value else { throw .validation("the body must be a JSON object", field: "body") }
        if let unknown = pairs.map(\.0).first(where: { !allowed.contains($0) }) {
            throw .validation("unknown field \(unknown)", field: unknown)
        }
        self.value = value
        self.members = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    /// Reads and parses a JSON body (empty body → `{}`). The declared type is not insisted on
    /// (`curl -d` says form-urlencoded), but a multipart form is clearly not JSON.
    public static func read(_ request: Request, limit: Int, allowed: Set<String>) throws -> JSONObjectReader {
        let bytes = try request.body.readAll(limit: limit)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            return try JSONObjectReader(.object([]), allowed: allowed)
        }
        if let type = request.mediaType, type.hasPrefix("multipart/") {
            throw ServiceError.validation("the body must be JSON (Content-Type: application/json)", field: "Content-Type")
        }
        return try JSONObjectReader(try JSONParser.parse(bytes), allowed: allowed)
    }

    public func has(_ name: String) -> Bool { members[name] != nil }

    public func string(_ name: String) throws(ServiceError) -> String? {
        guard let member = members[name] else { return nil }
        guard let text = member.stringValue else { throw .validation("\(name) must be a string", field: name) }
        return text
    }

    public func requiredString(_ name: String) throws(ServiceError) -> String {
        guard let text = try string(name), !text.isEmpty else { throw .validation("\(name) is required", field: name) }
        return text
    }

    public func bool(_ name: String) throws(ServiceError) -> Bool? {
        guard let member = members[name] else { return nil }
        guard let flag = member.boolValue else { throw .validation("\(name) must be true or false", field: name) }
        return flag
    }

    public func int(_ name: String, in range: ClosedRange<Int>) throws(ServiceError) -> Int? {
        guard let member = members[name] else { return nil }
        guard let number = member.intValue, range.contains(number) else {
            throw .validation("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return number
    }

    /// Any whole number (range checks are the caller's, with their own message).
    public func int(_ name: String) throws(ServiceError) -> Int? {
        guard let member = members[name] else { return nil }
        guard let number = member.intValue else { throw .validation("\(name) must be an integer", field: name) }
        return number
    }

    public func double(_ name: String) throws(ServiceError) -> Double? {
        guard let member = members[name] else { return nil }
        guard let number = member.doubleValue else { throw .validation("\(name) must be a number", field: name) }
        return number
    }

    /// A field that may be given as a string, given as null (clear it), or left out (keep it).
    public func nullableString(_ name: String) throws(ServiceError) -> NullableUpdate<String> {
        guard let member = members[name] else { return .keep }
        if member.isNull { return .clear }
        guard let text = member.stringValue else { throw .validation("\(name) must be a string or null", field: name) }
        return .set(text)
    }

    public func member(_ name: String) -> JSONValue? { members[name] }
}

/// PATCH semantics: omitted stays, null clears, a value replaces.
public enum NullableUpdate<Value: Sendable>: Sendable {
    case keep
    case clear
    case set(Value)
}
