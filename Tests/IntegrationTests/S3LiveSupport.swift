import Foundation
import Hashing
import S3
import XCTest

/// The S3 store the live tests use, from the environment `scripts/test` exports.
enum LiveS3 {
    static let variables = ["S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_BUCKET"]

    struct MissingEnvironment: Error, CustomStringConvertible {
        let names: [String]
        var description: String {
            "live S3 tests need \(names.joined(separator: ", ")) in the environment: run ./scripts/test, "
                + "which starts SeaweedFS and exports them (never skipped)"
        }
    }

    /// The configuration and bucket; fails the test (never skips it) when the environment is missing.
    static func setUp(_ test: XCTestCase, maxAttempts: Int = 3) throws -> (configuration: S3Configuration, bucket: String) {
        let environment = ProcessInfo.processInfo.environment
        let missing = variables.filter { (environment[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            let error = MissingEnvironment(names: missing)
            XCTFail(error.description)
            throw error
        }
        let configuration = S3Configuration(
            endpoint: environment["S3_ENDPOINT"], region: environment["S3_REGION"]!,
            credentials: S3Credentials(accessKeyId: environment["S3_ACCESS_KEY_ID"]!,
                                       secretAccessKey: environment["S3_SECRET_ACCESS_KEY"]!,
                                       sessionToken: environment["S3_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }),
            forcePathStyle: (environment["S3_FORCE_PATH_STYLE"] ?? "true") != "false",
            connectTimeout: 2, requestTimeout: 20, maxAttempts: maxAttempts)
        return (configuration, environment["S3_BUCKET"]!)
    }

    /// Creates `bucket` unless it exists.
    static func ensureBucket(_ client: S3Client, _ bucket: String) throws {
        do {
            try client.headBucket(bucket)
        } catch let error as S3Error where error.code == .noSuchBucket {
            do {
                try client.createBucket(bucket)
            } catch let error as S3Error where error.code == .bucketAlreadyOwnedByYou || error.code == .bucketAlreadyExists {
                // Another test process made it meanwhile.
            }
        }
    }

    static func uniquePrefix() -> String { "live-tests/\(UUID().uuidString.lowercased())/" }

    static func randomBytes(_ count: Int) -> [UInt8] { Bytes.random(count: count) }
}
