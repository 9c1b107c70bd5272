import Foundation
import LaurelTestSupport

/// One write of a crash round: earn (a purchase event), redeem (a limited reward) or transfer, each
/// with an Idempotency-Key of its own, so it can be retried after the crash.
struct CrashOperation: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case earn, redeem, transfer
    }

    let kind: Kind
    let key: String
    let path: String
    let body: String
}

/// The writes of a round, drawn from its seed: half purchases (1.00 to 99.99 EUR, so each earns at
/// least a point), a fifth redemptions of the limited reward, the rest transfers of 1 to 20 points
/// between two different members.
enum CrashWorkload {
    static func operations(count: Int, members: [String], rewardId: String, round: String, using random: inout SplitMix64) -> [CrashOperation] {
        (0..<count).map { index in
            let member = members[random.int(members.count)]
            let key = "\(round)-\(index)"
            switch random.int(10) {
            case 0..<5:
                let cents = 100 + random.int(9_900)
                return CrashOperation(kind: .earn, key: key, path: "/v1/events", body: """
                    {"member_id":"\(member)","type":"purchase","purchase":{"currency":"EUR","total":"\(cents / 100).\(String(format: "%02d", cents % 100))"}}
                    """)
            case 5..<7:
                return CrashOperation(kind: .redeem, key: key, path: "/v1/redemptions", body: #"{"member_id":"\#(member)","reward_id":"\#(rewardId)"}"#)
            default:
                var other = members[random.int(members.count)]
                while other == member { other = members[random.int(members.count)] }
                return CrashOperation(kind: .transfer, key: key, path: "/v1/transfers",
                                      body: #"{"from_member_id":"\#(member)","to_member_id":"\#(other)","points":\#(1 + random.int(20))}"#)
            }
        }
    }
}
