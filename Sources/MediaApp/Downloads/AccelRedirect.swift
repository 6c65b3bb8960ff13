import MediaHTTP
import S3

/// DOWNLOAD_ACCEL_REDIRECT mode: the handler answers at once with `X-Accel-Redirect` to an
/// internal nginx location (nginx/download-accel.conf) that proxies a presigned S3 URL, so
/// nginx streams the bytes (Range and If-None-Match pass through) and no pool thread is held
/// for the length of a transfer. nginx keeps Content-Type, Content-Disposition, Cache-Control
/// and Accept-Ranges of this answer; length, range and validators come from S3's.
enum AccelRedirect {
    /// Where nginx finds the presigned URL (read by the internal location, never sent on).
    static let originURLHeader = "X-Media-Origin-URL"
    /// The range nginx asks S3 for, as evaluated here (absent: the whole object), so both
    /// modes treat malformed and multiple ranges alike.
    static let rangeHeader = "X-Media-Range"
    /// The URL only has to last until nginx has sent its GET.
    static let urlLifetimeSeconds = 60

    static func response(_ target: DownloadTarget, range: ByteRange, location: String, storage: S3Client) throws -> Response {
        let url = try storage.presignedURL(method: .get, bucket: target.bucket, key: target.objectKey,
                                           expires: urlLifetimeSeconds)
        var headers = DownloadHeaders.common(target)
        headers.add("X-Accel-Redirect", location)
        headers.add(originURLHeader, url)
        if let value = range.headerValue { headers.add(rangeHeader, value) }
        return Response(status: 200, headers: headers)
    }
}
