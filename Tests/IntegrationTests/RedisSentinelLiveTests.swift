import Foundation
import MediaCore
import MediaInfra
import XCTest

/// Against a Redis primary, a replica and three Sentinels the test starts on loopback ports of
/// its own (`redis-server` and `redis-server --sentinel`): the service's connection follows a
/// change of primary (the demoted primary's READONLY, then the primary killed and Sentinel
/// failing over), and no job it acknowledged is lost; without a replica to confirm a job, the
/// enqueue is a 503.
final class RedisSentinelLiveTests: XCTestCase {
    private var processes: LiveProcesses!
    private var servers: [Int] = []
    private var sentinels: [Int] = []

    override func setUpWithError() throws {
        processes = try LiveProcesses(name: "media-sentinel-test")
        let ports = try LiveProcesses.freePorts(5)
        servers = Array(ports[0...1])
        sentinels = Array(ports[2...4])
    }

    override func tearDown() {
        processes?.stopAll()
    }

    private func direct(_ port: Int, timeout: Double = 2) -> RedisConnection {
        RedisConnection(settings: RedisSettings(host: "127.0.0.1", port: port, password: nil, database: 0, timeoutSeconds: timeout))
    }

    private func service(minReplicasAcked: Int, waitMilliseconds: Int) -> RedisConnection {
        var settings = RedisSettings(host: "127.0.0.1", port: 1, password: nil, database: 0)   // the port is never used
        settings.sentinels = sentinels.map { NetworkAddress(host: "127.0.0.1", port: $0) }
        settings.minReplicasAcked = minReplicasAcked
        settings.waitTimeoutMilliseconds = waitMilliseconds
        return RedisConnection(settings: settings)
    }

    private func startServer(_ index: Int, replicaOf primary: Int? = nil) throws {
        var arguments = ["--port", String(servers[index]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dbfilename", "server\(index).rdb", "--repl-diskless-sync-delay", "0"]
        if let primary { arguments += ["--replicaof", "127.0.0.1", String(primary)] }
        try processes.start("server\(index)", "redis-server", arguments)
    }

    private func startSentinel(_ index: Int) throws {
        let config = processes.folder.appendingPathComponent("sentinel\(index).conf")
        try """
            port \(sentinels[index])
            bind 127.0.0.1
            sentinel monitor media 127.0.0.1 \(servers[0]) 2
            sentinel down-after-milliseconds media 500
            sentinel failover-timeout media 2000
            """.write(to: config, atomically: true, encoding: .utf8)
        try processes.start("sentinel\(index)", "redis-server", [config.path, "--sentinel"])
    }

    private func role(_ port: Int) throws -> String? {
        let connection = direct(port, timeout: 0.5)
        defer { connection.close() }
        return try connection.command(["ROLE"]).array?.first?.string
    }

    /// Every Sentinel names `port` as the primary, and that server says it is one.
    private func primaryIs(_ port: Int) throws -> Bool {
        for sentinel in sentinels {
            let connection = direct(sentinel, timeout: 0.5)
            defer { connection.close() }
            let named = Sentinel.primaryAddress(try connection.command(["SENTINEL", "get-master-addr-by-name", "media"]))
            guard named?.port == port else { return false }
        }
        return try role(port) == "master"
    }

    /// What a Sentinel needs before it can fail over: the replica to promote, and the other
    /// Sentinels to agree with (quorum 2, a majority to elect the leader).
    private func sentinelsKnowEachOtherAndTheReplica() throws -> Bool {
        try sentinels.allSatisfy { port in
            let sentinel = direct(port)
            defer { sentinel.close() }
            let replicas = try sentinel.command(["SENTINEL", "replicas", "media"]).array ?? []
            let flags = replicas.first?.array.map(Self.fields)?["flags"] ?? ""
            let others = try sentinel.command(["SENTINEL", "sentinels", "media"]).array?.count ?? 0
            return replicas.count == 1 && flags == "slave" && others == 2
        }
    }

    private static func fields(_ pairs: [RedisReply]) -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < pairs.count {
            if let name = pairs[index].string { result[name] = pairs[index + 1].string }
            index += 2
        }
        return result
    }

    private func newJob() -> Job {
        Job(id: UUID().uuidString.lowercased(), type: .variants, mediaId: UUID().uuidString.lowercased(),
            organizationId: "sentinel-test", payload: "{}", createdAt: Timestamp.rfc3339(Date()))
    }

    private func jobExists(_ job: Job, on port: Int) throws -> Bool {
        let connection = direct(port)
        defer { connection.close() }
        return try JobQueue(redis: connection).job(id: job.id)?.id == job.id
    }

    private func readonlyErrors(on port: Int) throws -> Int {
        let connection = direct(port)
        defer { connection.close() }
        let info = try connection.command(["INFO", "errorstats"]).string ?? ""
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("errorstat_READONLY:count=") }) else { return 0 }
        return Int(line.dropFirst("errorstat_READONLY:count=".count)) ?? 0
    }

    func testTheServiceFollowsAFailoverAndKeepsEveryAcknowledgedJob() throws {
        try startServer(0)
        try startServer(1, replicaOf: servers[0])
        try waitUntil("the replica is in sync with the primary", seconds: 30) {
            let replica = direct(servers[1])
            defer { replica.close() }
            return try replica.command(["INFO", "replication"]).string?.contains("master_link_status:up") == true
        }
        for index in sentinels.indices { try startSentinel(index) }
        try waitUntil("every Sentinel knows the replica and the other two Sentinels", seconds: 30) {
            try sentinelsKnowEachOtherAndTheReplica()
        }

        // A job is acknowledged only once the replica holds it.
        let patient = service(minReplicasAcked: 1, waitMilliseconds: 10_000)
        defer { patient.close() }
        let queue = JobQueue(redis: patient)
        let first = newJob()
        try queue.enqueue(first)
        XCTAssertTrue(try jobExists(first, on: servers[1]), "WAIT returned: the replica has the job")

        // 1. The roles are swapped by hand (as an operator would), and the Sentinels told to
        // monitor the new primary. Unlike a Sentinel failover (which closes every client of
        // the demoted server), this leaves the service's connection open to the old primary:
        // its next write meets READONLY, asks the Sentinels again and lands on the new one.
        let (oldPrimary, newPrimary) = (direct(servers[0]), direct(servers[1]))
        defer { oldPrimary.close(); newPrimary.close() }
        try newPrimary.command(["REPLICAOF", "NO", "ONE"])
        try oldPrimary.command(["REPLICAOF", "127.0.0.1", String(servers[1])])
        try waitUntil("the old primary replicates the new one", seconds: 30) {
            try oldPrimary.command(["INFO", "replication"]).string?.contains("master_link_status:up") == true
        }
        for port in sentinels {
            let sentinel = direct(port)
            defer { sentinel.close() }
            try sentinel.command(["SENTINEL", "REMOVE", "media"])
            try sentinel.command(["SENTINEL", "MONITOR", "media", "127.0.0.1", String(servers[1]), "2"])
            try sentinel.command(["SENTINEL", "SET", "media", "down-after-milliseconds", "500", "failover-timeout", "2000"])
        }
        XCTAssertTrue(try primaryIs(servers[1]))
        let readonlyBefore = try readonlyErrors(on: servers[0])
        let second = newJob()
        try queue.enqueue(second)
        XCTAssertGreaterThan(try readonlyErrors(on: servers[0]), readonlyBefore, "the demoted primary answered READONLY first")
        XCTAssertTrue(try jobExists(second, on: servers[1]))
        XCTAssertTrue(try jobExists(second, on: servers[0]), "and its replica (the old primary) confirmed it")

        // 2. The primary is killed: Sentinel promotes the replica; a connection that was open
        // to the dead primary finds the new one.
        try waitUntil("every Sentinel knows the new replica and the other two Sentinels again", seconds: 30) {
            try sentinelsKnowEachOtherAndTheReplica()
        }
        let bystander = service(minReplicasAcked: 0, waitMilliseconds: 500)
        defer { bystander.close() }
        XCTAssertEqual(try bystander.command(["PING"]), .status("PONG"))
        processes.kill("server1")
        try waitUntil("the Sentinels promote the remaining server", seconds: 30) { try primaryIs(servers[0]) }
        let third = newJob()
        try JobQueue(redis: bystander).enqueue(third)
        for job in [first, second, third] {
            XCTAssertTrue(try jobExists(job, on: servers[0]), "acknowledged job \(job.id) survived both failovers")
        }

        // 3. No replica left to confirm a job: it is not acknowledged (503, its outcome unknown).
        let impatient = service(minReplicasAcked: 1, waitMilliseconds: 200)
        defer { impatient.close() }
        XCTAssertThrowsError(try JobQueue(redis: impatient).enqueue(newJob())) { error in
            guard case RedisError.notReplicated(let acknowledged, let wanted) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([acknowledged, wanted], [0, 1])
            XCTAssertEqual((error as? ContractError)?.serviceError.code, .unavailable)
            XCTAssertEqual((error as? ContractError)?.serviceError.code.status, 503)
        }
    }
}
