import Crypto
import Foundation

/// The raffle draw, recomputable by anyone from the published seed and the entry list
/// (docs/program-format.md, "Raffles", states the same algorithm):
///
/// 1. Before the draw Laurel publishes `commitment = hex(SHA-256(seed))`, the seed being 64
///    lowercase hex characters, hashed as its UTF-8 text.
/// 2. The entries are listed in entry id order (`entries`, each with its member).
/// 3. A stream of numbers: `u(j)` = the first 8 bytes, big-endian, of `SHA-256(seed + ":" + j)`
///    (j in decimal, from 0). `uniform(n)` takes the next `u` and answers `u mod n`, skipping any
///    `u ≥ 2^64 − (2^64 mod n)` so every answer is equally likely.
/// 4. A partial Fisher–Yates shuffle: for k = 0, 1, …: swap entry k with entry `k + uniform(n − k)`;
///    entry k's member wins unless they won already (no member wins twice). It stops after
///    `winners` winners or when the entries run out.
public enum RaffleDraw {
    public struct Entry: Hashable, Sendable {
        public var id: String
        public var memberId: String
        public init(id: String, memberId: String) {
            self.id = id
            self.memberId = memberId
        }
    }

    /// A fresh seed: 32 bytes from the injected source, as 64 hex characters.
    public static func makeSeed<G: RandomNumberGenerator>(using random: inout G) -> String {
        (0..<4).map { _ in withUnsafeBytes(of: random.next().bigEndian) { $0.hexString } }.joined()
    }

    /// `hex(SHA-256(seed))`: published before the draw, so the seed cannot be chosen after the entries are known.
    public static func commitment(seed: String) -> String { SHA256.hash(data: Data(seed.utf8)).hexString }

    /// How a member's entries are shown to other members: the first 16 hex characters of
    /// `SHA-256(commitment + ":" + member_id)`. Stable within a raffle (the draw is checkable with it
    /// in place of the member id, as one member's entries share it) and unlinkable across raffles.
    public static func entrant(commitment: String, memberId: String) -> String {
        String(SHA256.hash(data: Data("\(commitment):\(memberId)".utf8)).hexString.prefix(16))
    }

    /// The winning entries, in the order drawn; `entries` in entry id order.
    public static func winners(entries: [Entry], count: Int, seed: String) -> [Entry] {
        var pool = entries
        var stream = SeedStream(seed: seed)
        var winners: [Entry] = []
        var members = Set<String>()
        var k = 0
        while winners.count < count, k < pool.count {
            let pick = k + stream.uniform(pool.count - k)
            pool.swapAt(k, pick)
            if members.insert(pool[k].memberId).inserted { winners.append(pool[k]) }
            k += 1
        }
        return winners
    }

    /// The numbers `u(0), u(1), …` of step 3.
    struct SeedStream {
        let seed: String
        var counter: UInt64 = 0

        mutating func next() -> UInt64 {
            let digest = SHA256.hash(data: Data("\(seed):\(counter)".utf8))
            counter += 1
            return digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }

        /// Uniform in `0..<n` by rejection (n > 0).
        mutating func uniform(_ n: Int) -> Int {
            let bound = UInt64(n)
            let limit = UInt64.max - (UInt64.max % bound + 1) % bound // 2^64 − (2^64 mod n) − 1
            while true {
                let value = next()
                if value <= limit { return Int(value % bound) }
            }
        }
    }
}
