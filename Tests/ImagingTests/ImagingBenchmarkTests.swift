import Foundation
@testable import Imaging
import MediaCore
import XCTest

/// Timing by hand, not a timed assertion: skipped unless IMAGING_BENCH_SOURCE names a photo.
/// Run through bench/imaging-quick.sh, which also times Pillow on the same job.
final class ImagingBenchmarkTests: XCTestCase {
    func testBenchmarkVariantJob() throws {
        guard let path = ProcessInfo.processInfo.environment["IMAGING_BENCH_SOURCE"] else {
            throw XCTSkip("set IMAGING_BENCH_SOURCE to a JPEG to time the variant job")
        }
        let runs = Int(ProcessInfo.processInfo.environment["IMAGING_BENCH_RUNS"] ?? "") ?? 5
        let effort = Int(ProcessInfo.processInfo.environment["IMAGING_BENCH_WEBP_EFFORT"] ?? "") ?? 4
        let concurrency = Int(ProcessInfo.processInfo.environment["IMAGING_BENCH_CONCURRENCY"] ?? "") ?? 1
        Vips.start(concurrency: concurrency)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let info = try ImageProbe.probe(bytes: bytes)
        let encoding = EncodingSettings(webpEffort: effort)
        let webpOnly = VariantGenerator(specs: [VariantSpec.defaults[4]], encoding: encoding)
        let whole = VariantGenerator(encoding: encoding)
        let resizedOnly = VariantGenerator(specs: Array(VariantSpec.defaults.prefix(4)), encoding: encoding)

        /// Median wall time, and median CPU time of the process (steadier on a busy machine).
        func median(_ generator: VariantGenerator) throws -> (Double, Double, [EncodedVariant]) {
            var times: [Double] = []
            var cpuTimes: [Double] = []
            var last: [EncodedVariant] = []
            for _ in 0..<runs {
                let start = Date()
                let cpuStart = cpuSeconds()
                last = try generator.generate(.bytes(bytes))
                times.append(Date().timeIntervalSince(start))
                cpuTimes.append(cpuSeconds() - cpuStart)
            }
            return (times.sorted()[times.count / 2], cpuTimes.sorted()[cpuTimes.count / 2], last)
        }
        _ = try whole.generate(.bytes(bytes))  // warm-up
        let residentAfterWarmUp = Fixtures.residentBytes() >> 20
        let (webpTime, webpCPU, _) = try median(webpOnly)
        let (resizedTime, resizedCPU, _) = try median(resizedOnly)
        let (wholeTime, wholeCPU, variants) = try median(whole)
        print("bench source: \(info.width)x\(info.height) \(info.fileType.rawValue), \(bytes.count) bytes, "
              + "webp effort \(effort), vips concurrency \(concurrency), median of \(runs)")
        print(String(format: "bench full-size webp alone: %.3f s (cpu %.3f s)", webpTime, webpCPU))
        print(String(format: "bench four resized variants alone: %.3f s (cpu %.3f s)", resizedTime, resizedCPU))
        print(String(format: "bench whole 5-variant job: %.3f s (cpu %.3f s), %.2fx the webp alone",
                     wholeTime, wholeCPU, wholeTime / webpTime))
        for variant in variants {
            print("bench   \(variant.name): \(variant.width)x\(variant.height) \(variant.format.rawValue) \(variant.bytes.count) bytes")
        }
        print("bench RSS: \(residentAfterWarmUp) MB after the warm-up, \(Fixtures.residentBytes() >> 20) MB after "
              + "\(3 * runs) more jobs, peak \(peakResidentMegabytes()) MB")
    }

    private func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    private func peakResidentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return kilobytes / 1024
    }
}
