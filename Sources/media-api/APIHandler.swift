import FastCGI
import MediaApp
import MediaHTTP

/// One per serving thread: the shared application plus this thread's own connections.
final class APIHandler: FastCGIHandler {
    private let application: Application
    private let resources: ServiceResources

    init(application: Application, resources: ServiceResources) {
        self.application = application
        self.resources = resources
    }

    func respond(to request: Request) -> Response {
        application.respond(to: request, resources: resources)
    }

    func threadWillExit() {
        resources.close()
    }
}
