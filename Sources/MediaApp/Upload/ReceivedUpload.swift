import Foundation
import MediaCore
import MediaHTTP

/// An upload form: its file staged on disk, the client's filename and the other fields.
public struct ReceivedUpload {
    public let file: StagedFile
    public let filename: String?
    public let fields: [String: String]
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
        let form = FormCollector(receiver: self)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try request.body.read(into: $0) }
            if count == 0 { break }
            try chunk.withUnsafeBytes { buffer in
                try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { try form.handle($0) }
            }
        }
        try parser.finish()
        return try form.finish()
    }
}

/// Receives parser events for one form: fields into memory, the file into a `FileStager`.
private final class FormCollector {
    private let receiver: UploadReceiver
    private var fields: [String: String] = [:]
    private var current: MultipartPart?
    private var fieldBytes: [UInt8] = []
    private var stager: FileStager?
    private var staged: StagedFile?
    private var filename: String?

    init(receiver: UploadReceiver) { self.receiver = receiver }

    func handle(_ event: MultipartEvent) throws {
        switch event {
        case .begin(let part):
            if part.name == UploadReceiver.fileField {
                guard stager == nil, staged == nil else { throw ServiceError.validation("only one file may be uploaded", field: "file") }
                filename = part.filename
                stager = try FileStager(directory: receiver.temporaryDirectory, maxBytes: receiver.maxFileBytes)
            } else {
                guard receiver.allowedFields.contains(part.name) else {
                    throw ServiceError.validation("unknown form field \(part.name)", field: part.name)
                }
                guard fields[part.name] == nil else { throw ServiceError.validation("\(part.name) is given twice", field: part.name) }
            }
            current = part
            fieldBytes = []
        case .data(let bytes):
            guard let part = current else { return }
            if part.name == UploadReceiver.fileField {
                try stager?.write(bytes)
            } else {
                guard fieldBytes.count + bytes.count <= receiver.maxFieldBytes else {
                    throw ServiceError.validation("\(part.name) is longer than \(receiver.maxFieldBytes) bytes", field: part.name)
                }
                fieldBytes.append(contentsOf: bytes)
            }
        case .end:
            if let part = current {
                if part.name == UploadReceiver.fileField {
                    staged = try stager?.finish()
                    stager = nil
                } else {
                    guard let text = String(validating: fieldBytes, as: UTF8.self) else {
                        throw ServiceError.validation("\(part.name) is not valid UTF-8", field: part.name)
                    }
                    fields[part.name] = text
                }
            }
            current = nil
        }
    }

    func finish() throws -> ReceivedUpload {
        guard let staged else { throw ServiceError.validation("file is required", field: "file") }
        return ReceivedUpload(file: staged, filename: filename, fields: fields)
    }
}
