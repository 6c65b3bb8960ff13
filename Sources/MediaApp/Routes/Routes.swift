import MediaHTTP

/// Every route of the service, in one place (the playground and the isolation tests read it).
public enum Routes {
    public static func make(config: AppConfig, health: HealthCheck) -> Router<Endpoint> {
        var router = Router<Endpoint>()
        let json = MediaJSON(cdnBaseURL: config.storage.cdnBaseURL)
        SystemRoutes.register(in: &router, health: health)
        UploadRoutes.register(in: &router, json: json)
        ResumableRoutes.register(in: &router)
        MultipartRoutes.register(in: &router, json: json)
        QueryRoutes.register(in: &router, json: json)
        DeleteRoutes.register(in: &router)
        DownloadRoutes.register(in: &router)
        ProcessingRoutes.register(in: &router, json: json)
        TransformRoutes.register(in: &router)
        return router
    }
}
