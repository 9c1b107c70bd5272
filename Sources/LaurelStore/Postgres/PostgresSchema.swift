/// The PostgreSQL schema: the same tables and meaning as SQLite's, as ordered migrations.
enum PostgresSchema {
    static let migrations: [(String, [String])] = [
        ("v1-core", [
            """
            CREATE TABLE programs (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                current_version BIGINT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE program_versions (
                program_id TEXT NOT NULL REFERENCES programs(id),
                version BIGINT NOT NULL,
                definition TEXT NOT NULL,
                source TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, version)
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                scope TEXT NOT NULL,
                name TEXT,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            """
            CREATE TABLE members (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                external_id TEXT NOT NULL,
                email TEXT,
                name TEXT,
                birthday TEXT,
                attributes TEXT NOT NULL,
                status TEXT NOT NULL,
                available BIGINT NOT NULL DEFAULT 0,
                pending BIGINT NOT NULL DEFAULT 0,
                debt BIGINT NOT NULL DEFAULT 0,
                lifetime_earned BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (program_id, external_id)
            )
            """,
            "CREATE INDEX members_by_program ON members(program_id, id)",
            """
            CREATE TABLE events (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                type TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                recorded_at BIGINT NOT NULL,
                program_version BIGINT NOT NULL,
                status TEXT NOT NULL,
                points BIGINT NOT NULL,
                purchase_total TEXT,
                points_reversed BIGINT NOT NULL DEFAULT 0,
                amount_refunded TEXT NOT NULL DEFAULT '0.00',
                payload TEXT NOT NULL,
                outcome TEXT NOT NULL
            )
            """,
            "CREATE INDEX events_by_member ON events(member_id, occurred_at)",
            """
            CREATE TABLE lots (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                source_id TEXT NOT NULL,
                earned_at BIGINT NOT NULL,
                available_at BIGINT NOT NULL,
                expires_at BIGINT,
                points BIGINT NOT NULL CHECK (points > 0),
                remaining BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= points),
                pending BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX lots_open_by_member ON lots(member_id) WHERE remaining > 0",
            "CREATE INDEX lots_expiring ON lots(expires_at) WHERE remaining > 0",
            "CREATE INDEX lots_maturing ON lots(available_at) WHERE remaining > 0 AND pending",
            """
            CREATE TABLE ledger_entries (
                seq BIGSERIAL PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                from_account TEXT NOT NULL,
                to_account TEXT NOT NULL,
                points BIGINT NOT NULL CHECK (points > 0),
                lot_id TEXT,
                source_id TEXT NOT NULL,
                program_version BIGINT,
                created_at BIGINT NOT NULL,
                actor TEXT,
                reason TEXT
            )
            """,
            "CREATE INDEX ledger_by_member ON ledger_entries(member_id, seq)",
            "CREATE INDEX ledger_by_program ON ledger_entries(program_id)",
            """
            CREATE TABLE rule_awards (
                member_id TEXT NOT NULL,
                rule_id TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                points BIGINT NOT NULL,
                event_id TEXT NOT NULL
            )
            """,
            "CREATE INDEX rule_awards_lookup ON rule_awards(member_id, rule_id, occurred_at)",
            """
            CREATE TABLE idempotency_keys (
                program_id TEXT NOT NULL,
                key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                status BIGINT NOT NULL,
                body BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, key)
            )
            """,
        ]),
        ("v2-tiers-rewards-clubs", [
            "ALTER TABLE members ADD COLUMN tier_id TEXT",
            "ALTER TABLE members ADD COLUMN tier_since BIGINT",
            "ALTER TABLE members ADD COLUMN tier_floor TEXT",
            "ALTER TABLE members ADD COLUMN tier_floor_until BIGINT",
            "ALTER TABLE members ADD COLUMN tier_review_at BIGINT",
            "ALTER TABLE members ADD COLUMN tier_check_at BIGINT",
            "CREATE INDEX members_tier_check ON members(tier_check_at) WHERE tier_check_at IS NOT NULL",
            "ALTER TABLE events ADD COLUMN tier_amount TEXT",
            """
            CREATE TABLE tier_contributions (
                member_id TEXT NOT NULL REFERENCES members(id),
                occurred_at BIGINT NOT NULL,
                points BIGINT NOT NULL,
                amount_units BIGINT NOT NULL,
                purchases BIGINT NOT NULL,
                event_id TEXT NOT NULL
            )
            """,
            "CREATE INDEX tier_contributions_by_member ON tier_contributions(member_id, occurred_at)",
            """
            CREATE TABLE tier_changes (
                seq BIGSERIAL PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                from_tier TEXT,
                to_tier TEXT,
                reason TEXT NOT NULL,
                source_id TEXT NOT NULL,
                actor TEXT,
                note TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX tier_changes_by_member ON tier_changes(member_id, seq)",
            """
            CREATE TABLE rewards (
                program_id TEXT NOT NULL REFERENCES programs(id),
                id TEXT NOT NULL,
                definition TEXT NOT NULL,
                stock_left BIGINT CHECK (stock_left >= 0),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, id)
            )
            """,
            """
            CREATE TABLE reward_codes (
                program_id TEXT NOT NULL,
                reward_id TEXT NOT NULL,
                code TEXT NOT NULL,
                redemption_id TEXT,
                added_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, reward_id, code)
            )
            """,
            "CREATE INDEX reward_codes_unissued ON reward_codes(program_id, reward_id) WHERE redemption_id IS NULL",
            """
            CREATE TABLE redemptions (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                reward_id TEXT NOT NULL,
                points BIGINT NOT NULL CHECK (points >= 0),
                status TEXT NOT NULL,
                code TEXT,
                value TEXT,
                source_event_id TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                expires_at BIGINT,
                fulfilled_at BIGINT,
                cancelled_at BIGINT
            )
            """,
            "CREATE INDEX redemptions_by_member ON redemptions(member_id, reward_id, created_at)",
            "CREATE INDEX redemptions_by_program ON redemptions(program_id, id)",
            "CREATE INDEX redemptions_by_source ON redemptions(source_event_id) WHERE source_event_id IS NOT NULL",
            "CREATE INDEX redemptions_expiring ON redemptions(expires_at) WHERE status = 'issued'",
            """
            CREATE TABLE club_memberships (
                program_id TEXT NOT NULL,
                club_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                via TEXT NOT NULL,
                invited_by TEXT,
                status TEXT NOT NULL,
                joined_at BIGINT NOT NULL,
                expires_at BIGINT,
                ended_at BIGINT,
                notify_at BIGINT,
                PRIMARY KEY (program_id, club_id, member_id)
            )
            """,
            "CREATE INDEX club_memberships_by_member ON club_memberships(member_id) WHERE status = 'active'",
            "CREATE INDEX club_memberships_expiring ON club_memberships(expires_at) WHERE status = 'active'",
            "CREATE INDEX club_memberships_notify ON club_memberships(notify_at) WHERE notify_at IS NOT NULL",
            """
            CREATE TABLE outbox (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                program_id TEXT NOT NULL,
                type TEXT NOT NULL,
                member_id TEXT,
                payload TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX outbox_by_program ON outbox(program_id, seq)",
        ]),
        // A member's history reads their own entries and the transfers they received: both indexed.
        ("v3-ledger-received", ["CREATE INDEX ledger_by_receiver ON ledger_entries(to_account, seq)"]),
        // Only transfers put points into another member's account: the others need no such entry.
        ("v4-ledger-transfers-received", [
            "DROP INDEX ledger_by_receiver",
            "CREATE INDEX ledger_transfers_by_receiver ON ledger_entries(to_account, seq) WHERE kind = 'transfer'",
        ]),
        // A balance read needs only the open lots that are pending or expire soon
        // (`PointsSummary(member:lotsThatCanChange:…)`), as on SQLite; here the rows fetched are filtered.
        ("v5-open-lots-by-state", [
            "DROP INDEX lots_open_by_member",
            "CREATE INDEX lots_open_by_member ON lots(member_id, pending, expires_at) WHERE remaining > 0",
        ]),
        // Tier totals sum the contributions in the window: with their values in the index, the sum
        // can be an index-only scan.
        ("v6-tier-contributions-covering", [
            "DROP INDEX tier_contributions_by_member",
            "CREATE INDEX tier_contributions_by_member ON tier_contributions(member_id, occurred_at) INCLUDE (points, amount_units, purchases)",
        ]),
        // Only the ledger audit, which reads every entry of the program anyway, looked entries up
        // by program; every entry written paid an insertion into this index.
        ("v7-no-ledger-by-program", ["DROP INDEX ledger_by_program"]),
        // Segment memberships as of the last refresh (`refreshSegments`): what `member.segments` reads
        // while judging an event (by member), and what the refresh compares each segment with.
        ("v11-segments", [
            """
            CREATE TABLE segment_memberships (
                program_id TEXT NOT NULL,
                segment_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                entered_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, segment_id, member_id)
            )
            """,
            "CREATE INDEX segment_memberships_by_member ON segment_memberships(member_id, segment_id)",
        ]),
        // Expiring-soon notices sent (one per lot and threshold) and the scheduled jobs' last runs.
        ("v13-scheduler", [
            "CREATE TABLE expiry_notices (lot_id TEXT NOT NULL, days INTEGER NOT NULL, sent_at BIGINT NOT NULL, PRIMARY KEY (lot_id, days))",
            """
            CREATE TABLE job_runs (
                name TEXT PRIMARY KEY,
                started_at BIGINT NOT NULL,
                duration_ms BIGINT NOT NULL,
                processed BIGINT NOT NULL,
                error TEXT,
                runs BIGINT NOT NULL
            )
            """,
        ]),
        // Webhooks. Outbox sequence numbers are taken at insert, not at commit, so the fan-out's
        // cursor runs over (writing transaction, sequence): `xid` records the writing transaction.
        ("v10-webhooks", [
            "ALTER TABLE outbox ADD COLUMN xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)",
            "CREATE INDEX outbox_by_program_xid ON outbox(program_id, xid, seq)",
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                url TEXT NOT NULL,
                description TEXT,
                types TEXT NOT NULL,
                enabled BOOLEAN NOT NULL,
                disabled_reason TEXT,
                secret TEXT NOT NULL,
                previous_secret TEXT,
                previous_secret_until BIGINT,
                cursor_xid BIGINT NOT NULL,
                cursor_seq BIGINT NOT NULL,
                from_seq BIGINT NOT NULL,
                failing_since BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhook_endpoints_by_program ON webhook_endpoints(program_id, id)",
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
                message_id TEXT NOT NULL,
                message_seq BIGINT NOT NULL,
                member_id TEXT,
                type TEXT NOT NULL,
                payload TEXT,
                message_created_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                round_attempts BIGINT NOT NULL DEFAULT 0,
                first_attempt_at BIGINT,
                next_attempt_at BIGINT,
                lease_until BIGINT,
                created_at BIGINT NOT NULL,
                UNIQUE (endpoint_id, message_id)
            )
            """,
            "CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, id)",
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending'",
            "CREATE INDEX webhook_deliveries_member_order ON webhook_deliveries(endpoint_id, member_id, message_seq) WHERE status = 'pending'",
            """
            CREATE TABLE webhook_attempts (
                seq BIGSERIAL PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
                attempted_at BIGINT NOT NULL,
                status_code BIGINT,
                error TEXT,
                duration_ms BIGINT NOT NULL,
                response_body TEXT
            )
            """,
            "CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id, seq)",
        ]),
        // Campaigns and birthdays: when each campaign started and ended (its messages written once),
        // and the gifts given, once per member (per year for birthdays) by their keys.
        ("v12-campaigns", [
            """
            CREATE TABLE campaign_runs (
                program_id TEXT NOT NULL,
                campaign_id TEXT NOT NULL,
                started_at BIGINT,
                ended_at BIGINT,
                PRIMARY KEY (program_id, campaign_id)
            )
            """,
            """
            CREATE TABLE campaign_gifts (
                program_id TEXT NOT NULL,
                campaign_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                points BIGINT NOT NULL,
                reward_id TEXT,
                redemption_id TEXT,
                reward_status TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, campaign_id, member_id)
            )
            """,
            """
            CREATE TABLE birthday_grants (
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                year BIGINT NOT NULL,
                points BIGINT NOT NULL,
                reward_id TEXT,
                redemption_id TEXT,
                reward_status TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, member_id, year)
            )
            """,
        ]),
        // Member tokens: each program's signing and verifying keys (HS256 secrets), newest signs.
        ("v14-member-tokens", [
            """
            CREATE TABLE member_token_keys (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                secret TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                retired_at BIGINT,
                expires_at BIGINT
            )
            """,
            "CREATE INDEX member_token_keys_by_program ON member_token_keys(program_id, created_at)",
        ]),
        // The audit trail (append-only: triggers refuse UPDATE, DELETE and TRUNCATE) and API keys' own rate limits.
        ("v15-audit-and-rate-limits", [
            "ALTER TABLE api_keys ADD COLUMN rate_limit BIGINT",
            """
            CREATE TABLE audit_entries (
                seq BIGSERIAL PRIMARY KEY,
                program_id TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                before_json TEXT,
                after_json TEXT,
                idempotency_key TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX audit_entries_by_program ON audit_entries(program_id, seq)",
            """
            CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$
            """,
            """
            CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
            """,
            """
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
            FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()
            """,
        ]),
        // Fraud controls: events held for review (their body kept until decided), and what each
        // velocity cap counted, one row per cap and write, read by an index-only range of its window.
        ("v16-fraud", [
            """
            CREATE TABLE reviews (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                event_id TEXT NOT NULL UNIQUE,
                event_type TEXT NOT NULL,
                payload TEXT NOT NULL,
                api_key_id TEXT,
                trips TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                decided_at BIGINT,
                decided_by TEXT,
                points BIGINT
            )
            """,
            "CREATE INDEX reviews_by_program ON reviews (program_id, id)",
            "CREATE INDEX reviews_by_status ON reviews (program_id, status, id)",
            """
            CREATE TABLE fraud_marks (
                program_id TEXT NOT NULL,
                cap_id TEXT NOT NULL,
                subject TEXT NOT NULL,
                at BIGINT NOT NULL,
                points BIGINT NOT NULL,
                amount_units BIGINT NOT NULL
            )
            """,
            "CREATE INDEX fraud_marks_window ON fraud_marks (program_id, cap_id, subject, at) INCLUDE (points, amount_units)",
        ]),
        // Sessions of the web console (staff) and the member portal (members): the cookie's hash.
        ("v17-web-sessions", [
            """
            CREATE TABLE web_sessions (
                token_hash TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                kind TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX web_sessions_by_subject ON web_sessions (program_id, kind, subject_id)",
            "CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at)",
        ]),
        // Console users (one program each, email unique per program), their one-time password links (hashed), and
        // the indexes of the console's member search (email and name prefixes).
        ("v18-staff", [
            """
            CREATE TABLE staff (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                email TEXT NOT NULL,
                role TEXT NOT NULL,
                password_hash TEXT,
                created_at BIGINT NOT NULL,
                disabled BOOLEAN NOT NULL DEFAULT FALSE,
                UNIQUE (program_id, email)
            )
            """,
            """
            CREATE TABLE staff_password_tokens (
                hash TEXT PRIMARY KEY,
                staff_id TEXT NOT NULL REFERENCES staff(id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            // Byte order ("C"), so that a prefix is one range whatever the database's collation.
            "CREATE INDEX members_by_email ON members (program_id, (lower(email) COLLATE \"C\"))",
            "CREATE INDEX members_by_name ON members (program_id, (lower(name) COLLATE \"C\"))",
        ]),
        // Member portal sign-in codes (at most one live code per member, as a hash), and members found by email (equality).
        ("v19-sign-in-codes", [
            """
            CREATE TABLE sign_in_codes (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                code_hash TEXT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX sign_in_codes_by_member ON sign_in_codes (program_id, member_id)",
            // Sign-in looks members up by equality in the database's collation (v18's index is byte-ordered, for prefixes).
            "CREATE INDEX members_by_lower_email ON members (program_id, lower(email))",
        ]),
        // The dashboard (`AnalyticsSQL`): an index range of the period per statement, with the
        // columns it reads included so that the ledger and events are read index-only.
        ("v20-analytics", [
            "CREATE INDEX ledger_by_program_time ON ledger_entries(program_id, created_at) INCLUDE (kind, points)",
            "CREATE INDEX events_by_program_time ON events(program_id, occurred_at) INCLUDE (type, status, member_id)",
            "CREATE INDEX members_by_program_created ON members(program_id, created_at)",
            "CREATE INDEX redemptions_by_program_time ON redemptions(program_id, created_at)",
            "CREATE INDEX tier_changes_by_program_time ON tier_changes(program_id, created_at)",
        ]),
        ("v21-referrals", [
            """
            CREATE TABLE referral_codes (
                member_id TEXT PRIMARY KEY REFERENCES members(id),
                program_id TEXT NOT NULL,
                code TEXT NOT NULL,
                UNIQUE (program_id, code)
            )
            """,
            """
            CREATE TABLE referrals (
                friend_id TEXT PRIMARY KEY REFERENCES members(id),
                program_id TEXT NOT NULL,
                referrer_id TEXT NOT NULL REFERENCES members(id),
                code TEXT NOT NULL,
                status TEXT NOT NULL,
                refusal TEXT,
                refusal_detail TEXT,
                enrolled_at BIGINT NOT NULL,
                first_purchase_at BIGINT
            )
            """,
            """
            CREATE INDEX referrals_by_referrer ON referrals(referrer_id, enrolled_at)
            """,
            """
            CREATE TABLE referral_grants (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                friend_id TEXT NOT NULL REFERENCES referrals(friend_id),
                reward_id TEXT NOT NULL,
                trigger_name TEXT NOT NULL,
                side TEXT NOT NULL,
                member_id TEXT NOT NULL,
                event_id TEXT,
                points BIGINT NOT NULL,
                reward TEXT,
                redemption_id TEXT,
                reward_status TEXT,
                available_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE INDEX referral_grants_by_friend ON referral_grants(friend_id, created_at)
            """,
            """
            CREATE INDEX referral_grants_by_event ON referral_grants(event_id) WHERE event_id IS NOT NULL
            """,
            """
            CREATE TABLE punch_stamps (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                card_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                stamped_at BIGINT NOT NULL,
                expires_at BIGINT,
                completion_id TEXT
            )
            """,
            """
            CREATE INDEX punch_stamps_by_member ON punch_stamps(member_id, card_id, completion_id)
            """,
            """
            CREATE INDEX punch_stamps_by_event ON punch_stamps(event_id)
            """,
            """
            CREATE TABLE punch_completions (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                card_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                completed_at BIGINT NOT NULL,
                points BIGINT NOT NULL,
                reward TEXT,
                redemption_id TEXT,
                reward_status TEXT,
                status TEXT NOT NULL
            )
            """,
            """
            CREATE INDEX punch_completions_by_member ON punch_completions(member_id, card_id, completed_at)
            """,
        ]),
        // Challenges and badges (`ChallengeStore`): one row of progress (JSON, `ChallengeProgress`) per
        // member and challenge, and the badges members keep.
        ("v22-challenges", [
            """
            CREATE TABLE member_challenges (
                member_id TEXT NOT NULL REFERENCES members(id),
                challenge_id TEXT NOT NULL,
                program_id TEXT NOT NULL REFERENCES programs(id),
                state TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (member_id, challenge_id)
            )
            """,
            """
            CREATE TABLE member_badges (
                member_id TEXT NOT NULL REFERENCES members(id),
                badge_id TEXT NOT NULL,
                program_id TEXT NOT NULL REFERENCES programs(id),
                challenge_id TEXT,
                event_id TEXT,
                awarded_at BIGINT NOT NULL,
                PRIMARY KEY (member_id, badge_id)
            )
            """,
        ]),
        // Games: every spin (auditable: its roll and the weights it was drawn with), free plays
        // granted by staff. Budgets and limits are counted from the spins under a per-wheel lock.
        ("v23-games", [
            """
            CREATE TABLE game_spins (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                wheel_id TEXT NOT NULL,
                prize_id TEXT NOT NULL,
                points BIGINT NOT NULL,
                paid_with TEXT NOT NULL,
                cost_points BIGINT NOT NULL,
                roll BIGINT NOT NULL,
                weights TEXT NOT NULL,
                program_version BIGINT NOT NULL,
                drawn_at BIGINT NOT NULL,
                available_after BIGINT NOT NULL
            )
            """,
            "CREATE INDEX game_spins_by_member ON game_spins(member_id, wheel_id, drawn_at)",
            "CREATE INDEX game_spins_by_prize ON game_spins(program_id, wheel_id, prize_id, drawn_at)",
            "CREATE INDEX game_spins_by_program ON game_spins(program_id, id)",
            """
            CREATE TABLE game_play_grants (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                wheel_id TEXT NOT NULL,
                plays BIGINT NOT NULL,
                reason TEXT NOT NULL,
                actor TEXT NOT NULL,
                granted_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX game_play_grants_by_member ON game_play_grants(member_id, wheel_id)",
            """
            CREATE TABLE raffle_draws (
                program_id TEXT NOT NULL REFERENCES programs(id),
                raffle_id TEXT NOT NULL,
                seed TEXT NOT NULL,
                commitment TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                drawn_at BIGINT,
                winners TEXT,
                PRIMARY KEY (program_id, raffle_id)
            )
            """,
            """
            CREATE TABLE raffle_entries (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                raffle_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                paid_with TEXT NOT NULL,
                cost_points BIGINT NOT NULL,
                entered_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX raffle_entries_by_raffle ON raffle_entries(program_id, raffle_id, id COLLATE \"C\")",
            "CREATE INDEX raffle_entries_by_member ON raffle_entries(member_id, raffle_id)",
        ]),
        // A reward's codes can become usable some days after issue (`active_after_days`); several
        // units in one request (`quantity`), each with its code (`codes`, a JSON array when more than one).
        ("v25-redemption-activation-and-quantity", [
            "ALTER TABLE redemptions ADD COLUMN active_from BIGINT",
            "ALTER TABLE redemptions ADD COLUMN quantity INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE redemptions ADD COLUMN codes TEXT",
        ]),
        // A wheel prize can be a catalogue reward: what a spin issued (or why it could not).
        ("v27-spin-rewards", [
            "ALTER TABLE game_spins ADD COLUMN reward_id TEXT",
            "ALTER TABLE game_spins ADD COLUMN redemption_id TEXT",
            "ALTER TABLE game_spins ADD COLUMN reward_status TEXT",
        ]),
        // Members' consents (marketing, profiling, brand-defined): every grant and withdrawal kept, the last one per name counts.
        ("v28-member-consents", [
            """
            CREATE TABLE member_consents (
                seq BIGSERIAL PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                name TEXT NOT NULL,
                granted BOOLEAN NOT NULL,
                source TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX member_consents_by_member ON member_consents(member_id, seq)",
        ]),
        // `laurel import`'s journal: per program, kind and file (SHA-256), the last line whose batch committed.
        ("v31-import-journal", [
            """
            CREATE TABLE import_journal (
                program_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                file_sha256 TEXT NOT NULL,
                line BIGINT NOT NULL,
                imported BIGINT NOT NULL,
                refused BIGINT NOT NULL,
                finished BOOLEAN NOT NULL,
                mode TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, kind, file_sha256)
            )
            """,
        ]),
        // A webhook endpoint may require a consent of the members its messages are about.
        ("v34-webhook-endpoint-consent", [
            "ALTER TABLE webhook_endpoints ADD COLUMN requires_consent TEXT",
        ]),
        // Files sent to `POST /v1/imports`, imported in the background; the file is dropped when the job ends.
        ("v35-import-jobs", [
            """
            CREATE TABLE import_jobs (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                kind TEXT NOT NULL,
                format TEXT NOT NULL,
                on_error TEXT NOT NULL,
                as_recorded BOOLEAN NOT NULL,
                again BOOLEAN NOT NULL,
                bytes BIGINT NOT NULL,
                rows BIGINT NOT NULL,
                status TEXT NOT NULL,
                done BIGINT NOT NULL DEFAULT 0,
                recorded BIGINT NOT NULL DEFAULT 0,
                refused BIGINT NOT NULL DEFAULT 0,
                points BIGINT NOT NULL DEFAULT 0,
                refusals TEXT NOT NULL DEFAULT '[]',
                notices TEXT NOT NULL DEFAULT '[]',
                error TEXT,
                actor TEXT NOT NULL,
                content BYTEA,
                lease_until BIGINT,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX import_jobs_by_program ON import_jobs(program_id, id)",
            "CREATE INDEX import_jobs_unfinished ON import_jobs(status, created_at) WHERE status IN ('queued', 'running')",
        ]),
        // Backtests asked for through the API (`POST /v1/simulations`): queued, claimed by one node under a lease, the report kept.
        ("v36-simulations", [
            """
            CREATE TABLE simulations (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                status TEXT NOT NULL,
                progress BIGINT NOT NULL,
                from_at BIGINT NOT NULL,
                until_at BIGINT NOT NULL,
                draft_source TEXT,
                actor TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                completed_at BIGINT,
                lease_until BIGINT,
                attempts BIGINT NOT NULL,
                error TEXT,
                result TEXT
            )
            """,
            "CREATE INDEX simulations_by_program ON simulations(program_id, id)",
            "CREATE INDEX simulations_by_status ON simulations(status, created_at)",
        ]),
        // Bulk point awards: the job, its targets (fixed when it is made), and each credit under its unique key (job, member).
        ("v37-bulk-awards", [
            """
            CREATE TABLE bulk_awards (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                status TEXT NOT NULL,
                points BIGINT NOT NULL,
                reason TEXT NOT NULL,
                actor TEXT NOT NULL,
                audit_actor TEXT NOT NULL,
                target TEXT NOT NULL,
                segment_id TEXT,
                total BIGINT NOT NULL,
                done BIGINT NOT NULL,
                credited BIGINT NOT NULL,
                skipped BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                completed_at BIGINT
            )
            """,
            "CREATE INDEX bulk_awards_by_program ON bulk_awards(program_id, id)",
            "CREATE INDEX bulk_awards_unfinished ON bulk_awards(created_at, id) WHERE status <> 'completed'",
            """
            CREATE TABLE bulk_award_items (
                program_id TEXT NOT NULL,
                bulk_award_id TEXT NOT NULL REFERENCES bulk_awards(id),
                position BIGINT NOT NULL,
                target TEXT NOT NULL,
                member_id TEXT,
                status TEXT NOT NULL,
                reason TEXT,
                adjustment_id TEXT,
                done_at BIGINT,
                PRIMARY KEY (bulk_award_id, position)
            )
            """,
            "CREATE INDEX bulk_award_items_pending ON bulk_award_items(bulk_award_id, position) WHERE status = 'pending'",
            "CREATE INDEX bulk_award_items_by_member ON bulk_award_items(member_id)",
            """
            CREATE TABLE bulk_award_credits (
                program_id TEXT NOT NULL,
                bulk_award_id TEXT NOT NULL REFERENCES bulk_awards(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                adjustment_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (bulk_award_id, member_id)
            )
            """,
            "CREATE INDEX bulk_award_credits_by_member ON bulk_award_credits(member_id)",
        ]),
        // Open pending lots summed per member, release day and expiry, kept by triggers on `lots`
        // (`PendingDaysSQL`): a balance read sums a few rows per day instead of every pending lot.
        ("v38-pending-days", PendingDaysSQL.postgresSchema),
        // Outcomes kept deflated (`PackedOutcome`); the JSON text of earlier rows becomes its bytes,
        // which read back as they are. Rewrites `events` once.
        ("v39-packed-outcomes", ["ALTER TABLE events ALTER COLUMN outcome TYPE BYTEA USING convert_to(outcome, 'UTF8')"]),
        // Award rows are written for the rules the judging version keeps (limited and campaign
        // rules) and for these: rules a version limited, whose rows every event has written since;
        // `filled_in` once the rows of the events before were written too
        // (`PostgresStore.completeAwardRows`).
        ("v40-kept-award-rules", [
            """
            CREATE TABLE kept_award_rules (
                program_id TEXT NOT NULL,
                rule_id TEXT NOT NULL,
                filled_in BOOLEAN NOT NULL DEFAULT FALSE,
                PRIMARY KEY (program_id, rule_id)
            )
            """,
        ]),
    ]
}
