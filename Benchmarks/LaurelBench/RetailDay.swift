import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import NIOCore
import NIOFoundationCompat
import Synchronization

/// The retail day: a seeded mix of everything a brand's systems send in a day — purchases, other
/// events, balance and history reads, redemptions, returns, enrolments, 1 % of writes retried with
/// the same key — against an in-process server, closed-loop at several concurrencies then open-loop
/// at a fixed rate, with per-operation figures and correctness checks at the end.
struct RetailDay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retail-day",
        abstract: "A retail day's mix of operations over HTTP, closed-loop at several concurrencies, then open-loop; checked for correctness after.")
    @Option(help: "Members enrolled before the day starts.") var members = 10_000
    @Option(help: "Operations per closed-loop concurrency level.") var operations = 4_000
    @Option(help: "Closed-loop concurrency levels, comma-separated.") var levels = "1,2,4,8,16,32"
    @Option(help: "Open-loop rate in operations per second (0 = skip the open loop).") var rate = 1_000
    @Option(help: "Seconds of open-loop load.") var openSeconds = 10
    @Option(help: "Port of the in-process server.") var port = 8201
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1
    @Flag(help: "Run the server as its own `laurel serve` process (built next to laurel-bench), to measure its CPU and memory alone.")
    var separateServer = false
    @Flag(help: "SQLite: synchronous = FULL (laurel serve --full-sync), so acknowledged writes also survive a power loss.")
    var fullSync = false

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-retail-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try await BenchSetup.database(postgres: postgres, sqlitePath: path)
        let store = try await BenchSetup.open(database, fullSync: fullSync)
        let day = try await RetailSetup.prepare(store: store, members: members)
        let sizeBefore = Self.fileSize(path)
        say("retail day on \(postgres == nil ? "SQLite" : "PostgreSQL")\(fullSync ? " (synchronous = FULL)" : ""): \(members) members (20 % Silver, 5 % Gold), 5,000 SKUs in 50 categories, " +
            "\(day.rules) earning rules, 20 rewards (5 with 40 units), seed \(seed)")

        var random = BenchWorkload.Random(state: seed)
        let state = RetailState(memberIds: day.memberIds)
        var server: ServerProcess?
        var reported: [String: ReportedBalance] = [:]
        try await withThrowingTaskGroup(of: Void.self) { group in
            if separateServer {
                server = try await ServerProcess.start(database: database, port: port, fullSync: fullSync)
            } else {
                let app = LaurelApplication.build(store: store, settings: .init(port: port, intervals: .none))
                group.addTask { try await app.run() }
                try await Task.sleep(for: .milliseconds(500))
            }
            let client = LoopbackHTTPClient(port: port, bearer: day.key, timeout: .seconds(60))
            let runner = RetailRunner(client: client, state: state)
            for level in levels.split(separator: ",").compactMap({ Int($0) }) {
                let batch = (0..<operations).map { _ in RetailOperation.draw(&random, members: members) }
                let before = server?.cpuSeconds() ?? 0
                var report = try await runner.closedLoop(batch, concurrency: level)
                report.serverCPU = server.map { $0.cpuSeconds() - before }
                say(report.text(title: "closed loop, concurrency \(level)"))
            }
            if rate > 0 {
                let batch = (0..<(rate * openSeconds)).map { _ in RetailOperation.draw(&random, members: members) }
                let before = server?.cpuSeconds() ?? 0
                var report = try await runner.openLoop(batch, rate: rate)
                report.serverCPU = server.map { $0.cpuSeconds() - before }
                say(report.text(title: "open loop, \(rate) operations/s for \(openSeconds) s"))
            }
            reported = try await runner.reportedBalances(of: state.memberIds + state.enrolledIds)
            await client.shutdown()
            group.cancelAll()
        }
        if let server {
            say(String(format: "server process: peak resident memory %.0f MB", server.peakMemoryMB()))
            server.stop()
        }

        // Correctness after the day.
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        say(String(format: "peak memory of the benchmark process (%@): %.0f MB", separateServer ? "client and checks" : "server, client and checks",
                   Double(usage.ru_maxrss) / 1024))
        let auditClean = try await BenchSetup.auditIsClean(store)
        let retries = state.retries.withLock { $0 }
        say("idempotent retries: \(retries.sent) sent, \(retries.identical) answered with the first answer's bytes and Idempotent-Replayed, \(retries.differing) differing")
        var oversold = 0
        var issued: [String: Int] = [:]
        var cursor: String?
        repeat {
            let page = try await store.redemptions(programId: "bench", memberId: nil, limit: 500, startingAfter: cursor, now: Date())
            for item in page.items where item.status != .cancelled { issued[item.rewardId, default: 0] += 1 }
            cursor = page.hasMore ? page.items.last?.id : nil
        } while cursor != nil
        for record in try await store.rewards(programId: "bench") {
            guard let stock = record.reward.stock else { continue }
            if (record.stockLeft ?? -1) < 0 || issued[record.reward.id, default: 0] + (record.stockLeft ?? 0) != stock { oversold += 1 }
        }
        say("limited rewards: \(oversold == 0 ? "none oversold" : "\(oversold) with issued + left != stock"); \(issued.values.reduce(0, +)) redemptions issued")
        let recomputation = try await BalanceRecomputation(day: day, writes: state.writes.withLock { $0 }).check(against: reported, store: store)
        say(recomputation.text)
        if postgres == nil {
            let grown = Self.fileSize(path) - sizeBefore
            let events = state.events.withLock { $0 }
            say(String(format: "database (file and WAL): grew %.1f MB for %d events and enrolments: %.1f KB per event", Double(grown) / 1e6, events,
                       Double(grown) / 1e3 / Double(max(events, 1))))
        }
        if !auditClean || oversold > 0 || retries.differing > 0 || !recomputation.mismatches.isEmpty { throw ExitCode(1) }
    }
}

extension RetailDay {
    /// Bytes of a SQLite database with its WAL.
    static func fileSize(_ path: String) -> Int {
        ["", "-wal"].reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: path + $1)[.size] as? Int) ?? 0) }
    }
}

/// One operation of the day, drawn from the mix: per 1,000, 640 purchases, 100 other events, 220
/// reads, 25 redemptions, 10 returns, 5 enrolments. A third of the operations go to the hottest 1 % of members.
enum RetailOperation: Sendable {
    case purchase(member: Int, lines: [BenchWorkload.Line], channel: String, retry: Bool)
    case event(member: Int, type: String, retry: Bool)
    case read(member: Int, history: Bool)
    case redeem(member: Int, reward: Int)
    case returnPurchase(member: Int)
    case enrol(number: UInt64)

    var kind: String {
        switch self {
        case .purchase: "purchase"
        case .event: "other event"
        case .read(_, let history): history ? "history read" : "balance read"
        case .redeem: "redemption"
        case .returnPurchase: "return"
        case .enrol: "enrolment"
        }
    }

    static func draw(_ random: inout BenchWorkload.Random, members: Int) -> RetailOperation {
        let member = random.int(3) == 0 ? random.int(max(1, members / 100)) : random.int(members)
        let retry = random.int(100) == 0
        switch random.int(1000) {
        case 0..<640:
            let count = 3 + random.int(8)
            let lines = (0..<count).map { _ in
                let sku = random.int(5000)
                return BenchWorkload.Line(sku: "SKU-\(sku)", category: "cat-\(sku % 50)", labels: ["label-\(sku % 10)"], quantity: 1 + random.int(3),
                                          unitPrice: "\(1 + random.int(80)).\(random.int(10))9")
            }
            return .purchase(member: member, lines: lines, channel: BenchWorkload.channels[random.int(4)], retry: retry)
        case 640..<740: return .event(member: member, type: ["review", "share", "check_in"][random.int(3)], retry: retry)
        case 740..<960: return .read(member: member, history: random.int(4) == 0)
        case 960..<985: return .redeem(member: member, reward: random.int(20))
        case 985..<995: return .returnPurchase(member: member)
        default: return .enrol(number: random.next())
        }
    }
}

/// What the day has produced so far, shared by the clients: purchases that can be returned, retries.
final class RetailState: Sendable {
    let memberIds: [String]
    /// Acknowledged purchases by member index: (event id, total), for returns.
    let purchases = Mutex<[Int: [(String, String)]]>([:])
    let retries = Mutex<(sent: Int, identical: Int, differing: Int)>((0, 0, 0))
    let events = Mutex(0)
    /// Every write sent, as the client sent it, with the server's answer: the input of the balance recomputation.
    let writes = Mutex<[SentWrite]>([])
    init(memberIds: [String]) { self.memberIds = memberIds }

    /// Members the day's acknowledged enrolments created.
    var enrolledIds: [String] {
        writes.withLock { $0.compactMap { if case .enrol = $0.request, $0.acknowledged { $0.memberId } else { nil } } }
    }

    /// Keeps a write as the client sent it and the server answered it (once, even when retried).
    func sent(_ memberId: String, _ request: SentWrite.Request, _ answer: (Int, [String: Any])) {
        let write = SentWrite(memberId: memberId, request: request, status: answer.0, id: answer.1["id"] as? String,
                              at: ((answer.1["occurred_at"] ?? answer.1["created_at"]) as? String).flatMap(Timestamps.parse))
        writes.withLock { $0.append(write) }
    }
}

/// Per-operation latencies and answers.
struct RetailReport {
    var latencies: [String: [Double]] = [:]
    var statuses: [String: [Int: Int]] = [:]
    var seconds: Double = 0
    var cpu: Double = 0
    /// CPU of a separate server process, when there is one.
    var serverCPU: Double?

    mutating func merge(_ other: RetailReport) {
        for (kind, values) in other.latencies { latencies[kind, default: []] += values }
        for (kind, counts) in other.statuses { statuses[kind, default: [:]].merge(counts, uniquingKeysWith: +) }
    }

    func text(title: String) -> String {
        let total = latencies.values.reduce(0) { $0 + $1.count }
        let purchases = latencies["purchase"]?.count ?? 0
        let perThousand = { (cpu: Double) in purchases > 0 ? cpu * 1000 / Double(purchases) : 0 }
        var lines = [serverCPU.map { server in
            String(format: "%@: %d operations in %.2f s = %.0f operations/s; server CPU %.2f s = %.2f s per 1,000 purchases (client %.2f s)",
                   title, total, seconds, Double(total) / seconds, server, perThousand(server), cpu)
        } ?? String(format: "%@: %d operations in %.2f s = %.0f operations/s; process CPU %.2f s = %.2f s per 1,000 purchases (server and client together)",
                    title, total, seconds, Double(total) / seconds, cpu, perThousand(cpu))]
        for kind in ["purchase", "other event", "balance read", "history read", "redemption", "return", "enrolment"] {
            guard let values = latencies[kind]?.sorted(), !values.isEmpty else { continue }
            func percentile(_ p: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * p))] }
            let counts = statuses[kind] ?? [:]
            let ok = counts.filter { (200..<300).contains($0.key) }.values.reduce(0, +)
            let refused = counts.filter { [409, 422].contains($0.key) }.values.reduce(0, +)
            let errors = values.count - ok - refused
            lines.append(String(format: "  %@ %6d  %7.0f/s  p50 %6.2f  p95 %6.2f  p99 %6.2f  max %7.2f ms  refused %d  errors %d",
                                kind.padding(toLength: 13, withPad: " ", startingAt: 0), values.count, Double(values.count) / seconds, percentile(0.5), percentile(0.95), percentile(0.99),
                                values.last!, refused, errors))
        }
        return lines.joined(separator: "\n")
    }
}

/// Sends operations to the server and records how each went.
struct RetailRunner: Sendable {
    let client: LoopbackHTTPClient
    let state: RetailState

    func closedLoop(_ operations: [RetailOperation], concurrency: Int) async throws -> RetailReport {
        let next = LockedCounter()
        return try await measured { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine = RetailReport()
                    while let index = next.take(below: operations.count) {
                        let begin = ContinuousClock.now
                        let status = try await perform(operations[index])
                        mine.record(operations[index].kind, status: status, since: begin)
                    }
                    return mine
                }
            }
        }
    }

    /// Starts operations on a fixed schedule whatever the answers; latency counts from the scheduled start.
    func openLoop(_ operations: [RetailOperation], rate: Int) async throws -> RetailReport {
        let schedule = OpenLoopSchedule(rate: rate)
        return try await measured { group in
            for (index, operation) in operations.enumerated() {
                let scheduled = try await schedule.wait(for: index)
                group.addTask {
                    var mine = RetailReport()
                    mine.record(operation.kind, status: try await perform(operation), since: scheduled)
                    return mine
                }
            }
        }
    }

    /// Runs the tasks `start` adds, merges their reports, and adds the wall time and CPU they took.
    private func measured(_ start: (inout ThrowingTaskGroup<RetailReport, any Error>) async throws -> Void) async throws -> RetailReport {
        let cpuBefore = cpuSeconds()
        let started = ContinuousClock.now
        var report = try await withThrowingTaskGroup(of: RetailReport.self) { group in
            try await start(&group)
            var all = RetailReport()
            for try await part in group { all.merge(part) }
            return all
        }
        report.seconds = (ContinuousClock.now - started).seconds
        report.cpu = cpuSeconds() - cpuBefore
        return report
    }

    private func perform(_ operation: RetailOperation) async throws -> Int {
        let members = state.memberIds
        switch operation {
        case .purchase(let member, let lines, let channel, let retry):
            let body = BenchWorkload.json(memberId: members[member], lines: lines, channel: channel)
            let (status, json) = try await write("/v1/events", body, retry: retry)
            state.sent(members[member], .purchase(lines: lines, channel: channel), (status, json))
            if status == 201, let id = json["id"] as? String {
                let total = lines.reduce(Amount.zero) { $0 + Amount($1.unitPrice)! * $1.quantity }
                state.purchases.withLock { $0[member, default: []].append((id, total.description)) }
                state.events.withLock { $0 += 1 }
            }
            return status
        case .event(let member, let type, let retry):
            let answer = try await write("/v1/events", #"{"member_id":"\#(members[member])","type":"\#(type)"}"#, retry: retry)
            state.sent(members[member], .event(type: type), answer)
            let status = answer.0
            if status == 201 { state.events.withLock { $0 += 1 } }
            return status
        case .read(let member, let history):
            return try await client.get(history ? "/v1/members/\(members[member])/ledger?limit=20" : "/v1/members/\(members[member])").status
        case .redeem(let member, let reward):
            let answer = try await write("/v1/redemptions", #"{"member_id":"\#(members[member])","reward_id":"reward-\#(reward)"}"#, retry: false)
            state.sent(members[member], .redeem(rewardId: "reward-\(reward)"), answer)
            return answer.0
        case .returnPurchase(let member):
            // The member's latest purchase not returned yet, or anyone's when they have none.
            let pick: (Int, String, String)? = state.purchases.withLock { purchases in
                let owner = purchases[member]?.isEmpty == false ? member : purchases.first(where: { !$0.value.isEmpty })?.key
                guard let owner, let last = purchases[owner]?.popLast() else { return nil }
                return (owner, last.0, last.1)
            }
            guard let (owner, purchaseId, total) = pick else { return 204 }
            let body = #"{"member_id":"\#(members[owner])","type":"return","return":{"purchase_event_id":"\#(purchaseId)","amount":"\#(total)"}}"#
            let answer = try await write("/v1/events", body, retry: false)
            state.sent(members[owner], .returnPurchase(purchaseId: purchaseId, amount: total), answer)
            let status = answer.0
            if status == 201 { state.events.withLock { $0 += 1 } }
            return status
        case .enrol(let number):
            let answer = try await write("/v1/members", #"{"external_id":"walk-in-\#(number)"}"#, retry: false)
            state.sent(answer.1["id"] as? String ?? "", .enrol, answer)
            let status = answer.0
            if status == 201 { state.events.withLock { $0 += 1 } }
            return status
        }
    }

    /// A write; a retried one is sent twice with the same key and the two answers compared.
    private func write(_ path: String, _ body: String, retry: Bool) async throws -> (Int, [String: Any]) {
        guard retry else {
            let response = try await client.post(path, json: body)
            return (response.status, Self.object(response.body))
        }
        let key = "retry-\(UUID().uuidString)"
        let first = try await client.post(path, json: body, idempotencyKey: key)
        let second = try await client.post(path, json: body, idempotencyKey: key)
        let same = first.body == second.body && second.header("Idempotent-Replayed") == "true"
        state.retries.withLock {
            $0.sent += 1
            if same { $0.identical += 1 } else { $0.differing += 1 }
        }
        return (first.status, Self.object(first.body))
    }

    /// A JSON object answer; empty when the answer is not one.
    static func object(_ body: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }
}

extension RetailReport {
    mutating func record(_ kind: String, status: Int, since begin: ContinuousClock.Instant) {
        latencies[kind, default: []].append((ContinuousClock.now - begin).seconds * 1000)
        statuses[kind, default: [:]][status, default: 0] += 1
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The retail program and its members and catalogue.
enum RetailSetup {
    struct Day {
        let key: String
        let memberIds: [String]
        let rules: Int
        /// The moment the setup used for every write, to the millisecond as stored.
        let openedAt: Date
    }

    /// What a member starts the day with: segment, staff-set tier floor (as imported from a previous
    /// system) and opening points. One place, read by the setup and by the balance recomputation.
    static func opening(_ index: Int) -> (segment: String, floor: String?, points: Int) {
        ("seg-\(index % 4)", index % 20 == 0 ? "gold" : (index % 5 == 1 ? "silver" : nil), index % 2 == 0 ? 500 : 0)
    }

    /// The catalogue: 20 rewards, every fourth with 40 units.
    static func rewardJSON(_ index: Int) -> String {
        let limited = index % 4 == 0
        return #"{"id":"reward-\#(index)","name":"Reward \#(index)","type":"free_product","sku":"R\#(index)","cost":\#(limited ? 200 : 100 + 75 * index)\#(limited ? #","stock":40"# : "")}"#
    }

    static let programYAML = BenchWorkload.programYAML + """

          - {id: review, event: review, effect: {type: fixed_points, points: 50}, limit: {max_times: 3, period: day}}
          - {id: share, event: share, effect: {type: fixed_points, points: 10}, limit: {max_points: 30, period: day}}
          - {id: check-in, event: check_in, effect: {type: fixed_points, points: 5}, limit: {max_times: 1, period: day}}
        tiers:
          basis: points_earned
          window: {rolling_months: 12}
          downgrade: {policy: review, review_months: 12}
          levels:
            - {id: bronze, threshold: 0}
            - {id: silver, threshold: 1000, benefits: {earning_multiplier: "1.25", bonus_points: 100}}
            - {id: gold, threshold: 5000, benefits: {earning_multiplier: "1.5", bonus_points: 500, discount_percent: 10}}
        """

    static func prepare(store: any LaurelStore, members: Int) async throws -> Day {
        let now = Timestamps.date(millis: Timestamps.millis(Date()))
        _ = try await store.createProgram(id: "bench", name: "Bench", now: now)
        let definition = try ProgramDefinition.parse(programYAML)
        _ = try await store.applyProgram(id: "bench", definition: definition, source: programYAML, now: now, idempotency: nil)
        for index in 0..<20 {
            _ = try await store.putReward(programId: "bench", reward: try Reward.read(try ProgramSourceParser.parse(rewardJSON(index)), program: definition),
                                          now: now)
        }
        var memberIds: [String] = []
        for index in 0..<members {
            let opening = opening(index)
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "bench", externalId: "retail-\(index)",
                                      attributes: ["segment": .string(opening.segment)], createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            // Three tiers from the start, and points to spend.
            if let floor = opening.floor {
                _ = try await store.setTierFloor(programId: "bench", memberId: member.id, tierId: floor, until: nil,
                                                 note: "imported", actor: "bench", now: now, expiringWithin: 0, idempotency: nil)
            }
            if opening.points > 0 {
                _ = try await store.adjust(programId: "bench", memberId: member.id, id: Identifiers.make("adj", now: now), points: opening.points,
                                           reason: "opening balance", actor: "bench", now: now, idempotency: nil)
            }
            memberIds.append(member.id)
        }
        let (_, key) = try await APIKeyAuthenticator.create(store: store, programId: "bench", scope: .integration, name: "bench", now: now)
        return Day(key: key, memberIds: memberIds, rules: definition.earningRules.count, openedAt: now)
    }
}

/// Databases for the benchmarks: a fresh SQLite file, or a fresh schema in a PostgreSQL database.
enum BenchSetup {
    /// Where a fresh database is: the SQLite path, or the PostgreSQL URL of a new schema in `postgres`.
    static func database(postgres: String?, sqlitePath: String) async throws -> String {
        guard let postgres else { return sqlitePath }
        let schema = "bench_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresStore(url: postgres)
        let adminRunner = Task.immediate { await admin.run() }
        defer { adminRunner.cancel() }
        try await admin.client.query("CREATE SCHEMA \(unescaped: schema)")
        return postgres + (postgres.contains("?") ? "&" : "?") + "search_path=\(schema)"
    }

    /// Runs the ledger audit of program "bench" and prints what it found; whether it is clean.
    static func auditIsClean(_ store: any LaurelStore) async throws -> Bool {
        let problems = try await store.audit(programId: "bench")
        say(problems.isEmpty ? "ledger audit: clean" : "ledger audit: \(problems.count) problems, first: \(problems[0])")
        return problems.isEmpty
    }

    /// Program "bench" (the 20 purchase rules) and `members` members spread over four segments; their ids.
    static func purchaseProgram(store: any LaurelStore, members: Int, now: Date) async throws -> [String] {
        _ = try await store.createProgram(id: "bench", name: "Bench", now: now)
        let definition = try ProgramDefinition.parse(BenchWorkload.programYAML)
        _ = try await store.applyProgram(id: "bench", definition: definition, source: BenchWorkload.programYAML, now: now, idempotency: nil)
        var memberIds: [String] = []
        for index in 0..<members {
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "bench", externalId: "bench-\(index)",
                                      attributes: ["segment": .string("seg-\(index % 4)")], createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            memberIds.append(member.id)
        }
        return memberIds
    }

    /// A running store on `database` (as `database(…)` gives it); `migrated` also creates the schema;
    /// `fullSync` makes SQLite commits survive a power loss too (`laurel serve --full-sync`); `metrics`:
    /// where the store records its series (`laurel serve` with metrics on).
    static func open(_ database: String, migrated: Bool = true, fullSync: Bool = false, metrics: LaurelMetrics? = nil) async throws -> any LaurelStore {
        let store: any LaurelStore
        if database.hasPrefix("postgres") {
            let node = try metrics.map { try PostgresStore(url: database, metrics: $0.factory) } ?? PostgresStore(url: database)
            Task.immediate { await node.run() }
            store = node
        } else {
            let durability: SQLiteStore.Durability = fullSync ? .full : .normal
            store = try metrics.map { try SQLiteStore(path: database, durability: durability, metrics: $0.factory) } ?? SQLiteStore(path: database, durability: durability)
        }
        if migrated { try await store.migrate() }
        return store
    }
}

/// A `laurel serve` process for the benchmark, with its CPU time and peak memory read from /proc.
final class ServerProcess: @unchecked Sendable {
    let process: Process

    private init(process: Process) { self.process = process }

    static func start(database: String, port: Int, fullSync: Bool) async throws -> ServerProcess {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("laurel").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("--separate-server needs the laurel executable next to laurel-bench (swift build -c release --product laurel)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--db", database, "--port", "\(port)", "--settle-every", "0"] + (fullSync ? ["--full-sync"] : [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let probe = LoopbackHTTPClient(port: port, timeout: .seconds(2))
        for _ in 0..<300 {
            if (try? await probe.get("/healthz"))?.status == 200 {
                await probe.shutdown()
                return ServerProcess(process: process)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await probe.shutdown()
        process.terminate()
        throw ValidationError("laurel serve did not start on port \(port)")
    }

    /// User + system CPU seconds of the server so far (/proc/PID/stat, fields 14 and 15, in clock ticks).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The server's peak resident memory (VmHWM).
    func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
