//! MariaDB → MariaDB end to end: every type, keys of every shape, filters, renames, verify
//! finding and repairing a single changed byte.

use crate::support::*;
use mysql_async::prelude::*;

/// Every MySQL type with edge values (NULL in every column, extremes, zero dates, negative
/// TIME, 4-byte UTF-8, NUL and 0xFF bytes, empty strings, a multi-megabyte LOB).
pub const TYPES_DDL: &str = r#"
CREATE TABLE types (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED,
  d65 DECIMAL(65,30), d10 DECIMAL(10,2) UNSIGNED, f FLOAT, dbl DOUBLE,
  b1 BIT(1), b64 BIT(64),
  c CHAR(10), vc VARCHAR(255), lat VARCHAR(50) CHARACTER SET latin1, t TEXT, mt MEDIUMTEXT,
  bn BINARY(4), vb VARBINARY(64), bl BLOB, lb LONGBLOB,
  dt DATE, dtm DATETIME, dt6 DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME, tm6 TIME(6), y YEAR,
  j JSON, e ENUM('a','b','c d'), s SET('x','y','z'), g POINT NULL,
  gen BIGINT AS (i + 1) VIRTUAL
) DEFAULT CHARSET=utf8mb4;
INSERT INTO types (id) VALUES (1);
INSERT INTO types VALUES (2, -128, 255, -32768, 16777215, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615,
  '-99999999999999999999999999999999999.999999999999999999999999999999', 99999999.99, -3.40282e38, -1.7976931348623157e308,
  b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
  '', '', '', '', '',
  X'00000000', X'', X'', X'',
  '0000-00-00', '0000-00-00 00:00:00', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59', '-00:00:00.000001', 1901,
  '{}', 'a', '', NULL, DEFAULT);
INSERT INTO types VALUES (3, 127, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0,
  '99999999999999999999999999999999999.999999999999999999999999999999', 0, 3.14159, 2.718281828459045,
  b'0', b'1000000000000000000000000000000000000000000000000000000000000001',
  'ünïcödé', 'emoji 😀🚀 𝄞 and tab\tnewline\nquote\' backslash\\', 'café Ørsted', 'Ωmega', REPEAT('x', 70000),
  X'00FF00FF', X'00FF0A0D5C27', X'0001027F80FEFF', X'00',
  '9999-12-31', '9999-12-31 23:59:59', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59', '12:34:56.789012', 2155,
  '{"b": [1, 2.5, "x"], "a": {"n": null, "t": true}}', 'c d', 'x,z', ST_GeomFromText('POINT(1.5 -2.25)'), DEFAULT);
INSERT INTO types (id, lb, mt) VALUES (4, REPEAT(X'00FF', 1500000), REPEAT('長', 400000))
"#;

pub const SHAPES_DDL: &str = r#"
CREATE TABLE nokey (a INT, b VARCHAR(10));
INSERT INTO nokey VALUES (1, 'dup'), (1, 'dup'), (1, 'dup'), (2, NULL), (NULL, NULL), (NULL, NULL);
CREATE TABLE composite (a INT NOT NULL, b VARCHAR(20) NOT NULL, c DATETIME NOT NULL, v INT, PRIMARY KEY (a, b, c));
INSERT INTO composite SELECT seq % 7, CONCAT('k', seq % 13), '2024-01-01' + INTERVAL seq MINUTE, seq FROM seq_1_to_5000;
CREATE TABLE strkey (k VARCHAR(40) NOT NULL PRIMARY KEY, v INT);
INSERT INTO strkey SELECT CONCAT(CHAR(65 + seq % 26), '-', seq), seq FROM seq_1_to_3000;
CREATE TABLE uniq_only (u BIGINT NOT NULL, w VARCHAR(5), UNIQUE KEY uu (u));
INSERT INTO uniq_only SELECT seq * 1000003, 'w' FROM seq_1_to_2500;
CREATE TABLE sparse (id BIGINT NOT NULL PRIMARY KEY, v INT);
INSERT INTO sparse VALUES (-9223372036854775808, 1), (0, 2), (1, 3), (9223372036854775807, 4);
INSERT INTO sparse SELECT seq * 1000000007, seq FROM seq_1_to_1000;
CREATE TABLE `select` (`from` INT NOT NULL PRIMARY KEY, `na``me` VARCHAR(10), `列` VARCHAR(10));
INSERT INTO `select` VALUES (1, 'x', 'データ'), (2, NULL, '');
CREATE TABLE `表` (id INT PRIMARY KEY, `值` VARCHAR(10)) DEFAULT CHARSET=utf8mb4;
INSERT INTO `表` VALUES (1, '一'), (2, '二');
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20), CHECK (id > 0));
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_100;
CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, KEY kp (parent_id), FOREIGN KEY fk_parent (parent_id) REFERENCES parent (id));
INSERT INTO child SELECT seq, 1 + seq % 100 FROM seq_1_to_500;
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(50));
CREATE TRIGGER parent_ai AFTER INSERT ON parent FOR EACH ROW INSERT INTO audit (note) VALUES (CONCAT('new ', NEW.id));
CREATE VIEW v_children AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id
"#;

pub const ALL_TABLES: [&str; 12] = [
    "types",
    "nokey",
    "composite",
    "strkey",
    "uniq_only",
    "sparse",
    "select",
    "表",
    "parent",
    "child",
    "audit",
    "big",
];

pub async fn create_source(db: &str, big_rows: u32) {
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!("DROP DATABASE IF EXISTS `{db}`;\nCREATE DATABASE `{db}`;\nUSE `{db}`"),
    )
    .await;
    exec(&mut c, TYPES_DDL).await;
    exec(&mut c, SHAPES_DDL).await;
    exec(
        &mut c,
        &format!(
            "CREATE TABLE big (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, k INT, s VARCHAR(64), d DECIMAL(12,2), ts DATETIME(6), KEY kk (k));\n\
             INSERT INTO big SELECT seq, seq % 1000, CONCAT('row-', seq, '-é'), seq / 100, '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_{big_rows}"
        ),
    )
    .await;
}

pub async fn drop_dbs(port: u16, dbs: &[&str]) {
    let mut c = connect(port).await;
    for d in dbs {
        c.query_drop(format!("DROP DATABASE IF EXISTS `{d}`")).await.ok();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_to_mariadb_copies_every_type_and_shape_and_verifies_equal() {
    let src = unique("m2m_src");
    let dst = unique("m2m_dst");
    create_source(&src, 30_000).await;
    drop_dbs(mariadb_port(), &[&dst]).await;
    let toml = project_toml(
        &unique("m2m"),
        ("mariadb", mariadb_port()),
        ("mariadb", mariadb_port()),
        &format!("{src}.*"),
        &dst,
        "[full]\nchunk_rows = 1000\nconcurrency = 3\n[verify]\nchunk_rows = 2000\n",
    );
    let p = Project::new(&toml);
    let out = p.expect(&["run"], 0);
    assert!(stdout(&out).contains("every stage completed"), "{}", stdout(&out));

    let mut s = connect(mariadb_port()).await;
    let mut d = connect(mariadb_port()).await;
    for t in ALL_TABLES {
        assert_same_rows(&mut s, &src, &mut d, &dst, t).await;
    }
    // The trigger, foreign key, CHECK constraint, secondary index and view exist on the target.
    let n: Option<u64> = mysql_async::prelude::Queryable::exec_first(
        &mut d,
        "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
        (&dst,),
    )
    .await
    .unwrap();
    assert_eq!(n, Some(1));
    let n: Option<u64> = mysql_async::prelude::Queryable::exec_first(
        &mut d,
        "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?",
        (&dst,),
    )
    .await
    .unwrap();
    assert_eq!(n, Some(1));
    let v: Vec<(i32, String)> = mysql_async::prelude::Queryable::query(
        &mut d,
        format!("SELECT id, name FROM `{dst}`.v_children ORDER BY id LIMIT 2"),
    )
    .await
    .unwrap();
    assert_eq!(v, vec![(1, "p2".to_string()), (2, "p3".to_string())]);

    // status --json: one object with every stage completed and per-table progress.
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let states: Vec<&str> = j["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["completed"; 4]);
    assert_eq!(j["tables"].as_array().unwrap().len(), ALL_TABLES.len());
    assert!(
        j["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["verify"]["equal"] == true)
    );

    // A single changed byte in a LOB is found, reported by key, and repaired.
    mysql_async::prelude::Queryable::query_drop(
        &mut d,
        format!("UPDATE `{dst}`.types SET lb = INSERT(lb, 1000000, 1, X'01') WHERE id = 4"),
    )
    .await
    .unwrap();
    mysql_async::prelude::Queryable::query_drop(&mut d, format!("DELETE FROM `{dst}`.nokey WHERE a = 1 LIMIT 1"))
        .await
        .unwrap();
    let out = p.expect(&["verify"], 1);
    assert!(stdout(&out).contains("DIFFERENT"), "{}", stdout(&out));
    let diff = std::fs::read_to_string(p.state_dir(&unique("m2m")).join("verify/diff.jsonl")).unwrap();
    assert!(
        diff.contains("\"different\"") && diff.contains("\"key\":[\"4\"]"),
        "{diff}"
    );
    assert!(diff.contains("\"missing\""), "{diff}");
    let repair = std::fs::read_to_string(p.state_dir(&unique("m2m")).join("verify/repair.sql")).unwrap();
    assert!(
        repair.contains("REPLACE INTO") && repair.contains("INSERT INTO"),
        "{repair}"
    );
    p.expect(&["verify", "--only-inconsistent"], 1);
    p.expect(&["verify", "--repair"], 0);
    p.expect(&["verify"], 0);
    for t in ["types", "nokey"] {
        assert_same_rows(&mut s, &src, &mut d, &dst, t).await;
    }
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn row_filters_column_exclusion_and_renames_apply_to_full_and_verify() {
    let src = unique("filt_src");
    let dst = unique("filt_dst");
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "CREATE DATABASE `{src}`;\nUSE `{src}`;\nCREATE TABLE `{src}`.orders (id INT PRIMARY KEY, created DATE, debug_blob BLOB, total INT);\n\
             INSERT INTO `{src}`.orders SELECT seq, '2023-06-01' + INTERVAL seq DAY, REPEAT('x', 100), seq FROM seq_1_to_1000;\n\
             CREATE TABLE `{src}`.tmp_scratch (id INT PRIMARY KEY)"
        ),
    )
    .await;
    let extra = format!(
        "[tables.\"{src}.orders\"]\nwhere = \"created >= '2024-01-01'\"\nexclude_columns = [\"debug_blob\"]\nrename = \"orders_2024\"\n"
    );
    let mut toml = project_toml(
        &unique("filt"),
        ("mariadb", mariadb_port()),
        ("mariadb", mariadb_port()),
        &format!("{src}.*"),
        &dst,
        &extra,
    );
    toml = toml.replace(
        &format!("include = \"{src}.*\""),
        &format!("include = \"{src}.*\"\nexclude = [\"{src}.tmp_*\"]"),
    );
    let p = Project::new(&toml);
    p.expect(&["run"], 0);
    let n: Option<u64> =
        mysql_async::prelude::Queryable::query_first(&mut c, format!("SELECT COUNT(*) FROM `{dst}`.orders_2024"))
            .await
            .unwrap();
    let want: Option<u64> = mysql_async::prelude::Queryable::query_first(
        &mut c,
        format!("SELECT COUNT(*) FROM `{src}`.orders WHERE created >= '2024-01-01'"),
    )
    .await
    .unwrap();
    assert_eq!(n, want);
    assert_eq!(
        columns(&mut c, &dst, "orders_2024").await,
        vec!["id", "created", "total"]
    );
    assert!(
        columns(&mut c, &dst, "tmp_scratch").await.is_empty(),
        "excluded table was created"
    );
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_empty_target_stops_the_copy_unless_conflicts_are_ignored() {
    let src = unique("ne_src");
    let dst = unique("ne_dst");
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "CREATE DATABASE `{src}`;\nUSE `{src}`;\nCREATE TABLE `{src}`.t (id INT PRIMARY KEY, v VARCHAR(10));\n\
             INSERT INTO `{src}`.t SELECT seq, 'src' FROM seq_1_to_100;\n\
             CREATE DATABASE `{dst}`;\nCREATE TABLE `{dst}`.t (id INT PRIMARY KEY, v VARCHAR(10));\n\
             INSERT INTO `{dst}`.t VALUES (5, 'kept'), (500, 'extra')"
        ),
    )
    .await;
    let name = unique("ne");
    let base = mariadb_pair(&name, &src, &dst, "");
    let stop = Project::new(&base.replace("[project]\n", "[project]\ntypes = [\"full\"]\n"));
    let out = stop.expect(&["precheck"], 1);
    assert!(stdout(&out).contains("target tables holding rows"), "{}", stdout(&out));
    let out = stop.expect(&["full"], 3);
    assert!(stderr(&out).contains("on_nonempty_target"), "{}", stderr(&out));

    let ignore = Project::new(
        &(base.replace("[project]\n", "[project]\ntypes = [\"full\"]\n") + "[full]\non_nonempty_target = \"ignore\"\n"),
    );
    ignore.expect(&["full"], 0);
    let v: Option<String> =
        mysql_async::prelude::Queryable::query_first(&mut c, format!("SELECT v FROM `{dst}`.t WHERE id = 5"))
            .await
            .unwrap();
    assert_eq!(v.as_deref(), Some("kept"));
    let n: Option<u64> =
        mysql_async::prelude::Queryable::query_first(&mut c, format!("SELECT COUNT(*) FROM `{dst}`.t"))
            .await
            .unwrap();
    assert_eq!(n, Some(101));
    let conflicts = std::fs::read_to_string(ignore.state_dir(&name).join("full-conflicts.jsonl")).unwrap();
    assert!(conflicts.contains("\"key\":[\"5\"]"), "{conflicts}");
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_row_rate_limit_slows_the_copy_down() {
    let src = unique("rate_src");
    let dst = unique("rate_dst");
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!("CREATE DATABASE `{src}`;\nUSE `{src}`;\nCREATE TABLE `{src}`.t (id INT PRIMARY KEY);\nINSERT INTO `{src}`.t SELECT seq FROM seq_1_to_6000"),
    )
    .await;
    let toml = project_toml(
        &unique("rate"),
        ("mariadb", mariadb_port()),
        ("mariadb", mariadb_port()),
        &format!("{src}.*"),
        &dst,
        "[full]\nmax_rows_per_sec = 2000\nchunk_rows = 500\nbatch_rows = 100\n",
    );
    let p = Project::new(&toml);
    p.expect(&["schema"], 0);
    let t = std::time::Instant::now();
    p.expect(&["full"], 0);
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(2500),
        "6000 rows at 2000 rows/s took {:?}",
        t.elapsed()
    );
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

/// The binlog position of the server now.
async fn binlog_now(c: &mut mysql_async::Conn) -> (String, u64) {
    let r: mysql_async::Row = c.query_first("SHOW MASTER STATUS").await.unwrap().unwrap();
    (r.get(0).unwrap(), r.get(1).unwrap())
}

/// Whether the binlog from `from` on has a table map naming a table of database `db`.
async fn binlog_mentions(c: &mut mysql_async::Conn, from: &(String, u64), db: &str) -> bool {
    let events: Vec<mysql_async::Row> = c
        .query(format!("SHOW BINLOG EVENTS IN '{}' FROM {}", from.0, from.1))
        .await
        .unwrap();
    events.iter().any(|e| {
        let info: String = e.get("Info").unwrap_or_default();
        info.contains(&format!("({db}."))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn with_target_binlog_off_the_copied_rows_stay_out_of_the_targets_binlog() {
    let (src, on, off) = (unique("tbl_src"), unique("tbl_on"), unique("tbl_off"));
    drop_dbs(mariadb_port(), &[&src, &on, &off]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "CREATE DATABASE `{src}`;\nUSE `{src}`;\nCREATE TABLE `{src}`.t (id INT PRIMARY KEY, v VARCHAR(20));\n\
             INSERT INTO `{src}`.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000"
        ),
    )
    .await;
    for (dst, binlog) in [(&on, true), (&off, false)] {
        let p = Project::new(&mariadb_pair(
            &unique(if binlog { "tbl_p_on" } else { "tbl_p_off" }),
            &src,
            dst,
            &format!("[full]\nchunk_rows = 1000\ntarget_binlog = {binlog}\n"),
        ));
        p.expect(&["schema"], 0);
        let from = binlog_now(&mut c).await;
        p.expect(&["full"], 0);
        p.expect(&["verify"], 0);
        assert_eq!(
            binlog_mentions(&mut c, &from, dst).await,
            binlog,
            "target_binlog = {binlog}: rows of {dst} in the binlog"
        );
    }
    drop_dbs(mariadb_port(), &[&src, &on, &off]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn load_data_and_insert_write_methods_copy_every_type_exactly_too() {
    // MariaDB targets use bulk execute by default (the test above); LOAD DATA is what MySQL
    // targets get, INSERT what OceanBase and TiDB get: both run here against MariaDB.
    let src = unique("wm_src");
    create_source(&src, 5_000).await;
    for method in ["load_data", "insert"] {
        let dst = unique(&format!("wm_dst_{method}"));
        drop_dbs(mariadb_port(), &[&dst]).await;
        let p = Project::new(&mariadb_pair(
            &unique(&format!("wm_{method}")),
            &src,
            &dst,
            &format!("[full]\nchunk_rows = 1000\nwrite_method = \"{method}\"\n"),
        ));
        // LOAD DATA LOCAL needs local_infile on the target; precheck says whether it is on.
        let out = stdout(&p.expect(&["precheck", "--json"], 0));
        let checked = out.contains("\"target.local_infile\"");
        assert_eq!(checked, method == "load_data", "{out}");
        p.expect(&["schema"], 0);
        p.expect(&["full"], 0);
        p.expect(&["verify"], 0);
        let mut s = connect(mariadb_port()).await;
        let mut d = connect(mariadb_port()).await;
        for t in ALL_TABLES {
            assert_same_rows(&mut s, &src, &mut d, &dst, t).await;
        }
        drop_dbs(mariadb_port(), &[&dst]).await;
    }
    drop_dbs(mariadb_port(), &[&src]).await;
}

/// verify against a target table that lacks most of its rows keeps at most
/// `[verify] max_diff_rows` of them (memory stays bounded), still counts all, says so, and each
/// `--repair` mends the rows it kept until the tables are equal.
#[tokio::test(flavor = "multi_thread")]
async fn verify_keeps_at_most_max_diff_rows_per_table_and_still_counts_every_difference() {
    let (src, dst, name) = (unique("vcap_src"), unique("vcap_dst"), unique("vcap"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE `{src}`.t (id INT PRIMARY KEY, v VARCHAR(20));\n\
             INSERT INTO `{src}`.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_5000"
        ),
    )
    .await;
    drop_dbs(mariadb_port(), &[&dst]).await;
    let p = Project::new(&mariadb_pair(
        &name,
        &src,
        &dst,
        "[verify]\nchunk_rows = 1000\nmax_diff_rows = 1000\n",
    ));
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    exec(
        &mut c,
        &format!("DELETE FROM `{dst}`.t WHERE id > 2000;\nUPDATE `{dst}`.t SET v = 'changed' WHERE id <= 500"),
    )
    .await;
    let summary = |out: &std::process::Output| -> serde_json::Value {
        let line = stdout(out)
            .lines()
            .find(|l| l.contains("\"type\":\"result\""))
            .map(str::to_string);
        let j: serde_json::Value = serde_json::from_str(&line.expect("a result object")).unwrap();
        j["summary"]["tables"][0].clone()
    };
    let out = p.expect(&["verify", "--json"], 1);
    let t = summary(&out);
    assert_eq!(
        (t["missing"].as_u64(), t["different"].as_u64()),
        (Some(3000), Some(500)),
        "{t}"
    );
    assert_eq!(t["unlisted"].as_u64(), Some(2500), "{t}");
    let repair = std::fs::read_to_string(p.state_dir(&name).join("verify/repair.sql")).unwrap();
    assert!(repair.contains("2500 more differing rows were counted"), "{repair}");
    let out = p.run(&["verify"]);
    assert!(stderr(&out).contains("max_diff_rows") || stdout(&out).contains("max_diff_rows"));
    // Each repair mends the 1,000 rows it kept; the recheck after it counts the rest.
    let mut rounds = 0;
    while p.run(&["verify", "--repair"]).status.code() != Some(0) {
        rounds += 1;
        assert!(rounds < 5, "repair made no progress");
    }
    assert_eq!(rounds, 3, "3,500 differences at 1,000 per repair");
    p.expect(&["verify"], 0);
    assert_same_rows(&mut c, &src, &mut connect(mariadb_port()).await, &dst, "t").await;
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

/// `[full] chunk_bytes` cuts a table of wide rows into chunks of about that many bytes, fewer
/// rows than `chunk_rows`, and the copy stays exact.
#[tokio::test(flavor = "multi_thread")]
async fn chunk_bytes_gives_a_table_of_wide_rows_smaller_chunks() {
    let (src, dst, name) = (unique("cb_src"), unique("cb_dst"), unique("cb"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE w (id INT PRIMARY KEY, body LONGTEXT);\n\
             INSERT INTO w SELECT seq, REPEAT(CHAR(65 + seq % 26), 100000) FROM seq_1_to_60;\n\
             ANALYZE TABLE w"
        ),
    )
    .await;
    drop_dbs(mariadb_port(), &[&dst]).await;
    let chunks = |bytes: u64| {
        let p = Project::new(&mariadb_pair(
            &format!("{name}_{bytes}"),
            &src,
            &format!("{dst}_{bytes}"),
            &format!("[full]\nchunk_rows = 1000\nchunk_bytes = {bytes}\n"),
        ));
        p.expect(&["schema"], 0);
        p.expect(&["full"], 0);
        let out = p.expect(&["status", "--json"], 0);
        let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        j["tables"][0]["chunks_total"].as_u64().unwrap()
    };
    // 60 rows of 100 kB: one chunk at the default 32 MiB, at least six at 1 MiB.
    assert_eq!(chunks(32 << 20), 1);
    assert!(chunks(1 << 20) >= 6);
    for bytes in [32u64 << 20, 1 << 20] {
        let d = format!("{dst}_{bytes}");
        assert_same_rows(&mut c, &src, &mut connect(mariadb_port()).await, &d, "w").await;
        drop_dbs(mariadb_port(), &[&d]).await;
    }
    drop_dbs(mariadb_port(), &[&src]).await;
}
