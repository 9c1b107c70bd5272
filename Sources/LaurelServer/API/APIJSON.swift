import Foundation
import Hummingbird
import NIOCore

/// JSON in and out of the API: sorted keys so the same value always gives the same bytes
/// (idempotent replays compare bytes), and explicit snake_case keys in every payload type.
enum APIJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func response(_ status: HTTPResponse.Status, _ body: Data, contentType: String = "application/json",
                         headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Decodes a request body, turning decoding failures into problems that name the field.
    static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        try requireObject(body)
        if let owned = T.self as? any ServerSetFields.Type { try ServerSetFieldCheck.refuse(body, owned.serverSetFields) }
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               let tree = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) {
                // Foundation on Linux reports a fraction (or an out-of-range integer) where a whole
                // number is expected as "not valid JSON" without a path: the body is valid JSON, so
                // answer 422 and name the number when only one could be the culprit.
                let suspects = nonIntegerNumbers(in: tree, path: "")
                let field = suspects.count == 1 ? suspects[0] : nil
                throw Problem(.unprocessableContent, "invalid_field", "\(field ?? "a number") must be a whole number within range", field: field)
            }
            throw problem(for: error)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.badRequest, "invalid_json", "the body is not valid JSON")
        }
    }

    /// Every JSON body Laurel takes is an object: `null`, `[]`, `123` or `"text"` is a body of the
    /// wrong shape (`invalid_json`), not a problem with one field, which is what the decoder would report.
    private static func requireObject(_ body: Data) throws {
        guard !body.isEmpty else { throw Problem(.badRequest, "invalid_json", "the request needs a JSON body") }
        let first = body.first { !(" \t\r\n".utf8.contains($0)) }
        guard first == UInt8(ascii: "{") else {
            throw Problem(.badRequest, "invalid_json", first == nil ? "the request needs a JSON body" : "the body must be a JSON object")
        }
    }

    /// Paths of the numbers of a parsed JSON tree that are not whole numbers an `Int` can hold.
    static func nonIntegerNumbers(in value: Any, path: String) -> [String] {
        switch value {
        case let object as [String: Any]:
            object.flatMap { key, value in nonIntegerNumbers(in: value, path: path.isEmpty ? key : "\(path).\(key)") }
        case let list as [Any]:
            list.enumerated().flatMap { index, value in nonIntegerNumbers(in: value, path: "\(path)[\(index)]") }
        case is Bool, is String:
            []
        case let number as NSNumber:
            Int(exactly: number.doubleValue) == nil ? [path] : []
        default:
            []
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("") { path, key in
            if let index = key.intValue { return "\(path)[\(index)]" }
            return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
        }
    }

    static func problem(for error: DecodingError) -> Problem {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return Problem(.badRequest, "invalid_json", "the body is not valid JSON")
        case .dataCorrupted(let context):
            return Problem.invalid(path(context.codingPath), "\(path(context.codingPath)): \(context.debugDescription)")
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return Problem.invalid(field, "\(field) is required")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return Problem.invalid(field, "\(field.isEmpty ? "the body" : field) has the wrong type (expected \(describe(type)))")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return Problem.invalid(field, "\(field) must not be null (expected \(describe(type)))")
        @unknown default:
            return Problem(.badRequest, "invalid_json", "the body could not be read")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "a list" : ("\(type)".hasPrefix("Dictionary") ? "an object" : "\(type)")
        }
    }
}
