import AsyncHTTPClient
import Foundation
import LaurelStore
import NIOCore
import NIOHTTP1

/// Sends one webhook delivery: signed as Standard Webhooks says, at most `timeout` per attempt,
/// redirects not followed, the SSRF guard checked again first.
public struct WebhookSender: Sendable {
    public var policy: WebhookURLPolicy
    public var timeout: Duration = .seconds(10)

    public init(allowPrivateAddresses: Bool) { policy = WebhookURLPolicy(allowPrivate: allowPrivateAddresses) }

    /// One client for the process: no redirects, and a connect time-out within the attempt's.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(10)),
                                                     connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32))
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The request the receiver gets; `timestamp` is this attempt's time in unix seconds.
    public static func request(for dispatch: WebhookDispatch, timestamp: Int64) -> (headers: [(String, String)], body: Data) {
        let body = WebhookSignature.body(type: dispatch.type, createdAt: dispatch.messageCreatedAt, payload: dispatch.payload)
        let headers = [
            ("content-type", "application/json"),
            ("user-agent", "Laurel-Webhooks/1"),
            ("webhook-id", dispatch.messageId),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", WebhookSignature.header(secrets: dispatch.secrets, id: dispatch.messageId, timestamp: timestamp, body: body)),
        ]
        return (headers, body)
    }

    /// Makes one attempt and says how it went; never throws (a failure is an attempt too). The attempt is
    /// signed and recorded at the time `clock` gives when it starts.
    public func send(_ dispatch: WebhookDispatch, clock: any WallClock) async -> WebhookAttemptRecord {
        let now = clock.now()
        let started = ContinuousClock.now
        func elapsed() -> Int { (ContinuousClock.now - started).wholeMilliseconds }
        do {
            try await policy.checkBeforeSending(dispatch.url)
        } catch {
            return WebhookAttemptRecord(at: now, statusCode: nil, error: "refused: \(error.description)", durationMillis: elapsed(), responseBody: nil)
        }
        let (headers, body) = Self.request(for: dispatch, timestamp: Int64(now.timeIntervalSince1970.rounded(.down)))
        var request = HTTPClientRequest(url: dispatch.url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let seconds = timeout.components.seconds
            let response = try await Self.client.execute(request, timeout: .seconds(seconds))
            var kept = ByteBuffer()
            do {
                for try await chunk in response.body {
                    kept.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: min(chunk.readableBytes, 1024 - kept.readableBytes)) ?? ByteBuffer())
                    if kept.readableBytes >= 1024 { break }
                }
            } catch {
                // The status is what counts; a body cut short is kept as far as it came.
            }
            let text = kept.readableBytes > 0 ? String(decoding: kept.readableBytesView, as: UTF8.self) : nil
            return WebhookAttemptRecord(at: now, statusCode: Int(response.status.code), error: nil, durationMillis: elapsed(), responseBody: text)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return WebhookAttemptRecord(at: now, statusCode: nil, error: "timed out after \(timeout.components.seconds) s", durationMillis: elapsed(),
                                        responseBody: nil)
        } catch {
            return WebhookAttemptRecord(at: now, statusCode: nil, error: "\(error)", durationMillis: elapsed(), responseBody: nil)
        }
    }
}
