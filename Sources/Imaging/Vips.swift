import CVips
import Foundation
import MediaCore
import Synchronization

/// Process-wide libvips set-up: caching off, thread count, and which loaders untrusted
/// bytes may reach. Call `Vips.start()` once, before threads start; Imaging's entry points
/// start it with the defaults if nobody did, so the loader policy always applies.
public enum Vips {
    /// The image types Imaging can decode with this libvips (JPEG XL's loader is marked
    /// untrusted in 8.14 and stays blocked).
    public static let supportedTypes: Set<FileType> = [.jpeg, .png, .gif, .webp, .avif, .heic, .tiff]

    /// - Parameters:
    ///   - allowedImageTypes: the image types uploads may decode; others, and every loader
    ///     outside `supportedTypes` (SVG, PDF, ImageMagick, …), are blocked inside libvips.
    ///   - concurrency: libvips worker threads per pipeline. Imaging already runs the full-size
    ///     encode beside the resized variants, so 1 keeps memory low without costing time.
    ///   - maxConcurrentJobs: image jobs (variant sets, crops) this process runs at once; more
    ///     wait their turn (see `ImagingGate`).
    public static func start(programName: String = "media-service",
                             allowedImageTypes: Set<FileType> = supportedTypes,
                             concurrency: Int = 1, maxConcurrentJobs: Int = 2) {
        ImagingGate.setLimit(maxConcurrentJobs)
        state.withLock { state in
            if !state.initialised {
                guard cvips_init(programName) == 0 else { fatalError("libvips failed to initialise") }
                state.initialised = true
            }
            // A server must not keep decoded images between requests: memory stays bounded.
            vips_cache_set_max(0)
            vips_cache_set_max_mem(0)
            vips_cache_set_max_files(0)
            vips_concurrency_set(Int32(max(1, concurrency)))
            state.decodableTypes = allowedImageTypes.intersection(supportedTypes)
            applyLoaderPolicy(state.decodableTypes)
        }
    }

    /// The image types the loader policy currently lets through.
    public static var decodableTypes: Set<FileType> {
        ensureStarted()
        return state.withLock { $0.decodableTypes }
    }

    /// Bytes of pixel memory libvips holds right now (decoded images, encode buffers).
    /// Zero between jobs unless an image leaked.
    public static var trackedMemoryBytes: Int { Int(vips_tracked_get_mem()) }

    static func ensureStarted() {
        if !state.withLock({ $0.initialised }) { start() }
    }

    /// Blocks every loader, and untrusted operations in general, then re-enables the loader
    /// family of each allowed type. Blocked loaders fail with "operation is blocked".
    private static func applyLoaderPolicy(_ types: Set<FileType>) {
        vips_block_untrusted_set(1)
        vips_operation_block_set("VipsForeignLoad", 1)
        for type in types {
            if let loaderClass = loaderClass(for: type) { vips_operation_block_set(loaderClass, 0) }
        }
    }

    /// The libvips base class of the loaders for `type` (file, buffer and source loaders).
    static func loaderClass(for type: FileType) -> String? {
        switch type {
        case .jpeg: "VipsForeignLoadJpeg"
        case .png: "VipsForeignLoadPng"
        case .gif: "VipsForeignLoadNsgif"
        case .webp: "VipsForeignLoadWebp"
        case .avif, .heic: "VipsForeignLoadHeif"
        case .tiff: "VipsForeignLoadTiff"
        default: nil
        }
    }

    private struct State {
        var initialised = false
        var decodableTypes: Set<FileType> = []
    }

    private static let state = Mutex(State())
}
