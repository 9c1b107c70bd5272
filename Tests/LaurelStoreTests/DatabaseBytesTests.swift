import Foundation
import LaurelCore
import LaurelStore
import Testing

/// The database's size on disk (`laurel_database_bytes`, and the benchmark's bytes per event):
/// positive once the schema exists, and it grows as members and events are written.
struct DatabaseBytesTests {
    @Test(arguments: StoreBackend.available)
    func theSizeGrowsWithWhatIsWritten(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let empty = try await fixture.store.databaseBytes()
        #expect(empty > 0)
        for index in 0..<300 {
            let member = try await fixture.member("c-\(index)")
            try await fixture.record(StoreFixture.purchase(total: "\(index + 1)", at: StoreFixture.start), memberId: member.id)
        }
        let written = try await fixture.store.databaseBytes()
        #expect(written > empty + 300 * 200, "300 members and events take more than 200 bytes each: \(empty) → \(written)")
    }
}
