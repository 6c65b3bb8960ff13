import Foundation
import MediaCore
import MediaHTTP
import MediaInfra

/// One job thread: takes the next job (or one a dead worker left behind), runs it while a
/// heartbeat keeps its stream entry and media lock alive, then records the outcome.
/// Redis or MariaDB going away only pauses the loop; it resumes when they come back.
public final class JobWorker {
    private let resources: ServiceResources
    private let consumer: String
    private let stopping: Flag
    private let log = RequestLog()
    private var config: AppConfig.Jobs { resources.config.jobs }

    public init(resources: ServiceResources, consumer: String, stopping: Flag) {
        self.resources = resources
        self.consumer = consumer
        self.stopping = stopping
    }

    public func run() {
        let queue = JobQueue(redis: resources.redis)
        var lastPromotion = 0.0
        while !stopping.isSet {
            do {
                if monotonicNow() - lastPromotion > 1 {
                    try queue.prepare()
                    try queue.promoteDueRetries()
                    lastPromotion = monotonicNow()
                }
                let delivery = try queue.reclaim(consumer: consumer, minIdleMilliseconds: config.reclaimIdleSeconds * 1000).first
                    ?? queue.next(consumer: consumer, blockMilliseconds: 1000)
                if let delivery { try process(delivery, queue: queue) }
            } catch {
                log.event("job loop paused", ["consumer": consumer, "error": String(describing: error)], level: .warning)
                resources.close()
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func process(_ delivery: JobQueue.Delivery, queue: JobQueue) throws {
        guard let job = try queue.job(id: delivery.jobId), job.state != .completed, job.state != .failed else {
            // Expired or already finished (a duplicate delivery): nothing to do but acknowledge.
            try queue.acknowledge(delivery)
            return
        }
        let attempt = try queue.start(jobId: job.id, at: Timestamp.rfc3339(Date()))
        let heartbeat = Heartbeat(settings: resources.config.redis, consumer: consumer, delivery: delivery, mediaId: job.mediaId,
                                  intervalSeconds: max(1, Double(config.reclaimIdleSeconds) / 3))
        defer { heartbeat.stop() }
        let started = monotonicNow()
        let timer = StageTimer()
        do {
            let result = try JobHandlers(resources: resources).run(job, timer: timer) { percent in
                _ = try? JobQueue(redis: self.resources.redis).progress(jobId: job.id, percent: percent)
            }
            try queue.complete(delivery, result: result.serializedString, at: Timestamp.rfc3339(Date()))
            try queue.unlock(mediaId: job.mediaId, owner: job.id)
            recordMetrics(job, outcome: "completed", since: started, queue: queue)
            log.event("job completed", ["job": job.id, "type": job.type.rawValue, "attempt": String(attempt),
                                        "seconds": String(format: "%.2f", monotonicNow() - started), "stages": timer.headerValue])
        } catch {
            let reason = Self.reason(error)
            if !JobHandlers.isPermanent(error), let delay = config.retry.delay(afterFailedAttempt: attempt) {
                try queue.retryLater(delivery, reason: reason, delaySeconds: delay)
                recordMetrics(job, outcome: "retried", since: started, queue: queue)
                log.event("job will be retried", ["job": job.id, "attempt": String(attempt), "error": reason], level: .warning)
            } else {
                JobHandlers(resources: resources).markGivenUp(job)
                try queue.fail(delivery, reason: reason, at: Timestamp.rfc3339(Date()))
                try queue.unlock(mediaId: job.mediaId, owner: job.id)
                recordMetrics(job, outcome: "failed", since: started, queue: queue)
                log.event("job failed", ["job": job.id, "attempt": String(attempt), "error": reason], level: .error)
            }
        }
    }

    /// Job metrics live in Redis, where any API worker's `/metrics` reads them; losing one
    /// increment to a Redis hiccup is better than failing the job over it.
    private func recordMetrics(_ job: Job, outcome: String, since started: Double, queue: JobQueue) {
        _ = try? queue.addMetrics(Telemetry.jobIncrements(type: job.type, outcome: outcome, seconds: monotonicNow() - started))
    }

    /// A reason a person can read, without internals.
    static func reason(_ error: Error) -> String {
        switch error {
        case let error as ServiceError: error.message
        case let error as JobFailure: error.description
        default: String(describing: error)
        }
    }
}

/// Keeps a running job's stream entry from looking idle (so it is not reclaimed) and renews
/// its media lock, on a connection of its own while the job thread is busy in libvips.
final class Heartbeat: Sendable {
    private let running = Flag(true)
    /// Signalled by `stop`, so the thread leaves at once instead of at its next tick (a
    /// sleeping heartbeat held every finished job back by up to its sleep).
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(settings: RedisSettings, consumer: String, delivery: JobQueue.Delivery, mediaId: String, intervalSeconds: Double) {
        let running = self.running
        let wake = self.wake
        let finished = self.finished
        Thread.detachNewThread {
            let redis = RedisConnection(settings: settings)
            let queue = JobQueue(redis: redis)
            while running.isSet, wake.wait(timeout: .now() + intervalSeconds) == .timedOut {
                _ = try? queue.heartbeat(consumer: consumer, entryId: delivery.entryId)
                _ = try? queue.renewLock(mediaId: mediaId, owner: delivery.jobId, ttlSeconds: JobScheduler.lockSeconds)
            }
            redis.close()
            finished.signal()
        }
    }

    func stop() {
        running.set(false)
        wake.signal()
        finished.wait()
    }
}
