import MediaCore

/// A MariaDB failure with the server's or client library's error number.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    public let code: UInt32
    public let message: String

    public init(code: UInt32, message: String) {
        self.code = code
        self.message = message
    }

    /// The connection is unusable (server gone, unreachable, shut down): reopen, or answer 503.
    public var isConnectionFailure: Bool {
        (2000..<3000).contains(code) || code == 1053 || code == 1927 || code == 1152 || code == 1040
    }

    /// The transaction was rolled back to break a deadlock (ER_LOCK_DEADLOCK); it may be rerun.
    public var isDeadlock: Bool { code == 1213 }

    /// A unique key refused the row (ER_DUP_ENTRY).
    public var isDuplicateKey: Bool { code == 1062 }

    public var description: String { "MariaDB error \(code): \(message)" }

    /// What the client sees: 503 naming the database when it cannot be reached, else a 500.
    public var serviceError: ServiceError {
        isConnectionFailure ? .unavailable("database") : ServiceError(.internalError, "database error")
    }
}
