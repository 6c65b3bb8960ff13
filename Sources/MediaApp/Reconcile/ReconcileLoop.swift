import Foundation
import MediaCore
import MediaInfra

/// media-worker's own consistency pass: every RECONCILE_INTERVAL_SECONDS one worker process
/// of the installation runs what `mediactl reconcile --fix` does, with RECONCILE_GRACE_SECONDS
/// of grace. What a crash or an outage left half done (the objects of an upload killed
/// mid-way, a delete S3 refused, the old version a crop could not remove) is repaired
/// without an operator, and `/metrics` shows when it last ran and what it found.
public final class ReconcileLoop {
    private let resources: ServiceResources
    private let owner: String
    private let stopping: Flag
    private let log = RequestLog()

    public init(resources: ServiceResources, owner: String, stopping: Flag) {
        self.resources = resources
        self.owner = owner
        self.stopping = stopping
    }

    private var settings: AppConfig.Reconcile { resources.config.reconcile }

    public func run() {
        guard settings.intervalSeconds > 0 else { return }
        // Every process asks; the claim lasts one interval, so checking a few times per
        // interval starts each pass soon after the previous claim ran out.
        let checkEverySeconds = min(60, max(1, Double(settings.intervalSeconds) / 3))
        while !stopping.isSet {
            do {
                if try ReconcileSchedule(redis: resources.redis).claim(owner: owner, intervalSeconds: settings.intervalSeconds) {
                    try pass()
                } else {
                    log.event("reconcile pass claimed by another process", ["owner": owner], level: .debug)
                }
            } catch {
                log.event("reconcile pass failed; the next interval tries again", ["error": String(describing: error)], level: .error)
                resources.close()
            }
            sleepUnlessStopping(checkEverySeconds)
        }
    }

    private func pass() throws {
        let started = Date()
        let options = Reconciler.Options(fix: true, policy: Reconciliation.Policy(graceSeconds: Double(settings.graceSeconds)))
        let summary = try Reconciler(resources: resources, options: options) { [log] line in
            // The header and summary lines start with "reconcile:"; the rest name a problem or a repair.
            if !line.hasPrefix("reconcile:") { log.event("reconcile", ["detail": line]) }
        }.run()
        if summary.problems > 0 { log.event("reconcile pass repaired", ["summary": summary.line]) }
        let queue = JobQueue(redis: resources.redis)
        try queue.addMetrics([("media_reconcile_passes_total", 1), ("media_reconcile_problems_total", summary.problems),
                              ("media_reconcile_fixed_total", summary.fixed)])
        try queue.setMetrics([("media_reconcile_last_pass_started_seconds", Int(started.timeIntervalSince1970)),
                              ("media_reconcile_last_pass_unfixed", max(0, summary.problems - summary.fixed))])
    }

    private func sleepUnlessStopping(_ seconds: Double) {
        let until = monotonicNow() + seconds
        while !stopping.isSet && monotonicNow() < until { Thread.sleep(forTimeInterval: 0.25) }
    }
}
