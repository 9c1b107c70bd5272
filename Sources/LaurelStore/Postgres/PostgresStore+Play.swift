import Foundation
import LaurelCore
import PostgresNIO

extension PostgresStore {
    /// The play mechanics' part of a processed event, in its transaction (see `SQLiteStore.play`).
    func play(_ connection: PostgresConnection, program: ProgramDefinition, version: Int, programId: String, memberId: String, event: LoyaltyEvent,
              now: Date) async throws {
        if event.purchase != nil {
            if !program.punchCards.isEmpty {
                try await punchCardsOnPurchase(connection, program: program, version: version, programId: programId, memberId: memberId, event: event,
                                               now: now)
            }
            try await referralOnPurchase(connection, program: program, version: version, programId: programId, memberId: memberId, event: event, now: now)
        } else if let purchaseId = event.returnOf?.purchaseEventId {
            if !program.punchCards.isEmpty {
                try await punchCardsOnReturn(connection, program: program, version: version, programId: programId, memberId: memberId,
                                             purchaseId: purchaseId, returnId: event.id, now: now)
            }
            try await referralOnReturn(connection, program: program, version: version, programId: programId, memberId: memberId, purchaseId: purchaseId,
                                       returnId: event.id, now: now)
        }
    }
}
