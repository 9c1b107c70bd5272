import Foundation
import HTTPTypes
import Hummingbird
import LaurelStore

/// Signing in and out of the console, and setting a password from a one-time link. The sign-in
/// answer for a wrong password is the answer for an unknown email, in content and in time.
struct SignInRoutes {
    let store: any LaurelStore
    let clock: any WallClock
    let sessions: WebSessions
    let limits: SignInLimits

    func register(_ console: ConsoleRouter) {
        let router = console.router
        router.get("/admin/sign-in") { request, _ -> Response in
            try signInPage(locale: ConsolePages.locale(request), email: "", next: FormQuery.value(of: "next", in: request.uri.query))
        }
        router.post("/admin/sign-in") { request, context -> Response in
            try await signIn(request, context)
        }
        router.get("/admin/set-password") { request, _ -> Response in
            let locale = ConsolePages.locale(request)
            let token = FormQuery.value(of: "token", in: request.uri.query) ?? ""
            guard let staff = try await store.staffForPasswordToken(hash: StaffAccounts.tokenHash(token), now: clock.now()) else {
                return try expiredLinkPage(locale: locale)
            }
            return try setPasswordPage(locale: locale, staff: staff, token: token)
        }
        router.post("/admin/set-password") { request, _ -> Response in
            try await setPassword(request)
        }
        console.add(.post, "/admin/sign-out", role: .support) { request in
            let cookie = try await sessions.end(request.request, path: ConsoleRoutes.cookiePath)
            return WebResponse.redirect(to: "/admin/sign-in", cookies: [cookie])
        }
    }

    private func signIn(_ request: Request, _ context: AppContext) async throws -> Response {
        let locale = ConsolePages.locale(request)
        guard WebSessions.sameOrigin(request) else { return WebResponse.refusal(.forbidden, locale["console_csrf_refused"]) }
        let form = try await WebForm.read(request)
        let typed = form.text("email") ?? ""
        let password = form["password"] ?? ""
        let next = form["next"]
        var errors = FormErrors()
        if typed.isEmpty { errors.add("email", locale["console_sign_in_email_missing"]) }
        if password.isEmpty { errors.add("password", locale["console_sign_in_password_missing"]) }
        guard errors.isEmpty else { return try signInPage(locale: locale, email: typed, next: next, errors: errors, status: .unprocessableContent) }
        let email = StaffAccounts.normalizedEmail(typed) ?? typed.lowercased()
        if let refusal = limits.refusal(address: context.remoteAddress, email: email) {
            errors.add("email", locale.text("console_sign_in_limited", ["seconds": String(refusal.retryAfter)]))
            var response = try signInPage(locale: locale, email: typed, next: next, errors: errors, status: .tooManyRequests)
            response.headers[.retryAfter] = String(refusal.retryAfter)
            return response
        }
        let candidates = try await store.staff(email: email).filter { !$0.disabled && $0.passwordHash != nil }
        guard let staff = candidates.first(where: { PasswordHash.verify(password, against: $0.passwordHash ?? "") }) else {
            if candidates.isEmpty { PasswordHash.verifyNothing(password) }
            errors.add("email", locale["console_sign_in_wrong"])
            return try signInPage(locale: locale, email: typed, next: next, errors: errors, status: .unauthorized)
        }
        // A hash made with fewer iterations than today's is replaced now, while the password is known.
        if let stored = staff.passwordHash, PasswordHash.needsRehash(stored) {
            do {
                _ = try await store.rehashStaffPassword(id: staff.id, from: stored, to: try PasswordHash.make(password))
            } catch {
                // The sign-in stands; the next one tries again.
                context.logger.warning("console: could not rehash the password of \(staff.id): \(error)")
            }
        }
        let (_, cookie) = try await sessions.start(programId: staff.programId, kind: .staff, subjectId: staff.id, path: ConsoleRoutes.cookiePath)
        return WebResponse.redirect(to: Self.safeNext(next), cookies: [cookie])
    }

    private func setPassword(_ request: Request) async throws -> Response {
        let locale = ConsolePages.locale(request)
        guard WebSessions.sameOrigin(request) else { return WebResponse.refusal(.forbidden, locale["console_csrf_refused"]) }
        let form = try await WebForm.read(request)
        let token = form["token"] ?? ""
        let now = clock.now()
        guard let staff = try await store.staffForPasswordToken(hash: StaffAccounts.tokenHash(token), now: now) else {
            return try expiredLinkPage(locale: locale)
        }
        let password = form["password"] ?? ""
        var errors = FormErrors()
        if let problem = StaffAccounts.passwordProblem(password) {
            errors.add("password", locale.text("console_\(problem)", ["count": String(StaffAccounts.minimumPasswordLength)]))
        } else if form["confirm_password"] != password {
            errors.add("confirm_password", locale["console_password_mismatch"])
        }
        guard errors.isEmpty else { return try setPasswordPage(locale: locale, staff: staff, token: token, errors: errors, status: .unprocessableContent) }
        guard let updated = try await store.setStaffPassword(tokenHash: StaffAccounts.tokenHash(token), passwordHash: try PasswordHash.make(password),
                                                             now: now) else {
            return try expiredLinkPage(locale: locale)
        }
        // A new password ends every session the old one opened.
        try await store.deleteWebSessions(programId: updated.programId, kind: .staff, subjectId: updated.id)
        let (_, cookie) = try await sessions.start(programId: updated.programId, kind: .staff, subjectId: updated.id, path: ConsoleRoutes.cookiePath)
        return WebResponse.redirect(to: "\(DashboardPage.path)?flash=console_flash_password_set", cookies: [cookie])
    }

    /// Where to go after signing in: a console page the sign-in was asked from, never another
    /// site; else the dashboard.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/admin"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.hasPrefix("/admin/sign-in") else { return DashboardPage.path }
        return next
    }

    private func signInPage(locale: WebLocale, email: String, next: String?, errors: FormErrors = FormErrors(),
                            status: HTTPResponse.Status = .ok) throws -> Response {
        var page = errors.context
        page["email"] = email
        page["next"] = Self.safeNext(next)
        return try WebResponse.page("console-sign-in", WebPageContext.make(locale: locale, title: locale["console_sign_in_title"],
                                                                             stylesheet: ConsolePages.stylesheet, page: page), status: status)
    }

    private func setPasswordPage(locale: WebLocale, staff: StaffRecord, token: String, errors: FormErrors = FormErrors(),
                                 status: HTTPResponse.Status = .ok) throws -> Response {
        var page = errors.context
        page["email"] = staff.email
        page["token"] = token
        page["hint"] = locale.text("console_password_hint", ["count": String(StaffAccounts.minimumPasswordLength)])
        return try WebResponse.page("console-set-password", WebPageContext.make(locale: locale, title: locale["console_set_password_title"],
                                                                                  stylesheet: ConsolePages.stylesheet, page: page), status: status)
    }

    private func expiredLinkPage(locale: WebLocale) throws -> Response {
        try WebResponse.page("error", WebPageContext.make(locale: locale, title: locale["console_link_expired_title"], stylesheet: ConsolePages.stylesheet,
                                                          page: ["message": locale["console_link_expired_text"]]), status: .gone)
    }
}
