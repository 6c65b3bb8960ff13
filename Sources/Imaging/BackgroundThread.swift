import CVips
import Dispatch
import Foundation
import Synchronization

/// Runs one piece of work on a thread of its own and hands back its result.
///
/// A plain `Thread` rather than a dispatch queue, so that `vips_thread_shutdown()` can free
/// libvips' per-thread state when the thread ends. One result handed over once: a `Mutex` and a
/// semaphore, no condition variable.
final class BackgroundThread<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, ImagingError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Result<Value, ImagingError>) {
        let thread = Thread { [self] in
            let outcome = work()
            vips_thread_shutdown()
            result.withLock { $0 = outcome }
            done.signal()
        }
        thread.start()
    }

    /// Blocks until the work is done. Called once.
    func wait() -> Result<Value, ImagingError> {
        done.wait()
        return result.withLock { $0! }
    }
}
