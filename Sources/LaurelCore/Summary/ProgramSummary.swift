import Foundation

/// A program explained in plain language, generated from its definition: the sentences a cashier
/// would say ("1 point per €1 spent, not on gift-cards or delivery"), never the file's YAML.
/// Pure: the same definition and language always give the same text.
public struct ProgramSummary: Hashable, Sendable {
    public struct Section: Hashable, Sendable {
        public var title: String
        public var lines: [String]
    }

    public var sections: [Section]

    /// The summary of `program` in `language`.
    public static func make(_ program: ProgramDefinition, language: SummaryLanguage) -> ProgramSummary {
        Builder(program: program, phrases: language.phrases, locale: language.rawValue).summary()
    }
}

/// The languages the summary is written in.
public enum SummaryLanguage: String, Sendable, CaseIterable {
    case en, tr, uk

    var phrases: any SummaryPhrases {
        switch self {
        case .en: EnglishSummaryPhrases()
        case .tr: TurkishSummaryPhrases()
        case .uk: UkrainianSummaryPhrases()
        }
    }
}

/// Walks the definition and asks the language's phrases for each part.
private struct Builder {
    let program: ProgramDefinition
    let phrases: any SummaryPhrases
    /// The play sections name badges, challenges and their tiers in this language when the file translates them.
    let locale: String

    func summary() -> ProgramSummary {
        var sections: [ProgramSummary.Section] = []
        let rules = program.earningRules.map(rule)
        sections.append(.init(title: phrases.earningTitle, lines: rules.isEmpty ? [phrases.noEarningRules] : rules))
        sections.append(.init(title: phrases.pointsTitle, lines: pointLines()))
        if let tiers = program.tiers, !tiers.levels.isEmpty {
            sections.append(.init(title: phrases.tiersTitle, lines: tierLines(tiers)))
        }
        if !program.clubs.isEmpty {
            sections.append(.init(title: phrases.clubsTitle, lines: program.clubs.map(club)))
        }
        if !program.campaigns.isEmpty {
            sections.append(.init(title: phrases.campaignsTitle, lines: program.campaigns.map(campaign)))
        }
        if let birthday = program.birthday {
            sections.append(.init(title: phrases.birthdayTitle, lines: [phrases.birthday(
                points: birthday.points, reward: birthday.reward, daysBefore: birthday.windowDaysBefore, daysAfter: birthday.windowDaysAfter)]))
        }
        sections += playSections()
        return ProgramSummary(sections: sections)
    }

    /// Referrals, punch cards, challenges and badges, wheels and raffles: a sentence each.
    func playSections() -> [ProgramSummary.Section] {
        var sections: [ProgramSummary.Section] = []
        if let referrals = program.referrals {
            var lines = referrals.rewards.map { reward in
                let minAmount: Amount? = switch reward.trigger {
                case .enrolled: nil
                case .firstPurchase(let minAmount): minAmount
                case .purchases(_, _, let minAmount): minAmount
                }
                return phrases.referral(trigger: reward.trigger, minAmount: minAmount.map(money),
                                        referrer: reward.referrer.map { phrases.gives(points: $0.points, reward: $0.reward, badge: nil) },
                                        friend: reward.friend.map { phrases.gives(points: $0.points, reward: $0.reward, badge: nil) })
            }
            lines.append(phrases.referralControls(fingerprints: referrals.fingerprints, cap: referrals.cap,
                                                  pendingDays: referrals.pendingDays ?? program.pendingDays))
            sections.append(.init(title: phrases.referralsTitle, lines: lines))
        }
        if !program.punchCards.isEmpty {
            sections.append(.init(title: phrases.punchCardsTitle, lines: program.punchCards.map { card in
                phrases.punchCard(name: card.name, stamps: card.stamps, products: card.products.map(names) ?? [], minAmount: card.minAmount.map(money),
                                  expiryDays: card.stampExpiryDays, gives: phrases.gives(points: card.points, reward: card.reward, badge: nil),
                                  revokes: card.onReturn == .revoke)
            }))
        }
        if !program.challenges.isEmpty || !program.badges.isEmpty {
            let challenges = program.challenges.map { challenge in
                let window = (challenge.startsAt != nil || challenge.endsAt != nil) ? phrases.between(challenge.startsAt.map(day), challenge.endsAt.map(day)) : nil
                return phrases.challenge(name: challenge.name(for: locale), measure: challenge.measure, event: challenge.event, target: challenge.target,
                                         repeats: challenge.repeats, window: window, optIn: challenge.optIn,
                                         tiers: challenge.tiers.map { program.tiers?.level($0)?.name(for: locale) ?? $0 }, segments: challenge.segments,
                                         gives: phrases.gives(points: challenge.points, reward: challenge.reward,
                                                              badge: challenge.badge.map { id in program.badges.first { $0.id == id }?.name(for: locale) ?? id }))
            }
            let badges = program.badges.map { badge in
                phrases.badge(name: badge.name(for: locale), challenges: program.challenges.filter { $0.badge == badge.id }.map { $0.name(for: locale) })
            }
            sections.append(.init(title: phrases.challengesTitle, lines: challenges + badges))
        }
        if !program.games.isEmpty {
            let wheels = program.games.wheels.map { wheel in
                let total = wheel.prizes.reduce(0) { $0 + $1.weight }
                let prizes = wheel.prizes.filter { $0.weight > 0 }.map { prize in
                    phrases.wheelPrize(points: prize.points, reward: prize.reward, percent: percent(prize.weight, of: total), budget: prize.budget)
                }
                return phrases.wheel(name: wheel.name, costPoints: wheel.costPoints, earnedBy: wheel.earnedBy, limit: wheel.limit, prizes: prizes)
            }
            let raffles = program.games.raffles.map { raffle in
                phrases.raffle(name: raffle.name, costPoints: raffle.entryCostPoints, earnedBy: raffle.earnedBy, maxPerMember: raffle.maxEntriesPerMember,
                               drawAt: day(raffle.drawAt), winners: raffle.winners, prizePoints: raffle.prizePoints)
            }
            sections.append(.init(title: phrases.gamesTitle, lines: wheels + raffles))
        }
        return sections
    }

    /// `part` of `total` in percent, to a tenth ("2", "0.1"), in the language's number format.
    func percent(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return phrases.number(0) }
        let tenths = (part * 1000 + total / 2) / total
        return phrases.number(Amount("\(tenths / 10).\(tenths % 10)") ?? Amount(integer: tenths / 10))
    }

    func rule(_ rule: EarningRule) -> String {
        let effect: String
        switch rule.effect {
        case .pointsPerAmount(let earn):
            var excluded = names(earn.exclude)
            if earn.excludeDelivery { excluded.append(phrases.delivery) }
            effect = phrases.pointsPerAmount(points: earn.points, per: money(earn.per), onTotal: earn.base == .total,
                                             only: earn.include.map(names) ?? [], except: excluded, minOrder: earn.minOrder.map(money))
        case .fixedPoints(let points):
            effect = phrases.fixedPoints(points, event: rule.event)
        case .productBonus(let bonus):
            effect = phrases.productBonus(bonus.points, per: bonus.per, of: names(bonus.match))
        case .multiplier(let multiplier):
            effect = phrases.multiplier(multiplier.factor, on: multiplier.match.map(names) ?? [])
        case .pointsPerAttribute(let earn):
            effect = phrases.pointsPerAttribute(points: earn.points, per: earn.per, attribute: earn.attribute)
        case .giftReward(let reward):
            effect = phrases.gift(reward: reward, event: rule.event)
        }
        let conditions = rule.conditions.map(condition)
        let limit = rule.limit.map { phrases.limit(maxTimes: $0.maxTimes, maxPoints: $0.maxPoints, period: $0.period, rolling: $0.window == .rolling) }
        let window = (rule.activeFrom != nil || rule.activeTo != nil) ? phrases.between(rule.activeFrom.map(day), rule.activeTo.map(day)) : nil
        return phrases.rule(effect: effect, conditions: conditions, limit: limit, window: window, stops: rule.stop)
    }

    func condition(_ condition: RuleCondition) -> String {
        switch condition {
        case .daysOfWeek(let days): return phrases.onDays(days.sorted())
        case .stores(let stores): return phrases.inStores(stores.sorted())
        case .consent(let name): return phrases.consented(name)
        case .hasProduct(let filter): return phrases.basketHas(names(filter))
        case .field(let path, let op, let value):
            if path == "member.clubs", op == .contains, case .string(let id)? = value {
                return phrases.clubMembers(program.club(id)?.name ?? id)
            }
            if path == "member.tier", let tiers = program.tiers {
                let ids: [String] = switch value { case .string(let id)?: [id]; case .array(let list)?: list.compactMap(\.stringValue); default: [] }
                if (op == .eq || op == .in), !ids.isEmpty { return phrases.tierMembers(ids.map { tiers.level($0)?.name ?? $0 }) }
            }
            let text: String? = switch value {
            case .array(let list)?: list.map(valueText).joined(separator: ", ")
            case let single?: valueText(single)
            case nil: nil
            }
            return phrases.field(path, op: op, value: text, isMoney: path == "event.total" ? program.currency : nil)
        }
    }

    func valueText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: "…"
        }
    }

    func pointLines() -> [String] {
        var lines = [phrases.pointValue(money(program.pointValue))]
        lines.append(phrases.expiry(program.expiry))
        if program.pendingDays > 0 { lines.append(phrases.pending(days: program.pendingDays)) }
        lines.append(phrases.returns(program.returns.whenSpent, debtLimit: program.returns.debtLimit))
        return lines
    }

    func tierLines(_ tiers: TierPolicy) -> [String] {
        var lines = [phrases.tierBasis(tiers.basis, window: tiers.window)]
        for level in tiers.levels {
            let threshold = tiers.basis == .amountSpent ? money(level.threshold) : phrases.number(level.threshold)
            lines.append(phrases.tier(name: level.name, threshold: threshold, basis: tiers.basis, benefits: level.benefits))
        }
        lines.append(phrases.downgrade(tiers.downgrade))
        return lines
    }

    func club(_ club: ClubDefinition) -> String {
        let tierNames = club.tiers.map { program.tiers?.level($0)?.name ?? $0 }
        return phrases.club(name: club.name, pointsCost: club.pointsCost, tiers: tierNames, invitations: club.invitations,
                            months: club.durationMonths, cap: club.memberCap)
    }

    func campaign(_ campaign: Campaign) -> String {
        phrases.campaign(name: campaign.name, from: day(campaign.start), until: day(campaign.end), rules: campaign.rules.map(rule),
                         pointsGift: campaign.pointsGift)
    }

    func names(_ filter: LineFilter) -> [String] { filter.categories.sorted() + filter.labels.sorted() + filter.skus.sorted() }

    func money(_ amount: Amount) -> String { phrases.money(amount, currency: program.currency) }

    /// A date as the program's calendar day, `YYYY-MM-DD`.
    func day(_ date: Date) -> String {
        let (year, month, day) = Timestamps.civilFromDays(LocalDays.day(date, program.calendar.timeZone))
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
