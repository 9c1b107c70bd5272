/// `pending_days`: a member's open pending lots summed per UTC release day and expiry, kept by
/// triggers on `lots` as lots are written, so that a balance read sums a few rows per day instead
/// of every pending lot (10,000 purchases in the pending period cost ~4 ms to group at each read).
///
/// One row per (member, `release_day` = `available_at / 86400000`, `expires_at`) holding the open
/// pending lots (`pending`, `remaining > 0`): how many, `SUM(points)`, `SUM(remaining)` and their
/// last release (`MAX(available_at)`, what the read dates the day by). A lot that never expires
/// counts under `never` (the key cannot hold NULL). When a lot leaves its row and was its last
/// release, the new last is found by a seek of `lots_pending_by_member` within the day (the lots
/// left all release at or before it). The audit checks the rows against the lots (`audit`).
enum PendingDaysSQL {
    /// `expires_at` of lots that never expire.
    static let never = Int64.max
    static let dayMillis = PointsSummary.dayMillis

    /// The table, the index of pending lots by member and release, the triggers, and the rows of
    /// the lots already there (`v38-pending-days`).
    static let sqliteSchema = """
        CREATE TABLE pending_days (
            member_id TEXT NOT NULL,
            release_day INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            lots INTEGER NOT NULL,
            points INTEGER NOT NULL,
            remaining INTEGER NOT NULL,
            last_release INTEGER NOT NULL,
            PRIMARY KEY (member_id, release_day, expires_at)
        ) WITHOUT ROWID;
        CREATE INDEX lots_pending_by_member ON lots(member_id, available_at) WHERE remaining > 0 AND pending = 1;
        CREATE TRIGGER pending_days_lot_inserted AFTER INSERT ON lots WHEN NEW.pending = 1 AND NEW.remaining > 0
        BEGIN \(sqliteAdd) END;
        CREATE TRIGGER pending_days_lot_entered AFTER UPDATE ON lots WHEN NEW.pending = 1 AND NEW.remaining > 0
        BEGIN \(sqliteAdd) END;
        CREATE TRIGGER pending_days_lot_left AFTER UPDATE ON lots WHEN OLD.pending = 1 AND OLD.remaining > 0
        BEGIN \(sqliteRemove) END;
        CREATE TRIGGER pending_days_lot_deleted AFTER DELETE ON lots WHEN OLD.pending = 1 AND OLD.remaining > 0
        BEGIN \(sqliteRemove) END;
        INSERT INTO pending_days (member_id, release_day, expires_at, lots, points, remaining, last_release)
        \(fromLots(where: "remaining > 0 AND pending = 1"));
        """

    /// Lot NEW counted in its row. An update that keeps a lot in its row fires both this and
    /// `sqliteRemove`, in either order: each leaves the row right for the lots as they stand.
    private static let sqliteAdd = """
        INSERT INTO pending_days (member_id, release_day, expires_at, lots, points, remaining, last_release)
        VALUES (NEW.member_id, NEW.available_at / \(dayMillis), COALESCE(NEW.expires_at, \(never)), 1, NEW.points, NEW.remaining, NEW.available_at)
        ON CONFLICT (member_id, release_day, expires_at) DO UPDATE SET
            lots = lots + 1, points = points + excluded.points, remaining = remaining + excluded.remaining,
            last_release = MAX(last_release, excluded.last_release);
        """

    /// Lot OLD taken out of its row: the row goes with its last lot.
    private static let sqliteRemove = """
        DELETE FROM pending_days
        WHERE member_id = OLD.member_id AND release_day = OLD.available_at / \(dayMillis)
          AND expires_at = COALESCE(OLD.expires_at, \(never)) AND lots = 1;
        UPDATE pending_days SET
            lots = lots - 1, points = points - OLD.points, remaining = remaining - OLD.remaining,
            last_release = CASE WHEN OLD.available_at < last_release THEN last_release ELSE (
                SELECT available_at FROM lots
                WHERE member_id = OLD.member_id AND remaining > 0 AND pending = 1 AND expires_at IS OLD.expires_at
                  AND available_at >= OLD.available_at / \(dayMillis) * \(dayMillis) AND available_at <= OLD.available_at
                ORDER BY available_at DESC LIMIT 1) END
        WHERE member_id = OLD.member_id AND release_day = OLD.available_at / \(dayMillis)
          AND expires_at = COALESCE(OLD.expires_at, \(never));
        """

    /// The same on PostgreSQL: one function for the three triggers. Row triggers of a statement run
    /// when it ends and see all of its changes, so the lots a recount finds may already have left
    /// too; their own triggers follow and take the row away with the last of them (`COALESCE`
    /// keeps the column filled until then).
    static let postgresSchema = [
        """
        CREATE TABLE pending_days (
            member_id TEXT NOT NULL,
            release_day BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            lots BIGINT NOT NULL,
            points BIGINT NOT NULL,
            remaining BIGINT NOT NULL,
            last_release BIGINT NOT NULL,
            PRIMARY KEY (member_id, release_day, expires_at)
        )
        """,
        "CREATE INDEX lots_pending_by_member ON lots(member_id, available_at) WHERE remaining > 0 AND pending",
        """
        CREATE FUNCTION pending_days_follow_lot() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.pending AND OLD.remaining > 0 THEN
                    DELETE FROM pending_days
                    WHERE member_id = OLD.member_id AND release_day = OLD.available_at / \(dayMillis)
                      AND expires_at = COALESCE(OLD.expires_at, \(never)) AND lots = 1;
                    UPDATE pending_days SET
                        lots = lots - 1, points = points - OLD.points, remaining = remaining - OLD.remaining,
                        last_release = CASE WHEN OLD.available_at < last_release THEN last_release ELSE COALESCE((
                            SELECT available_at FROM lots
                            WHERE member_id = OLD.member_id AND remaining > 0 AND pending AND expires_at IS NOT DISTINCT FROM OLD.expires_at
                              AND available_at >= OLD.available_at / \(dayMillis) * \(dayMillis) AND available_at <= OLD.available_at
                            ORDER BY available_at DESC LIMIT 1), last_release) END
                    WHERE member_id = OLD.member_id AND release_day = OLD.available_at / \(dayMillis)
                      AND expires_at = COALESCE(OLD.expires_at, \(never));
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.pending AND NEW.remaining > 0 THEN
                    INSERT INTO pending_days (member_id, release_day, expires_at, lots, points, remaining, last_release)
                    VALUES (NEW.member_id, NEW.available_at / \(dayMillis), COALESCE(NEW.expires_at, \(never)), 1, NEW.points, NEW.remaining,
                            NEW.available_at)
                    ON CONFLICT (member_id, release_day, expires_at) DO UPDATE SET
                        lots = pending_days.lots + 1, points = pending_days.points + excluded.points,
                        remaining = pending_days.remaining + excluded.remaining,
                        last_release = GREATEST(pending_days.last_release, excluded.last_release);
                END IF;
            END IF;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER pending_days_lot_inserted AFTER INSERT ON lots FOR EACH ROW
        WHEN (NEW.pending AND NEW.remaining > 0) EXECUTE FUNCTION pending_days_follow_lot()
        """,
        """
        CREATE TRIGGER pending_days_lot_updated AFTER UPDATE ON lots FOR EACH ROW
        WHEN ((OLD.pending AND OLD.remaining > 0) OR (NEW.pending AND NEW.remaining > 0)) EXECUTE FUNCTION pending_days_follow_lot()
        """,
        """
        CREATE TRIGGER pending_days_lot_deleted AFTER DELETE ON lots FOR EACH ROW
        WHEN (OLD.pending AND OLD.remaining > 0) EXECUTE FUNCTION pending_days_follow_lot()
        """,
        "INSERT INTO pending_days (member_id, release_day, expires_at, lots, points, remaining, last_release) \(fromLots(where: "remaining > 0 AND pending"))",
    ]

    /// `pending_days` rows recomputed from the lots that pass `condition`, with its column names.
    static func fromLots(where condition: String) -> String {
        """
        SELECT member_id, available_at / \(dayMillis) AS release_day, COALESCE(expires_at, \(never)) AS expires_at, COUNT(*) AS lots,
               CAST(SUM(points) AS BIGINT) AS points, CAST(SUM(remaining) AS BIGINT) AS remaining, MAX(available_at) AS last_release
        FROM lots WHERE \(condition) GROUP BY member_id, available_at / \(dayMillis), COALESCE(expires_at, \(never))
        """
    }

    /// The audit's two sides for program `program` (a placeholder): the rows kept, and the rows
    /// its members' open pending lots make (`pending` is the dialect's test of the flag).
    static func auditKept(program: String) -> String {
        """
        SELECT d.member_id, d.release_day, d.expires_at, d.lots, d.points, d.remaining, d.last_release
        FROM pending_days d JOIN members m ON m.id = d.member_id WHERE m.program_id = \(program)
        """
    }
    static func auditFromLots(program: String, pending: String) -> String {
        fromLots(where: "program_id = \(program) AND remaining > 0 AND \(pending)")
    }
}
