import Foundation
import Yams

/// Turns the text of a program file (YAML, or JSON, which YAML also reads) into a
/// `JSONValue` tree, keeping numbers as their exact text.
public enum ProgramSourceParser {
    public static func parse(_ text: String) throws(ProgramValidationError) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ProgramValidationError(issues: [ValidationIssue(path: "", message: "not valid YAML or JSON: \(error)")])
        }
        guard let node else {
            throw ProgramValidationError(issues: [ValidationIssue(path: "", message: "the document is empty")])
        }
        return convert(node)
    }

    private static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return .bool(["true", "yes", "on"].contains(scalar.string.lowercased()))
            case .int, .float: return .number(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .array(sequence.map(convert))
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.string ?? "\(key)"] = convert(value) }
            return .object(object)
        case .alias:
            return .null
        }
    }
}
