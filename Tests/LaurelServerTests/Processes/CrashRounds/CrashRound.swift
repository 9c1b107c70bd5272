import AsyncHTTPClient
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import NIOCore
import Synchronization

/// One round of the crash test, on a fresh database: a `laurel serve` process takes earns, redemptions
/// and transfers from 32 clients at once, every write with an Idempotency-Key, and is killed with
/// SIGKILL at a moment drawn from the round's seed. A new process is started on the same database,
/// every key is retried twice, and then: every write answered 2xx is in the ledger exactly once, every
/// retry of an acknowledged write replays its first answer, the ledger audit (`laurel audit`) is clean,
/// every balance is the sum of its ledger, points are neither lost nor made (starting points + earned
/// − redeemed = the balances' sum), and the limited reward is not oversold.
struct CrashRound {
    static let program = """
        name: Crash
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        """
    static let memberCount = 16
    static let startingPoints = 10_000
    static let stock = 100
    static let concurrency = 32
    /// More writes than a round can send before its kill: the clients never run out.
    static let operationCount = 20_000
    /// The kill comes this long (in milliseconds) after the first answer, drawn from the seed.
    static let killWindow = 150...1_500

    let backend: TestBackend
    let seed: UInt64
    let name: String

    /// Runs the round; problems are empty when every promise held.
    func run() async throws -> (figures: CrashFigures, problems: [String]) {
        let started = ContinuousClock.now
        var random = SplitMix64(seed: seed)
        let database = try await CrashDatabase.make(backend)
        defer { database.remove() }
        let setup = try await CrashSetup.make(database.store)
        let operations = CrashWorkload.operations(count: Self.operationCount, members: setup.memberIds, rewardId: CrashSetup.rewardId,
                                                  round: name, using: &random)
        let killAfter = Duration.milliseconds(random.int(Self.killWindow))

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.concurrency * 2)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }

        var figures = CrashFigures(rounds: 1, killedAfter: killAfter)
        var problems: [String] = []

        // The load, and the kill in the middle of it.
        let first = try await ServeProcess.start(database: database.location)
        let load = LoadState()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.concurrency {
                    group.addTask {
                        while !load.killed.load(ordering: .acquiring) {
                            let index = load.next.wrappingAdd(1, ordering: .relaxed).oldValue
                            guard index < operations.count else { return }
                            let outcome: LoadState.Outcome
                            if let answer = try? await Self.send(operations[index], client: client, port: first.port, key: setup.key) {
                                outcome = .answered(answer)
                            } else {
                                outcome = .unanswered
                            }
                            load.answers.withLock { $0[index] = outcome }
                        }
                    }
                }
                // The kill comes `killAfter` after the first answer (a server can take a while to open
                // its PostgreSQL connections), so that writes have been answered and more are in flight.
                let deadline = ContinuousClock.now + .seconds(60)
                while load.answers.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                try await Task.sleep(for: killAfter)
                load.killed.store(true, ordering: .releasing)
                try await first.kill()
                try await group.waitForAll()
            }
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        let sent = load.answers.withLock { $0 }

        // A new process on the same database; every key sent is retried, twice.
        let second = try await ServeProcess.start(database: database.location)
        var retries: [Int: CrashAnswer] = [:]
        var finals: [Int: CrashAnswer] = [:]
        do {
            retries = try await Self.sendAll(Array(sent.keys), operations, client: client, port: second.port, key: setup.key)
            finals = try await Self.sendAll(Array(sent.keys), operations, client: client, port: second.port, key: setup.key)
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()

        for (index, outcome) in sent.sorted(by: { $0.key < $1.key }) {
            let operation = operations[index]
            guard let retry = retries[index], let final = finals[index] else {
                problems.append("\(operation.key): a retry after the restart got no answer")
                continue
            }
            switch outcome {
            case .answered(let answer) where answer.succeeded:
                figures.acknowledged += 1
                figures.acknowledgedByKind[operation.kind, default: 0] += 1
                if !retry.replays(answer) || !final.replays(answer) {
                    problems.append("\(operation.key): acknowledged \(answer.status) \(answer.text), retried: \(retry.status) \(retry.text) replayed \(retry.replayed)")
                }
            case .answered:
                figures.refused += 1
            case .unanswered:
                figures.unanswered += 1
                if retry.succeeded && retry.replayed { figures.landedUnanswered += 1 }
            }
            if retry.succeeded && !final.replays(retry) {
                problems.append("\(operation.key): retried \(retry.status) \(retry.text), retried again: \(final.status) \(final.text)")
            }
            if !final.succeeded && final.status != 422 {
                problems.append("\(operation.key): \(operation.kind) answered \(final.status) after the restart: \(final.text)")
            }
        }

        // What the database holds against what was answered.
        var acknowledged: [Int: CrashAnswer] = [:]
        for (index, outcome) in sent { if case .answered(let answer) = outcome, answer.succeeded { acknowledged[index] = answer } }
        let check = try await CrashCheck.run(store: database.store, setup: setup, operations: operations, finals: finals, acknowledged: acknowledged)
        figures.lost += check.lost
        figures.duplicates += check.duplicates
        problems += check.problems

        let audit = try await LaurelCommand.run(["audit", "--db", database.location, "--program", CrashSetup.programId])
        if audit.status != 0 { problems.append("laurel audit exited \(audit.status): \(audit.all)") }

        figures.duration = ContinuousClock.now - started
        return (figures, problems)
    }

    /// Sends `operations[index]` for every index, `concurrency` at a time; a write that gets no answer fails the round.
    private static func sendAll(_ indices: [Int], _ operations: [CrashOperation], client: HTTPClient, port: Int,
                                key: String) async throws -> [Int: CrashAnswer] {
        try await withThrowingTaskGroup(of: (Int, CrashAnswer).self) { group in
            var pending = indices.makeIterator()
            var answers: [Int: CrashAnswer] = [:]
            for _ in 0..<concurrency {
                guard let index = pending.next() else { break }
                group.addTask { (index, try await send(operations[index], client: client, port: port, key: key)) }
            }
            while let (index, answer) = try await group.next() {
                answers[index] = answer
                if let index = pending.next() { group.addTask { (index, try await send(operations[index], client: client, port: port, key: key)) } }
            }
            return answers
        }
    }

    private static func send(_ operation: CrashOperation, client: HTTPClient, port: Int, key: String) async throws -> CrashAnswer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(operation.path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: operation.key)
        request.body = .bytes(ByteBuffer(string: operation.body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return CrashAnswer(status: Int(response.status.code), body: Data(buffer: body),
                           replayed: response.headers.first(name: "Idempotent-Replayed") == "true")
    }
}

/// The clients' shared state during the load: the next write to send, whether the kill has come, and
/// what each write sent was answered.
private final class LoadState: Sendable {
    enum Outcome: Sendable {
        case answered(CrashAnswer)
        case unanswered
    }

    let next = Atomic<Int>(0)
    let killed = Atomic<Bool>(false)
    let answers = Mutex<[Int: Outcome]>([:])
}

/// What a write was answered.
struct CrashAnswer: Sendable {
    let status: Int
    let body: Data
    let replayed: Bool

    var succeeded: Bool { (200..<300).contains(status) }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }

    /// Whether this is a replay of `first`: the same status and body, marked replayed.
    func replays(_ first: CrashAnswer) -> Bool { replayed && status == first.status && body == first.body }
}

/// A fresh database for one round: a SQLite file, or a schema of the PostgreSQL test database.
struct CrashDatabase {
    /// What `laurel serve --db` and `laurel audit --db` are given.
    let location: String
    let store: any LaurelStore
    private let runner: Task<Void, Never>?

    static func make(_ backend: TestBackend) async throws -> CrashDatabase {
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-crash-\(UUID().uuidString).db").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            return CrashDatabase(location: path, store: store, runner: nil)
        case .postgres:
            let url = try await TestBackend.freshPostgresSchema()
            let store = try PostgresStore(url: url)
            let runner = Task.immediate { await store.run() }
            try await store.migrate()
            return CrashDatabase(location: url, store: store, runner: runner)
        }
    }

    func remove() {
        runner?.cancel()
        guard runner == nil else { return }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: location + suffix) }
    }
}
