/// A file's real type, sniffed from its first bytes. The type a client declares (name, header)
/// is never trusted: uploads are classified by `FileType.sniff` alone.
public enum FileType: String, Sendable, Hashable, CaseIterable {
    case jpeg, png, gif, webp, avif, heic, tiff, jxl, pdf, svg, xml, html
    /// Anything not recognised; stored (if allowed at all) as `application/octet-stream`.
    case unknown

    /// How many leading bytes `sniff` wants to see. Fewer work (a short file is all there is),
    /// but SVG and HTML behind a long XML prolog or comment may then go unrecognised.
    public static let sniffLength = 4096

    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .avif: "image/avif"
        case .heic: "image/heic"
        case .tiff: "image/tiff"
        case .jxl: "image/jxl"
        case .pdf: "application/pdf"
        case .svg: "image/svg+xml"
        case .xml: "application/xml"
        case .html: "text/html"
        case .unknown: "application/octet-stream"
        }
    }

    /// The extension objects of this type are stored under (`original.jpg`).
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .tiff: "tiff"
        case .unknown: "bin"
        default: rawValue
        }
    }

    /// A raster image format. SVG is not one: it is markup that can carry scripts and is never
    /// rasterised here, so it gets no width, height or variants.
    public var isImage: Bool {
        switch self {
        case .jpeg, .png, .gif, .webp, .avif, .heic, .tiff, .jxl: true
        case .pdf, .svg, .xml, .html, .unknown: false
        }
    }

    /// Formats whose animation the service keeps through variants (GIF and WebP).
    public var isAnimatedCapable: Bool { self == .gif || self == .webp }

    /// The type stored under `mimeType` (the service writes only `FileType.mimeType` values);
    /// anything else is `.unknown`. The one place a MIME string becomes a kind of file.
    public init(mimeType: String) {
        self = Self.byMimeType[mimeType.lowercased()] ?? .unknown
    }

    private static let byMimeType = Dictionary(uniqueKeysWithValues: allCases.map { ($0.mimeType, $0) })

    /// The type whose configuration name is `name` (`jpeg`, `jpg`, `png`, `tif`, …), if any.
    public init?(name: String) {
        switch name.lowercased() {
        case "jpg", "jpe": self = .jpeg
        case "tif": self = .tiff
        case "heif": self = .heic
        case "htm": self = .html
        case "bin", "octet-stream": self = .unknown
        default:
            guard let type = FileType(rawValue: name.lowercased()) else { return nil }
            self = type
        }
    }

    /// Classifies a file from its first bytes (ideally `sniffLength` of them; an empty prefix is
    /// `.unknown`). Only the bytes count: magic numbers for binary formats, and for text the
    /// first element after any BOM, whitespace, XML declaration, comments and doctype.
    public static func sniff(_ prefix: [UInt8]) -> FileType {
        let bytes = prefix.prefix(sniffLength)
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return .gif }
        if bytes.starts(with: Array("RIFF".utf8)), bytes.count >= 12,
           bytes.dropFirst(8).starts(with: Array("WEBP".utf8)) { return .webp }
        if let brand = isoBrandType(Array(bytes)) { return brand }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
            || bytes.starts(with: [0x49, 0x49, 0x2B, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2B]) {
            return .tiff
        }
        if bytes.starts(with: [0xFF, 0x0A])
            || bytes.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A]) {
            return .jxl
        }
        // Readers accept "%PDF-" anywhere in the first KiB, so a refusal must look as far.
        if containsSequence(Array(bytes.prefix(1024)), Array("%PDF-".utf8)) { return .pdf }
        return MarkupSniffer.sniff(Array(bytes)) ?? .unknown
    }

    /// AVIF and HEIC are ISO-BMFF files: an `ftyp` box whose brands name the codec.
    private static func isoBrandType(_ bytes: [UInt8]) -> FileType? {
        guard bytes.count >= 16, Array(bytes[4..<8]) == Array("ftyp".utf8) else { return nil }
        let boxSize = bytes[0..<4].reduce(0) { ($0 << 8) | Int($1) }
        let end = min(max(boxSize, 16), bytes.count)
        var brands = [String(decoding: bytes[8..<12], as: UTF8.self)]
        var offset = 16
        while offset + 4 <= end {
            brands.append(String(decoding: bytes[offset..<offset + 4], as: UTF8.self))
            offset += 4
        }
        let avif: Set<String> = ["avif", "avis"]
        let heic: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]
        let heifGeneric: Set<String> = ["mif1", "msf1"]
        if avif.contains(brands[0]) { return .avif }
        if heic.contains(brands[0]) { return .heic }
        guard heifGeneric.contains(brands[0]) else { return nil }
        if brands.contains(where: avif.contains) { return .avif }
        return .heic
    }

    static func containsSequence(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return true }
        }
        return false
    }
}

/// The file types an organisation may upload (configuration). SVG and HTML are not in the
/// default: both can carry scripts that run in a browser opening the stored file. HTML can
/// never be allowed.
public struct FileTypeAllowList: Sendable, Equatable {
    public enum ParseError: Error, Sendable, Equatable {
        case unknownName(String)
        case neverAllowed(FileType)
    }

    /// Images the service can decode and make variants of, plus PDF.
    public static let defaultTypes: Set<FileType> = [.jpeg, .png, .gif, .webp, .avif, .heic, .tiff, .pdf]
    public static let `default` = FileTypeAllowList(defaultTypes)

    public let types: Set<FileType>

    /// Markup a browser runs scripts from: HTML, and XML (an XHTML namespace makes any XML
    /// document a page). SVG stays possible, behind the markup scan.
    public static let neverAllowed: Set<FileType> = [.html, .xml]

    /// `types` less the never-allowed ones.
    public init(_ types: Set<FileType>) {
        self.types = types.subtracting(Self.neverAllowed)
    }

    /// Parses a configuration value such as `jpeg,png,gif,webp,pdf` (case-insensitive, spaces
    /// ignored; `jpg`, `tif`, `heif` are accepted aliases).
    public init(parsing list: String) throws(ParseError) {
        var types: Set<FileType> = []
        for rawName in list.split(separator: ",") {
            let name = rawName.trimmingSpaces()
            if name.isEmpty { continue }
            guard let type = FileType(name: name) else { throw .unknownName(name) }
            if Self.neverAllowed.contains(type) { throw .neverAllowed(type) }
            types.insert(type)
        }
        self.init(types)
    }

    public func contains(_ type: FileType) -> Bool { types.contains(type) }

    /// The allowed types that are raster images (the ones variants are made for).
    public var imageTypes: Set<FileType> { types.filter(\.isImage) }

    /// Throws the contract's 415 `unsupported_media_type` unless `type` is allowed.
    public func check(_ type: FileType) throws(ServiceError) {
        guard contains(type) else {
            throw ServiceError(.unsupportedMediaType, "files of type \(type.mimeType) are not accepted",
                               details: ["type": type.mimeType])
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (list items of a setting or a header).
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

/// Recognises SVG, HTML and other XML from the start of a text file.
enum MarkupSniffer {
    /// Elements that open an HTML document (the WHATWG sniffing list and a few more).
    private static let htmlTags = ["html", "head", "body", "script", "iframe", "h1", "div", "font", "table", "a",
                                   "style", "title", "b", "br", "p", "meta", "link", "frameset", "img", "form"]

    static func sniff(_ bytes: [UInt8]) -> FileType? {
        var index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var sawXMLDeclaration = false
        while true {
            index = skipWhitespace(bytes, from: index)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { break }
            if matches(bytes, at: index, "<?xml", caseInsensitive: false) { sawXMLDeclaration = true }
            if matches(bytes, at: index, "<?", caseInsensitive: false) {
                guard let end = find(bytes, "?>", from: index + 2) else { break }
                index = end + 2
            } else if matches(bytes, at: index, "<!--", caseInsensitive: false) {
                guard let end = find(bytes, "-->", from: index + 4) else { break }
                index = end + 3
            } else if matches(bytes, at: index, "<!doctype", caseInsensitive: true) {
                let nameStart = skipWhitespace(bytes, from: index + 9)
                if word(bytes, at: nameStart, "svg") { return .svg }
                if word(bytes, at: nameStart, "html") { return .html }
                guard let end = find(bytes, ">", from: nameStart) else { break }
                index = end + 1
            } else {
                if tagNamed(bytes, at: index, "svg") || matches(bytes, at: index, "<svg:svg", caseInsensitive: true) {
                    return .svg
                }
                if htmlTags.contains(where: { tagNamed(bytes, at: index, $0) }) { return .html }
                break
            }
        }
        return sawXMLDeclaration ? .xml : nil
    }

    /// `<name` at `index`, the name ending there.
    private static func tagNamed(_ bytes: [UInt8], at index: Int, _ name: String) -> Bool {
        index < bytes.count && bytes[index] == UInt8(ascii: "<") && word(bytes, at: index + 1, name)
    }

    /// `name` (any case) at `index`, followed by whitespace, `>`, `/`, `[` or the end of the prefix.
    private static func word(_ bytes: [UInt8], at index: Int, _ name: String) -> Bool {
        guard matches(bytes, at: index, name, caseInsensitive: true) else { return false }
        let after = index + name.utf8.count
        guard after < bytes.count else { return true }
        return [0x20, 0x09, 0x0A, 0x0C, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "[")].contains(bytes[after])
    }

    private static func matches(_ bytes: [UInt8], at index: Int, _ text: String, caseInsensitive: Bool) -> Bool {
        let pattern = Array(text.utf8)
        guard index >= 0, index + pattern.count <= bytes.count else { return false }
        for (offset, expected) in pattern.enumerated() {
            var actual = bytes[index + offset]
            if caseInsensitive, actual >= 0x41, actual <= 0x5A { actual += 0x20 }
            if actual != expected { return false }
        }
        return true
    }

    private static func find(_ bytes: [UInt8], _ text: String, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if matches(bytes, at: index, text, caseInsensitive: false) { return index }
            index += 1
        }
        return nil
    }

    private static func skipWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0C, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }
}
