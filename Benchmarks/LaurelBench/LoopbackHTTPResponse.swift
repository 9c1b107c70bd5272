import NIOCore

/// One HTTP/1.1 response as the benchmark uses it: status, whole body, and its header lines kept as
/// bytes (looked up on demand, so a request pays for no header strings it does not read).
struct LoopbackHTTPResponse: Sendable {
    let status: Int
    let body: ByteBuffer
    /// The header lines after the status line, each ending in CRLF.
    let headerLines: ByteBuffer
    /// Whether the connection may carry another request (no `Connection: close`, HTTP/1.1).
    let keepAlive: Bool

    /// The value of the first header called `name` (ASCII, case-insensitive), without surrounding blanks.
    func header(_ name: String) -> String? {
        let wanted = name.utf8.map(LoopbackHTTPParser.lowercased)
        return headerLines.withUnsafeReadableBytes { bytes in
            var start = 0
            while start < bytes.count {
                let end = LoopbackHTTPParser.lineEnd(bytes, from: start) ?? bytes.count
                if let value = LoopbackHTTPParser.headerValue(bytes, line: start..<end, named: wanted) {
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[value]), as: UTF8.self)
                }
                start = end + 2
            }
            return nil
        }
    }
}

enum LoopbackHTTPError: Error, CustomStringConvertible {
    case malformedResponse(String)
    case connectionClosed
    case unexpectedBytes
    case timedOut
    case busy

    var description: String {
        switch self {
        case .malformedResponse(let why): "malformed HTTP response: \(why)"
        case .connectionClosed: "the server closed the connection before answering in full"
        case .unexpectedBytes: "the server sent bytes no request asked for"
        case .timedOut: "no complete answer within the timeout"
        case .busy: "a second request on a connection that is still waiting for an answer"
        }
    }
}

/// A minimal HTTP/1.1 response parser for our own server: status line, `Content-Length`,
/// `Transfer-Encoding: chunked`, `Connection: close`, and a body until close when there is neither.
/// Each call parses the received bytes from the start; answers are small, so that is cheaper than
/// keeping parser state between reads.
enum LoopbackHTTPParser {
    static let maximumHead = 64 * 1024
    static let maximumBody = 4 * 1024 * 1024
    static let contentLengthName = Array("content-length".utf8), transferEncodingName = Array("transfer-encoding".utf8)
    static let connectionName = Array("connection".utf8)

    /// Takes one complete response off the front of `buffer`; nil while bytes are missing. `closed`: the server has
    /// closed the connection, so a body without length ends here and anything incomplete is an error.
    static func parse(_ buffer: inout ByteBuffer, closed: Bool) throws -> LoopbackHTTPResponse? {
        while true {
            guard let head = try buffer.withUnsafeReadableBytes({ try Head(parsing: $0) }) else {
                if closed { throw LoopbackHTTPError.connectionClosed }
                return nil
            }
            if (100..<200).contains(head.status) {
                // An interim answer (100 Continue): the real one follows.
                buffer.moveReaderIndex(forwardBy: head.length)
                continue
            }
            let headerLines = buffer.getSlice(at: buffer.readerIndex + head.linesStart, length: head.length - 2 - head.linesStart)!
            var body = ByteBuffer()
            var length = head.length
            if head.status == 204 || head.status == 304 {
                // No body, whatever the headers say.
            } else if head.chunked {
                guard let dechunked = try dechunk(buffer, from: head.length) else {
                    if closed { throw LoopbackHTTPError.connectionClosed }
                    return nil
                }
                (body, length) = dechunked
            } else if let contentLength = head.contentLength {
                guard contentLength <= maximumBody else { throw LoopbackHTTPError.malformedResponse("body of \(contentLength) bytes") }
                guard buffer.readableBytes >= head.length + contentLength else {
                    if closed { throw LoopbackHTTPError.connectionClosed }
                    return nil
                }
                (body, length) = (buffer.getSlice(at: buffer.readerIndex + head.length, length: contentLength)!, head.length + contentLength)
            } else {
                guard closed else {
                    guard buffer.readableBytes - head.length <= maximumBody else { throw LoopbackHTTPError.malformedResponse("body too long") }
                    return nil
                }
                (body, length) = (buffer.getSlice(at: buffer.readerIndex + head.length, length: buffer.readableBytes - head.length)!, buffer.readableBytes)
            }
            buffer.moveReaderIndex(forwardBy: length)
            return LoopbackHTTPResponse(status: head.status, body: body, headerLines: headerLines,
                                        keepAlive: head.keepAlive && (head.contentLength != nil || head.chunked || body.readableBytes == 0))
        }
    }

    /// The status line and the headers that frame the body.
    struct Head {
        var status = 0
        /// Bytes up to and including the blank line; where the header lines start.
        var length = 0, linesStart = 0
        var contentLength: Int?
        var chunked = false
        var keepAlive = true

        /// Nil while the blank line that ends the head has not arrived.
        init?(parsing bytes: UnsafeRawBufferPointer) throws {
            guard let statusEnd = lineEnd(bytes, from: 0) else {
                if bytes.count > maximumHead { throw LoopbackHTTPError.malformedResponse("no status line") }
                return nil
            }
            // "HTTP/1.1 200 OK"
            guard statusEnd >= 12, bytes.starts(with: "HTTP/1.".utf8), bytes[8] == UInt8(ascii: " "),
                  let status = decimal(bytes, 9..<12), statusEnd == 12 || bytes[12] == UInt8(ascii: " ") else {
                throw LoopbackHTTPError.malformedResponse("status line")
            }
            self.status = status
            keepAlive = bytes[7] == UInt8(ascii: "1")
            linesStart = statusEnd + 2
            var start = linesStart
            while true {
                guard let end = lineEnd(bytes, from: start) else {
                    if bytes.count > maximumHead { throw LoopbackHTTPError.malformedResponse("head too long") }
                    return nil
                }
                if end == start { break }
                let line = start..<end
                if let value = headerValue(bytes, line: line, named: contentLengthName) {
                    guard let length = decimal(bytes, value), contentLength == nil || contentLength == length else {
                        throw LoopbackHTTPError.malformedResponse("Content-Length")
                    }
                    contentLength = length
                } else if let value = headerValue(bytes, line: line, named: transferEncodingName) {
                    chunked = bytes[value].lowercasedASCII.hasSuffix("chunked")
                } else if let value = headerValue(bytes, line: line, named: connectionName) {
                    if bytes[value].lowercasedASCII.contains("close") { keepAlive = false }
                }
                start = end + 2
            }
            length = start + 2
        }
    }

    /// The body of a chunked response whose chunks start at `start`, and where the response ends; nil while incomplete.
    static func dechunk(_ buffer: ByteBuffer, from start: Int) throws -> (ByteBuffer, Int)? {
        try buffer.withUnsafeReadableBytes { bytes in
            var body = ByteBuffer()
            var position = start
            while true {
                guard let end = lineEnd(bytes, from: position) else { return nil }
                var size = 0, digits = 0
                for byte in bytes[position..<end] {
                    guard let digit = hexDigit(byte) else { break }
                    size = size * 16 + digit
                    digits += 1
                    guard size <= maximumBody else { throw LoopbackHTTPError.malformedResponse("chunk too long") }
                }
                guard digits > 0 else { throw LoopbackHTTPError.malformedResponse("chunk size") }
                position = end + 2
                if size == 0 {
                    // Trailers, if any, up to the blank line.
                    while true {
                        guard let end = lineEnd(bytes, from: position) else { return nil }
                        if end == position { return (body, end + 2) }
                        position = end + 2
                    }
                }
                guard bytes.count >= position + size + 2 else { return nil }
                guard bytes[position + size] == 13, bytes[position + size + 1] == 10 else { throw LoopbackHTTPError.malformedResponse("chunk end") }
                guard body.readableBytes + size <= maximumBody else { throw LoopbackHTTPError.malformedResponse("body too long") }
                body.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + size)]))
                position += size + 2
            }
        }
    }

    /// The index of the CR of the first CRLF at or after `start`.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// Where the value of header line `line` is, without surrounding blanks, when the line's name is `name` (lowercase).
    static func headerValue(_ bytes: UnsafeRawBufferPointer, line: Range<Int>, named name: [UInt8]) -> Range<Int>? {
        guard line.count > name.count, bytes[line.lowerBound + name.count] == UInt8(ascii: ":") else { return nil }
        for (offset, wanted) in name.enumerated() where lowercased(bytes[line.lowerBound + offset]) != wanted { return nil }
        var lower = line.lowerBound + name.count + 1, upper = line.upperBound
        while lower < upper, bytes[lower] == 32 || bytes[lower] == 9 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 32 || bytes[upper - 1] == 9 { upper -= 1 }
        return lower..<upper
    }

    static func decimal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for byte in bytes[range] {
            guard (48...57).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 65...70: Int(byte - 55)
        case 97...102: Int(byte - 87)
        default: nil
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
}

private extension Slice where Base == UnsafeRawBufferPointer {
    var lowercasedASCII: String { String(decoding: map(LoopbackHTTPParser.lowercased), as: UTF8.self) }
}
