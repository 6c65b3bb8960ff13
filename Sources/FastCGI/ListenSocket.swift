import Foundation

public enum ListenSocketError: Error, CustomStringConvertible {
    case failed(String)
    public var description: String { if case .failed(let message) = self { message } else { "" } }
}

/// The pool's listening socket: fd 3 from systemd socket activation, or a unix socket we create.
enum ListenSocket {
    /// Returns an fd numbered 3 (workers find it there), non-blocking, inherited by children.
    static func obtain(path: String, mode: mode_t) throws -> (fd: Int32, ownsPath: Bool) {
        let environment = ProcessInfo.processInfo.environment
        if let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1,
           environment["LISTEN_PID"].flatMap(Int32.init) == getpid() {
            try prepare(3)
            return (3, false)
        }
        let fd = try createUnixSocket(path: path, mode: mode)
        if fd != 3 {
            guard dup2(fd, 3) == 3 else { throw ListenSocketError.failed("dup2 of the listening socket failed: errno \(errno)") }
            close(fd)
        }
        try prepare(3)
        return (3, true)
    }

    private static func prepare(_ fd: Int32) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw ListenSocketError.failed("cannot make the listening socket non-blocking: errno \(errno)")
        }
        let descriptorFlags = fcntl(fd, F_GETFD)
        _ = fcntl(fd, F_SETFD, descriptorFlags & ~FD_CLOEXEC)
    }

    private static func createUnixSocket(path: String, mode: mode_t) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ListenSocketError.failed("API_SOCKET path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
            buffer[pathBytes.count] = 0
        }
        if isListening(&address) {
            throw ListenSocketError.failed("API_SOCKET \(path) is in use by a running server")
        }
        unlink(path)   // a stale socket left by a crash
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ListenSocketError.failed("socket() failed: errno \(errno)") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw ListenSocketError.failed("cannot bind API_SOCKET \(path): \(String(cString: strerror(code)))")
        }
        chmod(path, mode)
        guard listen(fd, 1024) == 0 else { throw ListenSocketError.failed("listen() failed: errno \(errno)") }
        return fd
    }

    private static func isListening(_ address: inout sockaddr_un) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }
}
