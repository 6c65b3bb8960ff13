import MediaCore
import MediaHTTP
import S3

/// Streams one object from S3 to the client as the bytes arrive. One ranged/conditional GET
/// serves head and body: its answer decides status, length, range and ETag, and each piece
/// curl hands over goes straight to the output, so memory stays flat whatever the size.
struct ObjectRelay {
    let target: DownloadTarget
    let range: ByteRange
    /// The client's If-None-Match, when it is sane enough to pass on.
    let ifNoneMatch: String?

    init(target: DownloadTarget, request: Request) {
        self.target = target
        // Without a recorded size a range cannot be checked here: serve the whole object.
        range = target.size.map { ByteRange.evaluate(request.headers["range"], size: $0) } ?? .whole
        ifNoneMatch = request.headers["if-none-match"].flatMap { EntityTag.isAcceptableHeader($0) ? $0 : nil }
    }

    /// The response: a 416 at once, else a deferred body that runs the GET while it is sent.
    func response(storage: S3Client) throws -> Response {
        if range == .unsatisfiable, let size = target.size { throw ServiceError.rangeNotSatisfiable(size: size) }
        return Response(status: 200, body: .deferred { writer in try relay(from: storage, to: writer) })
    }

    /// Thrown by the data sink to stop a transfer whose answer is complete (a 304 decided here).
    private struct Finished: Error {}

    func relay(from storage: S3Client, to writer: ResponseHeadWriter) throws {
        var finished = false
        do {
            try storage.getObject(bucket: target.bucket, key: target.objectKey, range: range.headerValue,
                                  ifNoneMatch: ifNoneMatch,
                                  onHeaders: { head in finished = try sendHead(head, to: writer) },
                                  onData: { bytes in
                                      if finished { throw Finished() }
                                      try writer.write(bytes)
                                  })
        } catch is Finished {
            return
        } catch let error as S3Error where error.code == .noSuchKey {
            throw ServiceError.notFound("no object \(target.objectKey)")
        } catch let error as S3Error where error.code == .invalidRange {
            // The recorded size was stale; S3's own answer has the last word.
            throw ServiceError.rangeNotSatisfiable(size: target.size ?? 0)
        }
    }

    /// Sends the head for S3's answer; true when that answer is complete without a body.
    private func sendHead(_ head: S3ObjectHead, to writer: ResponseHeadWriter) throws -> Bool {
        // Stores that ignore If-None-Match answer 200: the ETag comparison is made here too.
        let matched = head.status == 304
            || (ifNoneMatch.map { header in head.eTag.map { EntityTag.ifNoneMatch(header, matches: $0) } ?? false } ?? false)
        if matched {
            try writer.sendHead(status: 304, headers: DownloadHeaders.notModified(target, head: head))
            return true
        }
        try writer.sendHead(status: head.status, headers: DownloadHeaders.relayed(target, head: head))
        return false
    }
}
