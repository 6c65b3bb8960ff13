import Foundation
import MediaApp
import MediaCore

/// Resumable uploads' rows in memory, with the store's lease and conditional advance; the
/// lease's clock is the test's (`now`), and writes fail on demand.
public final class InMemoryUploadRepository: ResumableUploadRepository {
    public private(set) var uploads: [String: ResumableUpload] = [:]
    public private(set) var partRows: [String: [Int: ResumableUpload.Part]] = [:]
    public private(set) var leases: [String: (owner: String, until: Double)] = [:]
    /// Seconds on the lease's clock; a test moves it to make a lease lapse.
    public var now = 0.0
    /// Every write throws this, unapplied.
    public var failsWrites: Error?
    /// The next offset commit throws this, unapplied.
    public var failsNextAdvance: Error?

    public init() {}

    public func insert(_ upload: ResumableUpload) throws {
        if let failsWrites { throw failsWrites }
        uploads[upload.mediaId] = upload
    }

    public func find(mediaId: String, organizationId: String) throws -> ResumableUpload? {
        uploads[mediaId].flatMap { $0.organizationId == organizationId ? $0 : nil }
    }

    public func expired(graceSeconds: Int, limit: Int) throws -> [ResumableUpload] {
        Array(uploads.values.filter { $0.expiresAt < Date().addingTimeInterval(-Double(graceSeconds)) }.sorted { $0.expiresAt < $1.expiresAt }.prefix(limit))
    }

    public func lock(mediaId: String, owner: String, seconds: Int) throws -> Bool {
        if let failsWrites { throw failsWrites }
        guard uploads[mediaId] != nil else { return false }
        if let lease = leases[mediaId], lease.owner != owner, lease.until >= now { return false }
        leases[mediaId] = (owner, now + Double(seconds))
        return true
    }

    public func unlock(mediaId: String, owner: String) throws {
        if leases[mediaId]?.owner == owner { leases[mediaId] = nil }
    }

    public func advance(mediaId: String, owner: String, from: Int, to: Int, length: Int?, parts: [ResumableUpload.Part]) throws -> Bool {
        if let failsWrites { throw failsWrites }
        if let failure = failsNextAdvance {
            failsNextAdvance = nil
            throw failure
        }
        guard leases[mediaId]?.owner == owner, uploads[mediaId]?.offset == from else { return false }
        uploads[mediaId]!.offset = to
        uploads[mediaId]!.length = length
        for part in parts { partRows[mediaId, default: [:]][part.number] = part }
        return true
    }

    public func parts(mediaId: String, through last: Int) throws -> [ResumableUpload.Part] {
        (partRows[mediaId] ?? [:]).values.filter { $0.number <= last }.sorted { $0.number < $1.number }
    }

    public func delete(mediaId: String) throws {
        if let failsWrites { throw failsWrites }
        uploads[mediaId] = nil
        partRows[mediaId] = nil
        leases[mediaId] = nil
    }
}
