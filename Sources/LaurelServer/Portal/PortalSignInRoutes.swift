import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelStore

/// The sign-in pages. Before there is a session, forms are protected by a token in a cookie of their
/// own that the form must repeat (double submit) and by the browser's `Origin`; the name being
/// signed in waits in a second cookie between the two steps, so it never appears in a URL.
extension PortalRoutes {
    static let signInCookie = "laurel_portal_sign_in"
    static let nameCookie = "laurel_portal_name"

    func signInPage(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let program = try await program(context) else { return try notFound(request, program: nil) }
        if let session = try await sessions.current(request, kind: .member), session.programId == program.id {
            return WebResponse.redirect(to: program.path())
        }
        let (token, cookies) = signInToken(request, program)
        return try signInForm(program, locale(request), token: token, cookies: cookies)
    }

    func requestCode(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let program = try await program(context) else { return try notFound(request, program: nil) }
        let locale = locale(request)
        let form = try await WebForm.read(request)
        guard let token = acceptedSignInToken(request, form) else { return expiredForm(locale) }
        guard let name = form.text("name").flatMap(PortalSignIn.normalised) else {
            return try signInForm(program, locale, token: token, error: locale["portal_sign_in_name_missing"], status: .unprocessableContent)
        }
        do {
            try await signIn.requestCode(programId: program.id, name: name, from: context.remoteAddress)
        } catch let limited as RateLimitExceeded {
            return try signInForm(program, locale, token: token, error: locale["portal_sign_in_too_many"], status: .tooManyRequests,
                                  retryAfter: limited.decision.retryAfter)
        }
        return WebResponse.redirect(to: program.path("/sign-in/code"), cookies: [cookie(Self.nameCookie, Self.encode(name), program, maxAge: 600)])
    }

    func codePage(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let program = try await program(context) else { return try notFound(request, program: nil) }
        guard let name = pendingName(request) else { return WebResponse.redirect(to: program.path("/sign-in")) }
        let (token, cookies) = signInToken(request, program)
        return try codeForm(program, locale(request), name: name, token: token, cookies: cookies)
    }

    func checkCode(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let program = try await program(context) else { return try notFound(request, program: nil) }
        let locale = locale(request)
        let form = try await WebForm.read(request)
        guard let token = acceptedSignInToken(request, form) else { return expiredForm(locale) }
        guard let name = pendingName(request) else { return WebResponse.redirect(to: program.path("/sign-in")) }
        let outcome: PortalSignIn.CodeCheck
        do {
            outcome = try await signIn.check(programId: program.id, name: name, code: form["code"] ?? "", from: context.remoteAddress)
        } catch let limited as RateLimitExceeded {
            return try codeForm(program, locale, name: name, token: token, error: locale["portal_code_too_many"], status: .tooManyRequests,
                                retryAfter: limited.decision.retryAfter)
        }
        guard case .signedIn(let memberId) = outcome else {
            return try codeForm(program, locale, name: name, token: token, error: locale["portal_code_refused"], status: .unprocessableContent)
        }
        let (_, sessionCookie) = try await sessions.start(programId: program.id, kind: .member, subjectId: memberId, path: program.path())
        return WebResponse.redirect(to: program.path(), cookies: [sessionCookie, cookie(Self.signInCookie, "", program, maxAge: 0),
                                                                   cookie(Self.nameCookie, "", program, maxAge: 0)])
    }

    func signOut(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let program = try await program(context) else { return try notFound(request, program: nil) }
        let form = try await WebForm.read(request)
        guard let session = try await sessions.current(request, kind: .member), session.programId == program.id else {
            return WebResponse.redirect(to: program.path("/sign-in"))
        }
        guard WebSessions.acceptsPost(form, of: session, request: request) else { return expiredForm(locale(request)) }
        return WebResponse.redirect(to: program.path("/sign-in"), cookies: [try await sessions.end(request, path: program.path())])
    }

    // MARK: Pages

    private func signInForm(_ program: PortalProgram, _ locale: WebLocale, token: String, error: String? = nil,
                            status: HTTPResponse.Status = .ok, retryAfter: Int? = nil, cookies: [String] = []) throws -> Response {
        let page = PortalPage(program: program, locale: locale, title: locale["portal_sign_in_title"])
        var fields: [String: Any] = ["action": program.path("/sign-in"), "sign_in_token": token,
                                     "intro": locale.text("portal_sign_in_intro", ["program": program.displayName])]
        if let error { fields["error"] = error }
        return withRetryAfter(try WebResponse.page("portal-sign-in", page.context(fields), status: status, cookies: cookies), retryAfter)
    }

    private func codeForm(_ program: PortalProgram, _ locale: WebLocale, name: String, token: String, error: String? = nil,
                          status: HTTPResponse.Status = .ok, retryAfter: Int? = nil, cookies: [String] = []) throws -> Response {
        let page = PortalPage(program: program, locale: locale, title: locale["portal_code_title"])
        var fields: [String: Any] = ["action": program.path("/sign-in/code"), "sign_in_token": token, "restart": program.path("/sign-in"),
                                     "sent_to": locale.text("portal_code_sent", ["name": name, "minutes": locale.number(Int(PortalSignIn.codeLifetime / 60))])]
        if let error { fields["error"] = error }
        return withRetryAfter(try WebResponse.page("portal-sign-in-code", page.context(fields), status: status, cookies: cookies), retryAfter)
    }

    private func expiredForm(_ locale: WebLocale) -> Response {
        WebResponse.refusal(.forbidden, locale["portal_form_expired"])
    }

    private func withRetryAfter(_ response: Response, _ seconds: Int?) -> Response {
        guard let seconds else { return response }
        var response = response
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    // MARK: Cookies

    private func locale(_ request: Request) -> WebLocale {
        WebLocale.choose(preferred: nil, acceptLanguage: request.headers[.acceptLanguage])
    }

    /// The request's sign-in token, or a new one with the cookie that sets it.
    private func signInToken(_ request: Request, _ program: PortalProgram) -> (String, [String]) {
        if let token = WebSessions.cookie(named: Self.signInCookie, in: request), token.hasPrefix("signin_") { return (token, []) }
        let token = Identifiers.secret("signin")
        return (token, [cookie(Self.signInCookie, token, program, maxAge: 3600)])
    }

    /// The token when the form repeats the cookie's and the browser does not say it came from elsewhere.
    private func acceptedSignInToken(_ request: Request, _ form: WebForm) -> String? {
        guard WebSessions.sameOrigin(request), let token = WebSessions.cookie(named: Self.signInCookie, in: request), let sent = form["_csrf"],
              sent.utf8.count == token.utf8.count, zip(sent.utf8, token.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return token
    }

    private func pendingName(_ request: Request) -> String? {
        WebSessions.cookie(named: Self.nameCookie, in: request).flatMap(Self.decode).flatMap(PortalSignIn.normalised)
    }

    private func cookie(_ name: String, _ value: String, _ program: PortalProgram, maxAge: Int) -> String {
        "\(name)=\(value); Path=\(program.path()); Max-Age=\(maxAge); Secure; HttpOnly; SameSite=Lax"
    }

    /// A cookie value holds no `;`, `,`, spaces or quotes: the name is percent-encoded.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: cookieSafe) ?? ""
    }

    static func decode(_ text: String) -> String? { text.removingPercentEncoding }

    private static let cookieSafe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._@")
}
