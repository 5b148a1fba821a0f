//! The MySQL protocol family: MySQL, MariaDB, OceanBase (MySQL mode) and TiDB.
//!
//! Reads use the binary protocol, streamed, in key ranges on one consistent snapshot shared by
//! all workers (FLUSH TABLES WITH READ LOCK, then START TRANSACTION WITH CONSISTENT SNAPSHOT on
//! every worker connection, then UNLOCK TABLES, as mydumper does) where the server allows it.
//! Writes are multi-row prepared INSERTs inside one transaction per chunk that also upserts
//! the chunk's fence row in `<meta_database>.full_chunks`: the fence commits with the rows or
//! not at all, which makes a crash at any instant safe.

mod apply;
mod binlog;
mod catalog;
pub use catalog::value_kind;
mod checks;
mod conn;
pub(crate) mod ddl;
mod ddl_replication;
pub mod dialect;
mod flavor;
mod reader;
mod tsv;
mod values;
mod writer;

pub use flavor::Flavor;

use crate::config::{Endpoint, EngineKind, NonEmptyTarget, ObjectRule, WriteMethod};
use crate::engine::*;
use crate::error::{Kind, classified};
use crate::model::catalog::{Catalog, TableId};
use crate::model::position::Position;
use crate::model::value::{Row, Value};
use anyhow::{Context, Result};
use async_trait::async_trait;
use mysql_async::Pool;
use mysql_async::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Server errors meaning "what you create exists": table/view (1050), database (1007), key
/// name (1061), foreign key name (1826), trigger (1359), CHECK constraint name (3822; MariaDB
/// 4031 is ER_DUP_CONSTRAINT_NAME in older versions).
/// Also, for replayed DDL: duplicate column (1060) and "can't drop, does not exist" (1091).
const ALREADY_EXISTS: [u16; 8] = [1050, 1007, 1061, 1826, 1359, 3822, 1060, 1091];

pub struct MysqlEngine {
    endpoint: Endpoint,
    flavor: Flavor,
    pool: Pool,
}

impl MysqlEngine {
    pub fn new(ep: &Endpoint) -> Result<Self> {
        let flavor = Flavor::from_kind(ep.engine)
            .ok_or_else(|| anyhow::anyhow!("{} is not a MySQL-family engine", ep.engine.as_str()))?;
        Ok(MysqlEngine {
            endpoint: ep.clone(),
            flavor,
            pool: conn::pool(ep, flavor)?,
        })
    }

    async fn conn(&self) -> Result<mysql_async::Conn> {
        conn::get(&self.pool, &self.endpoint).await
    }

    fn classify(&self, e: mysql_async::Error) -> anyhow::Error {
        conn::classify(e, &self.endpoint)
    }

    async fn grants(&self) -> Result<Vec<checks::Grant>> {
        let mut c = self.conn().await?;
        let lines: Vec<String> = c.query("SHOW GRANTS").await.map_err(|e| self.classify(e))?;
        Ok(checks::parse_grants(&lines))
    }

    async fn binlog_vars(&self) -> Result<BTreeMap<String, String>> {
        let mut c = self.conn().await?;
        let mut out = BTreeMap::new();
        for var in [
            "log_bin",
            "binlog_format",
            "binlog_row_image",
            "server_id",
            "binlog_row_metadata",
            "binlog_expire_logs_seconds",
            "expire_logs_days",
        ] {
            if let Ok(Some(Some(v))) = c
                .query_first::<Option<String>, _>(format!("SELECT CAST(@@GLOBAL.{var} AS CHAR)"))
                .await
            {
                out.insert(var.to_string(), v);
            }
        }
        Ok(out)
    }

    fn fence_table(&self) -> String {
        format!("{}.`full_chunks`", dialect::quote(&self.endpoint.meta_database))
    }
}

#[async_trait]
impl Engine for MysqlEngine {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn server_info(&self) -> Result<ServerInfo> {
        let mut c = self.conn().await?;
        let (version, comment): (String, String) = c
            .query_first("SELECT VERSION(), @@version_comment")
            .await
            .map_err(|e| self.classify(e))?
            .unwrap_or_default();
        let mut settings = BTreeMap::new();
        for var in [
            "sql_mode",
            "time_zone",
            "lower_case_table_names",
            "max_allowed_packet",
            "character_set_server",
        ] {
            let v: Option<Option<String>> = c
                .query_first(format!("SELECT CAST(@@GLOBAL.{var} AS CHAR)"))
                .await
                .ok()
                .flatten();
            if let Some(Some(v)) = v {
                settings.insert(var.to_string(), v);
            }
        }
        Ok(ServerInfo {
            product: Flavor::detect(&version, &comment).name().to_string(),
            version,
            settings,
        })
    }

    async fn checks(&self, scope: &CheckScope<'_>) -> Vec<CheckItem> {
        let mut items = Vec::new();
        let role = match scope.role {
            Role::Source => "source",
            Role::Target => "target",
        };
        match self.server_info().await {
            Ok(info) if info.product != self.flavor.name() => items.push(
                CheckItem::new(
                    &format!("{role}.engine"),
                    format!("{role} engine"),
                    CheckStatus::Warn,
                    format!(
                        "the project says {} but the server is {} {}",
                        self.flavor.name(),
                        info.product,
                        info.version
                    ),
                )
                .fix(format!("set {role}.engine = \"{}\"", info.product.to_ascii_lowercase())),
            ),
            Ok(_) | Err(_) => {}
        }
        if scope.role == Role::Source && scope.wants_incr {
            match (self.binlog_vars().await, self.grants().await) {
                (Ok(vars), Ok(g)) => items.extend(checks::binlog_checks(
                    &vars,
                    &g,
                    scope.estimated_rows,
                    &self.endpoint.meta_database,
                )),
                (Err(e), _) | (_, Err(e)) => items.push(CheckItem::new(
                    "source.binlog",
                    "binlog settings",
                    CheckStatus::Fail,
                    format!("cannot read binlog settings: {e:#}"),
                )),
            }
        }
        // LOAD DATA LOCAL needs the server's consent (MySQL 8 turns it off by default).
        if let Some((method, NonEmptyTarget::Stop)) = scope.writes
            && self.flavor.write_method(method) == WriteMethod::LoadData
        {
            let on = async {
                let v: Option<i64> = self.conn().await?.query_first("SELECT @@GLOBAL.local_infile").await?;
                anyhow::Ok(v.unwrap_or(0) != 0)
            };
            items.push(checks::local_infile_check(on.await, method));
        }
        match self.grants().await {
            Ok(g) => items.extend(checks::privilege_checks(&g, scope, &self.endpoint.meta_database)),
            Err(e) => items.push(CheckItem::new(
                &format!("{role}.privileges"),
                format!("{role} privileges"),
                CheckStatus::Warn,
                format!("SHOW GRANTS failed, privileges not checked: {e:#}"),
            )),
        }
        items
    }

    async fn list_tables(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>> {
        let mut c = self.conn().await?;
        let mut out = Vec::new();
        for db in catalog::databases(&mut c, rules)
            .await
            .map_err(|e| tag_env(e, &self.endpoint))?
        {
            for (name, is_view) in catalog::relations(&mut c, &db).await? {
                if !is_view && rules.iter().any(|r| r.select(&db, &name).is_some()) {
                    out.push(TableId::new(&db, name));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    async fn list_views(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>> {
        let mut c = self.conn().await?;
        let mut out = Vec::new();
        for db in catalog::databases(&mut c, rules).await? {
            for (name, is_view) in catalog::relations(&mut c, &db).await? {
                if is_view && rules.iter().any(|r| r.select(&db, &name).is_some()) {
                    out.push(TableId::new(&db, name));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    async fn catalog(&self, tables: &[TableId], views: &[TableId]) -> Result<Catalog> {
        let mut c = self.conn().await?;
        let mut cat = Catalog::default();
        let dbs: BTreeSet<&str> = tables.iter().chain(views).map(|t| t.database.as_str()).collect();
        for db in dbs {
            let wanted = |n: &str| tables.iter().any(|t| t.database == db && t.name == n);
            let want_view = |n: &str| views.iter().any(|t| t.database == db && t.name == n);
            catalog::read_database(&mut c, self.flavor, db, &wanted, &want_view, &mut cat)
                .await
                .with_context(|| format!("reading the catalog of {db} on {}", self.endpoint))?;
        }
        Ok(cat)
    }

    fn plan_ddl(&self, catalog: &Catalog, source: EngineKind, mappings: &[TableMapping], opts: &DdlOptions) -> DdlPlan {
        if source == EngineKind::Postgres {
            // Columns restated in MySQL terms first; the notes join the conversion report.
            let (catalog, notes) = crate::engine::postgres::types::catalog_as_mysql(catalog);
            let mut plan = ddl::plan(&catalog, Flavor::MySql, self.flavor, mappings, opts);
            plan.report.splice(0..0, notes);
            return plan;
        }
        if source == EngineKind::Oracle {
            let (catalog, notes) = crate::engine::oracle::types::catalog_as_mysql(catalog);
            let mut plan = ddl::plan(&catalog, Flavor::MySql, self.flavor, mappings, opts);
            plan.report.splice(0..0, notes);
            return plan;
        }
        let src = Flavor::from_kind(source).unwrap_or(Flavor::MySql);
        ddl::plan(catalog, src, self.flavor, mappings, opts)
    }

    async fn execute_ddl(&self, database: Option<&str>, sql: &str) -> Result<DdlOutcome> {
        let mut c = self.conn().await?;
        if let Some(db) = database {
            c.query_drop(format!("USE {}", dialect::quote(db)))
                .await
                .map_err(|e| self.classify(e))?;
        }
        match c.query_drop(sql).await {
            Ok(()) => Ok(DdlOutcome::Applied),
            Err(mysql_async::Error::Server(s)) if ALREADY_EXISTS.contains(&s.code) => {
                tracing::info!("already there: {}", s.message);
                Ok(DdlOutcome::AlreadyExists)
            }
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn table_has_rows(&self, id: &TableId) -> Result<Option<bool>> {
        let mut c = self.conn().await?;
        let n: Option<u64> = c
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                (id.database.clone(), id.name.clone()),
            )
            .await
            .map_err(|e| self.classify(e))?;
        if n.unwrap_or(0) == 0 {
            return Ok(None);
        }
        let any: Option<u8> = c
            .query_first(format!("SELECT 1 FROM {} LIMIT 1", dialect::table(id)))
            .await
            .map_err(|e| self.classify(e))?;
        Ok(Some(any.is_some()))
    }

    async fn chunk_boundaries(&self, spec: &TableSpec, chunk_rows: u64) -> Result<Vec<Vec<Value>>> {
        if spec.key.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.conn().await?;
        let mut out: Vec<Vec<Value>> = Vec::new();
        loop {
            let (sql, p) = dialect::next_boundary(spec, out.last(), chunk_rows);
            let r: Option<mysql_async::Row> = c
                .exec_first(sql, reader::params(p))
                .await
                .map_err(|e| self.classify(e))?;
            match r {
                Some(r) => out.push(values::row(r)),
                None => break,
            }
        }
        Ok(out)
    }

    async fn snapshot_readers(&self, workers: usize, _capture: Option<&str>) -> Result<Snapshot> {
        let mut locker = self.conn().await?;
        let locked = self.flavor.can_lock_for_snapshot()
            && locker.query_drop("SET SESSION lock_wait_timeout = 30").await.is_ok()
            && locker.query_drop("FLUSH TABLES WITH READ LOCK").await.is_ok();
        // Under the lock the log stands still: this position is exactly the snapshot's. Without
        // it, the position is taken before any snapshot opens, so replay starts early enough.
        let position = self.current_position().await;
        let mut readers: Vec<Box<dyn Reader>> = Vec::with_capacity(workers);
        let mut result = Ok(());
        for _ in 0..workers {
            let mut c = match self.conn().await {
                Ok(c) => c,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let started = c
                .query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .await
                .is_ok()
                && c.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT").await.is_ok();
            if !started {
                tracing::debug!("consistent snapshot not available on {}", self.endpoint);
            }
            readers.push(Box::new(reader::MysqlReader {
                conn: c,
                endpoint: self.endpoint.clone(),
                flavor: self.flavor,
            }));
        }
        if locked {
            locker.query_drop("UNLOCK TABLES").await.map_err(|e| self.classify(e))?;
        }
        result?;
        // Under the lock the position divides the log exactly: nothing more to say.
        Ok(Snapshot {
            readers,
            consistent: locked,
            position: position?,
            holds: None,
        })
    }

    async fn current_position(&self) -> Result<Option<Position>> {
        let mut c = self.conn().await?;
        let row: Option<mysql_async::Row> = match c.query_first("SHOW MASTER STATUS").await {
            Ok(r) => r,
            // MySQL 8.4 renamed it.
            Err(mysql_async::Error::Server(s)) if s.code == 1064 => c
                .query_first("SHOW BINARY LOG STATUS")
                .await
                .map_err(|e| self.classify(e))?,
            Err(e) => return Err(self.classify(e)),
        };
        Ok(row.and_then(|mut r| {
            let file: Option<String> = r.take(0);
            let pos: Option<u64> = r.take(1);
            Some(Position::mysql(file?, pos?))
        }))
    }

    async fn open_changes(&self, from: &Position, opts: &ChangeOpts) -> Result<Box<dyn ChangeStream>> {
        let scope = binlog::StreamScope {
            rules: opts.rules.clone(),
            project: opts.project.clone(),
            heartbeat: opts.heartbeat_table.clone(),
            markers: vec![
                opts.marker_table.clone(),
                TableId::new(&opts.marker_table.database, apply::WORKERS_TABLE),
            ],
        };
        Ok(Box::new(
            binlog::BinlogChanges::open(
                &self.pool,
                &self.endpoint,
                from,
                opts.server_id,
                opts.non_blocking,
                scope,
            )
            .await?,
        ))
    }

    async fn position_at(&self, unix_s: u64, server_id: u32) -> Result<Position> {
        let mut c = self.conn().await?;
        let files: Vec<(String, u64)> = c
            .query("SHOW BINARY LOGS")
            .await
            .map_err(|e| self.classify(e))?
            .into_iter()
            .map(|mut r: mysql_async::Row| {
                (
                    r.take::<String, _>(0).unwrap_or_default(),
                    r.take::<u64, _>(1).unwrap_or(0),
                )
            })
            .collect();
        binlog::position_at(&self.pool, &self.endpoint, server_id, &files, unix_s).await
    }

    async fn prepare_heartbeat(&self) -> Result<()> {
        let mut c = self.conn().await?;
        let db = dialect::quote(&self.endpoint.meta_database);
        for sql in [
            format!("CREATE DATABASE IF NOT EXISTS {db}"),
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.`heartbeat` (project VARCHAR(128) NOT NULL PRIMARY KEY, \
                 sent_ms BIGINT NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='omsctl: written every second to measure replication lag'"
            ),
        ] {
            c.query_drop(sql).await.map_err(|e| self.classify(e))?;
        }
        Ok(())
    }

    async fn heartbeat(&self, project: &str, now_ms: u64) -> Result<()> {
        let mut c = self.conn().await?;
        c.exec_drop(
            format!(
                "REPLACE INTO {}.`heartbeat` (project, sent_ms) VALUES (?, ?)",
                dialect::quote(&self.endpoint.meta_database)
            ),
            (project, now_ms),
        )
        .await
        .map_err(|e| self.classify(e))
    }

    async fn incr_checkpoint(&self, project: &str) -> Result<Option<Position>> {
        let mut c = self.conn().await?;
        match c
            .exec_first::<(String, u64), _, _>(
                format!(
                    "SELECT file, pos FROM {}.`incr_position` WHERE project = ?",
                    dialect::quote(&self.endpoint.meta_database)
                ),
                (project,),
            )
            .await
        {
            Ok(r) => Ok(r.map(|(f, p)| Position::from_file_pos(f, p))),
            Err(mysql_async::Error::Server(s)) if s.code == 1146 || s.code == 1049 => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn incr_high_water(&self, project: &str) -> Result<Option<Position>> {
        let mut c = self.conn().await?;
        match c
            .exec::<(String, u64), _, _>(
                format!(
                    "SELECT file, pos FROM {}.{} WHERE project = ?",
                    dialect::quote(&self.endpoint.meta_database),
                    dialect::quote(apply::WORKERS_TABLE)
                ),
                (project,),
            )
            .await
        {
            Ok(rows) => Ok(rows
                .into_iter()
                .map(|(f, p)| Position::from_file_pos(f, p))
                .reduce(|a, b| if b > a { b } else { a })),
            Err(mysql_async::Error::Server(s)) if s.code == 1146 || s.code == 1049 => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn clear_incr_checkpoint(&self, project: &str) -> Result<()> {
        let mut c = self.conn().await?;
        let meta = dialect::quote(&self.endpoint.meta_database);
        let mut result = Ok(());
        for table in ["`incr_position`".to_string(), dialect::quote(apply::WORKERS_TABLE)] {
            result = c
                .exec_drop(format!("DELETE FROM {meta}.{table} WHERE project = ?"), (project,))
                .await;
            if result.is_err() {
                break;
            }
        }
        match result {
            Ok(()) => Ok(()),
            Err(mysql_async::Error::Server(s)) if s.code == 1146 || s.code == 1049 => Ok(()),
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn applier(&self) -> Result<Box<dyn Applier>> {
        Ok(Box::new(apply::MysqlApplier {
            conn: self.conn().await?,
            endpoint: self.endpoint.clone(),
            meta_db: self.endpoint.meta_database.clone(),
        }))
    }

    async fn set_read_only(&self, on: bool) -> Result<()> {
        let mut c = self.conn().await?;
        c.query_drop(format!("SET GLOBAL read_only = {}", if on { "ON" } else { "OFF" }))
            .await
            .map_err(|e| self.classify(e))
    }

    async fn auto_increments(&self, tables: &[TableId]) -> Result<BTreeMap<TableId, u64>> {
        let mut c = self.conn().await?;
        let mut out = BTreeMap::new();
        for t in tables {
            // information_schema caches TABLES statistics; a fresh read of the counter:
            let _ = c.query_drop(format!("ANALYZE TABLE {}", dialect::table(t))).await;
            let v: Option<Option<u64>> = c
                .exec_first(
                    "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                    (&t.database, &t.name),
                )
                .await
                .map_err(|e| self.classify(e))?;
            if let Some(Some(n)) = v {
                out.insert(t.clone(), n);
            }
        }
        Ok(out)
    }

    async fn bump_auto_increment(&self, table: &TableId, next: u64) -> Result<()> {
        let mut c = self.conn().await?;
        c.query_drop(format!("ALTER TABLE {} AUTO_INCREMENT = {next}", dialect::table(table)))
            .await
            .map_err(|e| self.classify(e))
    }

    fn replicate_ddl(
        &self,
        database: &str,
        statement: &str,
        target_of: &(dyn Fn(&TableId) -> Option<TableId> + Sync),
        in_scope_db: &(dyn Fn(&str) -> bool + Sync),
    ) -> DdlAction {
        ddl_replication::decide(database, statement, target_of, in_scope_db)
    }

    async fn reader(&self) -> Result<Box<dyn Reader>> {
        Ok(Box::new(reader::MysqlReader {
            conn: self.conn().await?,
            endpoint: self.endpoint.clone(),
            flavor: self.flavor,
        }))
    }

    async fn writer(&self) -> Result<Box<dyn Writer>> {
        Ok(Box::new(writer::MysqlWriter {
            conn: self.conn().await?,
            endpoint: self.endpoint.clone(),
            meta_db: self.endpoint.meta_database.clone(),
            flavor: self.flavor,
            max_packet: None,
            binlog_off: false,
        }))
    }

    async fn prepare_fences(&self) -> Result<()> {
        let mut c = self.conn().await?;
        c.query_drop(format!(
            "CREATE DATABASE IF NOT EXISTS {}",
            dialect::quote(&self.endpoint.meta_database)
        ))
        .await
        .map_err(|e| self.classify(e))?;
        c.query_drop(format!(
            "CREATE TABLE IF NOT EXISTS {} (
               project VARCHAR(128) NOT NULL,
               tbl VARCHAR(512) NOT NULL,
               chunk INT UNSIGNED NOT NULL,
               rows_copied BIGINT UNSIGNED NOT NULL,
               done_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
               PRIMARY KEY (project, tbl, chunk)
             ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='omsctl full-copy progress: a row commits with its chunk'",
            self.fence_table()
        ))
        .await
        .map_err(|e| self.classify(e))?;
        c.query_drop(format!(
            "CREATE TABLE IF NOT EXISTS {}.`incr_position` (
               project VARCHAR(128) NOT NULL PRIMARY KEY,
               file VARCHAR(512) NOT NULL,
               pos BIGINT UNSIGNED NOT NULL,
               applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
             ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='omsctl incremental sync: commits with every applied batch'",
            dialect::quote(&self.endpoint.meta_database)
        ))
        .await
        .map_err(|e| self.classify(e))?;
        c.query_drop(format!(
            "CREATE TABLE IF NOT EXISTS {}.{} (
               project VARCHAR(128) NOT NULL,
               worker SMALLINT UNSIGNED NOT NULL,
               file VARCHAR(512) NOT NULL,
               pos BIGINT UNSIGNED NOT NULL,
               PRIMARY KEY (project, worker)
             ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='omsctl incremental sync: commits with a parallel worker''s share of a batch'",
            dialect::quote(&self.endpoint.meta_database),
            dialect::quote(apply::WORKERS_TABLE)
        ))
        .await
        .map_err(|e| self.classify(e))?;
        // Table and project names compare byte for byte: under a case-insensitive collation
        // (the default before 0.2) the fences of `T` and `t` were one row, so after a crash one
        // of the two tables looked unfinished.
        let loose: Vec<(String, String, u64)> = c
            .exec(
                "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('full_chunks', 'incr_position', 'incr_workers') \
                 AND COLUMN_NAME IN ('project', 'tbl') AND COLLATION_NAME <> 'utf8mb4_bin'",
                (&self.endpoint.meta_database,),
            )
            .await
            .map_err(|e| self.classify(e))?;
        for (table, column, len) in loose {
            c.query_drop(format!(
                "ALTER TABLE {}.{} MODIFY {} VARCHAR({len}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
                dialect::quote(&self.endpoint.meta_database),
                dialect::quote(&table),
                dialect::quote(&column)
            ))
            .await
            .map_err(|e| self.classify(e))?;
        }
        Ok(())
    }

    async fn fences(&self, project: &str) -> Result<BTreeMap<String, BTreeMap<u32, u64>>> {
        let mut c = self.conn().await?;
        let rows: Vec<(String, u32, u64)> = match c
            .exec(
                format!(
                    "SELECT tbl, chunk, rows_copied FROM {} WHERE project = ?",
                    self.fence_table()
                ),
                (project,),
            )
            .await
        {
            Ok(r) => r,
            // 1146: the fence table does not exist yet, so nothing was copied.
            Err(mysql_async::Error::Server(s)) if s.code == 1146 || s.code == 1049 => Vec::new(),
            Err(e) => return Err(self.classify(e)),
        };
        let mut out: BTreeMap<String, BTreeMap<u32, u64>> = BTreeMap::new();
        for (t, ch, n) in rows {
            out.entry(t).or_default().insert(ch, n);
        }
        Ok(out)
    }

    async fn clear_fences(&self, project: &str) -> Result<()> {
        let mut c = self.conn().await?;
        match c
            .exec_drop(
                format!("DELETE FROM {} WHERE project = ?", self.fence_table()),
                (project,),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(mysql_async::Error::Server(s)) if s.code == 1146 || s.code == 1049 => Ok(()),
            Err(e) => Err(self.classify(e)),
        }
    }

    fn checksum_kinds(&self) -> &'static [ChecksumKind] {
        &[ChecksumKind::Crc32, ChecksumKind::Md5]
    }

    fn script_preamble(&self) -> Vec<String> {
        // Repair SQL escapes backslashes in strings; NO_BACKSLASH_ESCAPES would change them.
        vec!["SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');".into()]
    }
    fn script_syntax(&self) -> crate::engine::script::Syntax {
        dialect::SCRIPT_SYNTAX
    }
    fn repair_sql(&self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Vec<String> {
        deletes
            .iter()
            .map(|r| dialect::delete_literal(spec, r))
            .chain(upserts.iter().map(|r| dialect::upsert_literal(spec, r)))
            .collect()
    }

    async fn close(&self) {
        let _ = self.pool.clone().disconnect().await;
    }
}

fn tag_env(e: anyhow::Error, ep: &Endpoint) -> anyhow::Error {
    if crate::error::kind_of(&e).0 == Kind::Internal {
        return classified(
            Kind::Environment,
            format!("cannot list databases on {ep}: {e:#}"),
            "check the user's privileges on information_schema",
        );
    }
    e
}
