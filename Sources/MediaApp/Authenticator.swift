import Foundation
import MediaCore
import MediaHTTP
import MediaInfra
import Synchronization

/// Finds the caller's organization from `Authorization: Bearer <key>` or `X-API-Key`.
/// `last_used_at` is written at most once a minute per key and process, not per request.
public final class Authenticator: Sendable {
    private let lastTouched = Mutex<[String: Double]>([:])
    private let touchIntervalSeconds: Double

    public init(touchIntervalSeconds: Double = 60) { self.touchIntervalSeconds = touchIntervalSeconds }

    public func authenticate(_ request: Request, database: DatabaseConnection) throws -> Organization {
        guard let presented = Self.presentedKey(request) else {
            throw ServiceError(.unauthorized, "an API key is required: send Authorization: Bearer <key> or X-API-Key")
        }
        guard let (organization, keyId) = try APIKeyStore(database: database).authenticate(presented) else {
            throw ServiceError(.unauthorized, "the API key is not valid or has been revoked")
        }
        if shouldTouch(keyId) { try? APIKeyStore(database: database).touch(keyId: keyId) }
        return organization
    }

    static func presentedKey(_ request: Request) -> String? {
        if let authorization = request.headers["authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmed }
        }
        if let key = request.headers["x-api-key"], !key.isEmpty { return key.trimmed }
        return nil
    }

    private func shouldTouch(_ keyId: String) -> Bool {
        let now = Date().timeIntervalSince1970
        return lastTouched.withLock { times in
            if let last = times[keyId], now - last < touchIntervalSeconds { return false }
            times[keyId] = now
            return true
        }
    }
}
