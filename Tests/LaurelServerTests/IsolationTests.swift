import Foundation
import LaurelTestSupport
import Testing

/// Nothing crosses between programs: another program's objects answer 404, never their data.
@Suite struct IsolationTests {
    @Test(arguments: TestBackend.available)
    func anotherProgramsObjectsAreNotFound(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("iso-1")
            let event = try #require(try await api.purchase(member).json["id"] as? String)
            let other = fixture.otherAdmin
            #expect(try await api.get("/v1/members/\(member)", key: other).status == 404)
            #expect(try await api.get("/v1/events/\(event)", key: other).status == 404)
            #expect(try await api.get("/v1/members/\(member)/ledger", key: other).status == 404)
            #expect(try await api.call(.patch, "/v1/members/\(member)", key: other, body: #"{"name":"x"}"#).status == 404)
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":10,"reason":"x"}"#, key: other).status == 404)
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#, key: other).status == 404)
            let theirs = try await api.member("iso-2", key: other)
            #expect(try await api.post("/v1/transfers", #"{"from_member_id":"\#(theirs)","to_member_id":"\#(member)","points":1}"#, key: other).status == 404)
            #expect(((try await api.get("/v1/members", key: other).json["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [theirs])
            #expect((try await api.get("/v1/members?external_id=iso-1", key: other).json["data"] as? [Any])?.isEmpty == true)
            // The same external id is free in the other program.
            #expect(try await api.post("/v1/members", #"{"external_id":"iso-1"}"#, key: other).status == 201)
            #expect(try await api.points(member)["pending"] as? Int == 100)
        }
    }
}
