import Foundation
import HTTPTypes
import Hummingbird
import LaurelStore

/// The console's chrome around every page: the top bar with the user and sign-out, the left
/// navigation of a few nouns (only those the user's role may open), the flash after a redirect.
enum ConsolePages {
    static let stylesheet = "laurel.css"

    /// The sections of the left navigation, in order, with the least role that may open each.
    enum Section: String, CaseIterable {
        case overview, dashboard, members, rewards, clubs, program, audit

        var path: String { self == .overview ? "/admin" : "/admin/\(rawValue)" }
        var role: StaffRole { self == .audit ? .manager : .support }
    }

    /// Staff have no profile language: the browser's.
    static func locale(_ request: Request) -> WebLocale {
        WebLocale.choose(preferred: nil, acceptLanguage: request.headers[.acceptLanguage])
    }

    /// A page of the signed-in console: `template` (which extends `console-layout`) with `page`'s fields.
    static func render(_ template: String, _ request: ConsoleRequest, title: String, section: Section?, page: [String: Any] = [:],
                       status: HTTPResponse.Status = .ok) async throws -> Response {
        var fields = page
        fields["show_nav"] = true
        fields["nav"] = Section.allCases.filter { request.staff.role >= $0.role }.map { item -> [String: Any] in
            ["href": item.path, "label": request.locale["console_nav_\(item.rawValue)"], "current": item == section]
        }
        fields["staff_email"] = request.staff.email
        fields["program_name"] = try await request.programName()
        // A flash names a string of the locale (`?flash=console_flash_adjusted`): no text comes from the address.
        if let key = request.query("flash"), key.hasPrefix("console_flash_"), request.locale.strings[key] != nil {
            fields["flash"] = request.locale[key]
        }
        let context = WebPageContext.make(locale: request.locale, title: title, stylesheet: stylesheet, csrf: request.session.csrfToken, page: fields)
        return try WebResponse.page(template, context, status: status)
    }

    /// A page with a title and one sentence (forbidden, not found), with the user's chrome when known.
    static func message(locale: WebLocale, staff: StaffRecord?, session: WebSessionRecord?, status: HTTPResponse.Status,
                        title: String, message: String) throws -> Response {
        var page: [String: Any] = ["message": message]
        if let staff { page["staff_email"] = staff.email }
        let context = WebPageContext.make(locale: locale, title: title, stylesheet: stylesheet, csrf: session?.csrfToken, page: page)
        return try WebResponse.page("error", context, status: status)
    }

    /// Text safe in a URL's path or query.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

