import Foundation
import Synchronization
import Imaging
import MediaCore

// imaging-bench PHOTO [webp-effort] [runs] [threads]: times the variant job in this process,
// printing medians (wall and CPU) for the full-size WebP alone, the four resized variants alone
// and the whole job. With `threads`, it then runs 4 × threads whole jobs on that many threads at
// once and prints images per second, as media-worker's job threads would do them without S3.
// bench/imaging-quick.sh runs it next to Pillow on the same photo.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: imaging-bench PHOTO [webp-effort] [runs]\n".utf8))
    exit(64)
}
let effort = arguments.count > 2 ? Int(arguments[2]) ?? 4 : 4
let runs = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
let threads = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 0
Vips.start(maxConcurrentJobs: max(2, threads))
let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
let info = try ImageProbe.probe(bytes: bytes)
let encoding = EncodingSettings(webpEffort: effort)
let webpOnly = VariantGenerator(specs: [VariantSpec(name: "original_webp", kind: .fullSize(.webp))], encoding: encoding)
let resizedOnly = VariantGenerator(specs: Array(VariantSpec.defaults.prefix(4)), encoding: encoding)
let whole = VariantGenerator(encoding: encoding)

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func statusMegabytes(_ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return kilobytes / 1024
}

/// Median wall time and median CPU time (steadier on a busy machine), and the last output.
func median(_ generator: VariantGenerator) throws -> (wall: Double, cpu: Double, variants: [EncodedVariant]) {
    var walls: [Double] = []
    var cpus: [Double] = []
    var last: [EncodedVariant] = []
    for _ in 0..<runs {
        let start = Date()
        let cpuStart = cpuSeconds()
        last = try generator.generate(.bytes(bytes))
        walls.append(Date().timeIntervalSince(start))
        cpus.append(cpuSeconds() - cpuStart)
    }
    return (walls.sorted()[walls.count / 2], cpus.sorted()[cpus.count / 2], last)
}

_ = try whole.generate(.bytes(bytes))   // warm-up
let residentAfterWarmUp = statusMegabytes("VmRSS:")
let webp = try median(webpOnly)
let resized = try median(resizedOnly)
let job = try median(whole)
print("bench source: \(info.width)x\(info.height) \(info.fileType.rawValue), \(bytes.count) bytes, webp effort \(effort), median of \(runs)")
print(String(format: "bench full-size webp alone: %.3f s (cpu %.3f s)", webp.wall, webp.cpu))
print(String(format: "bench four resized variants alone: %.3f s (cpu %.3f s)", resized.wall, resized.cpu))
print(String(format: "bench whole 5-variant job: %.3f s (cpu %.3f s), %.2fx the webp alone", job.wall, job.cpu, job.wall / webp.wall))
for variant in job.variants {
    print("bench   \(variant.name): \(variant.width)x\(variant.height) \(variant.format.rawValue) \(variant.bytes.count) bytes")
}
print("bench RSS: \(residentAfterWarmUp) MB after the warm-up, \(statusMegabytes("VmRSS:")) MB after \(3 * runs) more jobs, "
      + "peak \(statusMegabytes("VmHWM:")) MB")

if threads > 0 {
    let jobs = 4 * threads
    let counter = LockedCounter()
    let cpuStart = cpuSeconds()
    let start = Date()
    let group = DispatchGroup()
    for _ in 0..<threads {
        group.enter()
        Thread {
            while counter.next() < jobs { _ = try? whole.generate(.bytes(bytes)) }
            group.leave()
        }.start()
    }
    group.wait()
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "bench throughput: %d jobs on %d threads: %.3f images/s (cpu %.3f s per image)",
                 jobs, threads, Double(jobs) / seconds, (cpuSeconds() - cpuStart) / Double(jobs)))
}

/// Hands out job numbers to the throughput threads.
final class LockedCounter: Sendable {
    private let value = Atomic(0)

    func next() -> Int {
        value.add(1, ordering: .relaxed).oldValue
    }
}
