import Foundation
import MediaCore
import MediaHTTP

/// Named stages where the test stack can pause one request or job, so a fault test injects its
/// fault while the work is exactly there (objects written, row not yet committed) instead of
/// sleeping and hoping. Off unless `MEDIA_TEST_HOLD_DIR` names a folder, which only the test
/// stack of scripts/test sets; nothing that arrives over HTTP can arm one.
///
/// The files in that folder, for a stage NAME:
///   NAME.arm      written by the test; its text, if any, is the subject to hold (a filename or
///                 a media id). The first request at NAME with that subject takes it (a rename,
///                 so exactly one does) and is held.
///   NAME.held     written by the held process: its `pid`, the `subject` held, all its `subjects`
///                 (for an upload: filename, media id) and the `stage`, as JSON.
///   NAME.release  written by the test: the held request goes on and removes both files.
/// A hold nobody releases ends after `maximumSeconds`, so a broken test cannot wedge a worker.
public enum HoldPoint: String, Sendable, CaseIterable {
    /// An upload's original and variants are in S3; its row is not yet inserted.
    case uploadObjectsWritten = "upload.objects-written"
    /// A crop or variant rebuild (sync or a job) has written its objects; the row still names the old ones.
    case processingObjectsWritten = "processing.objects-written"
    /// A resumable upload's PATCH has stored a part in S3; the offset is not yet committed.
    case resumablePartStored = "resumable.part-stored"

    static let folder: String? = {
        guard let path = ProcessInfo.processInfo.environment["MEDIA_TEST_HOLD_DIR"], !path.isEmpty else { return nil }
        return path
    }()
    static let maximumSeconds = 120.0

    /// Waits here while a test holds this stage for one of `subjects`; returns at once otherwise.
    public func reach(subjects: [String]) {
        guard let folder = Self.folder else { return }
        let base = folder + "/" + rawValue
        let manager = FileManager.default
        guard let armed = manager.contents(atPath: base + ".arm") else { return }
        let wanted = String(decoding: armed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard wanted.isEmpty || subjects.contains(wanted) else { return }
        let claim = base + ".claimed.\(getpid()).\(UInt(pthread_self()))"
        guard rename(base + ".arm", claim) == 0 else { return }   // another request took it first
        unlink(claim)
        let subject = wanted.isEmpty ? subjects.first ?? "" : wanted
        var held = JSONValue.object([("pid", .int(Int(getpid()))), ("subject", .string(subject)),
                                   ("subjects", .array(subjects.map { .string($0) })), ("stage", .string(rawValue))]).serialized()
        held.append(0x0a)
        let temporary = claim + ".tmp"
        manager.createFile(atPath: temporary, contents: Data(held))
        rename(temporary, base + ".held")
        RequestLog().event("held at stage", ["stage": rawValue, "subject": subject])
        let deadline = monotonicNow() + Self.maximumSeconds
        while !manager.fileExists(atPath: base + ".release"), monotonicNow() < deadline {
            usleep(5_000)
        }
        unlink(base + ".release")
        unlink(base + ".held")
        RequestLog().event("released at stage", ["stage": rawValue, "subject": subject])
    }
}
