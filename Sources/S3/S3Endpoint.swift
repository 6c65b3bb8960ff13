/// A parsed endpoint and the addressing rules built on it: which host and path a bucket and key go to.
struct S3Endpoint: Sendable, Equatable {
    let scheme: String
    /// Lowercased host name, IPv6 literals in brackets.
    let host: String
    /// Only when it is not the scheme's default port.
    let port: Int?
    let forcePathStyle: Bool

    /// Parses `http(s)://host[:port][/]`; nil endpoint means AWS's regional endpoint.
    init(_ endpoint: String?, region: String, forcePathStyle: Bool) throws {
        self.forcePathStyle = forcePathStyle
        guard let endpoint, !endpoint.isEmpty else {
            scheme = "https"
            host = "s3.\(region).amazonaws.com"
            port = nil
            return
        }
        guard let separator = endpoint.range(of: "://") else { throw S3ClientError.invalidEndpoint(endpoint) }
        let scheme = endpoint[..<separator.lowerBound].lowercased()
        var authority = String(endpoint[separator.upperBound...])
        if authority.hasSuffix("/") { authority.removeLast() }
        guard scheme == "http" || scheme == "https", !authority.isEmpty,
              !authority.contains(where: { "/?#@ ".contains($0) }) else {
            throw S3ClientError.invalidEndpoint(endpoint)
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw S3ClientError.invalidEndpoint(endpoint) }
            hostPart = String(authority[...close])
            let rest = authority[authority.index(after: close)...]
            if rest.hasPrefix(":") { portPart = rest.dropFirst() } else if !rest.isEmpty { throw S3ClientError.invalidEndpoint(endpoint) }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = String(authority[..<colon])
            portPart = authority[authority.index(after: colon)...]
        }
        var port: Int?
        if let portPart {
            guard let number = Int(portPart), (1...65_535).contains(number) else { throw S3ClientError.invalidEndpoint(endpoint) }
            port = number == (scheme == "https" ? 443 : 80) ? nil : number
        }
        guard !hostPart.isEmpty else { throw S3ClientError.invalidEndpoint(endpoint) }
        self.scheme = scheme
        self.host = hostPart.lowercased()
        self.port = port
    }

    /// Where a request for `bucket` (and `key`) goes: the Host header value and the encoded path.
    func target(bucket: String, key: String?) -> S3Target {
        let hostPort = port.map { "\(host):\($0)" } ?? host
        let keyPath = key.map { "/" + S3URIEncoding.encodeKey($0) }
        if forcePathStyle || !Self.isVirtualHostable(bucket) {
            return S3Target(scheme: scheme, host: hostPort, path: "/" + S3URIEncoding.encode(bucket) + (keyPath ?? ""))
        }
        return S3Target(scheme: scheme, host: "\(bucket).\(hostPort)", path: keyPath ?? "/")
    }

    /// A bucket can be a host label when it is 3–63 of `a-z 0-9 -`, not starting or ending with `-`.
    /// Dotted names would break TLS wildcard certificates, so they go path style.
    static func isVirtualHostable(_ bucket: String) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    /// S3's bucket naming rules, loosely: 3–63 of `a-z 0-9 . -` (and `_`, which some stores allow).
    static func isValidBucketName(_ bucket: String) -> Bool {
        (3...63).contains(bucket.utf8.count) && bucket.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
        }
    }
}

/// One request's destination.
struct S3Target: Sendable, Equatable {
    let scheme: String
    /// Host header value (with the port when it is not the default one).
    let host: String
    /// Encoded path, also the canonical URI.
    let path: String

    func url(query: String) -> String {
        "\(scheme)://\(host)\(path)" + (query.isEmpty ? "" : "?" + query)
    }
}
