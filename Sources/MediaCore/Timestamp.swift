import Foundation

/// RFC 3339 UTC timestamps, formatted by hand: one is written per request (the log line),
/// where `String(format:)` cost more than the rest of the line.
public enum Timestamp {
    /// With seconds, as the contract writes timestamps: `2026-11-28T23:59:59Z`.
    public static func rfc3339(_ date: Date) -> String {
        format(seconds: Int(date.timeIntervalSince1970.rounded(.down)), milliseconds: nil)
    }

    /// The current time with milliseconds, for log lines: `2026-11-28T23:59:59.123Z`.
    public static func nowWithMilliseconds() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return format(seconds: now.tv_sec, milliseconds: now.tv_nsec / 1_000_000)
    }

    static func format(seconds: Int, milliseconds: Int?) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func append(_ value: Int32, width: Int, then separator: UInt8?) {
            var divisor: Int32 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(0x30 + UInt8((value / divisor) % 10))
                divisor /= 10
            }
            if let separator { bytes.append(separator) }
        }
        append(parts.tm_year + 1900, width: 4, then: UInt8(ascii: "-"))
        append(parts.tm_mon + 1, width: 2, then: UInt8(ascii: "-"))
        append(parts.tm_mday, width: 2, then: UInt8(ascii: "T"))
        append(parts.tm_hour, width: 2, then: UInt8(ascii: ":"))
        append(parts.tm_min, width: 2, then: UInt8(ascii: ":"))
        append(parts.tm_sec, width: 2, then: nil)
        if let milliseconds { bytes.append(UInt8(ascii: ".")); append(Int32(milliseconds), width: 3, then: nil) }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
