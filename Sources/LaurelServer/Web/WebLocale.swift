import Foundation
import Synchronization

/// The language of a page: its strings from `Resources/web/locales/<code>.json` (English fills any
/// string a translation lacks) and Foundation's formatting of numbers, money and dates for it.
/// Keys are flat, prefixed by where they are used (`common_`, `console_`, `portal_`); a string may
/// hold `{name}` placeholders, filled by `text(_:_:)`.
public struct WebLocale: Sendable {
    /// The shipped languages, English first (the fallback).
    public static let supported = ["en", "tr", "uk"]

    public let code: String
    public let strings: [String: String]
    let locale: Locale
    /// Made once per language: a page of a long ledger formats hundreds of figures, and a Foundation
    /// formatter is costly to build (ICU) but cheap to use. Locked: formatters are not thread-safe.
    private let formatters: Locked

    private final class Locked: Sendable {
        let formatters: Mutex<Formatters>
        init(_ locale: Locale) { formatters = Mutex(Formatters(locale)) }
    }

    private struct Formatters {
        let number = NumberFormatter(), currency = NumberFormatter(), percent = NumberFormatter(), date = DateFormatter(), dateTime = DateFormatter()
        init(_ locale: Locale) {
            number.locale = locale
            number.numberStyle = .decimal
            percent.locale = locale
            percent.numberStyle = .percent
            percent.maximumFractionDigits = 1
            currency.locale = locale
            currency.numberStyle = .currency
            date.locale = locale
            date.dateStyle = .medium
            date.timeStyle = .none
            dateTime.locale = locale
            dateTime.dateStyle = .medium
            dateTime.timeStyle = .short
        }
    }

    init(code: String, strings: [String: String], locale: Locale) {
        self.code = code
        self.strings = strings
        self.locale = locale
        formatters = Locked(locale)
    }

    /// The language for a member whose profile says `preferred` (a BCP 47 tag such as `tr-TR`), else
    /// the browser's `Accept-Language` best match, else English.
    public static func choose(preferred: String?, acceptLanguage: String?) -> WebLocale {
        if let preferred, let code = supportedCode(preferred) { return named(code) }
        for tag in AcceptLanguage.ranked(acceptLanguage) {
            if let code = supportedCode(tag) { return named(code) }
        }
        return named("en")
    }

    /// The shipped language `code` (English for any other).
    public static func named(_ code: String) -> WebLocale { all[code] ?? all["en"]! }

    /// The string `key`, or the key itself when no locale has it (visible in a page, caught by tests).
    public subscript(_ key: String) -> String { strings[key] ?? key }

    /// The string `key` with its `{name}` placeholders replaced by `values`.
    public func text(_ key: String, _ values: [String: String]) -> String {
        var text = self[key]
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The string `key` for `count` of something, with its placeholders replaced: the language's
    /// plural form `key|one`, `key|few` or `key|many` when its file has it (Ukrainian: 1 бал, 2 бали,
    /// 5 балів; English: 1 point, 2 points), else `key` itself (the general form, "other").
    public func text(_ key: String, _ values: [String: String], count: Int) -> String {
        let plural = "\(key)|\(Self.pluralCategory(count, language: code))"
        return text(strings[plural] != nil ? plural : key, values)
    }

    /// The CLDR plural category of a whole `count` in `language` (cardinal numbers): `one`, `few`,
    /// `many` or `other`. Turkish nouns stay singular after a number: its general form serves all.
    static func pluralCategory(_ count: Int, language: String) -> String {
        let n = count.magnitude
        switch language {
        case "uk":
            if n % 10 == 1 && n % 100 != 11 { return "one" }
            if (2...4).contains(n % 10) && !(12...14).contains(n % 100) { return "few" }
            return "many"
        case "tr":
            return "other"
        default:
            return n == 1 ? "one" : "other"
        }
    }

    /// The plural categories a language's file may give forms for (`key|one` …).
    static func pluralCategories(language: String) -> Set<String> {
        switch language {
        case "uk": ["one", "few", "many"]
        case "tr": []
        default: ["one"]
        }
    }

    /// An integer with the locale's grouping (`12,500`, `12.500`, `12 500`).
    public func number(_ value: Int) -> String {
        formatters.formatters.withLock { $0.number.string(from: NSNumber(value: value)) } ?? String(value)
    }

    /// A ratio (`0.3125`) as the locale writes a percentage, to a tenth (`31.3%`, `%31,3`, `31,3 %`).
    public func percent(_ ratio: Decimal) -> String {
        formatters.formatters.withLock { $0.percent.string(from: ratio as NSDecimalNumber) } ?? "\(ratio)"
    }

    /// A money amount in `currency` (ISO 4217) as the locale writes it (`€12.50`, `12,50 €`, `₺12,50`).
    public func money(_ amount: Decimal, currency: String) -> String {
        formatters.formatters.withLock { formatters in
            formatters.currency.currencyCode = currency
            return formatters.currency.string(from: amount as NSDecimalNumber)
        } ?? "\(amount) \(currency)"
    }

    /// A calendar date as the locale writes it (`6 Dec 2026`, `6 Ara 2026`), in `timeZone`.
    public func date(_ date: Date, timeZone: TimeZone = .gmt) -> String {
        formatters.formatters.withLock { formatters in
            formatters.date.timeZone = timeZone
            return formatters.date.string(from: date)
        }
    }

    /// A date and time as the locale writes it, in `timeZone`.
    public func dateTime(_ date: Date, timeZone: TimeZone = .gmt) -> String {
        formatters.formatters.withLock { formatters in
            formatters.dateTime.timeZone = timeZone
            return formatters.dateTime.string(from: date)
        }
    }

    /// The locale files, parsed once; a file that is not a flat JSON object of strings is a build
    /// defect, reported by `WebLocaleTests` (and its strings are missing here).
    static let all: [String: WebLocale] = {
        var english: [String: String] = [:]
        var locales: [String: WebLocale] = [:]
        for code in supported {
            let strings = parse(EmbeddedResources.files["web/locales/\(code).json"] ?? "{}") ?? [:]
            if code == "en" { english = strings }
            // English fills missing strings, but never a plural form: another language's forms are its own.
            let fallback = code == "en" ? english : english.filter { !$0.key.contains("|") }
            locales[code] = WebLocale(code: code, strings: fallback.merging(strings) { _, translated in translated },
                                      locale: Locale(identifier: code))
        }
        return locales
    }()

    static func parse(_ json: String) -> [String: String]? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: String]
    }

    /// The shipped language a tag names (`tr-TR` → `tr`), if any.
    static func supportedCode(_ tag: String) -> String? {
        let language = tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        return supported.contains(language) ? language : nil
    }
}

/// `Accept-Language` (RFC 9110 §12.5.4): the tags in order of preference (`q` weights, ties kept in
/// the order sent), without those weighted 0.
enum AcceptLanguage {
    static func ranked(_ header: String?) -> [String] {
        guard let header else { return [] }
        let weighted = header.split(separator: ",").enumerated().compactMap { index, part -> (tag: String, q: Double, index: Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty, tag != "*" else { return nil }
            var q = 1.0
            for parameter in pieces.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 0
            }
            return q > 0 ? (tag, q, index) : nil
        }
        return weighted.sorted { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }.map(\.tag)
    }
}
