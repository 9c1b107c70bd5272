import Foundation
import LaurelCore

/// What every portal page's template reads beside its own fields: the page context of the web
/// foundation (`t`, `lang`, `csrf`…), the brand (`brand_name`, `brand_logo`, `brand_stylesheet`),
/// the portal's links (`portal`; `portal.play` only when the program has play mechanics) and whether a member is signed in (`signed_in`, for the navigation).
struct PortalPage {
    let program: PortalProgram
    let locale: WebLocale
    var title: String
    var csrf: String? = nil
    var signedIn = false

    func titled(_ title: String) -> PortalPage {
        var page = self
        page.title = title
        return page
    }

    func context(_ fields: [String: Any] = [:]) -> [String: Any] {
        var links: [String: Any] = [
            "home": program.path(), "rewards": program.path("/rewards"), "redemptions": program.path("/redemptions"),
            "activity": program.path("/activity"), "sign_in": program.path("/sign-in"), "sign_out": program.path("/sign-out"),
            "privacy": program.path("/privacy"),
        ]
        // The play page is in the navigation only when the program has something to play.
        if program.hasPlay { links["play"] = program.path("/play") }
        var page: [String: Any] = [
            "brand_name": program.displayName,
            "brand_stylesheet": program.path("/brand.css?v=\(program.version)"),
            "portal": links,
            "signed_in": signedIn,
        ]
        if let logo = program.definition.branding.logoURL { page["brand_logo"] = logo }
        return WebPageContext.make(locale: locale, title: title, stylesheet: "laurel.css", csrf: csrf,
                                   page: page.merging(fields) { _, own in own })
    }
}
