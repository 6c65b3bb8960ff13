import Metrics
import XCTest

final class PrometheusTextTests: XCTestCase {
    let histogram = Histogram(name: "t_seconds", bounds: [0.1, 1], sumScale: 1_000_000)

    func testObservationsLandInOneBucketAndTheSumIsScaled() {
        XCTAssertEqual(histogram.bucketIndex(for: 0.05), 0)
        XCTAssertEqual(histogram.bucketIndex(for: 0.1), 0, "a bound is inclusive (le)")
        XCTAssertEqual(histogram.bucketIndex(for: 0.5), 1)
        XCTAssertEqual(histogram.bucketIndex(for: 7), 2)
        let increments = histogram.increments(labels: "route=\"/a\"", value: 0.25)
        XCTAssertEqual(increments.map(\.series), ["t_seconds_bucket{route=\"/a\",le=\"1\"}", "t_seconds_sum{route=\"/a\"}"])
        XCTAssertEqual(increments.map(\.delta), [1, 250_000])
        XCTAssertEqual(histogram.increments(labels: "", value: 3).map(\.series), ["t_seconds_bucket{le=\"+Inf\"}", "t_seconds_sum"])
    }

    func testHistogramRendersCumulativeBucketsSumAndCount() {
        var series: [(series: String, value: Int)] = []
        for value in [0.05, 0.05, 0.5, 2] {
            series += histogram.increments(labels: "route=\"/a\"", value: value).map { ($0.series, $0.delta) }
        }
        let text = PrometheusText.render([.histogram(histogram, "Test latency.")], series: series)
        XCTAssertEqual(text, """
            # HELP t_seconds Test latency.
            # TYPE t_seconds histogram
            t_seconds_bucket{route="/a",le="0.1"} 2
            t_seconds_bucket{route="/a",le="1"} 3
            t_seconds_bucket{route="/a",le="+Inf"} 4
            t_seconds_sum{route="/a"} 2.6
            t_seconds_count{route="/a"} 4

            """)
    }

    func testCountersSumDuplicatesSortByLabelsAndLabelFreeOnesStartAtZeroOthersEmpty() {
        let families: [PrometheusText.Family] = [.counter("a_total", labelled: true, "A."), .gauge("b", "B."), .counter("c_total", "C."),
                                                 .counter("d_total", labelled: true, "D.")]
        let text = PrometheusText.render(families, series: [("a_total{s=\"500\"}", 1), ("a_total{s=\"200\"}", 2), ("a_total{s=\"200\"}", 3),
                                                             ("b", 7), ("unknown_total", 9)])
        XCTAssertEqual(text, """
            # HELP a_total A.
            # TYPE a_total counter
            a_total{s="200"} 5
            a_total{s="500"} 1
            # HELP b B.
            # TYPE b gauge
            b 7
            # HELP c_total C.
            # TYPE c_total counter
            c_total 0
            # HELP d_total D.
            # TYPE d_total counter

            """)
    }

    func testLabelValuesAreEscapedAndNumbersFormatted() {
        XCTAssertEqual(PrometheusText.labels([("route", "/a\"b\\c\nd")]), #"route="/a\"b\\c\nd""#)
        XCTAssertEqual(PrometheusText.number(3), "3")
        XCTAssertEqual(PrometheusText.number(0.025), "0.025")
        XCTAssertEqual(PrometheusText.number(.infinity), "+Inf")
        XCTAssertEqual(PrometheusText.number(2.5e7), "25000000")
    }

    func testEveryServiceFamilyIsNamedOnceWithHelpAndCountersEndInTotal() {
        let names = ServiceMetrics.families.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        for family in ServiceMetrics.families {
            XCTAssertFalse(family.help.isEmpty)
            XCTAssertEqual(family.kind == .counter, family.name.hasSuffix("_total"), family.name)
        }
    }
}
