import Foundation
import LaurelStore
import Testing

/// Ids sort in creation order, which cursor pagination relies on.
struct IdentifierTests {
    @Test func idsOfOneMillisecondSortInCreationOrder() {
        let instant = Date(timeIntervalSince1970: 1_772_445_600.123)
        var ids: [String] = []
        for index in 0..<2000 {
            ids.append(Identifiers.make("mem", now: instant))
            // Other clocks in between (other requests, other tests) do not disturb the order.
            if index % 7 == 0 { _ = Identifiers.make("evt", now: instant.addingTimeInterval(Double(index % 5 + 1))) }
        }
        let misordered = ids.indices.dropFirst().filter { ids[$0 - 1] >= ids[$0] }
        #expect(misordered.isEmpty, "out of order at \(misordered.prefix(5)) of \(ids.count)")
        #expect(ids.allSatisfy { $0.count == "mem_".count + 26 })
    }

    @Test func laterMillisecondsSortAfter() {
        let start = Date(timeIntervalSince1970: 1_772_445_600)
        let ids = (0..<500).map { Identifiers.make("evt", now: start.addingTimeInterval(Double($0) / 1000)) }
        #expect(ids.indices.dropFirst().allSatisfy { ids[$0 - 1] < ids[$0] })
    }
}
