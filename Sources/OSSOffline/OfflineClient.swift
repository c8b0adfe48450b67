import OSS
import OSSLocalService

extension OSSClient {
    /// A client that answers from a local folder, in this process, with the same OSS semantics as
    /// `oss serve` and the local image kernels: no network, no credentials. Buckets are the
    /// folder's subfolders.
    ///
    /// ```swift
    /// let client = try OSSClient.offline(root: "fixtures")
    /// try await client.bucket("examplebucket").getObject("example.jpg", process: "image/circle,r_100", toFile: "dest.jpg")
    /// ```
    public static func offline(root: String, region: String = "cn-hangzhou") throws -> OSSClient {
        var configuration = LocalOSSConfiguration(root: root, credentials: [], region: region, processor: ImageObjectProcessor())
        configuration.openAccess = true
        let service = try LocalOSSService(configuration: configuration)
        return OSSClient(configuration: Configuration(region: region, endpoint: "http://localhost", addressStyle: .path,
                                                      credentialsProvider: AnonymousCredentialsProvider()),
                         transport: InProcessTransport(service: service))
    }
}
