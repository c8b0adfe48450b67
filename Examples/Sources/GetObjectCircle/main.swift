// GetObjectCircle: download a private image cropped to a circle and save it to a file.
// The Swift twin of the OSS documentation's sample
//   bucket.get_object_to_file('example.jpg', 'dest.jpg', process='image/circle,r_100')
// The source is a JPEG, so the result is a JPEG and the corners outside the circle are white.
import ExampleSupport
import OSS

let settings = ExampleSettings(defaultDestination: "example-circle.jpg")

await runExample {
    // 1. Create the client. Credentials come from the environment variables
    //    OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, as in the documentation.
    let bucket = settings.client().bucket(settings.bucket)

    // 2. The processing to apply: crop the image to a circle of radius 100 pixels.
    let process = "image/circle,r_100"

    // 3. Download the processed image to a local file. It is written to a temporary file
    //    first and renamed into place only once it is complete.
    let info = try await bucket.getObject(settings.key, process: process, toFile: settings.destination)
    print("Saved \(settings.destination) (\(info.contentType ?? "?"), \(info.contentLength ?? 0) bytes, request \(info.requestId ?? "-"))")
}
