// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: C modules → adapters (Hashing, S3, Imaging, MediaInfra)
// → MediaApp; MediaCore and MediaHTTP are pure Swift and know no C.
let package = Package(
    name: "media-service",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "media-api", targets: ["media-api"]),
        .executable(name: "media-worker", targets: ["media-worker"]),
        .executable(name: "mediactl", targets: ["mediactl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C libraries: a modulemap and a shim.h of non-variadic wrappers each.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // libvips' own WebP dependency, called directly for still images (see Encoder).
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),

        // Pure Swift domain: media, variants, validation, object keys, ids, errors. No C, no I/O.
        .target(name: "MediaCore"),
        // HTTP values, routing, JSON and the error envelope. No transport.
        .target(name: "MediaHTTP", dependencies: ["MediaCore", .product(name: "Logging", package: "swift-log")]),
        // SHA-256, HMAC and randomness from OpenSSL.
        .target(name: "Hashing", dependencies: ["COpenSSL"]),
        // S3 over libcurl with our own SigV4 signing.
        .target(name: "S3", dependencies: ["CCurl", "COpenSSL", "Hashing", "MediaCore", .product(name: "Logging", package: "swift-log")]),
        // Image probing and variants with libvips.
        .target(name: "Imaging", dependencies: ["CVips", "CWebP", "MediaCore"]),
        // MariaDB and Redis adapters and the repositories built on them.
        .target(name: "MediaInfra", dependencies: ["CMariaDB", "CHiredis", "Hashing", "MediaCore", .product(name: "Logging", package: "swift-log")]),
        // Counters shared by the processes of a pool (a memory region) and the Prometheus format.
        .target(name: "Metrics"),
        // libfcgi accept loop and the process pool; knows nothing of media.
        .target(name: "FastCGI", dependencies: ["CFastCGI", "MediaCore", "MediaHTTP", "Metrics", .product(name: "Logging", package: "swift-log")]),
        // The service: configuration, handlers, wiring.
        .target(name: "MediaApp", dependencies: ["MediaCore", "MediaHTTP", "MediaInfra", "S3", "Imaging", "Hashing", "Metrics",
                                          .product(name: "Logging", package: "swift-log")]),

        // In-memory fakes of the operations' ports (object store, media rows, job queue), for tests.
        .target(name: "MediaTestSupport", dependencies: ["MediaApp", "MediaCore", "S3"]),
        .executableTarget(name: "media-api", dependencies: ["MediaApp", "MediaInfra", "FastCGI", "Imaging"]),
        .executableTarget(name: "media-worker", dependencies: ["MediaApp", "MediaInfra", "Imaging", "FastCGI"]),
        // Parsing and --help need no configuration; each command loads it when it runs.
        .executableTarget(name: "mediactl", dependencies: ["MediaApp", "MediaCore",
                                                          .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Times the variant job in one process (bench/imaging-quick.sh).
        .executableTarget(name: "imaging-bench", dependencies: ["Imaging", "MediaCore"]),

        // Fast tests: no servers.
        .testTarget(name: "MediaCoreTests", dependencies: ["MediaCore"]),
        .testTarget(name: "MediaHTTPTests", dependencies: ["MediaHTTP", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "S3Tests", dependencies: ["S3", "Hashing"], resources: [.copy("Vectors")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "MediaCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MediaAppTests", dependencies: ["MediaApp", "MediaHTTP", "MediaCore", "MediaTestSupport"]),
        .testTarget(name: "MediaInfraTests", dependencies: ["MediaInfra"]),
        .testTarget(name: "mediactlTests", dependencies: ["mediactl", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Against the live stack started by scripts/test (addresses from the environment).
        .testTarget(name: "IntegrationTests", dependencies: ["S3", "MediaCore", "MediaHTTP", "MediaInfra", "MediaApp", "Hashing"]),
    ],
    swiftLanguageModes: [.v6]
)
