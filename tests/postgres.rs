//! PostgreSQL as source and target: Sakila MariaDB → PostgreSQL, Pagila PostgreSQL → MariaDB and
//! PostgreSQL → PostgreSQL, a PostgreSQL type torture table, and verify finding one changed byte.

use crate::copy::drop_dbs;
use crate::incr::second_port;
use crate::oceanbase::ensure_sakila;
use crate::support::*;
use mysql_async::prelude::*;

pub fn pg_port() -> u16 {
    port_from_env("OMSCTL_TEST_PG_PORT", 5432)
}

pub async fn pg(db: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={} user=root dbname={db}", pg_port()),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap_or_else(|e| panic!("connect to postgres {db}: {e}"));
    tokio::spawn(conn);
    c
}

/// An empty database `db` (dropped first if a run left it), and a client on it.
pub async fn new_pg(db: &str) -> tokio_postgres::Client {
    drop_pg(db).await;
    pg("postgres")
        .await
        .batch_execute(&format!("CREATE DATABASE \"{db}\""))
        .await
        .unwrap();
    pg(db).await
}

pub async fn drop_pg(db: &str) {
    // A replication slot left by a failed run would keep the database from being dropped.
    let c = pg("postgres").await;
    c.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1",
        &[&db],
    )
    .await
    .unwrap();
    c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
        .await
        .unwrap();
}

/// Loads the Pagila corpus into PostgreSQL (corpus_pagila) when it is not there yet.
fn ensure_pagila() {
    let probe = [
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "root",
        "-d",
        "corpus_pagila",
        "-Atc",
        "SELECT count(*) FROM rental",
    ];
    ensure_corpus("pagila", &probe);
}

fn toml(name: &str, src: (&str, u16), dst: (&str, u16), include: &str, target_db: &str) -> String {
    toml_types(name, src, dst, include, target_db, "\"schema\", \"full\", \"verify\"")
}

/// A project of the given `project.types` (their TOML list items).
fn toml_types(name: &str, src: (&str, u16), dst: (&str, u16), include: &str, target_db: &str, types: &str) -> String {
    project_toml(name, src, dst, include, target_db, "")
        .replace("[project]\n", &format!("[project]\ntypes = [{types}]\n"))
}

const PAGILA_TABLES: [(&str, i64); 6] = [
    ("actor", 200),
    ("film", 1000),
    ("payment", 16049),
    ("rental", 16044),
    ("staff", 1500),
    ("film_category", 2367),
];

#[tokio::test(flavor = "multi_thread")]
async fn sakila_moves_from_mariadb_to_postgres_and_verify_finds_one_changed_byte() {
    ensure_sakila();
    let (dst, name) = (unique("sakila_pg"), unique("my2pg"));
    drop_pg(&dst).await;
    let p = Project::new(&toml(
        &name,
        ("mariadb", mariadb_port()),
        ("postgres", pg_port()),
        "corpus_sakila.*",
        &dst,
    ));
    p.expect(&["run"], 0);
    let c = pg(&dst).await;
    let n: i64 = c
        .query_one("SELECT count(*) FROM public.rental", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 16044);
    // Identity counters continue after the copied ids.
    let id: i32 = c
        .query_one(
            "INSERT INTO public.actor (first_name, last_name) VALUES ('NEW', 'ACTOR') RETURNING actor_id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(id, 201);
    c.batch_execute("DELETE FROM public.actor WHERE actor_id = 201")
        .await
        .unwrap();
    // One byte changed on the target: found, located by key, repaired.
    c.batch_execute(
        "UPDATE public.film SET description = overlay(description placing 'x' from 5 for 1) WHERE film_id = 42",
    )
    .await
    .unwrap();
    let out = p.expect(&["verify"], 1);
    // The terminal shows where to look, not only counts.
    let shown = format!("{}{}", stdout(&out), stderr(&out));
    assert!(shown.contains("corpus_sakila.film: different [\"42\"]"), "{shown}");
    let diff = std::fs::read_to_string(p.state_dir(&name).join("verify/diff.jsonl")).unwrap();
    assert!(diff.contains("corpus_sakila.film") && diff.contains("42"), "{diff}");
    assert_eq!(diff.lines().count(), 1, "{diff}");
    p.expect(&["verify", "--repair"], 0);
    p.expect(&["verify"], 0);
    drop_pg(&dst).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pagila_moves_from_postgres_to_mariadb_and_verifies_equal() {
    ensure_pagila();
    let (dst, name) = (unique("pagila_my"), unique("pg2my"));
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml(
        &name,
        ("postgres", pg_port()),
        ("mariadb", second_port()),
        "corpus_pagila.public.*",
        &dst,
    ));
    p.expect(&["run"], 0);
    let mut m = connect(second_port()).await;
    for (t, rows) in PAGILA_TABLES {
        let n: Option<i64> = m
            .query_first(format!("SELECT COUNT(*) FROM `{dst}`.`{t}`"))
            .await
            .unwrap();
        assert_eq!(n, Some(rows), "{t}");
    }
    let ty: Option<String> = m
        .query_first(format!(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{dst}' AND TABLE_NAME = 'film' AND COLUMN_NAME = 'rating'"
        ))
        .await
        .unwrap();
    assert_eq!(ty.as_deref(), Some("enum('G','PG','PG-13','R','NC-17')"));
    // What could not be converted is in the report, not silently dropped.
    let report = std::fs::read_to_string(p.state_dir(&name).join("schema/report.md")).unwrap();
    assert!(report.contains("trigger") && report.contains("view"), "{report}");
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pagila_and_a_type_torture_table_move_between_postgres_databases() {
    ensure_pagila();
    let (src, dst, name) = (unique("pgt_src"), unique("pgt_dst"), unique("pg2pg"));
    drop_pg(&dst).await;
    let s = new_pg(&src).await;
    s.batch_execute(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
         CREATE TABLE torture (
           id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
           n numeric, np numeric(12,2), r real, d double precision, b boolean, t text, vc varchar(10), c char(3),
           by bytea, ts timestamp(6), tz timestamptz, dt date, tm time, iv interval, u uuid, j json, jb jsonb,
           arr int[], m mood, bits bit(5), vb varbit(8), ip inet, mo money);
         INSERT INTO torture (n, np, r, d, b, t, vc, c, by, ts, tz, dt, tm, iv, u, j, jb, arr, m, bits, vb, ip, mo) VALUES
           (repeat('9', 1000)::numeric, -1234567890.12, 'NaN', 'Infinity', true, E'tab\\there\\nnew ''q'' \\\\ é 😀', 'ten chars!', 'ab',
            '\\x00ff0a5c', '2024-02-29 23:59:59.123456', '2024-03-31 01:30:00+00', '0001-01-01', '24:00:00', '1 year 2 days 03:04:05',
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"b\": 1,  \"a\": [1, 2]}', '{\"b\": 1, \"a\": null}', '{1,NULL,3}', 'happy',
            B'10101', B'101', '192.168.0.1/24', 12.34),
           ('NaN', 0, '-Infinity', -0.0, false, '', '', '', '', '1970-01-01 00:00:00', '2024-10-27 02:30:00+02', '2024-02-29', '00:00:00',
            '-1 day', '00000000-0000-0000-0000-000000000000', '[]', '{}', '{}', 'sad', B'00000', B'', '::1', -0.01),
           (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
         INSERT INTO torture (t, by) SELECT repeat('large toast ', 400000), decode(repeat('ab', 1000000), 'hex');
         CREATE TABLE nokey (a int, b text);
         INSERT INTO nokey VALUES (1, 'x'), (1, 'x'), (2, NULL);",
    )
    .await
    .unwrap();
    // Pagila from its own database, the torture table from this one: two projects.
    let p = Project::new(&toml(
        &name,
        ("postgres", pg_port()),
        ("postgres", pg_port()),
        &format!("{src}.public.*"),
        &dst,
    ));
    p.expect(&["run"], 0);
    let d = pg(&dst).await;
    let text = |c: &'static str| format!("SELECT string_agg(({c})::text, '|' ORDER BY id) FROM public.torture");
    for col in [
        "n", "np", "r", "d", "t", "by", "ts", "tz", "iv", "jb", "arr", "m", "bits", "vb", "ip", "mo", "md5(t)",
    ] {
        let a: Option<String> = s.query_one(&text(col), &[]).await.unwrap().get(0);
        let b: Option<String> = d.query_one(&text(col), &[]).await.unwrap().get(0);
        assert_eq!(a, b, "column {col}");
    }
    let n: i64 = d
        .query_one("SELECT count(*) FROM public.nokey", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 3);
    // The primary key was built after the copy, and is there.
    let pk: i64 = d
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.torture'::regclass AND contype = 'p'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(pk, 1, "primary key of torture on the target");
    // One changed byte in the 5 MB value is found.
    d.batch_execute("UPDATE public.torture SET t = overlay(t placing 'X' from 2000000 for 1) WHERE id = 4")
        .await
        .unwrap();
    p.expect(&["verify"], 1);
    p.expect(&["verify", "--repair"], 0);

    let (pdst, pname) = (unique("pagila_copy"), unique("pagila2pg"));
    drop_pg(&pdst).await;
    let q = Project::new(&toml(
        &pname,
        ("postgres", pg_port()),
        ("postgres", pg_port()),
        "corpus_pagila.public.*",
        &pdst,
    ));
    q.expect(&["run"], 0);
    let c = pg(&pdst).await;
    for (t, rows) in PAGILA_TABLES {
        let n: i64 = c
            .query_one(&format!("SELECT count(*) FROM public.{t}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, rows, "{t}");
    }
    drop(s);
    drop(d);
    drop(c);
    drop_pg(&src).await;
    drop_pg(&dst).await;
    drop_pg(&pdst).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_full_into_postgres_then_rerun_gives_an_exact_copy() {
    let (src, dst, name) = (unique("pgk_src"), unique("pgk_dst"), unique("pgkill"));
    drop_pg(&dst).await;
    let s = new_pg(&src).await;
    s.batch_execute(
        "CREATE TABLE big (id int PRIMARY KEY, k text NOT NULL, v numeric(12,2), t timestamptz);
         INSERT INTO big SELECT g, 'k' || g, g / 7.0, '2024-01-01'::timestamptz + g * interval '1 minute'
           FROM generate_series(1, 500000) g;
         CREATE TABLE nokey (a int, b text);
         INSERT INTO nokey SELECT g % 50, 'dup' FROM generate_series(1, 20000) g;",
    )
    .await
    .unwrap();
    let p = Project::new(
        &toml(
            &name,
            ("postgres", pg_port()),
            ("postgres", pg_port()),
            &format!("{src}.public.*"),
            &dst,
        )
        .replace("\n\n\n", "\n[full]\nchunk_rows = 2000\nconcurrency = 4\n\n"),
    );
    p.expect(&["schema"], 0);
    let kills = p.kill_at_random_moments(&["full", "-q"], 6, 80, 400);
    assert!(kills >= 2, "the copy finished before it could be killed twice");
    let out = p.expect(&["full", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert!(
        j["summary"]["run_rows"].as_u64().unwrap() < j["summary"]["rows_total"].as_u64().unwrap(),
        "the resumed run copied everything again: {j}"
    );
    let d = pg(&dst).await;
    for (t, order) in [("big", "id"), ("nokey", "a, b")] {
        let q = format!("SELECT count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM public.{t} x");
        let a = s.query_one(&q, &[]).await.unwrap();
        let b = d.query_one(&q, &[]).await.unwrap();
        assert_eq!(a.get::<_, i64>(0), b.get::<_, i64>(0), "{t} ({order}): row counts");
        assert_eq!(
            a.get::<_, Option<String>>(1),
            b.get::<_, Option<String>>(1),
            "{t}: rows differ"
        );
    }
    p.expect(&["verify"], 0);
    drop(s);
    drop(d);
    drop_pg(&src).await;
    drop_pg(&dst).await;
}

/// Inserts, updates (some changing the key, some leaving a TOASTed value alone), deletes and
/// multi-statement transactions on a keyed table and a REPLICA IDENTITY FULL keyless table.
async fn pg_workload(db: String, seed: u64, txns: u64) {
    let c = pg(&db).await;
    let mut rng = Rng(seed | 1);
    let mut next = 1_000_000 + seed * 100_000;
    for n in 0..txns {
        let x = rng.next();
        let id = 1 + x % 3000;
        let sql = match x % 7 {
            0 => {
                next += 1;
                format!("INSERT INTO t VALUES ({next}, 'ins {n}', {n}.5, NULL) ON CONFLICT DO NOTHING")
            }
            1 => format!("UPDATE t SET v = v || '+' WHERE id = {id}"),
            2 => {
                next += 1;
                format!("UPDATE t SET id = {next} WHERE id = {id}")
            }
            3 => format!("DELETE FROM t WHERE id = {id}"),
            4 => format!(
                "BEGIN; INSERT INTO nk VALUES ({}, 'y'); DELETE FROM nk WHERE ctid = (SELECT ctid FROM nk WHERE a = {} LIMIT 1); COMMIT",
                x % 10,
                (x >> 8) % 10
            ),
            5 => format!("UPDATE t SET n = n + 1 WHERE id = {id}"),
            _ => format!("UPDATE t SET big = repeat('b{n}', 300000) WHERE id = {id}"),
        };
        c.batch_execute(&sql).await.unwrap();
    }
}

async fn pg_source(db: &str) {
    new_pg(db)
        .await
        .batch_execute(
            "CREATE TABLE t (id bigint PRIMARY KEY, v text, n numeric(12,2), big text);
             INSERT INTO t SELECT g, 'v' || g, g / 3.0, CASE WHEN g % 100 = 0 THEN repeat('toast', 200000) END
               FROM generate_series(1, 3000) g;
             CREATE TABLE nk (a int, b text);
             ALTER TABLE nk REPLICA IDENTITY FULL;
             INSERT INTO nk SELECT g % 10, 'x' FROM generate_series(1, 100) g;",
        )
        .await
        .unwrap();
}

async fn pg_rows(db: &str, table: &str, order: &str) -> (i64, Option<String>) {
    let r = pg(db)
        .await
        .query_one(
            &format!("SELECT count(*), md5(string_agg(x::text, ',' ORDER BY {order})) FROM public.{table} x"),
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

#[tokio::test(flavor = "multi_thread")]
async fn incr_from_postgres_survives_sigkill_and_keeps_toasted_values() {
    let (src, dst, name) = (unique("pgi_src"), unique("pgi_dst"), unique("pgincr"));
    pg_source(&src).await;
    drop_pg(&dst).await;
    let p = Project::new(&toml_types(
        &name,
        ("postgres", pg_port()),
        ("postgres", pg_port()),
        &format!("{src}.public.*"),
        &dst,
        "\"schema\", \"full\", \"incr\", \"verify\"",
    ));
    p.expect(&["precheck"], 0);
    p.expect(&["schema"], 0);
    // Writes while full copies: the slot exists before the snapshot, so none is missed.
    let w = tokio::spawn(pg_workload(src.clone(), 7, 1500));
    p.expect(&["full"], 0);
    w.await.unwrap();
    let w = tokio::spawn(pg_workload(src.clone(), 11, 3000));
    let kills = p.kill_at_random_moments(&["incr", "-q"], 5, 200, 600);
    w.await.unwrap();
    assert!(kills >= 2, "incr exited by itself");
    p.expect(&["incr", "--once"], 0);
    assert_eq!(pg_rows(&src, "t", "x.id").await, pg_rows(&dst, "t", "x.id").await);
    assert_eq!(
        pg_rows(&src, "nk", "x::text").await,
        pg_rows(&dst, "nk", "x::text").await
    );
    p.expect(&["verify"], 0);
    // reset incr drops the slot and the publication.
    p.expect(&["reset", "incr", "--yes"], 0);
    let slots: i64 = pg(&src)
        .await
        .query_one(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1",
            &[&format!("omsctl_{name}")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(slots, 0);
    // Without its slot the source no longer has the changes: a distinct exit code.
    p.expect(&["incr", "--once"], 5);
    drop_pg(&src).await;
    drop_pg(&dst).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn incr_runs_between_postgres_and_mariadb_both_ways() {
    // PostgreSQL → MariaDB.
    let (src, dst, name) = (unique("pgm_src"), unique("pgm_dst"), unique("pg2myi"));
    pg_source(&src).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml_types(
        &name,
        ("postgres", pg_port()),
        ("mariadb", second_port()),
        &format!("{src}.public.*"),
        &dst,
        "\"schema\", \"full\", \"incr\", \"verify\"",
    ));
    p.expect(&["run"], 0);
    pg_workload(src.clone(), 5, 800).await;
    p.expect(&["incr", "--once"], 0);
    p.expect(&["verify"], 0);
    p.expect(&["release", "--yes"], 0);
    let left: i64 = pg("postgres")
        .await
        .query_one("SELECT count(*) FROM pg_replication_slots WHERE database = $1", &[&src])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "release leaves no slot");
    drop_pg(&src).await;
    drop_dbs(second_port(), &[&dst]).await;

    // MariaDB → PostgreSQL.
    let (src, dst, name) = (unique("myp_src"), unique("myp_dst"), unique("my2pgi"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE k (id INT PRIMARY KEY, v VARCHAR(40), u INT UNIQUE, t DATETIME(6));\n\
             INSERT INTO k SELECT seq, CONCAT('v', seq), seq, '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_3000"
        ),
    )
    .await;
    drop_pg(&dst).await;
    let p = Project::new(&toml_types(
        &name,
        ("mariadb", mariadb_port()),
        ("postgres", pg_port()),
        &format!("{src}.*"),
        &dst,
        "\"schema\", \"full\", \"incr\", \"verify\"",
    ));
    p.expect(&["run"], 0);
    exec(
        &mut c,
        &format!(
            "USE `{src}`;\nUPDATE k SET v = CONCAT(v, '+') WHERE id % 3 = 0;\nDELETE FROM k WHERE id % 7 = 0;\n\
             UPDATE k SET id = id + 100000 WHERE id % 11 = 0;\nUPDATE k SET u = NULL WHERE id = 5;\nUPDATE k SET u = 5 WHERE id = 6;\n\
             INSERT INTO k SELECT 200000 + seq, 'new', NULL, NOW(6) FROM seq_1_to_500"
        ),
    )
    .await;
    p.expect(&["incr", "--once"], 0);
    p.expect(&["verify"], 0);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_to_postgres_switches_over_and_reverse_sync_flows_back_without_echo() {
    let (src, dst, name) = (unique("swp_src"), unique("swp_dst"), unique("swpg"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE par (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20));\n\
             INSERT INTO par (name) SELECT CONCAT('p', seq) FROM seq_1_to_50;\n\
             CREATE TABLE chd (id INT PRIMARY KEY, par_id INT, KEY kp (par_id), CONSTRAINT fk_par FOREIGN KEY (par_id) REFERENCES par (id));\n\
             INSERT INTO chd SELECT seq, 1 + seq % 50 FROM seq_1_to_100"
        ),
    )
    .await;
    drop_pg(&dst).await;
    let p = Project::new(&toml_types(
        &name,
        ("mariadb", mariadb_port()),
        ("postgres", pg_port()),
        &format!("{src}.*"),
        &dst,
        "\"schema\", \"full\", \"incr\", \"verify\", \"reverse\"",
    ));
    p.expect(&["run"], 0);
    exec(
        &mut c,
        &format!("USE `{src}`;\nINSERT INTO par (name) VALUES ('late');\nUPDATE chd SET par_id = 2 WHERE id = 5"),
    )
    .await;
    let out = p
        .cmd(&["switchover", "--yes"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let d = pg(&dst).await;
    let fks: i64 = d
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'public.chd'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(fks, 1, "switchover restores the foreign key");
    // The application now writes to PostgreSQL; identity continues past the source's ids.
    let id: i32 = d
        .query_one("INSERT INTO public.par (name) VALUES ('on target') RETURNING id", &[])
        .await
        .unwrap()
        .get(0);
    assert!(id > 51, "identity continues past the source's ids ({id})");
    d.batch_execute("UPDATE public.chd SET par_id = 3 WHERE id = 7; DELETE FROM public.chd WHERE id = 8")
        .await
        .unwrap();
    p.expect(&["reverse", "--once"], 0);
    let mut m = connect(mariadb_port()).await;
    let back: Option<String> = m
        .query_first(format!("SELECT name FROM `{src}`.par WHERE id = {id}"))
        .await
        .unwrap();
    assert_eq!(back.as_deref(), Some("on target"));
    let gone: Option<i64> = m
        .query_first(format!("SELECT COUNT(*) FROM `{src}`.chd WHERE id = 8"))
        .await
        .unwrap();
    assert_eq!(gone, Some(0));
    // No echo: forward replay skips what reverse sync wrote, and reverse skips forward's.
    let out = p.expect(&["incr", "--once", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(
        j["summary"]["transactions"], 0,
        "forward sync echoed reverse writes: {j}"
    );
    let out = p.expect(&["reverse", "--once", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(j["summary"]["transactions"], 0, "reverse sync echoed: {j}");
    p.expect(&["release", "--yes"], 0);
    let left: i64 = d
        .query_one(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE $1",
            &[&format!("omsctl_{name}%")],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "release drops the reverse slot too");
    drop(d);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mariadb_type_torture_table_moves_to_postgres_and_verifies_equal() {
    let (src, dst, name) = (unique("tpg_src"), unique("tpg_dst"), unique("types2pg"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n{}",
            crate::copy::TYPES_DDL
        ),
    )
    .await;
    drop_pg(&dst).await;
    let p = Project::new(&toml(
        &name,
        ("mariadb", mariadb_port()),
        ("postgres", pg_port()),
        &format!("{src}.*"),
        &dst,
    ));
    p.expect(&["schema"], 0);
    // Row 2 holds zero dates, which PostgreSQL cannot store: a clear error, nothing half-copied.
    let out = p.expect(&["full"], 3);
    assert!(stderr(&out).contains("zero date"), "{}", stderr(&out));
    c.query_drop(format!("DELETE FROM `{src}`.types WHERE id = 2"))
        .await
        .unwrap();
    p.expect(&["full"], 0);
    p.expect(&["verify"], 0);
    let d = pg(&dst).await;
    let r = d
        .query_one(
            "SELECT biu::text, b64::text, tm::text, j::text FROM public.types WHERE id = 3",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(r.get::<_, String>(0), "0");
    assert_eq!(r.get::<_, String>(1), "9223372036854775809");
    assert_eq!(r.get::<_, String>(2), "838:59:59");
    assert!(r.get::<_, String>(3).contains("\"t\": true"));
    drop(d);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nan_and_infinity_from_postgres_stop_a_copy_into_mariadb_with_the_row_named() {
    let (src, dst, name) = (unique("nan_src"), unique("nan_dst"), unique("nan"));
    drop_dbs(second_port(), &[&dst]).await;
    let s = new_pg(&src).await;
    s.batch_execute(
        "CREATE TABLE m (id int PRIMARY KEY, n numeric(10,2), d double precision);
         INSERT INTO m VALUES (1, 1.5, 2.5), (2, 'NaN', 0), (3, 0, 'Infinity');",
    )
    .await
    .unwrap();
    let p = Project::new(&toml(
        &name,
        ("postgres", pg_port()),
        ("mariadb", second_port()),
        &format!("{src}.public.*"),
        &dst,
    ));
    p.expect(&["schema"], 0);
    let out = p.expect(&["full"], 3);
    let err = stderr(&out);
    assert!(
        err.contains("column n") && err.contains("\"2\"") && err.contains("NaN"),
        "{err}"
    );
    let mut m = connect(second_port()).await;
    let n: Option<i64> = m.query_first(format!("SELECT COUNT(*) FROM `{dst}`.m")).await.unwrap();
    assert_eq!(n, Some(0), "nothing of the failed chunk is committed");
    s.batch_execute("UPDATE m SET n = 0 WHERE id = 2; UPDATE m SET d = 0 WHERE id = 3")
        .await
        .unwrap();
    p.expect(&["full"], 0);
    p.expect(&["verify"], 0);
    drop(s);
    drop_pg(&src).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overlong_numeric_from_postgres_stops_a_copy_into_mariadb_instead_of_being_clamped() {
    let (src, dst, name) = (unique("big_src"), unique("big_dst"), unique("big"));
    drop_dbs(second_port(), &[&dst]).await;
    let s = new_pg(&src).await;
    // Unconstrained numeric becomes decimal(65,30): 35 digits before the point at most.
    s.batch_execute(
        "CREATE TABLE o (id int PRIMARY KEY, n numeric);
         INSERT INTO o VALUES (1, 1.5), (2, 10::numeric ^ 40), (3, 2);",
    )
    .await
    .unwrap();
    let p = Project::new(&toml(
        &name,
        ("postgres", pg_port()),
        ("mariadb", second_port()),
        &format!("{src}.public.*"),
        &dst,
    ));
    p.expect(&["schema"], 0);
    let out = p.expect(&["full"], 3);
    let err = stderr(&out);
    assert!(
        err.contains("Out of range") && err.contains("'n'") && err.contains("row 2"),
        "{err}"
    );
    let mut m = connect(second_port()).await;
    let n: Option<i64> = m.query_first(format!("SELECT COUNT(*) FROM `{dst}`.o")).await.unwrap();
    assert_eq!(n, Some(0), "nothing of the failed chunk is committed");
    s.batch_execute("UPDATE o SET n = 0 WHERE id = 2").await.unwrap();
    p.expect(&["full"], 0);
    p.expect(&["verify"], 0);
    drop(s);
    drop_pg(&src).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ignoring_conflicts_into_postgres_keeps_the_targets_rows_and_logs_their_keys() {
    let (src, dst, name) = (unique("ign_src"), unique("ign_dst"), unique("ign"));
    drop_dbs(mariadb_port(), &[&src]).await;
    let mut m = connect(mariadb_port()).await;
    m.query_drop(format!(
        "CREATE DATABASE `{src}`; USE `{src}`; CREATE TABLE `{src}`.t (id INT PRIMARY KEY, v VARCHAR(10), u INT UNIQUE); \
         INSERT INTO `{src}`.t SELECT seq, 'src', seq FROM seq_1_to_100; \
         CREATE TABLE `{src}`.k (v VARCHAR(10)); INSERT INTO `{src}`.k VALUES ('a'), ('a')"
    ))
    .await
    .unwrap();
    let d = new_pg(&dst).await;
    // id 5 holds other values; id 900 holds u = 7, which the source's row 7 also has.
    d.batch_execute(
        "CREATE TABLE public.t (id int PRIMARY KEY, v varchar(10), u int UNIQUE);
         CREATE TABLE public.k (v varchar(10));
         INSERT INTO t VALUES (5, 'kept', 5000), (900, 'extra', 7); INSERT INTO k VALUES ('b')",
    )
    .await
    .unwrap();
    let p = Project::new(&format!(
        "{}[full]\non_nonempty_target = \"ignore\"\n",
        toml_types(
            &name,
            ("mariadb", mariadb_port()),
            ("postgres", pg_port()),
            &format!("{src}.*"),
            &dst,
            "\"full\"",
        )
    ));
    p.expect(&["full"], 0);
    let v: String = d.query_one("SELECT v FROM t WHERE id = 5", &[]).await.unwrap().get(0);
    assert_eq!(v, "kept");
    let n: i64 = d.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get(0);
    assert_eq!(n, 100, "98 copied rows + the two the target held");
    let n: i64 = d.query_one("SELECT count(*) FROM k", &[]).await.unwrap().get(0);
    assert_eq!(n, 3, "keyless rows are appended");
    let conflicts = std::fs::read_to_string(p.state_dir(&name).join("full-conflicts.jsonl")).unwrap();
    assert!(
        conflicts.contains("\"key\":[\"5\"]") && conflicts.contains("\"key\":[\"7\"]"),
        "{conflicts}"
    );
    drop(d);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
}

/// `incr --once` replays every transaction committed before it started, also those committed
/// with synchronous_commit = off whose WAL the server had not flushed yet (logical decoding
/// reads only flushed WAL).
#[tokio::test(flavor = "multi_thread")]
async fn incr_once_replays_asynchronously_committed_transactions_too() {
    let (src, dst, name) = (unique("async_src"), unique("async_dst"), unique("asyncc"));
    pg_source(&src).await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&toml_types(
        &name,
        ("postgres", pg_port()),
        ("mariadb", second_port()),
        &format!("{src}.public.*"),
        &dst,
        "\"schema\", \"full\", \"incr\", \"verify\"",
    ));
    p.expect(&["run"], 0);
    let s = pg(&src).await;
    for round in 0..3 {
        s.batch_execute("SET synchronous_commit = off").await.unwrap();
        s.batch_execute(&format!(
            "DO $$ BEGIN FOR i IN 1..3000 LOOP
               INSERT INTO t (id, v) VALUES ({round} * 100000 + 10000 + i, 'x'); COMMIT;
             END LOOP; END $$;"
        ))
        .await
        .unwrap();
        p.expect(&["incr", "--once"], 0);
        let want: i64 = s.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get(0);
        let mut m = connect(second_port()).await;
        let got: Option<i64> = m.query_first(format!("SELECT COUNT(*) FROM `{dst}`.t")).await.unwrap();
        assert_eq!(got, Some(want), "round {round}: rows on the target after incr --once");
    }
    p.expect(&["release", "--yes"], 0);
    drop(s);
    drop_pg(&src).await;
    drop_dbs(second_port(), &[&dst]).await;
}

/// Replay into PostgreSQL sends runs of inserts and updates as multi-row upserts; each row's
/// conflict (a key the target already held, an update of a row it lacked) is still logged by
/// key, and the rows end as the source has them.
#[tokio::test(flavor = "multi_thread")]
async fn replay_into_postgres_logs_each_conflict_of_a_multi_row_upsert() {
    let (src, dst, name) = (unique("cf_src"), unique("cf_dst"), unique("cf"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\nUSE `{src}`;\n\
             CREATE TABLE k (id INT PRIMARY KEY, v VARCHAR(40));\n\
             INSERT INTO k SELECT seq, CONCAT('v', seq) FROM seq_1_to_100"
        ),
    )
    .await;
    drop_pg(&dst).await;
    let p = Project::new(&toml_types(
        &name,
        ("mariadb", mariadb_port()),
        ("postgres", pg_port()),
        &format!("{src}.*"),
        &dst,
        "\"schema\", \"full\", \"incr\", \"verify\"",
    ));
    p.expect(&["run"], 0);
    p.expect(&["incr", "--once"], 0);
    let d = pg(&dst).await;
    d.batch_execute("INSERT INTO public.k VALUES (1001, 'target had it'); DELETE FROM public.k WHERE id = 50")
        .await
        .unwrap();
    exec(
        &mut c,
        &format!(
            "USE `{src}`;\nINSERT INTO k VALUES (1000, 'a');\nINSERT INTO k VALUES (1001, 'b');\nINSERT INTO k VALUES (1002, 'c');\n\
             UPDATE k SET v = 'u49' WHERE id = 49;\nUPDATE k SET v = 'u50' WHERE id = 50;\nUPDATE k SET v = 'u51' WHERE id = 51"
        ),
    )
    .await;
    p.expect(&["incr", "--once"], 0);
    let log = std::fs::read_to_string(p.state_dir(&name).join("incr-conflicts.jsonl")).unwrap_or_default();
    assert!(
        log.contains("duplicate_key")
            && log.contains("[\"1001\"]")
            && log.contains("missing_row")
            && log.contains("[\"50\"]"),
        "{log}"
    );
    assert_eq!(log.lines().count(), 2, "{log}");
    let v: String = d
        .query_one("SELECT v FROM public.k WHERE id = 1001", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, "b");
    p.expect(&["verify"], 0);
    drop(d);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
}

/// A PostgreSQL generated column becomes a plain MySQL column: its values must be copied
/// (the target does not compute them) and verified.
#[tokio::test(flavor = "multi_thread")]
async fn a_generated_column_that_becomes_plain_on_the_target_is_copied_and_verified() {
    let (src, dst, name) = (unique("gen_src"), unique("gen_dst"), unique("gen"));
    drop_dbs(second_port(), &[&dst]).await;
    let s = new_pg(&src).await;
    s.batch_execute(
        "CREATE TABLE g (id int PRIMARY KEY, a int, total int GENERATED ALWAYS AS (a * 2) STORED);
         INSERT INTO g (id, a) SELECT i, i FROM generate_series(1, 50) i;",
    )
    .await
    .unwrap();
    let p = Project::new(&toml(
        &name,
        ("postgres", pg_port()),
        ("mariadb", second_port()),
        &format!("{src}.public.*"),
        &dst,
    ));
    p.expect(&["run"], 0);
    let mut m = connect(second_port()).await;
    let bad: Option<i64> = m
        .query_first(format!(
            "SELECT COUNT(*) FROM `{dst}`.g WHERE total IS NULL OR total <> a * 2"
        ))
        .await
        .unwrap();
    assert_eq!(bad, Some(0), "the generated values arrive");
    m.query_drop(format!("UPDATE `{dst}`.g SET total = 0 WHERE id = 7"))
        .await
        .unwrap();
    let out = p.expect(&["verify"], 1);
    assert!(stdout(&out).contains("[\"7\"]"), "{}", stdout(&out));
    drop(s);
    drop_pg(&src).await;
    drop_dbs(second_port(), &[&dst]).await;
}

/// A project file whose source is `db` on this machine's PostgreSQL (for library-level tests).
fn pg_source_project(db: &str) -> omsctl::config::Project {
    let text = toml(
        "libread",
        ("postgres", pg_port()),
        ("postgres", pg_port()),
        &format!("{db}.public.*"),
        "x",
    );
    omsctl::config::parse(&text, std::path::Path::new("libread.toml")).unwrap()
}

fn int_key_spec(table: &str) -> omsctl::engine::TableSpec {
    use omsctl::model::catalog::{KeyCompare, TableId, ValueKind};
    omsctl::engine::TableSpec {
        id: TableId::new("public", table),
        columns: vec!["id".into(), "v".into()],
        kinds: vec![ValueKind::Integer, ValueKind::Text],
        key: vec![0],
        unique: Vec::new(),
        compare: vec![KeyCompare::Exact; 2],
        filter: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_of_a_range_come_in_key_order_not_in_the_text_order_of_the_key() {
    use omsctl::model::range::KeyRange;
    use omsctl::model::value::Value;
    let db = unique("pg_keyorder");
    let c = new_pg(&db).await;
    c.batch_execute(
        "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 12) g",
    )
    .await
    .unwrap();
    let engine = omsctl::engine::connect(&pg_source_project(&db).source).await.unwrap();
    let mut reader = engine.reader().await.unwrap();
    let spec = int_key_spec("t");
    let all = KeyRange {
        lower: None,
        upper: None,
    };
    let ids: Vec<Value> = reader
        .read_rows(&spec, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, (1..=12).map(Value::Int).collect::<Vec<_>>());
    engine.close().await;
    drop(reader);
    drop_pg(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_and_postgres_compute_the_same_checksum_of_binary_values() {
    use omsctl::engine::ChecksumKind;
    use omsctl::model::catalog::{KeyCompare, TableId, ValueKind};
    use omsctl::model::range::KeyRange;
    let (src, dst, name) = (unique("binsum_src"), unique("binsum_dst"), unique("binsum"));
    crate::copy::drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
    let mut m = connect(mariadb_port()).await;
    exec(
        &mut m,
        &format!(
            "CREATE DATABASE `{src}`;\nCREATE TABLE `{src}`.b (id INT PRIMARY KEY, v LONGBLOB, t TEXT);\n\
             INSERT INTO `{src}`.b VALUES (1, 0x005cff0a0d09, 'x'), (2, NULL, NULL), (3, '', ''), (4, REPEAT(0xab, 70000), 'y')"
        ),
    )
    .await;
    let text = toml(
        &name,
        ("mariadb", mariadb_port()),
        ("postgres", pg_port()),
        &format!("{src}.*"),
        &dst,
    );
    let p = Project::new(&text);
    p.expect(&["schema"], 0);
    p.expect(&["full"], 0);
    let project = omsctl::config::parse(&text, std::path::Path::new("binsum.toml")).unwrap();
    let spec = |db: &str| omsctl::engine::TableSpec {
        id: TableId::new(db, "b"),
        columns: vec!["id".into(), "v".into(), "t".into()],
        kinds: vec![ValueKind::Integer, ValueKind::Binary, ValueKind::Text],
        key: vec![0],
        unique: Vec::new(),
        compare: vec![KeyCompare::Exact; 3],
        filter: None,
    };
    let all = KeyRange {
        lower: None,
        upper: None,
    };
    let source = omsctl::engine::connect(&project.source).await.unwrap();
    let target = omsctl::engine::connect(&project.target).await.unwrap();
    let a = source
        .reader()
        .await
        .unwrap()
        .checksum(&spec(&src), &all, ChecksumKind::Md5)
        .await
        .unwrap();
    let b = target
        .reader()
        .await
        .unwrap()
        .checksum(&spec("public"), &all, ChecksumKind::Md5)
        .await
        .unwrap();
    assert_eq!(a, b, "row checksums of the same bytes on MariaDB and PostgreSQL");
    assert_eq!(a.rows, 4);
    source.close().await;
    target.close().await;
    crate::copy::drop_dbs(mariadb_port(), &[&src]).await;
    drop_pg(&dst).await;
}

/// Inserts numbered rows into the keyless table `k` as fast as one connection can, each its
/// own asynchronously committed transaction, until `stop`; returns how many it inserted.
async fn keyless_inserts(db: String, writer: i64, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> i64 {
    let c = pg(&db).await;
    c.batch_execute("SET synchronous_commit = off").await.unwrap();
    let mut n = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        c.batch_execute(&format!("INSERT INTO k VALUES ({writer}, {n})"))
            .await
            .unwrap();
        n += 1;
    }
    n
}

/// The copy of a live source and the replay after it must meet exactly: a keyless table has no
/// key to make a replayed insert idempotent, so every transaction is either in the snapshot or
/// replayed, never both. Asynchronous commits are visible before the WAL holding them is
/// written, so the WAL position read at the snapshot cannot tell them apart; the snapshot's
/// transaction ids can.
#[tokio::test(flavor = "multi_thread")]
async fn a_live_postgres_source_is_copied_and_replayed_with_each_keyless_row_exactly_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let (src, dst, name) = (unique("kl_src"), unique("kl_dst"), unique("kl"));
    new_pg(&src)
        .await
        .batch_execute(
            "CREATE TABLE k (w int, n int);
             ALTER TABLE k REPLICA IDENTITY FULL;
             INSERT INTO k SELECT 0, g FROM generate_series(1, 20000) g;",
        )
        .await
        .unwrap();
    drop_pg(&dst).await;
    let p = Project::new(&toml_types(
        &name,
        ("postgres", pg_port()),
        ("postgres", pg_port()),
        &format!("{src}.public.*"),
        &dst,
        "\"schema\", \"full\", \"incr\"",
    ));
    p.expect(&["precheck"], 0);
    p.expect(&["schema"], 0);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (1..=3)
        .map(|w| tokio::spawn(keyless_inserts(src.clone(), w, stop.clone())))
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    p.expect(&["full"], 0);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut inserted = 0;
    for w in writers {
        inserted += w.await.unwrap();
    }
    assert!(inserted > 100, "the writers inserted only {inserted} rows");
    p.expect(&["incr", "--once"], 0);
    let per_writer = |db: String| async move {
        pg(&db)
            .await
            .query(
                "SELECT w, count(*), count(DISTINCT n) FROM k GROUP BY w ORDER BY w",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, i32>(0), r.get::<_, i64>(1), r.get::<_, i64>(2)))
            .collect::<Vec<_>>()
    };
    assert_eq!(per_writer(src.clone()).await, per_writer(dst.clone()).await);
    p.expect(&["release", "--yes"], 0);
    drop_pg(&src).await;
    drop_pg(&dst).await;
}

/// The PostgreSQL side of `a_full_resumed_on_a_live_source_replays_each_keyless_row_exactly_once`:
/// the keyless table read by the second run is filtered by that run's snapshot.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_resumed_on_a_live_postgres_source_replays_each_keyless_row_exactly_once() {
    let (src, dst, name) = (unique("rkp_src"), unique("rkp_dst"), unique("rkp"));
    let s = new_pg(&src).await;
    s.batch_execute(
        "CREATE TABLE big (id int PRIMARY KEY, v text);
         INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 100000) g;
         CREATE TABLE zk (a int, b text);
         ALTER TABLE zk REPLICA IDENTITY FULL;
         INSERT INTO zk SELECT g % 100, 'copied' FROM generate_series(1, 60000) g;",
    )
    .await
    .unwrap();
    drop_pg(&dst).await;
    let p = Project::new(
        &toml_types(
            &name,
            ("postgres", pg_port()),
            ("postgres", pg_port()),
            &format!("{src}.public.*"),
            &dst,
            "\"schema\", \"full\", \"incr\"",
        )
        .replace(
            "[source]",
            "[full]\nchunk_rows = 2000\nconcurrency = 2\nmax_rows_per_sec = 20000\n\n[source]",
        ),
    );
    p.expect(&["schema"], 0);
    p.kill_after(&["full", "-q"], 1500);
    s.batch_execute(
        "INSERT INTO zk SELECT g % 7, 'between' FROM generate_series(1, 100) g;
         DELETE FROM zk WHERE ctid IN (SELECT ctid FROM zk WHERE a = 3 AND b = 'copied' LIMIT 5);
         UPDATE big SET v = 'changed' WHERE id % 1000 = 0;
         DELETE FROM big WHERE id % 999 = 0;",
    )
    .await
    .unwrap();
    p.expect(&["full"], 0);
    s.batch_execute("INSERT INTO zk VALUES (1, 'after')").await.unwrap();
    p.expect(&["incr", "--once"], 0);
    assert_eq!(
        pg_rows(&src, "zk", "x::text").await,
        pg_rows(&dst, "zk", "x::text").await
    );
    assert_eq!(pg_rows(&src, "big", "x.id").await, pg_rows(&dst, "big", "x.id").await);
    p.expect(&["release", "--yes"], 0);
    drop(s);
    drop_pg(&src).await;
    drop_pg(&dst).await;
}
