import AsyncHTTPClient
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import NIOCore
import Synchronization
import Testing

/// Two `laurel serve` processes on one PostgreSQL database, driven at once: every write
/// lands once, idempotent retries sent to both nodes credit once, balances never go below
/// zero, the settlement job run by two nodes at once expires each lot once, and limited rewards
/// and capped clubs are never oversold.
@Suite(.serialized, .enabled(if: MultiNodeCluster.databaseURL != nil,
                             "LAUREL_TEST_POSTGRES_URL is not set: the PostgreSQL multi-node test is skipped"))
struct MultiNodeTests {
    static let program = """
        name: Multi-node
        currency: EUR
        points:
          expiry: {policy: after_days, days: 30}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
            limit: {max_times: 3, period: day}
        """

    @Test func twoNodesShareOneDatabase() async throws {
        try await MultiNodeCluster.with(program: Self.program, members: 12) { cluster in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }

            // 240 purchases and 60 reviews spread over both nodes, 8 at a time.
            let operations = (0..<300).map { index -> (node: Int, body: String) in
                let member = cluster.memberIds[index % cluster.memberIds.count]
                let body = index % 5 == 4
                    ? #"{"member_id":"\#(member)","type":"review"}"#
                    : #"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","total":"\#(10 + index % 7).50"}}"#
                return (index % 2, body)
            }
            try await forEach(operations, concurrency: 8) { operation in
                let response = try await cluster.post(client, node: operation.node, path: "/v1/events", body: operation.body)
                #expect(response.status == 201)
            }

            // The same idempotent request sent to both nodes at once: one event, identical answers.
            for index in 0..<20 {
                let member = cluster.memberIds[index % cluster.memberIds.count]
                let body = #"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","total":"100.00"}}"#
                async let first = cluster.post(client, node: 0, path: "/v1/events", body: body, key: "retry-\(index)")
                async let second = cluster.post(client, node: 1, path: "/v1/events", body: body, key: "retry-\(index)")
                let (a, b) = try await (first, second)
                #expect(a.status == 201 && b.status == 201)
                #expect(a.body == b.body)
                #expect([a.replayed, b.replayed].filter { $0 }.count == 1)
            }

            // Debits and transfers racing on both nodes never take a balance below zero.
            try await forEach(Array(0..<120), concurrency: 8) { index in
                let from = cluster.memberIds[index % cluster.memberIds.count]
                let to = cluster.memberIds[(index + 5) % cluster.memberIds.count]
                let response = index % 2 == 0
                    ? try await cluster.post(client, node: index % 2, path: "/v1/transfers",
                                             body: #"{"from_member_id":"\#(from)","to_member_id":"\#(to)","points":40}"#)
                    : try await cluster.post(client, node: (index / 2) % 2, path: "/v1/members/\(from)/adjustments",
                                             body: #"{"points":-35,"reason":"race test"}"#)
                #expect(response.status == 201 || response.status == 422, "\(response.status): \(String(decoding: response.body, as: UTF8.self))")
            }

            let store = cluster.store
            #expect(try await store.audit(programId: cluster.programId) == [])
            var events = 0
            for id in cluster.memberIds {
                let member = try #require(try await store.member(programId: cluster.programId, id: id))
                #expect(member.available >= 0)
                let entries = try await store.ledger(programId: cluster.programId, memberId: id, limit: 500, startingAfter: nil).items
                let fromEntries = entries.reduce(0) { sum, record in
                    sum + (record.entry.to == .available(member: id) ? record.entry.points : 0) - (record.entry.from == .available(member: id) ? record.entry.points : 0)
                }
                #expect(fromEntries == member.available)
                events += entries.filter { $0.entry.kind == .earn }.count
            }
            // 240 purchases + 60 reviews, of which at most 3 per member per day earn + 20 idempotent purchases.
            let reviewsEarning = min(60, 3 * cluster.memberIds.count)
            #expect(events == 240 + reviewsEarning + 20)

            // The settlement job on both nodes at once, 31 days later: every lot expires exactly once.
            let later = Date().addingTimeInterval(31 * 86_400)
            let second = try PostgresStore(url: cluster.url)
            let runner = Task.immediate { await second.run() }
            defer { runner.cancel() }
            async let a = Scheduler.runOnce(store: store, now: later, batchSize: 5)
            async let b = Scheduler.runOnce(store: second, now: later, batchSize: 5)
            _ = try await (a, b)
            #expect(try await store.audit(programId: cluster.programId) == [])
            var expiredLots: [String: Int] = [:]
            for id in cluster.memberIds {
                let member = try #require(try await store.member(programId: cluster.programId, id: id))
                #expect(member.available == 0 && member.pending == 0)
                for record in try await store.ledger(programId: cluster.programId, memberId: id, limit: 500, startingAfter: nil).items
                where record.entry.kind == .expire {
                    expiredLots[record.entry.lotId ?? "", default: 0] += 1
                }
            }
            #expect(!expiredLots.isEmpty)
            #expect(expiredLots.values.allSatisfy { $0 == 1 })
        }
    }

    /// Redemptions of a limited reward and invitations into a capped club, raced on both nodes:
    /// never more issued than the stock, never more members than the cap, limits hold.
    @Test func twoNodesNeverOversell() async throws {
        let program = Self.program + """

            clubs:
              - {id: few, name: The Few, join: {invitations: staff}, member_cap: 5}
            """
        try await MultiNodeCluster.with(program: program, members: 30) { cluster in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            let store = cluster.store
            let now = Date()
            for id in cluster.memberIds {
                _ = try await store.adjust(programId: cluster.programId, memberId: id, id: Identifiers.make("adj"), points: 300, reason: "seed",
                                           actor: "test", now: now, idempotency: nil)
            }
            let definition = try #require(try await store.programVersion(programId: cluster.programId, version: nil)).definition
            let reward = try Reward.read(try ProgramSourceParser.parse("""
                {"id": "drop", "name": "Drop", "type": "free_product", "sku": "D", "cost": 100, "stock": 25, "limit": {"per_member": 2}}
                """), program: definition)
            _ = try await store.putReward(programId: cluster.programId, reward: reward, now: now)

            let statuses = Mutex<[Int: Int]>([:])
            try await forEach(Array(0..<120), concurrency: 16) { index in
                let member = cluster.memberIds[index % 10] // 10 members, 12 attempts each
                let response = try await cluster.post(client, node: index % 2, path: "/v1/redemptions",
                                                      body: #"{"member_id":"\#(member)","reward_id":"drop"}"#)
                statuses.withLock { $0[response.status, default: 0] += 1 }
            }
            // 10 members × limit 2 = 20 can be issued; the stock of 25 is not the bound here.
            #expect(statuses.withLock { $0[201] } == 20, "\(statuses.withLock { $0 })")
            try await forEach(Array(0..<60), concurrency: 16) { index in
                let member = cluster.memberIds[10 + index % 20] // 20 other members, 3 attempts each: 5 more units
                _ = try await cluster.post(client, node: index % 2, path: "/v1/redemptions", body: #"{"member_id":"\#(member)","reward_id":"drop"}"#)
            }
            #expect(try await store.reward(programId: cluster.programId, id: "drop")?.stockLeft == 0)
            var issued: [String: Int] = [:]
            for item in try await store.redemptions(programId: cluster.programId, memberId: nil, limit: 500, startingAfter: nil, now: Date()).items {
                issued[item.memberId, default: 0] += 1
            }
            #expect(issued.values.reduce(0, +) == 25 && issued.values.allSatisfy { $0 <= 2 })

            let joined = Mutex(0)
            try await forEach(Array(0..<20), concurrency: 16) { index in
                let response = try await cluster.post(client, node: index % 2, path: "/v1/clubs/few/members",
                                                      body: #"{"member_id":"\#(cluster.memberIds[index])"}"#)
                if response.status == 201 { joined.withLock { $0 += 1 } }
            }
            #expect(joined.withLock { $0 } == 5)
            #expect(try await store.clubMembers(programId: cluster.programId, clubId: "few", limit: 50, startingAfter: nil).items.count == 5)
            #expect(try await store.audit(programId: cluster.programId) == [])
            for id in cluster.memberIds { #expect(try await store.member(programId: cluster.programId, id: id)!.available >= 0) }
        }
    }

    private func forEach<T: Sendable>(_ items: [T], concurrency: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<concurrency { if let item = iterator.next() { group.addTask { try await body(item) } } }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await body(item) } }
            }
        }
    }
}

/// A throwaway schema in the test database and two server processes on it.
struct MultiNodeCluster: Sendable {
    static var databaseURL: String? { TestBackend.postgresURL }

    let url: String
    let store: PostgresStore
    let storeRunner: Task<Void, Never>
    let nodes: [ServeProcess]
    var ports: [Int] { nodes.map(\.port) }
    let programId = "multi"
    let key: String
    let memberIds: [String]

    struct Answer: Sendable {
        let status: Int
        let body: Data
        let replayed: Bool
    }

    static func start(program: String, members: Int) async throws -> MultiNodeCluster {
        let url = try await TestBackend.freshPostgresSchema()
        let store = try PostgresStore(url: url)
        let runner = Task.immediate { await store.run() }
        try await store.migrate()
        let now = Date()
        _ = try await store.createProgram(id: "multi", name: "Multi-node", now: now)
        _ = try await store.applyProgram(id: "multi", definition: try ProgramDefinition.parse(program), source: program, now: now, idempotency: nil)
        let (_, key) = try await APIKeyAuthenticator.create(store: store, programId: "multi", scope: .admin, name: "test", now: now)
        var memberIds: [String] = []
        for index in 0..<members {
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "multi", externalId: "m\(index)", createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            memberIds.append(member.id)
        }

        var nodes: [ServeProcess] = []
        do {
            for _ in 0..<2 { nodes.append(try await ServeProcess.start(database: url, arguments: ["--settle-every", "0"])) }
        } catch {
            for node in nodes { await node.stop() }
            runner.cancel()
            throw error
        }
        return MultiNodeCluster(url: url, store: store, storeRunner: runner, nodes: nodes, key: key, memberIds: memberIds)
    }

    /// Runs `body` with a started cluster, and stops its nodes when `body` returns or throws.
    static func with(program: String, members: Int, _ body: (MultiNodeCluster) async throws -> Void) async throws {
        let cluster = try await start(program: program, members: members)
        do {
            try await body(cluster)
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    func post(_ client: HTTPClient, node: Int, path: String, body: String, key idempotencyKey: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(ports[node])\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: Data(buffer: bytes), replayed: response.headers.first(name: "Idempotent-Replayed") == "true")
    }

    func stop() async {
        for node in nodes { await node.stop() }
        storeRunner.cancel()
    }
}
