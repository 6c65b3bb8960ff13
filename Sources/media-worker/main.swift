import Dispatch
import FastCGI
import Foundation
import Imaging
import MediaApp
import MediaInfra

// media-worker: runs queued jobs (variants, crops, async uploads). Started by hand or by
// systemd it is a master that keeps WORKER_PROCESSES worker processes of this binary running
// (restarting any that die; SIGHUP replaces them one by one). Each worker runs WORKER_THREADS
// job threads. SIGTERM: no new jobs; jobs in progress get WORKER_SHUTDOWN_TIMEOUT_SECONDS to
// finish, else another worker takes them over once they look idle. Beside the job threads,
// each process offers to run the periodic consistency pass (ReconcileLoop).

let config: AppConfig
do {
    config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("media-worker: \(error)\n".utf8))
    exit(78)
}
RequestLog.bootstrap(level: config.logLevel)

/// A job process that died is counted in Redis, where the API's /metrics reads the job
/// metrics (media_job_worker_restarts_total). Best effort, with a short timeout, since the
/// master's loop waits for it.
let countRestartInRedis: @Sendable (Bool) -> Void = { [redis = config.redis] recycled in
    guard !recycled else { return }
    var settings = redis
    settings.timeoutSeconds = 0.5
    let connection = RedisConnection(settings: settings)
    _ = try? JobQueue(redis: connection).addMetrics([("media_job_worker_restarts_total", 1)])
    connection.close()
}

guard PoolEnvironment.isWorker else {
    let pool = ProcessPool(options: PoolOptions(
        workers: config.jobs.processes,
        worker: WorkerOptions(threads: config.jobs.threads, maxRequests: 0,
                              shutdownTimeoutSeconds: Double(config.jobs.shutdownTimeoutSeconds)),
        socketPath: nil, socketMode: 0, restartBackoffMaxSeconds: Double(config.pool.restartBackoffMaxSeconds),
        onWorkerExit: countRestartInRedis))
    do {
        try pool.run()
    } catch {
        RequestLog().event("media-worker cannot start", ["error": "\(error)"], level: .critical)
        exit(1)
    }
}

var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGTERM)
sigaddset(&signals, SIGINT)
pthread_sigmask(SIG_BLOCK, &signals, nil)   // before any thread starts, so all inherit it
signal(SIGPIPE, SIG_IGN)

DatabaseConnection.initializeLibrary()
Vips.start(allowedImageTypes: config.media.allowedTypes.imageTypes, maxConcurrentJobs: config.media.concurrency)

let stopping = Flag()
let running = DispatchGroup()
let host = ProcessInfo.processInfo.hostName
/// Runs `body` on a thread of its own with its own connections, counted in `running`.
func startThread(_ body: @escaping @Sendable (ServiceResources) -> Void) {
    running.enter()
    let thread = Thread {
        let resources = ServiceResources(config: config)
        body(resources)
        resources.close()
        running.leave()
    }
    thread.stackSize = 8 << 20
    thread.start()
}
for index in 0..<config.jobs.threads {
    startThread { JobWorker(resources: $0, consumer: "\(host)-\(getpid())-\(index)", stopping: stopping).run() }
}
if config.reconcile.intervalSeconds > 0 {
    startThread { ReconcileLoop(resources: $0, owner: "\(host)-\(getpid())", stopping: stopping).run() }
}
PoolEnvironment.announceReady()
RequestLog().event("media-worker started", ["threads": String(config.jobs.threads), "pid": String(getpid())])

var received: Int32 = 0
sigwait(&signals, &received)
stopping.set()
RequestLog().event("media-worker stopping", ["signal": String(received), "pid": String(getpid())])
if running.wait(timeout: .now() + .seconds(config.jobs.shutdownTimeoutSeconds)) == .timedOut {
    RequestLog().event("media-worker stopped with jobs in progress; other workers will take them over")
}
exit(0)
