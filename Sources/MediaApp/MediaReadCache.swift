import MediaCore
import MediaInfra
import Synchronization

/// What one API process remembers of the media it has read: rows (with their variants) and
/// list pages. Each entry keeps the Redis revision read before MariaDB was asked, and is served
/// again only while that revision is unchanged — every writer on every host bumps it after a
/// write (`MediaRevisions`), so a reader never sees a row older than the last completed write —
/// and for at most `lifetimeSeconds`, the bound on staleness should a write fail to reach Redis.
/// A hit costs one Redis GET instead of MariaDB statements. When Redis fails, the cache is
/// emptied and reads go to MariaDB for `pauseSeconds` (a dead Redis must not slow reads).
public final class MediaReadCache: Sendable {
    private struct Entry<Value: Sendable>: Sendable {
        let revision: String
        /// Who read it (id and slug: the slug is part of the URLs in the value).
        let reader: Organization
        let value: Value
        /// The response body made from `value` (the JSON of a media holds no time-dependent
        /// part: private media have no URL), when the reader that stored it rendered one.
        let body: [UInt8]?
    }
    /// A list page is kept as its response body only (the rows it was made of would double
    /// the memory for nothing).
    private struct PageBody: Sendable {
        let bytes: [UInt8]
    }

    private let rows: Mutex<ExpiringCache<Entry<Media>>>
    private let pages: Mutex<ExpiringCache<Entry<PageBody>>>
    /// Monotonic milliseconds until which Redis is not asked (an atomic: read on every lookup).
    private let pausedUntil = Atomic<Int>(0)
    let pauseSeconds: Double
    let lifetimeSeconds: Double

    /// Capacities bound memory (~4 KB a row with its body, ~35 KB a page of 20): at most ~15 MB
    /// per process, and in practice what was read within the last `lifetimeSeconds`.
    public init(lifetimeSeconds: Double, rowCapacity: Int = 2_000, pageCapacity: Int = 200, pauseSeconds: Double = 2) {
        rows = Mutex(ExpiringCache(lifetimeSeconds: lifetimeSeconds, capacity: rowCapacity))
        pages = Mutex(ExpiringCache(lifetimeSeconds: lifetimeSeconds, capacity: pageCapacity))
        self.pauseSeconds = pauseSeconds
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// The organization's media `id` as `load` reads it from MariaDB, or as it was read before
    /// if no write touched it since. Missing media are not remembered.
    public func media(id: String, in organization: Organization, redis: RedisConnection,
                      load: () throws -> Media?) throws -> Media? {
        try cached(in: rows, key: id, for: organization, revision: { try MediaRevisions(redis: redis).media(id) },
                   load: load, render: nil)?.value
    }

    /// Like `media`, as the response body `render` makes of it (remembered with the row).
    public func mediaBody(id: String, in organization: Organization, redis: RedisConnection,
                          load: () throws -> Media?, render: @escaping (Media) -> [UInt8]) throws -> [UInt8]? {
        guard let found = try cached(in: rows, key: id, for: organization,
                                     revision: { try MediaRevisions(redis: redis).media(id) },
                                     load: load, render: render) else { return nil }
        return found.body ?? render(found.value)
    }

    /// A list page's response body: `render` of the page (and total) `load` reads, or the body
    /// made before if no media of the organization changed since.
    public func pageBody(_ query: MediaListQuery, in organization: Organization, redis: RedisConnection,
                         load: () throws -> (items: [Media], total: Int),
                         render: (_ items: [Media], _ total: Int) -> [UInt8]) throws -> [UInt8] {
        let found = try cached(in: pages, key: organization.id + query.cacheKey, for: organization,
                               revision: { try MediaRevisions(redis: redis).organization(organization.id) },
                               load: { let (items, total) = try load(); return PageBody(bytes: render(items, total)) },
                               render: nil)
        return found?.value.bytes ?? render([], 0)   // `load` never answers nil for a page
    }

    /// Forgets everything and stops using Redis for `pauseSeconds`: a revision bump may have
    /// been lost, or the revisions cannot be read.
    public func redisFailed() {
        pausedUntil.store(Int((monotonicNow() + pauseSeconds) * 1000), ordering: .relaxed)
        rows.withLock { $0.removeAll() }
        pages.withLock { $0.removeAll() }
    }

    private func cached<Value: Sendable>(in store: borrowing Mutex<ExpiringCache<Entry<Value>>>, key: String,
                                         for organization: Organization, revision: () throws -> String,
                                         load: () throws -> Value?,
                                         render: ((Value) -> [UInt8])?) throws -> (value: Value, body: [UInt8]?)? {
        let now = monotonicNow()
        guard lifetimeSeconds > 0, pausedUntil.load(ordering: .relaxed) <= Int(now * 1000) else {
            Telemetry.readCache("bypass")
            return try load().map { ($0, nil) }
        }
        let current: String
        do {
            current = try revision()
        } catch {
            redisFailed()
            Telemetry.readCache("bypass")
            return try load().map { ($0, nil) }
        }
        if let entry = store.withLock({ $0.value(for: key, now: now) }), entry.revision == current,
           entry.reader.id == organization.id, entry.reader.slug == organization.slug {
            Telemetry.readCache("hit")
            return (entry.value, entry.body)
        }
        Telemetry.readCache("miss")
        // Stored under the revision read before MariaDB: a write that lands meanwhile bumps it
        // past `current`, so this entry is never served for it.
        guard let value = try load() else { return nil }
        let body = render?(value)
        store.withLock { $0.store(Entry(revision: current, reader: organization, value: value, body: body), for: key, now: now) }
        return (value, body)
    }
}

/// Reads as the routes make them: through the process's read cache (revisions checked on the
/// short-timeout connection) when the process has one, straight from MariaDB otherwise.
extension ServiceResources {
    public func readMedia(id: String, in organization: Organization) throws -> Media? {
        let load = { try self.media.find(id: id, in: organization) }
        guard let readCache else { return try load() }
        return try readCache.media(id: id, in: organization, redis: revisionChecks, load: load)
    }

    public func readMediaBody(id: String, in organization: Organization, render: @escaping (Media) -> [UInt8]) throws -> [UInt8]? {
        let load = { try self.media.find(id: id, in: organization) }
        guard let readCache else { return try load().map(render) }
        return try readCache.mediaBody(id: id, in: organization, redis: revisionChecks, load: load, render: render)
    }

    public func readPageBody(_ query: MediaListQuery, in organization: Organization,
                      render: (_ items: [Media], _ total: Int) -> [UInt8]) throws -> [UInt8] {
        let load = { try self.media.list(query, in: organization) }
        guard let readCache else {
            let (items, total) = try load()
            return render(items, total)
        }
        return try readCache.pageBody(query, in: organization, redis: revisionChecks, load: load, render: render)
    }
}

/// Bumps the revisions of each media this thread's writes touch (see `MediaReadCache`). A
/// bump that fails empties this process's cache; other processes' entries then live at most
/// MEDIA_CACHE_SECONDS (counted in `media_cache_revision_errors_total`).
struct MediaChangeNotifier: MediaChangeListener {
    let redis: RedisConnection
    let readCache: MediaReadCache?

    func mediaChanged(id: String, organizationId: String) {
        do {
            try MediaRevisions(redis: redis).bump(mediaId: id, organizationId: organizationId)
        } catch {
            readCache?.redisFailed()
            Telemetry.revisionBumpFailed()
        }
    }
}
