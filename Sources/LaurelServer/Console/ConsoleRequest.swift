import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// One request of a signed-in staff user, authorised for its route: who they are, their session
/// (its CSRF token goes into every form), the posted form (already checked), and their language.
struct ConsoleRequest: Sendable {
    let request: Request
    let context: AppContext
    let staff: StaffRecord
    let session: WebSessionRecord
    /// The posted fields (POST only; the CSRF token was checked).
    let form: WebForm
    let locale: WebLocale
    let store: any LaurelStore

    var programId: String { staff.programId }

    func parameter(_ name: String) -> String { context.parameters.get(name) ?? "" }

    /// A query parameter, decoded as a form field.
    func query(_ name: String) -> String? { FormQuery.value(of: name, in: request.uri.query) }

    /// The program's display name, for the top bar.
    func programName() async throws -> String { try await store.program(id: programId)?.name ?? programId }
}
