import Foundation
import MediaCore
import MediaInfra

/// What the write operations need from the outside world, as three small protocols: the
/// object store, the media rows and the job queue. Production passes `S3Client`, `MediaStore`
/// and `JobQueue`; unit tests pass the in-memory fakes of `MediaTestSupport`, which can fail
/// on demand, so each operation's failure paths run without servers.

/// Bytes to store: a staged file (streamed from disk) or bytes in memory.
public enum ObjectContent {
    case file(path: String)
    case bytes([UInt8])
}

public protocol ObjectStorage: AnyObject {
    /// Only `ObjectWriteSession` calls this: it notes the key first and cleans up on failure.
    func write(_ content: ObjectContent, bucket: String, key: String, contentType: String, cacheControl: String) throws
    /// Copies `key` of `sourceBucket` to the same key of `bucket` with new headers.
    func copy(key: String, from sourceBucket: String, sourceKey: String, to bucket: String, contentType: String, cacheControl: String) throws
    /// Streams an object; a missing one throws `ObjectStorageError.notFound`.
    func read(bucket: String, key: String, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws
    func remove(bucket: String, keys: [String]) throws
    /// Removes every object under `prefix` (never empty); the number removed.
    func removeAll(bucket: String, prefix: String) throws -> Int
    /// A URL that lets a client PUT `key` with exactly `headers` until `now + expires`.
    func presignedUpload(bucket: String, key: String, expires: Int, headers: [(name: String, value: String)], now: Date) throws -> String

    // Multipart uploads (resumable uploads assemble their staged object with them).
    /// Streams the first `length` bytes of an object.
    func read(bucket: String, key: String, length: Int, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Starts a multipart upload of `key`; its id.
    func startMultipart(bucket: String, key: String, contentType: String) throws -> String
    /// Stores (or replaces) part `number`; its ETag.
    func storePart(bucket: String, key: String, multipartId: String, number: Int, _ content: ObjectContent) throws -> String
    /// Assembles the parts into the object; the upload is then gone.
    func finishMultipart(bucket: String, key: String, multipartId: String, parts: [ResumableUpload.Part]) throws
    /// Discards the upload and its parts; one already gone is done.
    func abortMultipart(bucket: String, key: String, multipartId: String) throws
    /// A URL that lets a client PUT part `number` of exactly `size` bytes until `now + expires`.
    func presignedPart(bucket: String, key: String, multipartId: String, number: Int, size: Int, expires: Int, now: Date) throws -> String
    /// The parts S3 holds, in part-number order; a part sent again may be listed once per
    /// ETag it had (SeaweedFS keeps the earlier copies until the upload completes).
    func listParts(bucket: String, key: String, multipartId: String) throws -> [ResumableUpload.Part]
}

public enum ObjectStorageError: Error, Equatable, CustomStringConvertible {
    case notFound(bucket: String, key: String)

    public var description: String {
        switch self {
        case .notFound(let bucket, let key): "object not found: \(bucket)/\(key)"
        }
    }
}

/// The media rows, as the write operations use them (`MediaStore`).
public protocol MediaRepository {
    func insert(_ media: Media) throws
    func find(id: String, in organization: Organization) throws -> Media?
    func find(id: String, organizationId: String) throws -> Media?
    func findForDeletion(id: String, in organization: Organization) throws -> Media?
    /// Pending → its final state with its variants; false if it was no longer pending.
    func markCompleted(_ media: Media) throws -> Bool
    /// The new original and variants, only while the row still has `expected`'s bucket and version.
    func replaceOriginalAndVariants(_ media: Media, status: MediaStatus, expected: Media) throws -> Bool
    func updateMetadata(_ media: Media) throws
    func setStatus(id: String, organizationId: String, _ status: MediaStatus) throws
    func markDeleting(id: String, in organization: Organization) throws
    @discardableResult
    func delete(id: String, in organization: Organization) throws -> Bool
}

/// Resumable uploads' state (`ResumableUploadStore`).
public protocol ResumableUploadRepository {
    func insert(_ upload: ResumableUpload) throws
    func find(mediaId: String, organizationId: String) throws -> ResumableUpload?
    func expired(graceSeconds: Int, limit: Int) throws -> [ResumableUpload]
    /// Takes or renews the upload's lease for `owner`; false while another holds it.
    func lock(mediaId: String, owner: String, seconds: Int) throws -> Bool
    func unlock(mediaId: String, owner: String) throws
    /// Offset `from` → `to` with `parts`, only while `owner` holds the lease and the offset is `from`.
    func advance(mediaId: String, owner: String, from: Int, to: Int, length: Int?, parts: [ResumableUpload.Part]) throws -> Bool
    func parts(mediaId: String, through last: Int) throws -> [ResumableUpload.Part]
    func delete(mediaId: String) throws
}

/// The job queue and the media locks (`JobQueue`).
public protocol JobQueueing {
    func enqueue(_ job: Job) throws
    /// True when `owner` now holds the media's lock; false when someone else does.
    func lock(mediaId: String, owner: String, ttlSeconds: Int) throws -> Bool
    func unlock(mediaId: String, owner: String) throws
    /// Counts one use of `key` in the current window of `windowSeconds`: nil while the count is
    /// within `limit`, else the seconds until the window ends.
    func spend(_ key: String, limit: Int, windowSeconds: Int) throws -> Int?
}

extension MediaStore: MediaRepository {}
extension ResumableUploadStore: ResumableUploadRepository {}
extension JobQueue: JobQueueing {}

/// What an operation runs with: the configuration, the three ports and the clock.
public struct OperationEnvironment {
    public var config: AppConfig
    public var storage: () throws -> ObjectStorage
    public var media: MediaRepository
    public var jobs: JobQueueing
    public var uploads: ResumableUploadRepository
    /// Monotonic seconds (the commit window is measured with it).
    public var clock: () -> Double
    /// Where the operation's own lines go; a request's carry its request id.
    public var log: RequestLog

    public init(config: AppConfig, storage: @escaping () throws -> ObjectStorage, media: MediaRepository, jobs: JobQueueing,
                uploads: ResumableUploadRepository, clock: @escaping () -> Double = monotonicNow, log: RequestLog = RequestLog()) {
        (self.config, self.storage, self.media, self.jobs) = (config, storage, media, jobs)
        (self.uploads, self.clock, self.log) = (uploads, clock, log)
    }
}

extension ServiceResources {
    /// This thread's connections as the operations' ports.
    public var operations: OperationEnvironment {
        OperationEnvironment(config: config, storage: { try self.storage() }, media: media, jobs: JobQueue(redis: redis),
                             uploads: ResumableUploadStore(database: database))
    }
}

extension RequestContext {
    /// The operations' ports for this request: their log lines carry its request id.
    public var operations: OperationEnvironment {
        var environment = resources.operations
        environment.log = RequestLog(logger: logger)
        return environment
    }
}
