import CVips
import Foundation

/// Runs one piece of work on a thread of its own and hands back its result.
///
/// A plain `Thread` rather than a dispatch queue, so that `vips_thread_shutdown()` can free
/// libvips' per-thread state when the thread ends. `@unchecked Sendable`: `result` is only
/// read and written under `condition`.
final class BackgroundThread<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, ImagingError>?

    init(_ work: @escaping @Sendable () -> Result<Value, ImagingError>) {
        let thread = Thread { [self] in
            let outcome = work()
            vips_thread_shutdown()
            condition.lock()
            result = outcome
            condition.signal()
            condition.unlock()
        }
        thread.start()
    }

    /// Blocks until the work is done.
    func wait() -> Result<Value, ImagingError> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
