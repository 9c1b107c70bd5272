import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `laurel import members|events` on each backend: both error modes with exact counts (nothing
/// written when refused), opening balances with their expiry, points imported as recorded, the
/// journal (resume, already imported, --again) and the reconciliation report.
struct ImportRunTests {
    private struct Refusal: Equatable { var line: Int; var why: String }

    private func run(_ text: String, _ format: ImportFormat, _ kind: ImportKind, on store: any LaurelStore, onError: ImportRun.OnError = .skip,
                     batch: Int = 2, again: Bool = false, asRecorded: Bool = false,
                     notices: inout [String]) async throws -> (ImportRun.Report, [Refusal]) {
        var refusals: [Refusal] = []
        var heard: [String] = []
        let report = try await ImportRun.run(Data(text.utf8), format: format,
                                             options: ImportRun.Options(programId: "prg_a", kind: kind, batch: batch, onError: onError, again: again,
                                                                        asRecorded: asRecorded),
                                             store: store, notice: { heard.append($0) }, refusal: { refusals.append(Refusal(line: $0, why: $1)) })
        notices += heard
        return (report, refusals)
    }

    private func run(_ text: String, _ format: ImportFormat, _ kind: ImportKind, on store: any LaurelStore, onError: ImportRun.OnError = .skip,
                     batch: Int = 2, again: Bool = false, asRecorded: Bool = false) async throws -> (ImportRun.Report, [Refusal]) {
        var notices: [String] = []
        return try await run(text, format, kind, on: store, onError: onError, batch: batch, again: again, asRecorded: asRecorded, notices: &notices)
    }

    private static let membersCSV = """
        external_id,email,name,attr.city,opening_balance,opening_expires_at
        m1,m1@example.com,"Doe, Jane",Lyon,100,2099-06-30T23:59:59Z
        m2,not-an-email,Bob,,,
        m3,,Carl,,25,
        m1,,Again,,,
        m4,,Dana,,7,yesterday
        m5,,Eve,Paris,,
        """

    @Test(arguments: TestBackend.available)
    func skipModeKeepsTheGoodRowsAndReportsEachBadOne(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let (report, refusals) = try await run(Self.membersCSV, .csv, .members, on: store)
        #expect(refusals.map(\.line) == [3, 5, 6], "\(refusals)")
        #expect(refusals[0].why.contains("email") && refusals[1].why.contains("already exists") && refusals[2].why.contains("opening_expires_at"))
        #expect(report.recorded == 3 && report.refused == 3 && report.points == 125)
        let jane = try #require(try await store.member(programId: "prg_a", externalId: "m1"))
        #expect(jane.name == "Doe, Jane" && jane.email == "m1@example.com" && jane.attributes["city"] == .string("Lyon") && jane.available == 100)
        #expect(try await store.member(programId: "prg_a", externalId: "m3")?.available == 25)
        #expect(try await store.member(programId: "prg_a", externalId: "m5")?.attributes["city"] == .string("Paris"))
        #expect(try await store.member(programId: "prg_a", externalId: "m4") == nil)
        #expect(try await store.audit(programId: "prg_a").isEmpty)
    }

    /// Consents come in with the source system's date and source `import`, from CSV (`consent.<name>`)
    /// and JSON Lines (`consents`); bad ones are bad rows.
    @Test(arguments: TestBackend.available)
    func consentsAreImportedWithTheirDate(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let csv = """
            external_id,consent.marketing,consent.profiling,consented_at
            k1,true,false,2025-05-01T08:00:00Z
            k2,TRUE,,
            k3,maybe,,
            k4,true,,2999-01-01T00:00:00Z
            k5,,,2025-05-01T08:00:00Z
            """
        let (report, refusals) = try await run(csv, .csv, .members, on: store)
        #expect(refusals.map(\.line) == [4, 5, 6], "\(refusals)")
        #expect(refusals.count == 3 && refusals[0].why.contains("consents.marketing") && refusals[1].why.contains("future")
                && refusals[2].why.contains("consented_at needs consents"))
        #expect(report.recorded == 2)
        let k1 = try #require(try await store.member(programId: "prg_a", externalId: "k1"))
        let history = try await store.consentHistory(programId: "prg_a", memberId: k1.id)
        #expect(history == [ConsentChange(name: "marketing", granted: true, source: .import, at: Timestamps.parse("2025-05-01T08:00:00Z")!),
                            ConsentChange(name: "profiling", granted: false, source: .import, at: Timestamps.parse("2025-05-01T08:00:00Z")!)])
        #expect(try await store.grantedConsents(programId: "prg_a", memberId: k1.id) == ["marketing"])
        let k2 = try #require(try await store.member(programId: "prg_a", externalId: "k2"))
        #expect(try await store.consentHistory(programId: "prg_a", memberId: k2.id).map(\.name) == ["marketing"])

        let lines = """
            {"external_id":"j1","consents":{"marketing":false,"sms_offers":true},"consented_at":"2024-12-31T23:00:00+01:00"}
            {"external_id":"j2","consents":{"Marketing":true}}
            """
        let (second, bad) = try await run(lines, .jsonl, .members, on: store)
        #expect(second.recorded == 1 && bad.map(\.line) == [2] && bad.first?.why.contains("consent name") == true, "\(bad)")
        let j1 = try #require(try await store.member(programId: "prg_a", externalId: "j1"))
        #expect(try await store.grantedConsents(programId: "prg_a", memberId: j1.id) == ["sms_offers"])
        #expect(try await store.consentHistory(programId: "prg_a", memberId: j1.id).allSatisfy { $0.at == Timestamps.parse("2024-12-31T22:00:00Z")! })
    }

    @Test(arguments: TestBackend.available)
    func refuseModeWritesNothingAndListsEveryBadRow(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let (report, refusals) = try await run(Self.membersCSV, .csv, .members, on: store, onError: .refuse)
        // Rows that do not read are found first (the duplicate external id is the store's to find).
        #expect(refusals.map(\.line) == [3, 6] && report.refusedWhole && report.recorded == 0, "\(refusals)")
        #expect(try await store.members(programId: "prg_a", limit: 10, startingAfter: nil).items.isEmpty)

        // Rows that all read but one the store refuses: rolled back, every refused row listed.
        let readable = """
            {"external_id":"r1","opening_balance":10}
            {"external_id":"r2"}
            {"external_id":"r1"}
            {"external_id":"r2"}
            """
        let (second, refused) = try await run(readable, .jsonl, .members, on: store, onError: .refuse)
        #expect(refused.map(\.line) == [3, 4] && second.refusedWhole && second.recorded == 0, "\(refused)")
        #expect(try await store.members(programId: "prg_a", limit: 10, startingAfter: nil).items.isEmpty)
        #expect(try await store.audit(programId: "prg_a").isEmpty)

        // A clean file in refuse mode is imported whole.
        let (clean, none) = try await run("{\"external_id\":\"r1\",\"opening_balance\":10}\n{\"external_id\":\"r2\"}\n", .jsonl, .members, on: store,
                                          onError: .refuse)
        #expect(none.isEmpty && clean.recorded == 2 && !clean.refusedWhole)
        #expect(try await store.member(programId: "prg_a", externalId: "r1")?.available == 10)
    }

    @Test(arguments: TestBackend.available)
    func openingLotsExpireOnTheirOwnDayAndTheLedgerBalances(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let soon = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3 * 86_400).rounded(.down))
        let later = soon.addingTimeInterval(40 * 86_400)
        let line = #"{"external_id":"o1","opening_balances":[{"points":30,"expires_at":"\#(Timestamps.format(soon))"},"#
            + #"{"points":70,"expires_at":"\#(Timestamps.format(later))"}]}"#
        let (report, refusals) = try await run(line, .jsonl, .members, on: store)
        #expect(refusals.isEmpty && report.recorded == 1 && report.points == 100)
        let member = try #require(try await store.member(programId: "prg_a", externalId: "o1"))
        func available(at date: Date) async throws -> Int {
            _ = try await store.settleDuePoints(now: date, batchSize: 100)
            return try await store.pointsSummary(programId: "prg_a", memberId: member.id, now: date, expiringWithin: 0).available
        }
        #expect(try await available(at: soon.addingTimeInterval(-1)) == 100)
        #expect(try await available(at: soon) == 70)
        #expect(try await available(at: later.addingTimeInterval(-1)) == 70)
        #expect(try await available(at: later) == 0)
        let entries = try await store.ledger(programId: "prg_a", memberId: member.id, limit: 10, startingAfter: nil).items
        #expect(entries.filter { $0.entry.kind == .adjust }.allSatisfy { $0.reason == ImportedMember.openingReason })
        #expect(try await store.audit(programId: "prg_a").isEmpty)
    }

    /// A store with the imported member `ana`, and the time `ago` whole days before now (to the second) as a file writes it.
    private func storeWithAna(_ backend: TestBackend) async throws -> (store: any LaurelStore, day: @Sendable (Int) -> String) {
        let store = try await HTTPFixture.make(backend).store
        _ = try await run("external_id\nana\n", .csv, .members, on: store)
        let today = Date().timeIntervalSince1970.rounded(.down)
        return (store, { ago in Timestamps.format(Date(timeIntervalSince1970: today - Double(ago) * 86_400)) })
    }

    @Test(arguments: TestBackend.available)
    func eventsImportedAsRecordedKeepTheirPointsAndSayWhy(backend: TestBackend) async throws {
        let (store, day) = try await storeWithAna(backend)
        // Past the program's 14 pending days, within its 30 days of expiry.
        let events = """
            external_id,type,occurred_at,currency,total,points
            ana,purchase,\(day(20)),EUR,40,7
            ana,review,\(day(19)),,,0
            ana,review,\(day(18)),,,
            """
        let (report, refusals) = try await run(events, .csv, .events, on: store, asRecorded: true)
        #expect(refusals.map(\.line) == [4] && report.recorded == 2 && report.points == 7, "\(refusals)")
        let ana = try #require(try await store.member(programId: "prg_a", externalId: "ana"))
        // The purchase's 7 points, past its pending days by now (the settlement job books it); the program would have given 40.
        #expect(try await store.pointsSummary(programId: "prg_a", memberId: ana.id, now: Date(), expiringWithin: 0).available == 7)
        let page = try await store.ledger(programId: "prg_a", memberId: ana.id, limit: 10, startingAfter: nil).items
        let purchaseId = try #require(page.first { $0.entry.kind == .earn }?.entry.sourceId)
        let event = try #require(try await store.event(programId: "prg_a", id: purchaseId))
        #expect(event.points == 7 && Timestamps.format(event.occurredAt) == day(20))
        #expect(event.outcome.rules.map(\.explanation) == ["imported as recorded: 7 points as the source system booked them"])
        // Without --as-recorded, the same points are a bad row.
        let (plain, refusedPlain) = try await run(events, .csv, .events, on: store, again: true)
        #expect(refusedPlain.map(\.line) == [2, 3] && plain.recorded == 1, "\(refusedPlain)")
        #expect(try await store.audit(programId: "prg_a").isEmpty)
    }

    /// History is judged at the import's clock: each line when it happened (points mature and expire
    /// along the way, the ledger is dated then), a line that came late when the line before it was.
    @Test(arguments: TestBackend.available)
    func eventsAreJudgedWhenTheyHappened(backend: TestBackend) async throws {
        let (store, day) = try await storeWithAna(backend)
        // The program: 14 pending days, points expire 30 days after they are earned.
        let events = """
            external_id,type,occurred_at,currency,total
            ana,purchase,\(day(100)),EUR,40
            ana,purchase,\(day(60)),EUR,10
            ana,review,\(day(70)),,
            """
        let (report, refusals) = try await run(events, .csv, .events, on: store, batch: 10)
        #expect(refusals.isEmpty && report.recorded == 3, "\(refusals)")
        let ana = try #require(try await store.member(programId: "prg_a", externalId: "ana"))
        let entries = try await store.ledger(programId: "prg_a", memberId: ana.id, limit: 50, startingAfter: nil).items
        func dated(_ kind: LedgerEntryKind, _ points: Int) -> [String] {
            entries.filter { $0.entry.kind == kind && $0.entry.points == points }.map { Timestamps.format($0.createdAt) }
        }
        // The first purchase's 40 points: earned 100 days ago, matured and expired by the purchase 60 days ago, and booked then.
        #expect(dated(.earn, 40) == [day(100)])
        #expect(dated(.mature, 40) == [day(60)] && dated(.expire, 40) == [day(60)], "\(entries.map { "\($0.entry.kind) \($0.entry.points) \($0.createdAt)" })")
        // The late review (70 days ago, after the line of 60 days ago) is judged when the line before it was.
        let reviewId = try #require(entries.first { $0.entry.points == 50 }?.entry.sourceId)
        let review = try #require(try await store.event(programId: "prg_a", id: reviewId))
        #expect(Timestamps.format(review.occurredAt) == day(70) && Timestamps.format(review.recordedAt) == day(60))
        #expect(try await store.audit(programId: "prg_a").isEmpty)
    }

    @Test(arguments: TestBackend.available)
    func aFinishedFileIsNotImportedTwiceAndAnInterruptedOneResumes(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let members = (1...7).map { #"{"external_id":"j\#($0)","opening_balance":\#($0)}"# }.joined(separator: "\n")
        // An interrupted run: its journal says lines 1–4 were committed (and they were).
        let key = ImportJournalKey(programId: "prg_a", kind: "members", fileHash: ImportFile.sha256(Data(members.utf8)))
        let firstFour = members.split(separator: "\n").prefix(4).joined(separator: "\n")
        let (partial, _) = try await run(firstFour, .jsonl, .members, on: store)
        #expect(partial.recorded == 4)
        try await store.markImport(ImportJournalMark(key: key, line: 4, imported: 4, refused: 0, finished: false, mode: "skip", now: Date()))

        var notices: [String] = []
        let (resumed, refusals) = try await run(members, .jsonl, .members, on: store, notices: &notices)
        #expect(refusals.isEmpty && resumed.resumedAfterLine == 4 && resumed.recorded == 7 && resumed.rowsThisRun == 3, "\(refusals)")
        #expect(notices.contains { $0.contains("resuming import of this file at line 5 (4 rows already imported") }, "\(notices)")
        #expect(try await store.members(programId: "prg_a", limit: 20, startingAfter: nil).items.count == 7)
        let journal = try #require(try await store.importJournal(key))
        #expect(journal.finished && journal.line == 7 && journal.imported == 7)

        notices = []
        let (again, _) = try await run(members, .jsonl, .members, on: store, notices: &notices)
        #expect(again.alreadyImported && notices.contains { $0.contains("already imported") }, "\(notices)")
        #expect(try await store.members(programId: "prg_a", limit: 20, startingAfter: nil).items.count == 7)
        // --again imports it once more: every external id is taken now.
        let (forced, taken) = try await run(members, .jsonl, .members, on: store, again: true)
        #expect(!forced.alreadyImported && forced.recorded == 0 && taken.count == 7)
        #expect(try await store.audit(programId: "prg_a").isEmpty)
    }

    @Test(arguments: TestBackend.available)
    func aRunThatCommittedNothingSaysItWasRolledBack(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let text = "{\"external_id\":\"k1\"}\n"
        let key = ImportJournalKey(programId: "prg_a", kind: "members", fileHash: ImportFile.sha256(Data(text.utf8)))
        try await fixture.store.markImport(ImportJournalMark(key: key, line: 0, imported: 0, refused: 0, finished: false, mode: "skip", now: Date()))
        var notices: [String] = []
        let (report, _) = try await run(text, .jsonl, .members, on: fixture.store, notices: &notices)
        #expect(report.recorded == 1 && notices.contains { $0.contains("rolled back") }, "\(notices)")
    }

    @Test(arguments: TestBackend.available)
    func reconciliationListsEveryDifferenceWithTotals(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let file = """
            external_id,opening_balance,expected_balance,expected_pending,expected_tier
            c1,100,100,0,
            c2,50,45,,
            c3,10,,3,
            c4,,,,
            """
        let (report, refusals) = try await run(file, .csv, .members, on: store)
        #expect(refusals.isEmpty && report.recorded == 4)
        let missing = file + "\nc5,,1,,\n"
        let result = try await Reconciliation.run(Data(missing.utf8), format: .csv, programId: "prg_a", store: store, now: Date())
        #expect(result.checked == 4 && result.matching == 1 && result.differing == 3)
        #expect(result.differences.map(\.field) == ["balance", "pending", "member"])
        #expect(result.differences[0].stated == "45" && result.differences[0].laurel == "50" && result.differences[0].difference == 5)
        #expect(result.differences[1].difference == -3 && result.sumOfDifferences == 2)
        let csv = Reconciliation.csv(result)
        #expect(csv.hasPrefix("line,external_id,field,stated,laurel,difference\r\n3,c2,balance,45,50,5\r\n"), "\(csv)")
        #expect(Reconciliation.text(result).contains("4 members checked: 1 matching, 3 differing; sum of point differences (Laurel minus stated): 2"))
    }
}
