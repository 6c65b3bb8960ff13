/// How a JPEG's frame is coded, read from its start-of-frame marker.
///
/// Progressive JPEGs matter to the variant pipeline: libjpeg decodes every scan of one into a
/// whole-image coefficient buffer whatever the output scale, so shrink-on-load saves little
/// there and decoding twice (once reduced, once full) costs a second full entropy decode.
public enum JPEGFrameKind: Sendable, Equatable {
    case sequential
    case progressive
    /// No start-of-frame marker where one should be (not a JPEG, or cut short).
    case unknown

    /// Walks the marker segments from the start of the file to the first start-of-frame
    /// marker, reading only each segment's 4-byte head. `read(offset, count)` returns up to
    /// `count` bytes at `offset` (fewer at the end of the data). At most `maxSegments`
    /// segments are walked, so a malformed file cannot keep it busy.
    public static func detect(maxSegments: Int = 256, read: (_ offset: Int, _ count: Int) -> [UInt8]) -> JPEGFrameKind {
        guard read(0, 2) == [0xFF, 0xD8] else { return .unknown }
        var offset = 2
        for _ in 0..<maxSegments {
            let head = read(offset, 4)
            guard head.count == 4, head[0] == 0xFF else { return .unknown }
            let marker = head[1]
            if marker == 0xFF {   // fill byte before a marker
                offset += 1
                continue
            }
            if marker == 0x01 || (0xD0...0xD8).contains(marker) {   // markers without a segment
                offset += 2
                continue
            }
            switch marker {
            // SOF0/1: baseline and extended sequential; SOF3 lossless; 5–7 and 9–15 the
            // hierarchical and arithmetic variants (C4 DHT, C8 JPG, CC DAC are not frames).
            case 0xC0, 0xC1, 0xC3, 0xC5, 0xC7, 0xC9, 0xCB, 0xCD, 0xCF: return .sequential
            case 0xC2, 0xC6, 0xCA, 0xCE: return .progressive
            case 0xD9, 0xDA: return .unknown   // end of image or scan data before any frame
            default: break
            }
            let length = Int(head[2]) << 8 | Int(head[3])
            guard length >= 2 else { return .unknown }
            offset += 2 + length
        }
        return .unknown
    }

    /// `detect` over bytes in memory.
    public static func detect<Bytes: RandomAccessCollection>(in bytes: Bytes) -> JPEGFrameKind where Bytes.Element == UInt8 {
        detect { offset, count in
            guard offset < bytes.count else { return [] }
            let start = bytes.index(bytes.startIndex, offsetBy: offset)
            return Array(bytes[start..<bytes.index(start, offsetBy: min(count, bytes.count - offset))])
        }
    }
}
