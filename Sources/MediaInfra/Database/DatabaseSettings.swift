public struct DatabaseSettings: Sendable {
    public var host: String
    public var port: Int
    /// A unix socket path; used instead of host/port when set.
    public var socket: String?
    public var name: String
    public var user: String
    public var password: String
    public var connectTimeoutSeconds: Int
    public var queryTimeoutSeconds: Int

    public init(host: String, port: Int, socket: String?, name: String, user: String, password: String,
                connectTimeoutSeconds: Int = 2, queryTimeoutSeconds: Int = 10) {
        self.host = host
        self.port = port
        self.socket = socket
        self.name = name
        self.user = user
        self.password = password
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.queryTimeoutSeconds = queryTimeoutSeconds
    }
}
