import CFastCGI
import Dispatch
import Foundation
import Logging
import MediaCore

/// How a pool worker was started: the listener on fd 3, a readiness pipe on fd 4.
public enum PoolEnvironment {
    static let roleVariable = "MEDIA_POOL_ROLE"
    static let listenFD: Int32 = 3
    static let statusFD: Int32 = 4
    /// The pool's metrics region (`MetricsRegion`), shared by the master and every worker.
    static let metricsFD: Int32 = 5
    /// The worker ended because it served its request quota; the master replaces it at once.
    static let recycledExitCode: Int32 = 64

    /// True in a process the pool master started as a worker.
    public static var isWorker: Bool { ProcessInfo.processInfo.environment[roleVariable] == "worker" }

    /// Tells the master this worker is ready (a rolling restart waits for it).
    public static func announceReady() {
        var byte: UInt8 = 1
        _ = write(statusFD, &byte, 1)
        close(statusFD)
    }
}

public struct WorkerOptions: Sendable {
    public var threads: Int
    /// Requests after which the worker exits to be replaced (0: never).
    public var maxRequests: Int
    public var shutdownTimeoutSeconds: Double

    public init(threads: Int, maxRequests: Int, shutdownTimeoutSeconds: Double) {
        self.threads = threads
        self.maxRequests = maxRequests
        self.shutdownTimeoutSeconds = shutdownTimeoutSeconds
    }
}

/// The life of one pool worker: serve, then drain on SIGTERM or after `maxRequests`.
public enum WorkerProcess {
    public static func run(options: WorkerOptions, makeHandler: @escaping @Sendable () -> FastCGIHandler) -> Never {
        // SIGTERM: finish requests in flight, leave queued connections to the other workers.
        // SIGUSR1: the master is shutting down and has unlinked the socket: serve the backlog too.
        let signals = SignalSet([SIGTERM, SIGINT, SIGHUP, SIGUSR1])
        signals.block()
        signal(SIGPIPE, SIG_IGN)   // a closed web-server connection is an error return, not a death
        FCGX_Init()

        let server = FastCGIServer(listenFD: PoolEnvironment.listenFD, threads: options.threads,
                                   maxRequests: options.maxRequests, makeHandler: makeHandler)
        server.start()
        PoolEnvironment.announceReady()

        var exitCode: Int32 = 0
        var drainDeadline: Double?
        while true {
            if let signal = signals.wait(milliseconds: 100), signal != SIGHUP, drainDeadline == nil {
                server.requestStop(finishingBacklog: signal == SIGUSR1)
                drainDeadline = monotonicNow() + options.shutdownTimeoutSeconds
                // Operators (and the pool tests) see when a worker stopped taking new work.
                poolLog.info("worker draining", metadata: ["pid": "\(getpid())",
                                                           "backlog": "\(signal == SIGUSR1 ? "served" : "left to the others")"])
            }
            if drainDeadline == nil, server.quotaReached {
                exitCode = PoolEnvironment.recycledExitCode
                drainDeadline = monotonicNow() + options.shutdownTimeoutSeconds
            }
            guard let deadline = drainDeadline else { continue }
            if server.waitUntilStopped(timeout: .now() + .milliseconds(50)) { break }
            if monotonicNow() > deadline {
                poolLog.warning("worker drain timed out", metadata: ["pid": "\(getpid())"])
                break
            }
        }
        exit(exitCode)
    }
}
