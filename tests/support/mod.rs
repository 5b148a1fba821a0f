//! Test harness: real servers, a unique database per test, the real binary in a temp dir.

#![allow(dead_code)]

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Row, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const MARIADB_PORT: u16 = 3306;
pub const SEEKDB_PORT: u16 = 2881;

pub fn port_from_env(var: &str, default: u16) -> u16 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub fn mariadb_port() -> u16 {
    port_from_env("OMSCTL_TEST_MARIADB_PORT", MARIADB_PORT)
}

pub fn seekdb_port() -> u16 {
    port_from_env("OMSCTL_TEST_SEEKDB_PORT", SEEKDB_PORT)
}

pub async fn connect(port: u16) -> Conn {
    let opts: Opts = OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(port)
        .user(Some("root"))
        .prefer_socket(false)
        .setup(vec!["SET NAMES utf8mb4", "SET time_zone = '+00:00'"])
        .into();
    Conn::new(opts)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to 127.0.0.1:{port} (run scripts/setup-servers.sh): {e}"))
}

/// Runs a batch of statements separated by `;\n`.
pub async fn exec(conn: &mut Conn, sql: &str) {
    for stmt in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        conn.query_drop(stmt).await.unwrap_or_else(|e| panic!("{stmt}: {e}"));
    }
}

/// A unique name for this test's databases and project.
pub fn unique(name: &str) -> String {
    format!("t_{name}_{}", std::process::id())
}

pub struct Project {
    pub dir: tempfile::TempDir,
    pub file: PathBuf,
}

impl Project {
    pub fn new(toml: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("omsctl.toml");
        std::fs::write(&file, toml).expect("write project");
        Project { dir, file }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_omsctl"));
        c.current_dir(self.dir.path()).args(args).env_remove("RUST_BACKTRACE");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("spawn omsctl")
    }

    /// Runs and asserts the exit code, printing output on mismatch.
    pub fn expect(&self, args: &[&str], code: i32) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "omsctl {args:?}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn state_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(".omsctl").join(name)
    }
}

/// Loads a sample database of ../shared/corpus (`ONLY=name`) unless `probe` (a client command
/// printing the row count of the corpus' rental table) already prints 16044.
pub fn ensure_corpus(only: &str, probe: &[&str]) {
    let loaded = std::process::Command::new(probe[0])
        .args(&probe[1..])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "16044")
        .unwrap_or(false);
    if loaded {
        return;
    }
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/load.sh");
    let st = std::process::Command::new("bash")
        .arg(&corpus)
        .env("ONLY", only)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run corpus loader");
    assert!(
        st.success(),
        "loading the {only} corpus with {} failed",
        corpus.display()
    );
}

/// xorshift64: reproducible pseudo-random numbers for workloads and kill moments.
pub struct Rng(pub u64);

impl Rng {
    /// Seeded from the clock; print `.0` so that a failing run can be replayed.
    pub fn from_clock() -> Rng {
        Rng(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

impl Project {
    /// Starts `omsctl args` `runs` times and SIGKILLs each run still going after a random
    /// `min_ms .. min_ms + spread_ms`; returns how many runs were killed.
    /// Starts `omsctl args`, and kills it (-9) after `ms`; it must still be running then.
    pub fn kill_after(&self, args: &[&str], ms: u64) {
        let mut child = self.cmd(args).spawn().expect("spawn omsctl");
        std::thread::sleep(std::time::Duration::from_millis(ms));
        assert!(
            child.try_wait().unwrap().is_none(),
            "omsctl {args:?} ended within {ms} ms by itself"
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }

    pub fn kill_at_random_moments(&self, args: &[&str], runs: usize, min_ms: u64, spread_ms: u64) -> usize {
        let mut rng = Rng::from_clock();
        eprintln!("kill seed {}", rng.0);
        let mut kills = 0;
        for _ in 0..runs {
            let mut child = self.cmd(args).spawn().expect("spawn omsctl");
            std::thread::sleep(std::time::Duration::from_millis(min_ms + rng.below(spread_ms.max(1))));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                kills += 1;
            }
            child.wait().unwrap();
        }
        kills
    }
}

/// A project file between two MySQL-family endpoints.
pub fn project_toml(
    name: &str,
    src: (&str, u16),
    dst: (&str, u16),
    include: &str,
    target_db: &str,
    extra: &str,
) -> String {
    format!(
        r#"[project]
name = "{name}"

[source]
engine = "{}"
host = "127.0.0.1"
port = {}
user = "root"

[target]
engine = "{}"
host = "127.0.0.1"
port = {}
user = "root"
meta_database = "omsctl_test"

[[objects]]
include = "{include}"
target_database = "{target_db}"

{extra}
"#,
        src.0, src.1, dst.0, dst.1
    )
}

/// A project copying `src.*` into `dst` on the primary MariaDB.
pub fn mariadb_pair(name: &str, src: &str, dst: &str, extra: &str) -> String {
    project_toml(
        name,
        ("mariadb", mariadb_port()),
        ("mariadb", mariadb_port()),
        &format!("{src}.*"),
        dst,
        extra,
    )
}

/// The state of one stage from `status --json`.
pub fn stage_json(p: &Project, stage: &str) -> serde_json::Value {
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("status --json is one object");
    j["stages"]
        .as_array()
        .expect("stages array")
        .iter()
        .find(|s| s["name"] == stage)
        .cloned()
        .unwrap_or_else(|| panic!("no stage {stage} in status"))
}

/// Every row of a table as text (NULL as None), sorted, for an independent comparison.
pub async fn table_rows(conn: &mut Conn, db: &str, table: &str, cols: &[&str]) -> Vec<Vec<Option<Vec<u8>>>> {
    let list: Vec<String> = cols.iter().map(|c| format!("`{}`", c.replace('`', "``"))).collect();
    let sql = format!("SELECT {} FROM `{db}`.`{table}`", list.join(", "));
    let rows: Vec<Row> = conn.query(sql).await.unwrap_or_else(|e| panic!("{db}.{table}: {e}"));
    let mut out: Vec<Vec<Option<Vec<u8>>>> = rows
        .into_iter()
        .map(|r| {
            r.unwrap()
                .into_iter()
                .map(|v| match v {
                    Value::NULL => None,
                    Value::Bytes(b) => Some(b),
                    other => Some(other.as_sql(true).into_bytes()),
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

pub async fn columns(conn: &mut Conn, db: &str, table: &str) -> Vec<String> {
    conn.exec(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        (db, table),
    )
    .await
    .expect("columns")
}

/// Asserts that two tables hold the same multiset of rows.
pub async fn assert_same_rows(src: &mut Conn, sdb: &str, dst: &mut Conn, ddb: &str, table: &str) {
    let cols = columns(src, sdb, table).await;
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let a = table_rows(src, sdb, table, &cols).await;
    let b = table_rows(dst, ddb, table, &cols).await;
    assert_eq!(a.len(), b.len(), "{table}: row counts differ");
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "{table}: row {i} differs");
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
