import Foundation
import MediaCore
import Synchronization

/// The totals of large lists, remembered by this process for a few seconds: paging through a
/// library of a million media then costs one COUNT per interval instead of one per page.
/// A total that large may lag writes by up to `MediaListQuery.rememberedTotalSeconds`;
/// smaller totals are counted every time and stay exact.
enum ListTotals {
    private static let remembered = Mutex(ExpiringCache<Int>(lifetimeSeconds: MediaListQuery.rememberedTotalSeconds,
                                                             capacity: 1000))

    /// `conditions` and `parameters` identify the list (organization and filters, never the page).
    static func total(of conditions: String, _ parameters: [DatabaseValue], count: () throws -> Int) rethrows -> Int {
        let key = conditions + "\u{0}" + parameters.map { "\($0)" }.joined(separator: "\u{0}")
        let now = monotonicNow()
        if let known = remembered.withLock({ $0.value(for: key, now: now) }) { return known }
        let counted = try count()
        if MediaListQuery.remembersTotal(counted) { remembered.withLock { $0.store(counted, for: key, now: now) } }
        return counted
    }
}
