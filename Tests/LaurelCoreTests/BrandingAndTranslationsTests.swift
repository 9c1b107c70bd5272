import Foundation
import Testing
import LaurelCore

/// `branding:` and the per-language names of tiers, clubs and rewards: read, validated with every
/// problem reported, written back the same, and looked up by the member's language.
struct BrandingAndTranslationsTests {
    static let branded = """
        name: Bean & Thread Rewards
        currency: EUR
        branding:
          display_name: Bean & Thread
          logo_url: https://cdn.example.com/logo.svg?v=2
          colors: {primary: "#1A6B3C", accent: "#fc0", background: "#fffdf8", text: "#1f1f1f"}
          font: '"Avenir Next", Helvetica, sans-serif'
        tiers:
          basis: points_earned
          levels:
            - {id: green, name: Green, names: {tr: Yeşil, uk: Зелений}, threshold: 0}
            - {id: gold, name: Gold, threshold: 1000}
        clubs:
          - id: roastery
            name: Roastery Club
            names: {tr: Kavurma Kulübü}
            descriptions: {uk: Клуб обсмажування}
            join: {points: 2000}
        """

    static func issues(_ text: String) throws -> [String] {
        try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(text) }.issues.map(\.description)
    }

    @Test func brandingAndNamesAreReadAndWrittenBackTheSame() throws {
        let program = try ProgramDefinition.parse(Self.branded)
        #expect(program.branding == Branding(displayName: "Bean & Thread", logoURL: "https://cdn.example.com/logo.svg?v=2", primaryColor: "#1a6b3c",
                                             accentColor: "#ffcc00", backgroundColor: "#fffdf8", textColor: "#1f1f1f",
                                             fontStack: #""Avenir Next", Helvetica, sans-serif"#))
        #expect(program.tiers?.levels[0].names == Translations(["tr": "Yeşil", "uk": "Зелений"]))
        #expect(program.tiers?.levels[1].names.isEmpty == true)
        #expect(program.clubs[0].names.text(for: "tr-TR", fallback: "Roastery Club") == "Kavurma Kulübü")
        #expect(program.clubs[0].names.text(for: "uk", fallback: "Roastery Club") == "Roastery Club")
        #expect(program.clubs[0].descriptions.text(for: "uk", fallback: "") == "Клуб обсмажування")
        #expect(try ProgramDefinition.read(program.canonicalTree) == program)
        #expect(ProgramDefinition(name: "x", currency: "EUR").canonicalTree.objectValue?["branding"] == nil)
    }

    @Test func badBrandingIsReportedFieldByField() throws {
        let issues = try Self.issues("""
            name: x
            currency: EUR
            branding:
              logo_url: http://cdn.example.com/logo.png
              colors: {primary: red, accent: "#12345g", shade: "#000000"}
              font: "Arial; } body { display: none"
              display_name: "\(String(repeating: "x", count: 101))"
            """)
        #expect(issues.count == 6, "\(issues)")
        #expect(issues.contains { $0.hasPrefix("branding.logo_url: must be an https URL") })
        #expect(issues.contains { $0.hasPrefix("branding.colors.primary: must be a hex colour") })
        #expect(issues.contains { $0.hasPrefix("branding.colors.accent: must be a hex colour") })
        #expect(issues.contains { $0.hasPrefix("branding.colors.shade: unknown key") })
        #expect(issues.contains { $0.hasPrefix("branding.font: must be a font stack") })
        #expect(issues.contains { $0.hasPrefix("branding.display_name: must be at most 100") })
        for url in ["https://user:pw@cdn.example.com/x.png", "https:///x.png", "https://cdn.example.com/a b.png", "javascript:alert(1)"] {
            #expect(try Self.issues("name: x\ncurrency: EUR\nbranding: {logo_url: \"\(url)\"}").count == 1, "\(url)")
        }
    }

    @Test func badTranslationsAreReported() throws {
        let issues = try Self.issues("""
            name: x
            currency: EUR
            tiers:
              basis: points_earned
              levels:
                - {id: green, threshold: 0, names: {turkish: Yeşil, uk: "", tr: 5}}
                - {id: gold, threshold: 10, names: [Altın]}
            """)
        #expect(issues == [
            "tiers.levels[0].names.tr: must be a non-empty string",
            "tiers.levels[0].names.turkish: must be a language tag such as tr, uk or pt-BR",
            "tiers.levels[0].names.uk: must be a non-empty string",
            "tiers.levels[1].names: must be an object of language tags to texts, such as {tr: …, uk: …}",
        ])
    }

    @Test func rewardsCarryTheirTranslations() throws {
        let program = try ProgramDefinition.parse("name: x\ncurrency: EUR")
        let reward = try Reward.read(try ProgramSourceParser.parse("""
            {"id": "free-coffee", "name": "Any coffee, on us", "names": {"tr": "Bizden bir kahve"}, "description": "Any size",
             "descriptions": {"uk": "Будь-якого розміру"}, "type": "experience", "cost": 150}
            """), program: program)
        #expect(reward.names.text(for: "tr", fallback: reward.name) == "Bizden bir kahve")
        #expect(reward.descriptions.text(for: "uk-UA", fallback: "") == "Будь-якого розміру")
        #expect(try Reward.readStored(reward.canonicalTree) == reward)
    }

    @Test func buttonTextIsWhiteOnDarkColoursAndBlackOnLightOnes() {
        #expect(Branding.textColor(on: "#1a6b3c") == "#ffffff")
        #expect(Branding.textColor(on: "#ffcc00") == "#000000")
        #expect(Branding.textColor(on: "#000000") == "#ffffff")
        #expect(Branding.textColor(on: "#ffffff") == "#000000")
    }
}
