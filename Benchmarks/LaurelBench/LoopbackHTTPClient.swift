import NIOCore
import Synchronization

/// The benchmark's HTTP/1.1 client for a server on this machine. Server and load share two cores,
/// and a general client (AsyncHTTPClient) cost a fifth of a balance read's CPU; this one does little
/// per request: the fixed headers are bytes built once, and the answer is parsed by hand.
///
/// A request takes an idle keep-alive connection or opens one, and gives it back after a complete
/// answer, so N concurrent workers hold N connections. A connection that failed is closed, never reused.
final class LoopbackHTTPClient: Sendable {
    let port: Int
    private let timeout: TimeAmount
    /// "Host: …\r\n" and "Authorization: Bearer …\r\n", sent with every request.
    private let fixedHeaders: ByteBuffer
    private let idle = Mutex<[LoopbackHTTPConnection]>([])

    init(port: Int, bearer key: String? = nil, timeout: TimeAmount = .seconds(30)) {
        self.port = port
        self.timeout = timeout
        var headers = ByteBuffer(string: "Host: 127.0.0.1:\(port)\r\n")
        if let key { headers.writeString("Authorization: Bearer \(key)\r\n") }
        fixedHeaders = headers
    }

    func get(_ path: String) async throws -> LoopbackHTTPResponse {
        try await send(request(method: "GET", path: path, body: nil, idempotencyKey: nil))
    }

    /// POSTs a JSON body, with an `Idempotency-Key` when given one.
    func post(_ path: String, json body: String, idempotencyKey: String? = nil) async throws -> LoopbackHTTPResponse {
        try await send(request(method: "POST", path: path, body: body, idempotencyKey: idempotencyKey))
    }

    /// Closes the idle connections (all of them once no request is under way).
    func shutdown() async {
        for connection in idle.withLock({ idle in defer { idle = [] }; return idle }) { await connection.close() }
    }

    private func send(_ request: ByteBuffer) async throws -> LoopbackHTTPResponse {
        var reused = idle.withLock { $0.popLast() }
        // A connection the server closed while it was idle is replaced; a request is never sent twice.
        while let connection = reused, !connection.isActive {
            await connection.close()
            reused = idle.withLock { $0.popLast() }
        }
        let connection: LoopbackHTTPConnection
        if let reused { connection = reused } else { connection = try await LoopbackHTTPConnection.connect(port: port, timeout: timeout) }
        do {
            let response = try await connection.send(request)
            if response.keepAlive { idle.withLock { $0.append(connection) } } else { await connection.close() }
            return response
        } catch {
            await connection.close()
            throw error
        }
    }

    private func request(method: StaticString, path: String, body: String?, idempotencyKey: String?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(200 + fixedHeaders.readableBytes + path.utf8.count + (body?.utf8.count ?? 0))
        buffer.writeStaticString(method)
        buffer.writeStaticString(" ")
        buffer.writeString(path)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        buffer.writeImmutableBuffer(fixedHeaders)
        if let idempotencyKey {
            buffer.writeStaticString("Idempotency-Key: ")
            buffer.writeString(idempotencyKey)
            buffer.writeStaticString("\r\n")
        }
        if let body {
            buffer.writeStaticString("Content-Type: application/json\r\nContent-Length: ")
            buffer.writeString(String(body.utf8.count))
            buffer.writeStaticString("\r\n\r\n")
            buffer.writeString(body)
        } else {
            buffer.writeStaticString("\r\n")
        }
        return buffer
    }
}
