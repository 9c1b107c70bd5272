import AsyncHTTPClient
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import NIOCore
import Synchronization
import Testing

/// A SQLite database with one program (10 points per purchase of 10.00, available at once) and an
/// admin key, and purchase load against a server on it: for the shutdown and backup tests.
enum OperationsLoad {
    static let program = """
        name: Operations
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        """

    /// Creates the database at `path` and returns an admin key; the store is closed again.
    static func prepare(_ path: String) async throws -> String {
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let now = Date()
        _ = try await store.createProgram(id: "ops", name: "Operations", now: now)
        _ = try await store.applyProgram(id: "ops", definition: try ProgramDefinition.parse(program), source: program, now: now, idempotency: nil)
        let key = try await APIKeyAuthenticator.create(store: store, programId: "ops", scope: .admin, name: nil, now: now).1
        try await store.close()
        return key
    }

    /// What one worker saw: its member, and the purchases answered 201 before its first failure.
    struct Worker: Sendable {
        var memberId: String?
        var answered = 0
        var failure: String?
    }

    /// Runs `workers` clients, each enrolling a member and sending purchases of 10.00 one after the
    /// other until `stop` says so or a request fails (the server went away), each on its own connection pool.
    static func run(port: Int, key: String, workers: Int, stop: @escaping @Sendable () -> Bool,
                    started: @escaping @Sendable () -> Void = {}) async -> [Worker] {
        await withTaskGroup(of: Worker.self) { group in
            for index in 0..<workers {
                group.addTask {
                    let client = HTTPClient(eventLoopGroupProvider: .singleton)
                    defer { _ = client.shutdown() }
                    var worker = Worker()
                    func post(_ path: String, _ body: String) async throws -> (Int, [String: Any]) {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(key)")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: body))
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let bytes = try await response.body.collect(upTo: 1 << 20)
                        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
                        return (Int(response.status.code), json)
                    }
                    do {
                        let (status, member) = try await post("/v1/members", #"{"external_id":"load-\#(index)"}"#)
                        guard status == 201, let id = member["id"] as? String else {
                            worker.failure = "enrolment answered \(status)"
                            return worker
                        }
                        worker.memberId = id
                        started()
                        while !stop() {
                            let (status, answer) = try await post("/v1/events", #"{"member_id":"\#(id)","type":"purchase","purchase":{"currency":"EUR","total":"10.00"}}"#)
                            guard status == 201 else {
                                worker.failure = "a purchase answered \(status): \(answer)"
                                return worker
                            }
                            worker.answered += 1
                        }
                    } catch {
                        worker.failure = "\(error)"
                    }
                    return worker
                }
            }
            var all: [Worker] = []
            for await worker in group { all.append(worker) }
            return all
        }
    }
}
