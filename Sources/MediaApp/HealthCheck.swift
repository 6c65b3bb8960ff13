import Dispatch
import Foundation
import MediaInfra
import Synchronization

/// `/healthz`: database, Redis and storage checked at once on fresh short-timeout connections,
/// so the answer comes within ~1.5 s even when a dependency hangs, and a hung check never
/// holds a serving thread's own connections.
public final class HealthCheck: Sendable {
    public typealias Probe = @Sendable () throws -> Void

    private let probes: [(name: String, probe: Probe)]
    private let deadlineSeconds: Double

    public init(probes: [(name: String, probe: Probe)], deadlineSeconds: Double = 1.5) {
        self.probes = probes
        self.deadlineSeconds = deadlineSeconds
    }

    /// Probes for MariaDB and Redis from the configuration, plus the storage probe given.
    public convenience init(config: AppConfig, storage: @escaping Probe) {
        var database = config.database
        database.connectTimeoutSeconds = 1
        database.queryTimeoutSeconds = 1
        var redis = config.redis
        redis.timeoutSeconds = 1
        self.init(probes: [
            ("database", { [database] in try DatabaseConnection(settings: database).ping() }),
            ("redis", { [redis] in _ = try RedisConnection(settings: redis).command(["PING"]) }),
            ("storage", storage),
        ])
    }

    /// Each check's result, `ok` or `error`, in the order of the probes.
    public func run() -> [(name: String, ok: Bool)] {
        let results = Mutex<[String: Bool]>([:])
        let finished = DispatchGroup()
        for (name, probe) in probes {
            finished.enter()
            // A thread of its own: a probe stuck past the deadline must not block the answer.
            Thread.detachNewThread {
                let ok = (try? probe()) != nil
                results.withLock { $0[name] = ok }
                finished.leave()
            }
        }
        _ = finished.wait(timeout: .now() + deadlineSeconds)
        let snapshot = results.withLock { $0 }
        return probes.map { ($0.name, snapshot[$0.name] ?? false) }
    }
}
