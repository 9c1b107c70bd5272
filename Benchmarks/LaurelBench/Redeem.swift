import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// Redemptions of one hot reward with limited stock: many members at once, over HTTP.
struct Redeem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start an in-process server and post redemptions of one hot reward with limited stock; then check nothing was oversold.")
    @Option(help: "Redemption requests to post.") var requests = 5000
    @Option(help: "Units of the hot reward.") var stock = 1000
    @Option(help: "Members (each with points for 3 redemptions).") var members = 2000
    @Option(help: "Concurrent clients (closed loop).") var concurrency = 16
    @Option(help: "Port of the in-process server.") var port = 8191
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-redeem-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await BenchSetup.open(try await BenchSetup.database(postgres: postgres, sqlitePath: path))
        let now = Date()
        _ = try await store.createProgram(id: "bench", name: "Bench", now: now)
        let definition = try ProgramDefinition.parse(BenchWorkload.programYAML)
        _ = try await store.applyProgram(id: "bench", definition: definition, source: BenchWorkload.programYAML, now: now, idempotency: nil)
        let reward = try Reward.read(try ProgramSourceParser.parse("""
            {"id": "drop", "name": "Limited drop", "type": "discount_code", "discount": {"type": "fixed", "value": "10"}, "cost": 100,
             "stock": \(stock), "limit": {"per_member": 2}}
            """), program: definition)
        _ = try await store.putReward(programId: "bench", reward: reward, now: now)
        let (_, key) = try await APIKeyAuthenticator.create(store: store, programId: "bench", scope: .integration, name: "bench", now: now)
        var memberIds: [String] = []
        for index in 0..<members {
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "bench", externalId: "bench-\(index)", createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            _ = try await store.adjust(programId: "bench", memberId: member.id, id: Identifiers.make("adj", now: now), points: 300, reason: "bench",
                                       actor: "bench", now: now, idempotency: nil)
            memberIds.append(member.id)
        }
        // A skewed crowd: every third request comes from one of the first 1 % of members.
        var random = BenchWorkload.Random(state: 7)
        let hot = max(1, members / 100)
        let bodies = (0..<requests).map { index in
            let member = index % 3 == 0 ? memberIds[random.int(hot)] : memberIds[random.int(memberIds.count)]
            return #"{"member_id":"\#(member)","reward_id":"drop"}"#
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            let app = LaurelApplication.build(store: store, settings: .init(port: port, intervals: .none))
            group.addTask { try await app.run() }
            try await Task.sleep(for: .milliseconds(500))
            let result = try await LoadDriver(port: port, nodes: 1, concurrency: concurrency).drive(path: "/v1/redemptions", bodies: bodies, key: key)
            let statuses = result.statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            say("redeem (\(postgres == nil ? "SQLite" : "PostgreSQL")): \(result.count) redemption requests for one reward of stock \(stock), " +
                "concurrency \(concurrency): \(result.summary); answers \(statuses)")
            group.cancelAll()
        }
        let left = try await store.reward(programId: "bench", id: "drop")?.stockLeft ?? -1
        var issued = 0
        var perMember: [String: Int] = [:]
        var cursor: String?
        repeat {
            let page = try await store.redemptions(programId: "bench", memberId: nil, limit: 500, startingAfter: cursor, now: Date())
            issued += page.items.count
            for item in page.items { perMember[item.memberId, default: 0] += 1 }
            cursor = page.hasMore ? page.items.last?.id : nil
        } while cursor != nil
        let overLimit = perMember.values.filter { $0 > 2 }.count
        say("check: \(issued) issued, stock left \(left), issued + left = \(issued + left) (stock \(stock)); members over their limit of 2: \(overLimit)")
        let clean = try await BenchSetup.auditIsClean(store)
        if issued + left != stock || left < 0 || overLimit > 0 || !clean { throw ExitCode(1) }
    }
}
