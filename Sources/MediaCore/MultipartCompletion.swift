/// Presigned multipart uploads: the client PUTs each part straight to S3 and then names the
/// parts it sent with the ETags S3 answered. These rules check that list against what S3 says
/// it holds, before anything is assembled: S3 itself would assemble whatever copy an ETag
/// names, and SeaweedFS keeps (and lists) a part sent again under each ETag it had, so an
/// ETag the client did not get for its last PUT of a part could assemble stale bytes.
public enum MultipartCompletion {
    /// A part as the client names it at completion.
    public struct Claimed: Sendable, Equatable {
        public var number: Int
        public var etag: String

        public init(number: Int, etag: String) { (self.number, self.etag) = (number, etag) }
    }

    /// One part number as S3 lists it: every ETag it holds under that number.
    public struct Listed: Sendable, Equatable {
        public var number: Int
        public var size: Int
        public var etags: [String]
        /// The one ETag when S3 holds one copy; nil when it holds several (the client must
        /// know which it sent last, or send the part again and keep that PUT's ETag).
        public var etag: String? { etags.count == 1 ? etags[0] : nil }
    }

    /// ETags compared without their quotes and case (`"abc"` and `abc` alike).
    public static func normalized(_ etag: String) -> String {
        var text = Substring(etag[...].trimmingSpaces())
        if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = text.dropFirst().dropLast() }
        return text.lowercased()
    }

    /// S3's listing grouped by part number, in order.
    public static func listing(_ listed: [ResumableUpload.Part]) -> [Listed] {
        var byNumber: [Int: Listed] = [:]
        for part in listed {
            byNumber[part.number, default: Listed(number: part.number, size: part.size, etags: [])].etags.append(part.etag)
        }
        return byNumber.keys.sorted().map { byNumber[$0]! }
    }

    /// The parts to assemble, with S3's own spelling of each ETag; throws the contract's error
    /// for a list that is not every part once (400), a part S3 does not hold (409), an ETag S3
    /// does not hold for that part (400) or a part of the wrong size (400).
    public static func parts(_ claimed: [Claimed], listed: [ResumableUpload.Part], upload: ResumableUpload) throws -> [ResumableUpload.Part] {
        let count = upload.partCount
        var seen = Set<Int>()
        for part in claimed {
            guard (1...max(count, 1)).contains(part.number) else {
                throw ServiceError(.validationError, "part \(part.number) is not one of the upload's parts 1…\(count)",
                                   details: ["field": "parts", "partNumber": String(part.number)])
            }
            guard seen.insert(part.number).inserted else {
                throw ServiceError(.validationError, "part \(part.number) is named twice",
                                   details: ["field": "parts", "partNumber": String(part.number)])
            }
        }
        if let missing = (1...max(count, 1)).first(where: { !seen.contains($0) }) {
            throw ServiceError(.validationError, "name every part 1…\(count) with its ETag; part \(missing) is missing",
                               details: ["field": "parts", "partNumber": String(missing)])
        }
        let held = Dictionary(grouping: listed, by: \.number)
        return try claimed.sorted { $0.number < $1.number }.map { part in
            let number = String(part.number)
            guard let copies = held[part.number], !copies.isEmpty else {
                throw ServiceError(.conflict, "part \(part.number) has not been uploaded", details: ["partNumber": number])
            }
            guard let copy = copies.first(where: { normalized($0.etag) == normalized(part.etag) }) else {
                throw ServiceError(.validationError,
                                   "the ETag of part \(part.number) is not one S3 holds for it; send the ETag its last PUT answered",
                                   details: ["field": "parts", "partNumber": number])
            }
            let expected = upload.size(ofPart: part.number)
            guard copy.size == expected else {
                throw ServiceError(.validationError, "part \(part.number) has \(copy.size) bytes; it must have \(expected)",
                                   details: ["field": "parts", "partNumber": number])
            }
            return copy
        }
    }
}

extension ResumableUpload {
    /// Parts a file of `length` bytes takes (0 while the length is unknown).
    public var partCount: Int { ((length ?? 0) + partSize - 1) / partSize }

    /// Bytes of part `number` of 1…partCount: `partSize`, and what remains for the last.
    public func size(ofPart number: Int) -> Int {
        min(partSize, (length ?? 0) - (number - 1) * partSize)
    }
}
