import Dispatch
import Foundation
import Logging
import MediaCore
import MediaInfra
import Synchronization

/// `/healthz`: database, Redis and storage checked at once on short-timeout connections of
/// their own, so the answer comes within ~1.5 s even when a dependency hangs, and a hung check
/// never holds a serving thread's own connections. One run answers every request of this
/// process for `reuseSeconds`, and while a run is under way other requests wait for its
/// result instead of starting their own: a flood of anonymous health checks costs at most one
/// round of probes per second per process, not one per request.
public final class HealthCheck: Sendable {
    public typealias Probe = @Sendable () throws -> Void
    public typealias Checks = [(name: String, ok: Bool)]

    private struct State {
        var latest: (checks: Checks, at: Double)?
        var running: DispatchGroup?
    }

    private let probes: [(name: String, probe: Probe)]
    private let deadlineSeconds: Double
    private let reuseSeconds: Double
    private let state = Mutex(State())
    private let logger = Logger(label: "health")

    public init(probes: [(name: String, probe: Probe)], deadlineSeconds: Double = 1.5, reuseSeconds: Double = 1) {
        self.probes = probes
        self.deadlineSeconds = deadlineSeconds
        self.reuseSeconds = reuseSeconds
    }

    /// Probes for MariaDB and Redis from the configuration, plus the storage probe given.
    public convenience init(config: AppConfig, storage: @escaping Probe) {
        var database = config.database
        database.connectTimeoutSeconds = 1
        database.queryTimeoutSeconds = 1
        var redis = config.redis
        redis.timeoutSeconds = 1
        let databaseConnection = KeptConnection { [database] in DatabaseConnection(settings: database) }
        let redisConnection = KeptConnection { [redis] in RedisConnection(settings: redis) }
        self.init(probes: [
            ("database", { try databaseConnection.use { try $0.ping() } }),
            ("redis", { try redisConnection.use { _ = try $0.command(["PING"]) } }),
            ("storage", storage),
        ])
    }

    /// Each check's result, `ok` or `error`, in the order of the probes.
    public func run() -> Checks {
        enum Step { case answer(Checks), wait(DispatchGroup), probe(DispatchGroup) }
        let now = monotonicNow()
        let step: Step = state.withLock { state in
            if let latest = state.latest, now - latest.at < reuseSeconds { return .answer(latest.checks) }
            if let running = state.running { return .wait(running) }
            let running = DispatchGroup()
            running.enter()
            state.running = running
            return .probe(running)
        }
        switch step {
        case .answer(let checks):
            return checks
        case .wait(let running):
            _ = running.wait(timeout: .now() + deadlineSeconds + 0.5)
            return state.withLock { $0.latest?.checks } ?? probes.map { ($0.name, false) }
        case .probe(let running):
            let checks = probeAll()
            logger.debug("health probed", metadata: Dictionary(uniqueKeysWithValues: checks.map { ($0.name, "\($0.ok ? "ok" : "failed")") }))
            state.withLock { $0 = State(latest: (checks, monotonicNow()), running: nil) }
            running.leave()
            return checks
        }
    }

    private func probeAll() -> Checks {
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

/// A probe's connection, kept from one health run to the next: taken out while a probe uses
/// it (so one stuck past the deadline is never used twice at once) and put back only after a
/// success; a failed one is dropped (and so closed) and the next run opens a new one.
final class KeptConnection<Connection: AnyObject>: Sendable {
    /// The one place a connection moves between threads (each health run probes on new ones).
    /// `@unchecked Sendable` is safe: the box is either in `idle` or held by the single probe
    /// that took it out under the lock, so one thread at a time uses the connection. The
    /// connection types are not `Sendable`, so no other code can share one.
    private struct Handoff: @unchecked Sendable { let connection: Connection }

    private let idle = Mutex<Handoff?>(nil)
    private let open: @Sendable () throws -> Connection

    init(_ open: @escaping @Sendable () throws -> Connection) { self.open = open }

    func use(_ probe: (Connection) throws -> Void) throws {
        let kept = idle.withLock { idle in
            defer { idle = nil }
            return idle
        }
        let connection = try kept?.connection ?? open()
        try probe(connection)
        idle.withLock { $0 = Handoff(connection: connection) }
    }
}
