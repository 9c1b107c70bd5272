import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelStore

/// The rewards catalogue with costs and stock levels (support and up); creating and editing a
/// reward and uploading a code pool (manager and up). A reward is written as in the API
/// (`POST /v1/rewards`, `PUT /v1/rewards/{id}`): its definition in YAML or JSON, read by
/// `Reward.read` against the live program, every problem shown on its line, stored by the same
/// store operations. Codes are read as `POST /v1/rewards/{id}/codes` reads a CSV
/// (`RewardCodeList`); a bad row is shown with its line number and nothing is written.
struct RewardPages {
    let store: any LaurelStore
    let clock: any WallClock

    /// What a new reward's text area starts with: the fields most rewards need.
    static let starter = """
        id: tasting-evening
        name: Coffee tasting evening
        description: An hour with our roaster, for two.
        type: experience
        cost: 800
        stock: 20

        """

    /// About how many codes of 16 characters one form takes: a browser sends each line as the code
    /// and `%0D%0A` (22 bytes), and the form's other fields take a little; rounded down to thousands.
    static let codesPerForm = (WebForm.maxBodySize - 1024) / 22 / 1000 * 1000

    /// The most bad rows an upload lists (the count says how many more there are).
    static let listedBadRows = 50

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/rewards", role: .support) { request in
            try await list(request)
        }
        console.add(.get, "/admin/rewards/new", role: .manager) { request in
            try await editor(request, reward: nil, source: Self.starter, issues: [], status: .ok)
        }
        console.add(.post, "/admin/rewards/new", role: .manager) { request in
            try await save(request, existing: nil)
        }
        console.add(.get, "/admin/rewards/{id}/edit", role: .manager) { request in
            let record = try await reward(request)
            return try await editor(request, reward: record, source: Self.source(record.reward), issues: [], status: .ok)
        }
        console.add(.post, "/admin/rewards/{id}/edit", role: .manager) { request in
            try await save(request, existing: try await reward(request))
        }
        console.add(.get, "/admin/rewards/{id}/codes", role: .manager) { request in
            try await codesPage(request, reward: try await reward(request), text: "", errors: FormErrors(), status: .ok)
        }
        console.add(.post, "/admin/rewards/{id}/codes", role: .manager) { request in
            try await uploadCodes(request, reward: try await reward(request))
        }
    }

    private func list(_ request: ConsoleRequest) async throws -> Response {
        let locale = request.locale
        let canManage = request.staff.role >= .manager
        let rewards = try await store.rewards(programId: request.programId).map { record -> [String: Any] in
            let reward = record.reward
            return ["id": reward.id, "name": reward.name, "cost": locale.number(reward.cost), "stock": Self.stock(record, locale: locale),
                    "out": record.stockLeft == 0, "type": reward.kind.typeName, "inactive": !reward.active,
                    "pool": reward.codes == .pool, "can_manage": canManage]
        }
        return try await ConsolePages.render("console-rewards", request, title: locale["console_nav_rewards"], section: .rewards,
                                             page: ["rewards": rewards, "has_rewards": !rewards.isEmpty, "can_manage": canManage])
    }

    static func stock(_ record: RewardRecord, locale: WebLocale) -> String {
        record.stockLeft.map { left in
            record.reward.stock.map { locale.text("console_rewards_stock_of", ["left": locale.number(left), "total": locale.number($0)]) }
                ?? locale.number(left)
        } ?? locale["console_rewards_unlimited"]
    }

    /// The reward of the path's id in the staff user's program.
    private func reward(_ request: ConsoleRequest) async throws -> RewardRecord {
        let id = request.parameter("id")
        guard let record = try await store.reward(programId: request.programId, id: id) else { throw ConsoleNotFound(what: "reward \(id)") }
        return record
    }

    /// A stored reward's definition as the text to edit: its canonical JSON (JSON is YAML too), keys sorted.
    static func source(_ reward: Reward) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(reward.canonicalTree)).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? ""
    }

    private func save(_ request: ConsoleRequest, existing: RewardRecord?) async throws -> Response {
        let locale = request.locale
        let source = (request.form["definition"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let reward: Reward
        do {
            guard !source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ProgramValidationError(issues: [ValidationIssue(path: "", message: locale["console_reward_empty"])])
            }
            // Editing keeps the reward's id (as `PUT /v1/rewards/{id}`): another id would be another reward.
            reward = try await RewardDefinitionReader.read(try ProgramSourceParser.parse(source), keeping: existing?.reward.id, store: store,
                                                           programId: request.programId)
        } catch RewardDefinitionReader.Refusal.idChanged(let id) {
            let issue = ValidationIssue(path: "id", message: locale.text("console_reward_id_kept", ["id": id]))
            return try await editor(request, reward: existing, source: source, issues: [issue], status: .unprocessableContent)
        } catch RewardDefinitionReader.Refusal.noProgram {
            return try await editor(request, reward: existing, source: source, issues: [ValidationIssue(path: "", message: locale["console_program_none"])],
                                    status: .conflict)
        } catch let error as ProgramValidationError {
            return try await editor(request, reward: existing, source: source, issues: error.issues, status: .unprocessableContent)
        }
        // The form's one-time key: the same form posted twice writes once.
        let idempotency: Idempotency<RewardRecord>? = MemberActions.confirmedKey(request.form).map {
            MemberActions.idempotency(key: $0, fields: ["definition": source, "reward": existing?.reward.id ?? ""])
        }
        do {
            if existing == nil {
                _ = try await store.createReward(programId: request.programId, reward: reward, now: clock.now(), idempotency: idempotency)
            } else {
                _ = try await store.putReward(programId: request.programId, reward: reward, now: clock.now(), idempotency: idempotency)
            }
        } catch StoreError.rewardExists {
            let issue = ValidationIssue(path: "id", message: locale.text("console_reward_exists", ["id": reward.id]))
            return try await editor(request, reward: existing, source: source, issues: [issue], status: .conflict)
        } catch StoreError.catalogueFull(let maximum) {
            let issue = ValidationIssue(path: "", message: locale.text("console_reward_catalogue_full", ["count": locale.number(maximum)]))
            return try await editor(request, reward: existing, source: source, issues: [issue], status: .unprocessableContent)
        }
        return WebResponse.redirect(to: "/admin/rewards?flash=console_flash_reward_saved")
    }

    private func editor(_ request: ConsoleRequest, reward: RewardRecord?, source: String, issues: [ValidationIssue],
                        status: HTTPResponse.Status) async throws -> Response {
        let locale = request.locale
        var page = SourceIssues.fields(issues, source: source, field: "definition", locale: locale)
        page["source"] = source
        page["key"] = Identifiers.secret("cfm")
        if let reward {
            page["action"] = "/admin/rewards/\(ConsolePages.percentEncoded(reward.reward.id))/edit"
            page["stock"] = Self.stock(reward, locale: locale)
        } else {
            page["action"] = "/admin/rewards/new"
        }
        let title = reward.map { locale.text("console_reward_edit_title", ["reward": $0.reward.name]) } ?? locale["console_reward_new_title"]
        return try await ConsolePages.render("console-reward-edit", request, title: title, section: .rewards, page: page, status: status)
    }

    private func codesPage(_ request: ConsoleRequest, reward: RewardRecord, text: String, errors: FormErrors, badRows: [[String: String]] = [],
                           more: Int = 0, status: HTTPResponse.Status) async throws -> Response {
        let locale = request.locale
        var page = errors.context
        page["codes"] = text
        page["key"] = Identifiers.secret("cfm")
        page["action"] = "/admin/rewards/\(ConsolePages.percentEncoded(reward.reward.id))/codes"
        page["stock"] = Self.stock(reward, locale: locale)
        page["pool"] = reward.reward.codes == .pool
        page["bad_rows"] = badRows
        page["has_bad_rows"] = !badRows.isEmpty
        if more > 0 { page["more_bad_rows"] = locale.text("console_codes_more_bad", ["count": locale.number(more)]) }
        page["hint"] = locale.text("console_codes_hint", ["max": locale.number(RewardCodeList.maxCodes), "size": WebForm.maxBodySizeText,
                                                          "codes": locale.number(Self.codesPerForm)])
        return try await ConsolePages.render("console-reward-codes", request, title: locale.text("console_codes_title", ["reward": reward.reward.name]),
                                             section: .rewards, page: page, status: status)
    }

    private func uploadCodes(_ request: ConsoleRequest, reward: RewardRecord) async throws -> Response {
        let locale = request.locale
        let text = request.form["codes"] ?? ""
        let lines = RewardCodeList.lines(text)
        var errors = FormErrors()
        let bad = lines.filter { !RewardCodeList.isValid($0.code) }
        if reward.reward.codes != .pool {
            errors.add("codes", locale["console_codes_not_pool"])
        } else if lines.isEmpty {
            errors.add("codes", locale["console_codes_empty"])
        } else if lines.count > RewardCodeList.maxCodes {
            errors.add("codes", locale.text("console_codes_too_many", ["max": locale.number(RewardCodeList.maxCodes)]))
        } else if !bad.isEmpty {
            errors.add("codes", locale.text("console_codes_bad_rows", ["count": locale.number(bad.count)]))
        }
        guard errors.isEmpty else {
            let rows = bad.prefix(Self.listedBadRows).map { ["line": locale.number($0.line), "code": $0.code] }
            return try await codesPage(request, reward: reward, text: text, errors: errors, badRows: Array(rows),
                                       more: max(0, bad.count - Self.listedBadRows), status: .unprocessableContent)
        }
        let codes = lines.map(\.code)
        let idempotency: Idempotency<RewardCodesAdded>? = MemberActions.confirmedKey(request.form).map {
            MemberActions.idempotency(key: $0, fields: ["codes": codes.joined(separator: "\n"), "reward": reward.reward.id])
        }
        do {
            _ = try await store.addRewardCodes(programId: request.programId, rewardId: reward.reward.id, codes: codes, now: clock.now(),
                                               idempotency: idempotency)
        } catch LoyaltyError.codesNotPooled {
            // The reward was changed to another kind of codes meanwhile.
            errors.add("codes", locale["console_codes_not_pool"])
            return try await codesPage(request, reward: reward, text: text, errors: errors, status: .conflict)
        }
        return WebResponse.redirect(to: "/admin/rewards?flash=console_flash_codes_added")
    }
}
