//! The hub's tables and their numbered migrations, in SQL both SQLite and PostgreSQL run.
//! `hub_migration` records each applied version; a database from a newer hub is refused.
//!
//! Times the hub sets are unix seconds (`BIGINT`); times from kiosks (`at`) are kept as the
//! RFC 3339 text the kiosk sent (its clock, maybe wrong), beside `received_at`.

use super::sql::{Db, DbError, DbResult};

/// Migration N is `MIGRATIONS[N - 1]`. Never edit one that shipped: add the next.
pub const MIGRATIONS: &[&str] = &[
    // 1: kiosks, enrolment codes, the inbox and its typed tables, rejected records, nonces.
    "CREATE TABLE kiosk (
        id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'revoked')),
        hall TEXT,
        region TEXT,
        enrolled_at BIGINT NOT NULL,
        approved_at BIGINT,
        revoked_at BIGINT,
        last_seen BIGINT,
        heartbeat_seq BIGINT,
        heartbeat_at TEXT,
        heartbeat TEXT
    );
    CREATE TABLE enrol_code (
        hash TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        expires TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        used_by TEXT,
        used_at BIGINT
    );
    CREATE TABLE inbox (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE rating (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        subject TEXT NOT NULL,
        guide TEXT,
        level INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        indicator_set TEXT NOT NULL,
        case_no TEXT,
        phone TEXT,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE suggestion (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        topic TEXT NOT NULL,
        about TEXT,
        phone TEXT,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE miss (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        query TEXT NOT NULL,
        step TEXT,
        found INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE usage_count (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        day TEXT NOT NULL,
        guide TEXT NOT NULL,
        opened BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE heartbeat (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        app_version TEXT NOT NULL,
        content_version TEXT,
        last_sync_status TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE rejected (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        why TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE TABLE nonce (
        kiosk_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        seen BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, nonce)
    );
    CREATE INDEX nonce_seen ON nonce (seen);
    CREATE INDEX rating_at ON rating (at);
    CREATE INDEX miss_query ON miss (query);",
    // 2: county staff accounts and their console sessions (issue 12). Sessions are deleted
    // with their account by the code (SQLite enforces no foreign keys unless asked).
    "CREATE TABLE console_user (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
        department TEXT,
        password TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        failures BIGINT NOT NULL DEFAULT 0,
        locked_until BIGINT
    );
    CREATE TABLE console_session (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL
    );
    CREATE INDEX console_session_user ON console_session (user_name);",
    // 3: retention (`prune`): when each heartbeat arrived (backfilled from the inbox), each
    // kiosk's inbox floor (every seq at or below it is held: its inbox row was pruned), and
    // the indexes pruning and the pending-kiosk cap read.
    "ALTER TABLE heartbeat ADD COLUMN received_at BIGINT;
    UPDATE heartbeat SET received_at = (SELECT i.received_at FROM inbox i
        WHERE i.kiosk_id = heartbeat.kiosk_id AND i.seq = heartbeat.seq);
    ALTER TABLE kiosk ADD COLUMN inbox_floor BIGINT NOT NULL DEFAULT 0;
    CREATE INDEX heartbeat_received ON heartbeat (received_at);
    CREATE INDEX inbox_received ON inbox (received_at);
    CREATE INDEX kiosk_state ON kiosk (state);",
    // 4: the console's follow-up (issue 12). Every 差评 and every suggestion is a case, made in
    // the same transaction that stores its record (`inbox::store`; those already stored by
    // `cases::backfill` right after this migration). Each state change goes into
    // `case_history`. Guides' departments come from the published content
    // (`departments::refresh`). Per-kiosk record counts and per-day rating counts are kept as
    // counters by `inbox::store` (and `prune` for heartbeats), so the fleet page and the charts
    // never count the typed tables (36 million ratings a year for 10,000 kiosks). The indexes
    // are those the console's lists read: newest first, by kind, state and department.
    "CREATE TABLE feedback_case (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('rating', 'suggestion')),
        received_at BIGINT NOT NULL,
        guide TEXT,
        department TEXT,
        state TEXT NOT NULL CHECK (state IN ('new', 'visited', 'fixed', 'explained', 'appealed')),
        handler TEXT,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
    );
    CREATE INDEX case_kind_received ON feedback_case (kind, received_at);
    CREATE INDEX case_kind_state ON feedback_case (kind, state, received_at);
    CREATE INDEX case_department ON feedback_case (department, kind, received_at);
    CREATE INDEX case_department_state ON feedback_case (department, kind, state, received_at);
    CREATE INDEX case_guide ON feedback_case (guide);
    CREATE TABLE case_history (
        kiosk_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        step BIGINT NOT NULL,
        at BIGINT NOT NULL,
        user_name TEXT NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq, step)
    );
    CREATE TABLE department (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        short_name TEXT NOT NULL
    );
    CREATE TABLE guide_department (
        guide TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        department TEXT NOT NULL
    );
    CREATE INDEX guide_department_title ON guide_department (title);
    CREATE INDEX guide_department_department ON guide_department (department);
    CREATE TABLE kiosk_count (
        kiosk_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, kind)
    );
    INSERT INTO kiosk_count (kiosk_id, kind, n)
        SELECT kiosk_id, 'rating', COUNT(*) FROM rating GROUP BY kiosk_id;
    INSERT INTO kiosk_count (kiosk_id, kind, n)
        SELECT kiosk_id, 'suggestion', COUNT(*) FROM suggestion GROUP BY kiosk_id;
    INSERT INTO kiosk_count (kiosk_id, kind, n)
        SELECT kiosk_id, 'miss', COUNT(*) FROM miss GROUP BY kiosk_id;
    INSERT INTO kiosk_count (kiosk_id, kind, n)
        SELECT kiosk_id, 'usage', COUNT(*) FROM usage_count GROUP BY kiosk_id;
    INSERT INTO kiosk_count (kiosk_id, kind, n)
        SELECT kiosk_id, 'heartbeat', COUNT(*) FROM heartbeat GROUP BY kiosk_id;
    CREATE TABLE rating_day_guide (
        day TEXT NOT NULL,
        guide TEXT NOT NULL,
        level INTEGER NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (day, guide, level)
    );
    CREATE INDEX rating_day_guide_guide ON rating_day_guide (guide, day);
    CREATE TABLE rating_day_kiosk (
        kiosk_id TEXT NOT NULL,
        day TEXT NOT NULL,
        level INTEGER NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (kiosk_id, day, level)
    );
    CREATE INDEX rating_day_kiosk_day ON rating_day_kiosk (day);
    INSERT INTO rating_day_guide (day, guide, level, n)
        SELECT substr(at, 1, 10), COALESCE(guide, ''), level, COUNT(*) FROM rating
        GROUP BY substr(at, 1, 10), COALESCE(guide, ''), level;
    INSERT INTO rating_day_kiosk (kiosk_id, day, level, n)
        SELECT kiosk_id, substr(at, 1, 10), level, COUNT(*) FROM rating
        GROUP BY kiosk_id, substr(at, 1, 10), level;
    CREATE INDEX usage_count_day ON usage_count (day);
    CREATE INDEX miss_at ON miss (at);",
    // 5: a kiosk's page reads its heartbeats of the last 30 days by arrival (hours online),
    // out of up to a year of them.
    "CREATE INDEX heartbeat_kiosk_received ON heartbeat (kiosk_id, received_at);",
    // 6: what the console benchmark (10,000 kiosks, a year) showed its reads need: ratings
    // per day and level in all (the overall chart reads 5 rows a day, kept by `inbox::store`
    // like the other counters), a hall's kiosks, and the fleet in its order without a sort.
    "CREATE TABLE rating_day (
        day TEXT NOT NULL,
        level INTEGER NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (day, level)
    );
    INSERT INTO rating_day (day, level, n)
        SELECT substr(at, 1, 10), level, COUNT(*) FROM rating GROUP BY substr(at, 1, 10), level;
    CREATE INDEX kiosk_hall ON kiosk (hall);
    CREATE INDEX kiosk_region ON kiosk (region, id);",
    // The fleet's lights kept on the rows (console::lights); the open cases' own index (the
    // overdue list reads only open cases, newest first); the per-guide daily counters covered
    // and grouped by (guide, level), so a period's table per service reads the index alone.
    "ALTER TABLE kiosk ADD COLUMN light INTEGER;
    ALTER TABLE kiosk ADD COLUMN reasons TEXT;
    ALTER TABLE kiosk ADD COLUMN health_until BIGINT;
    ALTER TABLE kiosk ADD COLUMN health_newest BIGINT NOT NULL DEFAULT -1;
    CREATE INDEX kiosk_light ON kiosk (light, region, id);
    CREATE INDEX kiosk_region_light ON kiosk (region, light, id);
    CREATE INDEX kiosk_health_until ON kiosk (health_until);
    CREATE INDEX kiosk_health_newest ON kiosk (health_newest);
    CREATE INDEX case_open ON feedback_case (kind, received_at, kiosk_id, seq)
        WHERE state IN ('new', 'visited');
    DROP INDEX rating_day_guide_guide;
    CREATE INDEX rating_day_guide_guide ON rating_day_guide (guide, level, day, n);",
    // Cases per kind, department ('' for none) and state, kept by console::cases with every
    // change, so a list's total reads a few counters instead of every case.
    "CREATE TABLE case_count (
        kind TEXT NOT NULL,
        department TEXT NOT NULL,
        state TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (kind, department, state)
    );
    INSERT INTO case_count (kind, department, state, n)
        SELECT kind, COALESCE(department, ''), state, COUNT(*) FROM feedback_case
        GROUP BY kind, COALESCE(department, ''), state;",
];

/// Work a migration needs beyond its SQL, in the same transaction.
fn after(db: &mut dyn Db, version: i64) -> DbResult<()> {
    if version == 4 {
        super::console::cases::backfill(db, super::now())?;
    }
    Ok(())
}

/// Brings the database to the newest schema; the version it is at.
pub fn migrate(db: &mut dyn Db) -> DbResult<i64> {
    db.batch(
        "CREATE TABLE IF NOT EXISTS hub_migration (
            version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )?;
    let current = db
        .row("SELECT COALESCE(MAX(version), 0) FROM hub_migration", &[])?
        .map_or(0, |r| r.int(0));
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(DbError(format!(
            "数据库是较新版本的汇总服务建的（第 {current} 版结构，本程序只认识到第 {known} 版）。请升级 banshi。"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        db.transaction(|db| {
            db.batch(sql)?;
            after(db, version)?;
            db.exec(
                "INSERT INTO hub_migration (version, applied_at) VALUES ($1, $2)",
                &[version.into(), super::now().into()],
            )?;
            Ok::<_, DbError>(())
        })?;
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::sqlite::SqliteDb;

    /// A database from before the console: migration 4 opens cases for what it holds and
    /// counts it.
    #[test]
    fn migration_4_opens_cases_and_counts_what_was_stored_before() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = SqliteDb::open(&dir.path().join("hub.db")).unwrap();
        let db: &mut dyn Db = &mut db;
        db.batch(
            "CREATE TABLE hub_migration (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .unwrap();
        for (i, sql) in MIGRATIONS[..3].iter().enumerate() {
            db.batch(sql).unwrap();
            db.exec(
                "INSERT INTO hub_migration (version, applied_at) VALUES ($1, 0)",
                &[(i as i64 + 1).into()],
            )
            .unwrap();
        }
        db.batch(
            "INSERT INTO kiosk (id, public_key, state, enrolled_at) VALUES ('k', '00', 'approved', 0);
             INSERT INTO rating VALUES ('k', 1, '2026-12-03T10:00:00+08:00', 'guide', 'g1', 5,
                 '等太久', 'v1', NULL, NULL);
             INSERT INTO inbox VALUES ('k', 1, 'rating', '2026-12-03T10:00:00+08:00', 1000, '{}');
             INSERT INTO rating VALUES ('k', 2, '2026-12-03T11:00:00+08:00', 'hall', NULL, 1,
                 '', 'v1', NULL, NULL);
             INSERT INTO suggestion VALUES ('k', 3, '2026-12-03T10:00:00+08:00', '其他', NULL, NULL);
             INSERT INTO heartbeat (kiosk_id, seq, at, app_version, body, received_at)
                 VALUES ('k', 4, 'x', '1', '{}', 5);",
        )
        .unwrap();
        assert_eq!(migrate(db).unwrap(), MIGRATIONS.len() as i64);
        let rows = db
            .query(
                "SELECT seq, kind, received_at, state FROM feedback_case ORDER BY seq",
                &[],
            )
            .unwrap();
        let got: Vec<(i64, String, i64, String)> = rows
            .iter()
            .map(|r| (r.int(0), r.text(1), r.int(2), r.text(3)))
            .collect();
        assert_eq!(
            got,
            [
                (1, "rating".into(), 1000, "new".into()),
                // No inbox row any more: the kiosk's own time.
                (3, "suggestion".into(), 1_796_263_200, "new".into()),
            ]
        );
        let counts = db
            .query("SELECT kind, n FROM kiosk_count ORDER BY kind", &[])
            .unwrap();
        let counts: Vec<(String, i64)> = counts.iter().map(|r| (r.text(0), r.int(1))).collect();
        assert_eq!(
            counts,
            [
                ("heartbeat".into(), 1),
                ("rating".into(), 2),
                ("suggestion".into(), 1)
            ]
        );
        let day = db
            .query("SELECT day, level, n FROM rating_day ORDER BY level", &[])
            .unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(
            (day[1].text(0), day[1].int(1), day[1].int(2)),
            ("2026-12-03".into(), 5, 1)
        );
    }

    #[test]
    fn migrations_run_once_and_a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let mut db = SqliteDb::open(&path).unwrap();
        assert_eq!(migrate(&mut db).unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(migrate(&mut db).unwrap(), MIGRATIONS.len() as i64);
        let db: &mut dyn Db = &mut db;
        db.exec(
            "INSERT INTO hub_migration (version, applied_at) VALUES (99, 0)",
            &[],
        )
        .unwrap();
        let e = migrate(db).unwrap_err();
        assert!(e.to_string().contains("升级"), "{e}");
    }
}
