import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Synchronization
import Testing

/// Delivery of the outbox to a real receiver on loopback, on both backends: Standard Webhooks
/// signatures checked by a verifier written from the specification, retries on the schedule
/// with the same webhook-id, endpoints disabled by 410 or three days of failures, the SSRF guard
/// at delivery time, order per member, and volume.
@Suite struct WebhookDeliveryTests {
    @Test(arguments: TestBackend.available)
    func deliveriesAreSignedAsTheSpecificationSays(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            let ids = try await fixture.messages(3)
            #expect(try await fixture.deliver() == 3)
            let received = receiver.received
            #expect(received.map(\.id) == ids)
            for request in received {
                #expect(SpecVerifier.verifies(request, secret: endpoint.secret), "signature of \(request.id)")
                #expect(!SpecVerifier.verifies(request, secret: WebhookSignature.makeSecret()))
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.headers["webhook-timestamp"] == String(Int(fixture.clock.now().timeIntervalSince1970)))
                #expect(request.json["type"] as? String == MessageType.tierChanged)
                #expect(request.json["timestamp"] as? String == "2026-03-03T10:00:00.000Z")
                #expect((request.json["data"] as? [String: Any])?["note"] as? String == "é/ü")
                // Sorted keys, no spaces: the bytes signed are the bytes sent.
                #expect(String(decoding: request.body, as: UTF8.self).hasPrefix(#"{"data":{"n":"#))
            }
            let deliveries = try await fixture.deliveries(endpoint)
            #expect(deliveries.count == 3 && deliveries.allSatisfy { $0.status == .succeeded && $0.attemptCount == 1 })
            #expect(deliveries.map(\.messageId) == ids.reversed(), "newest first")
            #expect(try await fixture.deliver() == 0, "nothing is sent twice")
        }
    }

    @Test(arguments: TestBackend.available)
    func eachAttemptIsSignedAndRecordedAtItsOwnTimeNotTheRunsStart(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let clock = fixture.clock
        // Every answer takes 100 s of the clock's time: a run that drains a backlog takes a while.
        let receiver = WebhookReceiver { _, _ in
            clock.advance(by: 100)
            return 200
        }
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            let start = clock.now()
            // One member's messages: sent one after the other, in one run.
            try await fixture.messages(3)
            #expect(try await fixture.deliver() == 3)
            let seconds = Int(start.timeIntervalSince1970)
            #expect(receiver.received.map { $0.headers["webhook-timestamp"] } == [seconds, seconds + 100, seconds + 200].map { String($0) })
            for request in receiver.received { #expect(SpecVerifier.verifies(request, secret: endpoint.secret)) }
            let attempts = try await fixture.deliveries(endpoint).reversed().map { $0.attempts.map(\.at) }
            #expect(attempts == [[start], [start.addingTimeInterval(100)], [start.addingTimeInterval(200)]])
        }
    }

    @Test(arguments: TestBackend.available)
    func anEndpointReceivesOnlyMessagesWrittenAfterItAndOnlyItsTypes(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            try await fixture.messages(2)
            _ = try await fixture.endpoint(url: url, types: [MessageType.redemptionIssued])
            try await fixture.messages(2)
            let wanted = try await fixture.messages(1, type: MessageType.redemptionIssued)
            try await fixture.messages(1, program: "prg_b")
            try await fixture.deliver()
            #expect(receiver.received.map(\.id) == wanted)
        }
    }

    /// An endpoint requiring `marketing` receives the messages of members who have granted it when the
    /// messages are fanned out, and those about no member; another endpoint receives them all.
    @Test(arguments: TestBackend.available)
    func anEndpointRequiringAConsentReceivesOnlyMessagesOfMembersWhoGaveIt(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let start = WebhookFixture.start
        for id in ["mem_yes", "mem_no", "mem_withdrawn", "mem_other"] {
            _ = try await fixture.store.createMember(MemberRecord(id: id, programId: WebhookFixture.program, externalId: id, createdAt: start, updatedAt: start),
                                                     idempotency: nil)
        }
        func consent(_ member: String, _ granted: Bool, after seconds: Double) async throws {
            _ = try await fixture.store.setConsents(programId: WebhookFixture.program, memberId: member, ["marketing": granted], source: .api,
                                                    now: start.addingTimeInterval(seconds), idempotency: nil)
        }
        try await consent("mem_yes", true, after: 1)
        try await consent("mem_withdrawn", true, after: 1)
        try await consent("mem_withdrawn", false, after: 2)
        _ = try await fixture.store.setConsents(programId: WebhookFixture.program, memberId: "mem_other", ["profiling": true], source: .api,
                                                now: start, idempotency: nil)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            let marketing = try await fixture.endpoint(url: url, requiresConsent: "marketing")
            let everything = try await fixture.endpoint(url: url)
            let members: [String?] = ["mem_yes", "mem_no", "mem_withdrawn", "mem_other", nil, "mem_yes"]
            let ids = try await fixture.messages(members.count, member: { members[$0] })
            try await fixture.deliver()
            #expect(Set(try await fixture.deliveries(marketing).map(\.messageId)) == [ids[0], ids[4], ids[5]])
            #expect(Set(try await fixture.deliveries(everything).map(\.messageId)) == Set(ids))
        }
    }

    @Test(arguments: TestBackend.available)
    func bothSecretsSignDuringARotationsOverlapAndOnlyTheNewOneAfter(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            let newSecret = WebhookSignature.makeSecret()
            let rotated = try await fixture.store.rotateWebhookSecret(programId: endpoint.programId, id: endpoint.id, secret: newSecret,
                                                                      previousUntil: fixture.clock.now().addingTimeInterval(24 * 3600),
                                                                      now: fixture.clock.now(), idempotency: nil).value
            #expect(rotated?.secret == newSecret && rotated?.previousSecret == endpoint.secret)
            try await fixture.messages(1)
            try await fixture.deliver()
            let during = try #require(receiver.received.last)
            #expect(SpecVerifier.signatureCount(during) == 2)
            #expect(SpecVerifier.verifies(during, secret: endpoint.secret))
            #expect(SpecVerifier.verifies(during, secret: newSecret))

            fixture.clock.advance(by: 24 * 3600 + 1)
            try await fixture.messages(1)
            try await fixture.deliver()
            let after = try #require(receiver.received.last)
            #expect(receiver.received.count == 2)
            #expect(SpecVerifier.signatureCount(after) == 1)
            #expect(SpecVerifier.verifies(after, secret: newSecret))
            #expect(!SpecVerifier.verifies(after, secret: endpoint.secret))
        }
    }

    @Test(arguments: TestBackend.available)
    func aReceiverThatFailsKTimesGetsTheMessageOnAttemptKPlusOneWithTheSameId(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let failures = 4
        let receiver = WebhookReceiver { index, _ in index < failures ? 503 : 204 }
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            let id = try #require(try await fixture.messages(1).first)
            // Each retry waits its step of the schedule (5 s, 5 min, 30 min, 2 h), give or take 10 %.
            for (attempt, wait) in [5.0, 300, 1800, 7200].enumerated() {
                #expect(try await fixture.deliver() == 1)
                #expect(receiver.received.count == attempt + 1)
                let pending = try #require(try await fixture.deliveries(endpoint).first)
                #expect(pending.status == .pending && pending.attemptCount == attempt + 1)
                let next = try #require(pending.nextAttemptAt).timeIntervalSince(fixture.clock.now())
                #expect(next >= wait * 0.9 - 0.001 && next <= wait * 1.1 + 0.001, "attempt \(attempt + 1): next in \(next) s")
                fixture.clock.advance(by: wait * 0.85)
                #expect(try await fixture.deliver() == 0, "not due yet")
                fixture.clock.advance(by: wait * 0.3)
            }
            #expect(try await fixture.deliver() == 1)
            #expect(receiver.received.count == failures + 1)
            #expect(Set(receiver.received.map(\.id)) == [id])
            let delivered = try #require(try await fixture.deliveries(endpoint).first)
            #expect(delivered.status == .succeeded && delivered.attemptCount == failures + 1 && delivered.nextAttemptAt == nil)
            #expect(delivered.attempts.map(\.statusCode) == [503, 503, 503, 503, 204])
            #expect(delivered.attempts.first?.responseBody == "answer 503")
            #expect(try await fixture.store.webhookEndpoint(programId: endpoint.programId, id: endpoint.id)?.enabled == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func anEndpointThatAnswers410IsDisabledAtOnceAndReEnablingClearsTheReason(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let gone = Flag(true)
        let receiver = WebhookReceiver { _, _ in gone.value ? 410 : 200 }
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            try await fixture.messages(2)
            #expect(try await fixture.deliver() == 1, "the member's second message waits behind the first")
            let disabled = try #require(try await fixture.store.webhookEndpoint(programId: endpoint.programId, id: endpoint.id))
            #expect(!disabled.enabled && disabled.disabledReason?.contains("410") == true)
            let notice = try #require(try await fixture.allMessages().last)
            #expect(notice.type == MessageType.webhookEndpointDisabled && notice.payload.contains(endpoint.id) && notice.payload.contains("410"))
            fixture.clock.advance(by: 3600)
            #expect(try await fixture.deliver() == 0, "a disabled endpoint gets nothing")

            gone.value = false
            let enabled = try await fixture.store.updateWebhookEndpoint(programId: endpoint.programId, id: endpoint.id,
                                                                        patch: WebhookEndpointPatch(enabled: true), now: fixture.clock.now(),
                                                                        idempotency: nil).value
            #expect(enabled?.enabled == true && enabled?.disabledReason == nil)
            try await fixture.deliver()
            // Both waiting messages, then (written while it was disabled) its own disabling notice.
            #expect(receiver.received.count == 4)
            #expect(try await fixture.deliveries(endpoint, status: .succeeded).count == 3)
        }
    }

    @Test(arguments: TestBackend.available)
    func threeDaysOfFailuresFailTheDeliveryAndDisableTheEndpointWithAMessage(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver { _, _ in 500 }
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            _ = try await fixture.endpoint(url: url, types: [MessageType.webhookEndpointDisabled])
            try await fixture.messages(1)
            let started = fixture.clock.now()
            // The worker runs whenever the next attempt is due.
            for _ in 0..<20 {
                try await fixture.deliver()
                guard let next = try await fixture.deliveries(endpoint).first, next.status == .pending, let at = next.nextAttemptAt else { break }
                #expect(try await fixture.store.webhookEndpoint(programId: endpoint.programId, id: endpoint.id)?.enabled == true)
                fixture.clock.set(at)
            }
            let delivery = try #require(try await fixture.deliveries(endpoint).first)
            #expect(delivery.status == .failed)
            // 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h until 3 days: 12 attempts (11 to 13 with the jitter).
            #expect((11...13).contains(delivery.attemptCount), "\(delivery.attemptCount) attempts")
            let last = try #require(delivery.attempts.last?.at)
            #expect(last.timeIntervalSince(started) > 60 * 3600 && last.timeIntervalSince(started) < 72 * 3600)
            let disabled = try #require(try await fixture.store.webhookEndpoint(programId: endpoint.programId, id: endpoint.id))
            #expect(!disabled.enabled && disabled.disabledReason?.contains("failed") == true)
            let notice = try #require(try await fixture.allMessages().last)
            #expect(notice.type == MessageType.webhookEndpointDisabled && notice.payload.contains(endpoint.id))
            // The other endpoint subscribes to that notice: it is delivered there (and fails there too, on its own schedule).
            try await fixture.deliver()
            #expect(receiver.received.contains { $0.id == notice.id && $0.json["type"] as? String == MessageType.webhookEndpointDisabled })
        }
    }

    @Test
    func anAttemptEndsWithinItsTimeOutEvenWhileTheAnswersBodyKeepsDripping() async throws {
        try await WebhookReceiver.dripping { url in
            var sender = WebhookSender(allowPrivateAddresses: true)
            sender.timeout = .seconds(2)
            let dispatch = WebhookDispatch(deliveryId: "whd_1", endpointId: "whe_1", programId: WebhookFixture.program, url: url,
                                           secrets: [WebhookSignature.makeSecret()], messageId: "msg_1", type: MessageType.tierChanged, payload: "{}",
                                           messageCreatedAt: WebhookFixture.start, roundAttempts: 0, firstAttemptAt: nil,
                                           leaseUntil: WebhookFixture.start.addingTimeInterval(60))
            let started = ContinuousClock.now
            let attempt = await sender.send(dispatch, clock: ManualClock(WebhookFixture.start))
            // The body drips for 60 s; the bound leaves room for a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(15), "the attempt ends at its time-out, not when the body does")
            #expect(attempt.statusCode == nil && attempt.error == "timed out after 2 s", "\(attempt)")
            #expect(attempt.at == WebhookFixture.start && attempt.durationMillis >= 2000 && attempt.durationMillis < 15000)
        }
    }

    @Test(arguments: TestBackend.available)
    func aMembersLaterMessageWaitsForTheEarlierOneButOtherMembersDoNot(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let failOnce = FailOnce()
        let receiver = WebhookReceiver { _, received in failOnce.answer(received.id) }
        try await receiver.run { url in
            _ = try await fixture.endpoint(url: url)
            let ids = try await fixture.messages(3, member: { ["mem_a", "mem_a", "mem_b"][$0] })
            failOnce.id = ids[0]
            try await fixture.deliver()
            // Sent in parallel: in either order; member a's second message waits for its first.
            #expect(Set(receiver.received.map(\.id)) == [ids[0], ids[2]] && receiver.received.count == 2)
            fixture.clock.advance(by: 6)
            try await fixture.deliver()
            #expect(receiver.received.dropFirst(2).map(\.id) == [ids[0], ids[1]])
        }
    }

    @Test(arguments: TestBackend.available)
    func theSSRFGuardRefusesAPrivateAddressAtDeliveryTimeAndRetries(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            // Accepted when the server allowed private addresses, or when its name resolved elsewhere then.
            let endpoint = try await fixture.endpoint(url: url.replacingOccurrences(of: "http://127.0.0.1", with: "https://localhost"))
            try await fixture.messages(1)
            let strict = WebhookSender(allowPrivateAddresses: false)
            #expect(try await fixture.deliver(sender: strict) == 1)
            #expect(receiver.received.isEmpty)
            let delivery = try #require(try await fixture.deliveries(endpoint).first)
            #expect(delivery.status == .pending && delivery.attemptCount == 1)
            #expect(delivery.attempts.first?.statusCode == nil)
            #expect(delivery.attempts.first?.error?.hasPrefix("refused:") == true, "\(delivery.attempts)")

            let plain = try await fixture.endpoint(url: url)
            try await fixture.messages(1, member: { _ in "mem_other" })
            fixture.clock.advance(by: 10)
            try await fixture.deliver(sender: strict)
            #expect(receiver.received.isEmpty, "http to a loopback address is refused without the flag")
            #expect(try await fixture.deliveries(plain).first?.attempts.first?.error?.hasPrefix("refused:") == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func aNameThatResolvesToAPrivateAddressIsRefusedAtCreationAndAtDeliveryTime(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        // hooks.example.com resolves to a public address, then (rebound) to a loopback one; internal.example.com to a private one.
        let rebound = Flag(false)
        let policy = WebhookURLPolicy(allowPrivate: false) { host in
            switch host {
            case "hooks.example.com": [NetworkAddress(rebound.value ? "127.0.0.1" : "93.184.215.14")!]
            case "internal.example.com": [NetworkAddress("93.184.215.14")!, NetworkAddress("10.1.2.3")!]
            default: nil
            }
        }
        await #expect(throws: WebhookURLRefusal.notPublic(
            "url's host internal.example.com resolves to 10.1.2.3, a private address; webhooks go to public addresses only")) {
            try await policy.check("https://internal.example.com/hook")
        }
        try await policy.check("https://hooks.example.com/hook")
        let endpoint = try await fixture.endpoint(url: "https://hooks.example.com/hook")

        rebound.value = true
        var sender = WebhookSender(allowPrivateAddresses: false)
        sender.policy = policy
        try await fixture.messages(1)
        #expect(try await fixture.deliver(sender: sender) == 1)
        let delivery = try #require(try await fixture.deliveries(endpoint).first)
        #expect(delivery.status == .pending && delivery.attempts.count == 1 && delivery.attempts.first?.statusCode == nil)
        #expect(delivery.attempts.first?.error
            == "refused: url's host hooks.example.com resolves to 127.0.0.1, a loopback address; webhooks go to public addresses only")
    }

    @Test(arguments: TestBackend.available)
    func anAttemptConnectsToTheAddressTheGuardCheckedNotToAFreshLookup(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            // A name no system resolver knows: the request can only reach the receiver through the address checked.
            let port = try #require(URLComponents(string: url)?.port)
            let endpoint = try await fixture.endpoint(url: "http://receiver.invalid:\(port)/hook")
            var sender = WebhookFixture.sender
            sender.policy = WebhookURLPolicy(allowPrivate: true) { host in host == "receiver.invalid" ? [NetworkAddress("127.0.0.1")!] : nil }
            let ids = try await fixture.messages(1)
            #expect(try await fixture.deliver(sender: sender) == 1)
            #expect(receiver.received.map(\.id) == ids)
            #expect(receiver.received.first?.headers["host"] == "receiver.invalid:\(port)", "the name is kept for the Host header")
            #expect(try await fixture.deliveries(endpoint).first?.status == .succeeded)
        }
    }

    @Test(arguments: TestBackend.available)
    func tenThousandMessagesAreDeliveredNoneLostNoneTwice(backend: TestBackend) async throws {
        let fixture = try await WebhookFixture.make(backend)
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            let endpoint = try await fixture.endpoint(url: url)
            var ids: [String] = []
            for chunk in 0..<10 {
                ids += try await fixture.messages(1000, member: { "mem_\(($0 + chunk * 1000) % 1000)" })
            }
            #expect(ids.count == 10_000)
            let started = ContinuousClock.now
            var attempts = try await fixture.deliver()
            // On a loaded machine an attempt can time out: it is retried, as it would be in production.
            for _ in 0..<10 {
                if try await fixture.deliveries(endpoint, status: .pending).isEmpty { break }
                fixture.clock.advance(by: 3600)
                attempts += try await fixture.deliver()
            }
            let received = receiver.received.map(\.id)
            #expect(Set(received) == Set(ids), "none lost")
            #expect(try await fixture.deliveries(endpoint, status: .pending).isEmpty)
            #expect(try await fixture.deliveries(endpoint, status: .failed).isEmpty)
            // Twice only where an attempt whose answer was lost was retried (none on an idle machine).
            #expect(received.count - Set(received).count <= attempts - 10_000, "\(received.count) received for \(attempts) attempts")
            // Order per member holds (by first arrival).
            var position: [String: Int] = [:]
            for (index, id) in received.enumerated() where position[id] == nil { position[id] = index }
            for member in 0..<1000 {
                let mine = ids.enumerated().filter { $0.offset % 1000 == member }.map { position[$0.element] ?? -1 }
                #expect(mine == mine.sorted() && !mine.contains(-1), "member \(member)")
            }
            print("10,000 webhooks on \(backend): \(attempts) attempts, \(received.count) requests received, in \(ContinuousClock.now - started)")
        }
    }

    @Test(.enabled(if: TestBackend.postgresURL != nil, "LAUREL_TEST_POSTGRES_URL is not set"))
    func twoNodesOnPostgreSQLNeverDeliverAMessageTwice() async throws {
        let url = try await TestBackend.freshPostgresSchema()
        let nodes = try (0..<2).map { _ in try PostgresStore(url: url) }
        let pools = nodes.map { node in Task { await node.run() } }
        defer { pools.forEach { $0.cancel() } }
        try await nodes[0].migrate()
        try await nodes[1].migrate()
        let clock = ManualClock(WebhookFixture.start)
        let fixture = WebhookFixture(store: nodes[0], clock: clock)
        _ = try await nodes[0].createProgram(id: WebhookFixture.program, name: "Two nodes", now: clock.now())
        let receiver = WebhookReceiver()
        try await receiver.run { url in try await Self.twoNodesDeliver(to: url, fixture: fixture, nodes: nodes, clock: clock, receiver: receiver) }
    }
}

extension WebhookDeliveryTests {
    /// Both nodes deliver while messages keep being written; each message reaches each endpoint once.
    /// (Outside the test's closure: the compiler crashed analysing it inline.)
    static func twoNodesDeliver(to url: String, fixture: WebhookFixture, nodes: [PostgresStore], clock: ManualClock,
                                receiver: WebhookReceiver) async throws {
        _ = try await fixture.endpoint(url: url)
        _ = try await fixture.endpoint(url: url + "?second", types: [MessageType.tierChanged])
        // Messages keep being written (on both nodes) while both nodes deliver, on clocks that move as
        // time does: leases run out as they would in production.
        let batches = 20, perBatch = 100
        let expected = batches * perBatch * 2
        // A bound only on how long a real loss takes to show: the whole suite at once on two cores (with
        // CI's hot standby replaying every write) once needed more than 120 s for the 4,000 deliveries.
        let deadline = ContinuousClock.now + .seconds(480)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.write(batches: batches, of: perBatch, alternatingOn: nodes, clock: clock) }
            for node in nodes {
                group.addTask { try await Self.deliver(on: node, until: expected, reach: receiver, deadline: deadline) }
            }
            try await group.waitForAll()
        }
        try await Task.sleep(for: .milliseconds(300))
        try await WebhookDeliveryWorker.runOnce(store: nodes[0], sender: WebhookFixture.sender, clock: RunClock(start: WebhookFixture.start))
        let received = receiver.received
        #expect(received.count == expected)
        // Each message once to each of the two endpoints.
        let ids = try await fixture.allMessages().map(\.id)
        #expect(ids.count == batches * perBatch)
        for target in ["/hook", "/hook?second"] {
            var counts: [String: Int] = [:]
            for request in received where request.target == target { counts[request.id, default: 0] += 1 }
            #expect(Set(counts.keys) == Set(ids), "every message reached \(target)")
            #expect(counts.values.allSatisfy { $0 == 1 }, "no message reached \(target) twice")
        }
        #expect(Set(received.map(\.target)) == ["/hook", "/hook?second"])
    }

    /// Writes `batches` batches of `perBatch` tier messages for 40 members, alternately on each node.
    /// (Outside the test's closure: the compiler crashed analysing it inline.)
    static func write(batches: Int, of perBatch: Int, alternatingOn nodes: [PostgresStore], clock: ManualClock) async throws {
        for batch in 0..<batches {
            let rows = (0..<perBatch).map { index in
                (type: MessageType.tierChanged, memberId: Optional("mem_\((batch * perBatch + index) % 40)"), payload: #"{"batch":\#(batch)}"#)
            }
            try await WebhookFixture.append(nodes[batch % 2], program: WebhookFixture.program, rows, now: clock.now())
        }
    }

    /// Runs delivery on `node`, on a clock that moves as time does, until `receiver` has `expected` requests or `deadline` passes.
    static func deliver(on node: PostgresStore, until expected: Int, reach receiver: WebhookReceiver, deadline: ContinuousClock.Instant) async throws {
        let time = RunClock(start: WebhookFixture.start)
        while receiver.received.count < expected, ContinuousClock.now < deadline {
            if try await WebhookDeliveryWorker.runOnce(store: node, sender: WebhookFixture.sender, clock: time) == 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}

/// A flag the receiver's answer reads and the test flips.
final class Flag: Sendable {
    private let state: Mutex<Bool>
    init(_ value: Bool) { state = Mutex(value) }
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// Answers 500 to the first request for one message id, 200 to everything else.
final class FailOnce: Sendable {
    private let state = Mutex<(id: String?, failed: Bool)>((nil, false))
    var id: String? {
        get { state.withLock { $0.id } }
        set { state.withLock { $0.id = newValue } }
    }
    func answer(_ id: String) -> Int {
        state.withLock { state in
            guard id == state.id, !state.failed else { return 200 }
            state.failed = true
            return 500
        }
    }
}
