// GetObjectCirclePNG: the same circle, saved as PNG so the corners are transparent.
// The documentation's process is image/circle,r_100/format,png; here it is built with the typed
// builder, which prints exactly that string and is checked before anything is sent.
import ExampleSupport
import OSS

let settings = ExampleSettings(defaultDestination: "example-circle.png")

await runExample {
    // 1. The client, with credentials from the environment.
    let bucket = settings.client().bucket(settings.bucket)

    // 2. Circle of radius 100, then convert to PNG: the area outside the circle is transparent.
    let process = ImageProcess.circle(radius: 100).format(.png)
    print("Process: \(process)")

    // 3. Download to a file.
    let info = try await bucket.getObject(settings.key, process: process, toFile: settings.destination)
    print("Saved \(settings.destination) (\(info.contentType ?? "?"), \(info.contentLength ?? 0) bytes)")
}
