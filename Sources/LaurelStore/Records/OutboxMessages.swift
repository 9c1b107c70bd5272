import Foundation
import LaurelCore

/// A message to append to the outbox in the transaction of the change it reports.
struct PendingMessage: Hashable, Sendable {
    let id: String
    let type: String
    let payload: String
}

/// The messages both stores derive from a change the same way, so that they write the same bytes.
enum OutboxMessages {
    /// What a ledger operation did to the member's points, from its entries since loading:
    /// `points.earned` (credits from rules, tier bonuses and adjustments, pending or available),
    /// `points.spent` (redemptions and club fees) and `points.expired`. Maturing, returns, debits,
    /// transfers and restored points send none (the API caller made them, or they change nothing a
    /// member is told about). Each carries the balance after the operation.
    static func points(_ ledger: MemberLedger, now: Date) -> [PendingMessage] {
        var earned = 0, earnedPending = 0, spent = 0, expired = 0
        var earnedSource: String?, spentSource: String?, expiredLots: [String] = []
        for entry in ledger.entries {
            switch entry.kind {
            case .earn, .adjust:
                // An adjustment's credit comes from `adjusted`; its debit goes there.
                guard entry.from == .issued || entry.from == .adjusted else { break }
                earned += entry.points
                if case .pending = entry.to { earnedPending += entry.points }
                earnedSource = earnedSource ?? entry.sourceId
            case .spend:
                spent += entry.points
                spentSource = spentSource ?? entry.sourceId
            case .expire:
                expired += entry.points
                if let lot = entry.lotId { expiredLots.append(lot) }
            default:
                break
            }
        }
        var messages: [PendingMessage] = []
        if expired > 0 {
            messages.append(message(MessageType.pointsExpired, now: now) { json in
                balance(&json, ledger)
                json.field("lot_ids", expiredLots)
                json.field("member_id", ledger.memberId)
                json.field("points", expired)
            })
        }
        if earned > 0 {
            let newLots = ledger.newLots
            messages.append(message(MessageType.pointsEarned, now: now) { json in
                json.fieldOrNull("available_at", earnedPending > 0 ? newLots.filter(\.pending).map(\.availableAt).min().map(Timestamps.format) : nil)
                balance(&json, ledger)
                json.fieldOrNull("expires_at", newLots.compactMap(\.expiresAt).min().map(Timestamps.format))
                json.field("member_id", ledger.memberId)
                json.field("pending", earnedPending)
                json.field("points", earned)
                json.field("source_id", earnedSource ?? "")
            })
        }
        if spent > 0 {
            messages.append(message(MessageType.pointsSpent, now: now) { json in
                balance(&json, ledger)
                json.field("member_id", ledger.memberId)
                json.field("points", spent)
                json.field("source_id", spentSource ?? "")
            })
        }
        return messages
    }

    /// `tier.changed` and, beside it, `tier.upgraded` or `tier.downgraded` (by the tiers' order;
    /// reaching a first tier is an upgrade, losing every tier a downgrade). Same payload for each.
    static func tier(_ change: TierChange, policy: TierPolicy?, memberId: String, sourceId: String, now: Date) -> [PendingMessage] {
        let payload = change.outboxJSON(memberId: memberId, sourceId: sourceId)
        var messages = [PendingMessage(id: Identifiers.make("msg", now: now), type: MessageType.tierChanged, payload: payload)]
        if let policy {
            // No tier ranks below the first.
            let from = policy.index(change.from) ?? -1, to = policy.index(change.to) ?? -1
            if to != from {
                messages.append(PendingMessage(id: Identifiers.make("msg", now: now),
                                               type: to > from ? MessageType.tierUpgraded : MessageType.tierDowngraded, payload: payload))
            }
        }
        return messages
    }

    /// `member.enrolled` or `member.updated`: the member's fields a messaging tool acts on.
    static func member(_ type: String, _ member: MemberRecord, now: Date) -> PendingMessage {
        message(type, now: now) { json in
            json.fieldOrNull("birthday", member.birthday)
            json.fieldOrNull("email", member.email)
            json.field("external_id", member.externalId)
            json.field("member_id", member.id)
            json.fieldOrNull("name", member.name)
            json.field("status", member.status.rawValue)
        }
    }

    static func message(_ type: String, now: Date, _ members: (inout JSONTextWriter) -> Void) -> PendingMessage {
        var json = JSONTextWriter(capacity: 192)
        json.object(members)
        return PendingMessage(id: Identifiers.make("msg", now: now), type: type, payload: json.text)
    }

    private static func balance(_ json: inout JSONTextWriter, _ ledger: MemberLedger) {
        json.object("balance") { json in
            json.field("available", ledger.available)
            json.field("pending", ledger.pending)
        }
    }
}

/// An open lot that reached a notice threshold before its expiry.
struct ExpiringLot: Hashable, Sendable {
    let id: String
    let memberId: String
    let points: Int
    let expiresAt: Date
}

extension OutboxMessages {
    /// One `points.expiring_soon` per member and threshold: the member's lots that reached it.
    static func expiringSoon(_ lots: [ExpiringLot], days: Int, now: Date) -> [(memberId: String, message: PendingMessage)] {
        Dictionary(grouping: lots, by: \.memberId).sorted { $0.key < $1.key }.map { memberId, lots in
            let lots = lots.sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
            return (memberId, message(MessageType.pointsExpiringSoon, now: now) { json in
                json.field("days_before", days)
                json.field("expires_at", Timestamps.format(lots[0].expiresAt))
                json.array("lots", lots) { json, lot in
                    json.object { json in
                        json.field("expires_at", Timestamps.format(lot.expiresAt))
                        json.field("lot_id", lot.id)
                        json.field("points", lot.points)
                    }
                }
                json.field("member_id", memberId)
                json.field("points", lots.reduce(0) { $0 + $1.points })
            })
        }
    }
}
