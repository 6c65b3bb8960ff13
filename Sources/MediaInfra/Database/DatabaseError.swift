import CMariaDB
import MediaCore

/// A MariaDB failure with the server's or the client library's error number.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    public let code: Code
    public let message: String
    /// The connection was lost after a write (a COMMIT, an autocommit statement) had been
    /// sent: the server may have applied it or not. Whoever cleans up after a failed write
    /// must leave what the write would claim (see `OutcomeUnknownError`).
    public var outcomeUnknown = false

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public init(code: UInt32, message: String) {
        self.init(code: Code(rawValue: code), message: message)
    }

    /// The connection is unusable (server gone, unreachable, shut down, out of connections):
    /// reopen it, or answer 503. Only errors about the connection itself: a client library
    /// error about our own use of it ("commands out of sync", a statement not prepared) is a
    /// bug, which neither a new connection nor the client's retry would cure.
    public var isConnectionFailure: Bool { Code.connectionFailures.contains(code) }

    /// The client library lost track of the protocol on this connection: nothing more can be
    /// sent on it, though the server is fine. Close it (no retry) so the next statement starts clean.
    public var poisonsConnection: Bool { code == .commandsOutOfSync || code == .malformedPacket }

    /// The server never ran the statement (no connection was made, or the node refused
    /// work): it may be sent again to another node whatever it does.
    public var isRefusal: Bool { Code.refusals.contains(code) }

    /// The transaction was rolled back to break a deadlock; it may be rerun.
    public var isDeadlock: Bool { code == .deadlock }

    /// The server gave up the transaction's work: a deadlock victim, a lock wait that timed
    /// out, or (Galera) a transaction that lost certification against another node's, which
    /// is reported as a deadlock. Nothing of it is applied; the whole of it may be rerun.
    public var abortedTransaction: Bool { code == .deadlock || code == .lockWaitTimeout }

    /// A unique key refused the row.
    public var isDuplicateKey: Bool { code == .duplicateEntry }

    public var description: String { "MariaDB error \(code): \(message)" }

    /// What the client sees: 503 naming the database when it cannot be reached, else a 500.
    public var serviceError: ServiceError {
        isConnectionFailure ? .unavailable("database") : ServiceError(.internalError, "database error")
    }
}

extension DatabaseError: OutcomeUnknownError {}

extension DatabaseError {
    /// An error number, named after Connector/C's headers (`errmsg.h`: the client library's
    /// `CR_*`; `mysqld_error.h`: the server's `ER_*`), in the manner of GRDB's `ResultCode` and
    /// postgres-nio's `PSQLError.Code`. Any number is a code; the named ones are those the
    /// service decides on. Ranges mean nothing: 2000-2999 holds connection losses and misuse alike.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt32

        public init(rawValue: UInt32) { self.rawValue = rawValue }
        init(_ header: Int32) { rawValue = UInt32(header) }

        public var description: String { String(rawValue) }

        // The connection could not be made or was lost.
        public static let socketCreateError = Code(CR_SOCKET_CREATE_ERROR)
        public static let connectionError = Code(CR_CONNECTION_ERROR)
        public static let hostConnectionError = Code(CR_CONN_HOST_ERROR)
        public static let ipSocketError = Code(CR_IPSOCK_ERROR)
        public static let unknownHost = Code(CR_UNKNOWN_HOST)
        public static let serverGone = Code(CR_SERVER_GONE_ERROR)
        public static let handshakeError = Code(CR_SERVER_HANDSHAKE_ERR)
        public static let serverLost = Code(CR_SERVER_LOST)
        public static let tlsConnectionError = Code(CR_SSL_CONNECTION_ERROR)
        public static let serverLostExtended = Code(CR_SERVER_LOST_EXTENDED)
        public static let networkReadError = Code(CR_ERR_NET_READ)
        public static let networkWriteError = Code(CR_ERR_NET_WRITE)
        public static let tooManyConnections = Code(ER_CON_COUNT_ERROR)
        public static let serverShutdown = Code(ER_SERVER_SHUTDOWN)
        public static let abortingConnection = Code(ER_ABORTING_CONNECTION)
        public static let connectionKilled = Code(ER_CONNECTION_KILLED)
        /// Galera: "WSREP has not yet prepared node for application use" (a node that left
        /// the primary component or is still joining refuses statements with this number).
        public static let nodeNotReady = Code(ER_UNKNOWN_COM_ERROR)

        // The client library was misused or misread the server: a bug, not an outage.
        public static let outOfMemory = Code(CR_OUT_OF_MEMORY)
        public static let commandsOutOfSync = Code(CR_COMMANDS_OUT_OF_SYNC)
        public static let malformedPacket = Code(CR_MALFORMED_PACKET)
        public static let statementNotPrepared = Code(CR_NO_PREPARE_STMT)
        public static let parametersNotBound = Code(CR_PARAMS_NOT_BOUND)

        // The statement lost to another one.
        public static let lockWaitTimeout = Code(ER_LOCK_WAIT_TIMEOUT)
        public static let deadlock = Code(ER_LOCK_DEADLOCK)
        public static let duplicateEntry = Code(ER_DUP_ENTRY)

        /// `SET` of a variable this server does not have (wsrep_sync_wait without Galera).
        public static let unknownSystemVariable = Code(ER_UNKNOWN_SYSTEM_VARIABLE)

        static let connectionFailures: Set<Code> = [
            .socketCreateError, .connectionError, .hostConnectionError, .ipSocketError, .unknownHost, .serverGone,
            .handshakeError, .serverLost, .tlsConnectionError, .serverLostExtended, .networkReadError,
            .networkWriteError, .tooManyConnections, .serverShutdown, .abortingConnection, .connectionKilled, .nodeNotReady,
        ]

        /// Failures that leave no doubt the statement was never run: connecting failed, or the
        /// node turned it away before running it.
        static let refusals: Set<Code> = [
            .socketCreateError, .connectionError, .hostConnectionError, .ipSocketError, .unknownHost, .handshakeError,
            .tlsConnectionError, .tooManyConnections, .nodeNotReady,
        ]
    }
}
