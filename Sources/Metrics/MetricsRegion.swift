import Foundation
import Synchronization

/// Counters that every process of a pool adds to and any of them can read: a shared memory
/// region the pool master creates before it starts workers and hands down as an inherited fd
/// (like the listening socket), so a scrape reaching one worker reports the whole pool.
///
/// Layout (8-byte words; the memory starts zeroed, and a zero `Atomic<Int>` is a valid one):
///
///     header   [magic, layout, seriesCapacity, cellCount, seriesCount, registrationLock]
///     cells    cellCount × 64 bytes: [pid, inFlight]: one per live worker process
///     series   seriesCapacity × 256 bytes: [value, nameLength, name bytes…]
///
/// A series is a full Prometheus sample name with its labels (`x_total{route="/a"}`); its
/// value is an atomic integer that processes add to with a relaxed fetch-add, so a request
/// costs a few atomic adds and no system call. A process learns a series' index once (a
/// local dictionary); new series are appended under a registration lock in the region,
/// held by a pid, so a holder that died is detected and the lock taken over.
/// Cells hold what must not outlive a process (requests in flight): the master clears a
/// worker's cell when it reaps it. Counters outlive their process, so a worker that is
/// replaced does not make the pool's totals go backwards.
///
/// `@unchecked Sendable`: the mapping never moves and is only touched through atomics, or,
/// for a series' name, written once before its index is published with release ordering.
public final class MetricsRegion: @unchecked Sendable {
    /// Environment of a worker: the region's fd, and the cell of this process.
    public static let fdVariable = "MEDIA_METRICS_FD"
    public static let cellVariable = "MEDIA_METRICS_CELL"

    static let magic = 0x4D45_4449_414D_4554   // "MEDIAMET"
    static let layout = 1
    static let headerBytes = 4096
    static let cellBytes = 64
    static let seriesBytes = 256
    /// The longest series text (name and labels) a slot holds.
    public static let maxSeriesNameBytes = seriesBytes - 16

    private let base: UnsafeMutableRawPointer
    private let byteCount: Int
    public let seriesCapacity: Int
    public let cellCount: Int
    /// This process's cell, when it has one.
    public let ownCell: Int?
    private let known = Mutex<Known>(Known())

    private struct Known {
        var indexes: [String: Int] = [:]
        var scanned = 0
    }

    /// Bytes a region of this shape needs.
    public static func byteSize(seriesCapacity: Int, cells: Int) -> Int {
        let cellsEnd = headerBytes + cells * cellBytes
        let seriesStart = (cellsEnd + 4095) / 4096 * 4096
        return seriesStart + seriesCapacity * seriesBytes
    }

    /// Formats a fresh region in `fd` (sized with ftruncate first) or in anonymous memory (`fd` -1).
    public static func create(fd: Int32, seriesCapacity: Int, cells: Int, ownCell: Int? = nil) throws -> MetricsRegion {
        let size = byteSize(seriesCapacity: seriesCapacity, cells: cells)
        if fd >= 0 {
            guard ftruncate(fd, off_t(size)) == 0 else { throw MetricsError("cannot size the metrics region: errno \(errno)") }
        }
        let base = try map(fd: fd, size: size)
        let words = base.assumingMemoryBound(to: Int.self)
        words[2] = seriesCapacity
        words[3] = cells
        words[1] = layout
        words[0] = magic
        return MetricsRegion(base: base, byteCount: size, ownCell: ownCell)
    }

    /// Maps a region another process formatted (a worker, from the inherited fd).
    public static func attach(fd: Int32, cell: Int?) throws -> MetricsRegion {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= headerBytes else { throw MetricsError("metrics fd \(fd) is not a region") }
        let base = try map(fd: fd, size: Int(info.st_size))
        let words = base.assumingMemoryBound(to: Int.self)
        guard words[0] == magic, words[1] == layout,
              byteSize(seriesCapacity: words[2], cells: words[3]) <= Int(info.st_size) else {
            munmap(base, Int(info.st_size))
            throw MetricsError("metrics fd \(fd) holds no region of layout \(layout)")
        }
        return MetricsRegion(base: base, byteCount: Int(info.st_size), ownCell: cell.flatMap { $0 < words[3] ? $0 : nil })
    }

    /// A region of this process alone (tests, tools, a process started outside a pool), with
    /// one cell that is its own.
    public static func privateRegion(seriesCapacity: Int = 4096) -> MetricsRegion {
        // Anonymous memory fails to map only when the machine is out of it.
        guard let region = try? create(fd: -1, seriesCapacity: seriesCapacity, cells: 1, ownCell: 0) else {
            fatalError("cannot map \(byteSize(seriesCapacity: seriesCapacity, cells: 1)) bytes for metrics")
        }
        region.claimCell(0, pid: getpid())
        return region
    }

    /// The region of this process: the pool's (fd and cell from the environment) in a pool
    /// worker, else a private one.
    public static let shared: MetricsRegion = {
        let environment = ProcessInfo.processInfo.environment
        if let fd = environment[fdVariable].flatMap(Int32.init),
           let region = try? attach(fd: fd, cell: environment[cellVariable].flatMap(Int.init)) {
            return region
        }
        return privateRegion()
    }()

    private init(base: UnsafeMutableRawPointer, byteCount: Int, ownCell: Int?) {
        self.base = base
        self.byteCount = byteCount
        let words = base.assumingMemoryBound(to: Int.self)
        self.seriesCapacity = words[2]
        self.cellCount = words[3]
        self.ownCell = ownCell
    }

    private static func map(fd: Int32, size: Int) throws -> UnsafeMutableRawPointer {
        let flags = fd >= 0 ? MAP_SHARED : (MAP_SHARED | MAP_ANONYMOUS)
        guard let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, flags, fd, 0), pointer != MAP_FAILED else {
            throw MetricsError("cannot map the metrics region: errno \(errno)")
        }
        return pointer
    }

    // MARK: - Words

    private func atomic(atByte offset: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        (base + offset).assumingMemoryBound(to: Atomic<Int>.self)
    }

    private var seriesCount: UnsafeMutablePointer<Atomic<Int>> { atomic(atByte: 4 * 8) }
    private var registrationLock: UnsafeMutablePointer<Atomic<Int>> { atomic(atByte: 5 * 8) }

    private func cellOffset(_ cell: Int) -> Int { Self.headerBytes + cell * Self.cellBytes }

    private var seriesStart: Int { (Self.headerBytes + cellCount * Self.cellBytes + 4095) / 4096 * 4096 }

    private func seriesOffset(_ index: Int) -> Int { seriesStart + index * Self.seriesBytes }

    // MARK: - Series

    /// Adds `delta` to the series (registering it on first use). False when the region is
    /// full or the name too long: metrics are never worth failing a request for.
    @discardableResult
    public func add(_ series: String, _ delta: Int = 1) -> Bool {
        guard let index = index(of: series) else { return false }
        atomic(atByte: seriesOffset(index)).pointee.wrappingAdd(delta, ordering: .relaxed)
        return true
    }

    /// The series' index, registering it on first use (nil when the region is full): callers
    /// on a hot path resolve their series once and then `add(seriesAt:)`.
    public func seriesIndex(_ series: String) -> Int? { index(of: series) }

    public func add(seriesAt index: Int, _ delta: Int = 1) {
        atomic(atByte: seriesOffset(index)).pointee.wrappingAdd(delta, ordering: .relaxed)
    }

    /// Records one observation of a histogram (see `Histogram`).
    public func observe(_ histogram: Histogram, labels: String, _ value: Double) {
        for (series, delta) in histogram.increments(labels: labels, value: value) { add(series, delta) }
    }

    /// Every series with its current value, in registration order.
    public func snapshot() -> [(series: String, value: Int)] {
        let count = min(seriesCount.pointee.load(ordering: .acquiring), seriesCapacity)
        var result: [(series: String, value: Int)] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append((name(at: index), atomic(atByte: seriesOffset(index)).pointee.load(ordering: .relaxed)))
        }
        return result
    }

    private func name(at index: Int) -> String {
        let offset = seriesOffset(index)
        let length = min(max((base + offset + 8).load(as: Int.self), 0), Self.maxSeriesNameBytes)
        return String(decoding: UnsafeRawBufferPointer(start: base + offset + 16, count: length), as: UTF8.self)
    }

    private func index(of series: String) -> Int? {
        if let index = known.withLock({ $0.indexes[series] }) { return index }
        let bytes = Array(series.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maxSeriesNameBytes else { return nil }
        return known.withLock { known -> Int? in
            lockRegistration()
            defer { registrationLock.pointee.store(0, ordering: .releasing) }
            // Learn what other processes registered since we last looked.
            let count = min(seriesCount.pointee.load(ordering: .acquiring), seriesCapacity)
            while known.scanned < count {
                known.indexes[name(at: known.scanned)] = known.scanned
                known.scanned += 1
            }
            if let index = known.indexes[series] { return index }
            guard count < seriesCapacity else { return nil }
            let offset = seriesOffset(count)
            bytes.withUnsafeBytes { (base + offset + 16).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            (base + offset + 8).storeBytes(of: bytes.count, as: Int.self)
            seriesCount.pointee.store(count + 1, ordering: .releasing)
            known.indexes[series] = count
            known.scanned = count + 1
            return count
        }
    }

    /// A spin lock across processes, held for a few microseconds; its word holds the holder's
    /// pid, so a holder that was killed inside is noticed and the lock taken from it.
    private func lockRegistration() {
        let me = Int(getpid())
        var spins = 0
        while true {
            let attempt = registrationLock.pointee.compareExchange(expected: 0, desired: me, ordering: .acquiringAndReleasing)
            if attempt.exchanged { return }
            spins += 1
            if spins % 1000 == 0 {
                let holder = attempt.original
                if holder == me || (kill(pid_t(holder), 0) != 0 && errno == ESRCH) {
                    if registrationLock.pointee.compareExchange(expected: holder, desired: me, ordering: .acquiringAndReleasing).exchanged {
                        return
                    }
                }
            }
            sched_yield()
        }
    }

    // MARK: - Cells

    /// The master gives `cell` to a worker it started.
    public func claimCell(_ cell: Int, pid: pid_t) {
        guard cell >= 0, cell < cellCount else { return }
        atomic(atByte: cellOffset(cell) + 8).pointee.store(0, ordering: .relaxed)
        atomic(atByte: cellOffset(cell)).pointee.store(Int(pid), ordering: .releasing)
    }

    /// The master reaped the worker of `cell`: what it had in flight is gone with it.
    public func release(cell: Int) {
        guard cell >= 0, cell < cellCount else { return }
        atomic(atByte: cellOffset(cell)).pointee.store(0, ordering: .releasing)
        atomic(atByte: cellOffset(cell) + 8).pointee.store(0, ordering: .relaxed)
    }

    /// Requests in flight in this process go up or down by `delta`.
    public func addInFlight(_ delta: Int) {
        guard let ownCell else { return }
        atomic(atByte: cellOffset(ownCell) + 8).pointee.wrappingAdd(delta, ordering: .relaxed)
    }

    /// Live processes (cells in use) and the requests they have in flight.
    public func cells() -> (processes: Int, inFlight: Int) {
        var processes = 0
        var inFlight = 0
        for cell in 0..<cellCount where atomic(atByte: cellOffset(cell)).pointee.load(ordering: .acquiring) != 0 {
            processes += 1
            inFlight += max(0, atomic(atByte: cellOffset(cell) + 8).pointee.load(ordering: .relaxed))
        }
        return (processes, inFlight)
    }
}

public struct MetricsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
