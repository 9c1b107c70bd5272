import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// A round's program, written straight into its fresh database before any server runs: the program,
/// an integration key, 16 members with 10,000 points each, and a reward of limited stock.
struct CrashSetup: Sendable {
    static let programId = "crash"
    static let rewardId = "gift"

    let key: String
    let memberIds: [String]
    /// The starting credits' adjustment ids: the ledger's only sources besides the round's writes.
    let adjustmentIds: Set<String>

    static func make(_ store: any LaurelStore) async throws -> CrashSetup {
        let now = Date()
        let definition = try ProgramDefinition.parse(CrashRound.program)
        _ = try await store.createProgram(id: programId, name: "Crash", now: now)
        _ = try await store.applyProgram(id: programId, definition: definition, source: CrashRound.program, now: now, idempotency: nil)
        let key = try await APIKeyAuthenticator.create(store: store, programId: programId, scope: .integration, name: "crash", now: now).1
        let reward = try Reward.read(try ProgramSourceParser.parse("""
            {"id": "\(rewardId)", "name": "Gift", "type": "free_product", "sku": "G", "cost": 50, "stock": \(CrashRound.stock)}
            """), program: definition)
        _ = try await store.putReward(programId: programId, reward: reward, now: now)
        var memberIds: [String] = []
        var adjustmentIds: Set<String> = []
        for index in 0..<CrashRound.memberCount {
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: programId, externalId: "c\(index)", createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            let adjustment = Identifiers.make("adj", now: now)
            _ = try await store.adjust(programId: programId, memberId: member.id, id: adjustment, points: CrashRound.startingPoints,
                                       reason: "starting points", actor: "crash test", now: now, idempotency: nil)
            memberIds.append(member.id)
            adjustmentIds.insert(adjustment)
        }
        return CrashSetup(key: key, memberIds: memberIds, adjustmentIds: adjustmentIds)
    }
}
