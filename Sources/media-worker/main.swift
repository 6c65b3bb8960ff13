import Dispatch
import Foundation
import Imaging
import MediaApp
import MediaInfra

// media-worker: runs queued jobs (variants, crops, async uploads) on WORKER_THREADS threads.
// Run several processes for more (systemd: media-worker@1..N). SIGTERM: no new jobs; jobs in
// progress get WORKER_SHUTDOWN_TIMEOUT_SECONDS to finish, else another worker takes them over.

let config: AppConfig
do {
    config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("media-worker: \(error)\n".utf8))
    exit(78)
}

var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGTERM)
sigaddset(&signals, SIGINT)
pthread_sigmask(SIG_BLOCK, &signals, nil)   // before any thread starts, so all inherit it
signal(SIGPIPE, SIG_IGN)

DatabaseConnection.initializeLibrary()
Vips.start(allowedImageTypes: config.media.allowedTypes.imageTypes)

let stopping = Flag()
let running = DispatchGroup()
let host = ProcessInfo.processInfo.hostName
for index in 0..<config.jobs.threads {
    running.enter()
    let thread = Thread {
        let resources = ServiceResources(config: config)
        JobWorker(resources: resources, consumer: "\(host)-\(getpid())-\(index)", stopping: stopping).run()
        resources.close()
        running.leave()
    }
    thread.stackSize = 8 << 20
    thread.start()
}
RequestLog().event("media-worker started", ["threads": String(config.jobs.threads), "pid": String(getpid())])

var received: Int32 = 0
sigwait(&signals, &received)
stopping.set()
RequestLog().event("media-worker stopping", ["signal": String(received)])
if running.wait(timeout: .now() + .seconds(config.jobs.shutdownTimeoutSeconds)) == .timedOut {
    RequestLog().event("media-worker stopped with jobs in progress; other workers will take them over")
}
exit(0)
