import CVips

/// Process-wide libvips set-up. Call `Vips.start()` once, before threads start.
public enum Vips {
    public static func start(programName: String = "media-service") {
        guard cvips_init(programName) == 0 else { fatalError("libvips failed to initialise") }
        // A server must not keep decoded images between requests: memory stays bounded.
        vips_cache_set_max(0)
        vips_cache_set_max_mem(0)
        vips_cache_set_max_files(0)
    }
}
