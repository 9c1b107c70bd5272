import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelStore

/// The member portal at `/p/{program}`: sign-in with a one-time code, then the member's points,
/// tier journey, catalogue, redemptions, activity and play (challenges, badges, punch cards, referrals, wheels, raffles). Every page acts for the signed-in member of
/// the session only (the member id comes from the session, never from the request), in the
/// program's branding and the member's language. Pages work without JavaScript; forms post and redirect.
struct PortalRoutes: Sendable {
    /// How long a portal session lasts from sign-in.
    static let sessionLifetime: TimeInterval = 7 * 86_400
    static let cookieName = "laurel_portal"

    let store: any LaurelStore
    let clock: any WallClock
    let signIn: PortalSignIn
    let sessions: WebSessions
    /// Where wheel draws and raffle seeds come from: `SystemRandomNumberGenerator` live, seeded in tests.
    let random: RandomSource

    init(store: any LaurelStore, clock: any WallClock, signIn: PortalSignIn, random: RandomSource = .system()) {
        self.store = store
        self.clock = clock
        self.signIn = signIn
        self.random = random
        sessions = WebSessions(store: store, clock: clock, cookieName: Self.cookieName, lifetime: Self.sessionLifetime)
    }

    func register(_ router: Router<AppContext>) {
        router.get("/p/{program}/brand.css") { request, context in try await brandStylesheet(request, context) }
        router.get("/p/{program}/sign-in") { request, context in try await signInPage(request, context) }
        router.post("/p/{program}/sign-in") { request, context in try await requestCode(request, context) }
        router.get("/p/{program}/sign-in/code") { request, context in try await codePage(request, context) }
        router.post("/p/{program}/sign-in/code") { request, context in try await checkCode(request, context) }
        router.post("/p/{program}/sign-out") { request, context in try await signOut(request, context) }
        router.get("/p/{program}") { request, context in try await member(request, context, page: homePage) }
        router.get("/p/{program}/rewards") { request, context in try await member(request, context, page: cataloguePage) }
        router.get("/p/{program}/rewards/{reward}/redeem") { request, context in try await member(request, context, page: confirmationPage) }
        router.post("/p/{program}/rewards/{reward}/redeem") { request, context in try await member(request, context, page: redeem) }
        router.get("/p/{program}/redemptions") { request, context in try await member(request, context, page: redemptionsPage) }
        router.get("/p/{program}/redemptions/{redemption}") { request, context in try await member(request, context, page: redemptionPage) }
        router.get("/p/{program}/activity") { request, context in try await member(request, context, page: activityPage) }
        router.get("/p/{program}/play") { request, context in try await member(request, context, page: playPage) }
        router.post("/p/{program}/play/challenges/{challenge}/join") { request, context in try await member(request, context, page: joinChallenge) }
        router.post("/p/{program}/play/wheels/{wheel}/spin") { request, context in try await member(request, context, page: spinWheel) }
        router.get("/p/{program}/play/spins/{spin}") { request, context in try await member(request, context, page: spinPage) }
        router.post("/p/{program}/play/raffles/{raffle}/enter") { request, context in try await member(request, context, page: enterRaffle) }
        router.get("/p/{program}/privacy") { request, context in try await member(request, context, page: privacyPage) }
        router.post("/p/{program}/privacy") { request, context in try await member(request, context, page: saveConsents) }
    }

    /// The program a portal URL names, with its current definition; nil for an unknown or unconfigured program.
    func program(_ context: AppContext) async throws -> PortalProgram? {
        guard let id = context.parameters.get("program"), let version = try await store.programVersion(programId: id, version: nil) else {
            return nil
        }
        return PortalProgram(id: id, version: version.version, definition: version.definition)
    }

    /// Runs `page` for the request's signed-in, active member of the program; sends anyone else to
    /// the sign-in page (a POST without a valid CSRF token is refused with 403 first).
    private func member(_ request: Request, _ context: AppContext,
                        page: @Sendable (PortalRequest) async throws -> Response) async throws -> Response {
        guard let program = try await program(context) else { return try notFound(request, program: nil) }
        guard let session = try await sessions.current(request, kind: .member), session.programId == program.id,
              let member = try await store.member(programId: program.id, id: session.subjectId), member.status == .active else {
            if request.method == .post { return WebResponse.refusal(.forbidden, "Sign in again: your session has ended.") }
            return WebResponse.redirect(to: program.path("/sign-in"))
        }
        let portal = PortalRequest(request: request, context: context, program: program, session: session, member: member,
                                   locale: WebLocale.choose(preferred: member.attributes["locale"]?.stringValue,
                                                            acceptLanguage: request.headers[.acceptLanguage]),
                                   now: clock.now())
        if request.method == .post {
            let form = try await WebForm.read(request)
            guard WebSessions.acceptsPost(form, of: session, request: request) else {
                return WebResponse.refusal(.forbidden, "This form has expired or came from another site. Go back, reload the page and try again.")
            }
            var posted = portal
            posted.form = form
            return try await page(posted)
        }
        return try await page(portal)
    }

    /// The portal's "page not found", in the program's branding when there is one.
    func notFound(_ request: Request, program: PortalProgram?, locale: WebLocale? = nil) throws -> Response {
        let locale = locale ?? WebLocale.choose(preferred: nil, acceptLanguage: request.headers[.acceptLanguage])
        guard let program else { return WebResponse.refusal(.notFound, locale["common_not_found_text"]) }
        let page = PortalPage(program: program, locale: locale, title: locale["common_not_found"])
        return try WebResponse.page("portal-message", page.context(["message": locale["common_not_found_text"]]), status: .notFound)
    }
}

/// A program as the portal shows it: its current definition, and URLs under `/p/{id}`.
struct PortalProgram: Sendable {
    let id: String
    let version: Int
    let definition: ProgramDefinition

    /// `/p/{id}` followed by `suffix`.
    func path(_ suffix: String = "") -> String { "/p/\(id)\(suffix)" }

    var displayName: String { definition.branding.displayName ?? definition.name }
    var timeZone: TimeZone { definition.calendar.timeZone }
    /// Whether the program has any of the play page's mechanics.
    var hasPlay: Bool {
        !definition.challenges.isEmpty || !definition.badges.isEmpty || !definition.punchCards.isEmpty || definition.referrals != nil
            || !definition.games.isEmpty
    }
}

/// One request of a signed-in member.
struct PortalRequest: Sendable {
    let request: Request
    let context: AppContext
    let program: PortalProgram
    let session: WebSessionRecord
    let member: MemberRecord
    let locale: WebLocale
    let now: Date
    /// The posted form, for POST requests (its CSRF token already checked).
    var form = WebForm(fields: [:])

    var page: PortalPage { PortalPage(program: program, locale: locale, title: "", csrf: session.csrfToken, signedIn: true) }

    /// A confirmation form's idempotency: its one-time `token` (1 to 100 characters) scoped to the
    /// member, answered with the id of what it made, so a second submission (a double click, a resent
    /// form) replays the first instead of acting twice. nil when the form has no usable token.
    func oneTimeForm<Record: Sendable>(fingerprint: String, id: @escaping @Sendable (Record) -> String) -> Idempotency<Record>? {
        guard let token = form.text("token"), !token.isEmpty, token.count <= 100 else { return nil }
        return Idempotency(key: "portal:\(member.id):\(token)", fingerprint: fingerprint) { StoredResponse(status: 201, body: Data(id($0).utf8)) }
    }
}

extension Idempotent {
    /// The id of what a one-time form made: the fresh record's, or the one its first answer stored.
    func madeId(_ id: (Value) -> String) -> String {
        switch self {
        case .fresh(let record, _): id(record)
        case .replayed(let stored): String(decoding: stored.body, as: UTF8.self)
        }
    }
}
