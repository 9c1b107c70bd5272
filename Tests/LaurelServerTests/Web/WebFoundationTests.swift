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
        func general(_ keys: Dictionary<String, String>.Keys) -> Set<String> { Set(keys.filter { !$0.contains("|") }) }
        for code in WebLocale.supported where code != "en" {
            let strings = try #require(WebLocale.parse(EmbeddedResources.files["web/locales/\(code).json"] ?? ""), "\(code).json parses")
            #expect(general(strings.keys) == general(english.keys),
                    "\(code): missing \(general(english.keys).subtracting(strings.keys).sorted()), extra \(general(strings.keys).subtracting(english.keys).sorted())")
            for (key, text) in english where !key.contains("|") {
                #expect(Self.placeholders(strings[key] ?? "") == Self.placeholders(text), "\(code).\(key) keeps the placeholders of English")
            }
        }
        // Plural forms (`key|few`): of a general string, in a category the language has, with its placeholders.
        for code in WebLocale.supported {
            let strings = try #require(WebLocale.parse(EmbeddedResources.files["web/locales/\(code).json"] ?? ""))
            for (key, text) in strings where key.contains("|") {
                let parts = key.split(separator: "|").map(String.init)
                #expect(parts.count == 2 && WebLocale.pluralCategories(language: code).contains(parts[1]), "\(code).\(key): a plural category of \(code)")
                #expect(Self.placeholders(text) == Self.placeholders(english[parts[0]] ?? ""), "\(code).\(key) keeps the placeholders of \(parts[0])")
            }
        }
    }

    @Test func countsTakeTheLanguagesPluralForms() {
        let uk = WebLocale.named("uk"), en = WebLocale.named("en"), tr = WebLocale.named("tr")
        func points(_ locale: WebLocale, _ count: Int) -> String { locale.text("console_points_count", ["count": String(count)], count: count) }
        #expect([1, 2, 5, 11, 21, 22, 25, 112].map { points(uk, $0) } == ["1 бал", "2 бали", "5 балів", "11 балів", "21 бал", "22 бали", "25 балів", "112 балів"])
        #expect([1, 2, 0].map { points(en, $0) } == ["1 point", "2 points", "0 points"])
        #expect(points(tr, 1) == "1 puan" && points(tr, 3) == "3 puan")
        #expect(WebLocale.pluralCategory(-1, language: "en") == "one")
        func club(_ locale: WebLocale, _ count: Int) -> String { locale.text("console_clubs_by_points", ["points": String(count)], count: count) }
        #expect([1, 3, 5, 21].map { club(uk, $0) } == ["за 1 бал", "за 3 бали", "за 5 балів", "за 21 бал"])
        #expect(club(en, 1) == "for 1 point" && club(en, 200) == "for 200 points")
    }

    /// The `{name}`s of a text; one at the very start counts too (the piece before the first `{` is
    /// dropped, so empty pieces must be kept).
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
