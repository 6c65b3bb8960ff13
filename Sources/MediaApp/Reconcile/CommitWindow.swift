import MediaCore

/// The time a writer has between its first object PUT and the row that claims the objects:
/// half the reconcile grace. A writer past it gives up (and removes what it wrote) rather than
/// commit objects a reconcile pass may already have judged unclaimed and deleted.
struct CommitWindow {
    private let opened = monotonicNow()
    private let seconds: Double

    init(graceSeconds: Int) { seconds = Double(graceSeconds) / 2 }

    func check() throws {
        let elapsed = monotonicNow() - opened
        guard elapsed < seconds else {
            throw ServiceError.unavailable("storage", "storing the objects took \(Int(elapsed)) s, longer than can be committed safely; try again")
        }
    }
}
