import Foundation
import LaurelCore
import PostgresNIO

/// The statements of recording an event, prepared. Parameter types are taken from the first call's
/// values, and a NULL has none: a parameter that may be NULL must stand where PostgreSQL infers
/// its type from a column (a value of an INSERT, a comparison with a column), or the statement
/// declares all its types.
///
/// Each round trip costs both processes more CPU than the statement itself. The usual event is two
/// statements and no transaction: read everything (`Snapshot`), then write everything if nothing
/// changed meanwhile (`GuardedWrite`). A return, a gift, a program with clubs, or an event that
/// lost that race is three statements after BEGIN: lock the member (`MemberForUpdate`), read
/// what the core needs (`State`), write everything (`Write`).
enum EventSQL {
    /// The member's row, locked for the transaction, with the program's current version.
    enum MemberForUpdate: PreparedSQL {
        static let sql = """
            SELECT members.*, programs.current_version FROM members JOIN programs ON programs.id = members.program_id
            WHERE members.program_id = $1 AND members.id = $2 FOR UPDATE OF members
            """
    }
    /// `MemberForUpdate` for a write with an `Idempotency-Key`, claiming the key in the same round
    /// trip (as `IdempotencySQL.Claim` does): `claimed` is 0 when the key was used before. A
    /// concurrent holder of the key makes the claim wait until it commits.
    enum ClaimAndLock: PreparedSQL {
        static let sql = """
            WITH claim AS (
                INSERT INTO idempotency_keys (program_id, key, fingerprint, status, body, created_at)
                VALUES ($1, $3, $4, 0, $5, $6) ON CONFLICT (program_id, key) DO NOTHING RETURNING key
            )
            SELECT members.*, programs.current_version, (SELECT COUNT(*) FROM claim) AS claimed
            FROM members JOIN programs ON programs.id = members.program_id
            WHERE members.program_id = $1 AND members.id = $2 FOR UPDATE OF members
            """
    }
    enum CurrentVersion: PreparedSQL { static let sql = "SELECT current_version FROM programs WHERE id = $1" }

    /// The tier window's totals of the member `member` names, from $`from` through $`to`, as a
    /// subquery with the columns `points`, `units` and `purchases` (zero when there are none).
    static func tierWindow(member: String, from: Int, to: Int) -> String {
        """
        (SELECT COALESCE(SUM(points), 0)::BIGINT AS points, COALESCE(SUM(amount_units), 0)::BIGINT AS units,
                COALESCE(SUM(purchases), 0)::BIGINT AS purchases
         FROM tier_contributions WHERE member_id = \(member) AND occurred_at >= $\(from) AND occurred_at <= $\(to))
        """
    }

    /// The limit usage, tier totals and oldest contribution of the member `member` names, as `FROM`
    /// items: per limit query ($n–$n+2: rule ids, from, to; in order) the points and times awarded,
    /// the tier window's totals ($n+3–$n+4; an empty range when the program has no tiers), and the
    /// oldest contribution since $n+5.
    static func stateItems(member: String, first n: Int) -> String {
        """
        (SELECT COALESCE(ARRAY_AGG(used.points ORDER BY used.position), '{}') AS points,
                COALESCE(ARRAY_AGG(used.times ORDER BY used.position), '{}') AS times
         FROM (SELECT query.position, COALESCE(SUM(award.points), 0)::BIGINT AS points, COUNT(award.member_id)::BIGINT AS times
               FROM UNNEST($\(n)::TEXT[], $\(n + 1)::BIGINT[], $\(n + 2)::BIGINT[]) WITH ORDINALITY AS query(rule_id, from_at, to_at, position)
               LEFT JOIN rule_awards award ON award.member_id = \(member) AND award.rule_id = query.rule_id
                    AND award.occurred_at >= query.from_at AND award.occurred_at < query.to_at
               GROUP BY query.position) AS used) AS usage
        CROSS JOIN \(tierWindow(member: member, from: n + 3, to: n + 4)) AS tier
        CROSS JOIN (SELECT MIN(occurred_at) AS at FROM tier_contributions WHERE member_id = \(member) AND occurred_at >= $\(n + 5)) AS oldest
        """
    }

    /// The columns `State` and `Snapshot` read: the `stateItems` and the open lot of the row (named
    /// `lot_…`, as `PostgresStore.LotColumns.event` reads them; NULL when the member has none).
    static let stateColumns = """
        usage.points AS usage_points, usage.times AS usage_times, tier.points AS tier_points, tier.units AS tier_units,
        tier.purchases AS tier_purchases, oldest.at AS oldest_contribution, \(lotColumns)
        """
    /// The columns of the joined open lot `lot`, named `lot_…` (`PostgresStore.LotColumns.event`).
    static let lotColumns = """
        lot.id AS lot_id, lot.member_id AS lot_member_id, lot.source_id AS lot_source_id, lot.earned_at AS lot_earned_at,
        lot.available_at AS lot_available_at, lot.expires_at AS lot_expires_at, lot.points AS lot_points,
        lot.remaining AS lot_remaining, lot.pending AS lot_pending
        """

    /// The open lots of member `member` an event that only earns can change as of `now`: the
    /// pending ones due to be released and any due to expire (`MemberLedger(memberId:dueLots:…)`;
    /// the member's row has the totals). An event then reads the same after 10,000 purchases as
    /// after one. No open lot can carry this event's id: the event is new (its insert would fail
    /// otherwise), so the ids its lots take cannot clash with a lot left unread.
    ///
    /// Each arm is a range of one index: `lots_pending_by_member` (member, release) for the
    /// first, `lots_open_by_member` (member, pending, expiry) for the others. Each is ordered by
    /// its index's last column so that the planner, which sees a few lots per member on average
    /// and so scores both indexes alike, takes the index that gives that order: without it, it took
    /// `lots_pending_by_member` for the third arm, whose range is then the member's every pending
    /// lot (measured: 1.8 ms of an event's 2.7 after 8,000 purchases of one member).
    static func dueLots(member: String, now: String) -> String {
        """
        ((SELECT * FROM lots WHERE member_id = \(member) AND remaining > 0 AND pending AND available_at <= \(now) ORDER BY available_at)
         UNION (SELECT * FROM lots WHERE member_id = \(member) AND remaining > 0 AND NOT pending AND expires_at <= \(now) ORDER BY expires_at)
         UNION (SELECT * FROM lots WHERE member_id = \(member) AND remaining > 0 AND pending AND expires_at <= \(now) ORDER BY expires_at))
        """
    }

    /// Which of the member's open lots an event reads: all of them (a return takes from lots in
    /// spending order) or only those due by its time (`dueLots`), whose time is the statement's last parameter.
    enum LotsRead {
        case all, due

        func join(member: String, now: String) -> String {
            switch self {
            case .all: "LEFT JOIN lots lot ON lot.member_id = \(member) AND lot.remaining > 0"
            case .due: "LEFT JOIN \(dueLots(member: member, now: now)) AS lot ON TRUE"
            }
        }
    }

    /// What the core needs besides the member, in one statement run after the member's lock (so it
    /// sees every write committed before the lock was granted): `stateItems` from $2 and the open
    /// lots `lots` says ($8: the event's time when only the due ones), one per row (a single row of
    /// NULL lot columns when there are none).
    static func state(_ lots: LotsRead) -> String {
        """
        SELECT \(stateColumns)
        FROM \(stateItems(member: "$1", first: 2))
        \(lots.join(member: "$1", now: "$8"))
        """
    }
    enum State: PreparedSQL {
        static let sql = state(.all)
        static let types: [PostgresDataType] = [.text, .textArray, .int8Array, .int8Array, .int8, .int8, .int8]
    }
    enum StateDue: PreparedSQL {
        static let sql = state(.due)
        static let types: [PostgresDataType] = State.types + [.int8]
    }

    /// Everything an event reads, without a lock, in one statement (one snapshot): the member ($1,
    /// $2) with its row's version (`member_xmin`: every write to a member's points updates the row,
    /// so an unchanged version means nothing the event read has changed), the program's current
    /// version, `stateItems` from $3 and the open lots it can change (`stateColumns`).
    /// `GuardedWrite` then writes only if the version is still the same. Only the lots due by $9
    /// (`dueLots`): this path never takes a return.
    enum Snapshot: PreparedSQL {
        static let sql = """
            SELECT members.*, members.xmin::TEXT::BIGINT AS member_xmin, programs.current_version, \(stateColumns)
            FROM members JOIN programs ON programs.id = members.program_id
            CROSS JOIN \(stateItems(member: "$2", first: 3))
            \(LotsRead.due.join(member: "$2", now: "$9"))
            WHERE members.program_id = $1 AND members.id = $2
            """
        static let types: [PostgresDataType] = [.text, .text, .textArray, .int8Array, .int8Array, .int8, .int8, .int8, .int8]
    }

    /// Everything an event writes, in one statement: its ledger ($1–$26 and $52, `LedgerSQL.writes`),
    /// the event ($27–$35), its rule awards ($36–$37; a row for those the judging version keeps,
    /// $60, and for the rules in `kept_award_rules`), its tier contribution ($38–$40, when $41),
    /// the member's balances and, when $42, tier state ($43–$48), the idempotency key's stored
    /// response ($49–$50 under the key $51, NULL when there is none), a tier change ($53: one
    /// happened; from $54, to $55, reason $56), and the outbox messages of the points and the tier
    /// change ($57–$59, `LedgerSQL.writes`). The member's row is updated once: one statement may
    /// not update a row twice.
    static func writeStatement(guarded: Bool) -> String {
        // Guarded, every write happens only when `ok` has its row.
        let when = guarded ? "EXISTS (SELECT 1 FROM ok)" : "TRUE"
        let guardItems = """
            guard_row AS (
                SELECT id FROM members WHERE id = $26 AND xmin::TEXT::BIGINT = $61 FOR UPDATE
            ), claim AS (
                INSERT INTO idempotency_keys (program_id, key, fingerprint, status, body, created_at)
                SELECT $1, $51, $62, $49, $50, $3 FROM guard_row WHERE $51 IS NOT NULL
                ON CONFLICT (program_id, key) DO NOTHING RETURNING key
            ), ok AS (
                SELECT 1 FROM guard_row WHERE $51 IS NULL OR EXISTS (SELECT 1 FROM claim)
            ),
            """
        // In the transaction, the key was claimed with the member's lock (`ClaimAndLock`).
        let storedResponse = guarded ? "" : """
            , idempotency AS (
                UPDATE idempotency_keys SET status = $49, body = $50 WHERE program_id = $1 AND key = $51
            )
            """
        let member = """
            UPDATE members SET available = $22, pending = $23, debt = $24, lifetime_earned = $25,
                tier_id = CASE WHEN $42 THEN $43 ELSE tier_id END, tier_since = CASE WHEN $42 THEN $44 ELSE tier_since END,
                tier_floor = CASE WHEN $42 THEN $45 ELSE tier_floor END, tier_floor_until = CASE WHEN $42 THEN $46 ELSE tier_floor_until END,
                tier_review_at = CASE WHEN $42 THEN $47 ELSE tier_review_at END, tier_check_at = CASE WHEN $42 THEN $48 ELSE tier_check_at END
            WHERE id = $26 AND \(when)
            """
        return """
            WITH \(guarded ? guardItems : "") \(LedgerSQL.writes(isNew: 52, messages: 57, when: when)), event AS (
                INSERT INTO events (id, program_id, member_id, type, occurred_at, recorded_at, program_version, status, points, purchase_total,
                                    payload, outcome, tier_amount)
                SELECT $27, $1, $26, $28, $29, $3, $2, $30, $31, $32, $33, $34, $35 WHERE \(when)
            ), awards AS (
                INSERT INTO rule_awards (member_id, rule_id, occurred_at, points, event_id)
                SELECT $26, rule_id, $29, points, $27 FROM UNNEST($36::TEXT[], $37::BIGINT[], $60::BOOLEAN[]) AS award(rule_id, points, kept)
                WHERE (kept OR rule_id IN (SELECT rule_id FROM kept_award_rules WHERE program_id = $1)) AND \(when)
            ), contribution AS (
                INSERT INTO tier_contributions (member_id, occurred_at, points, amount_units, purchases, event_id)
                SELECT $26, $29, $38, $39, $40, $27 WHERE $41 AND \(when)
            ), tier_change AS (
                INSERT INTO tier_changes (program_id, member_id, from_tier, to_tier, reason, source_id, created_at)
                SELECT $1, $26, $54, $55, $56, $27, $3 WHERE $53 AND \(when)
            )\(storedResponse)\(guarded ? ", member AS (\(member) RETURNING id)" : "")
            \(guarded ? "SELECT (SELECT COUNT(*) FROM guard_row) AS locked, (SELECT COUNT(*) FROM member) AS written" : member)
            """
    }

    /// `writeStatement` in a transaction that holds the member's lock.
    enum Write: PreparedSQL {
        static let sql = writeStatement(guarded: false)
        static let types: [PostgresDataType] = LedgerSQL.types + [
            .text, .text, .int8, .text, .int8, .text, .text, .bytea, .text,
            .textArray, .int8Array,
            .int8, .int8, .int8, .bool,
            .bool, .text, .int8, .text, .int8, .int8, .int8,
            .int8, .bytea, .text,
            .boolArray,
            .bool, .text, .text, .text,
        ] + LedgerSQL.messageTypes + [.boolArray]
    }

    /// `writeStatement` on its own (no transaction around it): it writes only if the member's row
    /// version is still $61 (nothing changed since `Snapshot`) and, with an idempotency key, only if
    /// it claims the key ($51, fingerprint $62) with the response. It answers `locked` (0: the row
    /// changed) and `written` (0 with `locked` 1: the key was used before).
    enum GuardedWrite: PreparedSQL {
        static let sql = writeStatement(guarded: true)
        static let types: [PostgresDataType] = Write.types + [.int8, .text]
    }

    enum TierTotals: PreparedSQL {
        static let sql = """
            SELECT tier.points, tier.units, tier.purchases FROM \(tierWindow(member: "$1", from: 2, to: 3)) AS tier
            """
    }
    enum OldestContribution: PreparedSQL {
        static let sql = "SELECT MIN(occurred_at) AS oldest FROM tier_contributions WHERE member_id = $1 AND occurred_at >= $2"
    }
    /// Nullable parameters in SET take the column's type.
    enum UpdateTierState: PreparedSQL {
        static let sql = """
            UPDATE members SET tier_id = $1, tier_since = $2, tier_floor = $3, tier_floor_until = $4, tier_review_at = $5, tier_check_at = $6
            WHERE id = $7
            """
    }
    /// The open lots of member `member` that can change a balance read (pending, or expiring by
    /// `horizon`), merged by what the read sums them by — state, expiry, release day, and whether
    /// released by `now` — with the columns of `lots` (`PointsSummary(member:lotsThatCanChange:…)`):
    /// the pending ones from their sums per release day and expiry (`pending_days`) for every day
    /// but the one `now` falls in, whose lots are merged here (`lots_pending_by_member`), and the
    /// others expiring by `horizon` (`lots_open_by_member`).
    static func summaryLots(member: String, horizon: String, now: String) -> String {
        let day = PointsSummary.dayMillis
        return """
        (SELECT 'day:' || release_day || ':' || expires_at AS id, member_id, 'pending_days' AS source_id, last_release AS earned_at,
                last_release AS available_at, NULLIF(expires_at, \(PendingDaysSQL.never)) AS expires_at, points, remaining, TRUE AS pending
         FROM pending_days WHERE member_id = \(member) AND release_day <> \(now) / \(day)
         UNION ALL
         SELECT MIN(id), member_id, MIN(source_id), MIN(earned_at), MAX(available_at), expires_at, SUM(points)::bigint,
                SUM(remaining)::bigint, pending
         FROM lots WHERE member_id = \(member) AND remaining > 0 AND pending
                         AND available_at >= \(now) / \(day) * \(day) AND available_at < (\(now) / \(day) + 1) * \(day)
         GROUP BY member_id, pending, expires_at, available_at > \(now)
         UNION ALL
         SELECT MIN(id), member_id, MIN(source_id), MIN(earned_at), MAX(available_at), expires_at, SUM(points)::bigint,
                SUM(remaining)::bigint, pending
         FROM lots WHERE member_id = \(member) AND remaining > 0 AND NOT pending AND expires_at <= \(horizon)
         GROUP BY member_id, pending, expires_at)
        """
    }

    /// A balance read in one statement (one snapshot, no transaction): the member ($1, $2), the
    /// program's current version, the tier window's totals from $4 through $5 (an empty range when
    /// the program has no tiers) and the open lots that can change the answer as of $6 (pending,
    /// or expiring by $3; `summaryLots`), one per row (a single row of NULL lot columns when there
    /// are none).
    enum Balance: PreparedSQL {
        static let sql = """
            SELECT members.*, programs.current_version, tier.points AS tier_points, tier.units AS tier_units,
                   tier.purchases AS tier_purchases, \(lotColumns)
            FROM members JOIN programs ON programs.id = members.program_id
            CROSS JOIN \(tierWindow(member: "$2", from: 4, to: 5)) AS tier
            LEFT JOIN \(summaryLots(member: "$2", horizon: "$3", now: "$6")) AS lot ON true
            WHERE members.program_id = $1 AND members.id = $2
            """
        static let types: [PostgresDataType] = [.text, .text, .int8, .int8, .int8, .int8]
    }
    enum OpenLots: PreparedSQL { static let sql = "SELECT * FROM lots WHERE member_id = $1 AND remaining > 0" }
    /// The open lots a balance read needs as of $3: pending, or expiring by $2 (`summaryLots`).
    enum LotsThatCanChange: PreparedSQL {
        static let sql = "SELECT * FROM \(summaryLots(member: "$1", horizon: "$2", now: "$3")) AS lot"
    }
}

/// What any operation on points writes, in one statement: its ledger entries in order, the lots it
/// created (inserted) or changed (updated), and the member's cached balances. The member's row is
/// updated every time, even with the same balances: the two-statement event path reads its
/// version to know that nothing changed (`EventSQL.Snapshot`), so any new way of writing lots,
/// rule awards or tier contributions must update the member's row too.
enum LedgerSQL {
    /// Lot expiries are an array without NULLs; this stands for "never".
    static let noExpiry = Int64.min

    /// The entries' and lots' writes, as `WITH` items: the program $1, version $2, time $3,
    /// actor $4, reason $5, the entries' columns $6–$12 and the lots' $13–$21, with $`isNew`
    /// saying which lots are new (inserted: an id already taken fails the statement, as it
    /// should) and which changed (updated), and the outbox messages ($`messages` to
    /// $`messages`+2: ids, types, payloads; `OutboxMessages`) in order; all of it only `when` holds.
    /// The member's balances and id follow as $22–$26 in every statement that uses them.
    static func writes(isNew: Int, messages: Int, when: String = "TRUE") -> String {
        """
        entries AS (
            INSERT INTO ledger_entries (program_id, member_id, kind, from_account, to_account, points, lot_id, source_id,
                                        program_version, created_at, actor, reason)
            SELECT $1, member_id, kind, from_account, to_account, points, NULLIF(lot_id, ''), source_id, $2, $3, $4, $5
            FROM UNNEST($6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::TEXT[], $12::TEXT[])
                 WITH ORDINALITY AS entry(member_id, kind, from_account, to_account, points, lot_id, source_id, position)
            WHERE \(when)
            ORDER BY position
        ), new_lots AS (
            INSERT INTO lots (id, program_id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending)
            SELECT id, $1, member_id, source_id, earned_at, available_at, NULLIF(expires_at, '\(noExpiry)'::BIGINT), points, remaining, pending
            FROM UNNEST($13::TEXT[], $14::TEXT[], $15::TEXT[], $16::BIGINT[], $17::BIGINT[], $18::BIGINT[], $19::BIGINT[], $20::BIGINT[],
                        $21::BOOLEAN[], $\(isNew)::BOOLEAN[])
                 AS lot(id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending, is_new)
            WHERE is_new AND \(when)
        ), changed_lots AS (
            UPDATE lots SET remaining = lot.remaining, pending = lot.pending
            FROM UNNEST($13::TEXT[], $20::BIGINT[], $21::BOOLEAN[], $\(isNew)::BOOLEAN[]) AS lot(id, remaining, pending, is_new)
            WHERE lots.id = lot.id AND NOT lot.is_new AND \(when)
        ), messages AS (
            INSERT INTO outbox (id, program_id, type, member_id, payload, created_at)
            SELECT message.id, $1, message.type, $26, message.payload, $3
            FROM UNNEST($\(messages)::TEXT[], $\(messages + 1)::TEXT[], $\(messages + 2)::TEXT[])
                 WITH ORDINALITY AS message(id, type, payload, position)
            WHERE \(when)
            ORDER BY position
        )
        """
    }
    static let types: [PostgresDataType] = [
        .text, .int8, .int8, .text, .text,
        .textArray, .textArray, .textArray, .textArray, .int8Array, .textArray, .textArray,
        .textArray, .textArray, .textArray, .int8Array, .int8Array, .int8Array, .int8Array, .int8Array, .boolArray,
        .int8, .int8, .int8, .int8, .text,
    ]

    /// Appends $1–$26 for `ledger`; the flags of its lots (`bindNewLots`) go after the statement's other parameters.
    static func bind(_ bindings: inout PostgresBindings, programId: String, ledger: MemberLedger, version: Int?, now: Date,
                     actor: String?, reason: String?) {
        let entries = ledger.entries, lots = ledger.touchedLots
        bindings.append(programId); bindings.append(version); bindings.append(now.millis); bindings.append(actor); bindings.append(reason)
        bindings.append(entries.map(\.memberId)); bindings.append(entries.map(\.kind.rawValue)); bindings.append(entries.map(\.from.description))
        bindings.append(entries.map(\.to.description)); bindings.append(entries.map { Int64($0.points) })
        bindings.append(entries.map { $0.lotId ?? "" }); bindings.append(entries.map(\.sourceId))
        bindings.append(lots.map(\.id)); bindings.append(lots.map(\.memberId)); bindings.append(lots.map(\.sourceId))
        bindings.append(lots.map(\.earnedAt.millis)); bindings.append(lots.map(\.availableAt.millis))
        bindings.append(lots.map { $0.expiresAt?.millis ?? noExpiry }); bindings.append(lots.map { Int64($0.points) })
        bindings.append(lots.map { Int64($0.remaining) }); bindings.append(lots.map(\.pending))
        bindings.append(ledger.available); bindings.append(ledger.pending); bindings.append(ledger.debt); bindings.append(ledger.lifetimeEarned)
        bindings.append(ledger.memberId)
    }

    /// Appends the flags of `writes(isNew:messages:)`: which of the ledger's touched lots are new.
    static func bindNewLots(_ bindings: inout PostgresBindings, ledger: MemberLedger) {
        bindings.append(ledger.touchedLots.map { ledger.newLotIds.contains($0.id) })
    }

    /// Appends the messages of `writes(isNew:messages:)`: ids, types and payloads.
    static func bindMessages(_ bindings: inout PostgresBindings, _ messages: [PendingMessage]) {
        bindings.append(messages.map(\.id)); bindings.append(messages.map(\.type)); bindings.append(messages.map(\.payload))
    }
    static let messageTypes: [PostgresDataType] = [.textArray, .textArray, .textArray]

    enum Save: PreparedSQL {
        static let sql = """
            WITH \(writes(isNew: 27, messages: 28))
            UPDATE members SET available = $22, pending = $23, debt = $24, lifetime_earned = $25 WHERE id = $26
            """
        static let types = LedgerSQL.types + [.boolArray] + messageTypes
    }
}
