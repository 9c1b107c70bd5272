import Foundation
import HTTPTypes
import LaurelServer
import LaurelTestSupport
import Testing

/// Every operation of the OpenAPI document states its scope, the scope table of docs/api.md lists
/// exactly those, and the server enforces them: no key answers 401, a key one scope below 403, a
/// key of the scope neither.
struct ScopeTests {
    struct Operation: Hashable, CustomStringConvertible {
        let method: String
        let path: String
        /// `read`, `integration`, `admin`, or `none`.
        let scope: String
        var description: String { "\(method) \(path) (\(scope))" }
    }

    /// The operations with the scope their description states ("Scope: admin. …"), `none` without one.
    static func documented() throws -> [Operation] {
        let root = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        let paths = try #require(root["paths"] as? [String: [String: Any]])
        return paths.flatMap { path, item in
            item.compactMap { method, operation -> Operation? in
                guard let operation = operation as? [String: Any] else { return nil }
                let description = operation["description"] as? String ?? ""
                let scope = description.hasPrefix("Scope: ") ? String(description.dropFirst(7).prefix { $0.isLetter }) : "none"
                return Operation(method: method.uppercased(), path: path, scope: scope)
            }
        }
    }

    @Test func theGuidesScopeTableListsEveryOperationWithItsScope() throws {
        let guide = try String(contentsOf: QuickStartTests.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let table = try #require(guide.components(separatedBy: "| route | scope |").dropFirst().first?.components(separatedBy: "\n\n").first)
        var listed: Set<Operation> = []
        for row in table.split(separator: "\n").dropFirst() {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 2 else { Issue.record("not a table row: \(row)"); continue }
            let scope = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            for route in cells[0].split(separator: ",") {
                let parts = route.trimmingCharacters(in: CharacterSet(charactersIn: "` ")).split(separator: " ")
                guard parts.count == 2 else { Issue.record("not `METHOD /path`: \(route)"); continue }
                listed.insert(Operation(method: String(parts[0]), path: String(parts[1]), scope: scope))
            }
        }
        let documented = Set(try Self.documented())
        #expect(listed == documented,
                "only in the guide: \(listed.subtracting(documented)); only in the OpenAPI document: \(documented.subtracting(listed))")
    }

    @Test func everyRouteAnswers401WithoutAKeyAnd403BelowItsScope() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let below: [String: String?] = ["read": nil, "integration": fixture.read, "admin": fixture.integration]
        let at = ["read": fixture.read, "integration": fixture.integration, "admin": fixture.admin]
        let operations = try Self.documented().filter { $0.scope != "none" }
        #expect(operations.count > 40)
        // Dozens of keyless requests from one address: far past the failed-authentication limit (RateLimitRouteTests test it).
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            for operation in operations {
                guard let keyAt = at[operation.scope], let keyBelow = below[operation.scope] else {
                    Issue.record("unknown scope: \(operation)"); continue
                }
                // Ids that exist nowhere: the scope is checked before anything is looked up or read.
                let path = operation.path.replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "x_1", options: .regularExpression)
                let method = HTTPRequest.Method(operation.method)!
                let body = ["GET", "DELETE"].contains(operation.method) ? nil : "{}"
                #expect(try await api.call(method, path, key: nil, body: body).status == 401, "\(operation) without a key")
                if let keyBelow {
                    let refused = try await api.call(method, path, key: keyBelow, body: body)
                    #expect(refused.status == 403 && refused.code == "forbidden", "\(operation) with a key below its scope: \(refused.text)")
                }
                #expect(![401, 403].contains(try await api.call(method, path, key: keyAt, body: body).status), "\(operation) with its scope")
            }
        }
    }
}
