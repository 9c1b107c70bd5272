/// The names of consents a member grants or withdraws (`PUT /v1/members/{id}/consents`) and that
/// rules, campaigns and webhook endpoints may require: `marketing`, `profiling`, or the brand's own.
public enum ConsentName {
    /// The consents every program knows; brands may name others.
    public static let standard = ["marketing", "profiling"]

    /// 1 to 40 lowercase letters, digits or `_`, starting with a letter.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 40, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

extension ProgramDefinition {
    /// The event types some rule judges by a consent (a `consent` condition, or a campaign whose
    /// audience names consents): only events of these types read the member's consents.
    public var consentEventTypes: Set<String> {
        let campaignRules = campaigns.filter { !$0.audience.consents.isEmpty }.flatMap(\.rules)
        let ruled = allEarningRules.filter { rule in rule.conditions.contains { if case .consent = $0 { true } else { false } } }
        return Set((campaignRules + ruled).map(\.event))
    }
}
