@testable import S3
import XCTest

final class ResponseParsingTests: XCTestCase {
    func testErrorDocument() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
        <Key>a &amp; b/ü.jpg</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
        """
        let error = try XCTUnwrap(S3Error.parse(xml: Array(xml.utf8), status: 404))
        XCTAssertEqual(error.code, .noSuchKey)
        XCTAssertEqual(error.status, 404)
        XCTAssertEqual(error.message, "The specified key does not exist.")
        XCTAssertEqual(error.resource, "a & b/ü.jpg")
        XCTAssertEqual(error.requestId, "4442587FB7D0A2F9")
        XCTAssertFalse(error.isRetryable)
    }

    func testSignatureAndAccessErrors() throws {
        let signature = """
        <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message>\
        <Resource>/media/x</Resource></Error>
        """
        let parsed = try XCTUnwrap(S3Error.parse(xml: Array(signature.utf8), status: 403, requestId: "from-header"))
        XCTAssertEqual(parsed.code, .signatureDoesNotMatch)
        XCTAssertEqual(parsed.requestId, "from-header")
        XCTAssertEqual(parsed.resource, "/media/x")
        let denied = S3Error.parse(xml: Array("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>".utf8),
                                   status: 403)
        XCTAssertEqual(denied?.code, .accessDenied)
    }

    func testNamespacedErrorAndSlowDownIsRetryable() throws {
        let xml = "<Error xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Code>SlowDown</Code><Message>Reduce</Message></Error>"
        let error = try XCTUnwrap(S3Error.parse(xml: Array(xml.utf8), status: 503))
        XCTAssertEqual(error.code, .slowDown)
        XCTAssertTrue(error.isRetryable)
    }

    func testNonErrorBodiesAreNotErrors() {
        XCTAssertNil(S3Error.parse(xml: [], status: 500))
        XCTAssertNil(S3Error.parse(xml: Array("<html>bad gateway".utf8), status: 502))
        XCTAssertNil(S3Error.parse(xml: Array("<CopyObjectResult><ETag>x</ETag></CopyObjectResult>".utf8), status: 200))
    }

    func testBodilessAnswersGetACodeFromTheStatus() {
        XCTAssertEqual(S3Error.from(status: 404, body: [], requestId: "r", objectRequest: true).code, .noSuchKey)
        XCTAssertEqual(S3Error.from(status: 404, body: [], requestId: nil, objectRequest: false).code, .noSuchBucket)
        XCTAssertEqual(S3Error.from(status: 403, body: [], requestId: nil, objectRequest: true).code, .accessDenied)
        XCTAssertEqual(S3Error.from(status: 416, body: [], requestId: nil, objectRequest: true).code, .invalidRange)
        let gateway = S3Error.from(status: 502, body: Array("<html>".utf8), requestId: nil, objectRequest: true)
        XCTAssertEqual(gateway.code.rawValue, "HTTP502")
        XCTAssertTrue(gateway.isRetryable)
        XCTAssertEqual(S3Error.from(status: 404, body: [], requestId: "r", objectRequest: true).requestId, "r")
    }

    func testTransportErrorsAreRetryableExceptTLS() {
        XCTAssertTrue(S3TransportError(kind: .unreachable, curlCode: 7, message: "").isRetryable)
        XCTAssertTrue(S3TransportError(kind: .timeout, curlCode: 28, message: "").isRetryable)
        XCTAssertTrue(S3TransportError(kind: .connectionLost, curlCode: 52, message: "").isRetryable)
        XCTAssertFalse(S3TransportError(kind: .tls, curlCode: 60, message: "").isRetryable)
    }

    func testListPage() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Name>media</Name><Prefix>acme/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
          <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
          <Contents><Key>acme/1/original.jpg</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>
            <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1048576</Size><StorageClass>STANDARD</StorageClass></Contents>
          <Contents><Key>acme/1/thumb &lt;1&gt;.webp</Key><Size>0</Size></Contents>
          <CommonPrefixes><Prefix>acme/2/</Prefix></CommonPrefixes>
        </ListBucketResult>
        """
        let page = try XCTUnwrap(S3Client.parseListPage(Array(xml.utf8)))
        XCTAssertEqual(page.objects, [
            S3ObjectSummary(key: "acme/1/original.jpg", size: 1_048_576, eTag: "\"9b2cf535f27731c974343645a3985328\"",
                            lastModified: "2026-01-02T03:04:05.000Z"),
            S3ObjectSummary(key: "acme/1/thumb <1>.webp", size: 0),
        ])
        XCTAssertEqual(page.commonPrefixes, ["acme/2/"])
        XCTAssertTrue(page.isTruncated)
        XCTAssertEqual(page.nextContinuationToken, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        XCTAssertNil(S3Client.parseListPage(Array("<Error><Code>NoSuchBucket</Code></Error>".utf8)))
    }

    func testDeleteResult() throws {
        let xml = """
        <DeleteResult><Deleted><Key>a</Key></Deleted><Deleted><Key>b</Key></Deleted>\
        <Error><Key>c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>
        """
        let result = try S3Client.parseDeleteResult(Array(xml.utf8), status: 200, requestId: "r")
        XCTAssertEqual(result.deleted, 2)
        XCTAssertEqual(result.errors.map(\.code), [.accessDenied])
        XCTAssertEqual(result.errors.first?.resource, "c")
        XCTAssertThrowsError(try S3Client.parseDeleteResult(Array("<Error><Code>MalformedXML</Code></Error>".utf8),
                                                            status: 200, requestId: nil)) { error in
            XCTAssertEqual((error as? S3Error)?.code.rawValue, "MalformedXML")
        }
    }

    func testXMLEscapingRoundTrips() throws {
        let key = "a&b<c>\"d'e\rf ü"
        let xml = "<Key>\(S3XML.escape(key))</Key>"
        XCTAssertEqual(S3XML.parse(Array(xml.utf8))?.text, key)
    }

    func testContentMD5() {
        XCTAssertEqual(ContentMD5.base64([]), "1B2M2Y8AsgTpgAmY7PhCfg==")
        XCTAssertEqual(ContentMD5.base64(Array("The quick brown fox jumps over the lazy dog".utf8)), "nhB9nTcrtoJr2B01QqQZ1g==")
    }

    func testObjectHead() {
        let head = S3ObjectHead(status: 206, headers: ["content-length": "10", "content-range": "bytes 0-9/12345",
                                                      "etag": "\"abc\"", "x-amz-meta-original-name": "a.jpg"])
        XCTAssertEqual(head.contentLength, 10)
        XCTAssertEqual(head.objectSize, 12345)
        XCTAssertEqual(head.eTag, "\"abc\"")
        XCTAssertEqual(head.metadata, ["original-name": "a.jpg"])
    }
}
