import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The rewards catalogue with costs and stock levels (read-only here; the API creates and edits).
struct RewardPages {
    let store: any LaurelStore

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/rewards", role: .support) { request in
            let locale = request.locale
            let rewards = try await store.rewards(programId: request.programId).map { record -> [String: Any] in
                let reward = record.reward
                let stock: String = record.stockLeft.map { left in
                    reward.stock.map { locale.text("console_rewards_stock_of", ["left": locale.number(left), "total": locale.number($0)]) }
                        ?? locale.number(left)
                } ?? locale["console_rewards_unlimited"]
                return ["id": reward.id, "name": reward.name, "cost": locale.number(reward.cost), "stock": stock,
                        "out": record.stockLeft == 0, "type": reward.kind.typeName]
            }
            return try await ConsolePages.render("console-rewards", request, title: locale["console_nav_rewards"], section: .rewards,
                                                 page: ["rewards": rewards, "has_rewards": !rewards.isEmpty])
        }
    }
}
