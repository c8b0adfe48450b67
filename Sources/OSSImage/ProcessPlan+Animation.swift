import OSSImageProcess

/// When OSS keeps a GIF's animation, and when it makes a still of it.
///
/// OSS keeps an animated GIF animated through the geometric and pixel actions (resize, crop,
/// circle, rounded corners, indexcrop, rotate, blur, bright, contrast, sharpen) when the output is
/// GIF. Its documentation ("GIF files stored in OSS become static images after using image
/// styles") names the cases that give a still instead: `auto-orient` and `quality` ("GIF images
/// do not support the auto-orient and quality parameters"), and image watermarks ("the animation
/// feature is not enabled"). A watermark here makes a still, text or image alike. Converting to
/// any other format (jpg, png, webp, bmp, tiff, heic, avif) takes the first frame, as OSS's
/// format page says of WebP ("conversion to webp does not support animated images").
enum GIFAnimation {
    static func keepsAnimation(_ actions: [ImageAction]) -> Bool {
        !actions.contains { action in
            switch action {
            case .autoOrient, .quality, .watermark, .averageHue, .info: true
            default: false
            }
        }
    }
}

extension ProcessPlan {
    /// An animation's plan: every frame is the canvas, run through the same steps.
    struct AnimationPlan {
        var steps: [Step]
        var result: Shape
        var producedPixels: Int
        var frames: Int
        /// Beside the source.
        var peakBytes: Int
    }

    /// Plans a kept animation from the GIF's structure: frame count × canvas (and every frame's
    /// own claimed size, whose rows are decoded even off the canvas) against the decode limit and
    /// the frame limit, the steps once (each frame is the same size), their pixels × frames
    /// against the produced limit, and the peak: the decoder's canvases, one frame's steps, and
    /// the growing output (every frame's LZW codes at their worst) with its final copy.
    static func planAnimation(_ actions: [ImageAction], header: SourceHeader, profile: DecodeProfile, limits: ImageWorkLimits,
                              transparent: Bool) throws(ImageError) -> AnimationPlan {
        guard let gif = profile.gif else { throw ImageError.decode("GIF structure missing") }
        guard gif.frames <= limits.maximumFrames else {
            throw .invalidArgument("The GIF has \(gif.frames) frames; this server processes at most \(limits.maximumFrames) frames per request.")
        }
        let canvas = Shape(width: header.width, height: header.height, channels: 4)
        let decodedPixels = max(Checked.saturating(canvas.pixels, gif.frames), gif.framePixels)
        guard decodedPixels <= limits.maximumDecodedPixels else {
            throw .invalidArgument("Decoding \(gif.frames) frames of \(header.width)x\(header.height) (\(decodedPixels) pixels) exceeds this server's limit of \(limits.maximumDecodedPixels) decoded pixels per request.")
        }
        var phases = PeakTracker()
        var steps: [Step] = []
        var produced = 0
        var current = canvas
        for action in actions {
            let (next, peak, made) = try plan(action, input: current, transparent: transparent)
            phases.phase(peak)
            produced = Checked.sum(produced, made)
            steps.append(Step(action: action, output: next))
            current = next
        }
        try checkOutputSize(current, format: .gif)
        // One frame's encode beside it, on top of the frame's steps.
        phases.phase(current.bytes, gifFrameBytes(current))
        let frameWork = Checked.sum(phases.peak, canvas.bytes) // the canvas copy handed to the steps
        let output = Checked.saturating(Checked.saturating(current.pixels, 3) / 2 + 1024, gif.frames)
        let peak = Checked.sum(Checked.sum(profile.decoderBytes, frameWork), Checked.saturating(output, 3))
        return AnimationPlan(steps: steps, result: current, producedPixels: Checked.saturating(produced, gif.frames),
                             frames: gif.frames, peakBytes: peak)
    }
}
