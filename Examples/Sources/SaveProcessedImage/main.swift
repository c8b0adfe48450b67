// SaveProcessedImage: process an image on the server and save the result as a new object,
// without downloading anything (ProcessObject with sys/saveas). Here the image is first cropped
// around its centre, then cut to a circle, and stored as PNG.
import ExampleSupport
import OSS

let settings = ExampleSettings(defaultDestination: "avatars/example-circle.png")

await runExample {
    // 1. The client, with credentials from the environment.
    let bucket = settings.client().bucket(settings.bucket)

    // 2. Crop a 400x400 square from the centre, then a circle of radius 150, as PNG.
    let process = ImageProcess.crop(width: 400, height: 400, gravity: .center).circle(radius: 150).format(.png)

    // 3. Ask OSS to run it and save the result as `destination` in the same bucket.
    //    The SDK appends |sys/saveas,o_<base64url key>,b_<base64url bucket> for you.
    let result = try await bucket.processObject(settings.key, process: process, saveAs: settings.destination)
    print("Saved oss://\(result.bucket)/\(result.object) (\(result.fileSize) bytes, status \(result.status))")
}
