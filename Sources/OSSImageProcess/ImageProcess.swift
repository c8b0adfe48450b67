/// An `x-oss-process` value: stages separated by `|`, each an image pipeline
/// (`image/circle,r_100/format,png`), a named style (`style/avatar`), a `sys/saveas` target, or
/// anything else OSS reads (`video/snapshot,t_0`), kept as written.
///
/// It parses, checks and prints the string OSS reads, and doubles as a typed builder:
/// `ImageProcess.circle(radius: 100).format(.png)` is `image/circle,r_100/format,png`. The client,
/// which refuses only what OSS documents as an error, and the local image engine use this one value.
///
/// Parsing keeps the text of every segment, so `ImageProcess(parsing: s).description` is `s`,
/// byte for byte, for every string it accepts: unusual spellings, unknown actions and parameters,
/// empty segments, padded base64 and pipes included. Two processes are equal when they print
/// the same text; compare ``actions`` to compare meanings.
public struct ImageProcess: Sendable, Hashable, CustomStringConvertible {
    /// The stages, in order.
    public var stages: [ProcessStage]

    /// A process from its stages.
    public init(stages: [ProcessStage]) {
        self.stages = stages
    }

    /// An image pipeline, or a style, with an optional save-as target.
    public init(actions: [ImageAction] = [], style: String? = nil, saveAs: SaveAs? = nil) {
        stages = style.map { [.style($0)] } ?? [.image(actions.map { ImageStep($0) })]
        if let saveAs { stages.append(.saveAs(saveAs)) }
    }

    /// The string OSS reads.
    public var description: String {
        stages.map(\.description).joined(separator: "|")
    }

    /// The steps of the first image stage, with their text as written.
    public var steps: [ImageStep] {
        get {
            for stage in stages { if case let .image(steps) = stage { return steps } }
            return []
        }
        set {
            if let index = stages.firstIndex(where: { if case .image = $0 { true } else { false } }) {
                stages[index] = .image(newValue)
            } else if !newValue.isEmpty {
                stages.insert(.image(newValue), at: 0)
            }
        }
    }

    /// The actions of the first image stage, in order.
    ///
    /// Setting them keeps the written text of every step whose action is unchanged (matched in
    /// order), so appending `format,png` to a parsed process leaves the rest of its text alone.
    public var actions: [ImageAction] {
        get { steps.map(\.action) }
        set {
            let old = steps
            var cursor = 0
            var updated: [ImageStep] = []
            updated.reserveCapacity(newValue.count)
            for action in newValue {
                if let match = old[cursor...].firstIndex(where: { $0.action == action }) {
                    updated.append(old[match])
                    cursor = match + 1
                } else {
                    updated.append(ImageStep(action))
                }
            }
            steps = updated
        }
    }

    /// The named style (`style/NAME`), if the process is one.
    public var style: String? {
        get {
            for stage in stages { if case let .style(name) = stage { return name } }
            return nil
        }
        set {
            let index = stages.firstIndex { if case .style = $0 { true } else { false } }
            switch (index, newValue) {
            case let (index?, name?): stages[index] = .style(name)
            case let (index?, nil): stages.remove(at: index)
            case let (nil, name?): stages.insert(.style(name), at: 0)
            case (nil, nil): break
            }
        }
    }

    /// Where ProcessObject saves the result (`sys/saveas`).
    public var saveAs: SaveAs? {
        get {
            for stage in stages { if case let .saveAs(target) = stage { return target } }
            return nil
        }
        set {
            let index = stages.firstIndex { if case .saveAs = $0 { true } else { false } }
            switch (index, newValue) {
            case let (index?, target?): stages[index] = .saveAs(target)
            case let (index?, nil): stages.remove(at: index)
            case let (nil, target?): stages.append(.saveAs(target))
            case (nil, nil): break
            }
        }
    }

    /// The output format: the last `format` action, else the source's.
    public func outputFormat(source: ImageFormat) -> ImageFormat {
        for action in actions.reversed() { if case let .format(format) = action { return format } }
        return source
    }

    /// Throws the error OSS documents for this process, if there is one: the client calls it
    /// before sending a typed process. Nothing else is refused.
    public func validate() throws(ImageProcessError) {
        if let refusal = Self.refusal(for: description) { throw refusal }
    }

    /// The error OSS documents for this exact process string, or nil when the client should send
    /// it. A string past the parser's bounds is not read, and so not refused.
    public static func refusal(for text: String) -> ImageProcessError? {
        do {
            _ = try ImageProcess(parsing: text)
            return nil
        } catch {
            return error.isDocumented ? error : nil
        }
    }
}

/// One `|`-separated stage of a process.
public enum ProcessStage: Sendable, Hashable, CustomStringConvertible {
    /// `image` followed by `/`-separated steps.
    case image([ImageStep])
    /// `style/NAME`: a style of the bucket.
    case style(String)
    /// `sys/saveas,o_,b_`: ProcessObject's target.
    case saveAs(SaveAs)
    /// Any other stage (`video/...`, `doc/...`, `sys/notify,...`), kept as written.
    case other(String)

    /// The stage as it goes on the wire, with its actions joined by `/`.
    public var description: String {
        switch self {
        case let .image(steps): "image" + steps.map { "/" + $0.description }.joined()
        case let .style(name): "style/" + name
        case let .saveAs(target): target.description
        case let .other(text): text
        }
    }
}

/// One segment of an image stage: its action and, when parsed, the text it was written as.
public struct ImageStep: Sendable, Hashable, CustomStringConvertible {
    /// What the segment means. Changing it drops the written text, so the new action prints.
    public var action: ImageAction {
        didSet { if action != oldValue { spelling = nil } }
    }
    /// The segment as written, when it differs from the action's canonical text.
    public private(set) var spelling: String?

    /// A step printed in its canonical form.
    public init(_ action: ImageAction) {
        self.action = action
        spelling = nil
    }

    /// A parsed step that prints as written.
    init(action: ImageAction, written: String) {
        self.action = action
        let canonical = action.description
        spelling = canonical.utf8.elementsEqual(written.utf8) ? nil : written
    }

    /// The segment's text.
    public var description: String { spelling ?? action.description }
}

/// The `sys/saveas` target: object key and (optionally) bucket.
public struct SaveAs: Sendable, Hashable, CustomStringConvertible {
    /// The object key the result is saved as.
    public var key: String { didSet { if key != oldValue { spelling = nil } } }
    /// The bucket; the source's bucket when nil.
    public var bucket: String? { didSet { if bucket != oldValue { spelling = nil } } }
    /// The stage as written, when parsed and different from the canonical text.
    public private(set) var spelling: String?

    /// A save-as target.
    public init(key: String, bucket: String? = nil) {
        self.key = key
        self.bucket = bucket
        spelling = nil
    }

    init(key: String, bucket: String?, written: String) {
        self.init(key: key, bucket: bucket)
        let canonical = description
        spelling = canonical.utf8.elementsEqual(written.utf8) ? nil : written
    }

    /// `sys/saveas,o_<base64url(key)>[,b_<base64url(bucket)>]`, or the text as written.
    public var description: String {
        if let spelling { return spelling }
        var text = "sys/saveas,o_\(Base64URL.encode(Array(key.utf8)))"
        if let bucket { text += ",b_\(Base64URL.encode(Array(bucket.utf8)))" }
        return text
    }
}
