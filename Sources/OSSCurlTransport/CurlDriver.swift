import CCurlShim
import OSSHTTP
import OSSLocking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private let curlGlobalInit: Bool = {
    oss_curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
}()

/// Owns the curl multi handle and the thread that drives it. Other threads talk to it through a
/// command queue and `curl_multi_wakeup`.
final class CurlDriver: @unchecked Sendable {
    enum Command {
        case add(CurlTransfer)
        case remove(CurlTransfer, TransportError)
        case resume(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    private let commands = LockedValue<[Command]>([])
    /// Transfers in the multi handle, by easy handle. Touched only on the driver thread.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init() {
        precondition(curlGlobalInit, "libcurl (libcurl.so.4) cannot be loaded, or curl_global_init failed")
        multi = oss_curl_multi_init()!
        _ = oss_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 64)
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let driver = Unmanaged<CurlDriver>.fromOpaque(argument!).takeRetainedValue()
            driver.loop()
            return nil
        }, box)
        precondition(created == 0, "could not start the curl driver thread")
        pthread_detach(thread)
    }

    func submit(_ command: Command) {
        commands.withLock { $0.append(command) }
        oss_curl_multi_wakeup(multi)
    }

    private func loop() {
        while true {
            let pending = commands.withLock { queue -> [Command] in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            for command in pending {
                switch command {
                case let .add(transfer):
                    if transfer.isCancelled {
                        transfer.finish(.failure(TransportError(.cancelled, "the request was cancelled")))
                        continue
                    }
                    do {
                        try transfer.upload.open()
                    } catch {
                        transfer.finish(.failure(error))
                        continue
                    }
                    active[transfer.easy] = transfer
                    let code = oss_curl_multi_add_handle(multi, transfer.easy)
                    if code != CURLM_OK {
                        active[transfer.easy] = nil
                        transfer.finish(.failure(TransportError(.other, "curl_multi_add_handle failed (\(code.rawValue))")))
                    }
                case let .remove(transfer, error):
                    if active.removeValue(forKey: transfer.easy) != nil {
                        oss_curl_multi_remove_handle(multi, transfer.easy)
                    }
                    transfer.finish(.failure(error))
                case let .resume(transfer):
                    if active[transfer.easy] != nil {
                        oss_curl_easy_pause(transfer.easy, CURLPAUSE_CONT)
                    }
                }
            }
            var running: Int32 = 0
            oss_curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = oss_curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                if let transfer = active.removeValue(forKey: easy) {
                    oss_curl_multi_remove_handle(multi, easy)
                    transfer.complete(result)
                }
            }
            oss_curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
