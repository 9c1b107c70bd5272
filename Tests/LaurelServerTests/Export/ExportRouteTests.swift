import Foundation
@testable import LaurelServer
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/exports/{kind}` over HTTP (admin keys only), CSV quoting, and the refusals.
struct ExportRouteTests {
    @Test(arguments: TestBackend.available)
    func exportsAreStreamedAsCSVAndJSONLines(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        // More members than a page, so the body is written in several chunks.
        let count = DataExport.pageSize + 3
        for index in 0..<count {
            _ = try await fixture.store.createMember(MemberRecord(id: String(format: "mem_%05d", index), programId: "prg_a", externalId: "x\(index)",
                                                                  createdAt: HTTPFixture.start, updatedAt: HTTPFixture.start), idempotency: nil)
        }
        try await fixture.withServer { api in
            // Program B's member and event never appear in program A's exports.
            let bea = try await api.member("bea-of-b", key: fixture.otherAdmin)
            #expect(try await api.purchase(bea, key: fixture.otherAdmin).status == 201)
            let ana = try await api.post("/v1/members", #"{"external_id":"ana","name":"Ana \"A\", Jr.\nline two","attributes":{"city":"Lyon"}}"#)
            let anaId = try #require(ana.json["id"] as? String)
            #expect(try await api.purchase(anaId, total: "12.00").status == 201)

            let csv = try await api.get("/v1/exports/members?format=csv", key: fixture.admin)
            #expect(csv.status == 200 && csv.headers[.contentType] == "text/csv")
            let records = csv.text.components(separatedBy: "\r\n")
            #expect(records.first == "id,external_id,email,name,birthday,status,attributes")
            #expect(csv.text.contains(#"\#(anaId),ana,,"Ana ""A"", Jr."# + "\nline two\",,active,\"{\"\"city\"\":\"\"Lyon\"\"}\"\r\n"))
            #expect(csv.text.hasSuffix("\r\n") && records.count == count + 1 + 1 + 1, "header, rows, one with a line break inside, the empty end")

            let jsonl = try await api.get("/v1/exports/members", key: fixture.admin)
            #expect(jsonl.status == 200 && jsonl.headers[.contentType] == "application/x-ndjson")
            let lines = jsonl.text.split(separator: "\n")
            #expect(lines.count == count + 1)
            #expect(lines.contains(#"{"attributes":{"city":"Lyon"},"external_id":"ana","id":"\#(anaId)","name":"Ana \"A\", Jr.\nline two","status":"active"}"#))

            let events = try await api.get("/v1/exports/events?format=jsonl", key: fixture.admin)
            let firstLine = try #require(events.text.split(separator: "\n").first)
            let event = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
            #expect(event["member_id"] as? String == anaId && event["type"] as? String == "purchase" && (event["id"] as? String)?.hasPrefix("evt_") == true)

            let ledger = try await api.get("/v1/exports/ledger?format=csv", key: fixture.admin)
            let ledgerRows = ledger.text.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
            #expect(ledgerRows.count == 1 && ledgerRows[0].contains(",earn,issued,member:\(anaId):") && ledgerRows[0].contains(",12,evt_"), "\(ledger.text)")

            let redemptions = try await api.get("/v1/exports/redemptions?format=csv", key: fixture.admin)
            #expect(redemptions.status == 200 && redemptions.text.hasPrefix("id,member_id,reward_id,points,"))

            for kind in ExportKind.allCases {
                for format in ExportFormat.allCases {
                    #expect(!(try await api.get("/v1/exports/\(kind.rawValue)?format=\(format.rawValue)", key: fixture.admin).text.contains(bea)))
                }
            }
            #expect(try await api.get("/v1/exports/ledger", key: fixture.otherAdmin).text.contains(bea))

            // Refusals: a key below admin, an unknown kind or format.
            #expect(try await api.get("/v1/exports/members", key: fixture.integration).status == 403)
            let kind = try await api.get("/v1/exports/lots", key: fixture.admin)
            #expect(kind.status == 400 && kind.field == "kind")
            let format = try await api.get("/v1/exports/members?format=xlsx", key: fixture.admin)
            #expect(format.status == 400 && format.field == "format")
        }
    }

    @Test func csvFieldsAreQuotedAsRFC4180Says() {
        #expect(CSVField.quoted("plain") == "plain")
        #expect(CSVField.quoted("a,b") == "\"a,b\"")
        #expect(CSVField.quoted("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVField.quoted("two\r\nlines") == "\"two\r\nlines\"")
        #expect(CSVField.quoted(" padded") == "\" padded\"")
        #expect(CSVField.quoted("") == "")
        #expect(ExportText.csvRecord(["a", "b,c", ""]) == "a,\"b,c\",\r\n")
        // Reports for a spreadsheet keep outside text from running as a formula; exports do not change it.
        #expect(CSVField.forSpreadsheet("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSVField.forSpreadsheet("@SUM(A1)") == "'@SUM(A1)" && CSVField.forSpreadsheet("gold") == "gold")
        #expect(CSVField.quoted("=1+1") == "=1+1")
    }
}
