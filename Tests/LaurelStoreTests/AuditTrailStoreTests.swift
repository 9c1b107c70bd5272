import Foundation
import GRDB
import LaurelCore
import LaurelStore
import PostgresNIO
import Testing

/// The audit trail: every audited action writes exactly one entry in its own transaction, with the
/// object before and after and no secret; replays and failed actions write none; the database
/// refuses to change or delete an entry.
struct AuditTrailStoreTests {
    static let actor = "api_key:key_auditor"

    static func reward(_ json: String, fixture: StoreFixture) async throws -> Reward {
        let program = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        return try Reward.read(try ProgramSourceParser.parse(json), program: program)
    }

    static func entries(_ fixture: StoreFixture, _ filter: AuditFilter = AuditFilter()) async throws -> [AuditEntry] {
        try await fixture.store.auditEntries(programId: fixture.programId, filter: filter, limit: 500, startingAfter: nil).items
    }

    static func object(_ text: String?) throws -> [String: Any]? {
        guard let text else { return nil }
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func endpoint(_ fixture: StoreFixture, id: String = "whe_1", at now: Date = StoreFixture.start) -> WebhookEndpointRecord {
        WebhookEndpointRecord(id: id, programId: fixture.programId, url: "https://hooks.example.com/in", description: "crm", types: [],
                              secret: "whsec_c2VjcmV0LW9uZQ==", createdAt: now, updatedAt: now)
    }

    @Test(arguments: StoreBackend.available)
    func everyAuditedActionWritesOneEntryWithBeforeAndAfter(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: TierAndClubStoreTests.tiers)
        let store = fixture.store, program = fixture.programId
        let member = try await fixture.member("ana")
        #expect(try await Self.entries(fixture).map(\.action) == ["program.applied"], "the fixture's own apply, before anything else")
        #expect(try await Self.entries(fixture).first?.actor == "system", "no caller set: the system")
        let now = StoreFixture.at(hours: 1)

        try await AuditActor.$current.withValue(Self.actor) {
            try await fixture.apply(TierAndClubStoreTests.tiers.replacingOccurrences(of: "name: Tiers", with: "name: Tiers two"), now: now)
            let card = try await Self.reward(#"{"id": "card", "name": "Gift card", "type": "gift_card", "value": "10", "cost": 100, "codes": "pool"}"#,
                                             fixture: fixture)
            _ = try await store.createReward(programId: program, reward: card, now: now, idempotency: nil)
            let dearer = try await Self.reward(#"{"id": "card", "name": "Gift card", "type": "gift_card", "value": "10", "cost": 150, "codes": "pool"}"#,
                                               fixture: fixture)
            _ = try await store.putReward(programId: program, reward: dearer, now: now, idempotency: nil)
            _ = try await store.addRewardCodes(programId: program, rewardId: "card", codes: ["SECRET-1", "SECRET-2"], now: now, idempotency: nil)
            _ = try await store.setTierFloor(programId: program, memberId: member.id, tierId: "gold", until: nil, note: "vip", actor: "staff", now: now,
                                             expiringWithin: 0, idempotency: nil)
            _ = try await store.setTierFloor(programId: program, memberId: member.id, tierId: nil, until: nil, note: "", actor: "staff", now: now,
                                             expiringWithin: 0, idempotency: nil)
            _ = try await store.adjust(programId: program, memberId: member.id, id: "adj_1", points: 40, reason: "goodwill", actor: "Ana's manager",
                                       now: now, idempotency: nil)
            _ = try await store.updateMember(programId: program, id: member.id, patch: MemberPatch(status: .blocked), now: now, idempotency: nil)
            _ = try await store.updateMember(programId: program, id: member.id, patch: MemberPatch(name: "Ana B."), now: now, idempotency: nil)
            _ = try await store.updateMember(programId: program, id: member.id, patch: MemberPatch(status: .active), now: now, idempotency: nil)
            try await store.insertAPIKey(APIKeyRecord(id: "key_new", programId: program, scope: .read, name: "bi", prefix: "lk_read_abc",
                                                      hash: "hash-never-shown", createdAt: now, rateLimit: 5))
            #expect(try await store.revokeAPIKey(id: "key_new", now: now))
            _ = try await store.createWebhookEndpoint(Self.endpoint(fixture, at: now), idempotency: nil)
            _ = try await store.updateWebhookEndpoint(programId: program, id: "whe_1", patch: WebhookEndpointPatch(enabled: false), now: now,
                                                      idempotency: nil)
            _ = try await store.rotateWebhookSecret(programId: program, id: "whe_1", secret: "whsec_c2VjcmV0LXR3bw==", previousUntil: nil, now: now,
                                                    idempotency: nil)
            _ = try await store.queueWebhookTest(programId: program, endpointId: "whe_1", deliveryId: "whd_1", messageId: "msg_1", payload: "{}",
                                                 now: now, idempotency: nil)
            _ = try await store.replayWebhookDelivery(programId: program, endpointId: "whe_1", deliveryId: "whd_1", now: now, idempotency: nil)
            _ = try await store.deleteWebhookEndpoint(programId: program, id: "whe_1", now: now, idempotency: nil)
        }

        let entries = try await Self.entries(fixture)
        #expect(entries.map(\.action).reversed() == [
            "program.applied", "program.applied", "reward.created", "reward.updated", "reward.codes_added", "member.tier_floor_set",
            "member.tier_floor_removed", "member.points_adjusted", "member.blocked", "member.unblocked", "api_key.created", "api_key.revoked",
            "webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.secret_rotated", "webhook_endpoint.tested",
            "webhook_delivery.replayed", "webhook_endpoint.deleted",
        ])
        #expect(entries.dropLast().allSatisfy { $0.actor == Self.actor && $0.programId == program && $0.createdAt == now })
        #expect(entries.map(\.sequence) == entries.map(\.sequence).sorted(by: >), "newest first")
        let text = entries.map { "\($0.before ?? "") \($0.after ?? "")" }.joined()
        for secret in ["whsec_", "hash-never-shown", "SECRET-1"] { #expect(!text.contains(secret), "an entry holds \(secret)") }

        // Newest first, so the later of the two applies.
        let byAction = Dictionary(entries.map { ($0.action, $0) }, uniquingKeysWith: { newer, _ in newer })
        struct Missing: Error { let action: String }
        func entry(_ action: String) throws -> AuditEntry {
            guard let found = byAction[action] else { throw Missing(action: action) }
            return found
        }
        let applied = try entry("program.applied")
        #expect(applied.targetType == "program" && applied.targetId == program)
        #expect(try Self.object(applied.before)?["version"] as? Int == 1)
        #expect(try Self.object(applied.after)?["version"] as? Int == 2)
        #expect((try Self.object(applied.after)?["definition"] as? [String: Any])?["name"] as? String == "Tiers two")

        let created = try entry("reward.created")
        #expect(created.before == nil && created.targetType == "reward" && created.targetId == "card")
        let updated = try entry("reward.updated")
        #expect((try Self.object(updated.before)?["definition"] as? [String: Any])?["cost"] as? Int == 100)
        #expect((try Self.object(updated.after)?["definition"] as? [String: Any])?["cost"] as? Int == 150)
        let codes = try entry("reward.codes_added")
        #expect(try Self.object(codes.before)?["stock_left"] as? Int == 0)
        #expect(try Self.object(codes.after)?["stock_left"] as? Int == 2)
        #expect(try Self.object(codes.after)?["codes_added"] as? Int == 2)

        let floorSet = try entry("member.tier_floor_set")
        #expect(floorSet.targetType == "member" && floorSet.targetId == member.id)
        #expect(try Self.object(floorSet.before)?["tier_floor"] is NSNull)
        #expect(try Self.object(floorSet.after)?["tier_floor"] as? String == "gold")
        #expect(try Self.object(try entry("member.tier_floor_removed").before)?["tier_floor"] as? String == "gold")

        let adjusted = try entry("member.points_adjusted")
        #expect(try Self.object(adjusted.before)?["available"] as? Int == 0)
        #expect(try Self.object(adjusted.after)?["available"] as? Int == 40)
        #expect(try Self.object(adjusted.after)?["reason"] as? String == "goodwill")
        #expect(try Self.object(try entry("member.blocked").after)?["status"] as? String == "blocked")
        #expect(try Self.object(try entry("member.unblocked").before)?["status"] as? String == "blocked")

        let key = try entry("api_key.created")
        let keyAfter = try Self.object(key.after)
        #expect(key.before == nil && key.targetId == "key_new" && keyAfter?["rate_limit"] as? Int == 5)
        let revoked = try entry("api_key.revoked")
        #expect(try Self.object(revoked.before)?["revoked_at"] is NSNull)
        #expect(try Self.object(revoked.after)?["revoked_at"] as? String == Timestamps.format(now))

        #expect(try Self.object(try entry("webhook_endpoint.updated").after)?["enabled"] as? Bool == false)
        let deleted = try entry("webhook_endpoint.deleted")
        let deletedBefore = try Self.object(deleted.before)
        #expect(deleted.after == nil && deletedBefore?["url"] as? String == "https://hooks.example.com/in")
        #expect(try entry("webhook_delivery.replayed").targetId == "whd_1")
        #expect(try entry("webhook_endpoint.tested").targetId == "whe_1")
    }

    @Test(arguments: StoreBackend.available)
    func aReplayWritesNoSecondEntryAndKeepsTheKey(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: TierAndClubStoreTests.tiers)
        let member = try await fixture.member("ana")
        try await AuditActor.$current.withValue(Self.actor) {
            for _ in 0..<3 {
                _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: Identifiers.make("adj"), points: 5,
                                                   reason: "r", actor: "a", now: StoreFixture.start, idempotency: idempotency("adjust-1"))
                _ = try await fixture.store.createWebhookEndpoint(Self.endpoint(fixture), idempotency: idempotency("endpoint-1"))
            }
        }
        let entries = try await Self.entries(fixture, AuditFilter(actor: Self.actor))
        #expect(entries.map(\.action) == ["webhook_endpoint.created", "member.points_adjusted"])
        #expect(entries.map(\.idempotencyKey) == ["endpoint-1", "adjust-1"])
    }

    @Test(arguments: StoreBackend.available)
    func aFailedActionWritesNoEntry(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: TierAndClubStoreTests.tiers)
        let store = fixture.store, program = fixture.programId
        let member = try await fixture.member("ana")
        let before = try await Self.entries(fixture).count
        try await AuditActor.$current.withValue(Self.actor) {
            await #expect(throws: (any Error).self) {
                try await store.adjust(programId: program, memberId: member.id, id: "adj_x", points: -10, reason: "r", actor: "a",
                                       now: StoreFixture.start, idempotency: nil)
            }
            await #expect(throws: (any Error).self) {
                try await store.setTierFloor(programId: program, memberId: member.id, tierId: "platinum", until: nil, note: "", actor: "a",
                                             now: StoreFixture.start, expiringWithin: 0, idempotency: nil)
            }
            let mug = try await Self.reward(#"{"id": "mug", "name": "Mug", "type": "experience", "cost": 10}"#, fixture: fixture)
            _ = try await store.createReward(programId: program, reward: mug, now: StoreFixture.start, idempotency: nil)
            await #expect(throws: StoreError.rewardExists("mug")) {
                try await store.createReward(programId: program, reward: mug, now: StoreFixture.start, idempotency: nil)
            }
            // A write that fails at its very end (rendering the stored answer) leaves nothing behind either.
            let failing = Idempotency<AdjustmentRecord>(key: "k", fingerprint: "f") { _ in throw RenderFailure() }
            await #expect(throws: RenderFailure.self) {
                try await store.adjust(programId: program, memberId: member.id, id: "adj_y", points: 10, reason: "r", actor: "a",
                                       now: StoreFixture.start, idempotency: failing)
            }
            #expect(try await store.revokeAPIKey(id: "key_missing", now: StoreFixture.start) == false)
        }
        #expect(try await Self.entries(fixture).map(\.action).count == before + 1, "only the reward that was created")
        #expect(try await fixture.reload(member.id).available == 0)
    }

    @Test(arguments: StoreBackend.available)
    func entriesFilterAndPageNewestFirst(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: TierAndClubStoreTests.tiers)
        let store = fixture.store, program = fixture.programId
        let member = try await fixture.member("ana")
        for (index, actor) in ["api_key:key_a", "api_key:key_b", "api_key:key_a", "staff:sam", "api_key:key_a"].enumerated() {
            try await AuditActor.$current.withValue(actor) {
                _ = try await store.adjust(programId: program, memberId: member.id, id: "adj_\(index)", points: 1, reason: "r", actor: "a",
                                           now: StoreFixture.at(days: Double(index)), idempotency: nil)
            }
        }
        try await AuditActor.$current.withValue("staff:sam") {
            _ = try await store.updateMember(programId: program, id: member.id, patch: MemberPatch(status: .blocked), now: StoreFixture.at(days: 5),
                                             idempotency: nil)
        }
        func list(_ filter: AuditFilter) async throws -> [String] {
            try await Self.entries(fixture, filter).map { "\($0.action) \($0.createdAt == StoreFixture.start ? 0 : Int($0.createdAt.timeIntervalSince(StoreFixture.start) / 86_400))" }
        }
        #expect(try await list(AuditFilter(actor: "api_key:key_a")) == ["member.points_adjusted 4", "member.points_adjusted 2", "member.points_adjusted 0"])
        #expect(try await list(AuditFilter(action: "member.blocked")) == ["member.blocked 5"])
        #expect(try await list(AuditFilter(actor: "staff:sam", action: "member.points_adjusted")) == ["member.points_adjusted 3"])
        #expect(try await list(AuditFilter(targetType: "member", targetId: member.id)).count == 6)
        #expect(try await list(AuditFilter(targetType: "member", targetId: "mem_other")).isEmpty)
        #expect(try await list(AuditFilter(targetType: "program")).count == 1)
        #expect(try await list(AuditFilter(from: StoreFixture.at(days: 1), until: StoreFixture.at(days: 3))) == [
            "member.points_adjusted 2", "member.points_adjusted 1",
        ], "from is inclusive, until exclusive")

        var seen: [String] = []
        var cursor: Int64?
        for _ in 0..<10 {
            let page = try await store.auditEntries(programId: program, filter: AuditFilter(targetType: "member"), limit: 4, startingAfter: cursor)
            seen += page.items.map(\.id)
            guard page.hasMore, let last = page.items.last else { break }
            #expect(page.items.count == 4)
            cursor = last.sequence
        }
        #expect(seen.count == 6 && Set(seen).count == 6)
        let all = try await Self.entries(fixture, AuditFilter(targetType: "member"))
        #expect(seen == all.map(\.id))

        // Another program's trail is its own.
        _ = try await store.createProgram(id: "prg_other", name: "Other", now: StoreFixture.start)
        #expect(try await store.auditEntries(programId: "prg_other", filter: AuditFilter(), limit: 50, startingAfter: nil).items.isEmpty)
    }

    @Test func theSQLiteTableRefusesUpdateAndDelete() async throws {
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_append")
        defer { StoreFixture.removeFile(path) }
        let before = try await Self.entries(fixture)
        #expect(before.count == 1)
        let database = try DatabaseQueue(path: path)
        for statement in ["UPDATE audit_entries SET actor = 'someone else'", "DELETE FROM audit_entries"] {
            await #expect(throws: DatabaseError.self, "\(statement)") {
                try await database.write { db in try db.execute(sql: statement) }
            }
        }
        #expect(try await Self.entries(fixture) == before)
    }

    @Test func thePostgreSQLTableRefusesUpdateDeleteAndTruncate() async throws {
        guard StoreBackend.postgresURL != nil else { return }
        let fixture = try await StoreFixture.make(.postgres)
        let store = try #require(fixture.store as? PostgresStore)
        let before = try await Self.entries(fixture)
        #expect(before.count == 1)
        for statement in ["UPDATE audit_entries SET actor = 'someone else'", "DELETE FROM audit_entries", "TRUNCATE audit_entries"] {
            await #expect(throws: (any Error).self, "\(statement)") {
                try await store.client.query(PostgresQuery(unsafeSQL: statement))
            }
        }
        #expect(try await Self.entries(fixture) == before)
    }
}
