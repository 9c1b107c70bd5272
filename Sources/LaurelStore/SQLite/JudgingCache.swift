import Synchronization

/// The one writer's memory of the members it judged last: their `JudgingState` as the writer left
/// it, so a member's next event skips reading their open lots, awards and tier contributions
/// (reading the lots alone was 11 % of all CPU samples in `laurel-bench store`, with ~20 open lots
/// a member, and it grows with every lot).
///
/// An entry holds only while the member row's `revision` is still the random token `record` gave
/// it with its last statement (`updateBalances`). Triggers (`SQLiteSchema`, v5) give `revision` a
/// new random value whenever anything changes the member's lots, rule awards or tier
/// contributions: a redemption, an adjustment, a job, an import, another process, a hand-written
/// statement. A transaction rolled back takes its tokens with it, so its entries stop matching.
/// An entry also names the program version it was judged under: a new version may limit other rules.
final class JudgingCache: Sendable {
    private struct Entry {
        var revision: Int64
        var version: Int
        var state: JudgingState
    }

    /// Two generations: a hit or a new entry goes into `young`; when `young` is full it becomes
    /// `old` and the previous `old` is dropped. Members judged within the last `capacity / 2`
    /// entries stay; memory stays bounded however many members the program has.
    private struct Generations {
        var young: [String: Entry] = [:]
        var old: [String: Entry] = [:]
        var random = SystemRandomNumberGenerator()
    }

    /// Members held at most; 0 turns the cache off.
    let capacity: Int
    private let generations = Mutex(Generations())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The member's state if the entry still matches the row's `revision` and the program version,
    /// taken out of the cache (`keep` puts it back after the event), so that the writer holds the
    /// only reference to its lots and changes them in place instead of copying them.
    func take(memberId: String, revision: Int64, version: Int) -> JudgingState? {
        guard capacity > 0 else { return nil }
        return generations.withLock { generations in
            let entry = generations.young.removeValue(forKey: memberId) ?? generations.old.removeValue(forKey: memberId)
            guard let entry, entry.revision == revision, entry.version == version else { return nil }
            return entry.state
        }
    }

    /// A fresh random token for `record` to give the member row with its last statement; never 0,
    /// the value a new member starts with.
    func nextRevision() -> Int64 {
        generations.withLock { generations in
            var token: Int64 = 0
            while token == 0 { token = Int64.random(in: .min ... .max, using: &generations.random) }
            return token
        }
    }

    /// Remembers the member's state as `record` just wrote it, with the token it gave the row.
    func keep(memberId: String, revision: Int64, version: Int, state: JudgingState) {
        guard capacity > 0 else { return }
        generations.withLock { generations in
            generations.young[memberId] = Entry(revision: revision, version: version, state: state)
            if generations.young.count >= max(capacity / 2, 1) {
                generations.old = generations.young
                generations.young = [:]
            }
        }
    }
}
