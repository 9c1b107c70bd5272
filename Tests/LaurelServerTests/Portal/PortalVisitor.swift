import Foundation
import HTTPTypes
import LaurelCore
import LaurelStore
import Testing

/// A browser visiting the portal in tests: keeps the cookies the server sets, sends them back, and
/// signs in with the code the outbox carries (as the brand's channel would deliver it).
struct PortalVisitor {
    let api: HTTPFixture.Client
    let program: String
    var cookies: [String: String] = [:]
    var language: String?

    init(_ api: HTTPFixture.Client, program: String = "prg_a", language: String? = nil) {
        self.api = api
        self.program = program
        self.language = language
    }

    var headers: HTTPFields {
        var headers = HTTPFields()
        if !cookies.isEmpty { headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if let language { headers[.acceptLanguage] = language }
        return headers
    }

    mutating func get(_ path: String) async throws -> HTTPFixture.Client.Answer {
        keep(try await api.browser(.get, "/p/\(program)\(path)", headers: headers))
    }

    mutating func post(_ path: String, _ form: [(String, String)], headers extra: HTTPFields = [:]) async throws -> HTTPFixture.Client.Answer {
        var headers = self.headers
        for field in extra { headers[field.name] = field.value }
        return keep(try await api.browser(.post, "/p/\(program)\(path)", form: form, headers: headers))
    }

    @discardableResult
    private mutating func keep(_ answer: HTTPFixture.Client.Answer) -> HTTPFixture.Client.Answer {
        for cookie in answer.setCookies {
            let pair = cookie.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[1].isEmpty || cookie.contains("Max-Age=0") { cookies[parts[0]] = nil } else { cookies[parts[0]] = parts[1] }
        }
        return answer
    }

    /// The value of the hidden field `name` in a page.
    static func hidden(_ name: String, in page: HTTPFixture.Client.Answer) -> String? {
        let text = page.text
        guard let range = text.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Asks for a code for `name`: the sign-in page, then its form.
    mutating func requestCode(_ name: String) async throws -> HTTPFixture.Client.Answer {
        let page = try await get("/sign-in")
        let token = try #require(Self.hidden("_csrf", in: page))
        return try await post("/sign-in", [("_csrf", token), ("name", name)])
    }

    /// Types `code` into the code page.
    mutating func enter(_ code: String) async throws -> HTTPFixture.Client.Answer {
        let page = try await get("/sign-in/code")
        let token = try #require(Self.hidden("_csrf", in: page), "\(page.status) \(page.text)")
        return try await post("/sign-in/code", [("_csrf", token), ("code", code)])
    }

    /// The code of the member's latest `member.sign_in_code` message.
    static func latestCode(_ store: any LaurelStore, program: String = "prg_a", memberId: String) async throws -> String? {
        let messages = try await store.outbox(programId: program, limit: 500, startingAfter: nil).items
        guard let message = messages.last(where: { $0.type == MessageType.memberSignInCode && $0.memberId == memberId }) else { return nil }
        let payload = try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any]
        return payload?["code"] as? String
    }

    /// Signs in as the member with email `email` (id `memberId`) the whole way.
    mutating func signIn(_ email: String, memberId: String) async throws {
        let requested = try await requestCode(email)
        #expect(requested.status == 303)
        let code = try #require(try await Self.latestCode(api.fixture.store, program: program, memberId: memberId))
        let entered = try await enter(code)
        #expect(entered.status == 303 && entered.headers[.location] == "/p/\(program)", "\(entered.status) \(entered.text)")
    }

    /// The page's CSRF token for session forms.
    mutating func csrf() async throws -> String {
        try #require(Self.hidden("_csrf", in: try await get("")))
    }
}

extension HTTPFixture.Client {
    /// Enrols a member with an email address (and attributes) and returns their id.
    func member(_ externalId: String, email: String, attributes: String = "{}") async throws -> String {
        let answer = try await post("/v1/members", #"{"external_id":"\#(externalId)","email":"\#(email)","attributes":\#(attributes)}"#)
        #expect(answer.status == 201, "\(answer.text)")
        return try #require(answer.json["id"] as? String)
    }

    /// Credits points at once (a staff adjustment).
    func credit(_ memberId: String, _ points: Int) async throws {
        let answer = try await post("/v1/members/\(memberId)/adjustments", #"{"points":\#(points),"reason":"welcome gift"}"#)
        #expect(answer.status == 201, "\(answer.text)")
    }

    func reward(_ id: String, cost: Int, extra: String = "") async throws {
        let answer = try await post("/v1/rewards", #"{"id":"\#(id)","name":"Reward \#(id)","type":"experience","cost":\#(cost)\#(extra)}"#)
        #expect(answer.status == 201, "\(answer.text)")
    }
}
