import Foundation
import MediaCore
import MediaHTTP
import MediaInfra
import Metrics
import S3
import Synchronization

/// Where the service records its metrics (see `ServiceMetrics` for what each family means).
/// In an API worker the region is the pool's shared one, so every process adds to the same
/// counters; elsewhere (job workers, mediactl, tests) it is the process's own.
enum Telemetry {
    static var region: MetricsRegion { MetricsRegion.shared }

    static func requestStarted() { region.addInFlight(1) }

    static func requestFinished(route: String, method: String, status: Int, seconds: Double) {
        region.addInFlight(-1)
        let key = RequestSeries.Key(route: route, method: methodLabel(method), status: status)
        let series = requestSeries.withLock { $0[key] } ?? RequestSeries.register(key, in: region, known: requestSeries)
        let histogram = ServiceMetrics.requestDuration
        if let index = series.total { region.add(seriesAt: index) }
        if let index = series.buckets[histogram.bucketIndex(for: seconds)] { region.add(seriesAt: index) }
        if let index = series.sum { region.add(seriesAt: index, histogram.scaledSum(seconds)) }
    }

    /// The method as a metrics label: one of a fixed set, so made-up methods (any token is a
    /// valid HTTP method) cannot add series without bound; anything else is OTHER.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS": method
        default: "OTHER"
        }
    }

    /// The region indexes of one route, method and status, resolved once per process: building
    /// the label text and finding its series for every request cost 5 % of a cached GET.
    struct RequestSeries: Sendable {
        struct Key: Hashable, Sendable {
            let route: String
            let method: String
            let status: Int
        }
        let total: Int?
        let buckets: [Int?]
        let sum: Int?

        /// Unknown methods on unknown routes could make many keys: past this, no more are kept.
        static let capacity = 2_000

        static func register(_ key: Key, in region: MetricsRegion, known: borrowing Mutex<[Key: RequestSeries]>) -> RequestSeries {
            let labels = PrometheusText.labels([("route", key.route), ("method", key.method)])
            let histogram = ServiceMetrics.requestDuration
            let series = RequestSeries(total: region.seriesIndex("media_http_requests_total{\(labels),status=\"\(key.status)\"}"),
                                       buckets: (0...histogram.bounds.count).map { region.seriesIndex(histogram.bucketSeries(labels: labels, bucket: $0)) },
                                       sum: region.seriesIndex(histogram.sumSeries(labels: labels)))
            known.withLock { if $0.count < capacity { $0[key] = series } }
            return series
        }
    }
    private static let requestSeries = Mutex<[RequestSeries.Key: RequestSeries]>([:])

    static func s3Call(_ record: S3CallRecord) {
        let labels = PrometheusText.labels([("operation", record.operation)])
        region.observe(ServiceMetrics.s3Duration, labels: labels, record.seconds)
        if let kind = record.errorKind {
            region.add("media_s3_errors_total{\(labels),kind=\"\(kind)\"}")
        }
    }

    static func databaseStatement(_ operation: String, seconds: Double, error: Error?) {
        region.observe(ServiceMetrics.databaseDuration, labels: PrometheusText.labels([("operation", operation)]), seconds)
        if let error {
            let kind = (error as? DatabaseError)?.isConnectionFailure == true ? "connection" : "statement"
            region.add("media_db_errors_total{kind=\"\(kind)\"}")
        }
    }

    /// A transaction run again after the server aborted it or its connection was lost.
    static func transactionRetried(_ error: DatabaseError) {
        region.add("media_db_transaction_retries_total{code=\"\(error.code)\"}")
    }

    /// A read that could have been served by the media cache: `hit`, `miss` or `bypass`.
    static func readCache(_ result: String) {
        region.add("media_read_cache_lookups_total{result=\"\(result)\"}")
    }

    static func revisionBumpFailed() { region.add("media_cache_revision_errors_total") }

    /// A transform answered: `hit`, `made` or `refused`, and how long it took.
    static func transform(outcome: String, seconds: Double) {
        let labels = PrometheusText.labels([("outcome", outcome)])
        region.add("media_transforms_total{\(labels)}")
        region.observe(ServiceMetrics.transformDuration, labels: labels, seconds)
    }

    /// A source about to be decoded for a new derivative.
    static func transformDecode(width: Int, height: Int) {
        region.add("media_transform_decodes_total")
        decoding(width: width, height: height, operation: "transform")
    }

    /// An image about to be decoded in full (variants, crop): its displayed size.
    static func decoding(width: Int?, height: Int?, operation: String) {
        guard let width, let height else { return }
        region.observe(ServiceMetrics.decodePixels, labels: PrometheusText.labels([("operation", operation)]),
                       Double(width) * Double(height))
    }

    /// The `/metrics` text: the region's series and cells, and the job metrics from Redis.
    static func exposition(resources: ServiceResources) -> String {
        var series = region.snapshot()
        let cells = region.cells()
        series.append(("media_pool_workers", cells.processes))
        series.append(("media_http_requests_in_flight", cells.inFlight))
        do {
            let queue = JobQueue(redis: resources.redis)
            series.append(("media_jobs_queue_depth", try queue.depth()))
            series.append(("media_jobs_oldest_age_seconds", try queue.oldestEntryAgeSeconds(now: Date())))
            series += try queue.metrics()
            series.append(("media_metrics_redis_up", 1))
        } catch {
            series.append(("media_metrics_redis_up", 0))
        }
        return PrometheusText.render(ServiceMetrics.families, series: series)
    }

    /// What a job worker adds to the job counters in Redis when an attempt ends.
    static func jobIncrements(type: JobType, outcome: String, seconds: Double) -> [(String, Int)] {
        let typeLabel = PrometheusText.labels([("type", type.rawValue)])
        var increments = ServiceMetrics.jobDuration.increments(labels: typeLabel + ",outcome=\"\(outcome)\"", value: seconds)
            .map { ($0.series, $0.delta) }
        switch outcome {
        case "completed": increments.append(("media_jobs_completed_total{\(typeLabel)}", 1))
        case "failed": increments.append(("media_jobs_failed_total{\(typeLabel)}", 1))
        default: increments.append(("media_jobs_retried_total{\(typeLabel)}", 1))
        }
        return increments
    }
}
