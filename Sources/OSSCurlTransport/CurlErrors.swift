import CCurlShim
import OSSHTTP

extension CurlTransfer {
    /// The transport error for a transfer that ended with `code`, in the categories the retry
    /// logic decides on. A transfer the consumer cancelled is reported as cancelled whatever
    /// curl says (it sees only the aborted write).
    static func error(for code: CURLcode, cancelled: Bool) -> TransportError {
        let text = String(cString: oss_curl_easy_strerror(code))
        if cancelled { return TransportError(.cancelled, "the request was cancelled") }
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return TransportError(.connect, text)
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(.timedOut, text)
        case CURLE_PARTIAL_FILE:
            return TransportError(.truncatedBody, "the connection closed before the whole body arrived")
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return TransportError(.connectionLost, text)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return TransportError(.tls, text)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return TransportError(.invalidRequest, text)
        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            return TransportError(.cancelled, text)
        default:
            return TransportError(.other, "\(text) (curl \(code.rawValue))")
        }
    }
}
