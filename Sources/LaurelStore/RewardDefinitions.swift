import Foundation
import LaurelCore
import Synchronization

/// Parsed reward definitions by their stored text: a reward is read on every redemption and a
/// member's catalogue reads all of them, while the text changes only when the reward is edited.
final class RewardDefinitions: Sendable {
    /// One for the process: a stored text always reads as the same reward.
    static let shared = RewardDefinitions()

    private let parsed = Mutex<[String: Reward]>([:])

    func reward(_ text: String) throws -> Reward {
        if let cached = parsed.withLock({ $0[text] }) { return cached }
        let reward = try Reward.readStored(try JSONText.decode(JSONValue.self, text))
        parsed.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() } // edited rewards leave old texts behind
            entries[text] = reward
        }
        return reward
    }
}
