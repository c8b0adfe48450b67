// PresignCircle: a presigned URL that carries the circle process, for a browser, an <img> tag
// or a link you share. The process is part of the signed query, so nobody can change it to get
// the original image, and no header is needed to use the URL.
import ExampleSupport
import OSS

let settings = ExampleSettings(defaultDestination: "")

await runExample {
    // 1. The client, with credentials from the environment.
    let bucket = settings.client().bucket(settings.bucket)

    // 2. Sign a GET of the object with x-oss-process=image/circle,r_100, valid for one hour.
    let presigned = try await bucket.presign(settings.key, process: .circle(radius: 100), expiresIn: 3600)

    // 3. Print the URL (and only the URL, so scripts can use it).
    print(presigned.url)
}
