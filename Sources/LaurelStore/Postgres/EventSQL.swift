import PostgresNIO

/// The statements of recording an event, prepared. Parameter types are taken from the first call's
/// values, and a NULL has none: a parameter that may be NULL must stand where PostgreSQL infers
/// its type from a column (a value of an INSERT, a comparison with a column), or the statement
/// declares all its types.
///
/// An event is four statements after BEGIN, whatever the program: lock the member (`MemberForUpdate`),
/// read what the core needs (`State`), write the ledger (`LedgerSQL.Save`), write the rest (`Write`).
/// Each round trip costs both processes more CPU than the statement itself.
enum EventSQL {
    /// The member's row, locked for the transaction, with the program's current version.
    enum MemberForUpdate: PreparedSQL {
        static let sql = """
            SELECT members.*, programs.current_version FROM members JOIN programs ON programs.id = members.program_id
            WHERE members.program_id = $1 AND members.id = $2 FOR UPDATE OF members
            """
    }
    enum CurrentVersion: PreparedSQL { static let sql = "SELECT current_version FROM programs WHERE id = $1" }

    /// What the core needs besides the member, in one statement run after the member's lock (so it
    /// sees every write committed before the lock was granted): per limit query ($2–$4, in order)
    /// the points and times awarded, the tier window's totals ($5–$6; an empty range when the
    /// program has no tiers), the oldest contribution since $7, and the open lots, one per row (a
    /// single row of NULL lot columns when there are none).
    enum State: PreparedSQL {
        static let sql = """
            SELECT usage.points AS usage_points, usage.times AS usage_times, tier.points AS tier_points, tier.units AS tier_units,
                   tier.purchases AS tier_purchases, oldest.at AS oldest_contribution, lot.*
            FROM (SELECT COALESCE(ARRAY_AGG(used.points ORDER BY used.position), '{}') AS points,
                         COALESCE(ARRAY_AGG(used.times ORDER BY used.position), '{}') AS times
                  FROM (SELECT query.position, COALESCE(SUM(award.points), 0)::BIGINT AS points, COUNT(award.member_id)::BIGINT AS times
                        FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::BIGINT[]) WITH ORDINALITY AS query(rule_id, from_at, to_at, position)
                        LEFT JOIN rule_awards award ON award.member_id = $1 AND award.rule_id = query.rule_id
                             AND award.occurred_at >= query.from_at AND award.occurred_at < query.to_at
                        GROUP BY query.position) AS used) AS usage
            CROSS JOIN (SELECT COALESCE(SUM(points), 0)::BIGINT AS points, COALESCE(SUM(amount_units), 0)::BIGINT AS units,
                               COALESCE(SUM(purchases), 0)::BIGINT AS purchases
                        FROM tier_contributions WHERE member_id = $1 AND occurred_at >= $5 AND occurred_at <= $6) AS tier
            CROSS JOIN (SELECT MIN(occurred_at) AS at FROM tier_contributions WHERE member_id = $1 AND occurred_at >= $7) AS oldest
            LEFT JOIN lots lot ON lot.member_id = $1 AND lot.remaining > 0
            """
        static let types: [PostgresDataType] = [.text, .textArray, .int8Array, .int8Array, .int8, .int8, .int8]
    }

    /// Everything an event writes besides the ledger, in one statement: the event, its rule awards,
    /// its tier contribution ($19 says whether there is one), the member's tier state ($26 says
    /// whether it is written) and the idempotency key's stored response ($29 NULL when there is no
    /// key). The ledger's own statement has already updated the member's row: one statement may
    /// not update a row twice.
    enum Write: PreparedSQL {
        static let sql = """
            WITH event AS (
                INSERT INTO events (id, program_id, member_id, type, occurred_at, recorded_at, program_version, status, points, purchase_total,
                                    payload, outcome, tier_amount)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ), awards AS (
                INSERT INTO rule_awards (member_id, rule_id, occurred_at, points, event_id)
                SELECT $3, rule_id, $5, points, $1 FROM UNNEST($14::TEXT[], $15::BIGINT[]) AS award(rule_id, points)
            ), contribution AS (
                INSERT INTO tier_contributions (member_id, occurred_at, points, amount_units, purchases, event_id)
                SELECT $3, $5, $16, $17, $18, $1 WHERE $19
            ), tier AS (
                UPDATE members SET tier_id = $20, tier_since = $21, tier_floor = $22, tier_floor_until = $23, tier_review_at = $24,
                                   tier_check_at = $25
                WHERE id = $3 AND $26
            )
            UPDATE idempotency_keys SET status = $27, body = $28 WHERE program_id = $2 AND key = $29
            """
        static let types: [PostgresDataType] = [
            .text, .text, .text, .text, .int8, .int8, .int8, .text, .int8, .text, .text, .text, .text,
            .textArray, .int8Array, .int8, .int8, .int8, .bool,
            .text, .int8, .text, .int8, .int8, .int8, .bool,
            .int8, .bytea, .text,
        ]
    }

    enum TierTotals: PreparedSQL {
        static let sql = """
            SELECT COALESCE(SUM(points), 0)::BIGINT AS points, COALESCE(SUM(amount_units), 0)::BIGINT AS units,
                   COALESCE(SUM(purchases), 0)::BIGINT AS purchases
            FROM tier_contributions WHERE member_id = $1 AND occurred_at >= $2 AND occurred_at <= $3
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
    enum OpenLots: PreparedSQL { static let sql = "SELECT * FROM lots WHERE member_id = $1 AND remaining > 0" }
}

/// What any operation on points writes, in one statement: its ledger entries in order, the lots it
/// created or changed (inserted, or updated where the id exists), and the member's cached balances.
enum LedgerSQL {
    /// Lot expiries are an array without NULLs; this stands for "never".
    static let noExpiry = Int64.min

    enum Save: PreparedSQL {
        static let sql = """
            WITH entries AS (
                INSERT INTO ledger_entries (program_id, member_id, kind, from_account, to_account, points, lot_id, source_id,
                                            program_version, created_at, actor, reason)
                SELECT $1, member_id, kind, from_account, to_account, points, NULLIF(lot_id, ''), source_id, $2, $3, $4, $5
                FROM UNNEST($6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::TEXT[], $12::TEXT[])
                     WITH ORDINALITY AS entry(member_id, kind, from_account, to_account, points, lot_id, source_id, position)
                ORDER BY position
            ), lots AS (
                INSERT INTO lots (id, program_id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending)
                SELECT id, $1, member_id, source_id, earned_at, available_at, NULLIF(expires_at, '\(noExpiry)'::BIGINT), points, remaining, pending
                FROM UNNEST($13::TEXT[], $14::TEXT[], $15::TEXT[], $16::BIGINT[], $17::BIGINT[], $18::BIGINT[], $19::BIGINT[], $20::BIGINT[],
                            $21::BOOLEAN[]) AS lot(id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending)
                ON CONFLICT (id) DO UPDATE SET remaining = EXCLUDED.remaining, pending = EXCLUDED.pending
            )
            UPDATE members SET available = $22, pending = $23, debt = $24, lifetime_earned = $25 WHERE id = $26
            """
        static let types: [PostgresDataType] = [
            .text, .int8, .int8, .text, .text,
            .textArray, .textArray, .textArray, .textArray, .int8Array, .textArray, .textArray,
            .textArray, .textArray, .textArray, .int8Array, .int8Array, .int8Array, .int8Array, .int8Array, .boolArray,
            .int8, .int8, .int8, .int8, .text,
        ]
    }
}
