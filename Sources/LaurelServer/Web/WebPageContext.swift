/// What every page's template can read, whatever the page: `lang`, `t` (the locale's strings:
/// `{{t.common_sign_out}}`), `title`, `stylesheet`, `script` (asset URLs) and `csrf` (the session's
/// token for its forms' hidden `_csrf` field), merged with the page's own fields.
enum WebPageContext {
    static func make(locale: WebLocale, title: String, stylesheet: String, csrf: String? = nil,
                     page: [String: Any] = [:]) -> [String: Any] {
        var context: [String: Any] = [
            "lang": locale.code,
            "t": locale.strings,
            "title": title,
            "stylesheet": WebAssets.url(stylesheet),
            "script": WebAssets.url("laurel.js"),
        ]
        if let csrf { context["csrf"] = csrf }
        return context.merging(page) { _, own in own }
    }
}
