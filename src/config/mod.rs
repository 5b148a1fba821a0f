//! The project file: parsed strictly (`deny_unknown_fields`), then validated into a
//! [`Project`] that only [`load`] can build. Errors name the file, the key path and the line.

mod endpoint;
mod filter;
pub mod template;

pub use endpoint::{Endpoint, EngineKind, Secret};
pub use filter::{ObjectRule, TableSettings, wildcard as filter_wildcard};

use crate::error::usage;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_PROJECT_FILE: &str = "omsctl.toml";
pub const DEFAULT_CONCURRENCY: usize = 4;
pub const DEFAULT_CHUNK_ROWS: u64 = 20_000;
pub const DEFAULT_BATCH_ROWS: usize = 1_000;

/// OMS migration types, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationType {
    Schema,
    Full,
    Incr,
    Verify,
    Reverse,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    project: RawProjectSection,
    source: endpoint::RawEndpoint,
    target: endpoint::RawEndpoint,
    #[serde(default)]
    objects: Vec<filter::RawObjectRule>,
    #[serde(default)]
    tables: BTreeMap<String, TableSettings>,
    #[serde(default)]
    schema: SchemaSettings,
    #[serde(default)]
    full: FullSettings,
    #[serde(default)]
    verify: VerifySettings,
    #[serde(default)]
    incr: IncrSettings,
    #[serde(default)]
    switchover: SwitchoverSettings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProjectSection {
    name: String,
    #[serde(default = "default_types")]
    types: Vec<MigrationType>,
}

fn default_types() -> Vec<MigrationType> {
    vec![MigrationType::Schema, MigrationType::Full, MigrationType::Verify]
}

/// What to do when a table to create already exists on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ExistingTable {
    /// Fail the object; the operator drops it, skips it or switches to `keep`.
    #[default]
    Fail,
    /// Keep the existing table as it is and count the object as done.
    Keep,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemaSettings {
    /// Create secondary indexes after the full copy (faster load) instead of with the table.
    pub indexes_after_data: bool,
    pub existing_tables: ExistingTable,
}

impl Default for SchemaSettings {
    fn default() -> Self {
        SchemaSettings {
            indexes_after_data: true,
            existing_tables: ExistingTable::Fail,
        }
    }
}

/// What `full` does when a target table already holds rows it did not write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NonEmptyTarget {
    #[default]
    Stop,
    Ignore,
}

/// How `full` writes rows into a MySQL-family target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WriteMethod {
    /// MariaDB: bulk; MySQL: load_data; OceanBase and TiDB: insert; PostgreSQL: COPY.
    #[default]
    Auto,
    /// MariaDB's COM_STMT_BULK_EXECUTE of a prepared INSERT (binary values).
    Bulk,
    /// `LOAD DATA LOCAL INFILE` streams (needs local_infile = ON on the server).
    LoadData,
    /// Multi-row prepared INSERTs (works everywhere, the slowest).
    Insert,
}

impl WriteMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteMethod::Auto => "auto",
            WriteMethod::Bulk => "bulk",
            WriteMethod::LoadData => "load_data",
            WriteMethod::Insert => "insert",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FullSettings {
    pub concurrency: usize,
    pub chunk_rows: u64,
    /// What a chunk of wide rows (LOB tables) aims at, in bytes: such a table gets fewer rows
    /// per chunk than `chunk_rows` (by the catalog's average row size), so that several
    /// workers copy it and a chunk's transaction stays small.
    pub chunk_bytes: u64,
    /// Rows per INSERT statement inside a chunk transaction.
    pub batch_rows: usize,
    pub max_rows_per_sec: u64,
    pub max_bytes_per_sec: u64,
    pub on_nonempty_target: NonEmptyTarget,
    /// Whether a MySQL-family target writes the copied rows to its binlog. `false` skips it
    /// for the copy's sessions only (`SET sql_log_bin = 0`, which needs SUPER or BINLOG
    /// ADMIN): faster, as myloader's default, but the target's own replicas do not get them.
    pub target_binlog: bool,
    /// How rows are written into a MySQL-family target.
    pub write_method: WriteMethod,
    /// How often a chunk is retried after a transient error before the stage fails.
    pub retries: u32,
}

impl Default for FullSettings {
    fn default() -> Self {
        FullSettings {
            concurrency: DEFAULT_CONCURRENCY,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            // Measured on 40 rows of 3 MiB (MariaDB → MariaDB, 4 workers): 8 MiB chunks copy in
            // 0.81 s at 140 MB peak RSS, 32 MiB chunks in 0.93-1.26 s at 225 MB (into PostgreSQL:
            // the same 2.0-2.1 s, 155 MB instead of 280 MB).
            chunk_bytes: 8 << 20,
            batch_rows: DEFAULT_BATCH_ROWS,
            max_rows_per_sec: 0,
            max_bytes_per_sec: 0,
            on_nonempty_target: NonEmptyTarget::Stop,
            target_binlog: true,
            write_method: WriteMethod::Auto,
            retries: 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifySettings {
    pub concurrency: usize,
    pub chunk_rows: u64,
    /// Differences listed per table in the report before the rest are only counted.
    pub max_reported_rows: usize,
    /// Differing rows kept in memory per table (for the report, repair SQL and --repair);
    /// past it, or past 256 MiB of values, differences are only counted.
    pub max_diff_rows: usize,
}

impl Default for VerifySettings {
    fn default() -> Self {
        VerifySettings {
            concurrency: DEFAULT_CONCURRENCY,
            chunk_rows: 50_000,
            max_reported_rows: 10_000,
            max_diff_rows: 100_000,
        }
    }
}

/// What incremental sync does when the target disagrees with a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Write the row as the source has it and log the conflict.
    #[default]
    Log,
    /// Stop the stage (exit 1) with the conflict shown.
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DmlKind {
    Insert,
    Update,
    Delete,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncrSettings {
    /// Where to start when there is no full copy to start from: "now" or "FILE:POS".
    pub start_at: Option<String>,
    /// Replica id on the source; default derived from the project name.
    pub server_id: Option<u32>,
    /// Write a heartbeat row on the source every second (needs CREATE and INSERT on
    /// source.meta_database) so that lag is measured even when the source is idle.
    pub heartbeat: bool,
    pub on_conflict: OnConflict,
    /// Row change kinds replicated (OMS DML filter).
    pub dml: Vec<DmlKind>,
    /// Row changes per target transaction at most.
    pub batch_rows: usize,
    /// How long a batch may wait for more changes before it is applied.
    pub batch_ms: u64,
    /// Target connections a batch is applied over, split by key so that changes to one row
    /// stay in order; 1 applies every batch as one target transaction.
    pub workers: usize,
}

impl Default for IncrSettings {
    fn default() -> Self {
        IncrSettings {
            start_at: None,
            server_id: None,
            heartbeat: true,
            on_conflict: OnConflict::Log,
            dml: vec![DmlKind::Insert, DmlKind::Update, DmlKind::Delete],
            batch_rows: 2000,
            batch_ms: 200,
            workers: 4,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SwitchoverSettings {
    /// Set the source read-only (SET GLOBAL read_only = ON) instead of asking the operator to
    /// confirm that applications stopped writing.
    pub enforce_read_only: bool,
    /// Forward-sync lag above which switchover refuses to start.
    pub max_lag_s: u64,
}

impl Default for SwitchoverSettings {
    fn default() -> Self {
        SwitchoverSettings {
            enforce_read_only: false,
            max_lag_s: 15,
        }
    }
}

/// A validated project. Only [`load`] / [`parse`] build one.
#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    pub file: PathBuf,
    pub types: Vec<MigrationType>,
    pub source: Endpoint,
    pub target: Endpoint,
    pub objects: Vec<ObjectRule>,
    pub tables: BTreeMap<String, TableSettings>,
    pub schema: SchemaSettings,
    pub full: FullSettings,
    pub verify: VerifySettings,
    pub incr: IncrSettings,
    pub switchover: SwitchoverSettings,
}

/// The secret-free copy of the project kept in the state directory.
#[derive(Debug, Serialize)]
pub struct ProjectRecord<'a> {
    pub name: &'a str,
    pub types: &'a [MigrationType],
    pub source: String,
    pub target: String,
    pub objects: &'a [ObjectRule],
    pub tables: &'a BTreeMap<String, TableSettings>,
    pub full: &'a FullSettings,
    pub verify: &'a VerifySettings,
}

impl Project {
    pub fn wants(&self, t: MigrationType) -> bool {
        self.types.contains(&t)
    }

    pub fn record(&self) -> ProjectRecord<'_> {
        ProjectRecord {
            name: &self.name,
            types: &self.types,
            source: self.source.to_string(),
            target: self.target.to_string(),
            objects: &self.objects,
            tables: &self.tables,
            full: &self.full,
            verify: &self.verify,
        }
    }

    /// The default state directory: `.omsctl/<project name>/` beside the project file.
    pub fn default_state_dir(&self) -> PathBuf {
        let base = self.file.parent().unwrap_or(Path::new("."));
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        base.join(".omsctl").join(&self.name)
    }
}

/// Reads and validates a project file.
pub fn load(path: &Path) -> Result<Project> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        usage(
            format!("cannot read project file {}: {e}", path.display()),
            if e.kind() == std::io::ErrorKind::NotFound {
                "create one with `omsctl init`, or pass another file with -c PROJECT.toml"
            } else {
                "check the path and its permissions"
            },
        )
    })?;
    parse(&text, path)
}

/// Parses project text; `path` is used in messages and to place the state directory.
pub fn parse(text: &str, path: &Path) -> Result<Project> {
    let raw: RawProject = toml::from_str(text).map_err(|e| {
        let at = e.span().and_then(|s| key_path_at(text, s.start));
        usage(
            format!(
                "invalid project file {}{}: {}",
                path.display(),
                at.map(|k| format!(" at key {k}")).unwrap_or_default(),
                e.to_string().trim_end()
            ),
            "fix the key named above; `omsctl init` writes a commented example of every key",
        )
    })?;
    validate(raw, path)
        .map_err(|e| with_line(e, text))
        .with_context(|| format!("invalid project file {}", path.display()))
}

/// Adds the line of the key a validation error names (its message starts with the key path).
fn with_line(e: anyhow::Error, text: &str) -> anyhow::Error {
    let Some(c) = e.downcast_ref::<crate::error::Classified>() else {
        return e;
    };
    let key = c.message.split([' ', ':']).next().unwrap_or_default();
    match line_of_key(text, key) {
        Some(line) => crate::error::classified(
            c.kind,
            format!("{} (line {line})", c.message),
            c.hint.clone().unwrap_or_default(),
        ),
        None => e,
    }
}

/// The 1-based line where a dotted key path (`full.concurrency`, `objects[1].include`,
/// `tables."db.t".where`, `project.name`) is set.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let (section, nth, leaf) = if let Some(rest) = key.strip_prefix("tables.\"") {
        let (name, leaf) = rest.split_once('"')?;
        (
            format!("[tables.\"{name}\"]"),
            0,
            leaf.trim_start_matches('.').to_string(),
        )
    } else if let Some(rest) = key.strip_prefix("objects[") {
        let (n, leaf) = rest.split_once(']')?;
        let leaf = leaf.trim_start_matches('.');
        let leaf = leaf.split('[').next().unwrap_or(leaf);
        ("[[objects]]".to_string(), n.parse().ok()?, leaf.to_string())
    } else {
        let (sec, leaf) = key.split_once('.')?;
        (format!("[{sec}]"), 0, leaf.to_string())
    };
    let mut seen = 0usize;
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == section && {
                seen += 1;
                seen == nth + 1
            };
            if inside && leaf.is_empty() {
                return Some(i + 1);
            }
            continue;
        }
        if inside && t.split('=').next().is_some_and(|k| k.trim() == leaf) {
            return Some(i + 1);
        }
    }
    None
}

/// The dotted key path (`full.concurency`) of the key at `offset`: the nearest table header
/// above it plus the key itself, so that errors name what to fix even in long files.
fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let key: String = text[line_start..]
        .chars()
        .take_while(|c| !matches!(c, '=' | '\n'))
        .collect::<String>()
        .trim()
        .to_string();
    let header = before[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.starts_with('[')
            .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
    });
    match (header, key.is_empty() || key.starts_with('[')) {
        (Some(h), false) => Some(format!("{h}.{key}")),
        (None, false) => Some(key),
        (Some(h), true) => Some(h),
        (None, true) => None,
    }
}

fn validate(raw: RawProject, path: &Path) -> Result<Project> {
    let name = raw.project.name;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || name.starts_with('.')
    {
        return Err(usage(
            format!("project.name = {name:?} is not a valid name"),
            "use letters, digits, '-', '_' and '.', not starting with '.' (it names the state directory)",
        ));
    }
    let mut types = raw.project.types;
    if types.is_empty() {
        return Err(usage(
            "project.types is empty",
            "list at least one of \"schema\", \"full\", \"incr\", \"verify\", \"reverse\"",
        ));
    }
    types.sort();
    types.dedup();
    if types.contains(&MigrationType::Reverse) && !types.contains(&MigrationType::Incr) {
        return Err(usage(
            "project.types has \"reverse\" without \"incr\"",
            "reverse sync starts at the switchover that ends incremental sync: add \"incr\"",
        ));
    }
    let source = raw.source.validate("source")?;
    let target = raw.target.validate("target")?;
    if raw.objects.is_empty() {
        return Err(usage(
            "no [[objects]] rule: nothing would be migrated",
            "add a rule such as\n[[objects]]\ninclude = \"shop.*\"",
        ));
    }
    let cx = filter::RuleContext {
        source_pg: source.engine == EngineKind::Postgres,
        target_pg: target.engine == EngineKind::Postgres,
    };
    let rules = filter::validate_rules(raw.objects, &cx)?;
    let objects = rules.rules;
    let (mut source, mut target) = (source, target);
    source.database = rules.source_database;
    target.database = rules.target_database;
    for (key, t) in &raw.tables {
        filter::validate_table_key(key)?;
        t.validate(key)?;
    }
    check_positive("full.concurrency", raw.full.concurrency as u64)?;
    check_positive("full.chunk_rows", raw.full.chunk_rows)?;
    check_positive("full.chunk_bytes", raw.full.chunk_bytes)?;
    check_positive("full.batch_rows", raw.full.batch_rows as u64)?;
    check_positive("verify.concurrency", raw.verify.concurrency as u64)?;
    check_positive("verify.chunk_rows", raw.verify.chunk_rows)?;
    check_positive("verify.max_diff_rows", raw.verify.max_diff_rows as u64)?;
    if raw.full.concurrency > 64 || raw.verify.concurrency > 64 {
        return Err(usage(
            "full.concurrency and verify.concurrency must be at most 64",
            "each worker holds one connection to each server; 2 to 8 is typical",
        ));
    }
    if let Some(s) = &raw.incr.start_at
        && s != "now"
        && s.parse::<crate::model::position::Position>().is_err()
        && crate::cli::parse_time(s).is_err()
    {
        {
            return Err(usage(
                format!("incr.start_at = {s:?} is neither \"now\", a binlog position nor a time"),
                "write start_at = \"now\", \"mysql-bin.000003:4567\" (see SHOW MASTER STATUS) or \"2026-11-22 10:00:00\" (UTC)",
            ));
        }
    }
    check_positive("incr.batch_rows", raw.incr.batch_rows as u64)?;
    check_positive("incr.workers", raw.incr.workers as u64)?;
    if raw.incr.workers > 64 {
        return Err(usage(
            format!("incr.workers = {} is above 64", raw.incr.workers),
            "use at most 64 target connections",
        ));
    }
    if !raw.full.target_binlog && !matches!(target.engine, EngineKind::Mysql | EngineKind::Mariadb) {
        return Err(usage(
            format!(
                "full.target_binlog = false, but omsctl cannot skip the binlog of a {} target",
                target.engine.as_str()
            ),
            "remove full.target_binlog (it applies to MySQL and MariaDB targets)",
        ));
    }
    let method_ok = match raw.full.write_method {
        WriteMethod::Auto => true,
        WriteMethod::Bulk => target.engine == EngineKind::Mariadb,
        // OceanBase and TiDB commit LOAD DATA on their own, outside the chunk's transaction.
        WriteMethod::LoadData => matches!(target.engine, EngineKind::Mysql | EngineKind::Mariadb),
        WriteMethod::Insert => !matches!(target.engine, EngineKind::Postgres | EngineKind::Oracle),
    };
    if !method_ok {
        return Err(usage(
            format!(
                "full.write_method = {:?} does not apply to a {} target",
                raw.full.write_method.as_str(),
                target.engine.as_str()
            ),
            "bulk: MariaDB; load_data: MySQL and MariaDB; insert: the MySQL family; or remove the key (auto)",
        ));
    }
    if raw.full.batch_rows > 10_000 {
        return Err(usage(
            format!("full.batch_rows = {} is above 10000", raw.full.batch_rows),
            "larger batches only grow packets; 500 to 5000 is typical",
        ));
    }
    Ok(Project {
        name,
        file: path.to_path_buf(),
        types,
        source,
        target,
        objects,
        tables: raw.tables,
        schema: raw.schema,
        full: raw.full,
        verify: raw.verify,
        incr: raw.incr,
        switchover: raw.switchover,
    })
}

fn check_positive(key: &str, v: u64) -> Result<()> {
    if v == 0 {
        return Err(usage(
            format!("{key} must be at least 1"),
            format!("set {key} to a positive number"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[project]
name = "p1"
[source]
engine = "mariadb"
host = "127.0.0.1"
user = "root"
[target]
engine = "oceanbase"
host = "127.0.0.1"
port = 2881
user = "root"
[[objects]]
include = "shop.*"
"#;

    fn msg(e: &anyhow::Error) -> String {
        format!("{e:#}")
    }

    #[test]
    fn a_write_method_the_target_cannot_use_is_a_usage_error() {
        let text = |engine: &str, method: &str| {
            format!(
                "[project]\nname = \"w\"\n[source]\nengine = \"mariadb\"\nhost = \"h\"\nuser = \"u\"\n\
                 [target]\nengine = \"{engine}\"\nhost = \"h\"\nuser = \"u\"\n[[objects]]\ninclude = \"d.*\"\n\
                 [full]\nwrite_method = \"{method}\"\n"
            )
        };
        let ok = |e: &str, m: &str| parse(&text(e, m), Path::new("w.toml")).is_ok();
        assert!(
            ok("mariadb", "bulk") && ok("mariadb", "load_data") && ok("mysql", "load_data") && ok("tidb", "insert")
        );
        assert!(!ok("mysql", "bulk") && !ok("oceanbase", "load_data") && !ok("postgres", "insert"));
        let e = parse(&text("oceanbase", "load_data"), Path::new("w.toml")).unwrap_err();
        assert!(format!("{e:#}").contains("full.write_method = \"load_data\""), "{e:#}");
    }

    #[test]
    fn skipping_the_target_binlog_is_refused_for_a_target_without_one() {
        let text = |engine: &str| {
            format!(
                "[project]\nname = \"b\"\n[source]\nengine = \"mariadb\"\nhost = \"h\"\nuser = \"u\"\n\
                 [target]\nengine = \"{engine}\"\nhost = \"h\"\nuser = \"u\"\n[[objects]]\ninclude = \"d.*\"\n\
                 [full]\ntarget_binlog = false\n"
            )
        };
        assert!(!parse(&text("mariadb"), Path::new("b.toml")).unwrap().full.target_binlog);
        let e = parse(&text("postgres"), Path::new("b.toml")).unwrap_err();
        assert!(format!("{e:#}").contains("full.target_binlog = false"), "{e:#}");
    }

    #[test]
    fn postgres_rules_name_the_database_and_schema() {
        let pg_src = MINIMAL
            .replace("engine = \"mariadb\"", "engine = \"postgres\"")
            .replace(
                "include = \"shop.*\"",
                "include = \"pagila.public.*\"\nexclude = [\"pagila.public.tmp_*\"]",
            );
        let p = parse(&pg_src, Path::new("/x/omsctl.toml")).unwrap();
        assert_eq!(p.source.database.as_deref(), Some("pagila"));
        assert_eq!(p.objects[0].include, "public.*");
        assert_eq!(p.objects[0].exclude, ["public.tmp_*"]);
        assert_eq!(p.source.port, 5432);
        let e = parse(&pg_src.replace("pagila.public.*", "public.*"), Path::new("/x/o.toml")).unwrap_err();
        assert!(msg(&e).contains("database.schema.table"), "{}", msg(&e));
        let two = pg_src.replace("[[objects]]", "[[objects]]\ninclude = \"other.public.*\"\n[[objects]]");
        let e = parse(&two, Path::new("/x/o.toml")).unwrap_err();
        assert!(msg(&e).contains("another rule names"), "{}", msg(&e));

        let pg_dst = MINIMAL
            .replace("engine = \"oceanbase\"", "engine = \"postgres\"")
            .replace(
                "include = \"shop.*\"",
                "include = \"shop.*\"\ntarget_schema = \"sales\"",
            );
        let p = parse(&pg_dst, Path::new("/x/omsctl.toml")).unwrap();
        assert_eq!(p.target.database.as_deref(), Some("shop"));
        assert_eq!(p.objects[0].select("shop", "orders").as_deref(), Some("sales"));
        let e = parse(&pg_dst.replace("shop.*", "shop*.*"), Path::new("/x/o.toml")).unwrap_err();
        assert!(msg(&e).contains("names no single database"), "{}", msg(&e));
        let e = parse(
            &MINIMAL.replace("include = \"shop.*\"", "include = \"shop.*\"\ntarget_schema = \"x\""),
            Path::new("/x/o.toml"),
        )
        .unwrap_err();
        assert!(msg(&e).contains("not PostgreSQL"), "{}", msg(&e));
    }

    #[test]
    fn minimal_project_gets_defaults() {
        let p = parse(MINIMAL, Path::new("/x/omsctl.toml")).unwrap();
        assert_eq!(
            p.types,
            vec![MigrationType::Schema, MigrationType::Full, MigrationType::Verify]
        );
        assert_eq!(p.source.port, 3306);
        assert_eq!(p.full.chunk_rows, DEFAULT_CHUNK_ROWS);
        assert_eq!(p.default_state_dir(), Path::new("/x/.omsctl/p1"));
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = MINIMAL.replace("[full]", "") + "[full]\nconcurency = 3\n";
        let e = parse(&text, Path::new("p.toml")).unwrap_err();
        let m = msg(&e);
        assert!(m.contains("at key full.concurency"), "{m}");
        assert!(m.contains("line 16"), "{m}");
        assert_eq!(crate::error::kind_of(&e).0, crate::error::Kind::Usage);
    }

    #[test]
    fn zero_concurrency_is_rejected_with_the_key_path_and_line() {
        let text = MINIMAL.to_string() + "[full]\nconcurrency = 0\n";
        let m = msg(&parse(&text, Path::new("p.toml")).unwrap_err());
        assert!(m.contains("full.concurrency") && m.contains("(line 16)"), "{m}");
    }

    #[test]
    fn keys_in_arrays_of_tables_and_quoted_tables_are_located() {
        let text = "[[objects]]\ninclude = \"a.*\"\n[[objects]]\ninclude = \"bad\"\n[tables.\"a.b\"]\nwhere = \"\"\n";
        assert_eq!(line_of_key(text, "objects[1].include"), Some(4));
        assert_eq!(line_of_key(text, "objects[0].include"), Some(2));
        assert_eq!(line_of_key(text, "tables.\"a.b\".where"), Some(6));
        assert_eq!(line_of_key(text, "full.concurrency"), None);
    }

    #[test]
    fn unknown_engine_is_rejected() {
        let text = MINIMAL.replace("\"oceanbase\"", "\"db2\"");
        let m = msg(&parse(&text, Path::new("p.toml")).unwrap_err());
        assert!(m.contains("db2") && m.contains("line"), "{m}");
    }

    #[test]
    fn a_project_without_objects_is_rejected() {
        let text = MINIMAL.replace("[[objects]]\ninclude = \"shop.*\"\n", "");
        let m = msg(&parse(&text, Path::new("p.toml")).unwrap_err());
        assert!(m.contains("[[objects]]"), "{m}");
    }

    #[test]
    fn bad_project_names_are_rejected() {
        for bad in ["", "../x", "a b", ".hidden"] {
            let text = MINIMAL.replace("name = \"p1\"", &format!("name = {bad:?}"));
            assert!(parse(&text, Path::new("p.toml")).is_err(), "{bad}");
        }
    }
}
