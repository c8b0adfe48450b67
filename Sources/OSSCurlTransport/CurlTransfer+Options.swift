import CCurlShim
import OSSHTTP

/// The easy handle's set-up: what goes on the wire, the limits, and the callbacks.
extension CurlTransfer {
    /// curl's list of request header lines.
    static func headerList(for headers: [HTTPHeaderField]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        var sawContentType = false
        for field in headers {
            let (name, value) = (field.name, field.value)
            if HTTPHeaderName.equal(name, "Content-Type") { sawContentType = true }
            // "Name;" is curl's syntax for a header with an empty value.
            list = oss_curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // curl adds headers of its own for some methods; the ones a signature could cover are removed.
        if !sawContentType { list = oss_curl_slist_append(list, "Content-Type:") }
        return list
    }

    /// Sets every option of the handle for `request`, and points the callbacks at this transfer.
    func configure(_ request: TransportRequest, settings: CurlTransportSettings) {
        set(CURLOPT_URL, request.url)
        setLong(CURLOPT_PATH_AS_IS, 1)           // the path goes out exactly as signed
        setLong(CURLOPT_NOSIGNAL, 1)
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_SSL_VERIFYPEER, 1)
        setLong(CURLOPT_SSL_VERIFYHOST, 2)
        // Verification stays on; these only change what is trusted and how the host is reached.
        if let caBundle = settings.caBundlePath { set(CURLOPT_CAINFO, caBundle) }
        if let caDirectory = settings.caDirectory { set(CURLOPT_CAPATH, caDirectory) }
        if let proxy = settings.proxy { set(CURLOPT_PROXY, proxy) }
        if let noProxy = settings.noProxy { set(CURLOPT_NOPROXY, noProxy) }
        setLong(CURLOPT_FOLLOWLOCATION, 0)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, request.timeouts.connect.milliseconds)))
        // Idle timeout: abort when under 1 byte/s for that long. No whole-request timeout.
        setLong(CURLOPT_LOW_SPEED_LIMIT, 1)
        setLong(CURLOPT_LOW_SPEED_TIME, Int(max(1, (request.timeouts.idle.milliseconds + 999) / 1000)))
        setLong(CURLOPT_TIMEOUT_MS, 0)
        // Large receive buffer: fewer, bigger chunks for the consumer.
        setLong(CURLOPT_BUFFERSIZE, Self.receiveBufferSize)
        _ = oss_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)

        let method = request.method.uppercased()
        switch method {
        case "GET":
            setLong(CURLOPT_HTTPGET, 1)
        case "HEAD":
            setLong(CURLOPT_NOBODY, 1)
        case "PUT":
            setLong(CURLOPT_UPLOAD, 1)
            _ = oss_curl_easy_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length))
        case "POST":
            setLong(CURLOPT_POST, 1)
            _ = oss_curl_easy_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.length))
        default:
            set(CURLOPT_CUSTOMREQUEST, method)
            if request.body.length > 0 {
                setLong(CURLOPT_UPLOAD, 1)
                _ = oss_curl_easy_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length))
            }
        }

        // Unretained: the driver holds the transfer while curl may call back.
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_READDATA, me)
        _ = oss_curl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, me)
        _ = oss_curl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { buffer, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onHeader(buffer!, size * count)
        }
        _ = oss_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { buffer, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onData(buffer!, size * count)
        }
        _ = oss_curl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION) { buffer, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onRead(buffer!, size * count)
        }
        _ = oss_curl_easy_setopt_seek_callback(easy) { user, offset, origin in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().onSeek(Int64(offset), origin)
        }
    }

    private func set(_ option: CURLoption, _ value: String) {
        _ = oss_curl_easy_setopt_string(easy, option, value)
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = oss_curl_easy_setopt_long(easy, option, value)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
