import Foundation

/// Turns text files into a Swift source file of string constants, so the server carries its
/// resources inside the executable. `Bundle.module` looks for a `<target>.resources` folder beside
/// the executable at run time and traps without it; a copied binary or a container image has none.
///
/// Usage: `EmbedResources <output.swift> <resources-folder> <file>...`. A file directly in the
/// folder becomes `static let <name>: String` of `enum EmbeddedResources`, named from its file name
/// in lower camel case (`demo-program.yaml` → `demoProgramYaml`); a file in a sub-folder is an entry
/// of `EmbeddedResources.files`, keyed by its path below the folder (`web/templates/layout.mustache`).
/// Files must be UTF-8 text; the string literal escapes every character that is not plain
/// printable, so the bytes are kept exactly.
@main
struct ResourceEmbedder {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let output = arguments.first else {
            FileHandle.standardError.write(Data("usage: EmbedResources <output.swift> <resources-folder> <file>...\n".utf8))
            exit(64)
        }
        let root = URL(fileURLWithPath: arguments.dropFirst().first ?? ".").standardizedFileURL.path + "/"
        var source = """
            // Generated at build time by the EmbedResources plugin from Sources/LaurelServer/Resources.
            // Do not edit: edit the resource file instead.

            /// The files of `Sources/LaurelServer/Resources`, embedded as text.
            enum EmbeddedResources {

            """
        var nested: [(path: String, text: String)] = []
        for path in arguments.dropFirst(2).sorted() {
            let url = URL(fileURLWithPath: path)
            guard let text = String(data: try Data(contentsOf: url), encoding: .utf8) else {
                FileHandle.standardError.write(Data("error: \(path) is not UTF-8 text\n".utf8))
                exit(1)
            }
            let relative = url.standardizedFileURL.path.hasPrefix(root)
                ? String(url.standardizedFileURL.path.dropFirst(root.count)) : url.lastPathComponent
            if relative.contains("/") {
                nested.append((relative, text))
                continue
            }
            source += "    /// `\(url.lastPathComponent)`.\n"
            source += "    static let \(identifier(for: url.lastPathComponent)): String = \(literal(text))\n"
        }
        source += "\n    /// The files of Resources' sub-folders, by their path below Resources.\n"
        source += "    static let files: [String: String] = [\n"
        for file in nested { source += "        \(literal(file.path)): \(literal(file.text)),\n" }
        source += nested.isEmpty ? "        :\n    ]\n}\n" : "    ]\n}\n"
        try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    }

    /// `demo-program.yaml` → `demoProgramYaml`.
    static func identifier(for fileName: String) -> String {
        let words = fileName.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }).map(String.init)
        let name = words.enumerated().map { index, word in index == 0 ? word.lowercased() : word.prefix(1).uppercased() + word.dropFirst().lowercased() }
            .joined()
        return name.first?.isLetter == true ? name : "file" + name
    }

    /// A one-line Swift string literal holding exactly `text`.
    static func literal(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
