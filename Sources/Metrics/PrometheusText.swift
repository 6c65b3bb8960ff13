import Foundation

/// The Prometheus text exposition format (version 0.0.4) for a set of families.
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// A metric family: its name, type and help text; histograms carry their buckets.
    /// `labelled` families have no sample until something is recorded; the others read 0.
    public struct Family: Sendable {
        public let name: String
        public let kind: Kind
        public let help: String
        public let histogram: Histogram?
        public let labelled: Bool

        public static func counter(_ name: String, labelled: Bool = false, _ help: String) -> Family {
            Family(name: name, kind: .counter, help: help, histogram: nil, labelled: labelled)
        }

        public static func gauge(_ name: String, labelled: Bool = false, _ help: String) -> Family {
            Family(name: name, kind: .gauge, help: help, histogram: nil, labelled: labelled)
        }

        public static func histogram(_ histogram: Histogram, _ help: String) -> Family {
            Family(name: histogram.name, kind: .histogram, help: help, histogram: histogram, labelled: true)
        }
    }

    /// Renders `families` in order from raw series (name with labels → integer value, as the
    /// metrics region and the job counters in Redis hold them). Counters and gauges without
    /// labels (not `labelled`) that have no series are written as 0, so they exist from the first scrape.
    /// Series of unknown families are left out.
    public static func render(_ families: [Family], series: [(series: String, value: Int)]) -> String {
        var byFamily: [String: [(labels: String, suffix: String, value: Int)]] = [:]
        let names = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (text, value) in series {
            let (name, labels) = split(text)
            if names[name] != nil {
                byFamily[name, default: []].append((labels, "", value))
            } else if let suffix = ["_bucket", "_sum"].first(where: { name.hasSuffix($0) }),
                      names[String(name.dropLast(suffix.count))]?.kind == .histogram {
                byFamily[String(name.dropLast(suffix.count)), default: []].append((labels, suffix, value))
            }
        }
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            let samples = byFamily[family.name] ?? []
            if let histogram = family.histogram {
                out += renderHistogram(histogram, samples)
            } else {
                var totals: [String: Int] = [:]
                var order: [String] = []
                for sample in samples {
                    if totals[sample.labels] == nil { order.append(sample.labels) }
                    totals[sample.labels, default: 0] += sample.value
                }
                if order.isEmpty && !family.labelled { out += "\(family.name) 0\n" }
                for labels in order.sorted() {
                    out += "\(family.name)\(braced(labels)) \(totals[labels]!)\n"
                }
            }
        }
        return out
    }

    private static func renderHistogram(_ histogram: Histogram, _ samples: [(labels: String, suffix: String, value: Int)]) -> String {
        let leLabels = histogram.bucketLabels
        var buckets: [String: [Int]] = [:]
        var sums: [String: Int] = [:]
        for sample in samples {
            if sample.suffix == "_sum" {
                sums[sample.labels, default: 0] += sample.value
                buckets[sample.labels] = buckets[sample.labels] ?? Array(repeating: 0, count: leLabels.count)
            } else {
                let (rest, le) = removeLabel("le", from: sample.labels)
                guard let le, let index = leLabels.firstIndex(of: le) else { continue }
                buckets[rest, default: Array(repeating: 0, count: leLabels.count)][index] += sample.value
            }
        }
        var out = ""
        for labels in buckets.keys.sorted() {
            let counts = buckets[labels]!
            let separator = labels.isEmpty ? "" : ","
            var cumulative = 0
            for (index, le) in leLabels.enumerated() {
                cumulative += counts[index]
                out += "\(histogram.name)_bucket{\(labels)\(separator)le=\"\(le)\"} \(cumulative)\n"
            }
            out += "\(histogram.name)_sum\(braced(labels)) \(number(Double(sums[labels] ?? 0) / histogram.sumScale))\n"
            out += "\(histogram.name)_count\(braced(labels)) \(cumulative)\n"
        }
        return out
    }

    /// `name{a="1"}` → ("name", `a="1"`).
    static func split(_ series: String) -> (name: String, labels: String) {
        guard let open = series.firstIndex(of: "{"), series.hasSuffix("}") else { return (series, "") }
        return (String(series[..<open]), String(series[series.index(after: open)..<series.index(before: series.endIndex)]))
    }

    /// Takes `name="value"` out of a label list (values never contain `",` unescaped here:
    /// `le` is always last and numeric).
    static func removeLabel(_ name: String, from labels: String) -> (rest: String, value: String?) {
        guard let range = labels.range(of: "\(name)=\""), range.lowerBound == labels.startIndex
                || labels[labels.index(before: range.lowerBound)] == "," else { return (labels, nil) }
        guard let close = labels[range.upperBound...].firstIndex(of: "\"") else { return (labels, nil) }
        let value = String(labels[range.upperBound..<close])
        var rest = String(labels[..<range.lowerBound]) + String(labels[labels.index(after: close)...])
        if rest.hasSuffix(",") { rest.removeLast() }
        if rest.hasPrefix(",") { rest.removeFirst() }
        return (rest.replacingOccurrences(of: ",,", with: ","), value)
    }

    private static func braced(_ labels: String) -> String { labels.isEmpty ? "" : "{\(labels)}" }

    /// A label list from pairs, values escaped as the format requires.
    public static func labels(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",")
    }

    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Numbers as Prometheus reads them: integers without a fraction, `+Inf`, `NaN`.
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
