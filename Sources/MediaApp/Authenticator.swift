import Foundation
import Hashing
import MediaCore
import MediaHTTP
import MediaInfra
import Synchronization

/// Finds the caller's organization from `Authorization: Bearer <key>` or `X-API-Key`.
/// A key checked against the database is trusted for `cacheSeconds` by this process (so a
/// read costs no key lookup, and a revoked key is refused within that time); refusals are
/// remembered too, so a flood of bad keys does not become a flood of queries. Entries are
/// found by the SHA-256 of the presented key: no secret is kept in memory in clear.
/// `last_used_at` is written at most once a minute per key and process, not per request.
public final class Authenticator: Sendable {
    private struct Verdict: Sendable {
        let organization: Organization?
        let keyId: String
    }

    private let lastTouched = Mutex<[String: Double]>([:])
    private let verdicts: Mutex<ExpiringCache<Verdict>>
    private let touchIntervalSeconds: Double

    public init(cacheSeconds: Double = 5, touchIntervalSeconds: Double = 60) {
        self.touchIntervalSeconds = touchIntervalSeconds
        verdicts = Mutex(ExpiringCache(lifetimeSeconds: cacheSeconds, capacity: 10_000))
    }

    public func authenticate(_ request: Request, database: DatabaseConnection) throws -> Organization {
        guard let presented = try Self.presentedKey(request) else {
            throw ServiceError(.unauthorized, "an API key is required: send Authorization: Bearer <key> or X-API-Key")
        }
        let cacheKey = SHA256.hash(Array(presented.utf8)).hexString
        let now = monotonicNow()
        var verdict = verdicts.withLock { $0.value(for: cacheKey, now: now) }
        if verdict == nil {
            let found = try APIKeyStore(database: database).authenticate(presented)
            let checked = Verdict(organization: found?.organization, keyId: found?.keyId ?? "")
            verdicts.withLock { $0.store(checked, for: cacheKey, now: now) }
            verdict = checked
        }
        guard let verdict, let organization = verdict.organization else {
            throw ServiceError(.unauthorized, "the API key is not valid or has been revoked")
        }
        if shouldTouch(verdict.keyId) { try? APIKeyStore(database: database).touch(keyId: verdict.keyId) }
        return organization
    }

    /// The one key a request presents, from `Authorization: Bearer` or `X-API-Key`. Both may
    /// carry it, but only the same key: nginx limits the rate by the key it sees, and two
    /// different keys would let a client be limited under one and served under the other.
    static func presentedKey(_ request: Request) throws -> String? {
        var bearer: String?
        if let authorization = request.headers["authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { bearer = String(parts[1]).trimmed }
        }
        let header = request.headers["x-api-key"].map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        if let bearer, let header, bearer != header {
            throw ServiceError(.validationError, "Authorization and X-API-Key carry different keys; send one API key",
                               details: ["field": "X-API-Key"])
        }
        return bearer ?? header
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
