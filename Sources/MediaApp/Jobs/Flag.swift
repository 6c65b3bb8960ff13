import Synchronization

/// A boolean shared between threads (stop requests).
public final class Flag: Sendable {
    private let value: Atomic<Bool>

    public init(_ initial: Bool = false) { value = Atomic(initial) }

    public var isSet: Bool { value.load(ordering: .relaxed) }
    public func set(_ newValue: Bool = true) { value.store(newValue, ordering: .relaxed) }
}
