import OSSImage
import OSSImageProcess

/// The `x-oss-process` language: the parser on any bytes, then, for what parses, the local
/// kernels on two fixed small images (a JPEG with an EXIF orientation, an RGBA PNG).
///
/// Properties checked: a parsed process written back out (`description`, what the typed client
/// API sends) parses again, to the same actions and destination.
package enum ProcessFuzzing: FuzzTarget {
    package static let name = "process"

    /// Processes are parsed whatever they ask, but run only with at most one resize, to at most
    /// this per side. Larger outputs are all pixels produced, which the cost budget bounds (issue 9
    /// §4, `ImageWorkLimits`); here they would only make libFuzzer report slow inputs. Once
    /// `ImageProcessor.process` takes work limits, pass small ones instead and drop this filter.
    static let largestResizeSide = 256

    /// 64×48 with EXIF orientation 6, so `auto-orient` rotates; wider than the seeds' crops, so
    /// gravity arithmetic (`(W - w) / 2 + x`) is exercised with a non-zero first term.
    static let jpegSource: [UInt8] = {
        let jpeg = (try? SeedImages.jpeg(width: 64, height: 48)) ?? []
        return SeedImages.withEXIF(jpeg, orientation: 6, littleEndian: false)
    }()

    static let pngSource: [UInt8] = (try? SeedImages.encoded(.png, width: 21, height: 13, alpha: true)) ?? []

    package static func run(_ input: [UInt8]) {
        let text = String(decoding: input, as: UTF8.self)
        guard let process = try? ImageProcess(parsing: text) else { return }
        let written = process.description
        let reparsed: ImageProcess
        do {
            reparsed = try ImageProcess(parsing: written)
        } catch {
            FuzzCheck.require(false, "\(printable(text)) parsed, but its description \(printable(written)) does not: \(error)")
            return
        }
        // The description is what the typed API sends, so reading it must give the same actions
        // and destination, and writing those out again the same text. Parameters may normalise
        // (a repeated key keeps its last value).
        FuzzCheck.require(reparsed.description == written, "\(printable(written)) reads back as \(printable(reparsed.description))")
        FuzzCheck.require(reparsed.actions.map(\.name) == process.actions.map(\.name) && reparsed.style == process.style
                              && reparsed.saveAs == process.saveAs,
                          "\(printable(text)) and its description \(printable(written)) name different actions or destinations")
        guard isAffordable(process) else { return }
        FuzzCheck.require(!jpegSource.isEmpty && !pngSource.isEmpty, "the fixed sources did not encode")
        _ = try? ImageProcessor.process(process, source: jpegSource)
        _ = try? ImageProcessor.process(process, source: pngSource)
    }

    static func isAffordable(_ process: ImageProcess) -> Bool {
        let resizes = process.actions.compactMap { action -> Resize? in
            if case let .resize(resize) = action { resize } else { nil }
        }
        return resizes.count <= 1 && resizes.allSatisfy { resize in
            [resize.width, resize.height, resize.long, resize.short].allSatisfy { ($0 ?? 0) <= largestResizeSide }
        }
    }

    package static func seeds() -> [(name: String, bytes: [UInt8])] {
        let processes = [
            "image/circle,r_100", "image/circle,r_8/format,png", "image/resize,w_100", "image/resize,m_fill,w_20,h_20",
            "image/resize,m_pad,w_30,h_10,color_FF0000", "image/resize,m_fixed,w_7,h_50,limit_0", "image/resize,m_mfit,h_9",
            "image/resize,p_50", "image/resize,l_20", "image/resize,s_10,limit_0", "image/crop,w_10,h_10,x_5,y_5,g_se",
            "image/crop,x_3,y_2", "image/crop,w_50,h_20,g_center", "image/rotate,90", "image/rotate,45/format,bmp",
            "image/rounded-corners,r_5", "image/indexcrop,x_10,i_1", "image/indexcrop,y_7,i_0", "image/format,webp/quality,q_50",
            "image/quality,Q_80", "image/interlace,1", "image/auto-orient,1", "image/auto-orient,0/rotate,270", "image/info",
            "image/crop,w_50,g_center/circle,r_10/format,png", "image/resize,w_10|sys/saveas,o_YS5qcGc,b_ZXhhbXBsZWJ1Y2tldA",
            "image/circle,r_4|sys/saveas,o_ZGlyL2IucG5n", "style/avatar", "image/auto-orient,1/resize,m_lfit,w_8,h_8/rotate,180/format,jpg/interlace,1",
        ]
        return processes.enumerated().map { index, process in ("seed-\(index)", Array(process.utf8)) }
    }
}
