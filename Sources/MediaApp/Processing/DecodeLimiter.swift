import Foundation

/// A counting semaphore around image decodes (probe, variants, crop) in one process, so a
/// burst of large uploads waits its turn instead of decoding all at once and exhausting
/// memory (`IMAGE_MAX_CONCURRENT_DECODES`). Waiters are served in arrival order.
public final class DecodeLimiter: @unchecked Sendable {
    public let limit: Int
    private let condition = NSCondition()
    private var active = 0
    private var nextTicket = 0
    private var serving = 0
    private var peakActive = 0

    public init(limit: Int) {
        precondition(limit >= 1, "a decode limit must be at least 1")
        self.limit = limit
    }

    /// Runs `body` once fewer than `limit` other bodies are running, waiting until then.
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        acquire()
        defer { release() }
        return try body()
    }

    func acquire() {
        condition.lock()
        defer { condition.unlock() }
        let ticket = nextTicket
        nextTicket += 1
        // FIFO: a ticket enters when it is the next one served and a slot is free.
        while ticket != serving || active >= limit { condition.wait() }
        serving += 1
        active += 1
        peakActive = max(peakActive, active)
        condition.broadcast()
    }

    func release() {
        condition.lock()
        active -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Decodes running now, and waiting for a slot (for tests and diagnostics).
    public var snapshot: (active: Int, waiting: Int, peak: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (active, nextTicket - serving, peakActive)
    }

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [Int: DecodeLimiter] = [:]

    /// The process-wide limiter for `limit`: every serving thread of a process shares it.
    public static func shared(limit: Int) -> DecodeLimiter {
        registryLock.lock()
        defer { registryLock.unlock() }
        if let existing = registry[limit] { return existing }
        let limiter = DecodeLimiter(limit: limit)
        registry[limit] = limiter
        return limiter
    }

    /// The default bound: one decode per CPU core.
    public static var defaultLimit: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
