/// The program the simulation runs: pending points, expiry, debt on returns, rule limits, tiers
/// over a rolling month, a tier club with a cap and a club bought with points, and two rewards
/// with limited stock.
enum SimulationProgram {
    static let debtLimit = 50

    static let source = """
        name: Simulation
        currency: EUR
        rounding: half_up
        points:
          pending_days: 3
          expiry: {policy: after_days, days: 20}
          returns: {when_spent: debt, debt_limit: \(debtLimit)}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: app
            event: purchase
            conditions:
              - {field: event.channel, op: eq, value: app}
            effect: {type: fixed_points, points: 7}
            limit: {max_times: 2, period: day}
          - id: review
            event: review
            effect: {type: fixed_points, points: 15}
            limit: {max_times: 2, period: day}
          - id: steps
            event: steps
            effect: {type: points_per_attribute, attribute: steps, points: 1, per: 1000}
            limit: {max_points: 20, period: day}
        tiers:
          basis: amount_spent
          window: {rolling_months: 1}
          downgrade: {policy: automatic}
          levels:
            - {id: bronze, threshold: 0}
            - {id: gold, threshold: 300, benefits: {bonus_points: 25}}
        clubs:
          - {id: lounge, name: Lounge, join: {tiers: [gold], invitations: staff}, duration_months: 1, renewal: while_in_tier, member_cap: 2, notify_days_before: 7}
          - {id: paid, name: Paid, join: {points: 50}, duration_months: 1, renewal: purchase}

        """

    /// The same program earning twice as much on purchases: the simulation applies one or the other as a new version.
    static let doubled = source.replacingOccurrences(of: "effect: {type: points_per_amount, points: 1, per: 1}",
                                                     with: "effect: {type: points_per_amount, points: 2, per: 1}")

    static let clubIds = ["lounge", "paid"]

    /// Rewards with limited stock, and that stock.
    static let rewards = [
        (json: #"{"id": "cup", "name": "Cup", "type": "experience", "cost": 150, "stock": 6}"#, stock: 6),
        (json: #"{"id": "drop", "name": "Sneaker drop", "type": "free_product", "sku": "SNK", "cost": 100, "stock": 10}"#, stock: 10),
    ]
}
