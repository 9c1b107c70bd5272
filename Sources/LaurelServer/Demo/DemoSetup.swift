import Foundation
import LaurelCore
import LaurelStore

/// The demo program of `laurel serve --demo`: "Bean & Thread", a coffee-and-fashion retailer.
public enum DemoSetup {
    public static let programId = "demo"
    static let keyName = "demo"

    /// The demo catalogue, created once (later edits through the API are kept).
    static let demoRewards = [
        #"{"id": "free-coffee", "name": "Any coffee, on us", "names": {"tr": "Bir kahve bizden", "uk": "Будь-яка кава від нас"}, "type": "free_product", "sku": "COFFEE-ANY", "cost": 150, "featured": true}"#,
        #"{"id": "tote-bag", "name": "Organic cotton tote", "names": {"tr": "Organik pamuk çanta", "uk": "Сумка з органічної бавовни"}, "type": "free_product", "sku": "TOTE-01", "cost": 600, "stock": 200, "limit": {"per_member": 1}}"#,
        #"{"id": "ten-off", "name": "10 euros off your next order", "names": {"tr": "Sonraki siparişinizde 10 euro indirim", "uk": "10 євро знижки на наступне замовлення"}, "type": "discount_code", "discount": {"type": "fixed", "value": "10"}, "cost": 1000, "active_after_days": 1, "valid_days": 60}"#,
        #"{"id": "pay-with-points", "name": "Pay with points", "names": {"tr": "Puanla öde", "uk": "Оплата балами"}, "type": "points_to_money", "minimum": 100, "step": 100}"#,
        #"{"id": "cupping-evening", "name": "Cupping evening at the roastery", "names": {"tr": "Kavurmahanede tadım akşamı", "uk": "Вечір дегустації в обсмажувальні"}, "type": "experience", "cost": 800, "stock": 20, "eligibility": {"clubs": ["roastery"]}}"#,
        #"{"id": "roastery-membership", "name": "A year in the Roastery Club", "names": {"tr": "Kavurmahane Kulübü'nde bir yıl", "uk": "Рік у Клубі обсмажувальні"}, "type": "club_membership", "club": "roastery", "cost": 2000}"#,
        #"{"id": "cinema-ticket", "name": "A ticket at the Lumen cinema next door", "names": {"tr": "Yandaki Lumen sinemasına bir bilet", "uk": "Квиток у сусідній кінотеатр «Люмен»"}, "type": "free_product", "sku": "LUMEN-TICKET", "cost": 900, "codes": "pool"}"#,
    ]

    /// The codes a pool reward of the demo starts with when it is created (the console's "Upload
    /// codes" adds more).
    static let demoPoolCodes = ["LUMEN-7Q2K-4XPA", "LUMEN-9MWD-3RTE", "LUMEN-C5HN-8JVB", "LUMEN-K2FS-6LYU", "LUMEN-T8BG-1ZQC"]

    private static func id(of json: String) throws -> String {
        try ProgramSourceParser.parse(json).objectValue?["id"]?.stringValue ?? ""
    }

    /// The demo program's definition, `Resources/demo-program.yaml` embedded in the binary at build time.
    public static var source: String { EmbeddedResources.demoProgramYaml }

    /// The demo's console owner.
    public static let ownerEmail = "owner@bean-and-thread.example"

    /// What `laurel serve --demo` prints: a fresh admin API key, and the console owner with a fresh
    /// one-time link to set their password (both shown once).
    public struct Credentials: Sendable {
        public let apiKey: String
        public let ownerEmail: String
        public let passwordToken: String
    }

    /// Creates the demo program if needed, applies the demo definition when it changed, replaces
    /// earlier demo keys with a new admin key, creates the console owner once and gives them a new
    /// password link (earlier links stay valid until they expire).
    public static func prepare(store: any LaurelStore, now: Date) async throws -> Credentials {
        let text = source
        let definition = try ProgramDefinition.parse(text)
        if try await store.program(id: programId) == nil {
            _ = try await store.createProgram(id: programId, name: definition.name, now: now)
        }
        if try await store.programVersion(programId: programId, version: nil)?.definition != definition {
            _ = try await store.applyProgram(id: programId, definition: definition, source: text, now: now, idempotency: nil)
        }
        for json in demoRewards where try await store.reward(programId: programId, id: try id(of: json)) == nil {
            let reward = try Reward.read(try ProgramSourceParser.parse(json), program: definition)
            _ = try await store.putReward(programId: programId, reward: reward, now: now)
            if reward.codes == .pool {
                _ = try await store.addRewardCodes(programId: programId, rewardId: reward.id, codes: demoPoolCodes, now: now, idempotency: nil)
            }
        }
        for key in try await store.apiKeys(programId: programId) where key.name == keyName && key.revokedAt == nil {
            _ = try await store.revokeAPIKey(id: key.id, now: now)
        }
        let apiKey = try await APIKeyAuthenticator.create(store: store, programId: programId, scope: .admin, name: keyName, now: now).1
        let token: String
        if let owner = try await store.staff(programId: programId, email: ownerEmail) {
            token = try await StaffAccounts.newPasswordLink(store: store, staffId: owner.id, now: now)
        } else {
            token = try await StaffAccounts.create(store: store, programId: programId, email: ownerEmail, role: .owner, now: now).token
        }
        return Credentials(apiKey: apiKey, ownerEmail: ownerEmail, passwordToken: token)
    }
}
