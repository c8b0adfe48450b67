import Foundation
import OSSImage
import OSSImageProcess

/// Watermark cases at the edges of what OSS allows, timed end to end (decode, watermark, encode),
/// with the peak bytes the plan admits them at: the bounds the kernel promises, in figures.
enum WatermarkBenchmark {
    static func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

    static func run(runs: Int) throws {
        let photo = try SyntheticPhoto.jpeg(width: 4000, height: 3000, seed: 7)
        let logo = try ImageCodecs.encode(try SyntheticPhoto.bitmap(width: 800, height: 600, seed: 8), as: .png)
        let cases: [(String, String)] = [
            ("default text, 4000x3000 JPEG", "image/watermark,text_\(b64("Hello 图片服务!"))"),
            ("64 x W at size 1000, rotate 45", "image/watermark,text_\(b64(String(repeating: "W", count: 64))),size_1000,rotate_45,shadow_50,g_center"),
            ("fill, size 12, rotate 30, t 40", "image/watermark,text_\(b64("Hello 图片服务!")),size_12,fill_1,rotate_30,t_40"),
            ("fill, one dot at size 1", "image/watermark,text_\(b64(".")),size_1,fill_1"),
            ("image watermark, P_30, t 60", "image/watermark,image_\(b64("logo.png?x-oss-process=image/resize,P_30")),t_60"),
            ("text + image, fill", "image/watermark,image_\(b64("logo.png?x-oss-process=image/resize,P_10")),text_\(b64("图片")),size_30,fill_1"),
        ]
        let images = ["logo.png": logo]
        print("watermark on a 4000x3000 JPEG (source \(photo.count) bytes), best of \(runs) runs")
        for (name, process) in cases {
            let peak = try ImageProcessor.estimatedWorkingBytes(process, source: photo, watermarkImages: images)
            var best = Duration.seconds(1000)
            for _ in 0..<runs {
                let start = ContinuousClock.now
                _ = try ImageProcessor.process(process, source: photo, watermarkImages: images)
                best = min(best, ContinuousClock.now - start)
            }
            let ms = Double(best.components.seconds) * 1000 + Double(best.components.attoseconds) / 1e15
            print("  " + name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%8.1f ms   planned peak %6.1f MiB", ms, Double(peak) / 1_048_576))
        }
    }
}
