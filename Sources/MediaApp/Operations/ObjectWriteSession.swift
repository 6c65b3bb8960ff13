import Foundation
import MediaCore
import S3

/// The one way the service writes objects; every write operation runs in one session:
/// - each key is noted before its PUT (a PUT whose answer was lost may still have stored it;
///   only one that never reached the store, a refused connection, stored nothing);
/// - `commit` refuses once the commit window, counted from the first write, has passed (half the
///   repair grace: older objects may already have been judged unclaimed and removed by the
///   repair pass); time spent before the first write (waiting for a decode slot) is free;
/// - a session that ends without committing removes what it wrote, except the keys the media's
///   current row still claims (a variant rebuild rewrites them in place); what the store cannot
///   remove now is handed to `leftBehind` or, without one, left to the repair pass, which
///   removes unclaimed objects once past the grace;
/// - a commit whose outcome is unknown (the database connection was lost while COMMIT was in
///   flight) removes nothing either: the row may exist; the repair pass sees which;
/// - a commit that finds the row changed by someone else (`Outcome.conflict`) removes nothing:
///   the row's new owner may claim the same keys; the repair pass judges them later.
final class ObjectWriteSession {
    enum Outcome<T> {
        case committed(T)
        /// The row is no longer what the work started from; nothing was changed.
        case conflict(String)
    }

    let storage: ObjectStorage
    /// Where this session writes.
    let bucket: String
    let isPrivate: Bool
    private let claimed: Set<String>
    /// When the first write went out; nil until then.
    private var opened: Double?
    private let clock: () -> Double
    private let windowSeconds: Double
    private(set) var written: [String] = []
    private let timer: StageTimer
    let log: RequestLog

    private init(environment: OperationEnvironment, bucket: String, isPrivate: Bool, claimed: Set<String>, timer: StageTimer) throws {
        self.storage = try environment.storage()
        self.bucket = bucket
        self.isPrivate = isPrivate
        self.claimed = claimed
        self.clock = environment.clock
        self.windowSeconds = Double(environment.config.reconcile.graceSeconds) / 2
        self.timer = timer
        self.log = environment.log
    }

    /// Runs `body` in a session writing to `bucket`. `claimed`: keys of `bucket` the media's
    /// current row references, never removed by the cleanup. `leftBehind` records the keys a
    /// failed cleanup could not remove (an upload's skeleton row, say).
    static func run<T>(_ environment: OperationEnvironment, bucket: String, isPrivate: Bool, claimed: Set<String> = [],
                       timer: StageTimer = StageTimer(), leftBehind: (([String]) -> Void)? = nil,
                       _ body: (ObjectWriteSession) throws -> Outcome<T>) throws -> T {
        let session = try ObjectWriteSession(environment: environment, bucket: bucket, isPrivate: isPrivate, claimed: claimed,
                                             timer: timer)
        let outcome: Outcome<T>
        do {
            outcome = try body(session)
        } catch let error as OutcomeUnknownError where error.outcomeUnknown {
            // The row's COMMIT may have gone through: the objects it would claim stay; the
            // repair pass removes them once past the grace if the row does not exist.
            session.log.event("commit outcome unknown; objects left for the repair pass",
                              ["bucket": bucket, "keys": session.written.joined(separator: " ")], level: .warning)
            throw error
        } catch {
            session.removeWritten(leftBehind: leftBehind)
            throw error
        }
        switch outcome {
        case .committed(let result): return result
        case .conflict(let message): throw ServiceError(.conflict, message)
        }
    }

    /// Stores `content` under `key` of the session's bucket.
    func put(_ key: String, _ content: ObjectContent, contentType: String) throws {
        try noting(key) {
            try timer.measure("storage") {
                try storage.write(content, bucket: bucket, key: key, contentType: contentType, cacheControl: cacheControl)
            }
        }
    }

    /// Copies `sourceKey` (by default `key`) from `sourceBucket` into the session's bucket as
    /// `key` (a privacy move, or a staged object published), without its bytes passing here.
    func copy(_ key: String, from sourceBucket: String, sourceKey: String? = nil, contentType: String) throws {
        try noting(key) {
            try storage.copy(key: key, from: sourceBucket, sourceKey: sourceKey ?? key, to: bucket, contentType: contentType,
                             cacheControl: cacheControl)
        }
    }

    /// Commits the row that claims the objects, if the commit window is still open.
    func commit<T>(_ row: () throws -> T) throws -> T {
        let elapsed = opened.map { clock() - $0 } ?? 0
        guard elapsed < windowSeconds else {
            throw ServiceError.unavailable("storage", "storing the objects took \(Int(elapsed)) s, longer than can be committed safely; try again")
        }
        return try timer.measure("database") { try row() }
    }

    /// After a commit: removes objects the new row no longer claims (an old version, the
    /// bucket a media left). Best effort: the repair pass removes what is left.
    func removeUnclaimed(_ keys: [String], from bucket: String, mediaId: String) {
        guard !keys.isEmpty else { return }
        if (try? storage.remove(bucket: bucket, keys: keys)) == nil {
            log.event("objects left for the repair pass", ["mediaId": mediaId, "bucket": bucket, "keys": keys.joined(separator: " ")],
                      level: .warning)
        }
    }

    /// Keys never change bytes (a crop writes new keys), so objects are immutable.
    var cacheControl: String { Self.cacheControl(isPrivate: isPrivate) }

    static func cacheControl(isPrivate: Bool) -> String {
        isPrivate ? "private, max-age=31536000, immutable" : "public, max-age=31536000, immutable"
    }

    private func noting(_ key: String, _ write: () throws -> Void) throws {
        if opened == nil { opened = clock() }
        written.append(key)
        do {
            try write()
        } catch let error as S3TransportError where error.kind == .unreachable {
            written.removeLast()
            throw error
        }
    }

    private func removeWritten(leftBehind: (([String]) -> Void)?) {
        let keys = written.filter { !claimed.contains($0) }
        guard !keys.isEmpty else { return }
        if (try? storage.remove(bucket: bucket, keys: keys)) != nil { return }
        if let leftBehind {
            leftBehind(keys)
        } else {
            log.event("objects left for the repair pass", ["bucket": bucket, "keys": keys.joined(separator: " ")], level: .warning)
        }
    }
}
