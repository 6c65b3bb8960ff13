import Foundation
import MediaCore
import MediaHTTP

/// Presigned GET URLs and the streaming download (contract: "Downloads").
enum DownloadRoutes {
    static func register(in router: inout Router<Endpoint>) {
        router.add("GET", "/api/v1/media/presign", .authenticated { context in
            let query = context.request.query
            let expiry = try DownloadOptions.expiry(query["expiry"])
            let target = try DownloadTarget.resolve(objectKey: query["objectKey"], bucket: query["bucket"],
                                                    bucketField: "bucket", context: context)
            let now = Date()
            // The browser saves the file under its original name (S3 and SeaweedFS honour this signed override).
            let disposition = ContentDisposition.value(.attachment, filename: target.filename)
            let url = try context.resources.storage().presignedURL(
                method: .get, bucket: target.bucket, key: target.objectKey, expires: expiry,
                responseOverrides: [("response-content-disposition", disposition)], now: now)
            return .json([
                "url": .string(url),
                "expiresAt": .string(Timestamp.rfc3339(now.addingTimeInterval(Double(expiry)))),
                "expiresIn": .int(expiry),
            ])
        })

        router.add("GET", "/api/v1/media/download/{bucket}/{objectKey...}", .authenticated { context in
            let target = try DownloadTarget.resolve(objectKey: context.parameter("objectKey"), bucket: context.parameter("bucket"),
                                                    bucketField: "bucket", context: context)
            let relay = ObjectRelay(target: target, request: context.request)
            let downloads = context.config.downloads
            if downloads.accelRedirect {
                if relay.range == .unsatisfiable, let size = target.size { throw ServiceError.rangeNotSatisfiable(size: size) }
                return try AccelRedirect.response(target, range: relay.range, location: downloads.accelLocation, storage: context.resources.storage())
            }
            return try relay.response(storage: context.resources.storage())
        })
    }
}
