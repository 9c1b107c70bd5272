import Mustache

/// The web pages' mustache templates, compiled once from the files embedded from
/// `Resources/web/templates` (`members.mustache` is the template `members`). Pages extend a layout
/// by template inheritance: `{{<console-layout}}{{$content}}…{{/content}}{{/console-layout}}`.
/// Mustache escapes every `{{value}}` for HTML; `{{{value}}}` is only for markup we made (SVG charts).
public enum WebTemplates {
    static let folder = "web/templates/"

    /// Every template, or the first that does not parse (a test parses them all, so a broken
    /// template fails the build's tests rather than a request).
    static let library: Result<MustacheLibrary, any Error> = Result {
        var library = MustacheLibrary()
        for (path, text) in EmbeddedResources.files where path.hasPrefix(folder) && path.hasSuffix(".mustache") {
            let name = String(path.dropFirst(folder.count).dropLast(".mustache".count))
            do {
                try library.register(text, named: name)
            } catch {
                throw TemplateError(name: name, reason: "\(error)")
            }
        }
        return library
    }

    /// The names of the embedded templates.
    static var names: [String] {
        EmbeddedResources.files.keys.filter { $0.hasPrefix(folder) && $0.hasSuffix(".mustache") }
            .map { String($0.dropFirst(folder.count).dropLast(".mustache".count)) }.sorted()
    }

    /// `name` rendered with `context` (a dictionary or a struct; see `WebChrome.context`).
    static func render(_ name: String, _ context: Any) throws -> String {
        guard let output = try library.get().render(context, withTemplate: name) else {
            throw TemplateError(name: name, reason: "no such template")
        }
        return output
    }

    struct TemplateError: Error, CustomStringConvertible {
        let name: String
        let reason: String
        var description: String { "template \(name): \(reason)" }
    }
}
