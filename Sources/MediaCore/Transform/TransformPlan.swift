/// What a transform does to a source of a given displayed size, decided before any pixel is
/// decoded: the part cut first (`crop`), the size it is scaled to, the window kept of that
/// (fill), the canvas it is placed on (extend) and the rotation last. Requested sizes are of
/// the final image: for 90° and 270° the plan works on the swapped sides and rotates at the end.
public struct TransformPlan: Sendable, Equatable {
    public struct Rect: Sendable, Equatable {
        public var x, y, width, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) { (self.x, self.y, self.width, self.height) = (x, y, width, height) }
    }

    /// In the displayed source (after EXIF orientation).
    public var preCrop: Rect?
    /// The size the (pre-cropped) source is scaled to.
    public var scaledWidth: Int
    public var scaledHeight: Int
    /// The window of the scaled image that is kept: at `finalCrop`'s place, or chosen by
    /// libvips' attention strategy when `smartCrop`.
    public var finalCrop: Rect?
    public var smartCrop = false
    /// Extend: the canvas and where the image sits on it.
    public var canvas: Rect?
    public var rotate: Int
    public var outputWidth: Int
    public var outputHeight: Int

    public static func make(sourceWidth: Int, sourceHeight: Int, options: TransformOptions) -> TransformPlan {
        let swaps = options.rotate == 90 || options.rotate == 270
        let dpr = options.dpr
        var targetWidth = Int((Double(swaps ? options.height : options.width) * dpr).rounded())
        var targetHeight = Int((Double(swaps ? options.width : options.height) * dpr).rounded())

        var preCrop: Rect?
        var (width, height) = (sourceWidth, sourceHeight)
        if let crop = options.crop {
            let cropWidth = crop.width == 0 ? width : min(width, max(1, Int(crop.width < 1 ? crop.width * Double(width) : crop.width)))
            let cropHeight = crop.height == 0 ? height : min(height, max(1, Int(crop.height < 1 ? crop.height * Double(height) : crop.height)))
            let (x, y) = position(crop.gravity ?? options.gravity, outer: (width, height), inner: (cropWidth, cropHeight))
            preCrop = Rect(x: x, y: y, width: cropWidth, height: cropHeight)
            (width, height) = (cropWidth, cropHeight)
        }

        var type = options.resizingType
        if type == .auto {
            // Fill when source and target are both landscape or both portrait, else fit.
            let sameShape = targetWidth > 0 && targetHeight > 0 && (width >= height) == (targetWidth >= targetHeight)
            type = sameShape ? .fill : .fit
        }
        let scaleX = targetWidth > 0 ? Double(targetWidth) / Double(width) : 0
        let scaleY = targetHeight > 0 ? Double(targetHeight) / Double(height) : 0
        var horizontal: Double, vertical: Double
        switch type {
        case .force:
            horizontal = scaleX > 0 ? scaleX : (scaleY > 0 ? scaleY : 1)
            vertical = scaleY > 0 ? scaleY : (scaleX > 0 ? scaleX : 1)
        case .fill, .fillDown:
            let scale = max(scaleX, scaleY) > 0 ? max(scaleX, scaleY) : 1
            (horizontal, vertical) = (scale, scale)
        case .fit, .auto:
            let scale = [scaleX, scaleY].filter { $0 > 0 }.min() ?? 1
            (horizontal, vertical) = (scale, scale)
        }
        if !options.enlarge {
            if type == .fillDown, max(horizontal, vertical) > 1 {
                // Too small to fill: keep the requested shape at the source's own scale instead.
                let shrink = 1 / max(horizontal, vertical)
                targetWidth = targetWidth > 0 ? max(1, Int((Double(targetWidth) * shrink).rounded())) : 0
                targetHeight = targetHeight > 0 ? max(1, Int((Double(targetHeight) * shrink).rounded())) : 0
            }
            (horizontal, vertical) = (min(horizontal, 1), min(vertical, 1))
        }
        let scaledWidth = max(1, Int((Double(width) * horizontal).rounded()))
        let scaledHeight = max(1, Int((Double(height) * vertical).rounded()))

        var plan = TransformPlan(preCrop: preCrop, scaledWidth: scaledWidth, scaledHeight: scaledHeight, finalCrop: nil,
                                 canvas: nil, rotate: options.rotate, outputWidth: scaledWidth, outputHeight: scaledHeight)
        if type == .fill || type == .fillDown {
            let keepWidth = targetWidth > 0 ? min(targetWidth, scaledWidth) : scaledWidth
            let keepHeight = targetHeight > 0 ? min(targetHeight, scaledHeight) : scaledHeight
            if keepWidth < scaledWidth || keepHeight < scaledHeight {
                let (x, y) = position(options.gravity, outer: (scaledWidth, scaledHeight), inner: (keepWidth, keepHeight))
                plan.finalCrop = Rect(x: x, y: y, width: keepWidth, height: keepHeight)
                plan.smartCrop = options.gravity == .smart
                (plan.outputWidth, plan.outputHeight) = (keepWidth, keepHeight)
            }
        }
        if options.extend, targetWidth > plan.outputWidth || targetHeight > plan.outputHeight {
            let canvasWidth = max(targetWidth, plan.outputWidth), canvasHeight = max(targetHeight, plan.outputHeight)
            let (x, y) = position(options.extendGravity, outer: (canvasWidth, canvasHeight), inner: (plan.outputWidth, plan.outputHeight))
            plan.canvas = Rect(x: x, y: y, width: canvasWidth, height: canvasHeight)
            (plan.outputWidth, plan.outputHeight) = (canvasWidth, canvasHeight)
        }
        if swaps { (plan.outputWidth, plan.outputHeight) = (plan.outputHeight, plan.outputWidth) }
        return plan
    }

    /// Where an `inner` box goes inside `outer` for a gravity, clamped inside it. Compass
    /// offsets move away from the edge named (imgproxy's sense); a focus point is centred where
    /// possible; `sm` is centred here (libvips chooses the window when cropping).
    static func position(_ gravity: TransformOptions.Gravity, outer: (Int, Int), inner: (Int, Int)) -> (Int, Int) {
        let freeX = Double(outer.0 - inner.0), freeY = Double(outer.1 - inner.1)
        var x = freeX / 2, y = freeY / 2
        switch gravity {
        case .smart:
            break
        case .focusPoint(let fx, let fy):
            x = fx * Double(outer.0) - Double(inner.0) / 2
            y = fy * Double(outer.1) - Double(inner.1) / 2
        case .compass(let point, let offsetX, let offsetY):
            switch point {
            case .west, .northWest, .southWest: x = offsetX
            case .east, .northEast, .southEast: x = freeX - offsetX
            default: x += offsetX
            }
            switch point {
            case .north, .northWest, .northEast: y = offsetY
            case .south, .southWest, .southEast: y = freeY - offsetY
            default: y += offsetY
            }
        }
        return (Int(min(max(0, x), freeX).rounded()), Int(min(max(0, y), freeY).rounded()))
    }
}
