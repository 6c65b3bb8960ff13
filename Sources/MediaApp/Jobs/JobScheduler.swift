import Foundation
import Hashing
import MediaCore
import MediaHTTP
import MediaInfra

/// Queues jobs for the API. A job holds its media's lock from the moment it is queued, so a
/// second crop or variants request on the same media answers 409 instead of racing it.
struct JobScheduler {
    /// Locks outlive a crashed worker by at most this long; live workers keep renewing them.
    static let lockSeconds = 600
    let resources: ServiceResources

    func enqueue(_ type: JobType, media: Media, payload: JSONValue = .object([])) throws -> Job {
        let id = MediaUploader.newId()
        let queue = JobQueue(redis: resources.redis)
        let media = try lock(media, owner: id, queue: queue, sameOriginal: true)
        let job = Job(id: id, type: type, mediaId: media.id, organizationId: media.organizationId,
                      payload: payload.serializedString, createdAt: Timestamp.rfc3339(Date()))
        do {
            try resources.media.setStatus(id: media.id, organizationId: media.organizationId, .processing)
            try queue.enqueue(job)
        } catch {
            _ = try? queue.unlock(mediaId: media.id, owner: id)
            _ = try? resources.media.setStatus(id: media.id, organizationId: media.organizationId, media.status)
            throw error
        }
        return job
    }

    /// Runs `body` holding the media's lock (sync processing, privacy moves, `complete`) with
    /// the media as it is under the lock, or answers 409. `sameOriginal`: the caller acts on
    /// the original it looked up (a crop), so another one is 404; else any current row will do.
    func withLock<T>(_ media: Media, sameOriginal: Bool = true, _ body: (Media) throws -> T) throws -> T {
        let owner = "request-" + MediaUploader.newId()
        let queue = JobQueue(redis: resources.redis)
        let current = try lock(media, owner: owner, queue: queue, sameOriginal: sameOriginal)
        defer { _ = try? queue.unlock(mediaId: media.id, owner: owner) }
        return try body(current)
    }

    /// Takes the media's lock (409 if a job or request holds it), then reads its row again:
    /// the caller looked the media up before the lock, and a crop may have replaced the
    /// original in between (removing its objects). Only while the original is still the one
    /// looked up does the caller go on; else the key it was given is gone (404), as it would
    /// be a moment later.
    private func lock(_ media: Media, owner: String, queue: JobQueue, sameOriginal: Bool) throws -> Media {
        guard try queue.lock(mediaId: media.id, owner: owner, ttlSeconds: Self.lockSeconds) else {
            throw ServiceError(.conflict, "media \(media.id) is being processed; try again when its job has finished")
        }
        do {
            guard let current = try resources.media.find(id: media.id, organizationId: media.organizationId) else {
                throw ServiceError.notFound("no media with id \(media.id)")
            }
            guard !sameOriginal || (current.objectKey == media.objectKey && current.version == media.version) else {
                throw ServiceError.notFound("no object \(media.objectKey)")
            }
            return current
        } catch {
            _ = try? queue.unlock(mediaId: media.id, owner: owner)
            throw error
        }
    }
}
