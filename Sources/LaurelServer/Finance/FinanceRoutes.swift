import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The points liability in money and its deferred-revenue roll-forward (read scope, like the
/// analytics; member tokens are refused: these are the program's numbers). docs/finance.md.
struct FinanceRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/finance/liability", scope: .read, member: .refused) { request in
            let report = try await FinanceReports.liability(store: store, programId: request.programId, asOf: request.query("as_of"), now: clock.now())
            return APIJSON.response(.ok, try APIJSON.encode(report))
        }
        api.add(.get, "/v1/finance/roll-forward", scope: .read, member: .refused) { request in
            let (report, _, _) = try await FinanceReports.rollForward(store: store, programId: request.programId, from: request.query("from"),
                                                                      to: request.query("to"), now: clock.now())
            return APIJSON.response(.ok, try APIJSON.encode(report))
        }
    }
}
