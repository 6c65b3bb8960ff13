import CFastCGI
import Foundation
import Logging
import MediaCore
import Metrics

public struct PoolOptions: Sendable {
    public var workers: Int
    public var worker: WorkerOptions
    /// The listening socket the workers share; nil for a pool of workers that serve no socket
    /// (the job workers).
    public var socketPath: String?
    public var socketMode: mode_t
    public var restartBackoffMaxSeconds: Double
    /// Called by the master when a worker exits on its own (not drained by the master): with
    /// true when it recycled itself, false when it died. Besides the shared metrics region,
    /// for counters kept elsewhere. Runs on the master's loop: keep it short.
    public var onWorkerExit: (@Sendable (_ recycled: Bool) -> Void)?

    public init(workers: Int, worker: WorkerOptions, socketPath: String?, socketMode: mode_t, restartBackoffMaxSeconds: Double,
                onWorkerExit: (@Sendable (_ recycled: Bool) -> Void)? = nil) {
        self.workers = workers
        self.worker = worker
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.restartBackoffMaxSeconds = restartBackoffMaxSeconds
        self.onWorkerExit = onWorkerExit
    }
}

/// The master of a process pool. It owns the listening socket (if the pool has one), starts N
/// workers of this same binary (spawn + exec: a threaded process must not fork), replaces any
/// that die (with backoff when one keeps dying) or recycle, rolls them one by one on SIGHUP and
/// drains them on SIGTERM. It does no work itself.
public final class ProcessPool {
    private struct Slot {
        var pid: pid_t?
        var startedAt = 0.0
        var statusFD: Int32 = -1
        var ready = false
        var backoff: RestartBackoff
        var nextStartAt = 0.0
    }

    private let options: PoolOptions
    private let signals = SignalSet([SIGTERM, SIGINT, SIGHUP, SIGCHLD])
    private var slots: [Slot]
    /// Workers told to drain, with the time after which they are killed.
    private var retiring: [pid_t: Double] = [:]
    private var terminating = false
    private var rollRequested = false
    private var ownsSocketPath = false
    /// Counters shared with the workers (fd 5 in each), and the region cell each live worker holds.
    private var metrics: (region: MetricsRegion, fd: Int32)?
    private var metricsCells: [pid_t: Int] = [:]

    public init(options: PoolOptions) {
        self.options = options
        self.slots = Array(repeating: Slot(backoff: RestartBackoff(ceilingSeconds: options.restartBackoffMaxSeconds)),
                           count: max(1, options.workers))
    }

    public func run() throws -> Never {
        signals.block()
        if let socketPath = options.socketPath {
            ownsSocketPath = try ListenSocket.obtain(path: socketPath, mode: options.socketMode).ownsPath
        }
        metrics = Self.makeMetricsRegion(cells: 2 * slots.count + 2)
        metrics?.region.add("media_pool_worker_restarts_total", 0)
        metrics?.region.add("media_pool_worker_recycles_total", 0)
        poolLog.info("pool started", metadata: ["pid": "\(getpid())", "workers": "\(slots.count)",
                                                "threads": "\(options.worker.threads)", "socket": "\(options.socketPath ?? "-")"])
        while true {
            pump(milliseconds: 100)
            if terminating { drainAndExit() }
            if rollRequested {
                rollRequested = false
                roll()
            }
        }
    }

    /// One round: take a signal, reap children, start missing workers, note readiness.
    private func pump(milliseconds: Int) {
        switch signals.wait(milliseconds: milliseconds) {
        case SIGTERM, SIGINT: terminating = true
        case SIGHUP: rollRequested = true
        default: break
        }
        reap()
        let now = monotonicNow()
        for index in slots.indices where slots[index].pid == nil && !terminating && now >= slots[index].nextStartAt {
            spawn(into: index)
        }
        for index in slots.indices where slots[index].pid != nil && !slots[index].ready {
            pollReadiness(index)
        }
        for (pid, deadline) in retiring where now > deadline {
            kill(pid, SIGKILL)
        }
    }

    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            releaseMetricsCell(of: pid)
            if retiring.removeValue(forKey: pid) != nil { continue }
            guard let index = slots.firstIndex(where: { $0.pid == pid }) else { continue }
            closeStatus(index)
            slots[index].pid = nil
            let exitedNormally = (status & 0x7f) == 0
            let exitCode = (status >> 8) & 0xff
            let now = monotonicNow()
            if exitedNormally && exitCode == PoolEnvironment.recycledExitCode {
                poolLog.info("worker recycled", metadata: ["pid": "\(pid)"])
                metrics?.region.add("media_pool_worker_recycles_total")
                options.onWorkerExit?(true)
                slots[index].nextStartAt = now
                continue
            }
            slots[index].nextStartAt = now + slots[index].backoff.delayAfterCrash(lived: now - slots[index].startedAt)
            metrics?.region.add("media_pool_worker_restarts_total")
            options.onWorkerExit?(false)
            let how = exitedNormally ? "exit code \(exitCode)" : "signal \(status & 0x7f)"
            poolLog.error("worker died", metadata: ["pid": "\(pid)", "how": "\(how)",
                                                    "restartInSeconds": "\(String(format: "%.1f", slots[index].nextStartAt - now))"])
        }
    }

    private func spawn(into index: Int) {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            slots[index].nextStartAt = monotonicNow() + 1
            return
        }
        let readEnd = pipeFDs[0], writeEnd = pipeFDs[1]
        // Only the child's fd 4 may survive exec; dup2 onto itself keeps the flag, so clear it then.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, writeEnd == PoolEnvironment.statusFD ? 0 : FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, PoolEnvironment.statusFD)
        let cell = metrics.flatMap { metrics in (0..<metrics.region.cellCount).first { !metricsCells.values.contains($0) } }
        if let metrics {
            posix_spawn_file_actions_adddup2(&actions, metrics.fd, PoolEnvironment.metricsFD)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = SignalSet([SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1]).set
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment = ProcessInfo.processInfo.environment
        environment["LISTEN_FDS"] = nil
        environment["LISTEN_PID"] = nil
        environment["LISTEN_FDNAMES"] = nil
        environment[PoolEnvironment.roleVariable] = "worker"
        environment[MetricsRegion.fdVariable] = metrics == nil ? nil : String(PoolEnvironment.metricsFD)
        environment[MetricsRegion.cellVariable] = cell.map(String.init)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(CommandLine.arguments[0]), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
            close(writeEnd)
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(readEnd)
            poolLog.error("worker spawn failed", metadata: ["errno": "\(result)"])
            slots[index].nextStartAt = monotonicNow() + 1
            return
        }
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        if let cell {
            metrics?.region.claimCell(cell, pid: pid)
            metricsCells[pid] = cell
        }
        slots[index].pid = pid
        slots[index].startedAt = monotonicNow()
        slots[index].statusFD = readEnd
        slots[index].ready = false
        poolLog.info("worker started", metadata: ["pid": "\(pid)"])
    }

    private func pollReadiness(_ index: Int) {
        var byte: UInt8 = 0
        if read(slots[index].statusFD, &byte, 1) == 1 {
            slots[index].ready = true
            closeStatus(index)
        }
    }

    private func closeStatus(_ index: Int) {
        if slots[index].statusFD >= 0 { close(slots[index].statusFD) }
        slots[index].statusFD = -1
    }

    /// SIGHUP: for each slot, start the replacement, wait until it accepts, then drain the old one.
    /// The listener stays open throughout, so no connection is refused.
    private func roll() {
        poolLog.info("rolling restart")
        for index in slots.indices {
            guard !terminating else { return }
            let old = slots[index].pid
            if let old {
                closeStatus(index)
                retiring[old] = .infinity
                slots[index].pid = nil
            }
            slots[index].backoff.reset()
            slots[index].nextStartAt = 0
            let startDeadline = monotonicNow() + 15
            repeat { pump(milliseconds: 20) } while !slots[index].ready && !terminating && monotonicNow() < startDeadline
            guard let old else { continue }
            kill(old, SIGTERM)
            retiring[old] = monotonicNow() + options.worker.shutdownTimeoutSeconds + 2
            while retiring[old] != nil { pump(milliseconds: 20) }
        }
    }

    private func releaseMetricsCell(of pid: pid_t) {
        if let cell = metricsCells.removeValue(forKey: pid) { metrics?.region.release(cell: cell) }
    }

    /// The shared metrics region: a memfd (an unlinked file in TMPDIR where memfd_create is
    /// unavailable) kept at fd 10 or above, close-on-exec, so that it reaches the workers only
    /// through the dup2 onto fd 5. Without one the pool still runs, just without pool metrics.
    private static func makeMetricsRegion(cells: Int) -> (region: MetricsRegion, fd: Int32)? {
        var fd = cfcgi_memfd_create("media-metrics")
        if fd < 0 {
            var template = Array(((ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/media-metrics-XXXXXX").utf8CString)
            fd = mkstemp(&template)
            if fd >= 0 { unlink(template) }
        }
        guard fd >= 0 else {
            poolLog.warning("no metrics region", metadata: ["errno": "\(errno)"])
            return nil
        }
        let high = fcntl(fd, F_DUPFD_CLOEXEC, 10)
        close(fd)
        do {
            guard high >= 0 else { throw MetricsError("cannot move the metrics fd: errno \(errno)") }
            return (try MetricsRegion.create(fd: high, seriesCapacity: 8192, cells: cells), high)
        } catch {
            if high >= 0 { close(high) }
            poolLog.warning("no metrics region", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func drainAndExit() -> Never {
        poolLog.info("pool draining")
        let deadline = monotonicNow() + options.worker.shutdownTimeoutSeconds + 2
        // Our own socket: unlink it so nothing new can queue, then let workers empty the queue.
        // A systemd socket outlives us and keeps its queue for the next start: plain SIGTERM.
        if ownsSocketPath, let socketPath = options.socketPath { unlink(socketPath) }
        let drainSignal = ownsSocketPath ? SIGUSR1 : SIGTERM
        for slot in slots { if let pid = slot.pid { kill(pid, drainSignal) } }
        for pid in retiring.keys { kill(pid, drainSignal) }
        for index in slots.indices { closeStatus(index) }
        while slots.contains(where: { $0.pid != nil }) || !retiring.isEmpty {
            if monotonicNow() > deadline {
                slots.compactMap(\.pid).forEach { kill($0, SIGKILL) }
                retiring.keys.forEach { kill($0, SIGKILL) }
            }
            _ = signals.wait(milliseconds: 20)
            var status: Int32 = 0
            while case let pid = waitpid(-1, &status, WNOHANG), pid > 0 {
                releaseMetricsCell(of: pid)
                retiring[pid] = nil
                if let index = slots.firstIndex(where: { $0.pid == pid }) { slots[index].pid = nil }
            }
        }
        poolLog.info("pool stopped")
        exit(0)
    }
}
