import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Raffles: the raffle with its commitment (and, once drawn, its seed and winners), its entry list
/// for checking the draw, entries, a member's entries, and the admin's draw.
struct RaffleRoutes {
    let store: any LaurelStore
    let clock: any WallClock
    let random: RandomSource

    func register(_ api: APIRouter) {
        let renderEntry: @Sendable (RaffleEntryRecord) throws -> Data = { try APIJSON.encode(RaffleEntryView($0)) }
        let clock = clock
        let renderState: @Sendable (RaffleState) throws -> Data = { try APIJSON.encode(RaffleView($0, now: clock.now(), viewer: nil)) }

        // Reads: a member token sees member ids on its own entries only, other members' as their `entrant` pseudonym.
        api.add(.get, "/v1/raffles/{id}", scope: .read, member: .anyMember) { request in
            let state = try await store.raffle(programId: request.programId, raffleId: try request.parameter("id"))
            return APIJSON.response(.ok, try APIJSON.encode(RaffleView(state, now: clock.now(), viewer: request.caller.viewer)))
        }

        api.add(.get, "/v1/raffles/{id}/entries", scope: .read, member: .anyMember) { request in
            let id = try request.parameter("id")
            let (commitment, page) = try await store.raffleEntries(programId: request.programId, raffleId: id, limit: try request.limit(),
                                                                   startingAfter: request.query("starting_after"))
            let viewer = request.caller.viewer
            let view = ListView(data: page.items.map { RaffleEntryView($0, commitment: commitment, viewer: viewer) }, hasMore: page.hasMore,
                                nextCursor: page.hasMore ? page.items.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.post, "/v1/raffles/{id}/entries", scope: .integration, member: .bodyMember("member_id")) { request in
            let body = try APIJSON.decode(RaffleEntryBody.self, from: request.body)
            let now = clock.now()
            let result = try await store.enterRaffle(programId: request.programId, id: Identifiers.make("ent", now: now), raffleId: try request.parameter("id"),
                                                     memberId: body.memberId, random: random, now: now,
                                                     idempotency: try request.idempotency(status: .created, render: renderEntry))
            return try APIRouter.respond(result, status: .created, render: renderEntry)
        }

        api.add(.get, "/v1/members/{id}/raffle-entries", scope: .read, member: .pathMember("id")) { request in
            let page = try await store.raffleEntries(programId: request.programId, memberId: try request.parameter("id"), limit: try request.limit(),
                                                     startingAfter: request.query("starting_after"))
            let view = ListView(data: page.items.map(RaffleEntryView.init), hasMore: page.hasMore, nextCursor: page.hasMore ? page.items.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.post, "/v1/raffles/{id}/draw", scope: .admin, member: .refused) { request in
            let result = try await store.drawRaffle(programId: request.programId, raffleId: try request.parameter("id"), random: random, now: clock.now(),
                                                    idempotency: try request.idempotency(status: .ok, render: renderState))
            return try APIRouter.respond(result, status: .ok, render: renderState)
        }
    }
}

/// `POST /v1/raffles/{id}/entries`.
struct RaffleEntryBody: Decodable {
    var memberId: String
    enum CodingKeys: String, CodingKey { case memberId = "member_id" }
}

extension Caller {
    /// Whose member ids a raffle read shows in full: nil (an API key) shows every member's.
    var viewer: RaffleViewer? {
        if case .member(let holder) = self { return RaffleViewer(memberId: holder.memberId) }
        return nil
    }
}

/// A member token reading a raffle: their own member id is shown, other members' are not.
struct RaffleViewer {
    var memberId: String

    /// `memberId` as `viewer` may see it: always for an API key (nil viewer), else only their own.
    static func shown(_ memberId: String, to viewer: RaffleViewer?) -> String? {
        viewer == nil || viewer?.memberId == memberId ? memberId : nil
    }
}

struct RaffleEntryView: Encodable {
    var id: String
    var object = "raffle_entry"
    var raffleId: String
    /// Absent on other members' entries when a member token reads a raffle's entries.
    var memberId: String?
    /// In a raffle's entry list: the pseudonym `RaffleDraw.entrant` of the entry's member.
    var entrant: String?
    var paidWith: String
    var costPoints: Int
    var enteredAt: String

    enum CodingKeys: String, CodingKey {
        case id, object, raffleId = "raffle_id", memberId = "member_id", entrant, paidWith = "paid_with", costPoints = "cost_points"
        case enteredAt = "entered_at"
    }

    init(_ record: RaffleEntryRecord) {
        self.init(record, commitment: nil, viewer: nil)
    }

    /// With `commitment`, the entry names its member's `entrant`; a `viewer` sees only their own `member_id`.
    init(_ record: RaffleEntryRecord, commitment: String?, viewer: RaffleViewer?) {
        id = record.id
        raffleId = record.raffleId
        memberId = RaffleViewer.shown(record.memberId, to: viewer)
        entrant = commitment.map { RaffleDraw.entrant(commitment: $0, memberId: record.memberId) }
        paidWith = record.paidWith
        costPoints = record.costPoints
        enteredAt = Timestamps.format(record.enteredAt)
    }
}

/// A raffle: its state, the commitment published before the first entry, and once drawn the seed and winners.
struct RaffleView: Encodable {
    struct Winner: Encodable {
        var entryId: String
        /// Absent on other members' entries when a member token reads the raffle.
        var memberId: String?
        var entrant: String
        enum CodingKeys: String, CodingKey { case entryId = "entry_id", memberId = "member_id", entrant }
    }
    var id: String
    var object = "raffle"
    var name: String
    var status: String
    var drawAt: String
    var winnersCount: Int
    var entryCostPoints: Int?
    var prizePoints: Int?
    var entries: Int
    var commitment: String?
    var seed: String?
    var drawnAt: String?
    var winners: [Winner]

    enum CodingKeys: String, CodingKey {
        case id, object, name, status, drawAt = "draw_at", winnersCount = "winners_count", entryCostPoints = "entry_cost_points"
        case prizePoints = "prize_points", entries, commitment, seed, drawnAt = "drawn_at", winners
    }

    init(_ state: RaffleState, now: Date, viewer: RaffleViewer?) {
        id = state.raffle.id
        name = state.raffle.name
        status = state.status(now: now)
        drawAt = Timestamps.format(state.raffle.drawAt)
        winnersCount = state.raffle.winners
        entryCostPoints = state.raffle.entryCostPoints
        prizePoints = state.raffle.prizePoints
        entries = state.entries
        commitment = state.commitment
        seed = state.seed
        drawnAt = state.drawnAt.map(Timestamps.format)
        winners = state.winners.map { winner in
            Winner(entryId: winner.id, memberId: RaffleViewer.shown(winner.memberId, to: viewer),
                   entrant: RaffleDraw.entrant(commitment: state.commitment ?? "", memberId: winner.memberId))
        }
    }
}
