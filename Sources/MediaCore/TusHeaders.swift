import Foundation

/// The tus 1.0.0 header values the service reads, parsed without I/O.
public enum TusHeaders {
    public static let version = "1.0.0"
    public static let extensions = "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum"
    public static let checksumAlgorithms = "sha1,sha256"
    public static let offsetContentType = "application/offset+octet-stream"

    /// `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent).
    /// Keys are unique ASCII without spaces or commas; values must be valid base64 and UTF-8.
    public static func metadata(_ header: String?) throws -> [String: String] {
        var pairs: [String: String] = [:]
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return pairs }
        for entry in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, pairs[String(key)] == nil,
                  key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                throw ServiceError.validation("Upload-Metadata must be comma-separated \"key base64value\" pairs with unique keys",
                                              field: "Upload-Metadata")
            }
            var value = ""
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let text = String(data: data, encoding: .utf8) else {
                    throw ServiceError.validation("the Upload-Metadata value of \(key) is not base64 of UTF-8 text", field: "Upload-Metadata")
                }
                value = text
            }
            pairs[String(key)] = value
        }
        return pairs
    }

    /// A non-negative decimal (`Upload-Length`, `Upload-Offset`).
    public static func size(_ header: String?, name: String) throws -> Int? {
        guard let header else { return nil }
        guard !header.isEmpty, header.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(header) else {
            throw ServiceError.validation("\(name) must be a non-negative integer", field: name)
        }
        return value
    }

    /// `Upload-Checksum: <algorithm> <base64 digest>`.
    public struct Checksum: Sendable, Equatable {
        public enum Algorithm: String, Sendable { case sha1, sha256 }
        public var algorithm: Algorithm
        public var digest: [UInt8]

        public init(_ header: String) throws {
            let parts = header.split(separator: " ")
            guard parts.count == 2 else {
                throw ServiceError.validation("Upload-Checksum must be \"<algorithm> <base64 digest>\"", field: "Upload-Checksum")
            }
            guard let algorithm = Algorithm(rawValue: parts[0].lowercased()) else {
                throw ServiceError.validation("Upload-Checksum algorithm \(parts[0]) is not supported; use sha1 or sha256",
                                              field: "Upload-Checksum")
            }
            guard let digest = Data(base64Encoded: String(parts[1])),
                  digest.count == (algorithm == .sha1 ? 20 : 32) else {
                throw ServiceError.validation("the Upload-Checksum digest is not a base64 \(algorithm.rawValue) digest", field: "Upload-Checksum")
            }
            self.algorithm = algorithm
            self.digest = Array(digest)
        }
    }

    /// `Upload-Expires`: RFC 9110's IMF-fixdate.
    public static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
