/// Something named in the program file or the catalogue with `name` and `names:` (its name in other
/// languages): tiers, clubs, rewards, badges, challenges. The API answers `name` and the whole
/// `names` map and leaves the choice to the client; pages and the program summary pick one here.
public protocol LocalizedName {
    var name: String { get }
    var names: Translations { get }
}

extension LocalizedName {
    /// The name for `locale` (`tr`, `pt-BR`…): its own translation, its language's, else `name`.
    public func name(for locale: String) -> String { names.text(for: locale, fallback: name) }
}

extension TierLevel: LocalizedName {}
extension ClubDefinition: LocalizedName {}
extension Reward: LocalizedName {}
extension BadgeDefinition: LocalizedName {}
extension ChallengeDefinition: LocalizedName {}
