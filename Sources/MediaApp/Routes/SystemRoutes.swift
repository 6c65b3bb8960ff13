import MediaHTTP

enum SystemRoutes {
    static func register(in router: inout Router<Endpoint>, health: HealthCheck) {
        router.add("GET", "/healthz", .open { _ in
            let checks = health.run()
            let healthy = checks.allSatisfy(\.ok)
            return .json([
                "status": .string(healthy ? "ok" : "degraded"),
                "checks": .object(checks.map { ($0.name, .string($0.ok ? "ok" : "error")) }),
            ], status: healthy ? 200 : 503)
        })
    }
}
