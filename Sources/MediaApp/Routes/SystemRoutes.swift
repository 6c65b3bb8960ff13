import MediaHTTP
import Metrics

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

        // No API key: nginx serves it to loopback and private addresses only (nginx/media.conf.template).
        router.add("GET", "/metrics", .open { context in
            var headers = HTTPHeaders()
            headers.set("Content-Type", PrometheusText.contentType)
            headers.set("Cache-Control", "no-store")
            return Response(status: 200, headers: headers, body: .bytes(Array(Telemetry.exposition(resources: context.resources).utf8)))
        })
    }
}
