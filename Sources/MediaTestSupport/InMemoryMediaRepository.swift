import Foundation
import MediaApp
import MediaCore

/// Media rows in memory, with the conditional writes of `MediaStore`, failing on demand.
public final class InMemoryMediaRepository: MediaRepository {
    public private(set) var rows: [String: Media] = [:]
    public private(set) var deleting: Set<String> = []
    /// Every write throws this, unapplied (the database is down).
    public var failsWrites: Error?
    /// The next write throws this, unapplied (a deadlock, a connection lost before the commit).
    public var failsNextWrite: Error?
    /// The next write is applied, then answered with this error: a commit whose answer was lost.
    public var losesNextCommitAnswer: Error?

    public init() {}

    public static let outage = ServiceError.unavailable("database")
    public static let duplicate = ServiceError(.conflict, "duplicate key (test)")

    public func put(_ media: Media) { rows[media.id] = media }

    public func insert(_ media: Media) throws {
        try write {
            guard rows[media.id] == nil else { throw Self.duplicate }
            rows[media.id] = media
        }
    }

    public func find(id: String, in organization: Organization) throws -> Media? {
        try find(id: id, organizationId: organization.id)
    }

    public func find(id: String, organizationId: String) throws -> Media? {
        guard let row = rows[id], row.organizationId == organizationId, !deleting.contains(id) else { return nil }
        return row
    }

    public func findForDeletion(id: String, in organization: Organization) throws -> Media? {
        guard let row = rows[id], row.organizationId == organization.id else { return nil }
        return row
    }

    public func markCompleted(_ media: Media) throws -> Bool {
        try write {
            guard rows[media.id]?.status == .pending else { return false }
            rows[media.id] = media
            return true
        }
    }

    public func replaceOriginalAndVariants(_ media: Media, status: MediaStatus, expected: Media) throws -> Bool {
        try write {
            guard let current = rows[media.id], current.bucket == expected.bucket, current.version == expected.version else { return false }
            var updated = media
            updated.status = status
            rows[media.id] = updated
            return true
        }
    }

    public func updateMetadata(_ media: Media) throws {
        try write {
            guard var row = rows[media.id] else { return }
            (row.alt, row.caption, row.description, row.isPrivate, row.bucket) = (media.alt, media.caption, media.description,
                                                                                  media.isPrivate, media.bucket)
            rows[media.id] = row
        }
    }

    public func setStatus(id: String, organizationId: String, _ status: MediaStatus) throws {
        try write { rows[id]?.status = status }
    }

    public func markDeleting(id: String, in organization: Organization) throws {
        try write { _ = deleting.insert(id) }
    }

    @discardableResult
    public func delete(id: String, in organization: Organization) throws -> Bool {
        try write {
            deleting.remove(id)
            return rows.removeValue(forKey: id) != nil
        }
    }

    private func write<T>(_ apply: () throws -> T) throws -> T {
        if let failsWrites { throw failsWrites }
        if let failure = failsNextWrite {
            failsNextWrite = nil
            throw failure
        }
        let result = try apply()
        if let lost = losesNextCommitAnswer {
            losesNextCommitAnswer = nil
            throw lost
        }
        return result
    }
}
