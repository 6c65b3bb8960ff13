import Imaging
import MediaCore
import MediaHTTP
import MediaInfra

/// What each job type does. Throws `JobFailure.permanent` for failures a retry cannot fix.
struct JobHandlers {
    let resources: ServiceResources

    func run(_ job: Job, timer: StageTimer = StageTimer(), progress: @escaping (Int) -> Void) throws -> JSONValue {
        guard let media = try resources.media.find(id: job.mediaId, organizationId: job.organizationId) else {
            throw JobFailure.permanent("media \(job.mediaId) no longer exists")
        }
        let processor = ProcessingOperation(environment: resources.operations, progress: progress, timer: timer)
        switch job.type {
        case .variants, .upload:
            let updated = try processor.rebuildVariants(media)
            return ["mediaId": .string(media.id), "variants": .int(updated.variants.count)]
        case .crop:
            let payload = try JSONParser.parse(Array(job.payload.utf8))
            let reader = try JSONObjectReader(payload, allowed: CropFields.all.union(["targetVersion"]))
            let request = try CropFields.request(from: reader)
            guard let target = try reader.int("targetVersion", in: 1...Int(Int32.max)) else {
                throw JobFailure.permanent("crop job without a target version")
            }
            let updated = try processor.crop(media, request, targetVersion: target)
            return ["mediaId": .string(media.id), "objectKey": .string(updated.objectKey), "width": .optional(updated.width),
                    "height": .optional(updated.height), "variants": .int(updated.variants.count)]
        }
    }

    /// After the last attempt: an async upload is `failed`; other jobs leave the original as it
    /// was, so the media is `ready` again.
    func markGivenUp(_ job: Job) {
        let status: MediaStatus = job.type == .upload ? .failed : .ready
        _ = try? resources.media.setStatus(id: job.mediaId, organizationId: job.organizationId, status)
    }

    /// Failures no retry can fix: the client's input (bad image, bad crop), not our dependencies.
    static func isPermanent(_ error: Error) -> Bool {
        switch error {
        case is JobFailure: true
        case let error as ServiceError: error.code.status < 500
        case let error as ImagingError: if case .sourceUnavailable = error { false } else { true }
        default: false
        }
    }
}

enum JobFailure: Error, CustomStringConvertible {
    case permanent(String)
    var description: String { if case .permanent(let reason) = self { reason } else { "" } }
}
