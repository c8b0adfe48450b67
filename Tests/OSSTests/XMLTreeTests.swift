import OSS
import OSSHTTP
import Testing

@Suite("XML reader: bounded, strict about well-formedness, OSS documents as before")
struct XMLTreeTests {
    func parse(_ text: String, limits: XMLTree.Limits = .default) -> XMLTree? {
        XMLTree.parse(Array(text.utf8), limits: limits)
    }

    func text(of document: String) -> String? { parse(document)?.text }

    @Test("100,000 nested elements give nil without exhausting the stack")
    func deepNesting() {
        let depth = 100_000
        let document = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        #expect(parse(document) == nil)
        let unclosed = "<?xml version=\"1.0\"?>" + String(repeating: "<Error>", count: depth)
        #expect(parse(unclosed) == nil)
    }

    @Test("depth 64 is read, 65 is refused; the element count and size limits hold")
    func limits() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "<a>", count: depth) + "x" + String(repeating: "</a>", count: depth)
        }
        var node = try #require(parse(nested(64)))
        for _ in 1..<64 { node = try #require(node.child("a")) }
        #expect(node.text == "x")
        #expect(parse(nested(65)) == nil)
        #expect(parse(nested(8), limits: XMLTree.Limits(maximumDepth: 8)) != nil)
        #expect(parse(nested(9), limits: XMLTree.Limits(maximumDepth: 8)) == nil)

        let wide = "<r>" + String(repeating: "<i/>", count: 9) + "</r>"
        #expect(parse(wide, limits: XMLTree.Limits(maximumElements: 10))?.children.count == 9)
        #expect(parse("<r>" + String(repeating: "<i/>", count: 10) + "</r>", limits: XMLTree.Limits(maximumElements: 10)) == nil)

        #expect(parse("<r>12345</r>", limits: XMLTree.Limits(maximumBytes: 12)) != nil)
        #expect(parse("<r>123456</r>", limits: XMLTree.Limits(maximumBytes: 12)) == nil)
    }

    @Test("the five entities and numeric references decode; bad references are errors")
    func entities() {
        #expect(text(of: "<a>&amp;&lt;&gt;&quot;&apos;</a>") == "&<>\"'")
        #expect(text(of: "<a>&#65;&#x42;&#x63;&#0000000068;&#x1F600;&#x9;&#10;</a>") == "ABcD\u{1F600}\t\n")
        #expect(text(of: "<a>a &amp;amp; b</a>") == "a &amp; b")
        for bad in ["&#0;", "&#x0;", "&#xD800;", "&#xDFFF;", "&#x110000;", "&#1114112;", "&#xFFFE;", "&#1;", "&#X41;",
                    "&#+65;", "&#-1;", "&#;", "&#x;", "&#12a;", "&#99999999999999999999999;", "&nbsp;", "&AMP;", "&amp", "& b", "&;"] {
            #expect(text(of: "<a>x\(bad)y</a>") == nil, "\(bad) should be refused")
        }
    }

    @Test("CDATA is taken as written, comments and processing instructions are dropped")
    func cdataAndComments() throws {
        #expect(text(of: "<a><![CDATA[<b>&amp;</b>]]></a>") == "<b>&amp;</b>")
        #expect(text(of: "<a>1<![CDATA[]]>2<![CDATA[]]]]><![CDATA[>]]>3</a>") == "12]]>3")
        let commented = try #require(parse("<!-- before --><a>x<!-- <b>not an element</b> -->y<?pi <c/> ?>z</a><!-- after -->"))
        #expect(commented.text == "xyz")
        #expect(commented.children.isEmpty)
        #expect(text(of: "<a>x<!-- never closed </a>") == nil)
        #expect(text(of: "<a><![CDATA[never closed</a>") == nil)
        #expect(text(of: "<a>line\r\nnext\rlast</a>") == "line\nnext\nlast")
    }

    @Test("mismatched, unclosed, stray and repeated tags are errors, not a wrong tree")
    func malformed() {
        for bad in ["<a><b></a></b>", "<a><b></b>", "<a></b>", "</a>", "<a>", "<a></a><b></b>", "<a></a>trailing", "text<a></a>",
                    "<a></a >x", "<a><b>text</c></a>", "<a></ a>", "<>x</>", "<1a></1a>", "<a/ >", "", "   ", "<a><!DOCTYPE x></a>",
                    "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>", "<a>\u{01}</a>", "<a>\0</a>", "<a><![CDATA[x]]></a><![CDATA[y]]>"] {
            #expect(parse(bad) == nil, "\(bad.debugDescription) should be refused")
        }
        #expect(XMLTree.parse([0x3C, 0x61, 0x3E, 0xFF, 0xFE, 0x3C, 0x2F, 0x61, 0x3E]) == nil, "invalid UTF-8 text")
        #expect(parse("<a></a >\n") != nil)
        #expect(parse("<!DOCTYPE a SYSTEM \"a>b.dtd\"><a>x</a>")?.text == "x")
    }

    @Test("attributes are read past, quoted '>' and '/>' included")
    func attributes() throws {
        let tree = try #require(parse("<a x=\"1>2\" y='3\"/>' z = \"\"><b c=\"/>\" d='>'/><e f=\"/e>\">t</e></a>"))
        #expect(tree.name == "a")
        #expect(tree.children.map(\.name) == ["b", "e"])
        #expect(tree.value("e") == "t")
        #expect(tree.child("b")?.children.isEmpty == true)
        for bad in ["<a x=\"<\"></a>", "<a x=1></a>", "<a x=\"1\"y=\"2\"></a>", "<a x></a>", "<a x=\"1></a>", "<a =\"1\"></a>"] {
            #expect(parse(bad) == nil, "\(bad) should be refused")
        }
    }

    static let errorBody = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error>
          <Code>SignatureDoesNotMatch</Code>
          <Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>
          <RequestId>65A4D1A2E7F2C03830A1B2C3</RequestId>
          <HostId>examplebucket.oss-cn-hangzhou.aliyuncs.com</HostId>
          <OSSAccessKeyId>LTAI5tExampleKey</OSSAccessKeyId>
          <SignatureProvided>b4Jc2ZFJp5qZ0aXQTi3tuAByNMkvYE1W1smjRbDxXaA=</SignatureProvided>
          <StringToSign>OSS4-HMAC-SHA256
        20240115T080000Z
        20240115/cn-hangzhou/oss/aliyun_v4_request
        2f0d3c3e8a&amp;b</StringToSign>
          <EC>0002-00000040</EC>
        </Error>

        """

    @Test("an OSS error body reads as before")
    func errorBody() throws {
        let tree = try #require(parse(Self.errorBody))
        #expect(tree.name == "Error")
        #expect(tree.value("Code") == "SignatureDoesNotMatch")
        #expect(tree.value("RequestId") == "65A4D1A2E7F2C03830A1B2C3")
        #expect(tree.value("HostId") == "examplebucket.oss-cn-hangzhou.aliyuncs.com")
        #expect(tree.value("EC") == "0002-00000040")
        #expect(tree.value("StringToSign") == "OSS4-HMAC-SHA256\n20240115T080000Z\n20240115/cn-hangzhou/oss/aliyun_v4_request\n2f0d3c3e8a&b")
        #expect(tree.value("Missing") == nil)
    }

    @Test("an OSS ListObjectsV2 result reads as before")
    func listing() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult>
              <Name>examplebucket</Name>
              <Prefix></Prefix>
              <MaxKeys>2</MaxKeys>
              <Delimiter>/</Delimiter>
              <EncodingType>url</EncodingType>
              <IsTruncated>true</IsTruncated>
              <NextContinuationToken>CgJiYw--</NextContinuationToken>
              <Contents>
                <Key>a%26b.jpg</Key>
                <LastModified>2024-01-15T08:00:00.000Z</LastModified>
                <ETag>&quot;5B3C1A2B2011EB29A93AE8E6E1F4B2D1&quot;</ETag>
                <Type>Normal</Type>
                <Size>344606</Size>
                <StorageClass>Standard</StorageClass>
                <Owner><ID>0022012****</ID><DisplayName>user-example</DisplayName></Owner>
              </Contents>
              <Contents>
                <Key>b.png</Key>
                <Size>0</Size>
              </Contents>
              <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>
              <KeyCount>3</KeyCount>
            </ListBucketResult>
            """
        let tree = try #require(parse(document))
        #expect(tree.name == "ListBucketResult")
        #expect(tree.value("IsTruncated") == "true")
        #expect(tree.value("Prefix") == "")
        let contents = tree.children("Contents")
        #expect(contents.map { $0.value("Key") } == ["a%26b.jpg", "b.png"])
        #expect(contents.first?.value("ETag") == "\"5B3C1A2B2011EB29A93AE8E6E1F4B2D1\"")
        #expect(contents.first?.value("Size") == "344606")
        #expect(contents.first?.child("Owner")?.value("DisplayName") == "user-example")
        #expect(tree.children("CommonPrefixes").compactMap { $0.value("Prefix") } == ["photos/"])
    }

    /// Answers every request with one canned response.
    struct CannedTransport: Transport {
        let status: Int
        let body: [UInt8]
        func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
            TransportResponse(status: status, headers: [HTTPHeaderField("Content-Type", "application/xml")], body: HTTPResponseBody(bytes: body))
        }
    }

    func client(_ transport: CannedTransport) -> OSSClient {
        OSSClient(configuration: Configuration(region: "cn-hangzhou", credentialsProvider: AnonymousCredentialsProvider()),
                  transport: transport, retryPolicy: .none)
    }

    @Test("the client survives a deeply nested error body and listing")
    func clientSurvivesHostileBodies() async throws {
        let deep = Array((String(repeating: "<Error>", count: 200_000) + String(repeating: "</Error>", count: 200_000)).utf8)
        do {
            _ = try await client(CannedTransport(status: 403, body: deep)).bucket("examplebucket").headObject("a.jpg")
            Issue.record("expected an error")
        } catch {
            guard let server = error.serverError else { Issue.record("wrong error \(error)"); return }
            #expect(server.status == 403)
            #expect(server.code.rawValue == "AccessDenied")
        }
        do {
            _ = try await client(CannedTransport(status: 403, body: Array(Self.errorBody.utf8))).bucket("examplebucket").deleteObject("a.jpg")
            Issue.record("expected an error")
        } catch {
            guard let server = error.serverError else { Issue.record("wrong error \(error)"); return }
            #expect(server.code.rawValue == "SignatureDoesNotMatch")
            #expect(server.ec == "0002-00000040")
        }
        let deepListing = Array(("<ListBucketResult>" + String(repeating: "<Contents>", count: 200_000)).utf8)
        do {
            _ = try await client(CannedTransport(status: 200, body: deepListing)).bucket("examplebucket").listObjectsV2()
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("ListBucketResult"))
        }
    }
}
