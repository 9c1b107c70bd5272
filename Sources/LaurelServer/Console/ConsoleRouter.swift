import Foundation
import HTTPTypes
import Hummingbird
import LaurelStore
import Logging

/// Registers the console's pages: every route names the least role that may use it, and this is
/// the one place that checks it. Before a handler runs: a staff session (else the sign-in page for
/// a GET, 401 for a POST), a live staff user of the session's program, a POST's CSRF token and
/// origin (else 403), the role (else 403); the handler then acts as `staff:<id>` in the audit trail.
final class ConsoleRouter {
    let router: Router<AppContext>
    let store: any LaurelStore
    let sessions: WebSessions
    private(set) var routes: [ConsoleRoute] = []

    init(router: Router<AppContext>, store: any LaurelStore, sessions: WebSessions) {
        self.router = router
        self.store = store
        self.sessions = sessions
    }

    func add(_ method: HTTPRequest.Method, _ path: String, role: StaffRole,
             _ handler: @escaping @Sendable (ConsoleRequest) async throws -> Response) {
        routes.append(ConsoleRoute(method: method.rawValue, path: path, role: role))
        let store = self.store
        let sessions = self.sessions
        router.on(RouterPath(path), method: method) { request, context -> Response in
            let locale = ConsolePages.locale(request)
            do {
                guard let session = try await sessions.current(request, kind: .staff),
                      let staff = try await store.staff(id: session.subjectId), staff.programId == session.programId, !staff.disabled else {
                    if method == .get { return WebResponse.redirect(to: "/admin/sign-in?next=\(ConsolePages.percentEncoded(request.uri.path))") }
                    return WebResponse.refusal(.unauthorized, locale["console_sign_in_first"])
                }
                var form = WebForm(fields: [:])
                if method == .post {
                    form = try await WebForm.read(request)
                    guard WebSessions.acceptsPost(form, of: session, request: request) else {
                        return WebResponse.refusal(.forbidden, locale["console_csrf_refused"])
                    }
                }
                guard staff.role >= role else {
                    return try ConsolePages.message(locale: locale, staff: staff, session: session, status: .forbidden,
                                                    title: locale["common_forbidden"], message: locale["common_forbidden_text"])
                }
                let admitted = ConsoleRequest(request: request, context: context, staff: staff, session: session, form: form, locale: locale, store: store)
                return try await AuditActor.$current.withValue(AuditActor.staff(staff.id)) { try await handler(admitted) }
            } catch let missing as ConsoleNotFound {
                context.logger.debug("console: \(missing)")
                return try ConsolePages.message(locale: locale, staff: nil, session: nil, status: .notFound,
                                                title: locale["common_not_found"], message: locale["common_not_found_text"])
            } catch is WebForm.TooLarge {
                // Nothing was read, so nothing was checked or written; the browser's back button
                // returns to the form with the text still in it.
                return WebResponse.refusal(.contentTooLarge, locale.text("console_form_too_large", ["size": WebForm.maxBodySizeText]))
            } catch {
                context.logger.error("console: unexpected error: \(String(reflecting: error))")
                return WebResponse.refusal(.internalServerError, locale["console_unexpected_error"])
            }
        }
    }
}

/// An object of another program, or none at all: the console answers both the same (404).
struct ConsoleNotFound: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what) not found" }
}
