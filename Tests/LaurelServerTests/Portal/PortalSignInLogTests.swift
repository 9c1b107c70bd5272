import Foundation
import Logging
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Synchronization
import Testing
@testable import LaurelServer

/// Codes reach the server log only for the program `serve --demo` names, on one line a person (and
/// the browser tests) can find; every other program's codes never do.
struct PortalSignInLogTests {
    final class Lines: LogHandler, @unchecked Sendable {
        let lines = Mutex<[String]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.withLock { $0.append(event.message.description) }
        }
    }

    @Test func onlyTheDemoProgramsCodesAreLogged() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let limits = RequestLimits(settings: .defaults, clock: fixture.clock)
        let now = HTTPFixture.start
        for program in ["prg_a", "prg_b"] {
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: program, externalId: "cust-1", email: "ana@example.com",
                                      createdAt: now, updatedAt: now)
            _ = try await fixture.store.createMember(member, idempotency: nil)
        }
        let handler = Lines()
        let signIn = PortalSignIn(store: fixture.store, clock: fixture.clock, limits: limits, logger: Logger(label: "test") { _ in handler },
                                  loggedProgramId: "prg_a")
        try await signIn.requestCode(programId: "prg_b", name: "ana@example.com", from: nil)
        #expect(handler.lines.withLock { $0 }.isEmpty)
        try await signIn.requestCode(programId: "prg_a", name: "ana@example.com", from: nil)
        let lines = handler.lines.withLock { $0 }
        let member = try #require(try await fixture.store.member(programId: "prg_a", externalId: "cust-1"))
        let message = try #require(try await fixture.store.outbox(programId: "prg_a", limit: 500, startingAfter: nil).items.last)
        let code = try #require((try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any])?["code"] as? String)
        #expect(lines == ["sign-in code for member \(member.id) (ana@example.com): \(code)"])
    }
}
