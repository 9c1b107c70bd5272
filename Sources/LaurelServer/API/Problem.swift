import Foundation
import Hummingbird

/// An RFC 9457 problem: a stable machine `code`, a human `detail`, and the offending `field`
/// when there is one. Every client error Laurel answers is one of these.
public struct Problem: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let detail: String
    public var field: String?
    /// Extra members, such as `errors` for an invalid program or `missing_points`.
    public var extra: [String: JSONValueBox] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
    }

    public var body: Data {
        var object: [String: JSONValueBox] = extra
        object["type"] = .string("https://laurel.dev/problems/\(code.replacingOccurrences(of: "_", with: "-"))")
        object["title"] = .string(status.reasonPhrase)
        object["status"] = .int(status.code)
        object["code"] = .string(code)
        object["detail"] = .string(detail)
        if let field { object["field"] = .string(field) }
        return (try? APIJSON.encode(object)) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        APIJSON.response(status, body, contentType: "application/problem+json")
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, "not_found", "\(what) not found") }
    static func invalid(_ field: String, _ detail: String) -> Problem { Problem(.unprocessableContent, "invalid_field", detail, field: field) }
}

/// A small JSON value for problem members.
public enum JSONValueBox: Encodable, Sendable {
    case string(String)
    case int(Int)
    case list([[String: String]])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        }
    }
}
