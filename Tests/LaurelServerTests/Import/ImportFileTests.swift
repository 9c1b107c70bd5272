import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import Testing

/// Reading `laurel import` files: CSV quoting, BOM, CRLF, blank lines, the columns of each kind;
/// bad rows are reported with their line and why, a bad header refuses the whole file.
struct ImportFileTests {
    private func lines(_ text: String, _ format: ImportFormat = .csv, _ kind: ImportKind = .members) throws -> [ImportLine] {
        try ImportFile.lines(Data(text.utf8), format: format, kind: kind)
    }

    private func object(_ line: ImportLine) throws -> [String: Any] {
        let json = try line.json.get()
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func csvQuotingBOMCRLFAndBlankLines() throws {
        let text = "\u{FEFF}external_id,name,attr.note\r\n"
            + "a1,\"Smith, Ana\",\"she said \"\"hi\"\"\"\r\n"
            + "\r\n"
            + "a2,\"two\r\nlines\",\r\n"
            + "a3,Bob,plain\n"
        let rows = try lines(text)
        #expect(rows.map(\.number) == [2, 4, 6])
        let first = try object(rows[0])
        #expect(first["external_id"] as? String == "a1" && first["name"] as? String == "Smith, Ana")
        #expect((first["attributes"] as? [String: Any])?["note"] as? String == #"she said "hi""#)
        let second = try object(rows[1])
        #expect(second["name"] as? String == "two\r\nlines" && second["attributes"] == nil)
        #expect((try object(rows[2]))["name"] as? String == "Bob")
    }

    @Test func csvThatDoesNotParseIsRefusedWhole() {
        #expect(throws: CSVRecords.Malformed(line: 2, why: "a quoted field is not closed")) {
            _ = try CSVRecords.parse("a,b\n\"open,x\n")
        }
        #expect(throws: ImportFileError.self) { _ = try lines("external_id,name\nx,a\"b\n") }
        #expect(throws: ImportFileError.self) { _ = try lines("external_id,name\n\"x\"y,b\n") }
    }

    @Test func unknownOrRepeatedColumnsRefuseTheFile() {
        do {
            _ = try lines("external_id,nmae\na,b\n")
            Issue.record("an unknown column must refuse the file")
        } catch {
            #expect("\(error)".contains("unknown column \"nmae\""), "\(error)")
        }
        #expect(throws: ImportFileError.self) { _ = try lines("external_id,external_id\na,b\n") }
        // An events column is unknown in a members file, and the other way round.
        #expect(throws: ImportFileError.self) { _ = try lines("external_id,type\na,b\n") }
        #expect(throws: ImportFileError.self) { _ = try lines("external_id,opening_balance\na,1\n", .csv, .events) }
    }

    @Test func aRowWithTheWrongFieldCountOrABadNumberIsABadRow() throws {
        let rows = try lines("external_id,opening_balance\na,12\nb\nc,12.5\nd,\n")
        #expect(rows.count == 4)
        #expect((try object(rows[0]))["opening_balance"] as? Int == 12)
        guard case .failure(let count) = rows[1].json, case .failure(let number) = rows[2].json else {
            Issue.record("rows 3 and 4 must be bad")
            return
        }
        #expect(count.why.contains("1 fields where the header names 2"))
        #expect(number.why.contains("opening_balance must be a whole number"))
        #expect((try object(rows[3]))["opening_balance"] == nil)
    }

    @Test func eventColumnsBuildThePurchaseAndReturnObjects() throws {
        let rows = try lines("""
            external_id,type,occurred_at,currency,total,return_purchase_event_id,return_amount,attr.source,points
            a,purchase,2026-01-10T10:00:00Z,EUR,40.50,,,shop,40
            a,return,2026-01-11T10:00:00Z,,,evt_1,10,,
            """, .csv, .events)
        let purchase = try object(rows[0])
        #expect((purchase["purchase"] as? [String: Any])?["total"] as? String == "40.50")
        #expect(purchase["return"] == nil && purchase["points"] as? Int == 40)
        let returned = try object(rows[1])
        #expect((returned["return"] as? [String: Any])?["purchase_event_id"] as? String == "evt_1" && returned["purchase"] == nil)
        let imported = try EventImport.parse(try rows[0].json.get(), id: "evt_x", now: Date(), asRecorded: true)
        #expect(imported.event.purchase?.total == Amount("40.50") && imported.event.recordedPoints == 40)
    }

    @Test func jsonLinesSkipBlankLinesAndKeepNumbers() throws {
        let rows = try lines("\u{FEFF}{\"external_id\":\"a\"}\r\n\r\n  \n{\"external_id\":\"b\"}", .jsonl)
        #expect(rows.map(\.number) == [1, 4])
        #expect((try object(rows[0]))["external_id"] as? String == "a")
    }

    @Test func memberRowsAreCheckedLikeTheAPIWithTheirImportFields() throws {
        let now = Date()
        func problem(_ json: String) -> String? {
            do {
                _ = try MemberImport.parse(json, programId: "p", now: now)
                return nil
            } catch {
                return EventImport.describe(error)
            }
        }
        let parsed = try MemberImport.parse(#"{"external_id":"a","attributes":{"vip":true},"opening_balances":[{"points":5,"expires_at":"2099-01-31T00:00:00Z"},{"points":7}],"expected_tier":"gold"}"#,
                                            programId: "p", now: now)
        #expect(parsed.member.opening == [ImportedMember.OpeningLot(points: 5, expiresAt: Timestamps.parse("2099-01-31T00:00:00Z")),
                                          ImportedMember.OpeningLot(points: 7, expiresAt: nil)])
        #expect(parsed.member.member.attributes["vip"] == .bool(true) && parsed.expectation.tier == "gold")
        #expect(problem(#"{"external_id":"a","opening_balance":10,"opening_expires_at":"31/01/2099"}"#)?.contains("opening_expires_at must be an RFC 3339") == true)
        #expect(problem(#"{"external_id":"a","opening_balance":10,"opening_expires_at":"2001-01-01T00:00:00Z"}"#)?.contains("past") == true)
        #expect(problem(#"{"external_id":"a","opening_balance":0}"#)?.contains("greater than 0") == true)
        #expect(problem(#"{"external_id":"a","opening_expires_at":"2099-01-01T00:00:00Z"}"#)?.contains("needs an opening_balance") == true)
        #expect(problem(#"{"external_id":"a","birthday":"1990-13-45"}"#)?.contains("birthday") == true)
        #expect(problem(#"{"email":"x@example.com"}"#) != nil)
        #expect(problem(#"{"external_id":"a","referral_code":"ABC"}"#)?.contains("referral codes") == true)
    }

    @Test func eventRowsWithBadDatesOrPointsWithoutAsRecordedAreBad() {
        func problem(_ json: String, asRecorded: Bool = false) -> String? {
            do {
                _ = try EventImport.parse(json, id: "evt_1", now: Date(), asRecorded: asRecorded)
                return nil
            } catch {
                return EventImport.describe(error)
            }
        }
        #expect(problem(#"{"external_id":"a","type":"review","occurred_at":"2026-02-30"}"#)?.contains("occurred_at") == true)
        #expect(problem(#"{"external_id":"a","type":"review","points":5}"#)?.contains("--as-recorded") == true)
        #expect(problem(#"{"external_id":"a","type":"review"}"#, asRecorded: true)?.contains("needs the points") == true)
        #expect(problem(#"{"external_id":"a","type":"review","points":-1}"#, asRecorded: true)?.contains("points must be") == true)
        #expect(problem(#"{"external_id":"a","type":"review","points":5}"#, asRecorded: true) == nil)
    }
}
