/// One bucket in a ListBuckets answer.
public struct BucketSummary: Sendable, Hashable {
    /// The bucket name.
    public var name: String
    /// As OSS writes it: `2023-12-16T16:20:57.000Z`.
    public var creationDate: String
    /// `oss-cn-hangzhou`.
    public var location: String
    /// `cn-hangzhou`, when OSS gives it.
    public var region: String?
    /// `Standard`, `IA`, `Archive`...
    public var storageClass: String?
    /// The public endpoint of the bucket's region.
    public var extranetEndpoint: String?
    /// The endpoint inside the region's network.
    public var intranetEndpoint: String?

    init(_ tree: XMLTree) {
        name = tree.value("Name") ?? ""
        creationDate = tree.value("CreationDate") ?? ""
        location = tree.value("Location") ?? ""
        region = tree.value("Region")
        storageClass = tree.value("StorageClass")
        extranetEndpoint = tree.value("ExtranetEndpoint")
        intranetEndpoint = tree.value("IntranetEndpoint")
    }
}

/// One page of ListBuckets.
public struct ListBucketsPage: Sendable, Hashable {
    /// The buckets of this page, in name order.
    public var buckets: [BucketSummary]
    /// More pages follow.
    public var isTruncated: Bool
    /// Pass it as `marker` to get the next page.
    public var nextMarker: String?
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// What a PutBucket may set at creation: what cannot be changed afterwards (storage class,
/// redundancy) and the ACL.
public struct PutBucketOptions: Sendable {
    /// The bucket's ACL; private when nil, as OSS creates buckets.
    public var acl: BucketACL?
    /// `Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`; Standard when nil.
    public var storageClass: String?
    /// `LRS` or `ZRS`; LRS when nil.
    public var dataRedundancyType: String?
    /// Attempts and timeouts for this call.
    public var request: RequestOptions

    /// Every option defaults to OSS's.
    public init(acl: BucketACL? = nil, storageClass: String? = nil, dataRedundancyType: String? = nil, request: RequestOptions = RequestOptions()) {
        self.acl = acl
        self.storageClass = storageClass
        self.dataRedundancyType = dataRedundancyType
        self.request = request
    }
}

/// What GetBucketInfo says about a bucket.
public struct BucketInfo: Sendable, Hashable {
    /// Name, creation date, location, storage class and endpoints.
    public var summary: BucketSummary
    /// The bucket's ACL as OSS writes it (`private`, `public-read`, `public-read-write`).
    public var acl: String?
    /// `LRS` or `ZRS`.
    public var dataRedundancyType: String?
    /// The `x-oss-request-id`, to quote to OSS support.
    public var requestId: String?
}

/// An image style: a named process, applied with `style/NAME` so that URLs stay short and the
/// process can change without changing them.
public struct ImageStyle: Sendable, Hashable {
    /// The style name.
    public var name: String
    /// The process it stands for, such as `image/resize,p_50`.
    public var content: String
    /// `image` for image styles.
    public var category: String?
    /// When it was created, as OSS writes it (an HTTP date).
    public var createTime: String?
    /// When it was last changed.
    public var lastModifyTime: String?

    init(_ tree: XMLTree) {
        name = tree.value("Name") ?? ""
        content = tree.value("Content") ?? ""
        category = tree.value("Category")
        createTime = tree.value("CreateTime")
        lastModifyTime = tree.value("LastModifyTime")
    }
}
