import Foundation
import HTTPTypes
import Hummingbird
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// The web console's and portal's shared parts: templates, locales, assets, forms, sessions.
struct WebFoundationTests {
    @Test func everyTemplateParsesAndTheLayoutsExist() throws {
        _ = try WebTemplates.library.get()
        #expect(WebTemplates.names.contains("console-layout"))
        #expect(WebTemplates.names.contains("portal-layout"))
    }

    @Test func valuesAreEscapedForHTML() throws {
        let context = WebPageContext.make(locale: .named("en"), title: "T", stylesheet: "laurel.css",
                                          page: ["message": "<script>alert(\"x\")</script>"])
        let html = try WebTemplates.render("error", context)
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert"))
        #expect(html.contains(#"<html lang="en">"#))
        #expect(html.contains(WebAssets.url("laurel.css")))
    }

    @Test func everyLocaleFileParsesAndTranslatesEveryEnglishString() throws {
        let english = try #require(WebLocale.parse(EmbeddedResources.files["web/locales/en.json"] ?? ""), "en.json is a flat object of strings")
        #expect(!english.isEmpty)
        for code in WebLocale.supported where code != "en" {
            let strings = try #require(WebLocale.parse(EmbeddedResources.files["web/locales/\(code).json"] ?? ""), "\(code).json parses")
            #expect(Set(strings.keys) == Set(english.keys), "\(code): missing \(Set(english.keys).subtracting(strings.keys).sorted()), extra \(Set(strings.keys).subtracting(english.keys).sorted())")
            for (key, text) in english {
                #expect(Self.placeholders(strings[key] ?? "") == Self.placeholders(text), "\(code).\(key) keeps the placeholders of English")
            }
        }
    }

    static func placeholders(_ text: String) -> Set<String> {
        Set(text.split(separator: "{", omittingEmptySubsequences: false).dropFirst().compactMap { $0.split(separator: "}", omittingEmptySubsequences: false).first.map(String.init) })
    }

    @Test func theLanguageIsTheMembersThenTheBrowsersThenEnglish() {
        #expect(WebLocale.choose(preferred: "tr-TR", acceptLanguage: "uk").code == "tr")
        #expect(WebLocale.choose(preferred: "de-DE", acceptLanguage: "uk-UA,uk;q=0.9,en;q=0.5").code == "uk")
        #expect(WebLocale.choose(preferred: nil, acceptLanguage: "de, tr;q=0.8, uk;q=0.9").code == "uk")
        #expect(WebLocale.choose(preferred: nil, acceptLanguage: "uk;q=0, tr;q=0.1").code == "tr")
        #expect(WebLocale.choose(preferred: nil, acceptLanguage: "fr, *;q=0.5").code == "en")
        #expect(WebLocale.choose(preferred: nil, acceptLanguage: nil).code == "en")
    }

    @Test func numbersMoneyAndDatesFollowTheLanguage() {
        #expect(WebLocale.named("en").number(12_500) == "12,500")
        #expect(WebLocale.named("tr").number(12_500) == "12.500")
        #expect(WebLocale.named("uk").number(12_500).filter(\.isNumber) == "12500")
        #expect(WebLocale.named("uk").number(12_500) != "12500", "grouped")
        #expect(WebLocale.named("en").money(Decimal(string: "12.5")!, currency: "EUR") == "€12.50")
        #expect(WebLocale.named("tr").money(Decimal(string: "12.5")!, currency: "TRY").contains("12,50"))
        let day = Date(timeIntervalSince1970: 1_796_515_200) // 2026-12-06
        #expect(WebLocale.named("en").date(day) == "Dec 6, 2026")
        #expect(WebLocale.named("tr").date(day).contains("2026") && WebLocale.named("tr").date(day).contains("6"))
        #expect(WebLocale.named("en").text("common_sign_in", [:]) == "Sign in")
        #expect(WebLocale.named("en")["no_such_key"] == "no_such_key")
    }

    @Test func formsDecodeAsBrowsersEncode() {
        let form = WebForm(encoded: "reason=coffee+machine+broken&points=%2B500&empty=&points=9&flag")
        #expect(form["reason"] == "coffee machine broken")
        #expect(form["points"] == "+500", "the first value of a field sent twice")
        #expect(form["empty"] == "" && form.text("empty") == nil)
        #expect(form["flag"] == "")
        #expect(form["missing"] == nil)
    }

    @Test func assetsAreServedWithCacheHeaders() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let css = try #require(WebAssets.all["laurel.css"])
        try await fixture.withServer { client in
            let versioned = try await client.browser(.get, WebAssets.url("laurel.css"))
            #expect(versioned.status == 200)
            #expect(versioned.headers[.contentType] == "text/css; charset=utf-8")
            #expect(versioned.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(versioned.text == css.body)
            let plain = try await client.browser(.get, "/assets/laurel.css")
            #expect(plain.headers[.cacheControl] == "public, max-age=300", "an unversioned URL may change: short cache")
            let again = try await client.browser(.get, "/assets/laurel.css", headers: [.ifNoneMatch: "\"\(css.version)\""])
            #expect(again.status == 304 && again.body.isEmpty)
            #expect(try await client.browser(.get, "/assets/laurel.js").headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(try await client.browser(.get, "/assets/nothing.css").status == 404)
            #expect(try await client.browser(.get, "/assets/..%2Fopenapi.json").status == 404)
        }
    }

    @Test func pagesCarryTheSecurityHeaders() {
        let response = WebResponse.html("<p>hi</p>")
        #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
        #expect(response.headers[.cacheControl] == "no-store")
        #expect(response.headers[.contentType] == "text/html; charset=utf-8")
        let redirect = WebResponse.redirect(to: "/admin", cookies: ["a=b; Path=/admin"])
        #expect(redirect.status == .seeOther && redirect.headers[.location] == "/admin")
        #expect(redirect.headers[values: .setCookie] == ["a=b; Path=/admin"])
    }
}
