import AsyncHTTPClient
import Foundation
import LaurelCore
import LaurelStore
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends one webhook delivery: signed as Standard Webhooks says, redirects not followed, the SSRF
/// guard checked again first, and the whole attempt (DNS, connection, request, answer and its body)
/// cut off at `timeout`.
public struct WebhookSender: Sendable {
    public var policy: WebhookURLPolicy
    /// The most an attempt takes, from its start to the last byte of the answer read.
    public var timeout: Duration = .seconds(10)

    public init(allowPrivateAddresses: Bool) { policy = WebhookURLPolicy(allowPrivate: allowPrivateAddresses) }

    /// No redirects, and a connect time-out within the attempt's.
    static func configuration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(10)),
                                                     connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32))
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        return configuration
    }

    /// One client for the process, for URLs whose host is an IP address (its connections are reused).
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration())

    /// A client of its own for one attempt to a host name: it connects to `address`, the one the SSRF guard
    /// just checked, with the name kept for the Host header, TLS's SNI and the certificate check; it is shut
    /// down after the attempt, so no connection opened under an earlier check is reused.
    static func pinnedClient(connectingTo address: NetworkAddress, for host: String) -> HTTPClient {
        var configuration = configuration()
        configuration.dnsOverride = [host: address.description]
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

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
    /// signed and recorded at the time `clock` gives when it starts, and it ends within `timeout` of its
    /// start whatever the receiver does (a slow drip of its answer's body included).
    public func send(_ dispatch: WebhookDispatch, clock: any WallClock) async -> WebhookAttemptRecord {
        let now = clock.now()
        let started = ContinuousClock.now
        let answer = await Self.within(timeout) { await self.attempt(dispatch, now: now) }
        let millis = (ContinuousClock.now - started).wholeMilliseconds
        guard let answer else {
            return WebhookAttemptRecord(at: now, statusCode: nil, error: "timed out after \(timeout.components.seconds) s", durationMillis: millis,
                                        responseBody: nil)
        }
        return WebhookAttemptRecord(at: now, statusCode: answer.statusCode, error: answer.error, durationMillis: millis, responseBody: answer.body)
    }

    /// What an attempt got: a status and the start of the body, or why there was none.
    struct Answer: Sendable {
        var statusCode: Int?
        var error: String?
        var body: String?
    }

    /// The check, then the request; the answer's body read up to 1 KiB.
    private func attempt(_ dispatch: WebhookDispatch, now: Date) async -> Answer {
        let address: NetworkAddress?
        do {
            address = try await policy.checkBeforeSending(dispatch.url)
        } catch {
            return Answer(error: "refused: \(error.description)")
        }
        let (headers, body) = Self.request(for: dispatch, timestamp: Int64(now.timeIntervalSince1970.rounded(.down)))
        var request = HTTPClientRequest(url: dispatch.url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        guard let address else { return await exchange(request, on: Self.client) }
        // The host as AsyncHTTPClient reads it from the same text, so that the override applies.
        guard let host = URL(string: dispatch.url)?.host else { return Answer(error: "refused: url has no host") }
        let client = Self.pinnedClient(connectingTo: address, for: host)
        let answer = await exchange(request, on: client)
        try? await client.shutdown()
        return answer
    }

    private func exchange(_ request: HTTPClientRequest, on client: HTTPClient) async -> Answer {
        do {
            let response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
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
            return Answer(statusCode: Int(response.status.code), body: text)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return Answer(error: "timed out after \(timeout.components.seconds) s")
        } catch {
            return Answer(error: "\(error)")
        }
    }

    /// `operation`'s result, or nil once `limit` has passed. The operation runs in a task of its own that is
    /// cancelled then (AsyncHTTPClient closes the connection) and not waited for, so that even a step that
    /// ignores cancellation (a getaddrinfo call) cannot hold the attempt past its limit.
    static func within<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
        let work = Task { await operation() }
        let first = FirstAnswer<T?>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                first.wait(continuation)
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if first.answer(nil) { work.cancel() }
                }
                Task {
                    let value = await work.value
                    if first.answer(value) { timer.cancel() }
                }
            }
        } onCancel: {
            work.cancel()
        }
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<T, Never>) { self.continuation.withLock { $0 = continuation } }

    /// Whether this was the first answer.
    func answer(_ value: T) -> Bool {
        guard let waiting = continuation.withLock({ state -> CheckedContinuation<T, Never>? in
            defer { state = nil }
            return state
        }) else { return false }
        waiting.resume(returning: value)
        return true
    }
}
