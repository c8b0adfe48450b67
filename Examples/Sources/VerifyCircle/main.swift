// VerifyCircle: download the circle from the server, then prove offline that it is right by
// running the same process locally on the original and comparing format, size, the circle's
// coverage and the pixels inside it.
import ExampleSupport
import Foundation
import OSS
import OSSImage

let settings = ExampleSettings(defaultDestination: "example-circle-verified.png")

await runExample {
    let bucket = settings.client().bucket(settings.bucket)
    let process = ImageProcess.circle(radius: 100).format(.png)

    // 1. What the server returns for the process.
    let (_, processed) = try await bucket.getObjectData(settings.key, process: process)
    try Data(processed).write(to: URL(fileURLWithPath: settings.destination))

    // 2. The original, to run the local kernel on.
    let (_, original) = try await bucket.getObjectData(settings.key)

    // 3. Compare, with no network: the verdict and the figures.
    let report = try ImageVerifier.verify(source: original, process: process, output: processed)
    print(report)
    if !report.matches { exit(1) }
}
