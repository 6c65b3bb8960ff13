import Foundation
import Hashing
import MediaCore
import MediaHTTP
import MediaInfra

/// `GET /img/{signature}/{options}/{source}`: imgproxy's URL format, no API key: the
/// signature is the authorisation. The source must be `s3://{bucket}/{objectKey}` of a media's
/// current original; nothing else is ever fetched.
enum TransformRoutes {
    static func register(in router: inout Router<Endpoint>) {
        for method in ["GET", "HEAD"] {
            router.add(method, "/img/{path...}", .open { context in
                let started = monotonicNow()
                var outcome = "refused"
                defer { Telemetry.transform(outcome: outcome, seconds: monotonicNow() - started) }
                return try answer(context, outcome: &outcome)
            })
        }
    }

    /// The response; `outcome` becomes the operation's (`hit` or `made`) once there is one.
    private static func answer(_ context: RequestContext, outcome: inout String) throws -> Response {
        let settings = context.config.transforms
        let path = String(context.request.path.dropFirst("/img".count))
        let url = try TransformURL.parse(path, presetsOnly: settings.onlyPresets)
        try TransformSignature(pairs: settings.signingPairs).verify(url)
        let options = try TransformOptions.resolve(url, presets: settings.presets)
        if let expires = options.expires, Double(expires) < Date().timeIntervalSince1970 { throw TransformError.expired }
        let media = try source(url.source, context)
        if media.isPrivate && options.expires == nil {
            throw ServiceError(.forbidden, "a private media is transformed only by a URL with an expires option")
        }
        let (format, variesWithAccept) = FormatNegotiation.choose(explicit: options.format, accept: context.request.headers["Accept"],
                                                                  source: media.fileType)
        let output = try TransformOperation(environment: context.operations).run(media, options: options, format: format)
        outcome = output.outcome
        let etag = "\"" + SHA256.hash(output.bytes).hexString.prefix(32) + "\""
        var response = Response(status: 200)
        if let condition = context.request.headers["If-None-Match"], EntityTag.ifNoneMatch(condition, matches: etag) {
            response = Response(status: 304)
        } else {
            response.body = .bytes(context.request.method == "HEAD" ? [] : output.bytes)
            response.headers.set("Content-Type", output.mimeType)
            response.headers.set("Content-Length", String(output.bytes.count))
        }
        response.headers.set("ETag", etag)
        // A derivative's bytes never change for its URL (keys carry the source's version).
        response.headers.set("Cache-Control", media.isPrivate ? "private, max-age=3600" : "public, max-age=31536000, immutable")
        if variesWithAccept { response.headers.set("Vary", "Accept") }
        if let seconds = nginxCacheSeconds(media, options, settings), response.status == 200 {
            response.headers.set("X-Accel-Expires", String(seconds))
        }
        response.headers.set("X-Transform", output.outcome)
        return response
    }

    /// How long nginx may keep this answer (nginx/media.conf.template caches only what carries
    /// X-Accel-Expires): public derivatives only, never past the URL's own expiry; nil: not at all.
    static func nginxCacheSeconds(_ media: Media, _ options: TransformOptions, _ settings: AppConfig.Transforms,
                                  now: Double = Date().timeIntervalSince1970) -> Int? {
        guard !media.isPrivate, settings.cacheSeconds > 0 else { return nil }
        var seconds = settings.cacheSeconds
        if let expires = options.expires { seconds = min(seconds, Int(Double(expires) - now)) }
        return seconds > 0 ? seconds : nil
    }

    /// The media whose current original `source` names; 404 for anything else, before any fetch.
    private static func source(_ source: String, _ context: RequestContext) throws -> Media {
        let notFound = ServiceError.notFound("the source is not a media of this service")
        guard source.hasPrefix("s3://") else { throw notFound }
        let rest = source.dropFirst("s3://".count)
        guard let slash = rest.firstIndex(of: "/") else { throw notFound }
        let bucket = String(rest[..<slash])
        guard context.config.storage.allowedBuckets.contains(bucket), let key = ObjectKey.parse(String(rest[rest.index(after: slash)...])),
              let organization = try OrganizationStore(database: context.resources.database).find(slug: key.orgSlug),
              let media = try context.resources.media.find(id: key.mediaId, in: organization),
              media.objectKey == key.text, media.bucket == bucket, media.status == .ready || media.status == .processing,
              media.fileType.isImage else { throw notFound }
        return media
    }
}
