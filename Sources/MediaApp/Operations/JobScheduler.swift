import Foundation
import MediaCore
import MediaHTTP

/// Queues jobs and takes media locks. A job holds its media's lock from the moment it is
/// queued, and sync work (crops, privacy moves, `complete`) holds it while it runs, so a
/// second writer on the same media answers 409 instead of racing the first.
struct JobScheduler {
    /// Locks outlive a crashed worker by at most this long; live workers keep renewing them.
    static let lockSeconds = 600
    let environment: OperationEnvironment

    func enqueue(_ type: JobType, media: Media, payload: JSONValue = .object([])) throws -> Job {
        let id = Identifier.next()
        let media = try lock(media, owner: id, sameOriginal: true)
        let job = Job(id: id, type: type, mediaId: media.id, organizationId: media.organizationId,
                      payload: payload.serializedString, createdAt: Timestamp.rfc3339(Date()))
        do {
            try environment.media.setStatus(id: media.id, organizationId: media.organizationId, .processing)
            try environment.jobs.enqueue(job)
        } catch let error as OutcomeUnknownError where error.outcomeUnknown {
            // The job may exist and run (it was stored, just not confirmed by a replica): it
            // keeps the lock and the status it will end, or the lock's TTL frees them.
            throw error
        } catch {
            _ = try? environment.jobs.unlock(mediaId: media.id, owner: id)
            _ = try? environment.media.setStatus(id: media.id, organizationId: media.organizationId, media.status)
            throw error
        }
        return job
    }

    /// Runs `body` holding the media's lock with the media as it is under the lock, or answers
    /// 409. `sameOriginal`: the caller acts on the original it looked up (a crop), so another
    /// one is 404; else any current row will do.
    func withLock<T>(_ media: Media, sameOriginal: Bool = true, _ body: (Media) throws -> T) throws -> T {
        let owner = "request-" + Identifier.next()
        let current = try lock(media, owner: owner, sameOriginal: sameOriginal)
        defer { _ = try? environment.jobs.unlock(mediaId: media.id, owner: owner) }
        return try body(current)
    }

    /// Takes the media's lock (409 if a job or request holds it), then reads its row again:
    /// the caller looked the media up before the lock, and a crop may have replaced the
    /// original in between (removing its objects). Only while the original is still the one
    /// looked up does a `sameOriginal` caller go on; else the key it was given is gone (404),
    /// as it would be a moment later.
    private func lock(_ media: Media, owner: String, sameOriginal: Bool) throws -> Media {
        guard try environment.jobs.lock(mediaId: media.id, owner: owner, ttlSeconds: Self.lockSeconds) else {
            throw ServiceError(.conflict, "media \(media.id) is being processed; try again when its job has finished")
        }
        do {
            guard let current = try environment.media.find(id: media.id, organizationId: media.organizationId) else {
                throw ServiceError.notFound("no media with id \(media.id)")
            }
            guard !sameOriginal || (current.objectKey == media.objectKey && current.version == media.version) else {
                throw ServiceError.notFound("no object \(media.objectKey)")
            }
            return current
        } catch {
            _ = try? environment.jobs.unlock(mediaId: media.id, owner: owner)
            throw error
        }
    }
}
