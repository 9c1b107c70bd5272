import Foundation

/// Whether and how a member token may use a route. Every route declares it beside its scope (in
/// its `APIRouter.add` call), and `APIRouter` enforces it before the handler runs: a route a member
/// may not use answers 403; another member's object answers 404, as an unknown one would.
enum MemberAccess: Sendable {
    /// Not member-facing (program, keys, webhooks, segments, campaigns, checkout events, staff
    /// actions…): a member token answers 403.
    case refused
    /// Program-wide data meant for members (the clubs they may join): any member of the program.
    case anyMember
    /// The member is the path parameter with this name; another member's id answers 404.
    case pathMember(String)
    /// The JSON body's field with this name must be the token's member; another member's id answers 404.
    case bodyMember(String)
    /// The query parameter with this name must be the token's member, and is when absent.
    case queryMember(String)
    /// The object the path's `{id}` names (`what`: `redemption`, `event`) belongs to the member `load`
    /// answers (nil: no such object); another member's answers 404 as an unknown one does.
    case owner(String, @Sendable (APIRequest) async throws -> String?)

    /// What the route table shows of it.
    var kind: MemberAccessKind {
        switch self {
        case .refused: .refused
        case .anyMember: .anyMember
        case .pathMember(let name): .pathMember(name)
        case .bodyMember(let name): .bodyMember(name)
        case .queryMember(let name): .queryMember(name)
        case .owner: .owner
        }
    }
}

/// A route's member access as the route table lists it (for tests and documentation).
public enum MemberAccessKind: Sendable, Hashable, CustomStringConvertible {
    case refused, anyMember, owner
    case pathMember(String), bodyMember(String), queryMember(String)

    public var description: String {
        switch self {
        case .refused: "refused"
        case .anyMember: "any member"
        case .owner: "the object's owner"
        case .pathMember(let name): "the member in {\(name)}"
        case .bodyMember(let name): "the member in the body's \(name)"
        case .queryMember(let name): "the member in ?\(name)"
        }
    }
}
