import Crypto
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `/v1/raffles…`: reading a raffle writes nothing (no commitment before the first entry); the draw
/// publishes a seed that hashes to the commitment, once; entries page in id order and show a
/// member token only its own member ids; the scheduled draw skips raffles drawn already.
@Suite struct RaffleRouteTests {
    static func entrant(_ commitment: String, _ memberId: String) -> String {
        String(SHA256.hash(data: Data("\(commitment):\(memberId)".utf8)).hexString.prefix(16))
    }

    @Test(arguments: TestBackend.available)
    func theDrawPublishesTheCommittedSeedOnceAndOnlyWhenDue(backend: TestBackend) async throws {
        let fixture = try await GameRouteTests.make(backend)
        try await fixture.withServer { api in
            // Nobody entered: the raffle has no seed, and reading it twice makes none.
            for _ in 0..<2 {
                let unseen = try await api.get("/v1/raffles/spring")
                #expect(unseen.status == 200 && unseen.json["status"] as? String == "closed", "\(unseen.text)")
                #expect(unseen.json["commitment"] == nil && unseen.json["seed"] == nil && unseen.json["entries"] as? Int == 0)
            }
            let drawn = try await api.post("/v1/raffles/spring/draw", "", key: fixture.admin)
            #expect(drawn.status == 200, "\(drawn.text)")
            let seed = try #require(drawn.json["seed"] as? String)
            let commitment = try #require(drawn.json["commitment"] as? String)
            #expect(seed.count == 64 && SHA256.hash(data: Data(seed.utf8)).hexString == commitment)
            #expect(drawn.json["status"] as? String == "drawn" && (drawn.json["winners"] as? [Any])?.isEmpty == true)
            let read = try await api.get("/v1/raffles/spring")
            #expect(read.json["seed"] as? String == seed && read.json["commitment"] as? String == commitment)

            let again = try await api.post("/v1/raffles/spring/draw", "", key: fixture.admin)
            #expect(again.status == 409 && again.code == "raffle_drawn", "\(again.text)")
            let early = try await api.post("/v1/raffles/summer/draw", "", key: fixture.admin)
            #expect(early.status == 409 && early.code == "raffle_not_due", "\(early.text)")
            #expect(try await api.get("/v1/raffles/summer").json["commitment"] == nil)

            let member = try await api.member("r1")
            try await GameRouteTests.fund(api, member, 10)
            let late = try await api.post("/v1/raffles/spring/entries", #"{"member_id":"\#(member)"}"#, key: fixture.integration)
            #expect(late.status == 422 && late.code == "raffle_closed", "\(late.text)")
            #expect(try await api.points(member)["available"] as? Int == 10)

            // The scheduled draw takes the one left due (winter), then nothing: spring and winter are drawn.
            let store = fixture.store, now = fixture.clock.now()
            #expect(try await RaffleDrawJob.runOnce(store: store, random: RandomSource(SplitMix64(seed: 4)), now: now) == 1)
            #expect(try await RaffleDrawJob.runOnce(store: store, random: RandomSource(SplitMix64(seed: 5)), now: now) == 0)
            #expect(try await api.get("/v1/raffles/winter").json["status"] as? String == "drawn")
            #expect(try await store.drawnRaffles(programId: "prg_a") == ["spring", "winter"])
        }
    }

    @Test(arguments: TestBackend.available)
    func entriesPageInIdOrderAndAMemberSeesOnlyTheirOwnMemberIds(backend: TestBackend) async throws {
        let fixture = try await GameRouteTests.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("r-ana"), ben = try await api.member("r-ben")
            try await GameRouteTests.fund(api, ana, 10)
            try await GameRouteTests.fund(api, ben, 10)
            var entered: [String: String] = [:] // entry id: member
            for member in [ana, ben, ana, ben, ana] {
                let entry = try await api.post("/v1/raffles/summer/entries", #"{"member_id":"\#(member)"}"#, key: fixture.integration)
                #expect(entry.status == 201, "\(entry.text)")
                entered[try #require(entry.json["id"] as? String)] = member
            }
            let raffle = try await api.get("/v1/raffles/summer")
            let commitment = try #require(raffle.json["commitment"] as? String)
            #expect(commitment.count == 64 && raffle.json["entries"] as? Int == 5 && raffle.json["seed"] == nil)

            // An API key pages through every entry, ascending, each with its member and entrant.
            var listed: [[String: Any]] = []
            var cursor: String?
            repeat {
                let page = try await api.get("/v1/raffles/summer/entries?limit=2" + (cursor.map { "&starting_after=\($0)" } ?? ""))
                #expect(page.status == 200, "\(page.text)")
                let data = try #require(page.json["data"] as? [[String: Any]])
                #expect(data.count == (listed.count < 4 ? 2 : 1))
                listed += data
                cursor = page.json["has_more"] as? Bool == true ? try #require(page.json["next_cursor"] as? String) : nil
            } while cursor != nil
            #expect(listed.compactMap { $0["id"] as? String } == entered.keys.sorted())
            for entry in listed {
                let member = try #require(entered[entry["id"] as? String ?? ""])
                #expect(entry["member_id"] as? String == member && entry["entrant"] as? String == Self.entrant(commitment, member))
            }
            #expect(try await api.get("/v1/raffles/summer/entries?limit=501").status == 400)
            #expect(try await api.get("/v1/raffles/nope/entries").status == 404)
            #expect((try await api.get("/v1/raffles/winter/entries").json["data"] as? [Any])?.isEmpty == true)

            // Ana's token: her own member id, Ben's entries by his entrant only.
            let issued = try await api.post("/v1/members/\(ana)/tokens", "{}", key: fixture.integration)
            let token = try #require(issued.json["token"] as? String, "\(issued.text)")
            let seen = try #require(try await api.get("/v1/raffles/summer/entries", key: token).json["data"] as? [[String: Any]])
            #expect(seen.compactMap { $0["id"] as? String } == entered.keys.sorted())
            for entry in seen {
                let member = try #require(entered[entry["id"] as? String ?? ""])
                #expect(entry["entrant"] as? String == Self.entrant(commitment, member))
                #expect(entry["member_id"] as? String == (member == ana ? ana : nil))
            }
            #expect(!(try await api.get("/v1/raffles/summer/entries", key: token).text.contains(ben)))

            // Drawn (two winners, two members: both win): the token sees its own member id among the winners only.
            fixture.clock.advance(by: 4 * 366 * 86_400)
            #expect(try await api.post("/v1/raffles/summer/draw", "", key: fixture.admin).status == 200)
            let reissued = try await api.post("/v1/members/\(ana)/tokens", "{}", key: fixture.integration)
            let later = try #require(reissued.json["token"] as? String, "\(reissued.text)")
            let winners = try #require(try await api.get("/v1/raffles/summer", key: later).json["winners"] as? [[String: Any]])
            #expect(Set(winners.compactMap { $0["entrant"] as? String }) == [Self.entrant(commitment, ana), Self.entrant(commitment, ben)])
            #expect(winners.compactMap { $0["member_id"] as? String } == [ana])
            let full = try #require(try await api.get("/v1/raffles/summer").json["winners"] as? [[String: Any]])
            #expect(Set(full.compactMap { $0["member_id"] as? String }) == [ana, ben])
        }
    }
}
