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

    @Test func anIdIsItsPrefixItsMillisecondAndSixteenRandomDigits() {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        let instant = Date(timeIntervalSince1970: 1_772_445_600.123)
        let ids = (0..<50).map { Identifiers.make("lot", now: instant.addingTimeInterval(Double($0) * 1.5)) } // 50 milliseconds
        for id in ids {
            #expect(id.hasPrefix("lot_") && id.count == "lot_".count + 26)
            let digits = id.dropFirst(4).map { alphabet.firstIndex(of: $0) }
            #expect(digits.allSatisfy { $0 != nil }, "\(id)")
        }
        // The time digits read back as the millisecond.
        let id = Identifiers.make("evt", now: instant)
        let millis = id.dropFirst(4).prefix(10).reduce(0) { $0 * 32 + alphabet.firstIndex(of: $1)! }
        #expect(millis == 1_772_445_600_123)
        // Random digits differ between milliseconds (80 bits drawn for each new one).
        #expect(Set(ids.map { $0.suffix(16) }).count == ids.count)
    }

    @Test func aSecretIsItsPrefixAndFiftyTwoBase32Digits() {
        let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")
        let secrets = (0..<20).map { _ in Identifiers.secret("lk_admin") }
        for secret in secrets {
            #expect(secret.hasPrefix("lk_admin_") && secret.count == "lk_admin_".count + 52)
            #expect(secret.dropFirst("lk_admin_".count).allSatisfy(alphabet.contains), "\(secret)")
        }
        #expect(Set(secrets).count == secrets.count)
    }

    @Test func laterMillisecondsSortAfter() {
        let start = Date(timeIntervalSince1970: 1_772_445_600)
        let ids = (0..<500).map { Identifiers.make("evt", now: start.addingTimeInterval(Double($0) / 1000)) }
        #expect(ids.indices.dropFirst().allSatisfy { ids[$0 - 1] < ids[$0] })
    }
}
