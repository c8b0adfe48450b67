import OSSImageProcess

/// `quality` and `interlace`: facts of the encoded bytes, not of the pixels.
enum EncodingChecks {
    /// The JPEG's estimated quality (its quantisation tables against libjpeg's scaled standard
    /// ones) near the quality the process resolves to (`q_` relative to the source's, `Q_`
    /// absolute, as ``JPEGQuality`` resolves them). Equal bytes are not asked for: another
    /// encoder at the same quality writes other bytes.
    static func quality(_ action: ImageAction, at index: Int, context: VerificationContext) -> VerificationCheck {
        let spelling = context.spelling(index)
        let sourceFormat = ImageCodecs.detectFormat(context.source) ?? .jpg
        let asked = JPEGQuality.resolve(context.actions, source: context.source, sourceFormat: sourceFormat)
        let format = ImageCodecs.detectFormat(context.output)
        guard FormatRules.measuresQuality(format) else {
            return VerificationCheck(name: "quality", action: spelling, measured: "not measured", threshold: "\(asked)", passed: true,
                                     explanation: "\(format?.rawValue ?? "this format") keeps no quantisation table to estimate a quality from")
        }
        guard let found = ImageCodecs.estimatedJPEGQuality(context.output) else {
            return VerificationCheck(name: "quality", action: spelling, measured: "unreadable", threshold: "\(asked)", passed: false,
                                     explanation: "the JPEG's quantisation tables could not be read")
        }
        let tolerance = context.thresholds.qualityTolerance
        let passed = abs(found - asked) <= tolerance
        return VerificationCheck(name: "quality", action: spelling, measured: "\(found)", value: Double(found), threshold: "\(asked) ± \(tolerance)",
                                 passed: passed,
                                 explanation: passed ? "estimated from the quantisation tables; the process asks for \(asked)"
                                     : "estimated from the quantisation tables at \(found), but the process asks for \(asked)")
    }

    /// `interlace,1`: a progressive JPEG (its frame header is SOF2); `interlace,0`: a sequential one.
    /// OSS applies interlace to JPEG output only; other formats are not checked.
    static func interlace(_ action: ImageAction, at index: Int, context: VerificationContext) -> VerificationCheck {
        let spelling = context.spelling(index)
        guard case let .interlace(on) = action else { preconditionFailure("interlace check for \(action)") }
        let format = ImageCodecs.detectFormat(context.output)
        guard format == .jpg else {
            return VerificationCheck(name: "interlace", action: spelling, measured: "not measured", threshold: on ? "progressive" : "sequential",
                                     passed: true, explanation: "OSS interlaces JPEG output only; this output is \(format?.rawValue ?? "unknown")")
        }
        guard let frame = JPEGMarkers.frameType(context.output) else {
            return VerificationCheck(name: "interlace", action: spelling, measured: "no frame header", threshold: on ? "progressive" : "sequential",
                                     passed: false, explanation: "no SOF marker before the image data")
        }
        let progressive = frame.progressive
        let passed = progressive == on
        let found = "SOF\(frame.marker - 0xC0) (\(progressive ? "progressive" : "sequential"))"
        return VerificationCheck(name: "interlace", action: spelling, measured: found, threshold: on ? "progressive (SOF2)" : "sequential",
                                 passed: passed,
                                 explanation: passed ? "the frame header is what \(spelling) asks for"
                                     : on ? "interlace,1 asks for a progressive JPEG; this one is sequential" : "interlace,0 asks for a sequential JPEG; this one is progressive")
    }
}

/// A JPEG's marker segments, walked from the start without decoding.
enum JPEGMarkers {
    /// The first start-of-frame marker (0xC0...0xCF but DHT 0xC4, JPG 0xC8 and DAC 0xCC) and
    /// whether it is progressive (SOF2, SOF6, SOF10, SOF14); nil when the bytes end, or the scan
    /// starts, before one. Every length is checked against the bytes left.
    static func frameType(_ bytes: [UInt8]) -> (marker: Int, progressive: Bool)? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var at = 2
        while at + 4 <= bytes.count {
            guard bytes[at] == 0xFF else { return nil }
            let marker = Int(bytes[at + 1])
            if marker == 0xFF { at += 1; continue } // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { at += 2; continue } // no length
            if marker == 0xDA || marker == 0xD9 { return nil } // scan or end before any frame
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                return (marker, [0xC2, 0xC6, 0xCA, 0xCE].contains(marker))
            }
            at += 2 + length
        }
        return nil
    }
}
