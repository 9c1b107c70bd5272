import Foundation
import LaurelCore
import LaurelStore

/// Everything the simulation's program holds, read through the store's own reads, as canonical
/// text (`dump`) and as the facts the invariants need. The text leaves out what the store draws
/// at random (lot, message and generated source ids, code values) and sequence numbers
/// (PostgreSQL's sequences keep the numbers a rolled-back transaction took); everything else,
/// dates included, comes from the simulation's clock and ids, so one seed gives one text.
struct StoreSnapshot: Equatable {
    struct Member: Equatable {
        var record: MemberRecord
        /// Oldest first.
        var entries: [LedgerEntryRecord]
    }

    var members: [Member]
    var redemptions: [RedemptionRecord]
    var rewards: [RewardRecord]
    var clubMembers: [ClubMembershipRecord]
    var outbox: [OutboxMessage]
    var audit: [String]

    static func read(_ store: any LaurelStore, programId: String, memberIds: [String], clubIds: [String], now: Date) async throws -> StoreSnapshot {
        var members: [Member] = []
        for id in memberIds {
            guard let record = try await store.member(programId: programId, id: id) else { continue }
            var entries: [LedgerEntryRecord] = []
            var cursor: Int64?
            repeat {
                let page = try await store.ledger(programId: programId, memberId: id, limit: 500, startingAfter: cursor)
                entries += page.items
                cursor = page.hasMore ? page.items.last?.sequence : nil
            } while cursor != nil
            members.append(Member(record: record, entries: entries.reversed()))
        }
        var redemptions: [RedemptionRecord] = []
        var after: String?
        repeat {
            let page = try await store.redemptions(programId: programId, memberId: nil, limit: 500, startingAfter: after, now: now)
            redemptions += page.items
            after = page.hasMore ? page.items.last?.id : nil
        } while after != nil
        var clubMembers: [ClubMembershipRecord] = []
        for club in clubIds {
            clubMembers += try await store.clubMembers(programId: programId, clubId: club, limit: 1000, startingAfter: nil).items
        }
        var outbox: [OutboxMessage] = []
        var sequence: Int64?
        repeat {
            let page = try await store.outbox(programId: programId, limit: 1000, startingAfter: sequence)
            outbox += page.items
            sequence = page.hasMore ? page.items.last?.sequence : nil
        } while sequence != nil
        return StoreSnapshot(members: members, redemptions: redemptions.sorted { $0.id < $1.id }, rewards: try await store.rewards(programId: programId),
                             clubMembers: clubMembers, outbox: outbox, audit: try await store.audit(programId: programId))
    }

    /// The canonical text: one line per member, ledger entry, redemption, reward, club place, and
    /// each member's messages in the order they were written.
    var dump: [String] {
        var lines: [String] = []
        for member in members {
            let record = member.record
            lines.append("member \(record.id) \(record.status) available \(record.available) pending \(record.pending) debt \(record.debt) "
                + "earned \(record.lifetimeEarned) tier \(record.tier.tierId ?? "-") since \(Self.time(record.tier.since))")
            for item in member.entries {
                let entry = item.entry
                lines.append("  \(entry.kind) \(entry.points) \(entry.from) -> \(entry.to) of \(entry.memberId) for \(Self.canonical(entry.sourceId)) "
                    + "v\(item.programVersion.map(String.init) ?? "-") at \(Self.time(item.createdAt)) \(item.actor ?? "") \(item.reason ?? "")")
            }
        }
        for item in redemptions {
            lines.append("redemption \(item.id) \(item.memberId) \(item.rewardId) \(item.points) \(item.status) code \(item.code != nil) "
                + "at \(Self.time(item.createdAt)) until \(Self.time(item.expiresAt)) cancelled \(Self.time(item.cancelledAt))")
        }
        for reward in rewards { lines.append("reward \(reward.reward.id) left \(reward.stockLeft.map(String.init) ?? "unlimited")") }
        for place in clubMembers {
            lines.append("club \(place.clubId) \(place.memberId) \(place.via) \(place.status) \(Self.time(place.joinedAt)) until \(Self.time(place.expiresAt))")
        }
        // One member's messages are in the order of that member's writes; the order between
        // members' messages written by one job follows the rows the job happened to read first.
        let byMember = Dictionary(grouping: outbox) { $0.memberId ?? "-" }
        for member in byMember.keys.sorted() {
            lines.append("messages \(member): " + byMember[member]!.map { "\($0.type) \(Self.time($0.createdAt))" }.joined(separator: ", "))
        }
        lines += audit.map { "audit: \($0)" }
        return lines
    }

    /// The invariants that must hold after every step and every fault; each broken one as a sentence.
    func problems(debtLimit: Int, stock: [String: Int]) -> [String] {
        var problems = audit.map { "ledger audit: \($0)" }
        for member in members {
            let record = member.record
            var available = 0, pending = 0
            for item in member.entries {
                available += StoreFixture.change(item.entry, .available(member: record.id))
                pending += StoreFixture.change(item.entry, .pending(member: record.id))
            }
            if available != record.available || pending != record.pending {
                problems.append("\(record.id): balance available \(record.available) pending \(record.pending), its entries sum to \(available) and \(pending)")
            }
            if record.debt < 0 || record.available < -debtLimit || record.pending < 0 {
                problems.append("\(record.id): available \(record.available) pending \(record.pending) debt \(record.debt), below what the debt policy allows")
            }
        }
        for reward in rewards {
            guard let total = stock[reward.reward.id] else { continue }
            let left = reward.stockLeft ?? 0
            let taken = redemptions.filter { $0.rewardId == reward.reward.id && $0.status != .cancelled }.count
            if left < 0 || left + taken != total {
                problems.append("reward \(reward.reward.id): \(left) left and \(taken) redeemed, of a stock of \(total)")
            }
        }
        return problems
    }

    private static func time(_ date: Date?) -> String { date.map { String(Timestamps.millis($0)) } ?? "-" }

    /// A source id with the random part of a store-made id (`Identifiers`: 26 base32 digits after
    /// the last underscore) left out; the simulation's own ids stay whole.
    static func canonical(_ id: String) -> String {
        guard let underscore = id.lastIndex(of: "_") else { return id }
        let tail = id[id.index(after: underscore)...]
        guard tail.count == 26, tail.allSatisfy({ $0.isNumber || ($0.isLowercase && $0.isASCII) }) else { return id }
        return id[...underscore] + "*"
    }
}
