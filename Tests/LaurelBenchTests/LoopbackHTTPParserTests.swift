@testable import LaurelBench
import NIOCore
import Testing

/// The benchmark's HTTP response parser: its answers are what the benchmark counts (statuses,
/// bodies, `Idempotent-Replayed`), so a misread answer would be a wrong figure or a false check.
struct LoopbackHTTPParserTests {
    /// Parses `text` fed in two pieces at every split point: incomplete (nil) before the last byte,
    /// then the whole answer with nothing left over.
    func whole(_ text: String) throws -> LoopbackHTTPResponse? {
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[0..<cut])
            #expect(try LoopbackHTTPParser.parse(&buffer, closed: false) == nil, "complete after \(cut) of \(bytes.count) bytes")
        }
        var buffer = ByteBuffer(bytes: bytes)
        let response = try LoopbackHTTPParser.parse(&buffer, closed: false)
        #expect(buffer.readableBytes == 0)
        return response
    }

    @Test func contentLengthAndHeaders() throws {
        let response = try #require(try whole(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\ncontent-length: 11\r\nIdempotent-Replayed:  true \r\n\r\n{\"a\":\"bcd\"}"))
        #expect(response.status == 201 && String(buffer: response.body) == "{\"a\":\"bcd\"}" && response.keepAlive)
        #expect(response.header("idempotent-replayed") == "true" && response.header("Content-Type") == "application/json")
        #expect(response.header("X-None") == nil)
    }

    @Test func chunkedBodiesWithExtensionsAndTrailers() throws {
        let response = try #require(try whole(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: y\r\n\r\n"))
        #expect(String(buffer: response.body) == "helloabcdefghijklmnopqrstuvwxyz" && response.keepAlive)
    }

    @Test func emptyClosingOldAndInterimAnswers() throws {
        let noContent = try #require(try whole("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"))
        #expect(noContent.status == 204 && noContent.body.readableBytes == 0)
        #expect(try whole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")?.keepAlive == false)
        #expect(try whole("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")?.keepAlive == false)
        #expect(try whole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")?.status == 200)
    }

    @Test func aBodyWithoutLengthRunsUntilClose() throws {
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\nuntil close")
        #expect(try LoopbackHTTPParser.parse(&buffer, closed: false) == nil)
        #expect(try LoopbackHTTPParser.parse(&buffer, closed: true).map { String(buffer: $0.body) } == "until close")
        var cut = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        #expect(throws: (any Error).self) { try LoopbackHTTPParser.parse(&cut, closed: true) }
    }

    @Test(arguments: [
        "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ])
    func malformedAnswersThrow(text: String) {
        var buffer = ByteBuffer(string: text)
        #expect(throws: (any Error).self) { try LoopbackHTTPParser.parse(&buffer, closed: false) }
    }

    @Test func twoAnswersInOneBufferAreReadOneAtATime() throws {
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        #expect(try LoopbackHTTPParser.parse(&buffer, closed: false)?.status == 200)
        #expect(try LoopbackHTTPParser.parse(&buffer, closed: false)?.status == 404)
        #expect(buffer.readableBytes == 0)
    }
}
