import Foundation
import MediaApp

// media-worker: runs queued jobs. Until the job queue lands it starts, checks its
// configuration and waits for SIGTERM, so the units and scripts can already manage it.

do {
    _ = try AppConfig.load(from: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("media-worker: \(error)\n".utf8))
    exit(78)
}
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGTERM)
sigaddset(&signals, SIGINT)
pthread_sigmask(SIG_BLOCK, &signals, nil)
FileHandle.standardError.write(Data("{\"level\":\"info\",\"event\":\"media-worker idle: no job queue yet\"}\n".utf8))
var received: Int32 = 0
sigwait(&signals, &received)
exit(0)
