import Foundation

/// When to restart a worker that died. One that lived a while had a one-off failure and is
/// restarted at once; one that keeps dying soon after start waits 0.1 s, 0.2 s, 0.4 s, …
/// up to a ceiling, so a broken deployment does not spin the CPU.
public struct RestartBackoff: Sendable, Equatable {
    public let ceilingSeconds: Double
    /// A worker that lived longer than this is considered healthy again.
    public let stableAfterSeconds: Double
    public private(set) var consecutiveCrashes = 0

    public init(ceilingSeconds: Double, stableAfterSeconds: Double = 10) {
        self.ceilingSeconds = ceilingSeconds
        self.stableAfterSeconds = stableAfterSeconds
    }

    /// Records a crash after `lived` seconds; returns the delay before the next start.
    public mutating func delayAfterCrash(lived: Double) -> Double {
        consecutiveCrashes = lived > stableAfterSeconds ? 1 : consecutiveCrashes + 1
        guard consecutiveCrashes > 1 else { return 0 }
        let exponent = Double(min(consecutiveCrashes - 2, 30))
        return min(ceilingSeconds, 0.1 * pow(2, exponent))
    }

    public mutating func reset() { consecutiveCrashes = 0 }
}

