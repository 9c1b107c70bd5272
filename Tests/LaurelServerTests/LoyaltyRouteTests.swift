import Foundation
import LaurelCore
import LaurelTestSupport
import Testing

/// Tiers, rewards, redemptions and clubs over HTTP, with their bad inputs.
@Suite struct LoyaltyRouteTests {
    /// Tiers by spend (0 / 20 / 30 as in Open Loyalty's cases), a club reached with Gold, one bought with points, a gift rule.
    static let program = """
        name: Loyalty routes
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 10, per: 1}
        tiers:
          basis: amount_spent
          downgrade: {policy: review, review_months: 12}
          levels:
            - {id: bronze, name: Bronze, threshold: 0}
            - {id: silver, name: Silver, threshold: 20, benefits: {discount_percent: 5}}
            - {id: gold, name: Gold, threshold: 30, benefits: {earning_multiplier: 2, bonus_points: 100, perks: [free delivery]}}
        clubs:
          - {id: inner, name: Inner Circle, join: {tiers: [gold], invitations: members}, member_cap: 2}
          - {id: sneakers, name: Sneakers Club, join: {points: 200, invitations: none}, duration_months: 12, renewal: purchase}
        """

    static func apply(_ api: HTTPFixture.Client, _ fixture: HTTPFixture, _ program: String = program) async throws {
        let applied = try await api.call(.put, "/v1/program", key: fixture.admin, body: program)
        #expect(applied.status == 200, "\(applied.text)\n\(program)")
    }

    @Test(arguments: TestBackend.available)
    func tiersProgressFloorAndHistory(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            try await Self.apply(api, fixture)
            let member = try await api.member("t1")
            let bought = try await api.purchase(member, total: "25.00")
            #expect((bought.json["outcome"] as? [String: Any])?["tier"] as? String == "silver", "\(bought.text)")
            var view = try await api.get("/v1/members/\(member)")
            var tier = try #require(view.json["tier"] as? [String: Any], "\(view.text)")
            #expect(tier["id"] as? String == "silver" && view.json["tier_id"] as? String == "silver")
            #expect((tier["next_tier"] as? [String: Any])?["missing"] as? String == "5.00")
            #expect((tier["basis"] as? [String: Any])?["value"] as? String == "25.00")
            #expect((tier["keep"] as? [String: Any])?["missing"] as? String == "0.00")
            #expect(view.json["discount_percent"] as? String == "5.00")

            // Staff set Gold until a date: it holds as a floor.
            let floor = try await api.call(.put, "/v1/members/\(member)/tier", key: fixture.admin,
                                           body: #"{"tier":"gold","until":"2027-01-01T00:00:00Z","reason":"store opening guest"}"#)
            #expect(floor.status == 200, "\(floor.text)")
            tier = try #require(floor.json["tier"] as? [String: Any])
            #expect(tier["id"] as? String == "gold" && (tier["floor"] as? [String: Any])?["until"] as? String == "2027-01-01T00:00:00.000Z")
            #expect((floor.json["clubs"] as? [[String: Any]])?.first?["club_id"] as? String == "inner")
            let history = try await api.get("/v1/members/\(member)/tier-history")
            let changes = try #require(history.json["data"] as? [[String: Any]])
            #expect(changes.map { $0["to"] as? String } == ["gold", "silver"])
            #expect(changes.first?["reason"] as? String == "manual" && changes.first?["note"] as? String == "store opening guest")
            let page = try await api.get("/v1/members/\(member)/tier-history?limit=1")
            let cursor = try #require(page.json["next_cursor"] as? String)
            #expect((try await api.get("/v1/members/\(member)/tier-history?starting_after=\(cursor)").json["data"] as? [Any])?.count == 1)

            // Removing the floor falls back to what the spend supports.
            let removed = try await api.call(.delete, "/v1/members/\(member)/tier", key: fixture.admin)
            #expect((removed.json["tier"] as? [String: Any])?["id"] as? String == "silver")
            view = try await api.get("/v1/members/\(member)")
            #expect((view.json["tier"] as? [String: Any])?["floor"] == nil)

            // Bad inputs.
            let put = { (body: String, key: String) in try await api.call(.put, "/v1/members/\(member)/tier", key: key, body: body) }
            #expect(try await put(#"{"tier":"platinum","reason":"x"}"#, fixture.admin).field == "tier")
            #expect(try await put(#"{"tier":"gold"}"#, fixture.admin).field == "reason")
            #expect(try await put(#"{"tier":"gold","reason":"x","until":"2020-01-01T00:00:00Z"}"#, fixture.admin).field == "until")
            #expect(try await put(#"{"tier":"gold","reason":"x","until":"soon"}"#, fixture.admin).field == "until")
            #expect(try await put(#"{"tier":"gold","reason":"x"}"#, fixture.integration).status == 403)
            #expect(try await api.call(.put, "/v1/members/mem_none/tier", key: fixture.admin, body: #"{"tier":"gold","reason":"x"}"#).status == 404)
            #expect(try await api.get("/v1/members/mem_none/tier-history").status == 404)
            #expect(try await api.get("/v1/members/\(member)/tier-history?starting_after=7").status == 400)
            // A program without tiers has nothing to set.
            let plain = try await api.member("t2", key: fixture.otherAdmin)
            let noTiers = try await api.call(.put, "/v1/members/\(plain)/tier", key: fixture.otherAdmin, body: #"{"tier":"gold","reason":"x"}"#)
            #expect(noTiers.status == 409 && noTiers.code == "no_tiers")
        }
    }

    @Test(arguments: TestBackend.available)
    func catalogueRedemptionsAndTheirRefusals(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            try await Self.apply(api, fixture)
            let created = try await api.post("/v1/rewards", #"""
                {"id":"tote","name":"Tote bag","type":"free_product","sku":"TOTE","cost":100,"stock":1,"limit":{"per_member":1},"featured":true}
                """#)
            #expect(created.status == 201 && created.json["stock_left"] as? Int == 1, "\(created.text)")
            #expect(try await api.post("/v1/rewards", #"{"id":"tote","name":"Again","type":"experience","cost":1}"#).code == "reward_exists")
            let invalid = try await api.post("/v1/rewards", #"{"id":"x","type":"gift_card","cost":"a lot","colour":"red"}"#)
            #expect(invalid.status == 422 && invalid.code == "invalid_reward")
            let paths = Set(((invalid.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String })
            #expect(paths.isSuperset(of: ["name", "value", "cost", "colour"]), "\(paths)")
            #expect(try await api.post("/v1/rewards", "[1]").code == "invalid_json") // a body that is not an object
            #expect(try await api.post("/v1/rewards", "{").status == 400)
            #expect(try await api.post("/v1/rewards", #"{"id":"y","name":"Y","type":"experience","cost":1}"#, key: fixture.integration).status == 403)
            let replaced = try await api.call(.put, "/v1/rewards/gold-lounge", key: fixture.admin,
                                              body: #"{"name":"Gold lounge","type":"experience","cost":50,"eligibility":{"tiers":["gold"]}}"#)
            #expect(replaced.status == 200 && replaced.json["id"] as? String == "gold-lounge", "\(replaced.text)")
            #expect(try await api.call(.put, "/v1/rewards/a", key: fixture.admin, body: #"{"id":"b","name":"B","type":"experience","cost":1}"#).field == "id")
            _ = try await api.post("/v1/rewards", #"{"id":"soon","name":"Soon","type":"experience","cost":1,"visible_from":"2026-01-01","available_from":"2027-01-01"}"#)
            _ = try await api.post("/v1/rewards", #"{"id":"codes","name":"Voucher","type":"discount_code","discount":{"type":"percentage","value":10},"cost":10,"codes":"pool"}"#)
            #expect((try await api.get("/v1/rewards").json["data"] as? [Any])?.count == 4) // before the sticker
            #expect(try await api.get("/v1/rewards/tote").json["sku"] as? String == "TOTE")
            #expect(try await api.get("/v1/rewards/none").status == 404)

            // Codes by CSV into the pool; a reward without a pool refuses them.
            let csv = try await api.client.execute(uri: "/v1/rewards/codes/codes", method: .post,
                                                   headers: [.authorization: "Bearer \(fixture.admin)", .contentType: "text/csv"],
                                                   body: .init(string: "code\nAAA-1\nAAA-2\nAAA-1\n"))
            #expect(csv.status.code == 200)
            #expect(try await api.post("/v1/rewards/codes/codes", #"{"codes":["AAA-2","AAA-3"]}"#).json["added"] as? Int == 1)
            #expect(try await api.post("/v1/rewards/tote/codes", #"{"codes":["Z"]}"#).code == "codes_not_pooled")
            #expect(try await api.post("/v1/rewards/codes/codes", #"{"codes":["has space"]}"#).field == "codes[0]")
            #expect(try await api.post("/v1/rewards/codes/codes", #"{"codes":[]}"#).field == "codes")
            #expect(try await api.post("/v1/rewards/none/codes", #"{"codes":["A"]}"#).status == 404)

            let ana = try await api.member("r1")
            let ben = try await api.member("r2")
            _ = try await api.purchase(ana, total: "12.00") // 120 points, bronze
            // What Ana can redeem: the tote, not the gold lounge (tier), the voucher yes, "soon" coming soon.
            let catalogue = try await api.get("/v1/members/\(ana)/rewards")
            let entries = try #require(catalogue.json["data"] as? [[String: Any]], "\(catalogue.text)")
            func entry(_ id: String) -> [String: Any]? { entries.first { ($0["reward"] as? [String: Any])?["id"] as? String == id } }
            #expect((entries.first?["reward"] as? [String: Any])?["id"] as? String == "tote") // featured first
            #expect(entry("tote")?["redeemable"] as? Bool == true)
            #expect((entry("gold-lounge")?["reasons"] as? [[String: Any]])?.first?["code"] as? String == "tier_required")
            #expect(entry("soon")?["coming_soon"] as? Bool == true)
            #expect(try await api.get("/v1/members/mem_none/rewards").status == 404)

            let redeem = { (member: String, reward: String) in
                try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"\#(reward)"}"#, key: fixture.integration,
                                   idempotencyKey: "\(member)-\(reward)-\(UUID().uuidString)")
            }
            let tote = try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"tote"}"#, key: fixture.integration, idempotencyKey: "tote-1")
            #expect(tote.status == 201 && tote.json["status"] as? String == "issued" && tote.json["points"] as? Int == 100, "\(tote.text)")
            let replay = try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"tote"}"#, key: fixture.integration, idempotencyKey: "tote-1")
            #expect(replay.body == tote.body && replay.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try await redeem(ben, "tote").code == "out_of_stock")
            #expect(try await redeem(ana, "tote").status == 409) // out of stock and over the limit: stock is reported
            let poor = try await redeem(ben, "codes")
            #expect(poor.status == 422 && poor.code == "insufficient_points" && poor.json["missing_points"] as? Int == 10, "\(poor.text)")
            #expect(try await redeem(ana, "gold-lounge").code == "tier_required")
            _ = try await api.post("/v1/rewards", #"{"id":"sticker","name":"Sticker","type":"free_product","sku":"STK","cost":1,"limit":{"per_member":1}}"#)
            #expect(try await redeem(ana, "sticker").status == 201)
            let again = try await redeem(ana, "sticker")
            #expect(again.status == 422 && again.code == "limit_reached", "\(again.text)")
            #expect(try await redeem(ana, "soon").code == "not_yet_available")
            #expect(try await redeem(ana, "none").status == 404)
            #expect(try await redeem("mem_none", "tote").status == 404)
            #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)"}"#, key: fixture.integration).field == "reward_id")
            #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"codes","points":-5}"#, key: fixture.integration).field == "points")
            #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"tote"}"#, key: fixture.read).status == 403)
            let voucher = try await redeem(ana, "codes")
            #expect(voucher.status == 201 && ["AAA-1", "AAA-2", "AAA-3"].contains(voucher.json["code"] as? String ?? ""))

            // Reading, fulfilling, cancelling.
            let toteId = try #require(tote.json["id"] as? String)
            #expect(try await api.get("/v1/redemptions/\(toteId)").json["reward_id"] as? String == "tote")
            #expect(try await api.get("/v1/redemptions/rdm_none").status == 404)
            #expect((try await api.get("/v1/redemptions?member_id=\(ana)").json["data"] as? [Any])?.count == 3)
            #expect(try await api.get("/v1/redemptions?member_id=mem_none").status == 404)
            let listed = try await api.get("/v1/redemptions?limit=1")
            #expect(listed.json["has_more"] as? Bool == true && listed.json["next_cursor"] is String)
            let voucherId = try #require(voucher.json["id"] as? String)
            #expect(try await api.post("/v1/redemptions/\(voucherId)/fulfil", "", key: fixture.integration).code == "no_fulfilment")
            let cancelled = try await api.post("/v1/redemptions/\(voucherId)/cancel", "", key: fixture.integration)
            #expect(cancelled.status == 200 && cancelled.json["status"] as? String == "cancelled", "\(cancelled.text)")
            #expect(try await api.post("/v1/redemptions/\(voucherId)/cancel", "", key: fixture.integration).code == "already_cancelled")
            let fulfilled = try await api.post("/v1/redemptions/\(toteId)/fulfil", "", key: fixture.integration)
            #expect(fulfilled.status == 200 && fulfilled.json["fulfilled_at"] is String)
            #expect(try await api.post("/v1/redemptions/\(toteId)/cancel", "", key: fixture.integration).code == "not_cancellable")
            #expect(try await api.post("/v1/redemptions/\(toteId)/fulfil", "", key: fixture.integration).code == "not_fulfillable")
            #expect(try await api.post("/v1/redemptions/rdm_none/cancel", "", key: fixture.integration).status == 404)
            #expect(try await api.points(ana)["available"] as? Int == 19)
            // A reward usable only after a delay: both dates shown, fulfilling early refused.
            _ = try await api.post("/v1/rewards", #"{"id":"later","name":"Later","type":"free_product","sku":"LTR","cost":1,"active_after_days":5,"valid_days":10}"#)
            let later = try await redeem(ana, "later")
            let activeFrom = try #require(later.json["active_from"] as? String, "\(later.text)")
            let laterDates = try [activeFrom, #require(later.json["expires_at"] as? String), #require(later.json["created_at"] as? String)]
                .map { try #require(Timestamps.parse($0)) }
            #expect(laterDates[0].timeIntervalSince(laterDates[2]) == 5 * 86_400 && laterDates[1].timeIntervalSince(laterDates[0]) == 10 * 86_400)
            let early = try await api.post("/v1/redemptions/\(try #require(later.json["id"] as? String))/fulfil", "", key: fixture.integration)
            #expect(early.status == 409 && early.code == "not_active_yet", "\(early.text)")
            #expect(try await api.post("/v1/rewards", #"{"id":"never","name":"N","type":"free_product","sku":"N","cost":1,"active_after_days":0}"#).field == "active_after_days")
            // Several units at once: one redemption, a code per unit; bad quantities named.
            _ = try await api.post("/v1/rewards", #"{"id":"pair","name":"Pair","type":"gift_card","value":"2","cost":1,"codes":{"pattern":"PR-XXXX"}}"#)
            let pair = try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"pair","quantity":2}"#, key: fixture.integration)
            #expect(pair.status == 201 && pair.json["quantity"] as? Int == 2 && pair.json["points"] as? Int == 2 && pair.json["value"] as? String == "4.00",
                    "\(pair.text)")
            #expect((pair.json["codes"] as? [String])?.count == 2)
            for bad in ["0", "101", "1.5", "\"2\""] {
                #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"pair","quantity":\#(bad)}"#, key: fixture.integration).field == "quantity")
            }
            _ = try await api.post("/v1/rewards", #"{"id":"ptm","name":"Pay with points","type":"points_to_money","minimum":1,"step":1}"#)
            #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"ptm","points":1,"quantity":2}"#, key: fixture.integration).field == "quantity")
            // Another program's redemption is invisible.
            #expect(try await api.get("/v1/redemptions/\(toteId)", key: fixture.otherAdmin).status == 404)

            // A new program version without tiers: the catalogue stays readable; the Gold-only reward is simply out of reach.
            _ = try await api.call(.put, "/v1/program", key: fixture.admin, body: HTTPFixture.program)
            #expect(try await api.get("/v1/rewards").status == 200)
            let after = try #require(try await api.get("/v1/members/\(ana)/rewards").json["data"] as? [[String: Any]])
            let lounge = after.first { ($0["reward"] as? [String: Any])?["id"] as? String == "gold-lounge" }
            #expect((lounge?["reasons"] as? [[String: Any]])?.first?["code"] as? String == "tier_required")
        }
    }

    @Test(arguments: TestBackend.available)
    func clubsAndTheirMessages(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            try await Self.apply(api, fixture)
            let clubs = try await api.get("/v1/clubs")
            #expect((clubs.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["inner", "sneakers"])
            let gold = try await api.member("c1")
            let guest = try await api.member("c2")
            let third = try await api.member("c3")
            let bought = try await api.purchase(gold, total: "40.00") // gold: joins Inner Circle with the tier, 400 + 100 bonus points
            #expect((bought.json["outcome"] as? [String: Any])?["tier_change"] != nil, "\(bought.text)")
            let invite = { (member: String, by: String?) in
                try await api.post("/v1/clubs/inner/members", by.map { #"{"member_id":"\#(member)","invited_by":"\#($0)"}"# } ?? #"{"member_id":"\#(member)"}"#,
                                   key: fixture.integration)
            }
            // A member of the club invites a friend; an outsider cannot; the cap of 2 is reached.
            #expect(try await invite(third, guest).code == "join_not_allowed")
            let invited = try await invite(guest, gold)
            #expect(invited.status == 201 && invited.json["via"] as? String == "invitation" && invited.json["invited_by"] as? String == gold, "\(invited.text)")
            #expect(try await invite(guest, nil).code == "already_member")
            #expect(try await invite(third, nil).code == "club_full")
            #expect(try await api.post("/v1/clubs/chess/members", #"{"member_id":"\#(third)"}"#, key: fixture.integration).status == 404)
            #expect(try await invite("mem_none", nil).status == 404)
            let members = try await api.get("/v1/clubs/inner/members?limit=1")
            #expect(members.json["has_more"] as? Bool == true && (members.json["data"] as? [Any])?.count == 1)

            // Sneakers Club takes no invitations but can be bought with points.
            #expect(try await api.post("/v1/clubs/sneakers/members", #"{"member_id":"\#(gold)"}"#, key: fixture.integration).code == "join_not_allowed")
            let joined = try await api.post("/v1/clubs/sneakers/join", #"{"member_id":"\#(gold)"}"#, key: fixture.integration, idempotencyKey: "join-1")
            #expect(joined.status == 201 && joined.json["expires_at"] is String, "\(joined.text)")
            #expect(try await api.points(gold)["available"] as? Int == 300)
            let poor = try await api.post("/v1/clubs/sneakers/join", #"{"member_id":"\#(third)"}"#, key: fixture.integration)
            #expect(poor.code == "insufficient_points" && poor.json["missing_points"] as? Int == 200)
            #expect(try await api.post("/v1/clubs/inner/join", #"{"member_id":"\#(third)"}"#, key: fixture.integration).code == "join_not_allowed")

            // Leaving frees a place.
            let left = try await api.call(.delete, "/v1/clubs/inner/members/\(guest)", key: fixture.integration)
            #expect(left.status == 200 && left.json["status"] as? String == "ended")
            #expect(try await api.call(.delete, "/v1/clubs/inner/members/\(guest)", key: fixture.integration).status == 404)
            #expect(try await invite(third, nil).status == 201)

            // Every change left a message, in order.
            let messages = try await api.get("/v1/messages", key: fixture.admin)
            let types = ((messages.json["data"] as? [[String: Any]]) ?? []).compactMap { $0["type"] as? String }
            let clubAndTier = types.filter { $0.hasPrefix("club.") || $0 == "tier.changed" }
            #expect(clubAndTier.starts(with: ["tier.changed", "club.joined", "club.joined", "club.joined"]), "\(types)")
            #expect(types.starts(with: ["member.enrolled", "member.enrolled", "member.enrolled"]), "\(types)")
            #expect(types.contains("club.membership_ended"))
            let page = try await api.get("/v1/messages?limit=2", key: fixture.admin)
            let cursor = try #require(page.json["next_cursor"] as? String)
            #expect((try await api.get("/v1/messages?starting_after=\(cursor)", key: fixture.admin).json["data"] as? [Any])?.count == types.count - 2)
            #expect(try await api.get("/v1/messages?starting_after=x", key: fixture.admin).status == 400)
            #expect(try await api.get("/v1/messages").status == 403)
        }
    }

    @Test(arguments: TestBackend.available)
    func aGiftOnPurchaseIsCancelledByItsReturn(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            try await Self.apply(api, fixture)
            _ = try await api.post("/v1/rewards", #"{"id":"serum","name":"Serum sample","type":"free_product","sku":"SRM","cost":0,"stock":5}"#)
            _ = try await api.post("/v1/rewards", #"{"id":"club-pass","name":"A year of Sneakers Club","type":"club_membership","club":"sneakers","cost":0}"#)
            let gift = Self.program.replacingOccurrences(of: "\ntiers:", with: """

                  - id: skincare-gift
                    event: purchase
                    conditions:
                      - {field: event.total, op: gte, value: 50}
                      - {has_product: {categories: [skincare]}}
                    effect: {type: gift_reward, reward: serum}
                  - id: big-spender-club
                    event: purchase
                    conditions:
                      - {field: event.total, op: gte, value: 50}
                    effect: {type: gift_reward, reward: club-pass}
                    limit: {max_times: 1, period: lifetime}
                tiers:
                """)
            try await Self.apply(api, fixture, gift)
            let unknown = try await api.call(.put, "/v1/program", key: fixture.admin, body: gift.replacingOccurrences(of: "reward: serum", with: "reward: cream"))
            #expect(unknown.status == 422 && unknown.text.contains("earning_rules[1].effect.reward"), "\(unknown.text)")
            let member = try await api.member("g1")
            let purchase = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"C1","category":"skincare","unit_price":"60.00"}]}}
                """#)
            let gifts = try #require((purchase.json["outcome"] as? [String: Any])?["gifts"] as? [[String: Any]], "\(purchase.text)")
            #expect(gifts.map { $0["status"] as? String } == ["issued", "issued"], "\(gifts)")
            // The club membership given by a gift rule is a membership like any other.
            let clubs = try #require(try await api.get("/v1/members/\(member)").json["clubs"] as? [[String: Any]])
            #expect(clubs.first { $0["club_id"] as? String == "sneakers" }?["via"] as? String == "gift", "\(clubs)")
            // A second qualifying purchase: the club gift is limited to once, the serum comes again.
            let again = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"C2","category":"skincare","unit_price":"70.00"}]}}
                """#)
            #expect(((again.json["outcome"] as? [String: Any])?["gifts"] as? [[String: Any]])?.map { $0["reward_id"] as? String } == ["serum"])
            let redemptionId = try #require(gifts.first?["redemption_id"] as? String)
            #expect(try await api.get("/v1/rewards/serum").json["stock_left"] as? Int == 3)
            let purchaseId = try #require(purchase.json["id"] as? String)
            let returned = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"\#(purchaseId)","amount":"60.00"}}"#)
            let undone = try #require((returned.json["outcome"] as? [String: Any])?["gifts"] as? [[String: Any]], "\(returned.text)")
            #expect(undone.map { $0["status"] as? String } == ["cancelled", "cancelled"] && undone.first?["redemption_id"] as? String == redemptionId, "\(undone)")
            #expect(try await api.get("/v1/redemptions/\(redemptionId)").json["status"] as? String == "cancelled")
            #expect(try await api.get("/v1/rewards/serum").json["stock_left"] as? Int == 4)
            // Cancelling the club gift ended the membership it gave.
            let left = try #require(try await api.get("/v1/members/\(member)").json["clubs"] as? [[String: Any]])
            #expect(!left.contains { $0["club_id"] as? String == "sneakers" }, "\(left)")
        }
    }
}
