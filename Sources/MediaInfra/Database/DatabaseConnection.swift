import CMariaDB
import Foundation
import Logging
import MediaCore

/// One MariaDB connection, owned by one thread. Opened on first use and reopened after the
/// server went away; every statement is prepared once per connection and cached.
///
/// With several nodes (DB_HOSTS) it connects to the one that last worked, else to the next in
/// order; a connection lost or refused by its node moves it on to the next one.
///
/// Not `Sendable`: it is never used by two threads at once (each serving thread or job thread
/// makes and owns its own), and the compiler keeps it that way.
public final class DatabaseConnection {
    public let settings: DatabaseSettings
    private var handle: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: UnsafeMutablePointer<MYSQL_STMT>] = [:]
    private var transactionDepth = 0
    private var rotation: EndpointRotation
    /// The node of the open connection (an index into `settings.endpoints`).
    public private(set) var connectedNode: Int?
    /// When the connection last answered (monotonic seconds).
    private var lastAnswered = 0.0
    private let retryPolicy: TransactionRetryPolicy
    private let logger = Logger(label: "database")
    /// Told about every statement once it ended ("execute" or "query", seconds, the error if
    /// it failed): for latency and error metrics.
    public var observer: ((_ operation: String, _ seconds: Double, _ error: Error?) -> Void)?
    /// Told each time a transaction is run again (the error of the attempt that failed).
    public var transactionRetried: ((_ error: DatabaseError) -> Void)?

    /// Call once per process before any thread opens a connection.
    public static func initializeLibrary() {
        _ = cmariadb_library_init()
    }

    public init(settings: DatabaseSettings) {
        self.settings = settings
        self.rotation = EndpointRotation(count: settings.endpoints.count)
        self.retryPolicy = TransactionRetryPolicy(retries: settings.transactionRetries)
    }

    deinit { close() }

    public func close() {
        for statement in statements.values { mysql_stmt_close(statement) }
        statements.removeAll()
        if let handle { mysql_close(handle) }
        handle = nil
        connectedNode = nil
        transactionDepth = 0
    }

    /// The connection failed: close it, and have the next one start at the next node.
    private func abandon() {
        if let connectedNode { rotation.failed(connectedNode) }
        close()
    }

    /// Runs a statement that returns no rows; answers the affected row count.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [DatabaseValue] = []) throws -> Int {
        try observed("execute") { try writing { try run(sql, parameters, collectRows: false).affected } }
    }

    public func query(_ sql: String, _ parameters: [DatabaseValue] = []) throws -> [DatabaseRow] {
        try observed("query") { try reading { try run(sql, parameters, collectRows: true).rows } }
    }

    private func observed<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        guard let observer else { return try body() }
        return try timed(body) { seconds, error in observer(operation, seconds, error) }
    }

    public func queryOne(_ sql: String, _ parameters: [DatabaseValue] = []) throws -> DatabaseRow? {
        try query(sql, parameters).first
    }

    /// Runs `body` in a transaction; rolls back if it throws. A transaction the server
    /// aborted (deadlock, lock wait timeout, Galera certification) or whose connection was lost
    /// before COMMIT is run again whole, up to `DB_TRANSACTION_RETRIES` times after a short
    /// random pause; one whose COMMIT was cut off is not (see `TransactionRetryPolicy`), so
    /// `body` may run more than once but its effects are applied at most once.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        // An inner transaction is part of the outer one's attempt: only the outer one reruns.
        guard transactionDepth == 0 else { return try transactionOnce(body) }
        var attempt = 1
        while true {
            do {
                return try transactionOnce(body)
            } catch let failure as TransactionFailure {
                switch retryPolicy.decide(after: failure.error, attempt: attempt, atCommit: failure.atCommit,
                                          random: Double.random(in: 0..<1)) {
                case .rerun(let pause):
                    if let error = failure.error as? DatabaseError {
                        logger.debug("transaction run again", metadata: ["code": "\(error.code)", "attempt": "\(attempt + 1)"])
                        transactionRetried?(error)
                    }
                    attempt += 1
                    Thread.sleep(forTimeInterval: pause)
                case .fail:
                    throw failure.error
                case .outcomeUnknown:
                    guard var error = failure.error as? DatabaseError else { throw failure.error }
                    error.outcomeUnknown = true
                    throw error
                }
            }
        }
    }

    /// An attempt's error, and whether COMMIT itself raised it.
    private struct TransactionFailure: Error {
        let error: Error
        let atCommit: Bool
    }

    private func transactionOnce<T>(_ body: () throws -> T) throws -> T {
        let outermost = transactionDepth == 0
        do {
            // Nothing is applied yet: a stale connection is reopened like a read's.
            _ = try reading { try run("START TRANSACTION", [], collectRows: false) }
        } catch {
            throw TransactionFailure(error: error, atCommit: false)
        }
        transactionDepth += 1
        let result: T
        do {
            result = try body()
        } catch {
            leaveTransaction()
            if (error as? DatabaseError)?.isConnectionFailure == true {
                abandon()   // the server rolls back what the lost connection did
            } else {
                _ = try? run("ROLLBACK", [], collectRows: false)
            }
            throw outermost ? TransactionFailure(error: error, atCommit: false) : error
        }
        // Outside the catch above: a COMMIT that fails must not count the transaction as left
        // twice (a negative depth disabled reconnecting for good: every later statement of
        // this thread answered "server has gone away" after a database restart).
        leaveTransaction()
        do {
            _ = try run("COMMIT", [], collectRows: false)
            lastAnswered = monotonicNow()
        } catch let error as DatabaseError {
            if error.isConnectionFailure { abandon() }   // the next statement opens a new connection
            throw outermost ? TransactionFailure(error: error, atCommit: true) : error
        }
        return result
    }

    /// Never below zero: a connection closed inside a nested transaction has reset the depth
    /// already, and a negative one would leave every later transaction miscounted.
    private func leaveTransaction() { transactionDepth = max(0, transactionDepth - 1) }

    /// Statements without parameters that cannot be prepared (DDL in migrations).
    public func executeUnprepared(_ sql: String) throws {
        let connection = try open()
        if mysql_real_query(connection, sql, UInt(sql.utf8.count)) != 0 { throw failure(connection) }
        if let result = mysql_store_result(connection) { mysql_free_result(result) }
    }

    /// Round trip to the server (health checks).
    public func ping() throws {
        _ = try query("SELECT 1")
    }

    // MARK: - Internals

    /// A read whose connection failed is sent once more, on a new connection (to the next
    /// node), unless it was inside a transaction (whose earlier work is lost: `transaction`
    /// reruns it whole). One that left the protocol out of step is not tried again (it would
    /// fail the same way), but the connection is dropped so that the thread's next statement works.
    private func reading<T>(_ body: () throws -> T) throws -> T {
        do {
            let result = try body()
            lastAnswered = monotonicNow()
            return result
        } catch let error as DatabaseError where error.isConnectionFailure && transactionDepth <= 0 {
            logger.debug("database connection lost; reconnecting", metadata: ["code": "\(error.code)"])
            abandon()
            let result = try body()
            lastAnswered = monotonicNow()
            return result
        } catch let error as DatabaseError where error.poisonsConnection && transactionDepth <= 0 {
            logger.debug("database connection out of step; dropped", metadata: ["code": "\(error.code)"])
            close()
            throw error
        }
    }

    /// A connection unused this long is checked with a ping before a write goes out on it
    /// (a round trip, paid only by writes after a pause).
    public var idleBeforePingSeconds = 1.0

    /// A write outside a transaction commits on its own, so a connection lost while it was in
    /// flight leaves it applied or not: it is never sent twice (an INSERT would meet itself as
    /// a duplicate, a conditional UPDATE its own change), and the error says `outcomeUnknown`.
    /// What makes that rare is checking a connection that sat idle (where a restarted or
    /// failed-over node is found) with a ping before the write, and resending only what the
    /// node refused without running it.
    private func writing<T>(_ body: () throws -> T) throws -> T {
        guard transactionDepth <= 0 else { return try body() }
        if let handle, monotonicNow() - lastAnswered >= idleBeforePingSeconds, mysql_ping(handle) != 0 {
            logger.debug("idle database connection lost; reconnecting", metadata: ["code": "\(mysql_errno(handle))"])
            abandon()
        }
        do {
            let result = try body()
            lastAnswered = monotonicNow()
            return result
        } catch var error as DatabaseError where error.isConnectionFailure {
            abandon()
            guard error.isRefusal else {
                error.outcomeUnknown = true
                throw error
            }
            let result = try body()
            lastAnswered = monotonicNow()
            return result
        } catch let error as DatabaseError where error.poisonsConnection {
            close()
            throw error
        }
    }

    /// Connects to the node that last worked, else to each other one in order. A unix socket
    /// (DB_SOCKET) is the one place to connect to.
    private func open() throws -> UnsafeMutablePointer<MYSQL> {
        if let handle { return handle }
        let endpoints = settings.endpoints
        var lastError: DatabaseError?
        for node in (settings.socket == nil ? rotation.attemptOrder : [0]) {
            do {
                let connection = try connect(to: endpoints[node])
                handle = connection
                connectedNode = node
                rotation.connected(to: node)
                lastAnswered = monotonicNow()
                do {
                    try configureSession(connection)
                } catch let error as DatabaseError where error.isConnectionFailure {
                    close()
                    rotation.failed(node)
                    lastError = error
                    continue
                }
                return connection
            } catch let error as DatabaseError where error.isConnectionFailure {
                if endpoints.count > 1 {
                    logger.warning("database node unreachable", metadata: ["node": "\(endpoints[node])", "code": "\(error.code)"])
                }
                lastError = error
            }
        }
        throw lastError ?? DatabaseError(code: .hostConnectionError, message: "no database node to connect to")
    }

    private func connect(to endpoint: NetworkAddress) throws -> UnsafeMutablePointer<MYSQL> {
        guard let connection = mysql_init(nil) else { throw DatabaseError(code: .outOfMemory, message: "out of memory") }
        _ = cmariadb_option_uint(connection, MYSQL_OPT_CONNECT_TIMEOUT, UInt32(settings.connectTimeoutSeconds))
        _ = cmariadb_option_uint(connection, MYSQL_OPT_READ_TIMEOUT, UInt32(settings.queryTimeoutSeconds))
        _ = cmariadb_option_uint(connection, MYSQL_OPT_WRITE_TIMEOUT, UInt32(settings.queryTimeoutSeconds))
        _ = cmariadb_option_string(connection, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        let connected = mysql_real_connect(connection, settings.socket == nil ? endpoint.host : nil, settings.user,
                                           settings.password, settings.name, UInt32(endpoint.port), settings.socket, 0)
        guard connected != nil else {
            let error = failure(connection)
            mysql_close(connection)
            throw DatabaseError(code: error.code.rawValue == 0 ? .hostConnectionError : error.code, message: error.message)
        }
        logger.debug("database connection opened", metadata: ["server": "\(settings.socket ?? endpoint.description)"])
        return connection
    }

    /// Timestamps are stored and read as UTC; strict mode refuses silent truncation; READ
    /// COMMITTED keeps InnoDB from taking gap locks that make unrelated writers deadlock.
    private func configureSession(_ connection: UnsafeMutablePointer<MYSQL>) throws {
        let sql = "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', tx_isolation = 'READ-COMMITTED'"
        if mysql_real_query(connection, sql, UInt(sql.utf8.count)) != 0 { throw failure(connection) }
        guard settings.hosts.count > 1 else { return }
        // Galera applies a transaction committed on another node a moment later: a read
        // (and START TRANSACTION) first waits until this node has applied everything the
        // cluster committed before it, so a write through one host is seen by the next read
        // through any other (the read cache's revision counters rely on that). A server
        // without Galera has no such variable (1193), and needs no wait.
        let causal = "SET SESSION wsrep_sync_wait = 1"
        if mysql_real_query(connection, causal, UInt(causal.utf8.count)) != 0 {
            let error = failure(connection)
            guard error.code == .unknownSystemVariable else { throw error }
        }
    }

    private func failure(_ connection: UnsafeMutablePointer<MYSQL>) -> DatabaseError {
        DatabaseError(code: mysql_errno(connection), message: String(cString: mysql_error(connection)))
    }

    private func failure(statement: UnsafeMutablePointer<MYSQL_STMT>) -> DatabaseError {
        DatabaseError(code: mysql_stmt_errno(statement), message: String(cString: mysql_stmt_error(statement)))
    }

    private func prepared(_ sql: String) throws -> UnsafeMutablePointer<MYSQL_STMT> {
        let connection = try open()
        if let statement = statements[sql] { return statement }
        guard let statement = mysql_stmt_init(connection) else { throw failure(connection) }
        if mysql_stmt_prepare(statement, sql, UInt(sql.utf8.count)) != 0 {
            let error = failure(statement: statement)
            mysql_stmt_close(statement)
            throw error
        }
        _ = cmariadb_stmt_update_max_length(statement)
        statements[sql] = statement
        return statement
    }

    private func run(_ sql: String, _ parameters: [DatabaseValue], collectRows: Bool) throws -> (affected: Int, rows: [DatabaseRow]) {
        let statement = try prepared(sql)
        let expected = Int(mysql_stmt_param_count(statement))
        precondition(expected == parameters.count, "\(sql): \(expected) parameters expected, \(parameters.count) given")
        // Parameter data must stay allocated until execute has sent it.
        let parameterBuffers = try bind(parameters, to: statement)
        defer { parameterBuffers.forEach { $0.deallocate() } }
        guard mysql_stmt_execute(statement) == 0 else { throw failure(statement: statement) }
        defer { mysql_stmt_free_result(statement) }
        guard collectRows, let metadata = mysql_stmt_result_metadata(statement) else {
            return (Int(mysql_stmt_affected_rows(statement)), [])
        }
        defer { mysql_free_result(metadata) }
        guard mysql_stmt_store_result(statement) == 0 else { throw failure(statement: statement) }
        return (0, try fetchRows(statement, metadata))
    }

    /// Binds the parameters; returns the buffers holding their data, for the caller to free.
    private func bind(_ parameters: [DatabaseValue], to statement: UnsafeMutablePointer<MYSQL_STMT>) throws -> [UnsafeMutableRawPointer] {
        guard !parameters.isEmpty else { return [] }
        var binds = [MYSQL_BIND](repeating: MYSQL_BIND(), count: parameters.count)
        var storage: [UnsafeMutableRawPointer] = []
        for (index, parameter) in parameters.enumerated() {
            switch parameter {
            case .null:
                binds[index].buffer_type = MYSQL_TYPE_NULL
            case .int(let value):
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
                buffer.storeBytes(of: value, as: Int64.self)
                storage.append(buffer)
                binds[index].buffer_type = MYSQL_TYPE_LONGLONG
                binds[index].buffer = buffer
            case .text(let text):
                bindBytes(Array(text.utf8), type: MYSQL_TYPE_STRING, into: &binds[index], storage: &storage)
            case .bytes(let bytes):
                bindBytes(bytes, type: MYSQL_TYPE_BLOB, into: &binds[index], storage: &storage)
            }
        }
        // mysql_stmt_bind_param copies the MYSQL_BIND array itself, not the data it points at.
        let failed = binds.withUnsafeMutableBufferPointer { mysql_stmt_bind_param(statement, $0.baseAddress) } != 0
        if failed {
            storage.forEach { $0.deallocate() }
            throw failure(statement: statement)
        }
        return storage
    }

    private func bindBytes(_ bytes: [UInt8], type: enum_field_types, into bind: inout MYSQL_BIND,
                           storage: inout [UnsafeMutableRawPointer]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        storage.append(buffer)
        bind.buffer_type = type
        bind.buffer = buffer
        bind.buffer_length = UInt(bytes.count)
        bind.length_value = UInt(bytes.count)
    }

    private func fetchRows(_ statement: UnsafeMutablePointer<MYSQL_STMT>, _ metadata: UnsafeMutablePointer<MYSQL_RES>) throws -> [DatabaseRow] {
        let count = Int(mysql_num_fields(metadata))
        guard let fields = mysql_fetch_fields(metadata) else { return [] }
        var names: [String] = []
        var binds = [MYSQL_BIND](repeating: MYSQL_BIND(), count: count)
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: count)
        let nulls = UnsafeMutablePointer<my_bool>.allocate(capacity: count)
        var buffers: [UnsafeMutableRawPointer] = []
        defer {
            lengths.deallocate()
            nulls.deallocate()
            buffers.forEach { $0.deallocate() }
        }
        for index in 0..<count {
            names.append(String(cString: fields[index].name))
            let capacity = Int(fields[index].max_length) + 1
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
            buffers.append(buffer)
            binds[index].buffer_type = MYSQL_TYPE_STRING
            binds[index].buffer = buffer
            binds[index].buffer_length = UInt(capacity)
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
        }
        let ok = binds.withUnsafeMutableBufferPointer { mysql_stmt_bind_result(statement, $0.baseAddress) }
        if ok != 0 { throw failure(statement: statement) }
        let columns = ResultColumns(names)
        var rows: [DatabaseRow] = []
        while true {
            let status = mysql_stmt_fetch(statement)
            if status == MYSQL_NO_DATA { break }
            if status == 1 { throw failure(statement: statement) }
            var values: [String?] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                if nulls[index] != 0 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(start: buffers[index], count: min(Int(lengths[index]), Int(binds[index].buffer_length)))
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(DatabaseRow(columns: columns, values: values))
        }
        return rows
    }
}
