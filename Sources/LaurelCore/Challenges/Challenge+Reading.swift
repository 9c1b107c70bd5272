import Foundation

extension ProgramDefinition {
    /// The most challenges and badges one program may define.
    public static let maxChallenges = 200
    public static let maxBadges = 200
}

/// Reads `badges:` and `challenges:`.
struct ChallengeReader {
    let reader: DefinitionReader
    let timeZone: TimeZone
    let tierIds: Set<String>
    let segmentIds: Set<String>

    /// The most a target may be (a sum of steps, a streak of days).
    static let maxTarget = 1_000_000_000

    func readBadges(_ items: [(JSONValue, String)]) -> [BadgeDefinition] {
        var badges: [BadgeDefinition] = []
        var ids: [String: String] = [:]
        for (value, path) in items {
            guard let object = reader.object(value, at: path, allowed: ["id", "name", "names", "description", "image_url"]) else { continue }
            let id = object.identifier(unique: &ids, what: "badge")
            let name = object.string("name", required: true)
            let names = object.translations("names", maxLength: ClubDefinition.maxNameLength)
            var imageURL = object.string("image_url", required: true)
            if let url = imageURL, url.unicodeScalars.count > Branding.maxLogoURL || !Branding.isLogoURL(url) {
                reader.report(object.pathOf("image_url"), "must be an https URL such as https://cdn.example.com/badge.png, at most \(Branding.maxLogoURL) characters")
                imageURL = nil
            }
            guard let id, let name, let imageURL else { continue }
            badges.append(BadgeDefinition(id: id, name: name, description: object.string("description"), names: names, imageURL: imageURL))
        }
        return badges
    }

    func readChallenges(_ items: [(JSONValue, String)], badgeIds: Set<String>) -> [ChallengeDefinition] {
        var challenges: [ChallengeDefinition] = []
        var ids: [String: String] = [:]
        let allowed: Set<String> = ["id", "name", "names", "description", "event", "measure", "attribute", "target", "repeat", "period", "grace",
                                    "starts_at", "ends_at", "opt_in", "tiers", "segments", "points", "reward", "badge"]
        for (value, path) in items {
            guard let object = reader.object(value, at: path, allowed: allowed) else { continue }
            let id = object.identifier(unique: &ids, what: "challenge")
            let name = object.string("name", required: true)
            let event = object.string("event", required: true)
            if event == LoyaltyEvent.returnType { reader.report(object.pathOf("event"), "returns do not count towards challenges") }
            enum MeasureName: String, CaseIterable { case count, distinct, sum, streak }
            let measureName = object.choice("measure", MeasureName.self, required: true)
            let target = object.int("target", required: true, min: 1, max: Self.maxTarget)
            var measure: ChallengeDefinition.Measure?
            switch measureName {
            case .count?:
                measure = .count
            case .distinct?:
                if let event, event != LoyaltyEvent.purchaseType {
                    reader.report(object.pathOf("measure"), "distinct counts purchase line attributes, so it needs event: purchase")
                }
                measure = object.choice("attribute", ChallengeDefinition.LineAttribute.self, required: true).map { .distinct($0) }
            case .sum?:
                measure = object.string("attribute", required: true).map { .sum(attribute: $0) }
            case .streak?:
                let period = object.choice("period", ChallengePeriod.self, required: true)
                let grace = object.int("grace", min: 0, max: 100) ?? 0
                measure = period.map { .streak(period: $0, grace: grace) }
                if object.has("repeat") { reader.report(object.pathOf("repeat"), "a streak counts periods in a row; it does not repeat") }
            case nil:
                break
            }
            if measureName != .streak {
                for key in ["period", "grace"] where object.has(key) {
                    reader.report(object.pathOf(key), "applies to measure: streak only")
                }
            }
            if measureName == .count && object.has("attribute") { reader.report(object.pathOf("attribute"), "does not apply to measure: count") }
            if measureName == .streak && object.has("attribute") { reader.report(object.pathOf("attribute"), "does not apply to measure: streak") }
            let repeats = measureName == .streak ? nil : object.choice("repeat", ChallengePeriod.self)
            let startsAt = object.date("starts_at", timeZone: timeZone)
            let endsAt = object.date("ends_at", timeZone: timeZone)
            if let startsAt, let endsAt, endsAt <= startsAt { reader.report(object.pathOf("ends_at"), "must be after starts_at") }
            let tiers = object.strings("tiers") ?? []
            for (index, tier) in tiers.enumerated() where !tierIds.contains(tier) {
                reader.report("\(object.pathOf("tiers"))[\(index)]", "unknown tier \"\(tier)\"")
            }
            let segments = object.strings("segments") ?? []
            for (index, segment) in segments.enumerated() where !segmentIds.contains(segment) {
                reader.report("\(object.pathOf("segments"))[\(index)]", "unknown segment \"\(segment)\"")
            }
            let points = object.int("points", min: 1)
            // Unlike a gift rule's, the reward is not checked against the catalogue when the program is applied (a program
            // may name a reward created later); one still unknown at completion is recorded as the gift's status `unknown_reward`.
            let reward = object.string("reward")
            let badge = object.string("badge")
            if let badge, !badgeIds.contains(badge) {
                let known = badgeIds.isEmpty ? "the program defines no badges" : "badges: \(badgeIds.sorted().joined(separator: ", "))"
                reader.report(object.pathOf("badge"), "unknown badge \"\(badge)\" (\(known))")
            }
            if points == nil && reward == nil && badge == nil && !object.has("points") {
                reader.report(path, "must give something on completion: points, reward or badge")
            }
            guard let id, let name, let event, let measure, let target else { continue }
            var challenge = ChallengeDefinition(id: id, name: name, description: object.string("description"), event: event, measure: measure,
                                                target: target, repeats: repeats, startsAt: startsAt, endsAt: endsAt,
                                                optIn: object.bool("opt_in") ?? false, tiers: tiers, segments: segments, points: points,
                                                reward: reward, badge: badge)
            challenge.names = object.translations("names", maxLength: ClubDefinition.maxNameLength)
            challenges.append(challenge)
        }
        return challenges
    }

}

extension BadgeDefinition {
    /// The badge as the program file writes it.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "image_url": .string(imageURL)]
        if let description { tree["description"] = .string(description) }
        if !names.isEmpty { tree["names"] = names.canonicalTree }
        return .object(tree)
    }
}

extension ChallengeDefinition {
    /// The challenge as the program file writes it.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "event": .string(event), "target": .number(String(target)),
                                         "measure": .string(measure.name)]
        switch measure {
        case .count:
            break
        case .distinct(let attribute):
            tree["attribute"] = .string(attribute.rawValue)
        case .sum(let attribute):
            tree["attribute"] = .string(attribute)
        case .streak(let period, let grace):
            tree["period"] = .string(period.rawValue)
            if grace > 0 { tree["grace"] = .number(String(grace)) }
        }
        if let description { tree["description"] = .string(description) }
        if !names.isEmpty { tree["names"] = names.canonicalTree }
        if let repeats { tree["repeat"] = .string(repeats.rawValue) }
        if let startsAt { tree["starts_at"] = .string(Timestamps.format(startsAt)) }
        if let endsAt { tree["ends_at"] = .string(Timestamps.format(endsAt)) }
        if optIn { tree["opt_in"] = .bool(true) }
        if !tiers.isEmpty { tree["tiers"] = .array(tiers.map(JSONValue.string)) }
        if !segments.isEmpty { tree["segments"] = .array(segments.map(JSONValue.string)) }
        if let points { tree["points"] = .number(String(points)) }
        if let reward { tree["reward"] = .string(reward) }
        if let badge { tree["badge"] = .string(badge) }
        return .object(tree)
    }
}
