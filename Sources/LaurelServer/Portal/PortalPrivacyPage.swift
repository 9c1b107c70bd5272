import Crypto
import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// The consents a member sees: the standard ones, then any other name their history holds.
    static func consentNames(_ history: [ConsentChange]) -> [String] {
        ConsentName.standard + Set(history.map(\.name)).subtracting(ConsentName.standard).sorted()
    }

    /// "Your privacy": each consent with a checkbox (ticked when granted) and when it was last
    /// granted or withdrawn; one form saves them all.
    func privacyPage(_ portal: PortalRequest) async throws -> Response {
        let locale = portal.locale, zone = portal.program.timeZone
        let history = try await store.consentHistory(programId: portal.program.id, memberId: portal.member.id)
        let states = Dictionary(Consents.current(history).map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        let consents: [[String: Any]] = Self.consentNames(history).map { name in
            let state = states[name]
            // The standard consents have their words in the locale; a brand's own show their name.
            func known(_ key: String) -> String? { locale[key] == key ? nil : locale[key] }
            var item: [String: Any] = ["name": name, "field": "consent_\(name)", "granted": state?.granted == true,
                                       "label": known("portal_privacy_\(name)") ?? name]
            if let hint = known("portal_privacy_\(name)_hint") { item["hint"] = hint }
            if let state {
                item["since"] = locale.text(state.granted ? "portal_privacy_granted_on" : "portal_privacy_withdrawn_on",
                                            ["date": locale.date(state.updatedAt, timeZone: zone)])
            }
            return item
        }
        var fields: [String: Any] = ["consents": consents, "action": portal.program.path("/privacy"), "token": Identifiers.secret("consents")]
        if portal.request.uri.queryParameters.get("saved") != nil { fields["flash"] = locale["portal_privacy_saved"] }
        return try WebResponse.page("portal-privacy", portal.page.titled(locale["portal_privacy_title"]).context(fields))
    }

    /// Saves the form: a ticked box grants, an unticked one withdraws (`source: portal`); names
    /// whose state does not change write nothing. The form's one-time token makes a resent form
    /// replay the first save.
    func saveConsents(_ portal: PortalRequest) async throws -> Response {
        let history = try await store.consentHistory(programId: portal.program.id, memberId: portal.member.id)
        var wanted: [String: Bool] = [:]
        for name in Self.consentNames(history) { wanted[name] = portal.form.text("consent_\(name)") != nil }
        let fingerprint = SHA256.hash(data: Data("portal consents \(wanted.sorted { $0.key < $1.key })".utf8)).hexString
        guard let idempotency = portal.oneTimeForm(fingerprint: fingerprint, id: { (_: [ConsentChange]) in "consents" }) else {
            return try notFound(portal.request, program: portal.program, locale: portal.locale)
        }
        do {
            _ = try await store.setConsents(programId: portal.program.id, memberId: portal.member.id, wanted, source: .portal, now: portal.now,
                                            idempotency: idempotency)
        } catch StoreError.idempotencyKeyReused {
            return WebResponse.refusal(.conflict, portal.locale["portal_form_expired"])
        }
        return WebResponse.redirect(to: portal.program.path("/privacy?saved=1"))
    }
}
