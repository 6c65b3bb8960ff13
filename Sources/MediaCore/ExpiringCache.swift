/// A small map whose entries expire after a fixed time: what the API workers remember of the
/// keys they have checked and the media they have read. Bounded: when full, expired entries go
/// first, and if none has expired everything is dropped (a flood of made-up keys costs lookups,
/// never memory). Expired entries are also swept once per lifetime, so memory follows what was
/// stored lately rather than creeping up to the capacity (a long soak showed +25 % RSS).
/// Not synchronised; the owner locks around it. Times are the caller's clock, in seconds.
public struct ExpiringCache<Value> {
    private var entries: [String: (value: Value, expires: Double)] = [:]
    private var nextSweep = -Double.infinity
    public let lifetimeSeconds: Double
    public let capacity: Int

    public init(lifetimeSeconds: Double, capacity: Int) {
        self.lifetimeSeconds = lifetimeSeconds
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    public func value(for key: String, now: Double) -> Value? {
        guard let entry = entries[key], entry.expires > now else { return nil }
        return entry.value
    }

    public mutating func removeAll() { entries.removeAll() }

    public mutating func store(_ value: Value, for key: String, now: Double) {
        guard lifetimeSeconds > 0 else { return }
        if now >= nextSweep || (entries.count >= capacity && entries[key] == nil) {
            entries = entries.filter { $0.value.expires > now }
            nextSweep = now + lifetimeSeconds
            if entries.count >= capacity { entries.removeAll() }
        }
        entries[key] = (value, now + lifetimeSeconds)
    }
}

extension ExpiringCache: Sendable where Value: Sendable {}
