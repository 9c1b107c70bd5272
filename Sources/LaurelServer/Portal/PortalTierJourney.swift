import Foundation
import LaurelCore

/// The tier journey as the home page draws it: every level from the first to the top on one path,
/// the member's place on it ("you are here", part way to the next level by their basis), and what is
/// left to reach the next level or keep this one. Drawn as SVG by the template from these positions
/// (a 0–1000 wide view box), with the same facts as a list beside it for screen readers.
struct PortalTierJourney {
    static let width = 1000.0
    static let inset = 60.0

    struct Step {
        let name: String
        let threshold: String
        let x: Double
        let reached: Bool
        let current: Bool
    }

    let steps: [Step]
    /// Where "you are here" stands, and where the walked part of the path ends (the same place).
    let markerX: Double
    let headline: String
    let detail: String?

    init?(policy: TierPolicy?, progress: TierProgress?, locale: WebLocale, currency: String, timeZone: TimeZone) {
        guard let policy, !policy.levels.isEmpty else { return nil }
        let levels = policy.levels
        let current = progress.flatMap { policy.index($0.tier?.id) }
        let basis = progress?.basis ?? Amount(integer: 0)
        let span = Self.width - 2 * Self.inset
        func x(_ index: Int) -> Double { levels.count == 1 ? Self.width / 2 : Self.inset + span * Double(index) / Double(levels.count - 1) }
        func amount(_ value: Amount) -> String { Self.format(value, basis: policy.basis, locale: locale, currency: currency) }
        func name(_ level: TierLevel) -> String { level.names.text(for: locale.code, fallback: level.name) }

        steps = levels.enumerated().map { index, level in
            Step(name: name(level), threshold: amount(level.threshold), x: x(index), reached: (current ?? -1) >= index, current: current == index)
        }
        // Part way from the current level to the next, by the share of the gap the basis has covered.
        if let current, current + 1 < levels.count {
            let from = levels[current].threshold.units, to = levels[current + 1].threshold.units
            let share = to > from ? min(1, max(0, Double(basis.units - from) / Double(to - from))) : 0
            markerX = x(current) + (x(current + 1) - x(current)) * share
        } else {
            markerX = current.map(x) ?? Self.inset / 2
        }
        // Already enough for the next level (a first level from 0, or a basis not yet evaluated): the
        // next activity moves the member up, not "0 points to go".
        func toGo(_ missing: Amount, _ next: TierLevel) -> String {
            missing.isPositive ? locale.text("portal_tier_to_next", ["amount": amount(missing), "tier": name(next)])
                : locale.text("portal_tier_next_activity", ["tier": name(next)])
        }
        switch (current, progress?.nextTier, progress?.toNextTier) {
        case (let index?, let next?, let missing?):
            headline = locale.text("portal_tier_you_are", ["tier": name(levels[index])])
            detail = toGo(missing, next)
        case (let index?, _, _):
            headline = locale.text("portal_tier_you_are", ["tier": name(levels[index])])
            detail = locale["portal_tier_top"]
        case (nil, let next?, let missing?):
            headline = locale["portal_tier_none"]
            detail = toGo(missing, next)
        case (nil, _, _):
            headline = locale["portal_tier_none"]
            detail = nil
        }
        keep = progress.flatMap { progress in
            guard let missing = progress.toKeepTier, missing.isPositive, let by = progress.keepBy, let tier = progress.tier else { return nil }
            return locale.text("portal_tier_to_keep", ["amount": amount(missing), "tier": name(tier), "date": locale.date(by, timeZone: timeZone)])
        }
    }

    /// What keeping the current tier still needs by its review date, when anything.
    let keep: String?

    /// A threshold or gap in the basis's unit: points, money, or purchases.
    static func format(_ value: Amount, basis: TierPolicy.Basis, locale: WebLocale, currency: String) -> String {
        switch basis {
        case .pointsEarned, .pointsBalance:
            return locale.text("portal_points_count", ["points": locale.number(Int(value.units / Amount.scale))], count: Int(value.units / Amount.scale))
        case .purchases:
            return locale.text("portal_purchases_count", ["count": locale.number(Int(value.units / Amount.scale))], count: Int(value.units / Amount.scale))
        case .amountSpent:
            return locale.money(Decimal(string: value.description) ?? 0, currency: currency)
        }
    }

    var context: [String: Any] {
        var context: [String: Any] = [
            "steps": steps.map { step -> [String: Any] in
                ["name": step.name, "threshold": step.threshold, "x": Self.coordinate(step.x), "reached": step.reached, "current": step.current]
            },
            "marker_x": Self.coordinate(markerX), "path_start": Self.coordinate(steps.first?.x ?? 0), "path_end": Self.coordinate(steps.last?.x ?? 0),
            "headline": headline,
        ]
        if let detail { context["detail"] = detail }
        if let keep { context["keep"] = keep }
        return context
    }

    /// SVG coordinates with one decimal, written the same in every locale.
    static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }
}
