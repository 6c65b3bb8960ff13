import CCurl
import Foundation

/// Owns one libcurl easy handle: created in init, freed in deinit, reused across requests so
/// the connection (and TLS session, DNS entry) stays open between them.
///
/// Not thread-safe: libcurl forbids using one easy handle from two threads at once. The owner
/// (`S3Client`) is used by one thread at a time.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER needs memory that outlives each call, so it lives with the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        guard CurlGlobal.ready else { throw S3ClientError.curlUnavailable("curl_global_init failed") }
        guard let handle = curl_easy_init() else { throw S3ClientError.curlUnavailable("curl_easy_init failed") }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Clears every option of the previous request; keeps live connections and caches.
    func reset() {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    var errorMessage: String { String(cString: errorBuffer) }

    func set(_ option: CURLoption, _ value: Int) { _ = ccurl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, offset value: Int64) { _ = ccurl_setopt_off(handle, option, curl_off_t(value)) }
    func set(_ option: CURLoption, string value: String) { _ = ccurl_setopt_string(handle, option, value) } // curl copies strings
    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) { _ = ccurl_setopt_ptr(handle, option, value) }
    func set(_ option: CURLoption, list value: UnsafeMutablePointer<curl_slist>?) { _ = ccurl_setopt_slist(handle, option, value) }
    func set(_ option: CURLoption, callback value: ccurl_data_callback) { _ = ccurl_setopt_data_callback(handle, option, value) }
    func set(_ option: CURLoption, seek value: ccurl_seek_callback) { _ = ccurl_setopt_seek_callback(handle, option, value) }

    func perform() -> CURLcode { curl_easy_perform(handle) }

    func info(_ info: CURLINFO) -> Int {
        var value = 0
        _ = ccurl_getinfo_long(handle, info, &value)
        return value
    }
}

/// curl_global_init is not safe to race with other threads' curl use: run it once, lazily
/// (Swift's static initialisation is thread-safe), before the first handle is made.
enum CurlGlobal {
    static let ready: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

extension S3TransportError {
    init(curlCode code: CURLcode, message: String) {
        let kind: Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            kind = .unreachable
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SEND_FAIL_REWIND,
             CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = .connectionLost
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_SHUTDOWN_FAILED:
            kind = .tls
        default:
            kind = .other
        }
        let text = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
        self.init(kind: kind, curlCode: Int(code.rawValue), message: text)
    }
}
