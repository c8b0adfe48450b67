/// A process string the SDK will not send or cannot read: which action, which parameter, why, and
/// OSS's code.
///
/// Two kinds exist. A *documented* error is one OSS's documentation lists for that exact input
/// (`circle,r_0` is EC `0040-00000233`): the client refuses it before sending. Any other error
/// (a parameter the local engine cannot read, a process past the parser's bounds) is never a reason
/// to refuse a request, because the real service is the authority; the local engine answers it
/// with 400 as OSS most plausibly would.
public struct ImageProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The action at fault (`circle`, `resize`...).
    public var action: String
    /// The parameter at fault (`r`, `w`...), when one is; `value` for the bare value of actions
    /// such as `rotate,90`.
    public var parameter: String?
    /// Why, in words.
    public var message: String
    /// The OSS error code (`InvalidArgument`, `MissingArgument`...).
    public var code: String
    /// OSS's numeric EC where OSS documents one (a bad circle radius is `0040-00000233`).
    public var ec: String?
    /// Whether OSS documents this error for this input, so that the client refuses to send it.
    public var isDocumented: Bool

    /// An error naming the action and parameter.
    public init(action: String, parameter: String?, message: String, code: String = "InvalidArgument", ec: String? = nil,
                isDocumented: Bool = true) {
        self.action = action
        self.parameter = parameter
        self.message = message
        self.code = code
        self.ec = ec
        self.isDocumented = isDocumented
    }

    /// The action, the parameter and why, without the codes.
    public var detail: String {
        "\(action)\(parameter.map { " parameter \($0)" } ?? ""): \(message)"
    }

    /// The code OSS would return, the detail and the EC, so that a local refusal reads like the service's.
    public var description: String {
        "\(code): \(detail)" + (ec.map { " (EC \($0))" } ?? "")
    }
}
