/// A transform URL in imgproxy's format, after the service's `/img` prefix:
///
///     /{signature}/{option}/{option}/.../{base64url source, may be split by /}.{extension}
///     /{signature}/{option}/.../plain/{percent-encoded source}@{extension}
///
/// An option is `name:arg:arg`; the first segment without a colon starts the source. The
/// signature covers `signedPath` exactly as sent (imgproxy: the path after the signature,
/// leading `/` included), so a URL built by any imgproxy client library verifies here.
public struct TransformURL: Sendable, Equatable {
    public struct Option: Sendable, Equatable {
        public var name: String
        public var arguments: [String]

        public init(name: String, arguments: [String]) {
            self.name = name
            self.arguments = arguments
        }
    }

    public let signature: String
    public let signedPath: String
    /// The option segments in URL order (empty in presets-only mode).
    public let options: [Option]
    /// Presets named by the first segment in presets-only mode (`TRANSFORM_ONLY_PRESETS`).
    public let presetSegment: [String]
    /// The decoded source, `s3://bucket/objectKey` for this service.
    public let source: String
    public let fileExtension: String?

    /// Parses `path` (no query string). `presetsOnly`: imgproxy's only-presets form, where the
    /// segment after the signature is a `:`-separated list of preset names.
    public static func parse(_ path: String, presetsOnly: Bool = false) throws(TransformError) -> TransformURL {
        guard path.hasPrefix("/") else { throw .badURL("the path must start with /") }
        var segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 2, !segments[0].isEmpty else { throw .badURL("a transform URL is /{signature}/{options}/{source}") }
        let signature = segments.removeFirst()
        let signedPath = String(path.dropFirst(signature.utf8.count + 1))
        var options: [Option] = []
        var presets: [String] = []
        if presetsOnly {
            guard segments.count >= 2 else { throw .badURL("give the presets, then the source") }
            presets = segments.removeFirst().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        } else {
            while let first = segments.first, first.contains(":"), first != "plain" {
                let parts = first.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                options.append(Option(name: parts[0], arguments: Array(parts.dropFirst())))
                segments.removeFirst()
            }
        }
        let (source, fileExtension) = try decodeSource(segments)
        return TransformURL(signature: signature, signedPath: signedPath, options: options, presetSegment: presets,
                            source: source, fileExtension: fileExtension)
    }

    private static func decodeSource(_ segments: [String]) throws(TransformError) -> (String, String?) {
        guard let first = segments.first, !first.isEmpty else { throw .badURL("the source is missing") }
        if first == "plain" && segments.count > 1 {
            let joined = segments.dropFirst().joined(separator: "/")
            let parts = joined.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty else { throw .badURL("a plain source is {source}@{extension}") }
            guard let source = PercentEncoding.decodeStrictly(parts[0]) else { throw .badURL("the plain source is not percent-encoded") }
            return (source, parts.count == 2 && !parts[1].isEmpty ? String(parts[1]) : nil)
        }
        let joined = segments.joined()
        let parts = joined.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { throw .badURL("an encoded source is {base64url}.{extension}") }
        guard let bytes = Base64URL.decode(String(parts[0])), let source = String(validating: bytes, as: UTF8.self) else {
            throw .badURL("the source is not base64url")
        }
        return (source, parts.count == 2 && !parts[1].isEmpty ? String(parts[1]) : nil)
    }
}

/// Why a transform URL is refused: 400 naming the option (or the URL), 403 for the signature.
public enum TransformError: Error, Equatable, Sendable {
    case badURL(String)
    case badOption(name: String, String)
    case forbiddenOption(name: String)
    case badSignature
    case expired

    public var serviceError: ServiceError {
        switch self {
        case .badURL(let message): .validation(message, field: "url")
        case .badOption(let name, let message): .validation("\(name): \(message)", field: name)
        case .forbiddenOption(let name):
            ServiceError(.forbidden, "the option \(name) is not allowed here (only presets)", details: ["field": name])
        case .badSignature: ServiceError(.forbidden, "the signature does not match the path")
        case .expired: ServiceError(.forbidden, "the URL has expired")
        }
    }
}

extension TransformError: ContractError {
    public var logDetail: String? { nil }
}
