/// One problem in a program definition, located by its path (`earning_rules[2].effect.factor`).
public struct ValidationIssue: Hashable, Sendable, Codable, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in a program definition, reported at once.
public struct ProgramValidationError: Error, Sendable, CustomStringConvertible {
    public let issues: [ValidationIssue]
    public init(issues: [ValidationIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
