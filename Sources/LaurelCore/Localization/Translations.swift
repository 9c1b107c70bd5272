import Foundation

/// A text a program gives in other languages beside its default (`names: {tr: …, uk: …}`), keyed by
/// language tag. The portal shows the member's language, else the language without its region, else the default.
public struct Translations: Hashable, Sendable {
    /// Languages one text may be given in.
    public static let maxLanguages = 30

    public var texts: [String: String]

    public init(_ texts: [String: String] = [:]) { self.texts = texts }

    public var isEmpty: Bool { texts.isEmpty }

    /// The text for `locale` (`tr`, `pt-BR`…), falling back to its language, then to `fallback`.
    public func text(for locale: String, fallback: String) -> String {
        let tag = locale.lowercased()
        if let text = texts.first(where: { $0.key.lowercased() == tag })?.value { return text }
        let language = tag.split(separator: "-").first.map(String.init) ?? tag
        return texts.first { $0.key.lowercased() == language }?.value ?? fallback
    }

    /// A language tag as the files accept it: a 2–3 letter language, then optional subtags of 2–8 letters or digits.
    public static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let language = parts.first, (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// The canonical form: an object of tag → text.
    public var canonicalTree: JSONValue { .object(texts.mapValues(JSONValue.string)) }
}

extension ObjectReader {
    /// `key` as translations: an object of language tags to non-empty texts of at most `maxLength` characters.
    func translations(_ key: String, maxLength: Int) -> Translations {
        guard let value = value(key) else { return Translations() }
        guard case .object(let fields) = value else { reader.report(pathOf(key), "must be an object of language tags to texts, such as {tr: …, uk: …}"); return Translations() }
        guard fields.count <= Translations.maxLanguages else {
            reader.report(pathOf(key), "has \(fields.count) languages; at most \(Translations.maxLanguages) are allowed")
            return Translations()
        }
        var texts: [String: String] = [:]
        for (tag, item) in fields.sorted(by: { $0.key < $1.key }) {
            let path = "\(pathOf(key)).\(tag)"
            guard Translations.isLanguageTag(tag) else { reader.report(path, "must be a language tag such as tr, uk or pt-BR"); continue }
            guard case .string(let text) = item, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                reader.report(path, "must be a non-empty string"); continue
            }
            guard text.unicodeScalars.count <= maxLength else { reader.report(path, "must be at most \(maxLength) characters"); continue }
            texts[tag] = text
        }
        return Translations(texts)
    }
}
