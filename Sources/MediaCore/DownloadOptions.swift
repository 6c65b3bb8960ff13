/// Parameters of the download endpoints (contract: "Downloads").
public enum DownloadOptions {
    public static let defaultExpiry = 3600
    public static let expiryRange = 1...86400

    /// `expiry` of a presigned URL in seconds: an integer 1–86400 in plain digits, default 3600.
    public static func expiry(_ text: String?) throws(ServiceError) -> Int {
        guard let text else { return defaultExpiry }
        // Plain digits only: Int("+5") and "5.0" are not what a client meant to send.
        guard !text.isEmpty, text.utf8.count <= 6, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let seconds = Int(text), expiryRange.contains(seconds) else {
            throw .validation("expiry must be an integer from 1 to 86400 (seconds)", field: "expiry")
        }
        return seconds
    }

    /// Whether a browser may show the type in place: raster images only. Everything else,
    /// SVG included (it can carry script), is offered as an attachment.
    public static func isInline(mimeType: String) -> Bool {
        FileType(mimeType: mimeType).isImage
    }

    /// The name a variant is saved under: `beach.jpg`'s thumbnail (`thumbnail.jpg`) is
    /// `beach-thumbnail.jpg`; `original_webp` is `beach.webp`.
    public static func variantFilename(original filename: String, variant: String, objectKey: String) -> String {
        let stem = filename.lastIndex(of: ".").map { $0 > filename.startIndex ? String(filename[..<$0]) : filename } ?? filename
        let keyName = objectKey.split(separator: "/").last.map(String.init) ?? ""
        let ext = keyName.lastIndex(of: ".").map { String(keyName[keyName.index(after: $0)...]) } ?? ""
        let base = variant == "original_webp" ? stem : "\(stem)-\(variant)"
        return ext.isEmpty ? base : "\(base).\(ext)"
    }
}
