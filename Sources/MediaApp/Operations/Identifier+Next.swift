import Foundation
import Hashing
import MediaCore

extension Identifier {
    /// A new id for a media, a job or a lock owner: time-ordered (UUIDv7), 80 random bits.
    static func next() -> String {
        uuidV7(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), randomBytes: Bytes.random(count: 10))
    }
}
