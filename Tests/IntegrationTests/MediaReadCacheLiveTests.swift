import Foundation
import MediaApp
import MediaCore
import MediaInfra
import XCTest

/// Against the live MariaDB and Redis of `scripts/test`: two API processes (each its own
/// cache and connections). A write through one is seen at once by the other, whose cache holds
/// the old row; with Redis unreachable, reads go to MariaDB.
final class MediaReadCacheLiveTests: XCTestCase {
    private var config: AppConfig!

    override func setUpWithError() throws {
        _ = try LiveDatabase.settings()
        config = try AppConfig.load(from: ProcessInfo.processInfo.environment)
    }

    private func newMedia(_ organization: Organization) -> Media {
        let id = UUID().uuidString.lowercased()
        return Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: "media",
                     objectKey: "\(organization.slug)/\(id)/original.jpg", filename: "photo.jpg", mimeType: "image/jpeg",
                     size: 10, width: 4, height: 3, checksum: nil, isPrivate: false, status: .ready, createdAt: "", updatedAt: "")
    }

    /// Reads through `cache` as an API worker would, counting the MariaDB loads.
    private final class Reader {
        let cache: MediaReadCache
        let resources: ServiceResources
        let organization: Organization
        var loads = 0

        init(_ cache: MediaReadCache, _ resources: ServiceResources, _ organization: Organization) {
            self.cache = cache
            self.resources = resources
            self.organization = organization
        }

        func media(_ id: String) throws -> Media? {
            try cache.media(id: id, in: organization, redis: resources.redis) {
                loads += 1
                return try resources.media.find(id: id, in: organization)
            }
        }

        func page() throws -> [String] {
            let body = try cache.pageBody(MediaListQuery(), in: organization, redis: resources.redis, load: {
                self.loads += 1
                return try self.resources.media.list(MediaListQuery(), in: self.organization)
            }, render: { items, _ in Array(items.map(\.id).joined(separator: ",").utf8) })
            return String(decoding: body, as: UTF8.self).split(separator: ",").map(String.init)
        }
    }

    func testAWriteByAnotherProcessIsSeenAtOnce() throws {
        let first = ServiceResources(config: config, readCache: MediaReadCache(lifetimeSeconds: 300))
        let second = ServiceResources(config: config, readCache: MediaReadCache(lifetimeSeconds: 300))
        defer { first.close(); second.close() }
        let organization = try LiveDatabase.newOrganization(first.database, prefix: "readcache")
        defer { _ = try? first.database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)]) }
        let reader = Reader(first.readCache!, first, organization)

        var media = newMedia(organization)
        try second.media.insert(media)
        XCTAssertNil(try reader.media(media.id)?.alt)
        XCTAssertNil(try reader.media(media.id)?.alt)
        XCTAssertEqual(reader.loads, 1, "the second read is served from the cache")

        media.alt = "edited elsewhere"
        try second.media.updateMetadata(media)
        XCTAssertEqual(try reader.media(media.id)?.alt, "edited elsewhere", "the other process's write is seen at once")
        XCTAssertEqual(reader.loads, 2)

        XCTAssertEqual(try reader.page(), [media.id])
        XCTAssertEqual(try reader.page(), [media.id])
        XCTAssertEqual(reader.loads, 3, "the page too is served from the cache")
        let added = newMedia(organization)
        try second.media.insert(added)
        XCTAssertEqual(Set(try reader.page()), [media.id, added.id], "any write in the organization renews its pages")

        try second.media.markDeleting(id: media.id, in: organization)
        XCTAssertNil(try reader.media(media.id), "a media being deleted is gone at once")
        XCTAssertEqual(try reader.page(), [added.id])

        let stranger = try LiveDatabase.newOrganization(first.database, prefix: "readcache-other")
        XCTAssertNil(try Reader(first.readCache!, first, stranger).media(added.id),
                     "a cached row is never served to another organization")
    }

    func testWithRedisUnreachableReadsGoToTheDatabaseAndAFailedBumpEmptiesTheCache() throws {
        var offline = config!
        offline.redis.port = 1   // nothing listens there
        offline.redis.timeoutSeconds = 0.5
        let cache = MediaReadCache(lifetimeSeconds: 300, pauseSeconds: 0.5)
        let online = ServiceResources(config: config, readCache: cache)
        let unreachable = ServiceResources(config: offline, readCache: cache)
        defer { online.close(); unreachable.close() }
        let organization = try LiveDatabase.newOrganization(online.database, prefix: "readcache-down")
        defer { _ = try? online.database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)]) }
        var media = newMedia(organization)
        try online.media.insert(media)

        let reader = Reader(cache, online, organization)
        _ = try reader.media(media.id)
        _ = try reader.media(media.id)
        XCTAssertEqual(reader.loads, 1)

        // A writer whose revision bump cannot reach Redis: its own process forgets what it read.
        media.caption = "written while Redis was away"
        try unreachable.media.updateMetadata(media)
        XCTAssertEqual(try reader.media(media.id)?.caption, "written while Redis was away")
        XCTAssertEqual(reader.loads, 2)

        let blind = Reader(cache, unreachable, organization)
        for _ in 0..<3 { XCTAssertEqual(try blind.media(media.id)?.caption, "written while Redis was away") }
        XCTAssertEqual(blind.loads, 3, "no revision to check: every read goes to MariaDB")

        Thread.sleep(forTimeInterval: 0.6)   // the pause after a Redis failure is over
        _ = try reader.media(media.id)
        _ = try reader.media(media.id)
        XCTAssertEqual(reader.loads, 3, "with Redis back, reads are cached again")
    }

    func testAHungRedisCostsAReadAtMostItsShortTimeout() throws {
        // A listener that never answers: connections are queued, commands get no reply.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        XCTAssertTrue(bound)
        XCTAssertEqual(listen(listener, 16), 0)

        var hung = config!
        hung.redis.port = Int(UInt16(bigEndian: address.sin_port))
        let resources = ServiceResources(config: hung, readCache: MediaReadCache(lifetimeSeconds: 300))
        defer { resources.close() }
        let organization = try LiveDatabase.newOrganization(resources.database, prefix: "readcache-hung")
        defer { _ = try? resources.database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)]) }
        let media = newMedia(organization)
        try MediaStore(database: resources.database).insert(media)   // no revision bump: Redis is the hung one

        let started = Date()
        let found = try resources.readMedia(id: media.id, in: organization)   // as the routes read
        let waited = Date().timeIntervalSince(started)
        XCTAssertEqual(found?.id, media.id, "the read falls back to MariaDB")
        XCTAssertLessThan(waited, 1.0, "waited \(waited) s: the revision check gives up after its short timeout")
    }
}
