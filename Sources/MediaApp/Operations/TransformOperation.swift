import Foundation
import Hashing
import Imaging
import MediaCore

/// Answers a signed transform of a media's original: the stored derivative when there is one
/// (no decode), else made once — concurrent first requests for the same derivative wait for
/// the one that holds its lock — stored under the media's folder through the write session,
/// and answered. New derivatives count against the organization's budget; hits never do.
struct TransformOperation {
    let environment: OperationEnvironment
    var timer = StageTimer()
    var config: AppConfig { environment.config }

    struct Output {
        var bytes: [UInt8]
        var mimeType: String
        var key: String
        /// `hit`: served as stored; `made`: decoded for this request.
        var outcome: String
    }

    /// How long a request waits for another one making the same derivative.
    static let waitSeconds = 30.0

    func run(_ media: Media, options: TransformOptions, format: TransformOptions.Format) throws -> Output {
        let digest = SHA256.hash(Array(options.canonical(format: format).utf8)).hexString.prefix(20)
        let key = ObjectKey.derivative(orgSlug: media.orgSlug, mediaId: media.id, version: media.version, digest: String(digest),
                                       fileExtension: format.fileExtension).text
        if let stored = try stored(media, key) { return Output(bytes: stored, mimeType: format.mimeType, key: key, outcome: "hit") }
        let owner = "transform-" + Identifier.next()
        let lock = "transform:\(digest):\(media.id)"
        let deadline = environment.clock() + Self.waitSeconds
        // Another request making it holds the lock: wait for the lock (a Redis SET), not for the
        // object (an S3 GET per try); whoever takes it next finds the derivative stored.
        while try !environment.jobs.lock(mediaId: lock, owner: owner, ttlSeconds: 120) {
            guard environment.clock() < deadline else { throw ServiceError.unavailable("transforms", "the derivative is still being made; try again") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        defer { _ = try? environment.jobs.unlock(mediaId: lock, owner: owner) }
        if let stored = try stored(media, key) { return Output(bytes: stored, mimeType: format.mimeType, key: key, outcome: "hit") }
        if config.transforms.budgetPerMinute > 0,
           let retryAfter = try environment.jobs.spend("transforms:\(media.organizationId)", limit: config.transforms.budgetPerMinute,
                                                      windowSeconds: 60) {
            throw ServiceError(.rateLimited, "this organization made its \(config.transforms.budgetPerMinute) new derivatives for this minute",
                               details: ["retryAfter": String(retryAfter)])
        }
        let made = try make(media, options: options, format: format)
        try ObjectWriteSession.run(environment, bucket: media.bucket, isPrivate: media.isPrivate, timer: timer) { session in
            try session.put(key, .bytes(made.bytes), contentType: made.mimeType)
            return .committed(try session.commit { })
        }
        return Output(bytes: made.bytes, mimeType: made.mimeType, key: key, outcome: "made")
    }

    /// The plan is checked against the limits before the source is fetched.
    private func make(_ media: Media, options: TransformOptions, format: TransformOptions.Format) throws -> TransformedImage {
        let limits = config.transforms
        if let width = media.width, let height = media.height {
            if width * height > limits.maxSourcePixels {
                throw ServiceError(.invalidImage, "the source has \(width * height) pixels, more than transforms take (\(limits.maxSourcePixels))")
            }
            try checkOutput(TransformPlan.make(sourceWidth: width, sourceHeight: height, options: options))
        }
        let original = try ProcessingOperation(environment: environment, timer: timer).stageOriginal(of: media)
        let transformer = Transformer(encoding: config.media.encoding, maxSourcePixels: limits.maxSourcePixels)
        let info = try transformer.probe(.file(path: original.path))
        let plan = TransformPlan.make(sourceWidth: options.autoRotate ? info.width : info.storedWidth,
                                      sourceHeight: options.autoRotate ? info.height : info.storedHeight, options: options)
        try checkOutput(plan)
        Telemetry.transformDecode(width: info.width, height: info.height)
        return try timer.measure("transform") {
            try transformer.transform(.file(path: original.path), plan: plan, options: options, format: format,
                                      waited: { timer.add("queued", seconds: $0) })
        }
    }

    private func checkOutput(_ plan: TransformPlan) throws {
        let limit = config.transforms.maxDimension
        guard plan.outputWidth <= limit, plan.outputHeight <= limit else {
            throw ServiceError.validation("the output would be \(plan.outputWidth)x\(plan.outputHeight), more than \(limit) on a side",
                                          field: "size")
        }
    }

    private func stored(_ media: Media, _ key: String) throws -> [UInt8]? {
        var bytes: [UInt8] = []
        do {
            try environment.storage().read(bucket: media.bucket, key: key) { bytes.append(contentsOf: $0) }
            return bytes
        } catch ObjectStorageError.notFound {
            return nil
        }
    }
}
