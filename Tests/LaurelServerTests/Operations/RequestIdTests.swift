import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LaurelServer
import LaurelTestSupport
import Logging
import NIOCore
import Synchronization
import Testing

/// Every request gets an id, echoed in `X-Request-Id` and carried by its log lines.
@Suite struct RequestIdTests {
    static let header = HTTPField.Name("X-Request-Id")!

    @Test func saneCallerIdIsEchoedOtherwiseOneIsGenerated() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            // Echoed, on a success and on a problem document alike.
            let sent = "req-7f3a_01:abc.XYZ"
            var headers: HTTPFields = [Self.header: sent]
            #expect(try await api.client.execute(uri: "/healthz", method: .get, headers: headers).headers[Self.header] == sent)
            headers[.authorization] = "Bearer wrong"
            let refused = try await api.client.execute(uri: "/v1/members", method: .get, headers: headers)
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[Self.header] == sent)
            let missing = try await api.client.execute(uri: "/v1/no-such-route", method: .get, headers: [Self.header: sent])
            #expect(missing.status == .notFound)
            #expect(missing.headers[Self.header] == sent)

            // Generated when absent, and different for each request.
            let first = try await api.client.execute(uri: "/healthz", method: .get).headers[Self.header]
            let second = try await api.client.execute(uri: "/healthz", method: .get).headers[Self.header]
            let generated = try #require(first)
            #expect(!generated.isEmpty && generated != second)

            // Replaced when not sane: too long, a space, a control or non-ASCII character.
            for insane in [String(repeating: "a", count: 129), "a b", "a\u{7F}b", "café"] {
                let echoed = try await api.client.execute(uri: "/healthz", method: .get, headers: [Self.header: insane]).headers[Self.header]
                let replacement = try #require(echoed)
                #expect(replacement != insane && !replacement.isEmpty && replacement.utf8.allSatisfy { (0x21...0x7E).contains($0) })
            }
            #expect(try await api.client.execute(uri: "/healthz", method: .get, headers: [Self.header: String(repeating: "b", count: 128)])
                .headers[Self.header] == String(repeating: "b", count: 128))
        }
    }

    @Test func jsonLogLinesCarryTheRequestId() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "laurel") { label in JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger.logLevel = .debug
        let app = Application(router: LaurelApplication.router(store: fixture.store, clock: fixture.clock).0,
                              server: LaurelApplication.server(ConnectionLimits()), logger: logger)
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/v1/members", method: .get,
                                                    headers: [Self.header: "trace-42", .authorization: "Bearer \(fixture.read)"])
            #expect(response.status == .ok)
        }
        let objects = lines.withLock { $0 }.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(objects.count == lines.withLock { $0 }.count, "every line is one JSON object: \(lines.withLock { $0 })")
        let requestLine = try #require(objects.first { ($0["message"] as? String) == "request" }, "\(lines.withLock { $0 })")
        let metadata = try #require(requestLine["metadata"] as? [String: Any])
        #expect(metadata["hb.request.id"] as? String == "trace-42")
        #expect(metadata["route"] as? String == "/v1/members")
        #expect(metadata["status"] as? String == "200")
        #expect(requestLine["level"] as? String == "debug")
        #expect((requestLine["time"] as? String)?.hasSuffix("Z") == true)
        for line in lines.withLock({ $0 }) { #expect(!line.contains("\n")) }
    }
}
