import CVips
import Foundation
import MediaCore

/// Where an image's encoded bytes are: a local file or memory.
public enum ImageSource: Sendable {
    case file(path: String)
    case bytes([UInt8])

    public init(_ data: Data) { self = .bytes([UInt8](data)) }
}

/// An `ImageSource` opened once for the several loads one operation makes.
///
/// Memory sources are copied once into a reference-counted VipsBlob that every VipsSource
/// made from it shares; files are reopened per load (each VipsSource has its own position).
/// `@unchecked Sendable`: the blob is immutable and its reference count is atomic.
final class OpenedSource: @unchecked Sendable {
    private let path: String?
    private let blob: UnsafeMutablePointer<VipsBlob>?
    /// The first `FileType.sniffLength` bytes.
    let prefix: [UInt8]

    init(_ source: ImageSource) throws(ImagingError) {
        switch source {
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw .sourceUnavailable(reason: "cannot open \(path)")
            }
            defer { try? handle.close() }
            let head: Data?
            do { head = try handle.read(upToCount: FileType.sniffLength) } catch {
                throw .sourceUnavailable(reason: "cannot read \(path): \(error)")
            }
            self.path = path
            self.blob = nil
            self.prefix = [UInt8](head ?? Data())
        case .bytes(let bytes):
            self.path = nil
            self.blob = bytes.withUnsafeBytes { vips_blob_copy($0.baseAddress, $0.count) }
            self.prefix = Array(bytes.prefix(FileType.sniffLength))
        }
    }

    deinit {
        if let blob { cvips_blob_unref(blob) }
    }

    /// How a JPEG's frame is coded (`.unknown` for other data), from its marker segments.
    func jpegFrameKind() -> JPEGFrameKind {
        if let blob {
            var length = 0
            guard let start = vips_blob_get(blob, &length) else { return .unknown }
            return JPEGFrameKind.detect(in: UnsafeRawBufferPointer(start: start, count: length))
        }
        guard let path, let handle = FileHandle(forReadingAtPath: path) else { return .unknown }
        defer { try? handle.close() }
        return JPEGFrameKind.detect { offset, count in
            guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
                  let data = try? handle.read(upToCount: count) else { return [] }
            return [UInt8](data)
        }
    }

    /// A fresh VipsSource reading from the start.
    func makeVipsSource() throws(ImagingError) -> VipsSourceRef {
        let source: UnsafeMutablePointer<VipsSource>?
        if let path {
            source = vips_source_new_from_file(path)
        } else {
            source = vips_source_new_from_blob(blob)
        }
        guard let source else { throw .sourceUnavailable(reason: VipsErrorBuffer.take()) }
        return VipsSourceRef(source)
    }
}

/// Owns one reference to a VipsSource. Loaded images keep their own reference to it.
final class VipsSourceRef {
    let pointer: UnsafeMutablePointer<VipsSource>
    init(_ pointer: UnsafeMutablePointer<VipsSource>) { self.pointer = pointer }
    deinit { g_object_unref(pointer) }
}
