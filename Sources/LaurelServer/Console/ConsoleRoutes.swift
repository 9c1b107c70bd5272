import Foundation
import Hummingbird
import LaurelStore

/// The admin console under `/admin`: sign-in, the dashboard, members, rewards, clubs, the program and the audit trail.
enum ConsoleRoutes {
    static let cookieName = "laurel_console"
    /// The console's cookie goes only to the console's pages.
    static let cookiePath = "/admin"
    /// A working day: staff sign in once a shift.
    static let sessionLifetime: TimeInterval = 8 * 3600

    /// Registers every console page on `router`; answers the table of routes and roles.
    @discardableResult
    static func register(_ router: Router<AppContext>, store: any LaurelStore, clock: any WallClock,
                         rateLimits: RateLimitSettings = .defaults) -> [ConsoleRoute] {
        let sessions = WebSessions(store: store, clock: clock, cookieName: cookieName, lifetime: sessionLifetime)
        let console = ConsoleRouter(router: router, store: store, sessions: sessions)
        SignInRoutes(store: store, clock: clock, sessions: sessions, limits: SignInLimits(clock: clock, settings: rateLimits)).register(console)
        ProgramPages(store: store, clock: clock).register(console)
        DashboardPage(store: store, clock: clock).register(console)
        MemberPages(store: store, clock: clock).register(console)
        MemberActions(store: store, clock: clock).register(console)
        RewardPages(store: store, clock: clock).register(console)
        ClubPages(store: store).register(console)
        AuditPages(store: store).register(console)
        return console.routes
    }
}
