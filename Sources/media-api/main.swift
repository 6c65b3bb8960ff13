import FastCGI
import Foundation
import Imaging
import MediaApp
import MediaInfra

// media-api: the FastCGI pool. Started by hand or systemd it is the master; the master
// starts copies of this binary as workers (MEDIA_POOL_ROLE=worker) that serve requests.

let config: AppConfig
do {
    config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("media-api: \(error)\n".utf8))
    exit(78)   // EX_CONFIG: systemd shows it as a configuration failure
}
RequestLog.bootstrap(level: config.logLevel)

if PoolEnvironment.isWorker {
    DatabaseConnection.initializeLibrary()
    Vips.start(allowedImageTypes: config.media.allowedTypes.imageTypes, maxConcurrentJobs: config.media.concurrency)
    let health = HealthCheck(config: config, storage: StorageHealth.probe(config: config))
    let application = Application(config: config, router: Routes.make(config: config, health: health))
    let readCache = MediaReadCache(lifetimeSeconds: Double(config.mediaCacheSeconds))
    WorkerProcess.run(
        options: WorkerOptions(threads: config.pool.threads, maxRequests: config.pool.maxRequests,
                               shutdownTimeoutSeconds: Double(config.pool.shutdownTimeoutSeconds))
    ) {
        APIHandler(application: application, resources: ServiceResources(config: config, readCache: readCache))
    }
} else {
    let pool = ProcessPool(options: PoolOptions(
        workers: config.pool.workers,
        worker: WorkerOptions(threads: config.pool.threads, maxRequests: config.pool.maxRequests,
                              shutdownTimeoutSeconds: Double(config.pool.shutdownTimeoutSeconds)),
        socketPath: config.pool.socketPath, socketMode: mode_t(config.pool.socketMode),
        restartBackoffMaxSeconds: Double(config.pool.restartBackoffMaxSeconds)))
    do {
        try pool.run()
    } catch {
        RequestLog().event("media-api cannot start", ["error": "\(error)"], level: .critical)
        exit(1)
    }
}
