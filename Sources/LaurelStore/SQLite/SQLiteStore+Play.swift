import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// The play mechanics' part of an event that was processed, in its transaction: punch card stamps
    /// and completions, referral gifts, and what a return takes back of them.
    static func play(_ db: Database, program: ProgramDefinition, version: Int, programId: String, memberId: String, event: LoyaltyEvent,
                     now: Date) throws {
        if event.purchase != nil {
            if !program.punchCards.isEmpty {
                try punchCardsOnPurchase(db, program: program, version: version, programId: programId, memberId: memberId, event: event, now: now)
            }
            try referralOnPurchase(db, program: program, version: version, programId: programId, memberId: memberId, event: event, now: now)
        } else if let purchaseId = event.returnOf?.purchaseEventId {
            if !program.punchCards.isEmpty {
                try punchCardsOnReturn(db, program: program, version: version, programId: programId, memberId: memberId, purchaseId: purchaseId,
                                       returnId: event.id, now: now)
            }
            try referralOnReturn(db, program: program, version: version, programId: programId, memberId: memberId, purchaseId: purchaseId,
                                 returnId: event.id, now: now)
        }
    }
}
