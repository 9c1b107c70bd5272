import Foundation

/// Who is acting, for the audit trail: a kind and an id, `api_key:key_…`, `staff:…`, `cli:<user>`, or
/// `system` (jobs, setup, anything no caller asked for).
///
/// It travels with the task, like a trace context, and is set once where a request is authenticated;
/// the store reads it when it writes an audited action, in that action's own transaction. So every
/// audited write records its actor without each store method taking one more parameter.
public enum AuditActor {
    @TaskLocal public static var current: String = system

    public static let system = "system"
    public static func apiKey(_ id: String) -> String { "api_key:\(id)" }
    public static func staff(_ id: String) -> String { "staff:\(id)" }
    public static func cli(_ user: String) -> String { "cli:\(user)" }
}
