/// The service's metric families, in the order `/metrics` lists them. Where each is recorded:
///
/// - `media_http_*`: by `Application` in every API worker, into the pool's shared region.
/// - `media_pool_*`: by the pool master (restarts, recycles) and from the region's cells.
/// - `media_job_worker_restarts_total`: by media-worker's master, in Redis (below).
/// - `media_s3_*`, `media_db_*`, `media_image_*`: by the API workers' S3 clients, database
///   connections and image pipeline, into the shared region.
/// - `media_reconcile_*`: by media-worker's consistency pass, in the same Redis hash.
/// - `media_jobs_*`, `media_job_*`: read from Redis at scrape time: queue depth and oldest
///   entry from the stream, and the counters the job workers add to the hash
///   `media:metrics:jobs` when a job finishes (one round trip per job, none per request).
public enum ServiceMetrics {
    public static let requestDuration = Histogram.seconds("media_http_request_duration_seconds")
    public static let s3Duration = Histogram.seconds("media_s3_request_duration_seconds")
    public static let databaseDuration = Histogram.seconds("media_db_query_duration_seconds")
    public static let jobDuration = Histogram(name: "media_job_duration_seconds",
                                              bounds: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], sumScale: 1_000)
    public static let transformDuration = Histogram.seconds("media_transform_duration_seconds")
    public static let decodePixels = Histogram(name: "media_image_decode_pixels",
                                               bounds: [1e5, 1e6, 4e6, 1.2e7, 2.5e7, 5e7, 1e8, 2.5e8])

    public static let families: [PrometheusText.Family] = [
        .counter("media_http_requests_total", labelled: true, "HTTP requests answered, by route pattern, method and status."),
        .histogram(requestDuration, "Time from the request reaching the application to its response, by route and method."),
        .gauge("media_http_requests_in_flight", "Requests being handled right now across the pool's workers."),
        .gauge("media_pool_workers", "Worker processes of the API pool alive right now."),
        .counter("media_pool_worker_restarts_total", "API workers that died (crash or kill) and were started again by the pool master."),
        .counter("media_pool_worker_recycles_total", "API workers replaced after serving API_MAX_REQUESTS requests."),
        .counter("media_job_worker_restarts_total", "media-worker job processes that died and were started again by their master."),
        .histogram(s3Duration, "S3 calls of the API workers (retries included), by operation."),
        .counter("media_s3_errors_total", labelled: true, "S3 calls of the API workers that failed, by operation and kind (http status class or transport)."),
        .histogram(databaseDuration, "MariaDB statements of the API workers, by operation."),
        .counter("media_db_errors_total", labelled: true, "MariaDB statements of the API workers that failed, by kind (connection or statement)."),
        .counter("media_db_transaction_retries_total", labelled: true, "Transactions of the API workers run again whole, by the MariaDB error of the attempt that failed (1213 deadlock or Galera certification conflict, 1205 lock wait timeout, or a connection lost before COMMIT)."),
        .counter("media_read_cache_lookups_total", labelled: true, "Reads of a media row or list page by the API workers, by result: hit (served from the process's cache after a Redis revision check), miss, bypass (cache off or Redis unavailable)."),
        .counter("media_cache_revision_errors_total", "Writes whose revision bump could not reach Redis (other API processes may serve the old row for up to MEDIA_CACHE_SECONDS)."),
        .counter("media_transforms_total", labelled: true, "On-the-fly transforms (/img) answered, by outcome: hit (the stored derivative, no decode), made (decoded and stored), refused (signature, options, limits, budget)."),
        .histogram(transformDuration, "Time to answer a transform, by outcome."),
        .counter("media_transform_decodes_total", "Sources the API workers decoded to make a derivative (one per new derivative, however many asked at once)."),
        .histogram(decodePixels, "Pixels of each image decoded by the API workers (variants and crops), by operation."),
        .gauge("media_jobs_queue_depth", "Jobs waiting: queued or running entries of the stream plus scheduled retries."),
        .gauge("media_jobs_oldest_age_seconds", "Age of the oldest job entry not yet finished (0 when the queue is empty)."),
        .histogram(jobDuration, "Time the job workers spent on a job attempt, by type and outcome."),
        .counter("media_jobs_completed_total", labelled: true, "Jobs completed, by type."),
        .counter("media_jobs_failed_total", labelled: true, "Jobs given up after their last attempt (or a permanent failure), by type."),
        .counter("media_jobs_retried_total", labelled: true, "Job attempts that failed and were scheduled again, by type."),
        .counter("media_reconcile_passes_total", "Consistency passes media-worker ran (RECONCILE_INTERVAL_SECONDS)."),
        .counter("media_reconcile_problems_total", "Inconsistencies those passes found (orphans, stale objects, interrupted deletes, missing objects)."),
        .counter("media_reconcile_fixed_total", "Inconsistencies those passes repaired."),
        .gauge("media_reconcile_last_pass_started_seconds", "Unix time the last completed consistency pass started."),
        .gauge("media_reconcile_last_pass_unfixed", "Inconsistencies the last pass found and could not repair."),
        .gauge("media_metrics_redis_up", "1 when the job metrics could be read from Redis for this scrape."),
    ]
}
