import AsyncHTTPClient
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import NIOCore
import Testing

/// Acknowledged means durable: events answered 2xx by a `laurel serve` process on SQLite are all
/// there after the process is killed with SIGKILL, and the ledger is consistent.
@Suite(.serialized) struct CrashDurabilityTests {
    @Test func acknowledgedEventsSurviveSIGKILL() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-crash-\(UUID().uuidString).db").path
        let now = Date()
        var memberId = ""
        var key = ""
        do {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            let source = "name: Crash\ncurrency: EUR\nearning_rules:\n  - {id: visit, event: visit, effect: {type: fixed_points, points: 7}}"
            _ = try await store.createProgram(id: "crash", name: "Crash", now: now)
            _ = try await store.applyProgram(id: "crash", definition: try ProgramDefinition.parse(source), source: source, now: now, idempotency: nil)
            key = try await APIKeyAuthenticator.create(store: store, programId: "crash", scope: .integration, name: nil, now: now).1
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "crash", externalId: "c", createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            memberId = member.id
        }

        let binary = LaurelCommand.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the laurel executable is built by swift test")
        let port = try await TestPorts.unused()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--db", path, "--port", "\(port)", "--settle-every", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        var healthy = false
        for _ in 0..<300 where !healthy { // up to 30 s: a loaded machine starts processes slowly
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(2)),
               response.status == .ok { healthy = true } else { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(healthy)

        var acknowledged: [String] = []
        for _ in 0..<25 {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            request.body = .bytes(ByteBuffer(string: #"{"member_id":"\#(memberId)","type":"visit"}"#))
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            if response.status == .created, let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
               let id = json["id"] as? String { acknowledged.append(id) }
        }
        #expect(acknowledged.count == 25)
        kill(process.processIdentifier, SIGKILL)
        try await LaurelCommand.waitForExit(process, within: .seconds(30))
        try #require(!process.isRunning, "the killed server process did not exit within 30 s")

        let reopened = try SQLiteStore(path: path)
        try await reopened.migrate()
        for id in acknowledged { #expect(try await reopened.event(programId: "crash", id: id) != nil, "event \(id) was acknowledged but lost") }
        #expect(try await reopened.member(programId: "crash", id: memberId)?.available == 25 * 7)
        #expect(try await reopened.audit(programId: "crash") == [])
    }
}
