import Foundation

/// Signals a process handles synchronously with `sigtimedwait` instead of async handlers:
/// they are blocked in every thread and collected by one loop.
struct SignalSet {
    private(set) var set = sigset_t()

    init(_ signals: [Int32]) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
    }

    /// Blocks these signals for the calling thread and every thread it starts later.
    func block() {
        var mask = set
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    /// The next pending signal, or nil after `milliseconds`.
    func wait(milliseconds: Int) -> Int32? {
        var mask = set
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let signal = sigtimedwait(&mask, nil, &timeout)
        return signal > 0 ? signal : nil
    }
}
