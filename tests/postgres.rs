//! PostgreSQL as source and target: Sakila MariaDB → PostgreSQL, Pagila PostgreSQL → MariaDB and
//! PostgreSQL → PostgreSQL, a PostgreSQL type torture table, and verify finding one changed byte.

use crate::copy::drop_dbs;
use crate::incr::second_port;
use crate::oceanbase::ensure_sakila;
use crate::support::*;
use mysql_async::prelude::*;

fn pg_port() -> u16 {
    port_from_env("OMSCTL_TEST_PG_PORT", 5432)
}

async fn pg(db: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={} user=root dbname={db}", pg_port()),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap_or_else(|e| panic!("connect to postgres {db}: {e}"));
    tokio::spawn(conn);
    c
}

async fn drop_pg(db: &str) {
    pg("postgres")
        .await
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
        .await
        .unwrap();
}

/// Loads the Pagila corpus into PostgreSQL (corpus_pagila) when it is not there yet.
fn ensure_pagila() {
    let loaded = std::process::Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "root",
            "-d",
            "corpus_pagila",
            "-Atc",
            "SELECT count(*) FROM rental",
        ])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "16044")
        .unwrap_or(false);
    if loaded {
        return;
    }
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/load.sh");
    let st = std::process::Command::new("bash")
        .arg(&corpus)
        .env("ONLY", "pagila")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run corpus loader");
    assert!(st.success(), "loading Pagila with {} failed", corpus.display());
}

fn toml(name: &str, src: (&str, u16), dst: (&str, u16), include: &str, target_db: &str) -> String {
    project_toml(name, src, dst, include, target_db, "")
        .replace("[project]\n", "[project]\ntypes = [\"schema\", \"full\", \"verify\"]\n")
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
    p.expect(&["verify"], 1);
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
    drop_pg(&src).await;
    drop_pg(&dst).await;
    pg("postgres")
        .await
        .batch_execute(&format!("CREATE DATABASE \"{src}\""))
        .await
        .unwrap();
    let s = pg(&src).await;
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
    drop_pg(&src).await;
    drop_pg(&dst).await;
    pg("postgres")
        .await
        .batch_execute(&format!("CREATE DATABASE \"{src}\""))
        .await
        .unwrap();
    let s = pg(&src).await;
    s.batch_execute(
        "CREATE TABLE big (id int PRIMARY KEY, k text NOT NULL, v numeric(12,2), t timestamptz);
         INSERT INTO big SELECT g, 'k' || g, g / 7.0, '2024-01-01'::timestamptz + g * interval '1 minute'
           FROM generate_series(1, 300000) g;
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
    let kills = p.kill_at_random_moments(&["full", "-q"], 6, 150, 600);
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
