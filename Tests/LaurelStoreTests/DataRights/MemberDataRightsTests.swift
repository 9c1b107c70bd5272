import Foundation
import GRDB
import LaurelCore
@testable import LaurelStore
import PostgresNIO
import Testing

/// A member's data rights on both databases: the export holds every table about them and no one
/// else's rows; erasure removes their personal data everywhere (rows, stored answers, messages;
/// on SQLite the file's bytes too) while their points, lots and tier stay and the ledger audits clean.
struct MemberDataRightsTests {
    static let email = "ana.eraseme@example.com"
    static let name = "Ana Erasemename"
    static let externalId = "ext-erase-7731"
    static let phone = "+34 600 111 222"
    static var personal: [String] { [email, name, externalId, phone] }

    /// A member with every kind of personal data, points from purchases (one with a payload naming
    /// them), an adjustment, a transfer received, consents, and stored answers to keyed requests.
    static func richMember(_ fixture: StoreFixture) async throws -> (ana: MemberRecord, bob: MemberRecord) {
        let now = StoreFixture.start
        let record = MemberRecord(id: Identifiers.make("mem", now: now), programId: fixture.programId, externalId: externalId, email: email,
                                  name: name, birthday: "1990-04-27", attributes: ["phone": .string(phone), "style": .string("classic")],
                                  createdAt: now, updatedAt: now)
        let answer: Idempotency<MemberRecord> = Idempotency(key: "enrol-ana", fingerprint: "fp") { member in
            StoredResponse(status: 201, body: Data("{\"email\":\"\(member.email ?? "")\",\"external_id\":\"\(member.externalId)\",\"id\":\"\(member.id)\"}".utf8))
        }
        let ana = try #require(try await fixture.store.createMember(record, idempotency: answer).value)
        let bob = try await fixture.member("bob")
        let purchase = StoreFixture.purchase(total: "40.00", at: StoreFixture.at(hours: 1))
        let payload = """
            {"attributes":{"note":"call \(name) on \(phone)"},"external_id":"\(externalId)","occurred_at":"\(Timestamps.format(purchase.occurredAt))",\
            "purchase":{"currency":"EUR","lines":[{"sku":"SKU-1","unit_price":"40.00"}],"total":"40.00"},"type":"purchase"}
            """
        _ = try await fixture.store.recordEvent(programId: fixture.programId, memberId: ana.id, event: purchase, payload: payload,
                                                now: purchase.occurredAt, idempotency: nil)
        try await fixture.record(StoreFixture.purchase(total: "25.00", at: StoreFixture.at(hours: 2)), memberId: bob.id)
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: ana.id, id: "adj_1", points: 5, reason: "welcome", actor: "staff",
                                           now: StoreFixture.at(hours: 3), idempotency: nil)
        _ = try await fixture.store.transfer(programId: fixture.programId, id: "trf_1", from: bob.id, to: ana.id, points: 7,
                                             now: StoreFixture.at(hours: 4), idempotency: nil)
        _ = try await fixture.store.updateMember(programId: fixture.programId, id: ana.id, patch: MemberPatch(name: .some(.some(Self.name))),
                                                 now: StoreFixture.at(hours: 5), idempotency: nil)
        _ = try await fixture.store.setConsents(programId: fixture.programId, memberId: ana.id, ["marketing": true, "profiling": false],
                                                source: .api, now: StoreFixture.at(hours: 6), idempotency: nil)
        return (ana, bob)
    }

    static func rows(_ data: MemberData, _ table: String) throws -> [[String: JSONValue]] {
        let found = try #require(data.tables.first { $0.name == table }, "table \(table)")
        return found.rows.compactMap(\.objectValue)
    }

    @Test(arguments: StoreBackend.available)
    func theExportHoldsEveryTableAboutTheMemberAndNoOneElse(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let (ana, bob) = try await Self.richMember(fixture)
        let data = try #require(try await fixture.store.memberData(programId: fixture.programId, memberId: ana.id))
        #expect(data.member.email == Self.email && data.member.available == 40 + 5 + 7)
        #expect(data.tables.map(\.name) == MemberDataTables.exported.map(\.name))

        let events = try Self.rows(data, "events")
        #expect(events.count == 1)
        // Payloads come as JSON, not as text.
        #expect(events.first?["payload"]?.objectValue?["external_id"] == .string(Self.externalId))
        #expect(events.first?["outcome"]?.objectValue != nil)
        // Her own entries and the transfer she received.
        let ledger = try Self.rows(data, "ledger_entries")
        #expect(ledger.contains { $0["kind"] == .string("transfer") && $0["member_id"] == .string(bob.id) })
        #expect(ledger.contains { $0["kind"] == .string("adjust") })
        #expect(try Self.rows(data, "lots").count == 3)
        #expect(try Self.rows(data, "member_consents").map { $0["name"] } == [.string("marketing"), .string("profiling")])
        let messages = try Self.rows(data, "outbox")
        #expect(messages.contains { $0["type"] == .string(MessageType.memberEnrolled) })
        // Nothing of Bob's beyond the transfer to her.
        for table in data.tables {
            for row in table.rows {
                let text = try JSONText.encode(row)
                #expect(!text.contains("\"member_id\":\"\(bob.id)\"") || table.name == "ledger_entries", "\(table.name): \(text)")
            }
        }
        // Sessions and codes never show their hashes.
        #expect(MemberDataTables.exported.first { $0.name == "web_sessions" }?.columns.contains("hash") == false)
        #expect(try await fixture.store.memberData(programId: fixture.programId, memberId: "mem_nobody") == nil)
    }

    /// Every table of the schema with a column that can name a member is exported or listed, with
    /// its reason, in `MemberDataTables.notExported`: a new table cannot be forgotten silently.
    @Test(arguments: StoreBackend.available)
    func everyTableNamingAMemberIsExportedOrExplained(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let memberColumns: Set<String> = ["member_id", "friend_id", "referrer_id", "subject_id", "subject", "target_id"]
        var tables: [String: Set<String>] = [:]
        for (table, column) in try await Self.columns(fixture, backend: backend) { tables[table, default: []].insert(column) }
        let naming = Set(tables.filter { !$0.value.isDisjoint(with: memberColumns) }.keys)
        let covered = Set(MemberDataTables.exported.map(\.name)).union(MemberDataTables.notExported.keys)
        #expect(naming.subtracting(covered).isEmpty, "tables naming members left out of the export: \(naming.subtracting(covered).sorted())")
        // And every exported table exists.
        #expect(Set(MemberDataTables.exported.map(\.name)).subtracting(tables.keys).isEmpty)
    }

    static func columns(_ fixture: StoreFixture, backend: StoreBackend) async throws -> [(String, String)] {
        switch backend {
        case .sqlite:
            let store = try #require(fixture.store as? SQLiteStore)
            return try await store.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'
                    """).map { ($0["t"] as String, $0["c"] as String) }
            }
        case .postgres:
            let store = try #require(fixture.store as? PostgresStore)
            var found: [(String, String)] = []
            let rows = try await store.client.query(PostgresQuery(unsafeSQL: """
                SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()
                """))
            for try await (table, column) in rows.decode((String, String).self) { found.append((table, column)) }
            return found
        }
    }

    /// Every stored value (SQLite) or row text (PostgreSQL) of every table that contains `needle`, as `table: text`.
    static func rowsContaining(_ needle: String, _ fixture: StoreFixture, backend: StoreBackend) async throws -> [String] {
        switch backend {
        case .sqlite:
            let store = try #require(fixture.store as? SQLiteStore)
            return try await store.read { db in
                var found: [String] = []
                for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                        for (column, value) in row {
                            let text: String? = switch value.storage {
                            case .string(let text): text
                            case .blob(let data): String(decoding: data, as: UTF8.self)
                            default: nil
                            }
                            if let text, text.localizedCaseInsensitiveContains(needle) { found.append("\(table).\(column): \(text)") }
                        }
                    }
                }
                return found
            }
        case .postgres:
            let store = try #require(fixture.store as? PostgresStore)
            var tables: [String] = []
            for try await table in try await store.client.query(PostgresQuery(unsafeSQL: """
                SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()
                """)).decode(String.self) { tables.append(table) }
            var found: [String] = []
            for table in tables {
                // Bytea columns (stored answers) print as hex: look for the needle's bytes too.
                let hex = needle.utf8.map { String(format: "%02x", $0) }.joined()
                for try await text in try await store.client.query(PostgresQuery(unsafeSQL: """
                    SELECT t::text FROM "\(table)" t WHERE strpos(lower(t::text), lower('\(needle.replacingOccurrences(of: "'", with: "''"))')) > 0
                       OR strpos(lower(t::text), '\(hex)') > 0
                    """)).decode(String.self) { found.append("\(table): \(text)") }
            }
            return found
        }
    }

    @Test(arguments: StoreBackend.available)
    func erasureRemovesPersonalDataAndKeepsThePoints(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let (ana, _) = try await Self.richMember(fixture)
        for value in Self.personal {
            #expect(try await !Self.rowsContaining(value, fixture, backend: backend).isEmpty, "the fixture holds \(value)")
        }
        let before = try await fixture.reload(ana.id)
        let key: Idempotency<MemberErasure> = idempotency("erase-ana", status: 200)
        let erased = try await AuditActor.$current.withValue("api_key:key_dpo") {
            try await fixture.store.eraseMember(programId: fixture.programId, memberId: ana.id, reason: "GDPR request #12", now: StoreFixture.at(days: 1),
                                                idempotency: key)
        }
        #expect(erased.value == MemberErasure(memberId: ana.id, erasedAt: StoreFixture.at(days: 1), alreadyErased: false))

        for value in Self.personal {
            let left = try await Self.rowsContaining(value, fixture, backend: backend)
            #expect(left.isEmpty, "\(value) is still stored: \(left)")
        }
        // Identity gone, points kept, the ledger consistent.
        let after = try await fixture.reload(ana.id)
        #expect(after.status == .erased && after.email == nil && after.name == nil && after.birthday == nil && after.attributes.isEmpty)
        #expect(after.externalId == "erased:\(ana.id)")
        #expect(after.available == before.available && after.pending == before.pending && after.lifetimeEarned == before.lifetimeEarned)
        #expect(after.tier == before.tier)
        #expect(try await fixture.balancesFromEntries(ana.id) == (after.available, after.pending))
        #expect(try await fixture.audit() == [])
        // No longer found by email, name or external id.
        #expect(try await fixture.store.member(programId: fixture.programId, externalId: Self.externalId) == nil)
        for query in ["ana.erase", "ana", Self.externalId] {
            #expect(try await fixture.store.searchMembers(programId: fixture.programId, query: query, limit: 10).isEmpty, "\(query)")
        }
        // The event keeps what its points need; the rest of its body went.
        let data = try #require(try await fixture.store.memberData(programId: fixture.programId, memberId: ana.id))
        let payload = try #require(try Self.rows(data, "events").first?["payload"]?.objectValue)
        #expect(Set(payload.keys) == ["member_id", "occurred_at", "purchase", "type"])
        #expect(payload["purchase"]?.objectValue?["total"] == .string("40.00"))
        #expect(payload["member_id"] == .string(ana.id))
        // Consents stay (proof of what was agreed); the member's segments went.
        #expect(try Self.rows(data, "member_consents").count == 2)

        // Who and why, in the audit trail.
        let trail = try await fixture.store.auditEntries(programId: fixture.programId, filter: AuditFilter(action: AuditAction.memberErased.rawValue),
                                                         limit: 10, startingAfter: nil).items
        #expect(trail.count == 1 && trail.first?.actor == "api_key:key_dpo" && trail.first?.targetId == ana.id)
        #expect(trail.first?.after?.contains("GDPR request #12") == true)

        // A second erasure changes nothing and says so; the key replays the first answer.
        let again = try await fixture.store.eraseMember(programId: fixture.programId, memberId: ana.id, reason: "again", now: StoreFixture.at(days: 2),
                                                        idempotency: nil)
        #expect(again.value == MemberErasure(memberId: ana.id, erasedAt: StoreFixture.at(days: 1), alreadyErased: true))
        let replay = try await fixture.store.eraseMember(programId: fixture.programId, memberId: ana.id, reason: "GDPR request #12",
                                                         now: StoreFixture.at(days: 2), idempotency: key)
        guard case .replayed = replay else { Issue.record("the key did not replay"); return }
        #expect(try await fixture.store.auditEntries(programId: fixture.programId, filter: AuditFilter(action: AuditAction.memberErased.rawValue),
                                                     limit: 10, startingAfter: nil).items.count == 1)

        // Nothing more is recorded for them.
        await #expect(throws: StoreError.memberErased(ana.id)) {
            try await fixture.record(StoreFixture.purchase(total: "10.00", at: StoreFixture.at(days: 3)), memberId: ana.id)
        }
        await #expect(throws: StoreError.memberErased(ana.id)) {
            _ = try await fixture.store.updateMember(programId: fixture.programId, id: ana.id, patch: MemberPatch(status: .active),
                                                     now: StoreFixture.at(days: 3), idempotency: nil)
        }
        await #expect(throws: StoreError.memberErased(ana.id)) {
            _ = try await fixture.store.setConsents(programId: fixture.programId, memberId: ana.id, ["marketing": true], source: .api,
                                                    now: StoreFixture.at(days: 3), idempotency: nil)
        }
        // Imports refuse them too (by id; their old external id names no one any more).
        let imported = [ImportedEvent(member: .id(ana.id), event: StoreFixture.purchase(total: "10.00", at: StoreFixture.at(days: 3)),
                                      payload: { _ in "{}" }),
                        ImportedEvent(member: .externalId(Self.externalId), event: StoreFixture.purchase(total: "10.00", at: StoreFixture.at(days: 3)),
                                      payload: { _ in "{}" })]
        let results = try await fixture.store.importEvents(programId: fixture.programId, events: imported, now: StoreFixture.at(days: 3))
        #expect(results.count == 2 && !results.contains { if case .recorded = $0 { true } else { false } }, "\(results)")
        #expect(results.first == .refused(StoreError.memberErased(ana.id).description))
        #expect(try await fixture.reload(ana.id).available == after.available)
    }

    /// The database file and its WAL, read as bytes after the erasure and a checkpoint, hold none
    /// of the member's personal values: the rows were rewritten and the freed space zeroed.
    @Test func theSQLiteFileKeepsNoByteOfTheErasedMember() async throws {
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_erase_file")
        defer { StoreFixture.removeFile(path) }
        let (ana, _) = try await Self.richMember(fixture)
        // More members around her, so her rows share pages with others that stay.
        for index in 0..<200 { _ = try await fixture.member("other-\(index)") }
        let store = try #require(fixture.store as? SQLiteStore)
        #expect(await store.checkpoints?.truncate() == true)
        let bytesBefore = try Self.fileBytes(path)
        for value in Self.personal { #expect(bytesBefore.range(of: Data(value.utf8)) != nil, "the file held \(value) before") }

        _ = try await fixture.store.eraseMember(programId: fixture.programId, memberId: ana.id, reason: "GDPR request", now: StoreFixture.at(days: 1),
                                                idempotency: nil)
        // The erasure ended with this checkpoint; once more, to be sure the WAL is empty when it is read.
        #expect(await store.checkpoints?.truncate() == true, "the WAL could not be emptied")
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        let wal = FileManager.default.contents(atPath: path + "-wal") ?? Data()
        for value in Self.personal {
            #expect(file.range(of: Data(value.utf8)) == nil, "\(value) is still in the file at \(String(describing: file.range(of: Data(value.utf8))))")
            #expect(wal.range(of: Data(value.utf8)) == nil, "\(value) is still in the WAL (\(wal.count) bytes)")
        }
        #expect(try await fixture.audit() == [])
    }

    /// The database file followed by its WAL (when there is one).
    static func fileBytes(_ path: String) throws -> Data {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        if let wal = FileManager.default.contents(atPath: path + "-wal") { bytes.append(wal) }
        return bytes
    }

    @Test(arguments: StoreBackend.available)
    func consentsKeepTheirHistory(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        func set(_ consents: [String: Bool], _ source: ConsentSource, hours: Double) async throws -> [ConsentChange] {
            try #require(try await fixture.store.setConsents(programId: fixture.programId, memberId: member.id, consents, source: source,
                                                             now: StoreFixture.at(hours: hours), idempotency: nil).value)
        }
        _ = try await set(["marketing": true, "profiling": false], .portal, hours: 1)
        // Unchanged names write nothing; a change is a new line.
        _ = try await set(["marketing": true], .api, hours: 2)
        let history = try await set(["marketing": false, "newsletter_partner": true], .import, hours: 3)
        #expect(history.map { "\($0.name)=\($0.granted)/\($0.source.rawValue)" }
                == ["marketing=true/portal", "profiling=false/portal", "marketing=false/import", "newsletter_partner=true/import"])
        #expect(try await fixture.store.consentHistory(programId: fixture.programId, memberId: member.id) == history)
        let marketing = try #require(Consents.current(history).first { $0.name == "marketing" })
        #expect(!marketing.granted && marketing.grantedAt == StoreFixture.at(hours: 1) && marketing.withdrawnAt == StoreFixture.at(hours: 3))
        #expect(marketing.source == .import)

        // A bounded number of names per member.
        let many = Dictionary(uniqueKeysWithValues: (0..<Consents.maxNames).map { ("brand_\($0)", true) })
        await #expect(throws: StoreError.tooManyConsents(Consents.maxNames)) { _ = try await set(many, .api, hours: 4) }
        await #expect(throws: StoreError.notFound("member mem_nobody")) {
            _ = try await fixture.store.consentHistory(programId: fixture.programId, memberId: "mem_nobody")
        }
    }
}
