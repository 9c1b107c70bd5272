import Foundation
import Yams

/// Turns the text of a program file (YAML, or JSON, which YAML also reads) into a
/// `JSONValue` tree, keeping numbers as their exact text.
///
/// Program sources come from API callers, so the parser bounds what one can cost: the text's
/// size, anchors and aliases (refused: a few hundred bytes of aliases expand to 10^8 nodes),
/// the number of nodes and their nesting.
public enum ProgramSourceParser {
    /// The largest program source accepted, in bytes (the API's body limit is also 1 MiB).
    public static let maxSourceBytes = 1 << 20
    /// The most values (scalars, lists, objects) a program may hold.
    public static let maxNodes = 200_000
    /// The deepest nesting of lists and objects (a real program needs about 8).
    public static let maxDepth = 32

    public static func parse(_ text: String) throws(ProgramValidationError) -> JSONValue {
        guard text.utf8.count <= maxSourceBytes else {
            throw refusal("the program source is \(text.utf8.count) bytes; at most \(maxSourceBytes) are accepted")
        }
        let parser: Parser
        let node: Node?
        do {
            parser = try Parser(yaml: text)
            node = try parser.singleRoot()
        } catch {
            throw ProgramValidationError(issues: [ValidationIssue(path: "", message: "not valid YAML or JSON: \(error)")])
        }
        guard let node else {
            throw ProgramValidationError(issues: [ValidationIssue(path: "", message: "the document is empty")])
        }
        var budget = maxNodes
        // Nodes hold their anchors weakly and the parser strongly: it must outlive the walk that looks for them.
        return try withExtendedLifetime(parser) { () throws(ProgramValidationError) -> JSONValue in
            try convert(node, path: "", depth: 0, budget: &budget)
        }
    }

    private static let noAliases = "YAML anchors and aliases (&name, *name) are not accepted in program files; write each value out"

    private static func refusal(_ message: String, at path: String = "") -> ProgramValidationError {
        ProgramValidationError(issues: [ValidationIssue(path: path, message: message)])
    }

    /// Walks the tree in document order, so an anchor is met (and refused) before any alias to it is expanded.
    private static func convert(_ node: Node, path: String, depth: Int, budget: inout Int) throws(ProgramValidationError) -> JSONValue {
        if node.anchor != nil {
            throw refusal(noAliases, at: path)
        }
        budget -= 1
        guard budget >= 0 else { throw refusal("the program has more than \(maxNodes) values") }
        guard depth <= maxDepth else { throw refusal("lists and objects nest more than \(maxDepth) deep", at: path) }
        switch node {
        case .scalar(let scalar):
            // SQLite's C strings end at NUL and PostgreSQL refuses it: a program could not be stored as written.
            guard !scalar.string.utf8.contains(0) else { throw refusal("text must not contain the NUL character (U+0000)", at: path) }
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return .bool(["true", "yes", "on"].contains(scalar.string.lowercased()))
            case .int, .float: return .number(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", depth: depth + 1, budget: &budget))
            }
            return .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard key.anchor == nil, case .scalar(let scalar) = key else {
                    throw refusal("keys must be plain text (no lists, objects, anchors or aliases)", at: path)
                }
                let name = scalar.string
                object[name] = try convert(value, path: path.isEmpty ? name : "\(path).\(name)", depth: depth + 1, budget: &budget)
            }
            return .object(object)
        case .alias:
            throw refusal(noAliases, at: path)
        }
    }
}
