import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The rewards catalogue: rewards, their code pools, and what one member can redeem.
struct RewardRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        let render: @Sendable (RewardRecord) throws -> Data = { try APIJSON.encode(RewardView($0)) }

        api.add(.post, "/v1/rewards", scope: .admin, member: .refused) { request in
            let reward = try await read(request)
            let result = try await store.createReward(programId: request.programId, reward: reward, now: clock.now(),
                                                      idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        api.add(.put, "/v1/rewards/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let reward = try await read(request, id: id)
            let result = try await store.putReward(programId: request.programId, reward: reward, now: clock.now(),
                                                   idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.get, "/v1/rewards", scope: .read, member: .refused) { request in
            let rewards = try await store.rewards(programId: request.programId).map(RewardView.init)
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: rewards, hasMore: false)))
        }

        api.add(.get, "/v1/rewards/{id}", scope: .read, member: .refused) { request in
            let id = try request.parameter("id")
            guard let record = try await store.reward(programId: request.programId, id: id) else { throw Problem.notFound("reward \(id)") }
            return APIJSON.response(.ok, try APIJSON.encode(RewardView(record)))
        }

        api.add(.post, "/v1/rewards/{id}/codes", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let codes = try Self.codes(request)
            let render: @Sendable (RewardCodesAdded) throws -> Data = { try APIJSON.encode(RewardCodesView($0)) }
            let result = try await store.addRewardCodes(programId: request.programId, rewardId: id, codes: codes, now: clock.now(),
                                                        idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.get, "/v1/members/{id}/rewards", scope: .read, member: .pathMember("id")) { request in
            let entries = try await MemberCatalogueReader.entries(store: store, programId: request.programId, memberId: try request.parameter("id"),
                                                                  now: clock.now()).entries
            let views = entries.map { CatalogueEntryView(record: $0.record, refusals: $0.refusals) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: views, hasMore: false)))
        }
    }

    /// A reward definition from the body, checked against the current program.
    private func read(_ request: APIRequest, id: String? = nil) async throws -> Reward {
        // `decode` refuses a body that is not a JSON object, so the tree is one.
        let tree = try APIJSON.decode(JSONValue.self, from: request.body)
        do {
            return try await RewardDefinitionReader.read(tree, keeping: id, store: store, programId: request.programId)
        } catch RewardDefinitionReader.Refusal.idChanged(let id) {
            throw Problem.invalid("id", "the id in the body must match the path (\(id))")
        } catch RewardDefinitionReader.Refusal.noProgram {
            throw Problem(.conflict, "program_not_configured", "program \(request.programId) has no definition yet; apply one first")
        } catch let error as ProgramValidationError {
            var problem = Problem(.unprocessableContent, "invalid_reward",
                                  "the reward has \(error.issues.count) problem(s): \(error.issues.map(\.description).joined(separator: "; "))",
                                  field: error.issues.first?.path)
            problem.extra = ["errors": .list(error.issues.map { ["path": $0.path, "message": $0.message] })]
            throw problem
        }
    }

    /// Codes from a JSON body (`{"codes": [...]}`) or a CSV / plain-text body (one code per line, an optional `code` header).
    static func codes(_ request: APIRequest) throws -> [String] {
        let contentType = request.request.headers[.contentType] ?? "application/json"
        let codes: [String]
        if contentType.hasPrefix("text/csv") || contentType.hasPrefix("text/plain") {
            codes = RewardCodeList.lines(String(decoding: request.body, as: UTF8.self)).map(\.code)
        } else {
            codes = try APIJSON.decode(RewardCodesBody.self, from: request.body).codes
        }
        guard !codes.isEmpty, codes.count <= RewardCodeList.maxCodes else { throw Problem.invalid("codes", "send 1 to \(RewardCodeList.maxCodes) codes") }
        if let index = codes.firstIndex(where: { !RewardCodeList.isValid($0) }) {
            throw Problem.invalid("codes[\(index)]", RewardCodeList.rule)
        }
        return codes
    }
}

/// A reward definition read as `POST /v1/rewards` and `PUT /v1/rewards/{id}` read it, shared by
/// the API and the console's reward editor (each answers the refusals its own way).
enum RewardDefinitionReader {
    enum Refusal: Error {
        /// The definition names another id than `kept`, the id of the reward it replaces.
        case idChanged(kept: String)
        /// The program has no definition yet.
        case noProgram
    }

    /// `tree` read by `Reward.read` against the program's live version; with `id` (a replacement)
    /// the reward keeps that id, and an object naming another is refused. Throws `Refusal` or the
    /// definition's `ProgramValidationError`.
    static func read(_ tree: JSONValue, keeping id: String?, store: any LaurelStore, programId: String) async throws -> Reward {
        var tree = tree
        if let id, var fields = tree.objectValue {
            if let given = fields["id"], given != .string(id) { throw Refusal.idChanged(kept: id) }
            fields["id"] = .string(id)
            tree = .object(fields)
        }
        guard let version = try await store.programVersion(programId: programId, version: nil) else { throw Refusal.noProgram }
        return try Reward.read(tree, program: version.definition)
    }
}

/// A code pool as text, shared by `POST /v1/rewards/{id}/codes` and the console's upload: a CSV or
/// plain-text list, one code per line in the first column, blank lines skipped, an optional
/// `code` header; each code 1 to 64 printable ASCII characters without spaces.
enum RewardCodeList {
    static let maxCodes = 100_000
    static let rule = "codes are 1 to 64 printable ASCII characters without spaces"

    /// The codes of `text` with their 1-based line numbers.
    static func lines(_ text: String) -> [(line: Int, code: String)] {
        var codes = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().map { index, line in
            (line: index + 1, code: line.split(separator: ",").first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? "")
        }.filter { !$0.code.isEmpty }
        if codes.first?.code.lowercased() == "code" { codes.removeFirst() }
        return codes
    }

    static func isValid(_ code: String) -> Bool {
        // Printable ASCII without the space: no control characters (a tab, NUL, ESC or DEL is not a code).
        !code.isEmpty && code.utf8.count <= 64 && code.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

extension Reward.Kind {
    /// The least a redemption of this kind can cost (points-to-money: its minimum).
    var minimumCost: Int {
        if case .pointsToMoney(let minimum, _) = self { return minimum }
        return 0
    }
}
