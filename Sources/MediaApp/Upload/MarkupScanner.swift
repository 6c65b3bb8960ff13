import Foundation

/// Looks through every byte of an upload, as it streams in, for HTML and script markup.
/// A file that sniffs as an image or a PDF but carries `<script>` or `<html>` (a JPEG with a
/// page appended, a GIF that is also JavaScript, a PDF/HTML polyglot) is refused: such bytes
/// are an attack on whoever later serves or sniffs them, never a photo.
/// Matching is ASCII case-insensitive; a tag split between two chunks is still found.
public struct MarkupScanner {
    /// Tags that mark active content. `<svg` only matters for types other than SVG.
    public static let tags = ["<script", "<html", "<!doctype html", "<iframe", "<svg", "<?php", "<body", "<object", "<embed"]
    private static let patterns: [[UInt8]] = tags.map { Array($0.utf8) }
    private static let longest = patterns.map(\.count).max()!

    /// Tags seen so far, in the order first seen.
    public private(set) var found: [String] = []
    /// The last bytes of the previous chunk (fewer than the longest tag), to match across chunks.
    private var carry: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, found.count < Self.tags.count else { return }
        if carry.isEmpty {
            scan(bytes, carried: 0)
        } else {
            var joined = carry
            joined.append(contentsOf: bytes.prefix(Self.longest - 1))
            // Only matches that start inside the carry: the rest is scanned from `bytes` itself.
            joined.withUnsafeBytes { scan($0, carried: carry.count, onlyCarry: true) }
            scan(bytes, carried: 0)
        }
        // The last bytes seen, whatever the chunk sizes (a tag may span several tiny chunks).
        carry.append(contentsOf: bytes.suffix(Self.longest - 1))
        if carry.count > Self.longest - 1 { carry.removeFirst(carry.count - (Self.longest - 1)) }
    }

    public mutating func feed(_ bytes: [UInt8]) { bytes.withUnsafeBytes { feed($0) } }

    private mutating func scan(_ buffer: UnsafeRawBufferPointer, carried: Int, onlyCarry: Bool = false) {
        guard let base = buffer.baseAddress else { return }
        let end = onlyCarry ? carried : buffer.count
        var index = 0
        while index < end {
            guard let hit = memchr(base + index, Int32(UInt8(ascii: "<")), end - index) else { return }
            let position = UnsafeRawPointer(hit) - base
            for (tagIndex, pattern) in Self.patterns.enumerated() where position + pattern.count <= buffer.count {
                var matches = true
                for offset in 1..<pattern.count {
                    var byte = buffer[position + offset]
                    if byte >= 0x41 && byte <= 0x5a { byte += 0x20 }
                    if byte != pattern[offset] { matches = false; break }
                }
                if matches, !found.contains(Self.tags[tagIndex]) { found.append(Self.tags[tagIndex]) }
            }
            index = position + 1
        }
    }
}
