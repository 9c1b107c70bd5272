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
        let renderState: @Sendable (RaffleState) throws -> Data = { try APIJSON.encode(RaffleView($0, now: clock.now())) }

        api.add(.get, "/v1/raffles/{id}", scope: .read, member: .anyMember) { request in
            let state = try await store.raffle(programId: request.programId, raffleId: try request.parameter("id"), random: random, now: clock.now())
            return APIJSON.response(.ok, try renderState(state))
        }

        api.add(.get, "/v1/raffles/{id}/entries", scope: .read, member: .anyMember) { request in
            let id = try request.parameter("id")
            _ = try await store.raffle(programId: request.programId, raffleId: id, random: random, now: clock.now())
            let entries = try await store.raffleEntries(programId: request.programId, raffleId: id)
            let view = ListView(data: entries.map(RaffleEntryView.init), hasMore: false, nextCursor: nil)
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

struct RaffleEntryView: Encodable {
    var id: String
    var object = "raffle_entry"
    var raffleId: String
    var memberId: String
    var paidWith: String
    var costPoints: Int
    var enteredAt: String

    enum CodingKeys: String, CodingKey {
        case id, object, raffleId = "raffle_id", memberId = "member_id", paidWith = "paid_with", costPoints = "cost_points", enteredAt = "entered_at"
    }

    init(_ record: RaffleEntryRecord) {
        id = record.id
        raffleId = record.raffleId
        memberId = record.memberId
        paidWith = record.paidWith
        costPoints = record.costPoints
        enteredAt = Timestamps.format(record.enteredAt)
    }
}

/// A raffle: its state, the commitment published before the first entry, and once drawn the seed and winners.
struct RaffleView: Encodable {
    struct Winner: Encodable {
        var entryId: String
        var memberId: String
        enum CodingKeys: String, CodingKey { case entryId = "entry_id", memberId = "member_id" }
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
    var commitment: String
    var seed: String?
    var drawnAt: String?
    var winners: [Winner]

    enum CodingKeys: String, CodingKey {
        case id, object, name, status, drawAt = "draw_at", winnersCount = "winners_count", entryCostPoints = "entry_cost_points"
        case prizePoints = "prize_points", entries, commitment, seed, drawnAt = "drawn_at", winners
    }

    init(_ state: RaffleState, now: Date) {
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
        winners = state.winners.map { Winner(entryId: $0.id, memberId: $0.memberId) }
    }
}
