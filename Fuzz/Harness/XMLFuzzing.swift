import OSS

/// The client's XML reader: any bytes give a tree or nil, never a crash; a tree it gives is within
/// the limits, and writing it out and reading it back gives the same tree.
package enum XMLFuzzing: FuzzTarget {
    package static let name = "xml"

    package static func run(_ input: [UInt8]) {
        let limits = XMLTree.Limits.default
        guard let tree = XMLTree.parse(input, limits: limits) else { return }
        var elements = 0
        var depth = 0
        var stack: [(XMLTree, Int)] = [(tree, 1)]
        while let (node, level) = stack.popLast() {
            elements += 1
            depth = max(depth, level)
            stack += node.children.map { ($0, level + 1) }
        }
        FuzzCheck.require(depth <= limits.maximumDepth, "depth \(depth) is over the limit")
        FuzzCheck.require(elements <= limits.maximumElements, "\(elements) elements is over the limit")
        let written = serialize(tree)
        FuzzCheck.require(XMLTree.parse(written) == tree, "the tree does not survive writing it out and reading it back")
        // A tighter limit refuses or gives the same tree, never a different one.
        if let shallow = XMLTree.parse(input, limits: XMLTree.Limits(maximumDepth: 3, maximumElements: 16)) {
            FuzzCheck.require(shallow == tree, "a tighter limit gave a different tree")
        }
    }

    /// Text first, then children: the reader keeps an element's text apart from its children's,
    /// so this layout reads back as the same tree.
    static func serialize(_ root: XMLTree) -> [UInt8] {
        enum Step { case open(XMLTree), close(String) }
        var out: [UInt8] = []
        var steps: [Step] = [.open(root)]
        while let step = steps.popLast() {
            switch step {
            case let .open(node):
                out += Array("<\(node.name)>".utf8)
                for scalar in node.text.unicodeScalars {
                    switch scalar {
                    case "&": out += Array("&amp;".utf8)
                    case "<": out += Array("&lt;".utf8)
                    case ">": out += Array("&gt;".utf8)
                    case "\r": out += Array("&#13;".utf8)
                    default: out += Array(String(scalar).utf8)
                    }
                }
                steps.append(.close(node.name))
                steps += node.children.reversed().map { .open($0) }
            case let .close(name):
                out += Array("</\(name)>".utf8)
            }
        }
        return out
    }

    package static func seeds() -> [(name: String, bytes: [UInt8])] {
        let documents: [(String, String)] = [
            ("error.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error>
                  <Code>NoSuchKey</Code>
                  <Message>The specified key does not exist.</Message>
                  <RequestId>65A4D1A2E7F2C03830A1B2C3</RequestId>
                  <HostId>examplebucket.oss-cn-hangzhou.aliyuncs.com</HostId>
                  <Key>photos/a&amp;b.jpg</Key>
                  <EC>0026-00000001</EC>
                </Error>

                """),
            ("signature-error.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match.</Message>\
                <StringToSign>OSS4-HMAC-SHA256&#10;20240115T080000Z&#x0A;20240115/cn-hangzhou/oss/aliyun_v4_request</StringToSign>\
                <CanonicalRequest><![CDATA[GET
                /examplebucket/a.jpg
                x-oss-process=image%2Fcircle%2Cr_100]]></CanonicalRequest><ServerTime>2024-01-15T08:00:00.000Z</ServerTime></Error>
                """),
            ("listing.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult>
                  <Name>examplebucket</Name><Prefix>photos/</Prefix><MaxKeys>100</MaxKeys><Delimiter>/</Delimiter>
                  <EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>CgJiYw--</NextContinuationToken>
                  <Contents>
                    <Key>photos%2Fa%26b.jpg</Key><LastModified>2024-01-15T08:00:00.000Z</LastModified>
                    <ETag>&quot;5B3C1A2B2011EB29A93AE8E6E1F4B2D1&quot;</ETag><Type>Normal</Type><Size>344606</Size>
                    <StorageClass>Standard</StorageClass><Owner><ID>0022012</ID><DisplayName>user-example</DisplayName></Owner>
                  </Contents>
                  <Contents><Key>photos/b.png</Key><Size>0</Size></Contents>
                  <CommonPrefixes><Prefix>photos/2024/</Prefix></CommonPrefixes>
                  <KeyCount>3</KeyCount>
                </ListBucketResult>
                """),
            ("attributes.xml", "<a x=\"1>2\" y='3\"/>'><b c=\"/>\"/><c d = 'e'>t</c></a>"),
            ("doctype.xml", "\u{FEFF}<?xml version=\"1.0\"?>\r\n<!DOCTYPE Error SYSTEM \"oss.dtd\">\r\n<!-- c --><Error><?pi x?>a\r\nb</Error>\r\n<!-- end -->"),
            ("references.xml", "<r>&amp;&lt;&gt;&quot;&apos;&#65;&#x1F600;&#0000000068;&#x9;</r>"),
            ("nested.xml", String(repeating: "<a>", count: 63) + "x" + String(repeating: "</a>", count: 63)),
            ("empty-elements.xml", "<r><a/><b></b><c /><d>1</d></r>"),
        ]
        return documents.map { ($0.0, Array($0.1.utf8)) }
    }
}
