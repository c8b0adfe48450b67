import OSSImageProcess
import OSSLocking
import OSSSigner

/// What a client keeps between calls, so that a request costs only its own work: the endpoint and
/// signing region resolved from the configuration, the V4 signing key of the day, and the process
/// strings already checked. Presigning a page of thumbnails re-parsed all three for every URL (a
/// third of its time).
///
/// Copies of a client share one (a class behind a `let`). Every entry is keyed by everything it
/// depends on, so a client whose configuration was changed, or credentials that rotated, never get
/// an answer made for other ones. Nothing here is printed: the description names the type only,
/// and `dump()` of a client shows no child of it (the signing key entry holds the secret it was
/// derived from, to compare).
final class ClientCaches: Sendable, CustomStringConvertible, CustomReflectable, V4SigningKeyCache {
    /// The configuration fields the endpoint and the signing region are made from.
    private struct EndpointInputs: Equatable {
        var region: String?
        var endpoint: String?
        var kind: EndpointKind
        var style: AddressStyle
    }

    private struct Resolved {
        var inputs: EndpointInputs
        var endpoint: Result<ServiceEndpoint, OSSError>
        var region: Result<Region?, OSSError>
    }

    private struct SigningKey {
        var secret: String
        var scopeDate: String
        var region: String
        var product: String
        var key: [UInt8]
    }

    /// Process strings a client accepts, remembered up to this many (then forgotten all at once:
    /// an app uses a handful of styles, and a bound keeps a hostile caller from growing it).
    static let processLimit = 256

    private let resolved = LockedValue<Resolved?>(nil)
    private let key = LockedValue<SigningKey?>(nil)
    private let processes = LockedValue<Set<String>>([])

    var description: String { "ClientCaches" }

    var customMirror: Mirror { Mirror(self, children: KeyValuePairs<String, Any>()) }

    private func resolve(_ configuration: Configuration) -> Resolved {
        let inputs = EndpointInputs(region: configuration.region, endpoint: configuration.endpoint, kind: configuration.endpointKind,
                                    style: configuration.addressStyle)
        if let cached = resolved.withLock({ $0 }), cached.inputs == inputs { return cached }
        let made = Resolved(inputs: inputs,
                            endpoint: Result { () throws(OSSError) in try configuration.resolvedEndpoint() },
                            region: Result { () throws(OSSError) in try configuration.resolvedRegion() })
        resolved.withLock { $0 = made }
        return made
    }

    /// ``Configuration/resolvedEndpoint()``, parsed once for the same inputs.
    func endpoint(_ configuration: Configuration) throws(OSSError) -> ServiceEndpoint {
        try resolve(configuration).endpoint.get()
    }

    /// ``Configuration/signingRegion()``, parsed once for the same inputs.
    func signingRegion(_ configuration: Configuration) throws(OSSError) -> Region {
        guard let region = try resolve(configuration).region.get() else { return try configuration.signingRegion() }
        return region
    }

    func signingKey(secret: String, scopeDate: String, region: String, product: String, derive: () -> [UInt8]) -> [UInt8] {
        if let kept = key.withLock({ $0 }), kept.scopeDate == scopeDate, kept.region == region, kept.product == product, kept.secret == secret {
            return kept.key
        }
        let derived = derive()
        key.withLock { $0 = SigningKey(secret: secret, scopeDate: scopeDate, region: region, product: product, key: derived) }
        return derived
    }

    /// How many process strings are kept (for tests of the bound).
    var keptProcessCount: Int { processes.withLock { $0.count } }

    /// ``OSSBucket/validateProcess(_:)``, once for each process string that passes.
    func validateProcess(_ process: String) throws(OSSError) {
        if processes.withLock({ $0.contains(process) }) { return }
        try OSSBucket.validateProcess(process)
        processes.withLock { known in
            if known.count >= Self.processLimit { known.removeAll(keepingCapacity: true) }
            known.insert(process)
        }
    }
}
