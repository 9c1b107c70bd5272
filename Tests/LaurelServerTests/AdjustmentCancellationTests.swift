import Foundation
import LaurelServer
import LaurelTestSupport
import Testing

/// `POST /v1/members/{id}/adjustments/{adjustment_id}/cancel`: a manual credit taken back as its
/// own ledger operation, once; spent points go into debt as the return policy allows (the fixture's
/// program: `when_spent: debt`, `debt_limit: 100`) or the cancellation is refused whole.
struct AdjustmentCancellationTests {
    @Test(arguments: TestBackend.available)
    func aCreditIsTakenBackOnceWithItsOwnEntriesAndAuditEntry(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("cancel-1")
            let credit = try await api.post("/v1/members/\(member)/adjustments", #"{"points":300,"reason":"wrong member"}"#)
            let adjustment = try #require(credit.json["id"] as? String)
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":50,"reason":"kept"}"#).status == 201)

            let path = "/v1/members/\(member)/adjustments/\(adjustment)/cancel"
            let cancel = try await api.post(path, #"{"reason":"credited the wrong member","actor":"jane"}"#, idempotencyKey: "cancel-1")
            #expect(cancel.status == 201, "\(cancel.text)")
            #expect(cancel.json["object"] as? String == "adjustment_cancellation")
            #expect(cancel.json["id"] as? String == "adjc_" + adjustment.dropFirst(4))
            #expect(cancel.json["adjustment_id"] as? String == adjustment && cancel.json["member_id"] as? String == member)
            #expect(cancel.json["points"] as? Int == 300 && cancel.json["into_debt"] as? Int == 0)
            #expect((cancel.json["actor"] as? String)?.hasPrefix("jane via key_") == true)
            #expect((cancel.json["balance_after"] as? [String: Any])?["available"] as? Int == 50)
            #expect(try await api.points(member)["available"] as? Int == 50, "the other credit is untouched")

            let replay = try await api.post(path, #"{"reason":"credited the wrong member","actor":"jane"}"#, idempotencyKey: "cancel-1")
            #expect(replay.status == 201 && replay.text == cancel.text && replay.headers[.init("Idempotent-Replayed")!] == "true")
            let again = try await api.post(path, #"{"reason":"twice"}"#)
            #expect(again.status == 409 && again.code == "adjustment_already_cancelled", "\(again.text)")
            #expect(try await api.points(member)["available"] as? Int == 50)

            let entries = try #require(try await api.get("/v1/members/\(member)/ledger").json["data"] as? [[String: Any]])
            let cancellation = entries.filter { $0["source_id"] as? String == cancel.json["id"] as? String }
            #expect(cancellation.map { $0["kind"] as? String } == ["adjust"] && cancellation.first?["points"] as? Int == 300)
            #expect(cancellation.first?["to"] as? String == "adjusted" && cancellation.first?["reason"] as? String == "credited the wrong member")

            let audit = try #require(try await api.get("/v1/audit?action=member.adjustment_cancelled", key: fixture.admin).json["data"] as? [[String: Any]])
            #expect(audit.count == 1, "one entry, none for the replay or the refused second cancellation")
            #expect((audit.first?["after"] as? [String: Any])?["adjustment_id"] as? String == adjustment)
            #expect((audit.first?["before"] as? [String: Any])?["available"] as? Int == 350)
        }
    }

    @Test(arguments: TestBackend.available)
    func spentPointsGoIntoDebtUpToTheLimitOrTheCancellationIsRefusedWhole(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("cancel-2")
            let small = try #require(try await api.post("/v1/members/\(member)/adjustments", #"{"points":100,"reason":"gift"}"#).json["id"] as? String)
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":-80,"reason":"spent"}"#).status == 201)
            let intoDebt = try await api.post("/v1/members/\(member)/adjustments/\(small)/cancel", #"{"reason":"gift by mistake"}"#)
            #expect(intoDebt.status == 201 && intoDebt.json["points"] as? Int == 100 && intoDebt.json["into_debt"] as? Int == 80, "\(intoDebt.text)")
            #expect(try await api.points(member)["available"] as? Int == -80)

            let other = try await api.member("cancel-3")
            let big = try #require(try await api.post("/v1/members/\(other)/adjustments", #"{"points":300,"reason":"gift"}"#).json["id"] as? String)
            let debit = try #require(try await api.post("/v1/members/\(other)/adjustments", #"{"points":-300,"reason":"spent"}"#).json["id"] as? String)
            let before = try #require(try await api.get("/v1/members/\(other)/ledger").json["data"] as? [[String: Any]]).count
            let refused = try await api.post("/v1/members/\(other)/adjustments/\(big)/cancel", #"{"reason":"too late"}"#)
            #expect(refused.status == 422 && refused.code == "insufficient_points", "300 spent, debt limit 100: \(refused.text)")
            #expect(try await api.get("/v1/members/\(other)/ledger").json["data"].map { ($0 as? [Any])?.count } == before, "nothing written")
            #expect(try await api.points(other)["available"] as? Int == 0)

            let ofDebit = try await api.post("/v1/members/\(other)/adjustments/\(debit)/cancel", #"{"reason":"x"}"#)
            #expect(ofDebit.status == 422 && ofDebit.code == "adjustment_is_debit")
        }
    }

    @Test(arguments: TestBackend.available)
    func badRequestsAreRefused(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("cancel-ana")
            let ben = try await api.member("cancel-ben")
            let credit = try #require(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":10,"reason":"r"}"#).json["id"] as? String)
            #expect(try await api.post("/v1/members/\(ben)/adjustments/\(credit)/cancel", #"{"reason":"r"}"#).status == 404, "another member's adjustment")
            #expect(try await api.post("/v1/members/\(ana)/adjustments/adj_nothing/cancel", #"{"reason":"r"}"#).status == 404)
            #expect(try await api.post("/v1/members/mem_nobody/adjustments/\(credit)/cancel", #"{"reason":"r"}"#).status == 404)
            #expect(try await api.post("/v1/members/\(ana)/adjustments/\(credit)/cancel", "{}").field == "reason")
            #expect(try await api.post("/v1/members/\(ana)/adjustments/\(credit)/cancel", #"{"reason":"  "}"#).field == "reason")
            let readOnly = try await api.post("/v1/members/\(ana)/adjustments/\(credit)/cancel", #"{"reason":"r","points":5}"#)
            #expect(readOnly.status == 422 && readOnly.code == "read_only_field" && readOnly.field == "points")
            #expect(try await api.post("/v1/members/\(ana)/adjustments/\(credit)/cancel", #"{"reason":"r"}"#, key: fixture.integration).status == 403)
            #expect(try await api.post("/v1/members/\(ana)/adjustments/\(credit)/cancel", #"{"reason":"r"}"#, key: fixture.otherAdmin).status == 404)
            #expect(try await api.points(ana)["available"] as? Int == 10, "no refused request took anything")
        }
    }
}
