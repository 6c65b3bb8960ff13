import MediaCore

extension AppConfig {
    /// On-the-fly transforms (`/img/...`, imgproxy's URL format).
    public struct Transforms: Sendable {
        /// Key/salt pairs, any of which signs a valid URL (several during a key rotation).
        /// Empty: transforms are off (every URL is 403).
        public var signingPairs: [(key: [UInt8], salt: [UInt8])] = []
        /// Named option lists (`TRANSFORM_PRESETS=thumb=rs:fill:200:200/q:70,hero=w:1600`).
        public var presets: [String: [TransformURL.Option]] = [:]
        /// Only presets are accepted (`TRANSFORM_ONLY_PRESETS`), imgproxy's only-presets form.
        public var onlyPresets = false
        /// The largest output width or height, after `dpr`.
        public var maxDimension = 4096
        /// Sources with more pixels are refused before decoding.
        public var maxSourcePixels = 50_000_000
        /// New derivatives an organization may have made per minute (hits never count); 0: no limit.
        public var budgetPerMinute = 300
        /// Seconds nginx may answer a public derivative from its own cache (`X-Accel-Expires`)
        /// before asking again; 0: never cached there. A deleted or cropped media's old URLs
        /// may answer from that cache for this long.
        public var cacheSeconds = 60

        static func load(_ env: EnvironmentReader) throws -> Transforms {
            var transforms = Transforms()
            let keys = try hexList(env, "TRANSFORM_KEY")
            let salts = try hexList(env, "TRANSFORM_SALT")
            guard keys.count == salts.count else {
                throw ConfigError(setting: "TRANSFORM_SALT", problem: "must list as many salts as TRANSFORM_KEY lists keys")
            }
            transforms.signingPairs = Array(zip(keys, salts)).map { (key: $0.0, salt: $0.1) }
            transforms.presets = try presets(env.optionalString("TRANSFORM_PRESETS") ?? "")
            transforms.onlyPresets = try env.bool("TRANSFORM_ONLY_PRESETS", default: false)
            transforms.maxDimension = try env.int("TRANSFORM_MAX_DIMENSION", default: 4096, in: 16...16384)
            transforms.maxSourcePixels = try env.int("TRANSFORM_MAX_SOURCE_PIXELS", default: 50_000_000, in: 1...1_000_000_000)
            transforms.budgetPerMinute = try env.int("TRANSFORM_BUDGET_PER_MINUTE", default: 300, in: 0...1_000_000)
            transforms.cacheSeconds = try env.int("TRANSFORM_CACHE_SECONDS", default: 60, in: 0...86_400)
            return transforms
        }

        /// `a1b2…,c3d4…`: hex values, comma separated.
        private static func hexList(_ env: EnvironmentReader, _ name: String) throws -> [[UInt8]] {
            try (env.optionalString(name) ?? "").split(separator: ",").map { item in
                let hex = Array(item.utf8)
                guard !hex.isEmpty, hex.count % 2 == 0, let bytes = Optional(stride(from: 0, to: hex.count, by: 2).compactMap {
                    UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)
                }), bytes.count == hex.count / 2 else {
                    throw ConfigError(setting: name, problem: "must be hex values, comma separated")
                }
                return bytes
            }
        }

        /// `name=option/option,name=…`; each option is checked as a URL's would be.
        static func presets(_ text: String) throws -> [String: [TransformURL.Option]] {
            var presets: [String: [TransformURL.Option]] = [:]
            for entry in text.split(separator: ",") {
                let pair = entry.split(separator: "=", maxSplits: 1)
                let name = pair.first.map { String($0).trimmed } ?? ""
                guard pair.count == 2, !name.isEmpty, presets[name] == nil else {
                    throw ConfigError(setting: "TRANSFORM_PRESETS", problem: "must look like thumb=rs:fill:200:200/q:70,hero=w:1600")
                }
                let options = pair[1].split(separator: "/").map { segment in
                    let parts = segment.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                    return TransformURL.Option(name: parts[0], arguments: Array(parts.dropFirst()))
                }
                presets[name] = options
            }
            for (name, _) in presets {
                do {
                    _ = try TransformOptions.resolve([TransformURL.Option(name: "preset", arguments: [name])], presets: presets)
                } catch {
                    throw ConfigError(setting: "TRANSFORM_PRESETS", problem: "preset \(name): \(error.serviceError.message)")
                }
            }
            return presets
        }
    }
}
