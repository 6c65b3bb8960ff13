import CFastCGI
import Dispatch
import Foundation
import Logging
import MediaHTTP
import Synchronization

/// What a serving thread runs. One instance per thread, so it may own connections and handles.
public protocol FastCGIHandler: AnyObject {
    /// Never throws: every failure must already be a response.
    func respond(to request: Request) -> Response
    /// The thread is about to end: release what it owns.
    func threadWillExit()
}

/// M threads of one worker process, each looping on `FCGX_Accept_r` over a shared listener.
/// The listener is non-blocking and watched with epoll, so a stop request is noticed within
/// one poll interval without signals interrupting requests in flight.
public final class FastCGIServer: Sendable {
    public let threadCount: Int
    private let listenFD: Int32
    private let pollIntervalMilliseconds: Int32
    private let makeHandler: @Sendable () -> FastCGIHandler
    private let stopping = Atomic<Bool>(false)
    private let finishBacklog = Atomic<Bool>(false)
    private let served = Atomic<Int>(0)
    private let running = DispatchGroup()

    /// Requests after which the server stops accepting so its process can be replaced (0: never).
    public let maxRequests: Int

    public init(listenFD: Int32, threads: Int, maxRequests: Int = 0, pollIntervalMilliseconds: Int32 = 200,
                makeHandler: @escaping @Sendable () -> FastCGIHandler) {
        self.listenFD = listenFD
        self.threadCount = threads
        self.maxRequests = maxRequests
        self.pollIntervalMilliseconds = pollIntervalMilliseconds
        self.makeHandler = makeHandler
    }

    /// Requests answered so far by all threads.
    public var requestsServed: Int { served.load(ordering: .relaxed) }

    /// The request quota is used up (the server stopped accepting because of it).
    public var quotaReached: Bool { maxRequests > 0 && requestsServed >= maxRequests }

    public func start() {
        for index in 0..<threadCount {
            running.enter()
            let thread = Thread { [self] in
                serve()
                running.leave()
            }
            thread.name = "fcgi-\(index)"
            thread.stackSize = 8 << 20   // image work recurses deeper than the 512 KB default
            thread.start()
        }
    }

    /// Threads finish their current request and stop accepting. With `finishingBacklog`, they
    /// first serve every connection already queued on the listener (used when the socket path
    /// is gone and no successor will take those connections).
    public func requestStop(finishingBacklog: Bool = false) {
        if finishingBacklog { finishBacklog.store(true, ordering: .relaxed) }
        stopping.store(true, ordering: .relaxed)
    }

    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Waits until every thread has ended; false if `timeout` passed first.
    public func waitUntilStopped(timeout: DispatchTime) -> Bool { running.wait(timeout: timeout) == .success }

    private func serve() {
        let handler = makeHandler()
        defer { handler.threadWillExit() }
        guard let request = cfcgi_request_new(listenFD, 0) else {
            poolLog.error("fastcgi: cannot allocate a request")
            return
        }
        defer { cfcgi_request_free(request) }
        let epoll = cfcgi_epoll_for_listener(listenFD)
        guard epoll >= 0 else {
            poolLog.error("fastcgi: epoll failed", metadata: ["errno": "\(errno)"])
            return
        }
        defer { close(epoll) }

        // A busy server finds a connection waiting: accept first, and wait on epoll only when
        // the accept finds none (saves a system call per request under load).
        var mayHaveConnection = true
        while true {
            if isStopping {
                // Draining the backlog: leave once nothing is queued.
                guard finishBacklog.load(ordering: .relaxed), cfcgi_epoll_wait_readable(epoll, 0) == 1 else { break }
            } else if !mayHaveConnection {
                guard cfcgi_epoll_wait_readable(epoll, pollIntervalMilliseconds) == 1 else { continue }
            }
            // Another thread or process may win the race for this connection: EAGAIN, wait.
            guard FCGX_Accept_r(request) >= 0 else {
                mayHaveConnection = false
                continue
            }
            mayHaveConnection = true
            let response = handler.respond(to: FastCGIExchange.makeRequest(request))
            // A web server that went away mid-response costs only this request.
            try? FastCGIExchange.send(response, to: request)
            // libfcgi then shuts the connection down and waits for nginx to close it. Closing at
            // once (possible when no input is left) saved three system calls but measured worse:
            // p99 of a cached GET 40 ms instead of 20 at 64 connections, for 5-10 % more req/s.
            FCGX_Finish_r(request)
            if served.add(1, ordering: .relaxed).newValue == maxRequests { requestStop() }
        }
    }
}
