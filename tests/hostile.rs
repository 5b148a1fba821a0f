//! Hostile names: databases, tables, columns, indexes, views, triggers and comments whose names
//! hold line breaks, comment markers, quotes, `$$`, control characters and case twins go
//! through every stage, and nothing they hold is ever executed or printed raw.

use crate::copy::drop_dbs;
use crate::incr::second_port;
use crate::support::*;
use mysql_async::prelude::*;

/// A quoted MySQL identifier.
fn q(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// A TOML basic string holding `s` exactly (also usable as a key).
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Names {
    db: String,
    /// The target database (hostile too).
    dst: String,
    /// Its CREATE DATABASE must never run.
    pwned: String,
    inject: String,
    quotes: String,
    keyless: String,
    control: String,
    twins: [String; 2],
}

impl Names {
    fn new(tag: &str) -> Names {
        let pid = std::process::id();
        let pwned = format!("pwned_{tag}_{pid}");
        Names {
            db: format!("hz{tag}\n-- x*/$$_{pid}"),
            dst: format!("hd{tag}\n-- t/_{pid}"),
            inject: format!("a\nCREATE DATABASE {pwned};#"),
            pwned,
            quotes: "d`e'f\"g\\h.i".into(),
            keyless: "k\ney--less".into(),
            control: "c\u{1}f\r\u{1b}[2Jz".into(),
            twins: ["CaseT".into(), "caset".into()],
        }
    }

    fn tables(&self) -> Vec<&str> {
        vec![
            &self.inject,
            &self.quotes,
            &self.keyless,
            &self.control,
            &self.twins[0],
            &self.twins[1],
        ]
    }
}

const MARKER_COMMENT: &str = "it''s\n-- omsctl:next-statement\nDROP DATABASE mysql;#";

async fn create_source(n: &Names) {
    let mut c = connect(mariadb_port()).await;
    let db = q(&n.db);
    c.query_drop(format!("DROP DATABASE IF EXISTS {db}")).await.unwrap();
    c.query_drop(format!("CREATE DATABASE {db}")).await.unwrap();
    c.query_drop(format!("USE {db}")).await.unwrap();
    let stmts = [
        format!(
            "CREATE TABLE {} ({} INT PRIMARY KEY, {} VARCHAR(100) DEFAULT '{MARKER_COMMENT}' COMMENT '{MARKER_COMMENT}', \
             {} INT, {} VARCHAR(20), KEY {} ({})) COMMENT '{MARKER_COMMENT}'",
            q(&n.inject),
            q("id\n-- y"),
            q("c*/"),
            q("$$"),
            q("v'\"`"),
            q("ix\n--idx*/"),
            q("c*/")
        ),
        format!(
            "CREATE TABLE {} (id INT PRIMARY KEY, {} INT, CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}))",
            q(&n.quotes),
            q("ref\n-- r"),
            q("fk\n-- f*/"),
            q("ref\n-- r"),
            q(&n.inject),
            q("id\n-- y")
        ),
        format!("CREATE TABLE {} (a INT, {} VARCHAR(10))", q(&n.keyless), q("b\n#")),
        format!("CREATE TABLE {} (id INT PRIMARY KEY, v VARCHAR(10))", q(&n.control)),
        format!("CREATE TABLE {} (id INT PRIMARY KEY, v INT)", q(&n.twins[0])),
        format!("CREATE TABLE {} (id INT PRIMARY KEY, v INT)", q(&n.twins[1])),
        format!(
            "CREATE VIEW {} AS SELECT {} AS {} FROM {}",
            q("v\n-- view*/"),
            q("id\n-- y"),
            q("x\n-- y"),
            q(&n.inject)
        ),
        format!(
            "CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW SET NEW.{} = CONCAT(NEW.{}, '')",
            q("tr\n-- trig*/"),
            q(&n.control),
            "v",
            "v"
        ),
        format!(
            "INSERT INTO {} VALUES (1, 'one\n-- two', 1, 'q''\"`'), (2, NULL, 2, NULL), (3, DEFAULT, 3, 'x')",
            q(&n.inject)
        ),
        format!("INSERT INTO {} VALUES (1, 1), (2, 3), (3, NULL)", q(&n.quotes)),
        format!("INSERT INTO {} VALUES (1, 'a'), (1, 'a'), (2, '\n')", q(&n.keyless)),
        format!("INSERT INTO {} VALUES (1, 'x'), (2, 'y')", q(&n.control)),
        format!("INSERT INTO {} VALUES (1, 10), (2, 20)", q(&n.twins[0])),
        format!("INSERT INTO {} VALUES (1, 100)", q(&n.twins[1])),
    ];
    for s in stmts {
        c.query_drop(&s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

/// Inserts, updates and deletes in every table (run on the side that takes writes now).
async fn write_all(c: &mut mysql_async::Conn, db: &str, n: &Names, base: i32) {
    c.query_drop(format!("USE {}", q(db))).await.unwrap();
    let stmts = [
        format!("INSERT INTO {} VALUES ({base}, 'new\n-- row', 9, '`')", q(&n.inject)),
        format!(
            "UPDATE {} SET {} = 'upd*/' WHERE {} = 1",
            q(&n.inject),
            q("c*/"),
            q("id\n-- y")
        ),
        format!("DELETE FROM {} WHERE {} = 3", q(&n.quotes), "id"),
        format!("INSERT INTO {} VALUES ({base}, {base})", q(&n.quotes)),
        format!("INSERT INTO {} VALUES ({base}, '$$')", q(&n.keyless)),
        format!("DELETE FROM {} WHERE a = 1 LIMIT 1", q(&n.keyless)),
        format!("UPDATE {} SET v = 'z' WHERE id = 2", q(&n.control)),
        format!("INSERT INTO {} VALUES ({base}, 1)", q(&n.twins[0])),
        format!("UPDATE {} SET v = v + 1", q(&n.twins[1])),
    ];
    for s in stmts {
        c.query_drop(&s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

/// Every row of a table, sorted, read with a quoted name (an independent comparison).
async fn rows(c: &mut mysql_async::Conn, db: &str, table: &str) -> Vec<Vec<Option<Vec<u8>>>> {
    let rows: Vec<mysql_async::Row> = c
        .query(format!("SELECT * FROM {}.{}", q(db), q(table)))
        .await
        .unwrap_or_else(|e| panic!("{db:?}.{table:?}: {e}"));
    let mut out: Vec<Vec<Option<Vec<u8>>>> = rows
        .into_iter()
        .map(|r| {
            r.unwrap()
                .into_iter()
                .map(|v| match v {
                    mysql_async::Value::NULL => None,
                    mysql_async::Value::Bytes(b) => Some(b),
                    other => Some(other.as_sql(true).into_bytes()),
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

async fn assert_equal(n: &Names) {
    let mut s = connect(mariadb_port()).await;
    let mut d = connect(second_port()).await;
    for t in n.tables() {
        assert_eq!(
            rows(&mut s, &n.db, t).await,
            rows(&mut d, &n.dst, t).await,
            "{t:?} differs"
        );
    }
}

async fn assert_not_pwned(n: &Names) {
    for port in [mariadb_port(), second_port()] {
        let mut c = connect(port).await;
        let found: Option<String> = c
            .exec_first(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                (&n.pwned,),
            )
            .await
            .unwrap();
        assert_eq!(found, None, "a table name ran as SQL on the server on port {port}");
    }
}

/// Nothing omsctl prints may carry a name's line break or control character raw: no output
/// line may start with what follows a line break inside a name.
fn assert_printed_safely(out: &std::process::Output) {
    for text in [stdout(out), stderr(out)] {
        for line in text.lines() {
            assert!(
                !line
                    .trim_start_matches(['│', ' ', '┆'])
                    .starts_with("CREATE DATABASE pwned"),
                "a name's line break reached the output:\n{text}"
            );
            assert!(
                !line.contains('\u{1b}') && !line.contains('\r'),
                "a control character reached the output: {line:?}"
            );
        }
    }
}

fn project(n: &Names, name: &str) -> Project {
    Project::new(&format!(
        r#"[project]
name = "{name}"
types = ["schema", "full", "incr", "verify", "reverse"]

[source]
engine = "mariadb"
host = "127.0.0.1"
port = {}
user = "root"

[target]
engine = "mariadb"
host = "127.0.0.1"
port = {}
user = "root"
meta_database = "omsctl_test"

[[objects]]
include = {}
target_database = {}
"#,
        mariadb_port(),
        second_port(),
        toml_str(&format!("{}.*", n.db)),
        toml_str(&n.dst),
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_go_through_every_stage_and_never_run_as_sql() {
    let n = Names::new("m");
    create_source(&n).await;
    {
        let mut d = connect(second_port()).await;
        d.query_drop(format!("DROP DATABASE IF EXISTS {}", q(&n.dst)))
            .await
            .unwrap();
        d.query_drop(format!("DROP DATABASE IF EXISTS {}", q(&n.pwned)))
            .await
            .unwrap();
    }
    let p = project(&n, &unique("hostile"));
    let out = p.expect(&["precheck"], 0);
    assert_printed_safely(&out);
    let out = p.expect(&["run"], 0);
    assert_printed_safely(&out);
    assert_not_pwned(&n).await;
    assert_equal(&n).await;
    assert_printed_safely(&p.expect(&["status"], 0));
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON document");
    assert!(
        j["tables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["source"] == format!("{}.{}", n.db, n.inject)),
        "status --json names tables exactly: {j}"
    );

    // The DDL files are for people to read: each header is one comment line.
    let state = p.state_dir(&unique("hostile"));
    for f in std::fs::read_dir(state.join("schema/ddl")).unwrap() {
        let f = f.unwrap().path();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.starts_with("-- omsctl DDL for "), "{}", f.display());
        assert!(!text.lines().next().unwrap().contains('\r'), "{}", f.display());
        assert!(
            !text.lines().nth(1).unwrap().starts_with("CREATE DATABASE pwned"),
            "{}:\n{text}",
            f.display()
        );
    }
    let report = std::fs::read_to_string(state.join("schema/report.md")).unwrap();
    for line in report.lines().filter(|l| l.starts_with('|')) {
        assert!(line.ends_with('|'), "a name broke a row of report.md: {line:?}");
    }

    // Changes replayed.
    let mut s = connect(mariadb_port()).await;
    write_all(&mut s, &n.db, &n, 100).await;
    let out = p.expect(&["incr", "--once"], 0);
    assert_printed_safely(&out);
    assert_equal(&n).await;

    // verify finds a damaged row; the repair script, run by hand, mends it and runs nothing else.
    let mut d = connect(second_port()).await;
    d.query_drop(format!(
        "UPDATE {}.{} SET {} = 'damaged' WHERE {} = 2",
        q(&n.dst),
        q(&n.inject),
        q("c*/"),
        q("id\n-- y")
    ))
    .await
    .unwrap();
    d.query_drop(format!("DELETE FROM {}.{} WHERE id = 1", q(&n.dst), q(&n.twins[1])))
        .await
        .unwrap();
    let out = p.expect(&["verify"], 1);
    assert_printed_safely(&out);
    let repair = std::fs::read(state.join("verify/repair.sql")).unwrap();
    let st = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", &format!("-P{}", second_port())])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&repair)?;
            child.wait()
        })
        .unwrap();
    assert!(st.success(), "repair.sql failed:\n{}", String::from_utf8_lossy(&repair));
    assert_not_pwned(&n).await;
    assert_equal(&n).await;
    p.expect(&["verify"], 0);

    // Cut over; the application writes to the target; reverse sync brings it back.
    let out = p
        .cmd(&["switchover", "--yes"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_printed_safely(&out);
    let triggers: Option<u64> = d
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?",
            (&n.dst, "tr\n-- trig*/"),
        )
        .await
        .unwrap();
    assert_eq!(triggers, Some(1), "switchover creates the trigger under its own name");
    write_all(&mut d, &n.dst, &n, 200).await;
    let out = p.expect(&["reverse", "--once"], 0);
    assert_printed_safely(&out);
    assert_equal(&n).await;
    assert_not_pwned(&n).await;

    drop_dbs(mariadb_port(), &[&n.db]).await;
    drop_dbs(second_port(), &[&n.dst]).await;
}

/// Tables whose names differ only in case are two tables to a case-sensitive server: each
/// keeps its own progress fence, so a re-run after a crash sees both copied.
#[tokio::test(flavor = "multi_thread")]
async fn tables_differing_only_in_case_keep_a_fence_each() {
    let (src, dst, name) = (unique("twins_src"), unique("twins_dst"), unique("twins"));
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "DROP DATABASE IF EXISTS `{src}`;\nCREATE DATABASE `{src}`;\n\
             CREATE TABLE `{src}`.CaseT (id INT PRIMARY KEY);\nINSERT INTO `{src}`.CaseT VALUES (1), (2);\n\
             CREATE TABLE `{src}`.caset (id INT PRIMARY KEY);\nINSERT INTO `{src}`.caset VALUES (1)"
        ),
    )
    .await;
    drop_dbs(second_port(), &[&dst]).await;
    let p = Project::new(&project_toml(
        &name,
        ("mariadb", mariadb_port()),
        ("mariadb", second_port()),
        &format!("{src}.*"),
        &dst,
        "",
    ));
    p.expect(&["run"], 0);
    let mut d = connect(second_port()).await;
    let fences: Vec<String> = d
        .exec(
            "SELECT tbl FROM omsctl_test.full_chunks WHERE project = ? ORDER BY tbl",
            (&name,),
        )
        .await
        .unwrap();
    assert_eq!(fences, vec![format!("{src}.CaseT"), format!("{src}.caset")]);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(second_port(), &[&dst]).await;
}

/// A quoted PostgreSQL identifier.
fn pq(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn assert_not_pwned_pg(pwned: &str) {
    let n: i64 = crate::postgres::pg("postgres")
        .await
        .query_one("SELECT count(*) FROM pg_database WHERE datname = $1", &[&pwned])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "a name ran as SQL on PostgreSQL");
}

fn run_script(cmd: &mut std::process::Command, script: &[u8]) -> bool {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script).unwrap();
    child.wait().unwrap().success()
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_move_from_mariadb_into_postgres_through_every_stage() {
    use crate::postgres::{drop_pg, pg, pg_port};
    let n = Names::new("p");
    create_source(&n).await;
    let pgdb = unique("hostile_pg");
    drop_pg(&pgdb).await;
    let schema = "hs\n-- s/$$'\"";
    let name = unique("hostile_pg");
    let p = Project::new(&format!(
        r#"[project]
name = "{name}"
types = ["schema", "full", "incr", "verify"]

[source]
engine = "mariadb"
host = "127.0.0.1"
port = {}
user = "root"

[target]
engine = "postgres"
host = "127.0.0.1"
port = {}
user = "root"

[[objects]]
include = {}
target_database = "{pgdb}"
target_schema = {}
"#,
        mariadb_port(),
        pg_port(),
        toml_str(&format!("{}.*", n.db)),
        toml_str(schema),
    ));
    let out = p.expect(&["run"], 0);
    assert_printed_safely(&out);
    let mut s = connect(mariadb_port()).await;
    write_all(&mut s, &n.db, &n, 100).await;
    let out = p.expect(&["incr", "--once"], 0);
    assert_printed_safely(&out);
    p.expect(&["verify"], 0);
    // Independently: the row counts of every table.
    let c = pg(&pgdb).await;
    for t in n.tables() {
        let want: Option<i64> = s
            .query_first(format!("SELECT COUNT(*) FROM {}.{}", q(&n.db), q(t)))
            .await
            .unwrap();
        let got: i64 = c
            .query_one(&format!("SELECT count(*) FROM {}.{}", pq(schema), pq(t)), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(Some(got), want, "{t:?}");
    }
    // A damaged row, mended by the repair script run with psql.
    c.batch_execute(&format!(
        "UPDATE {}.{} SET {} = 'damaged' WHERE {} = 2",
        pq(schema),
        pq(&n.inject),
        pq("c*/"),
        pq("id\n-- y")
    ))
    .await
    .unwrap();
    p.expect(&["verify"], 1);
    let repair = std::fs::read(p.state_dir(&name).join("verify/repair.sql")).unwrap();
    let ok = run_script(
        std::process::Command::new("psql").args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            &pg_port().to_string(),
            "-U",
            "root",
            "-d",
            &pgdb,
        ]),
        &repair,
    );
    assert!(ok, "repair.sql failed:\n{}", String::from_utf8_lossy(&repair));
    p.expect(&["verify"], 0);
    assert_not_pwned(&n).await;
    assert_not_pwned_pg(&n.pwned).await;
    drop(c);
    drop_pg(&pgdb).await;
    drop_dbs(mariadb_port(), &[&n.db]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_move_from_postgres_into_mariadb_through_every_stage() {
    use crate::postgres::{drop_pg, new_pg, pg_port};
    let pgdb = unique("hostile_pgsrc");
    let pid = std::process::id();
    let pwned = format!("pwned_pg_{pid}");
    let schema = "ps\n-- s*/$$'\"";
    let inject = format!("a\nCREATE DATABASE {pwned};--");
    let tables = [inject.as_str(), "b$$c*/", "k\ney--less", "CaseT", "caset"];
    let c = new_pg(&pgdb).await;
    c.batch_execute(&format!(
        "CREATE SCHEMA {s};
         CREATE TABLE {s}.{t0} ({id} int PRIMARY KEY, {v} text DEFAULT 'x''\n-- omsctl:next-statement\nDROP TABLE y;--');
         COMMENT ON TABLE {s}.{t0} IS 'note\n-- omsctl:next-statement\nDROP DATABASE postgres;';
         CREATE TABLE {s}.{t1} (id int PRIMARY KEY, {r} int REFERENCES {s}.{t0} ({id}));
         CREATE TABLE {s}.{t2} (a int, b text);
         ALTER TABLE {s}.{t2} REPLICA IDENTITY FULL;
         CREATE TABLE {s}.{t3} (id int PRIMARY KEY);
         CREATE TABLE {s}.{t4} (id int PRIMARY KEY);
         INSERT INTO {s}.{t0} VALUES (1, 'one\n-- two'), (2, NULL), (3, DEFAULT);
         INSERT INTO {s}.{t1} VALUES (1, 1), (2, 3);
         INSERT INTO {s}.{t2} VALUES (1, 'a'), (1, 'a');
         INSERT INTO {s}.{t3} VALUES (1), (2);
         INSERT INTO {s}.{t4} VALUES (1);",
        s = pq(schema),
        t0 = pq(tables[0]),
        t1 = pq(tables[1]),
        t2 = pq(tables[2]),
        t3 = pq(tables[3]),
        t4 = pq(tables[4]),
        id = pq("id\n-- y"),
        v = pq("v*/$$"),
        r = pq("r\n#"),
    ))
    .await
    .unwrap();
    let dst = format!("hpd\n-- t/_{pid}");
    drop_dbs(second_port(), &[&dst]).await;
    let name = unique("hostile_pgsrc");
    let p = Project::new(&format!(
        r#"[project]
name = "{name}"
types = ["schema", "full", "incr", "verify"]

[source]
engine = "postgres"
host = "127.0.0.1"
port = {}
user = "root"

[target]
engine = "mariadb"
host = "127.0.0.1"
port = {}
user = "root"
meta_database = "omsctl_test"

[[objects]]
include = {}
target_database = {}
"#,
        pg_port(),
        second_port(),
        toml_str(&format!("{pgdb}.{schema}.*")),
        toml_str(&dst),
    ));
    let out = p.expect(&["run"], 0);
    assert_printed_safely(&out);
    c.batch_execute(&format!(
        "INSERT INTO {s}.{t0} VALUES (10, 'new\n-- row');
         UPDATE {s}.{t0} SET {v} = '$$' WHERE {id} = 1;
         DELETE FROM {s}.{t1} WHERE id = 2;
         INSERT INTO {s}.{t2} VALUES (2, '\n');
         UPDATE {s}.{t3} SET id = 5 WHERE id = 1;
         DELETE FROM {s}.{t4};",
        s = pq(schema),
        t0 = pq(tables[0]),
        t1 = pq(tables[1]),
        t2 = pq(tables[2]),
        t3 = pq(tables[3]),
        t4 = pq(tables[4]),
        id = pq("id\n-- y"),
        v = pq("v*/$$"),
    ))
    .await
    .unwrap();
    let out = p.expect(&["incr", "--once"], 0);
    assert_printed_safely(&out);
    p.expect(&["verify"], 0);
    let mut d = connect(second_port()).await;
    for (t, want) in tables.iter().zip([4i64, 1, 3, 2, 0]) {
        let got: Option<i64> = d
            .query_first(format!("SELECT COUNT(*) FROM {}.{}", q(&dst), q(t)))
            .await
            .unwrap();
        assert_eq!(got, Some(want), "{t:?}");
    }
    let found: Option<String> = d
        .exec_first(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            (&pwned,),
        )
        .await
        .unwrap();
    assert_eq!(found, None, "a PostgreSQL name ran as SQL on MariaDB");
    p.expect(&["release", "--yes"], 0);
    drop(c);
    drop_pg(&pgdb).await;
    drop_dbs(second_port(), &[&dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_move_from_mariadb_into_oceanbase_through_every_stage() {
    let n = Names::new("o");
    create_source(&n).await;
    drop_dbs(seekdb_port(), &[&n.dst]).await;
    let name = unique("hostile_ob");
    let p = Project::new(&format!(
        r#"[project]
name = "{name}"
types = ["schema", "full", "incr", "verify"]

[source]
engine = "mariadb"
host = "127.0.0.1"
port = {}
user = "root"

[target]
engine = "oceanbase"
host = "127.0.0.1"
port = {}
user = "root"
meta_database = "omsctl_test"

[[objects]]
include = {}
# OceanBase folds table names to lower case: one of the twins stays behind.
exclude = [{}]
target_database = {}
"#,
        mariadb_port(),
        seekdb_port(),
        toml_str(&format!("{}.*", n.db)),
        toml_str(&format!("{}.{}", n.db, n.twins[0])),
        toml_str(&n.dst),
    ));
    // seekdb cannot index a table whose name holds a backtick: precheck says so before
    // anything is created.
    let out = p.expect(&["precheck"], 1);
    assert!(stdout(&out).contains("holds a backtick"), "{}", stdout(&out));
    // Renamed, it moves. The [tables] key escapes the `.` and `\` inside a name.
    let key = format!("{}.{}", n.db, n.quotes.replace('\\', "\\\\").replace('.', "\\."));
    let mut text = std::fs::read_to_string(&p.file).unwrap();
    text.push_str(&format!("\n[tables.{}]\nrename = \"quotes\"\n", toml_str(&key)));
    std::fs::write(&p.file, text).unwrap();
    let out = p.expect(&["run"], 0);
    assert_printed_safely(&out);
    let mut s = connect(mariadb_port()).await;
    write_all(&mut s, &n.db, &n, 100).await;
    let out = p.expect(&["incr", "--once"], 0);
    assert_printed_safely(&out);
    p.expect(&["verify"], 0);
    let mut d = connect(seekdb_port()).await;
    for (t, stored) in [
        (&n.inject, n.inject.to_lowercase()), // OceanBase keeps names in lower case.
        (&n.quotes, "quotes".to_string()),
        (&n.keyless, n.keyless.to_lowercase()),
        (&n.control, n.control.to_lowercase()),
    ] {
        assert_eq!(
            rows(&mut s, &n.db, t).await,
            rows(&mut d, &n.dst, &stored).await,
            "{t:?} differs"
        );
    }
    let found: Option<String> = d
        .exec_first(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            (&n.pwned,),
        )
        .await
        .unwrap();
    assert_eq!(found, None, "a table name ran as SQL on OceanBase");
    drop_dbs(mariadb_port(), &[&n.db]).await;
    drop_dbs(seekdb_port(), &[&n.dst]).await;
}
