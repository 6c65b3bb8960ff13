import Foundation

/// Looks through an upload, as it streams in, for HTML and script markup. A file that sniffs
/// as an image or a PDF but carries `<script>` or `<html>` (a JPEG with a page appended, a PNG
/// with a script in a text chunk, a PDF/HTML polyglot) is refused: such bytes are an attack on
/// whoever later serves or sniffs them, never a photo.
///
/// Random bytes (compressed image data) must not trip it, so a tag counts only when followed by
/// whitespace, `>` or `/`, and the short tags, which random data does contain now and then, are
/// looked for only in the first and last `edgeBytes` — where browsers sniff and where pages get
/// appended. The long ones are looked for everywhere. Matching is ASCII case-insensitive, a tag
/// with a namespace prefix (`<h:script xmlns:h="http://www.w3.org/1999/xhtml">`, which runs in
/// any XML or SVG document) counts as the tag, and a tag split between chunks is still found.
public struct MarkupScanner {
    /// Found anywhere in the file (7+ bytes and a terminator: never by chance).
    public static let anywhere = ["<script", "<iframe", "<!doctype html"]
    /// Found in the first or last `edgeBytes` only.
    public static let atEdges = ["<html", "<svg", "<body", "<?php"]
    public static let edgeBytes = 4096

    private static let anywherePatterns = anywhere.map { Array($0.utf8) }
    private static let edgePatterns = atEdges.map { Array($0.utf8) }
    /// The longest namespace prefix looked through, with its colon.
    static let maxPrefixBytes = 33
    /// The longest tag with a prefix, plus its terminator.
    private static let window = (anywhere + atEdges).map(\.utf8.count).max()! + maxPrefixBytes + 1

    private var foundAnywhere: [String] = []
    private var carry: [UInt8] = []
    private var head: [UInt8] = []
    private var tail: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if head.count < Self.edgeBytes { head.append(contentsOf: bytes.prefix(Self.edgeBytes - head.count)) }
        tail.append(contentsOf: bytes.suffix(Self.edgeBytes))
        if tail.count > Self.edgeBytes { tail.removeFirst(tail.count - Self.edgeBytes) }
        if !carry.isEmpty {
            // Tags that start in the previous chunk's last bytes and end in this one.
            var joined = carry
            joined.append(contentsOf: bytes.prefix(Self.window))
            let starts = carry.count
            joined.withUnsafeBytes { Self.scan($0, Self.anywherePatterns, Self.anywhere, startsBefore: starts, into: &foundAnywhere) }
        }
        Self.scan(bytes, Self.anywherePatterns, Self.anywhere, startsBefore: bytes.count, into: &foundAnywhere)
        carry.append(contentsOf: bytes.suffix(Self.window))
        if carry.count > Self.window { carry.removeFirst(carry.count - Self.window) }
    }

    public mutating func feed(_ bytes: [UInt8]) { bytes.withUnsafeBytes { feed($0) } }

    /// Every tag found, in the order of `anywhere` then `atEdges`.
    public var found: [String] {
        var edges: [String] = []
        for edge in [head, tail] {
            edge.withUnsafeBytes { Self.scan($0, Self.edgePatterns, Self.atEdges, startsBefore: $0.count, into: &edges) }
        }
        let anywhere = Self.anywhere.filter(foundAnywhere.contains)
        return anywhere + Self.atEdges.filter(edges.contains)
    }

    /// Adds to `found` the tags of `patterns` that start before `startsBefore` and are followed
    /// by a terminator inside `buffer`.
    private static func scan(_ buffer: UnsafeRawBufferPointer, _ patterns: [[UInt8]], _ names: [String], startsBefore end: Int,
                             into found: inout [String]) {
        guard let base = buffer.baseAddress else { return }
        var index = 0
        while index < end {
            guard let hit = memchr(base + index, Int32(UInt8(ascii: "<")), end - index) else { return }
            let position = UnsafeRawPointer(hit) - base
            // The tag name starts after `<`, or after `<prefix:`.
            let nameStart = position + 1 + namespacePrefixLength(buffer, from: position + 1)
            for (tagIndex, pattern) in patterns.enumerated() where nameStart + pattern.count - 1 < buffer.count {
                var matches = true
                for offset in 1..<pattern.count {
                    var byte = buffer[nameStart + offset - 1]
                    if byte >= 0x41 && byte <= 0x5a { byte += 0x20 }
                    if byte != pattern[offset] { matches = false; break }
                }
                let next = buffer[nameStart + pattern.count - 1]
                let terminated = next == 0x20 || next == 0x09 || next == 0x0a || next == 0x0c || next == 0x0d
                    || next == UInt8(ascii: ">") || next == UInt8(ascii: "/")
                if matches, terminated, !found.contains(names[tagIndex]) { found.append(names[tagIndex]) }
            }
            index = position + 1
        }
    }

    /// The length of `prefix:` at `start` (a letter, then letters, digits, `.`, `-`, `_`, at
    /// most `maxPrefixBytes` with the colon), or 0 when there is none.
    private static func namespacePrefixLength(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < buffer.count, isLetter(buffer[start]) else { return 0 }
        var index = start + 1
        while index < buffer.count && index - start < maxPrefixBytes {
            let byte = buffer[index]
            if byte == UInt8(ascii: ":") { return index - start + 1 }
            guard isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2e || byte == 0x2d || byte == 0x5f else { return 0 }
            index += 1
        }
        return 0
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) }
}
