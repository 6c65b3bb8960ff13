import Foundation
@testable import Imaging
import MediaCore
import XCTest

/// Test fixtures (made by scripts/make-image-fixtures.py) and helpers to inspect outputs.
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    static func bytes(_ name: String) -> [UInt8] {
        [UInt8](try! Data(contentsOf: url(name)))
    }

    /// A valid JPEG whose SOF declares `width`×`height`: a decompression bomb of a few KB.
    static func jpegDeclaring(width: Int, height: Int) -> [UInt8] {
        var bytes = Fixtures.bytes("small-300.jpg")
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { break }
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xC2).contains(marker) {
                bytes[index + 5] = UInt8(height >> 8); bytes[index + 6] = UInt8(height & 0xFF)
                bytes[index + 7] = UInt8(width >> 8); bytes[index + 8] = UInt8(width & 0xFF)
                return bytes
            }
            index += 2 + length
        }
        fatalError("no SOF marker in the fixture")
    }

    /// Decodes an output for inspection, with the loader of its sniffed type.
    static func decode(_ bytes: [UInt8], frames: Int = -1) throws -> VipsImageRef {
        let type = FileType.sniff(bytes)
        let options = Loader.Options(frames: type.isAnimatedCapable ? frames : 1)
        return try Loader.load(OpenedSource(.bytes(bytes)), as: type, options: options)
    }

    static func contains(_ haystack: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// Resident memory of this process, from /proc (Linux).
    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

func XCTAssertThrowsImagingError(_ expression: @autoclosure () throws -> some Any, _ check: (ImagingError) -> Bool,
                                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard let imagingError = error as? ImagingError else {
            return XCTFail("not an ImagingError: \(error)", file: file, line: line)
        }
        XCTAssertTrue(check(imagingError), "unexpected \(imagingError)", file: file, line: line)
    }
}
