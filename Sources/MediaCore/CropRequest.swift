/// A crop as the contract defines it: crop, then rotate clockwise, then scale, then encode.
public struct CropRequest: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var rotate: Int
    public var scale: Double
    public var quality: Int?
    public var format: OutputFormat?
    public var regenerateVariants: Bool

    public init(x: Int = 0, y: Int = 0, width: Int, height: Int, rotate: Int = 0, scale: Double = 1, quality: Int? = nil,
                format: OutputFormat? = nil, regenerateVariants: Bool = false) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.rotate = rotate
        self.scale = scale
        self.quality = quality
        self.format = format
        self.regenerateVariants = regenerateVariants
    }

    /// Values out of the contract's ranges are 400s naming the field (a rectangle outside the
    /// image is the imaging layer's 422 `invalid_crop`, known only with the image).
    public func validate() throws(ServiceError) {
        guard x >= 0 else { throw .validation("x must be a non-negative integer", field: "x") }
        guard y >= 0 else { throw .validation("y must be a non-negative integer", field: "y") }
        guard width >= 1 else { throw .validation("width must be a positive integer", field: "width") }
        guard height >= 1 else { throw .validation("height must be a positive integer", field: "height") }
        guard [0, 90, 180, 270].contains(rotate) else { throw .validation("rotate must be 0, 90, 180 or 270", field: "rotate") }
        guard scale > 0, scale <= 1, scale.isFinite else { throw .validation("scale must be greater than 0 and at most 1", field: "scale") }
        if let quality, !(1...100).contains(quality) { throw .validation("quality must be an integer from 1 to 100", field: "quality") }
    }

    /// Whether the rectangle lies inside an image of that displayed size. Written without
    /// `x + width`, which overflows (and traps) for a client's x near Int.max.
    public func fits(imageWidth: Int, imageHeight: Int) -> Bool {
        x >= 0 && y >= 0 && width >= 1 && height >= 1
            && width <= imageWidth && height <= imageHeight
            && x <= imageWidth - width && y <= imageHeight - height
    }
}
