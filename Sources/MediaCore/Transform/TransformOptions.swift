/// The processing options of a transform URL, with imgproxy's names, short forms and
/// defaults, applied in URL order (a later option wins; a preset applies its options where it
/// is named). An unknown option or a bad value is a 400 naming the option.
public struct TransformOptions: Sendable, Equatable {
    public enum ResizingType: String, Sendable, CaseIterable {
        case fit, fill, fillDown = "fill-down", force, auto
    }

    public enum Compass: String, Sendable, CaseIterable {
        case north = "no", south = "so", east = "ea", west = "we"
        case northEast = "noea", northWest = "nowe", southEast = "soea", southWest = "sowe", center = "ce"
    }

    public enum Gravity: Sendable, Equatable {
        /// A compass point with offsets in pixels (`g:no:0:10`).
        case compass(Compass, x: Double, y: Double)
        /// libvips' attention crop (`g:sm`).
        case smart
        /// The point of the source to keep in the middle, each 0...1 (`g:fp:0.3:0.6`).
        case focusPoint(x: Double, y: Double)

        public static let center = Gravity.compass(.center, x: 0, y: 0)
    }

    public enum Format: String, Sendable, CaseIterable {
        case jpg, png, webp, avif, gif

        /// The kind of file it writes, which gives its MIME type and extension.
        public var fileType: FileType {
            switch self {
            case .jpg: .jpeg
            case .png: .png
            case .webp: .webp
            case .avif: .avif
            case .gif: .gif
            }
        }

        public var mimeType: String { fileType.mimeType }
        public var fileExtension: String { fileType.fileExtension }
    }

    /// `crop:w:h:gravity`: a part of the source cut before resizing (below 1: a share of it).
    public struct Crop: Sendable, Equatable {
        public var width: Double
        public var height: Double
        public var gravity: Gravity?

        public init(width: Double, height: Double, gravity: Gravity?) {
            self.width = width
            self.height = height
            self.gravity = gravity
        }
    }

    public var resizingType = ResizingType.fit
    public var width = 0
    public var height = 0
    public var dpr = 1.0
    public var enlarge = false
    public var extend = false
    public var extendGravity = Gravity.center
    public var gravity = Gravity.center
    public var crop: Crop?
    /// 0: the service's default for the format.
    public var quality = 0
    public var format: Format?
    public var autoRotate = true
    public var rotate = 0
    public var blur = 0.0
    public var sharpen = 0.0
    public var background: [UInt8]?
    public var stripMetadata = true
    /// Unix time after which the URL is refused.
    public var expires: Int?
    public var cachebuster: String?
    public var presets: [String] = []

    public init() {}

    /// The options of `url`, with `presets` (name → options) expanded; a `default` preset
    /// applies first, as in imgproxy, and the URL's extension last (as `format`).
    public static func resolve(_ url: TransformURL, presets: [String: [TransformURL.Option]]) throws(TransformError) -> TransformOptions {
        var list = url.options
        if !url.presetSegment.isEmpty { list = [TransformURL.Option(name: "preset", arguments: url.presetSegment)] }
        if let fileExtension = url.fileExtension { list.append(TransformURL.Option(name: "format", arguments: [fileExtension])) }
        return try resolve(list, presets: presets)
    }

    /// `list` applied in order over the defaults and the `default` preset.
    public static func resolve(_ list: [TransformURL.Option], presets: [String: [TransformURL.Option]]) throws(TransformError) -> TransformOptions {
        var options = TransformOptions()
        if let defaults = presets["default"] { try options.apply(defaults, presets: presets, depth: 1) }
        try options.apply(list, presets: presets, depth: 0)
        return options
    }

    private mutating func apply(_ list: [TransformURL.Option], presets: [String: [TransformURL.Option]], depth: Int) throws(TransformError) {
        for option in list { try apply(option, presets: presets, depth: depth) }
    }

    private mutating func apply(_ option: TransformURL.Option, presets: [String: [TransformURL.Option]], depth: Int) throws(TransformError) {
        let arguments = OptionArguments(name: option.name, values: option.arguments)
        switch option.name {
        case "resize", "rs":
            try arguments.atMost(5)
            if let type = try arguments.optional(0, ResizingType.init(rawValue:), "fit, fill, fill-down, force or auto") { resizingType = type }
            try applySize(arguments.dropping(1))
        case "size", "s":
            try arguments.atMost(4)
            try applySize(arguments)
        case "resizing_type", "rt":
            resizingType = try arguments.only(ResizingType.init(rawValue:), "fit, fill, fill-down, force or auto")
        case "width", "w": width = try arguments.only(Self.dimension, "an integer from 0 to 16384")
        case "height", "h": height = try arguments.only(Self.dimension, "an integer from 0 to 16384")
        case "dpr": dpr = try arguments.only({ Double($0).flatMap { $0 > 0 && $0 <= 8 ? $0 : nil } }, "a number above 0, at most 8")
        case "enlarge", "el": enlarge = try arguments.only(Self.bool, "1 or 0")
        case "extend", "ex":
            try arguments.atMost(4)
            if let value = try arguments.optional(0, Self.bool, "1 or 0") { extend = value }
            if arguments.values.count > 1 { extendGravity = try Self.gravity(arguments.dropping(1), allowSmart: false) }
        case "gravity", "g": gravity = try Self.gravity(arguments, allowSmart: true)
        case "crop", "c":
            try arguments.atMost(5)
            let size: (String) -> Double? = { Double($0).flatMap { $0 >= 0 ? $0 : nil } }
            let width = try arguments.required(0, size, "a number of pixels, or below 1 a share of the source")
            let height = try arguments.optional(1, size, "a number of pixels, or below 1 a share of the source") ?? 0
            let gravity = arguments.values.count > 2 ? try Self.gravity(arguments.dropping(2), allowSmart: true) : nil
            crop = Crop(width: width, height: height, gravity: gravity)
        case "quality", "q": quality = try arguments.only({ Int($0).flatMap { (0...100).contains($0) ? $0 : nil } }, "an integer from 0 to 100")
        case "format", "f", "ext":
            format = try arguments.only({ Format(rawValue: $0 == "jpeg" ? "jpg" : $0) }, "jpg, png, webp, avif or gif")
        case "auto_rotate", "ar": autoRotate = try arguments.only(Self.bool, "1 or 0")
        case "rotate", "rot":
            rotate = try arguments.only({ Int($0).flatMap { $0 % 90 == 0 ? ($0 % 360 + 360) % 360 : nil } }, "a multiple of 90")
        case "blur", "bl": blur = try arguments.only(Self.sigma, "a number from 0 to 100")
        case "sharpen", "sh": sharpen = try arguments.only(Self.sigma, "a number from 0 to 100")
        case "background", "bg": background = try Self.color(arguments)
        case "strip_metadata", "sm": stripMetadata = try arguments.only(Self.bool, "1 or 0")
        case "expires", "exp": expires = try arguments.only({ Int($0).flatMap { $0 >= 0 ? $0 : nil } }, "a Unix time in seconds")
        case "cachebuster", "cb":
            cachebuster = try arguments.only({ $0.utf8.count <= 64 ? $0 : nil }, "at most 64 characters")
        case "preset", "pr":
            guard !arguments.values.isEmpty else { throw .badOption(name: option.name, "name a preset") }
            guard depth < 2 else { throw .badOption(name: option.name, "presets cannot name presets more than once deep") }
            for name in arguments.values {
                guard let expansion = presets[name] else { throw .badOption(name: option.name, "no preset \(name)") }
                self.presets.append(name)
                try apply(expansion, presets: presets, depth: depth + 1)
            }
        default:
            throw .badOption(name: option.name, "unknown option")
        }
    }


    private mutating func applySize(_ arguments: OptionArguments) throws(TransformError) {
        if let value = try arguments.optional(0, Self.dimension, "an integer from 0 to 16384") { width = value }
        if let value = try arguments.optional(1, Self.dimension, "an integer from 0 to 16384") { height = value }
        if let value = try arguments.optional(2, Self.bool, "1 or 0") { enlarge = value }
        if let value = try arguments.optional(3, Self.bool, "1 or 0") { extend = value }
    }

    // MARK: - Values

    static func dimension(_ text: String) -> Int? { Int(text).flatMap { (0...16384).contains($0) ? $0 : nil } }

    /// imgproxy's booleans: 1, t, true and 0, f, false in any case.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "t", "true": true
        case "0", "f", "false": false
        default: nil
        }
    }

    static func sigma(_ text: String) -> Double? { Double(text).flatMap { (0...100).contains($0) ? $0 : nil } }

    static func gravity(_ arguments: OptionArguments, allowSmart: Bool) throws(TransformError) -> Gravity {
        let kind = try arguments.required(0, { $0 }, "a compass point (no, so, ea, we, noea, nowe, soea, sowe, ce), sm or fp")
        switch kind {
        case "sm" where allowSmart:
            try arguments.atMost(1)
            return .smart
        case "fp":
            try arguments.atMost(3)
            let share: (String) -> Double? = { Double($0).flatMap { (0...1).contains($0) ? $0 : nil } }
            return .focusPoint(x: try arguments.required(1, share, "x from 0 to 1"), y: try arguments.required(2, share, "y from 0 to 1"))
        default:
            guard let point = Compass(rawValue: kind) else {
                throw .badOption(name: arguments.name, "\(kind) is not a gravity: no, so, ea, we, noea, nowe, soea, sowe, ce"
                                 + (allowSmart ? ", sm or fp" : " or fp"))
            }
            try arguments.atMost(3)
            let offset: (String) -> Double? = { Double($0).flatMap { abs($0) <= 16384 ? $0 : nil } }
            return .compass(point, x: try arguments.optional(1, offset, "an offset in pixels") ?? 0,
                            y: try arguments.optional(2, offset, "an offset in pixels") ?? 0)
        }
    }

    /// `bg:R:G:B` (0–255 each) or `bg:RRGGBB`.
    static func color(_ arguments: OptionArguments) throws(TransformError) -> [UInt8] {
        if arguments.values.count == 1, let hex = arguments.values.first, hex.utf8.count == 6,
           let value = UInt32(hex, radix: 16) {
            return [UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        guard arguments.values.count == 3 else { throw .badOption(name: arguments.name, "give R:G:B or a hex RRGGBB") }
        let channel: (String) -> UInt8? = { UInt8($0) }
        return [try arguments.required(0, channel, "0 to 255"), try arguments.required(1, channel, "0 to 255"),
                try arguments.required(2, channel, "0 to 255")]
    }

    // MARK: - Identity

    /// Every option that changes the output, in a fixed order and form: equivalent URLs (short
    /// or long names, options in another order, presets or their expansion) give the same
    /// string, and so share one stored derivative. `expires` changes who may ask, not the
    /// output, so it is left out; `cachebuster` is in, as its purpose is a new derivative.
    public func canonical(format: Format) -> String {
        var parts = ["rt:\(resizingType.rawValue)", "w:\(width)", "h:\(height)", "dpr:\(Self.number(dpr))",
                     "el:\(enlarge ? 1 : 0)", "ex:\(extend ? 1 : 0):\(Self.describe(extendGravity))", "g:\(Self.describe(gravity))"]
        if let crop {
            parts.append("c:\(Self.number(crop.width)):\(Self.number(crop.height)):\(crop.gravity.map(Self.describe) ?? "-")")
        }
        parts += ["q:\(quality)", "f:\(format.rawValue)", "ar:\(autoRotate ? 1 : 0)", "rot:\(rotate)", "bl:\(Self.number(blur))",
                  "sh:\(Self.number(sharpen))", "bg:\(background.map { $0.map(String.init).joined(separator: ",") } ?? "-")",
                  "sm:\(stripMetadata ? 1 : 0)"]
        if let cachebuster { parts.append("cb:\(cachebuster)") }
        return parts.joined(separator: "/")
    }

    private static func describe(_ gravity: Gravity) -> String {
        switch gravity {
        case .compass(let point, let x, let y): "\(point.rawValue):\(number(x)):\(number(y))"
        case .smart: "sm"
        case .focusPoint(let x, let y): "fp:\(number(x)):\(number(y))"
        }
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// The arguments of one option, read with the option's name in every error.
struct OptionArguments {
    let name: String
    let values: [String]

    func dropping(_ count: Int) -> OptionArguments { OptionArguments(name: name, values: Array(values.dropFirst(count))) }

    func atMost(_ count: Int) throws(TransformError) {
        guard values.count <= count else { throw .badOption(name: name, "takes at most \(count) arguments") }
    }

    /// Exactly one argument.
    func only<T>(_ parse: (String) -> T?, _ expected: String) throws(TransformError) -> T {
        guard values.count == 1 else { throw .badOption(name: name, "takes one argument: \(expected)") }
        return try required(0, parse, expected)
    }

    func required<T>(_ index: Int, _ parse: (String) -> T?, _ expected: String) throws(TransformError) -> T {
        guard let value = try optional(index, parse, expected) else { throw .badOption(name: name, "expected \(expected)") }
        return value
    }

    /// nil when the argument is absent or empty (imgproxy's "keep the default").
    func optional<T>(_ index: Int, _ parse: (String) -> T?, _ expected: String) throws(TransformError) -> T? {
        guard index < values.count, !values[index].isEmpty else { return nil }
        guard let value = parse(values[index]) else { throw .badOption(name: name, "\(values[index]) is not \(expected)") }
        return value
    }
}
