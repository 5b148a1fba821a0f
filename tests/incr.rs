//! Incremental sync from the MariaDB binlog into a second MariaDB (3307): a workload during
//! the copy, SIGKILL during replay, DDL, a lost position, lag.

use crate::copy::drop_dbs;
use crate::support::*;
use mysql_async::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn second_port() -> u16 {
    port_from_env("OMSCTL_TEST_MARIADB2_PORT", 3307)
}

const TABLES: [&str; 3] = ["k", "nk", "ck"];

async fn create(db: &str, rows: u32) {
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{db}`;\nCREATE DATABASE `{db}`;\nUSE `{db}`;\n\
             CREATE TABLE k (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT UNSIGNED, e ENUM('a','b'), t DATETIME(6), j JSON);\n\
             INSERT INTO k SELECT seq, CONCAT('v', seq), seq, 'a', '2024-01-01' + INTERVAL seq SECOND, JSON_OBJECT('s', seq) FROM seq_1_to_{rows};\n\
             CREATE TABLE nk (a INT, b VARCHAR(10));\n\
             INSERT INTO nk SELECT seq % 10, 'x' FROM seq_1_to_200;\n\
             CREATE TABLE ck (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b));\n\
             INSERT INTO ck SELECT seq, 'b', seq FROM seq_1_to_2000"
        ),
    )
    .await;
}

/// Inserts, updates (some changing the primary key), deletes and multi-statement transactions
/// on keyed and keyless tables until `stop` is set. Returns the number of transactions.
async fn workload(db: String, seed: u64, stop: Arc<AtomicBool>, max_txns: u64) -> u64 {
    let mut c = connect(mariadb_port()).await;
    c.query_drop(format!("USE `{db}`")).await.unwrap();
    let mut rng = Rng(seed | 1);
    let mut n = 0;
    let mut next_id = 10_000_000u64 + seed % 1000 * 100_000;
    while !stop.load(Ordering::Relaxed) && n < max_txns {
        let id = 1 + rng.below(5000);
        let sql = match rng.below(8) {
            0 => {
                next_id += 1;
                format!("INSERT INTO k VALUES ({next_id}, 'ins', 18446744073709551615, 'b', NOW(6), '{{\"w\": {n}}}')")
            }
            1 => format!("UPDATE k SET v = CONCAT(v, '+'), n = n + 1, e = 'b' WHERE id = {id}"),
            2 => {
                next_id += 1;
                format!("UPDATE k SET id = {next_id} WHERE id = {id}")
            }
            3 => format!("DELETE FROM k WHERE id = {id}"),
            4 => format!(
                "BEGIN NOT ATOMIC START TRANSACTION; INSERT INTO nk VALUES ({}, 'y'); DELETE FROM nk WHERE a = {} LIMIT 1; \
                 UPDATE nk SET b = 'z' WHERE a = {} LIMIT 1; COMMIT; END",
                rng.below(10),
                rng.below(10),
                rng.below(10)
            ),
            5 => format!("UPDATE ck SET v = v + 1 WHERE a = {}", 1 + rng.below(2000)),
            6 => format!(
                "INSERT INTO ck VALUES ({}, 'w{n}', 1) ON DUPLICATE KEY UPDATE v = v + 1",
                1 + rng.below(3000)
            ),
            _ => format!("DELETE FROM ck WHERE a = {} LIMIT 1", 1 + rng.below(2000)),
        };
        run_retrying_deadlocks(&mut c, &sql).await;
        n += 1;
    }
    n
}

/// Two workloads on one table can deadlock on the source; InnoDB rolls the victim back whole,
/// so running it again is what an application would do.
async fn run_retrying_deadlocks(c: &mut mysql_async::Conn, sql: &str) {
    loop {
        match c.query_drop(sql).await {
            Err(mysql_async::Error::Server(e)) if e.code == 1213 => continue,
            r => return r.unwrap(),
        }
    }
}

fn toml(name: &str, src: &str, dst: &str, extra: &str) -> String {
    project_toml(
        name,
        ("mariadb", mariadb_port()),
        ("mariadb", second_port()),
        &format!("{src}.*"),
        dst,
        extra,
    )
    .replace(
        "[project]\n",
        "[project]\ntypes = [\"schema\", \"full\", \"incr\", \"verify\"]\n",
    )
}

async fn assert_equal(src: &str, dst: &str) {
    let mut s = connect(mariadb_port()).await;
    let mut d = connect(second_port()).await;
    for t in TABLES {
        assert_same_rows(&mut s, src, &mut d, dst, t).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workload_during_full_converges_after_incr_once() {
    let (src, dst, name) = (unique("iw_src"), unique("iw_dst"), unique("iw"));
    create(&src, 120_000).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml(
        &name,
        &src,
        &dst,
        "[full]\nchunk_rows = 5000\nconcurrency = 2\nmax_rows_per_sec = 60000\n",
    ));
    p.expect(&["precheck"], 0);
    p.expect(&["schema"], 0);
    let stop = Arc::new(AtomicBool::new(false));
    let w1 = tokio::spawn(workload(src.clone(), 7, stop.clone(), u64::MAX));
    let w2 = tokio::spawn(workload(src.clone(), 11, stop.clone(), u64::MAX));
    let full = tokio::task::spawn_blocking({
        let cmd = p.cmd(&["full", "-q"]);
        move || {
            let mut cmd = cmd;
            cmd.output().unwrap()
        }
    });
    let out = full.await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let txns = w1.await.unwrap() + w2.await.unwrap();
    assert!(txns > 100, "the workload ran only {txns} transactions");
    // Cross a binlog file boundary on the way.
    let mut c = connect(mariadb_port()).await;
    c.query_drop("FLUSH BINARY LOGS").await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    workload(src.clone(), 13, stop, 500).await;
    let out = p.expect(&["incr", "--once", "--json"], 0);
    assert!(stdout(&out).contains("\"transactions\""), "{}", stdout(&out));
    assert_equal(&src, &dst).await;
    p.expect(&["verify"], 0);
    // Again from cron: nothing new, still exit 0.
    p.expect(&["incr", "--once"], 0);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_incr_loses_and_duplicates_nothing() {
    let (src, dst, name) = (unique("ik_src"), unique("ik_dst"), unique("ik"));
    create(&src, 5_000).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml(&name, &src, &dst, "[incr]\nbatch_rows = 50\n"));
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let stop = Arc::new(AtomicBool::new(false));
    let n = workload(src.clone(), 3, stop.clone(), 6_000).await + workload(src.clone(), 5, stop, 3_000).await;
    assert_eq!(n, 9_000);
    let kills = p.kill_at_random_moments(&["incr", "-q"], 5, 150, 600);
    assert!(kills >= 3, "incr exited by itself");
    p.expect(&["incr", "--once"], 0);
    assert_equal(&src, &dst).await;
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

/// Keyed tables only (so that batches go to parallel workers), with a unique secondary key whose
/// values move between rows, and primary keys that change.
async fn keyed_workload(db: String, seed: u64, txns: u64) {
    let mut c = connect(mariadb_port()).await;
    c.query_drop(format!("USE `{db}`")).await.unwrap();
    let mut rng = Rng(seed | 1);
    let mut next_id = 10_000_000u64 + seed % 1000 * 100_000;
    for n in 0..txns {
        let id = 1 + rng.below(5000);
        let sql = match rng.below(7) {
            0 => {
                next_id += 1;
                format!(
                    "INSERT INTO u VALUES ({next_id}, {}, 'ins') ON DUPLICATE KEY UPDATE v = 'dup'",
                    100_000 + n
                )
            }
            1 => format!("UPDATE u SET v = CONCAT(v, '+') WHERE id = {id}"),
            2 => {
                next_id += 1;
                format!("UPDATE u SET id = {next_id} WHERE id = {id}")
            }
            3 => format!("DELETE FROM u WHERE id = {id}"),
            // A unique value moves from one row to another within one transaction.
            4 => format!(
                "BEGIN NOT ATOMIC START TRANSACTION; SET @x = (SELECT uq FROM u WHERE id = {id});                  UPDATE u SET uq = NULL WHERE id = {id}; UPDATE u SET uq = @x WHERE id = {} AND @x IS NOT NULL; COMMIT; END",
                1 + rng.below(5000)
            ),
            5 => format!("UPDATE ck SET v = v + 1 WHERE a = {}", 1 + rng.below(2000)),
            _ => format!("DELETE FROM ck WHERE a = {} LIMIT 1", 1 + rng.below(2000)),
        };
        run_retrying_deadlocks(&mut c, &sql).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_parallel_incr_loses_and_duplicates_nothing() {
    let (src, dst, name) = (unique("ip_src"), unique("ip_dst"), unique("ip"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE u (id INT PRIMARY KEY, uq INT NULL UNIQUE, v VARCHAR(400));\n\
             INSERT INTO u SELECT seq, seq, CONCAT('v', seq) FROM seq_1_to_5000;\n\
             CREATE TABLE ck (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b));\n\
             INSERT INTO ck SELECT seq, 'b', seq FROM seq_1_to_2000"
        ),
    )
    .await;
    drop_dbs(second_port(), &[&dst]).await;
    // on_conflict = "stop": a replay that is not idempotent where it has to be fails loudly.
    let p = Project::new(&toml(
        &name,
        &src,
        &dst,
        "[incr]\nbatch_rows = 1000\nworkers = 4\non_conflict = \"stop\"\n",
    ));
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let start = {
        let mut d = connect(second_port()).await;
        let p: Option<(String, u64)> = d
            .exec_first(
                "SELECT file, pos FROM omsctl_test.incr_position WHERE project = ?",
                (&name,),
            )
            .await
            .unwrap_or(None);
        p
    };
    let workers = [3u64, 5, 9].map(|seed| tokio::spawn(keyed_workload(src.clone(), seed, 8_000)));
    for w in workers {
        w.await.unwrap();
    }
    let kills = p.kill_at_random_moments(&["incr", "-q"], 6, 200, 700);
    assert!(kills >= 3, "incr exited by itself");
    p.expect(&["incr", "--once"], 0);
    let mut s = connect(mariadb_port()).await;
    let mut d = connect(second_port()).await;
    for t in ["u", "ck"] {
        assert_same_rows(&mut s, &src, &mut d, &dst, t).await;
    }
    let used: u64 = d
        .exec_first(
            "SELECT COUNT(DISTINCT worker) FROM omsctl_test.incr_workers WHERE project = ?",
            (&name,),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(used >= 2, "batches never went to parallel workers ({used})");

    // A run that stopped after the workers' commits but before the checkpoint's: put the
    // checkpoint back where incr started and one worker's high-water mark at the end, as if
    // everything since had been one parallel batch. The next run must replay that stretch
    // idempotently (unique values moved between rows included); with on_conflict = "stop", a
    // replay in normal mode would stop at the first duplicate key.
    let (file, pos): (String, u64) = d
        .exec_first(
            "SELECT file, pos FROM omsctl_test.incr_position WHERE project = ?",
            (&name,),
        )
        .await
        .unwrap()
        .unwrap();
    d.exec_drop(
        "REPLACE INTO omsctl_test.incr_workers (project, worker, file, pos) VALUES (?, 0, ?, ?)",
        (&name, file, pos),
    )
    .await
    .unwrap();
    match start {
        Some((file, pos)) => d
            .exec_drop(
                "UPDATE omsctl_test.incr_position SET file = ?, pos = ? WHERE project = ?",
                (file, pos, &name),
            )
            .await
            .unwrap(),
        None => d
            .exec_drop("DELETE FROM omsctl_test.incr_position WHERE project = ?", (&name,))
            .await
            .unwrap(),
    }
    p.expect(&["incr", "--once"], 0);
    for t in ["u", "ck"] {
        assert_same_rows(&mut s, &src, &mut d, &dst, t).await;
    }
    p.expect(&["verify"], 0);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ddl_is_replicated_and_unsupported_ddl_stops_until_skipped() {
    let (src, dst, name) = (unique("id_src"), unique("id_dst"), unique("id"));
    create(&src, 1_000).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml(&name, &src, &dst, ""));
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "USE `{src}`;\nINSERT INTO k (id, v) VALUES (900001, 'before ddl');\n\
             ALTER TABLE k ADD COLUMN added INT DEFAULT 5, ADD INDEX ix_v (v);\n\
             UPDATE k SET added = 9 WHERE id = 1;\n\
             ALTER TABLE k DROP COLUMN e;\n\
             CREATE TABLE fresh (id INT PRIMARY KEY, s VARCHAR(5));\n\
             INSERT INTO fresh VALUES (1, 'a'), (2, 'b');\n\
             RENAME TABLE fresh TO fresh2;\n\
             INSERT INTO fresh2 VALUES (3, 'c');\n\
             TRUNCATE TABLE ck;\n\
             INSERT INTO ck VALUES (1, 'after', 1);\n\
             CREATE VIEW vv AS SELECT id FROM k;\n\
             INSERT INTO nk VALUES (77, 'after view')"
        ),
    )
    .await;
    let out = p.expect(&["incr", "--once"], 3);
    assert!(
        stderr(&out).contains("VIEW `vv`") && stderr(&out).contains("--skip-ddl"),
        "{}",
        stderr(&out)
    );
    p.expect(&["incr", "--once", "--skip-ddl"], 0);
    assert_equal(&src, &dst).await;
    let mut s = connect(mariadb_port()).await;
    let mut d = connect(second_port()).await;
    assert_same_rows(&mut s, &src, &mut d, &dst, "fresh2").await;
    let cols = columns(&mut d, &dst, "k").await;
    assert!(
        cols.contains(&"added".to_string()) && !cols.contains(&"e".to_string()),
        "{cols:?}"
    );
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_position_the_source_no_longer_has_exits_5() {
    let (src, dst, name) = (unique("ip_src"), unique("ip_dst"), unique("ip"));
    create(&src, 10).await;
    drop_dbs(second_port(), &[&dst]).await;
    let t = toml(&name, &src, &dst, "[incr]\nstart_at = \"mysql-bin.999999:4\"\n").replace(
        "types = [\"schema\", \"full\", \"incr\", \"verify\"]",
        "types = [\"incr\"]",
    );
    let p = Project::new(&t);
    let out = p.expect(&["incr", "--once"], 5);
    assert!(
        stderr(&out).contains("re-copy") || stderr(&out).contains("copied again"),
        "{}",
        stderr(&out)
    );
    drop_dbs(mariadb_port(), &[&src]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_mode_reports_lag_and_stops_cleanly_on_sigint() {
    let (src, dst, name) = (unique("il_src"), unique("il_dst"), unique("il"));
    create(&src, 100).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml(&name, &src, &dst, ""));
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let child = p.cmd(&["incr", "-q"]).spawn().unwrap();
    let started = Instant::now();
    let mut c = connect(mariadb_port()).await;
    while started.elapsed() < Duration::from_secs(4) {
        c.query_drop(format!("UPDATE `{src}`.k SET v = 'live' WHERE id = 1"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let lag = j["incr"]["lag_ms"].as_u64().expect("lag measured");
    assert!(lag < 5_000, "lag {lag} ms on an almost idle source");
    assert!(j["incr"]["lag_age_ms"].as_u64().unwrap() < 10_000);
    let incr = j["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "incr")
        .unwrap()
        .clone();
    assert_eq!(incr["state"], "paused");
    let mut d = connect(second_port()).await;
    let v: Option<String> = d
        .query_first(format!("SELECT v FROM `{dst}`.k WHERE id = 1"))
        .await
        .unwrap();
    assert_eq!(v.as_deref(), Some("live"));
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn switchover_restores_deferred_objects_and_reverse_sync_flows_back_without_echo() {
    let (src, dst, name) = (unique("sw_src"), unique("sw_dst"), unique("sw"));
    create(&src, 2_000).await;
    drop_dbs(second_port(), &[&dst]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "USE `{src}`;\nCREATE TABLE par (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10));\n\
             INSERT INTO par (name) SELECT CONCAT('p', seq) FROM seq_1_to_50;\n\
             CREATE TABLE chd (id INT PRIMARY KEY, par_id INT, KEY kp (par_id), CONSTRAINT fk_par FOREIGN KEY (par_id) REFERENCES par (id));\n\
             INSERT INTO chd SELECT seq, 1 + seq % 50 FROM seq_1_to_100;\n\
             CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40));\n\
             CREATE TRIGGER par_ai AFTER INSERT ON par FOR EACH ROW INSERT INTO audit (note) VALUES (CONCAT('par ', NEW.id))"
        ),
    )
    .await;
    let t = toml(&name, &src, &dst, "").replace(
        "types = [\"schema\", \"full\", \"incr\", \"verify\"]",
        "types = [\"schema\", \"full\", \"incr\", \"verify\", \"reverse\"]",
    );
    let p = Project::new(&t);
    p.expect(&["run"], 0);
    let mut d = connect(second_port()).await;
    let fks = |db: String| {
        format!("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '{db}'")
    };
    let n: Option<u64> = d.query_first(fks(dst.clone())).await.unwrap();
    assert_eq!(n, Some(0), "foreign keys must wait for switchover while incr runs");
    // Live writes (the trigger fires on the source; its audit rows replicate, and the target
    // has no trigger yet, so they are not doubled).
    exec(
        &mut c,
        &format!("USE `{src}`;\nINSERT INTO par (name) VALUES ('late');\nUPDATE k SET v = 'late' WHERE id = 5"),
    )
    .await;
    let out = p
        .cmd(&["switchover", "--yes"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let steps = j["switchover"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    assert!(steps.iter().all(|s| s["state"] == "completed"), "{steps:?}");
    assert!(j["switchover"]["reverse_start"].is_object());
    let n: Option<u64> = d.query_first(fks(dst.clone())).await.unwrap();
    assert_eq!(n, Some(1), "switchover restores the foreign key");
    for t in ["k", "par", "chd", "audit"] {
        assert_same_rows(&mut c, &src, &mut d, &dst, t).await;
    }
    // The application now writes to the target; reverse sync carries it back.
    exec(
        &mut d,
        &format!(
            "USE `{dst}`;\nINSERT INTO par (name) VALUES ('on target');\nUPDATE k SET v = 'from target' WHERE id = 7;\n\
             DELETE FROM k WHERE id = 8;\nINSERT INTO nk VALUES (42, 'tgt')"
        ),
    )
    .await;
    let max_src: Option<i64> = c.query_first(format!("SELECT MAX(id) FROM `{src}`.par")).await.unwrap();
    let new_id: Option<i64> = d.query_first(format!("SELECT MAX(id) FROM `{dst}`.par")).await.unwrap();
    assert!(
        new_id > max_src.map(|m| m - 1),
        "auto-increment continues past the source's"
    );
    p.expect(&["reverse", "--once"], 0);
    for t in ["k", "nk", "par", "audit"] {
        assert_same_rows(&mut c, &src, &mut d, &dst, t).await;
    }
    // The source's trigger fired for the reversed insert, so audit differs by that row only if
    // the trigger ran twice; both sides must hold the same audit rows.
    // No echo: forward replay of the source's log skips what reverse sync wrote.
    let out = p.expect(&["incr", "--once", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(
        j["summary"]["transactions"], 0,
        "forward sync echoed reverse writes: {j}"
    );
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn incr_replays_a_workload_into_oceanbase() {
    let (src, dst, name) = (unique("iob_src"), unique("iob_dst"), unique("iob"));
    create(&src, 3_000).await;
    drop_dbs(seekdb_port(), &[&dst]).await;
    let t = project_toml(
        &name,
        ("mariadb", mariadb_port()),
        ("oceanbase", seekdb_port()),
        &format!("{src}.*"),
        &dst,
        "",
    )
    .replace(
        "[project]\n",
        "[project]\ntypes = [\"schema\", \"full\", \"incr\", \"verify\"]\n",
    );
    let p = Project::new(&t);
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let stop = Arc::new(AtomicBool::new(false));
    workload(src.clone(), 21, stop, 1_500).await;
    let mut c = connect(mariadb_port()).await;
    c.query_drop(format!("ALTER TABLE `{src}`.k ADD COLUMN note VARCHAR(20) DEFAULT 'n'"))
        .await
        .unwrap();
    c.query_drop(format!("UPDATE `{src}`.k SET note = 'after' WHERE id < 50"))
        .await
        .unwrap();
    p.expect(&["incr", "--once"], 0);
    p.expect(&["verify"], 0);
    let mut d = connect(seekdb_port()).await;
    for t in ["nk", "ck"] {
        assert_same_rows(&mut c, &src, &mut d, &dst, t).await;
    }
    let n: Option<u64> = d
        .query_first(format!("SELECT COUNT(*) FROM `{dst}`.k WHERE note = 'after'"))
        .await
        .unwrap();
    let m: Option<u64> = c
        .query_first(format!("SELECT COUNT(*) FROM `{src}`.k WHERE note = 'after'"))
        .await
        .unwrap();
    assert_eq!(n, m);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(seekdb_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_runs_beside_a_following_incr_and_rechecks_recent_changes() {
    let (src, dst, name) = (unique("iv_src"), unique("iv_dst"), unique("iv"));
    create(&src, 20_000).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml(&name, &src, &dst, "[verify]\nchunk_rows = 2000\n"));
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let mut follower = p.cmd(&["incr", "-q"]).spawn().unwrap();
    // A burst of changes the follower is still replaying while verify starts.
    let stop = Arc::new(AtomicBool::new(false));
    let burst = tokio::spawn(workload(src.clone(), 31, stop.clone(), 3_000));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let verify = tokio::task::spawn_blocking({
        let cmd = p.cmd(&["verify"]);
        move || {
            let mut cmd = cmd;
            cmd.output().unwrap()
        }
    });
    burst.await.unwrap();
    let out = verify.await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    // A second incr beside the follower is refused, not run twice.
    let out = p.expect(&["incr", "--once"], 3);
    assert!(stderr(&out).contains("incremental sync"), "{}", stderr(&out));
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &follower.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(follower.wait().unwrap().code(), Some(130));
    assert_equal(&src, &dst).await;
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

async fn master_position(c: &mut mysql_async::Conn) -> String {
    let row: mysql_async::Row = c.query_first("SHOW MASTER STATUS").await.unwrap().unwrap();
    let f: String = row.get(0).unwrap();
    let p: u64 = row.get(1).unwrap();
    format!("{f}:{p}")
}

/// `--until` ending exactly at a replicated DDL must stop there (it replayed the DDL, then
/// kept waiting forever).
#[tokio::test(flavor = "multi_thread")]
async fn until_a_position_right_after_a_ddl_stops_there() {
    let (src, dst, name) = (unique("iu_src"), unique("iu_dst"), unique("iu"));
    create(&src, 10).await;
    drop_dbs(second_port(), &[&dst]).await;
    let mut c = connect(mariadb_port()).await;
    let mut d = connect(second_port()).await;
    exec(&mut d, &format!("CREATE DATABASE `{dst}`")).await;
    exec(
        &mut d,
        &format!("CREATE TABLE `{dst}`.k (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT UNSIGNED, e ENUM('a','b'), t DATETIME(6), j JSON)"),
    )
    .await;
    let p0 = master_position(&mut c).await;
    c.query_drop(format!("INSERT INTO `{src}`.k (id, v) VALUES (424242, 'x')"))
        .await
        .unwrap();
    c.query_drop(format!("CREATE TABLE `{src}`.other (id INT PRIMARY KEY)"))
        .await
        .unwrap();
    let p1 = master_position(&mut c).await;
    let t = toml(
        &name,
        &src,
        &dst,
        &format!("[incr]\nstart_at = \"{p0}\"\nheartbeat = false\n"),
    )
    .replace(
        "types = [\"schema\", \"full\", \"incr\", \"verify\"]",
        "types = [\"incr\"]",
    );
    let p = Project::new(&t);
    let mut child = p.cmd(&["incr", "--until", &p1]).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.and_then(|s| s.code()), Some(0), "incr --until {p1} did not stop");
    let n: Option<u64> = d
        .query_first(format!("SELECT COUNT(*) FROM `{dst}`.k WHERE id = 424242"))
        .await
        .unwrap();
    assert_eq!(n, Some(1));
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

fn utc(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn start_at_and_until_accept_times() {
    let (src, dst, name) = (unique("it_src"), unique("it_dst"), unique("it"));
    create(&src, 10).await;
    drop_dbs(second_port(), &[&dst]).await;
    let mut d = connect(second_port()).await;
    exec(
        &mut d,
        &format!(
            "CREATE DATABASE `{dst}`;\nCREATE TABLE `{dst}`.k (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT UNSIGNED, e ENUM('a','b'), t DATETIME(6), j JSON)"
        ),
    )
    .await;
    let mut c = connect(mariadb_port()).await;
    // Binlog times have one-second resolution: keep the set-up DDL out of t0's second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t0 = std::time::SystemTime::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.query_drop(format!("INSERT INTO `{src}`.k (id, v) VALUES (1001, 'a')"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t1 = std::time::SystemTime::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.query_drop(format!("INSERT INTO `{src}`.k (id, v) VALUES (1002, 'b')"))
        .await
        .unwrap();
    let t = toml(
        &name,
        &src,
        &dst,
        &format!("[incr]\nstart_at = \"{}\"\nheartbeat = false\n", utc(t0)),
    )
    .replace(
        "types = [\"schema\", \"full\", \"incr\", \"verify\"]",
        "types = [\"incr\"]",
    );
    let p = Project::new(&t);
    p.expect(&["incr", "--until", &utc(t1)], 0);
    let ids: Vec<i32> = d.query(format!("SELECT id FROM `{dst}`.k ORDER BY id")).await.unwrap();
    assert_eq!(ids, vec![1001], "start_at/until by time");
    p.expect(&["incr", "--once"], 0);
    let ids: Vec<i32> = d.query(format!("SELECT id FROM `{dst}`.k ORDER BY id")).await.unwrap();
    assert_eq!(ids, vec![1001, 1002]);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

/// A copy killed and resumed while the source takes writes: the keyless table is copied by the
/// second run, from a later snapshot than the one replay starts at. Replay must leave out the
/// keyless table's changes that the later snapshot holds (it has no key to make a replayed
/// insert idempotent); keyed tables converge in safe mode.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_resumed_on_a_live_source_replays_each_keyless_row_exactly_once() {
    let (src, dst, name) = (unique("rk_src"), unique("rk_dst"), unique("rk"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40));\n\
             INSERT INTO big SELECT seq, CONCAT('v', seq) FROM seq_1_to_100000;\n\
             CREATE TABLE zk (a INT, b VARCHAR(20));\n\
             INSERT INTO zk SELECT seq % 100, 'copied' FROM seq_1_to_60000"
        ),
    )
    .await;
    drop_dbs(second_port(), &[&dst]).await;
    // 20,000 rows/s: the kill after 1.5 s comes before the 60,000-row keyless table (one
    // chunk, all or nothing) can have committed, whichever table the copy began with.
    let p = Project::new(&toml(
        &name,
        &src,
        &dst,
        "[full]\nchunk_rows = 2000\nconcurrency = 2\nmax_rows_per_sec = 20000\n",
    ));
    p.expect(&["schema"], 0);
    p.kill_after(&["full", "-q"], 1500);
    exec(
        &mut c,
        &format!(
            "INSERT INTO `{src}`.zk SELECT seq % 7, 'between' FROM seq_1_to_100;\n\
             DELETE FROM `{src}`.zk WHERE a = 3 AND b = 'copied' LIMIT 5;\n\
             UPDATE `{src}`.big SET v = 'changed' WHERE id % 1000 = 0;\n\
             DELETE FROM `{src}`.big WHERE id % 999 = 0"
        ),
    )
    .await;
    p.expect(&["full"], 0);
    exec(&mut c, &format!("INSERT INTO `{src}`.zk VALUES (1, 'after')")).await;
    p.expect(&["incr", "--once"], 0);
    let mut d = connect(second_port()).await;
    for t in ["big", "zk"] {
        assert_same_rows(&mut c, &src, &mut d, &dst, t).await;
    }
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}
