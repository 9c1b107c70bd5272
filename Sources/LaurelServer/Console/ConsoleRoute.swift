import LaurelStore

/// One console route and the least role that may use it. The console's one table of who may do
/// what: the router refuses a lower role with 403, and the tests walk every entry.
public struct ConsoleRoute: Hashable, Sendable {
    public let method: String
    public let path: String
    public let role: StaffRole
}
