import Foundation
import LaurelCore
import LaurelStore

/// A campaign as the API shows it: its definition as the program file writes it, its status at
/// `now`, and with a report, what it did so far (`figures`).
enum CampaignView {
    static func json(_ campaign: Campaign, now: Date, report: CampaignReport? = nil) -> JSONValue {
        guard case .object(var tree) = campaign.canonicalTree else { return campaign.canonicalTree }
        tree["object"] = .string("campaign")
        tree["status"] = .string(campaign.status(at: now).rawValue)
        if let report {
            tree["figures"] = .object([
                "members_reached": number(report.membersReached),
                "points_from_rules": number(report.pointsFromRules),
                "points_from_gifts": number(report.pointsFromGifts),
                "rewards_granted": number(report.rewardsGranted),
                "audience": group(report.audience),
                "holdout": group(report.holdout),
            ])
        }
        return .object(tree)
    }

    private static func number(_ value: Int) -> JSONValue { .number(String(value)) }

    private static func group(_ group: CampaignReport.Group) -> JSONValue {
        .object(["members": number(group.members), "buyers": number(group.buyers), "purchases": number(group.purchases),
                 "spend": .string(group.spend.description)])
    }
}
