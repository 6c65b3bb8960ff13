import MediaCore

/// Encoded output: the bytes to store and what they are.
public struct EncodedImage: Sendable, Equatable {
    public var format: OutputFormat
    public var bytes: [UInt8]
    /// Size of one frame.
    public var width: Int
    public var height: Int
    /// Frames (1 unless animated).
    public var frameCount: Int

    public var mimeType: String { format.mimeType }
    public var fileExtension: String { format.fileExtension }
}

/// One generated variant (a row of the media object's `variants`).
public struct EncodedVariant: Sendable, Equatable {
    public var name: String
    public var image: EncodedImage

    public var bytes: [UInt8] { image.bytes }
    public var mimeType: String { image.mimeType }
    public var format: OutputFormat { image.format }
    public var width: Int { image.width }
    public var height: Int { image.height }

    /// `{folder}/{name}.{ext}`, `folder` being `{orgSlug}/{id}`.
    public func objectKey(folder: String) -> String {
        VariantSpec(name: name, kind: .fullSize(image.format)).objectKey(folder: folder, format: image.format)
    }
}
