import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport

/// The operations a simulation step draws, each made at the step's moment with its own ids.
extension Simulation {
    /// The write or job `roll` (0..<91) picks, or nil when it needs a purchase or an issued redemption and there is none.
    func draw(_ roll: Int) -> Operation? {
        let member = members[random.int(members.count)]
        let (fixture, store, programId, now) = (fixture, fixture.store, fixture.programId, now)
        switch roll {
        case 0..<4:
            let id = nextId("mem")
            return keyed("new member \(id)", { claim in try await store.createMember(Self.member(id, programId: programId, now: now), idempotency: claim) }) {
                [self] _ in members.append(id)
            }
        case 4..<28:
            let total = Amount(units: Int64(random.int(1...25_000)) * 100)
            let event = LoyaltyEvent(id: nextId("evt"), type: LoyaltyEvent.purchaseType, occurredAt: now, channel: random.int(4) == 0 ? "app" : nil,
                                     purchase: Purchase(currency: "EUR", total: total, lines: []))
            return keyed("purchase \(event.id) of \(total) by \(member)", { claim in
                try await fixture.send(event, memberId: member, now: now, idempotency: claim)
            }) { [self] record in
                if record.status == .processed { purchases.append(Bought(id: event.id, memberId: member, total: total)) }
            }
        case 28..<36:
            guard !purchases.isEmpty else { return nil }
            let index = random.int(purchases.count)
            let bought = purchases[index]
            let refundable = bought.total - bought.refunded
            let amount = random.int(10) == 0 ? refundable + Amount(units: 100)
                : Amount(units: max(100, Int64(random.int(0...Int(refundable.units))) / 100 * 100))
            let event = StoreFixture.returnOf(bought.id, amount: amount.description, at: now, id: nextId("evt"))
            return keyed("return \(event.id) of \(amount) of \(bought.id)", { claim in
                try await fixture.send(event, memberId: bought.memberId, now: now, idempotency: claim)
            }) { [self] _ in purchases[index].refunded = purchases[index].refunded + amount }
        case 36..<42:
            let type = random.int(2) == 0 ? "review" : "steps"
            let attributes: [String: JSONValue] = type == "steps" ? ["steps": .number(String(random.int(0...30_000)))] : [:]
            // Some events arrive late: they happened up to two days before they are reported.
            let event = StoreFixture.named(type, at: now - Double(random.int(0...(2 * 86_400))), id: nextId("evt"), attributes: attributes)
            return keyed("\(type) \(event.id) by \(member)", { claim in
                try await fixture.send(event, memberId: member, now: now, idempotency: claim)
            })
        case 42..<52:
            let reward = Self.rewardId(SimulationProgram.rewards[random.int(SimulationProgram.rewards.count)].json)
            let id = nextId("rdm")
            return keyed("redemption \(id) of \(reward) by \(member)", { claim in
                try await store.redeem(programId: programId, id: id, memberId: member, rewardId: reward, points: nil, now: now, idempotency: claim)
            }) { [self] _ in issued.append(id) }
        case 52..<58:
            guard !issued.isEmpty else { return nil }
            let id = issued[random.int(issued.count)]
            let cancels = roll < 56
            return keyed("\(cancels ? "cancel" : "fulfil") \(id)", { claim in
                if cancels { return try await store.cancelRedemption(programId: programId, id: id, now: now, idempotency: claim) }
                return try await store.fulfilRedemption(programId: programId, id: id, now: now, idempotency: claim)
            }) { [self] _ in issued.removeAll { $0 == id } }
        case 58..<66:
            let receiver = members[random.int(members.count)]
            let points = random.int(1...120)
            let id = nextId("trf")
            return keyed("transfer \(id) of \(points) from \(member) to \(receiver)", { claim in
                try await store.transfer(programId: programId, id: id, from: member, to: receiver, points: points, now: now, idempotency: claim)
            })
        case 66..<72:
            let points = random.int(2) == 0 ? random.int(1...100) : -random.int(1...150)
            let id = nextId("adj")
            return keyed("adjustment \(id) of \(points) for \(member)", { claim in
                try await store.adjust(programId: programId, memberId: member, id: id, points: points, reason: "simulation", actor: "staff", now: now,
                                       idempotency: claim)
            })
        case 72..<79:
            let club = random.int(2) == 0 ? "paid" : "lounge"
            if roll >= 77 {
                return keyed("\(member) leaves \(club)", { claim in
                    try await store.leaveClub(programId: programId, clubId: club, memberId: member, now: now, idempotency: claim)
                })
            }
            return keyed("\(member) joins \(club)", { claim in
                try await store.joinClub(programId: programId, clubId: club, memberId: member, via: club == "paid" ? .points : .invitation,
                                         invitedBy: club == "paid" ? nil : "staff", now: now, idempotency: claim)
            })
        case 79..<81:
            let source = doubled ? SimulationProgram.source : SimulationProgram.doubled
            return keyed("new program version (\(doubled ? "single" : "double") points)", { claim in
                try await store.applyProgram(id: programId, definition: try ProgramDefinition.parse(source), source: source, now: now, idempotency: claim)
            }) { [self] _ in doubled.toggle() }
        case 81..<91:
            let jobs: [(String, @Sendable (any LaurelStore) async throws -> Int)] = [
                ("settle due points", { try await $0.settleDuePoints(now: now, batchSize: 100) }),
                ("review tiers", { try await $0.reviewTiers(now: now, batchSize: 100) }),
                ("run club memberships", { try await $0.runClubMemberships(now: now, batchSize: 100) }),
                ("expire redemptions", { try await $0.expireRedemptions(now: now, batchSize: 100) }),
                ("notify expiring points", { try await $0.notifyExpiringPoints(now: now, batchSize: 100) }),
            ]
            let (name, job) = jobs[random.int(jobs.count)]
            return Operation(name: "job: \(name)", keyed: false) {
                _ = try await job(store)
                return .fresh(nil, apply: {})
            }
        default:
            return nil
        }
    }

    /// An operation retried with one idempotency key; `apply` tells the simulation what it did.
    func keyed<Value: Sendable>(_ name: String, _ call: @escaping (Idempotency<Value>) async throws -> Idempotent<Value>,
                                apply: @escaping (Value) -> Void = { _ in }) -> Operation {
        let claim = Idempotency<Value>(key: nextId("key"), fingerprint: name) { value in StoredResponse(status: 201, body: Data("\(value)".utf8)) }
        return Operation(name: name, keyed: true) {
            switch try await call(claim) {
            case .fresh(let value, let response): .fresh(response, apply: { apply(value) })
            case .replayed(let response): .replayed(response)
            }
        }
    }
}
