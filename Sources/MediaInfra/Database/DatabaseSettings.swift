import MediaCore

public struct DatabaseSettings: Sendable {
    public var host: String
    public var port: Int
    /// The nodes to connect to, in order (DB_HOSTS: Galera nodes, or proxies in front of a
    /// primary); empty means `host:port` alone.
    public var hosts: [NetworkAddress] = []
    /// A unix socket path; used instead of host/port when set.
    public var socket: String?
    public var name: String
    public var user: String
    public var password: String
    public var connectTimeoutSeconds: Int
    public var queryTimeoutSeconds: Int
    /// How often a transaction the server aborted (deadlock, lock wait timeout, a Galera
    /// certification failure) or whose connection was lost before COMMIT is run again.
    public var transactionRetries = 3

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

    /// The nodes a connection tries, in order.
    public var endpoints: [NetworkAddress] { hosts.isEmpty ? [NetworkAddress(host: host, port: port)] : hosts }
}
