import Foundation
import Hashing
import MediaCore
import MediaHTTP

/// An upload's file written to a temporary file while it streamed in, with its SHA-256,
/// size and first bytes (for sniffing), plus the form's other fields. The file is removed
/// when this is released.
public final class ReceivedUpload {
    public let path: String
    public let size: Int
    public let sha256: String
    public let prefix: [UInt8]
    public let filename: String?
    public let fields: [String: String]

    init(path: String, size: Int, sha256: String, prefix: [UInt8], filename: String?, fields: [String: String]) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.prefix = prefix
        self.filename = filename
        self.fields = fields
    }

    deinit { unlink(path) }
}

/// Reads a `multipart/form-data` request: small fields into memory (bounded), the `file`
/// part to disk, never the whole body in memory.
public struct UploadReceiver {
    public static let fileField = "file"
    public var maxFileBytes: Int
    public var maxFieldBytes = 64 * 1024
    public var allowedFields: Set<String>
    public var temporaryDirectory: String

    public init(maxFileBytes: Int, allowedFields: Set<String>,
                temporaryDirectory: String = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") {
        self.maxFileBytes = maxFileBytes
        self.allowedFields = allowedFields
        self.temporaryDirectory = temporaryDirectory
    }

    public func receive(_ request: Request) throws -> ReceivedUpload {
        let boundary = try MultipartParser.boundary(fromContentType: request.headers["content-type"])
        if let declared = request.contentLength, declared > maxFileBytes + 1024 * 1024 {
            throw ServiceError(.payloadTooLarge, "the upload exceeds the limit of \(maxFileBytes) bytes", details: ["limit": String(maxFileBytes)])
        }
        var parser = MultipartParser(boundary: boundary)
        let sink = UploadSink(directory: temporaryDirectory, maxFileBytes: maxFileBytes, maxFieldBytes: maxFieldBytes,
                              allowedFields: allowedFields)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try request.body.read(into: $0) }
            if count == 0 { break }
            try chunk.withUnsafeBytes { buffer in
                try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { try sink.handle($0) }
            }
        }
        try parser.finish()
        return try sink.finish()
    }
}

/// Receives parser events for one upload. A class so the temp file is closed and removed on
/// every path out, including a thrown error.
private final class UploadSink {
    private let directory: String
    private let maxFileBytes: Int
    private let maxFieldBytes: Int
    private let allowedFields: Set<String>
    private var fields: [String: String] = [:]
    private var current: MultipartPart?
    private var fieldBytes: [UInt8] = []
    private var file: (fd: Int32, path: String)?
    private var fileSeen = false
    private var filename: String?
    private var size = 0
    private var hasher: SHA256? = SHA256()
    private var prefix: [UInt8] = []

    init(directory: String, maxFileBytes: Int, maxFieldBytes: Int, allowedFields: Set<String>) {
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        self.maxFieldBytes = maxFieldBytes
        self.allowedFields = allowedFields
    }

    deinit {
        if let file {
            close(file.fd)
            unlink(file.path)
        }
    }

    func handle(_ event: MultipartEvent) throws {
        switch event {
        case .begin(let part):
            if part.name == UploadReceiver.fileField {
                guard !fileSeen else { throw ServiceError.validation("only one file may be uploaded", field: "file") }
                fileSeen = true
                filename = part.filename
                try openFile()
            } else {
                guard allowedFields.contains(part.name) else {
                    throw ServiceError.validation("unknown form field \(part.name)", field: part.name)
                }
                guard fields[part.name] == nil else { throw ServiceError.validation("\(part.name) is given twice", field: part.name) }
            }
            current = part
            fieldBytes = []
        case .data(let bytes):
            guard let part = current else { return }
            if part.name == UploadReceiver.fileField {
                try writeFile(bytes)
            } else {
                guard fieldBytes.count + bytes.count <= maxFieldBytes else {
                    throw ServiceError.validation("\(part.name) is longer than \(maxFieldBytes) bytes", field: part.name)
                }
                fieldBytes.append(contentsOf: bytes)
            }
        case .end:
            if let part = current, part.name != UploadReceiver.fileField {
                guard let text = String(validating: fieldBytes, as: UTF8.self) else {
                    throw ServiceError.validation("\(part.name) is not valid UTF-8", field: part.name)
                }
                fields[part.name] = text
            }
            current = nil
        }
    }

    func finish() throws -> ReceivedUpload {
        guard let file else { throw ServiceError.validation("file is required", field: "file") }
        close(file.fd)
        self.file = nil
        guard let hasher = hasher.take() else { throw ServiceError(.internalError, "upload finished twice") }
        let digest = hasher.finalize()
        return ReceivedUpload(path: file.path, size: size, sha256: digest.hexString, prefix: prefix,
                              filename: filename, fields: fields)
    }

    private func openFile() throws {
        var template = Array("\(directory)/media-upload-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ServiceError(.internalError, "cannot create a temporary file for the upload") }
        file = (fd, String(cString: template))
    }

    private func writeFile(_ bytes: UnsafeRawBufferPointer) throws {
        guard let file else { return }
        size += bytes.count
        guard size <= maxFileBytes else {
            throw ServiceError(.payloadTooLarge, "the upload exceeds the limit of \(maxFileBytes) bytes", details: ["limit": String(maxFileBytes)])
        }
        hasher?.update(bytes)
        if prefix.count < 4096 { prefix.append(contentsOf: bytes.prefix(4096 - prefix.count)) }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(file.fd, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { throw ServiceError(.internalError, "cannot write the upload to a temporary file") }
            offset += written
        }
    }
}
