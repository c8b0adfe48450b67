/// An access key pair, with the STS security token when the keys are temporary.
///
/// The secret and the token never leave this value in text form: `description`, `debugDescription`
/// and `dump()` all redact them, so a credential that reaches a log line or an error message by
/// accident reveals nothing usable.
public struct Credentials: Sendable, Hashable {
    /// The public half of the pair; shown masked in descriptions all the same.
    public var accessKeyId: String
    /// The secret half; kept out of every description.
    public var accessKeySecret: String
    /// The STS security token of temporary credentials; kept out of every description.
    public var securityToken: String?
    /// When temporary credentials stop working, as Unix seconds; nil for long-lived keys.
    public var expiration: SigningTime?

    /// Credentials; an empty token counts as none.
    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil, expiration: SigningTime? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken.flatMap { $0.isEmpty ? nil : $0 }
        self.expiration = expiration
    }

    /// The access key ID with all but its first four and last two characters hidden, enough to tell
    /// two keys apart in a log and not enough to use one.
    public var maskedAccessKeyId: String {
        let characters = Array(accessKeyId)
        guard characters.count > 8 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(4)) + String(repeating: "*", count: characters.count - 6) + String(characters.suffix(2))
    }
}

extension Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key ID masked and the secret and token redacted, so that printing credentials cannot leak them.
    public var description: String {
        "Credentials(accessKeyId: \(maskedAccessKeyId), accessKeySecret: <redacted>\(securityToken == nil ? "" : ", securityToken: <redacted>"))"
    }

    /// The same as the description, so that `debugPrint` cannot leak the secret either.
    public var debugDescription: String { description }

    /// What `dump()` shows: masked and redacted like the description.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyId": maskedAccessKeyId, "accessKeySecret": "<redacted>",
                                "securityToken": securityToken == nil ? "nil" : "<redacted>"])
    }
}
