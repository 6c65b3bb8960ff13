import MediaCore

/// A setting that is missing or malformed; start-up stops with this one line.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let setting: String
    public let problem: String
    public var description: String { "configuration error: \(setting) \(problem)" }
}

/// Typed reads of environment variables, each failure naming its setting.
struct EnvironmentReader {
    let environment: [String: String]

    func string(_ name: String, default fallback: String? = nil) throws -> String {
        if let value = environment[name]?.trimmed, !value.isEmpty { return value }
        if let fallback { return fallback }
        throw ConfigError(setting: name, problem: "is required")
    }

    func optionalString(_ name: String) -> String? {
        guard let value = environment[name]?.trimmed, !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = optionalString(name) else { return fallback }
        guard let value = Int(text) else { throw ConfigError(setting: name, problem: "must be a whole number, got \"\(text)\"") }
        guard range.contains(value) else {
            throw ConfigError(setting: name, problem: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = optionalString(name) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigError(setting: name, problem: "must be true or false, got \"\(text)\"")
        }
    }

    /// `host[:port],host[:port]`: empty when the setting is unset.
    func addressList(_ name: String, defaultPort: Int) throws -> [NetworkAddress] {
        guard let text = optionalString(name) else { return [] }
        do {
            let addresses = try NetworkAddress.parseList(text, defaultPort: defaultPort)
            guard !addresses.isEmpty else { throw ConfigError(setting: name, problem: "must list host[:port] entries, got \"\(text)\"") }
            return addresses
        } catch let error as NetworkAddress.ParseError {
            throw ConfigError(setting: name, problem: error.description)
        }
    }

    func url(_ name: String, default fallback: String? = nil) throws -> String {
        let value = try string(name, default: fallback)
        guard value.hasPrefix("http://") || value.hasPrefix("https://"), value.count > 8 else {
            throw ConfigError(setting: name, problem: "must be an http:// or https:// URL, got \"\(value)\"")
        }
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }
}

extension String {
    var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
