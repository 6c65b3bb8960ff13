import Foundation
@testable import MediaApp
import MediaCore
import MediaTestSupport

/// Small inputs for the operations' unit tests.
enum OperationFixtures {
    static let organization = Organization(id: "org-1", slug: "acme", name: "Acme")

    /// A 48×32 PNG: small enough to make variants of in a unit test.
    static let png = Array(Data(base64Encoded: """
        iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAIAAADbtmxLAAAAQElEQVR4nO3OsQ2AQADEsEMCsTLjM4LbL2JlgFzb92zndO/dURqShqQhaUgakoakIWlIGpKG\
        pCFpSBqShqQh+QEU/gK6PwLZhAAAAABJRU5ErkJggg==
        """.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: ""))!)

    static let pdf = Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".utf8)

    /// `bytes` staged as an upload's file.
    static func staged(_ bytes: [UInt8]) throws -> StagedFile {
        let stager = try FileStager(maxBytes: 1 << 20)
        try bytes.withUnsafeBytes { try stager.write($0) }
        return try stager.finish()
    }

    static func options(_ filename: String = "photo.png", variants: Bool = false, isPrivate: Bool = false) -> UploadOperation.Options {
        UploadOperation.Options(filename: filename, alt: nil, caption: nil, description: nil, isPrivate: isPrivate,
                                generateVariants: variants)
    }

    /// A ready media stored through the upload operation (so its objects and row exist).
    static func uploaded(_ fakes: InMemoryOperations, variants: Bool = true, isPrivate: Bool = false) throws -> Media {
        try UploadOperation(environment: fakes.environment)
            .store(try staged(png), options: options(variants: variants, isPrivate: isPrivate), organization: organization)
    }
}
