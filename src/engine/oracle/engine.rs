//! Oracle as an [`Engine`]: a source read `AS OF SCN` and mined with LogMiner, and a target for
//! reverse sync. A table id's first part is the owner (schema); omsctl's own tables live in the
//! schema named by `meta_database` (default OMSCTL), which must exist.

use super::apply::OracleApplier;
use super::changes::OracleChanges;
use super::conn::{self, Conn, blocking, ora};
use super::rows::{OracleReader, OracleWriter, missing_table};
use super::{catalog, ddl, errors, sql, types};
use crate::config::{Endpoint, EngineKind, ObjectRule};
use crate::engine::*;
use crate::model::catalog::{Catalog, TableId};
use crate::model::position::Position;
use crate::model::value::{Row, Value};
use anyhow::{Result, anyhow};
use async_trait::async_trait;
use std::collections::BTreeMap;

pub struct OracleEngine {
    endpoint: Endpoint,
}

impl OracleEngine {
    pub fn new(ep: &Endpoint) -> Result<Self> {
        Ok(OracleEngine { endpoint: ep.clone() })
    }

    async fn conn(&self) -> Result<Conn> {
        conn::connect(&self.endpoint).await
    }

    /// Runs `f` on a new session.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&::oracle::Connection) -> ::oracle::Result<T> + Send + 'static,
    ) -> Result<T> {
        let c = self.conn().await?;
        blocking(&self.endpoint, move || f(&c)).await
    }

    fn meta(&self) -> String {
        self.endpoint.meta_database.clone()
    }

    /// The oldest open transaction's start, for a position that LogMiner can restart at.
    async fn position_now(&self) -> Result<Position> {
        self.with(|c| {
            let r = c.query_row(super::logminer::restart_scn_query(), &[])?;
            let scn = r.get::<usize, u64>(0)?;
            let oldest = r.get::<usize, Option<u64>>(1)?;
            Ok(Position::OracleScn {
                scn,
                from: oldest.unwrap_or(scn + 1).min(scn + 1),
            })
        })
        .await
    }

    fn check(id: &str, title: &str, ok: bool, detail: String, fix: &str) -> CheckItem {
        let item = CheckItem::new(
            id,
            title,
            if ok { CheckStatus::Pass } else { CheckStatus::Fail },
            detail,
        );
        if ok { item } else { item.fix(fix) }
    }
}

#[async_trait]
impl Engine for OracleEngine {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn server_info(&self) -> Result<ServerInfo> {
        let (version, settings) = self
            .with(|c| {
                let version = c.query_row(sql::checks::VERSION, &[])?.get::<usize, String>(0)?;
                let mut settings = BTreeMap::new();
                for r in c.query(sql::checks::NLS, &[])? {
                    let r = r?;
                    settings.insert(r.get::<usize, String>(0)?, r.get::<usize, String>(1)?);
                }
                Ok((version, settings))
            })
            .await?;
        Ok(ServerInfo {
            product: "Oracle".into(),
            version,
            settings,
        })
    }

    async fn checks(&self, scope: &CheckScope<'_>) -> Vec<CheckItem> {
        let user = self.endpoint.user.to_uppercase();
        let tables: Vec<TableId> = scope.tables.to_vec();
        let (role, wants_incr) = (scope.role, scope.wants_incr);
        let meta = self.meta();
        let r = self
            .with(move |c| {
                let mut items = Vec::new();
                let privs: Vec<String> = c
                    .query(sql::checks::PRIVILEGES, &[])?
                    .map(|r| r.and_then(|r| r.get::<usize, String>(0)))
                    .collect::<::oracle::Result<_>>()?;
                let has = |p: &str| privs.iter().any(|x| x == p);
                let cs = c
                    .query_row(
                        "SELECT VALUE FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET'",
                        &[],
                    )?
                    .get::<usize, String>(0)?;
                items.push(
                    CheckItem::new(
                        "server.charset",
                        "database character set",
                        if cs == "AL32UTF8" { CheckStatus::Pass } else { CheckStatus::Warn },
                        format!("NLS_CHARACTERSET = {cs}"),
                    )
                    .fix("text is converted to UTF-8 by the client; characters outside the database set were already lost at insert"),
                );
                if role == Role::Source {
                    let unreadable: Vec<String> = tables
                        .iter()
                        .filter(|t| {
                            c.query_row(&format!("SELECT 1 FROM {} WHERE 1 = 0", sql::table(t)), &[])
                                .map(|_| true)
                                .or_else(|e| if ora(&e) == Some(1403) { Ok(true) } else { Err(e) })
                                .is_err()
                        })
                        .map(|t| t.to_string())
                        .collect();
                    items.push(Self::check(
                        "source.privileges",
                        "SELECT on the tables in scope",
                        unreadable.is_empty(),
                        if unreadable.is_empty() {
                            format!("{} tables checked", tables.len())
                        } else {
                            format!("{user} cannot read {}", unreadable.join(", "))
                        },
                        &format!("GRANT SELECT ON <each table> TO {user}; (or GRANT SELECT ANY TABLE TO {user};)"),
                    ));
                    if wants_incr {
                        let r = c.query_row(sql::checks::LOG_MODE, &[])?;
                        let (mode, min, all) = (
                            r.get::<usize, String>(0)?,
                            r.get::<usize, String>(1)?,
                            r.get::<usize, String>(3)?,
                        );
                        items.push(Self::check(
                            "source.archivelog",
                            "ARCHIVELOG mode",
                            mode == "ARCHIVELOG",
                            format!("LOG_MODE = {mode}"),
                            "SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;",
                        ));
                        items.push(Self::check(
                            "source.supplemental_min",
                            "minimal supplemental logging",
                            min == "YES" || min == "IMPLICIT",
                            format!("SUPPLEMENTAL_LOG_DATA_MIN = {min}"),
                            "ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;",
                        ));
                        if all != "YES" {
                            let mut logged = Vec::new();
                            let owners: std::collections::BTreeSet<&str> =
                                tables.iter().map(|t| t.database.as_str()).collect();
                            for o in owners {
                                for r in c.query(sql::checks::TABLE_LOG_GROUPS, &[&o])? {
                                    logged.push(TableId::new(o, r?.get::<usize, String>(0)?));
                                }
                            }
                            let missing: Vec<&TableId> = tables.iter().filter(|t| !logged.contains(t)).collect();
                            items.push(Self::check(
                                "source.supplemental_all",
                                "all-column supplemental logging of the tables",
                                missing.is_empty(),
                                if missing.is_empty() {
                                    "every table logs all columns".into()
                                } else {
                                    format!(
                                        "{} tables log only changed columns, so updates lack their before images: {}",
                                        missing.len(),
                                        missing.iter().take(5).map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
                                    )
                                },
                                "ALTER TABLE <each table> ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS; (or ALTER DATABASE ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;)",
                            ));
                        }
                        items.push(Self::check(
                            "source.logminer",
                            "LogMiner privileges",
                            (has("LOGMINING") || has("DBA")) && (has("SELECT_CATALOG_ROLE") || has("SELECT ANY DICTIONARY") || has("DBA")),
                            format!("{user}: {}", privs.iter().filter(|p| p.contains("LOG") || p.contains("CATALOG") || *p == "DBA").cloned().collect::<Vec<_>>().join(", ")),
                            &format!("GRANT LOGMINING, SELECT_CATALOG_ROLE, SELECT ANY TRANSACTION TO {user}; GRANT EXECUTE ON DBMS_LOGMNR TO {user};"),
                        ));
                    }
                }
                let meta_ok = c
                    .query_row("SELECT 1 FROM ALL_USERS WHERE USERNAME = :1", &[&meta])
                    .is_ok();
                items.push(Self::check(
                    &format!("{}.meta_schema", if role == Role::Source { "source" } else { "target" }),
                    "schema for omsctl's tables",
                    meta_ok,
                    format!("schema {meta}"),
                    &format!("CREATE USER {meta} NO AUTHENTICATION; ALTER USER {meta} QUOTA 100M ON USERS; GRANT CREATE ANY TABLE TO {user};"),
                ));
                if role == Role::Target {
                    items.push(Self::check(
                        "target.privileges",
                        "CREATE TABLE",
                        has("CREATE TABLE") || has("CREATE ANY TABLE") || has("DBA"),
                        user.clone(),
                        &format!("GRANT CREATE TABLE TO {user};"),
                    ));
                }
                Ok(items)
            })
            .await;
        match r {
            Ok(items) => items,
            Err(e) => vec![CheckItem::new(
                "server.checks",
                "Oracle checks",
                CheckStatus::Fail,
                format!("{e:#}"),
            )],
        }
    }

    async fn list_tables(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>> {
        let (rules, meta) = (rules.to_vec(), self.meta());
        self.with(move |c| {
            let mut out = Vec::new();
            for owner in catalog::owners(c)? {
                if owner == meta {
                    continue;
                }
                for t in catalog::tables(c, &owner)? {
                    if rules.iter().any(|r| r.select(&owner, &t).is_some()) {
                        out.push(TableId::new(&owner, t));
                    }
                }
            }
            out.sort();
            Ok(out)
        })
        .await
    }

    async fn list_views(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>> {
        let rules = rules.to_vec();
        self.with(move |c| {
            let mut out = Vec::new();
            for owner in catalog::owners(c)? {
                for v in catalog::views(c, &owner)? {
                    if rules.iter().any(|r| r.select(&owner, &v).is_some()) {
                        out.push(TableId::new(&owner, v));
                    }
                }
            }
            out.sort();
            Ok(out)
        })
        .await
    }

    async fn catalog(&self, tables: &[TableId], views: &[TableId]) -> Result<Catalog> {
        let (tables, views) = (tables.to_vec(), views.to_vec());
        self.with(move |c| {
            let mut cat = Catalog::default();
            let owners: std::collections::BTreeSet<String> =
                tables.iter().chain(&views).map(|t| t.database.clone()).collect();
            for o in owners {
                let t: Vec<String> = tables
                    .iter()
                    .filter(|t| t.database == o)
                    .map(|t| t.name.clone())
                    .collect();
                let v: Vec<String> = views
                    .iter()
                    .filter(|t| t.database == o)
                    .map(|t| t.name.clone())
                    .collect();
                catalog::read(c, &o, &t, &v, &mut cat)?;
            }
            Ok(cat)
        })
        .await
    }

    fn plan_ddl(&self, catalog: &Catalog, source: EngineKind, mappings: &[TableMapping], opts: &DdlOptions) -> DdlPlan {
        let (catalog, notes) = match source {
            EngineKind::Postgres => crate::engine::postgres::types::catalog_as_mysql(catalog),
            EngineKind::Oracle => types::catalog_as_mysql(catalog),
            _ => (catalog.clone(), Vec::new()),
        };
        let mut plan = ddl::plan(&catalog, mappings, opts, false);
        plan.report.splice(0..0, notes);
        plan
    }

    async fn execute_ddl(&self, database: Option<&str>, statement: &str) -> Result<DdlOutcome> {
        let (schema, statement) = (database.map(String::from), statement.to_string());
        let c = self.conn().await?;
        blocking(&self.endpoint, move || {
            if let Some(s) = schema.filter(|s| !s.is_empty()) {
                c.execute(&format!("ALTER SESSION SET CURRENT_SCHEMA = {}", sql::ident(&s)), &[])?;
            }
            match c.execute(&statement, &[]) {
                Ok(_) => Ok(DdlOutcome::Applied),
                Err(e) if ora(&e).is_some_and(|code| errors::ALREADY_EXISTS.contains(&code)) => {
                    tracing::info!("already there: {e}");
                    Ok(DdlOutcome::AlreadyExists)
                }
                Err(e) => Err(e),
            }
        })
        .await
    }

    async fn table_has_rows(&self, id: &TableId) -> Result<Option<bool>> {
        let id = id.clone();
        self.with(move |c| {
            match c.query_row(
                &format!("SELECT COUNT(*) FROM {} WHERE ROWNUM = 1", sql::table(&id)),
                &[],
            ) {
                Ok(r) => Ok(Some(r.get::<usize, u64>(0)? > 0)),
                Err(e) if missing_table(&e) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    async fn chunk_boundaries(&self, spec: &TableSpec, chunk_rows: u64) -> Result<Vec<Vec<Value>>> {
        if spec.key.is_empty() {
            return Ok(Vec::new());
        }
        let q = sql::boundaries(spec, chunk_rows.max(1));
        let kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
        let id = spec.id.clone();
        let rows = self
            .with(move |c| {
                let mut out = Vec::new();
                for r in c.query(&q, &[])? {
                    out.push(super::rows::fetch(&r?, &kinds)?);
                }
                Ok(out)
            })
            .await?;
        rows.into_iter().map(|r| r.map_err(|e| anyhow!("{id}: {e}"))).collect()
    }

    async fn snapshot_readers(&self, workers: usize, _capture: Option<&str>) -> Result<Snapshot> {
        // Every reader reads AS OF one SCN: one consistent snapshot without locks. Changes
        // committed after it are mined from the position's restart point.
        let position = self.position_now().await?;
        let scn = position.scn();
        let mut readers: Vec<Box<dyn Reader>> = Vec::with_capacity(workers);
        for _ in 0..workers.max(1) {
            readers.push(Box::new(OracleReader::new(
                self.conn().await?,
                self.endpoint.clone(),
                scn,
            )));
        }
        Ok(Snapshot {
            readers,
            consistent: true,
            position: Some(position),
            holds: None,
        })
    }

    async fn current_position(&self) -> Result<Option<Position>> {
        Ok(Some(self.position_now().await?))
    }

    async fn position_at(&self, unix_s: u64, _server_id: u32) -> Result<Position> {
        let q = sql::checks::scn_at(unix_s);
        let scn = self
            .with(move |c| c.query_row(&q, &[])?.get::<usize, u64>(0))
            .await?
            .saturating_sub(1);
        Ok(Position::OracleScn { scn, from: scn + 1 })
    }

    async fn open_changes(&self, from: &Position, opts: &ChangeOpts) -> Result<Box<dyn ChangeStream>> {
        Ok(Box::new(
            OracleChanges::open(self.conn().await?, &self.endpoint, from, opts).await?,
        ))
    }

    async fn prepare_heartbeat(&self) -> Result<()> {
        self.prepare_fences().await
    }

    async fn heartbeat(&self, project: &str, now_ms: u64) -> Result<()> {
        let q = sql::merge_meta(
            &self.meta(),
            "heartbeat",
            &[("project", sql::string(project))],
            &[("sent_ms", now_ms.to_string())],
        );
        self.with(move |c| {
            c.execute(&q, &[])?;
            c.commit()
        })
        .await
    }

    async fn incr_checkpoint(&self, project: &str) -> Result<Option<Position>> {
        let q = format!(
            "SELECT \"position\" FROM {}.\"incr_position\" WHERE \"project\" = :1",
            sql::ident(&self.meta())
        );
        let project = project.to_string();
        let text = self
            .with(move |c| match c.query_row(&q, &[&project]) {
                Ok(r) => Ok(Some(r.get::<usize, String>(0)?)),
                Err(e) if missing_table(&e) || e.kind() == ::oracle::ErrorKind::NoDataFound => Ok(None),
                Err(e) => Err(e),
            })
            .await?;
        text.map(|t| t.parse::<Position>().map_err(|e| anyhow!(e))).transpose()
    }

    async fn incr_high_water(&self, project: &str) -> Result<Option<Position>> {
        let q = format!(
            "SELECT \"position\" FROM {}.\"incr_workers\" WHERE \"project\" = :1",
            sql::ident(&self.meta())
        );
        let project = project.to_string();
        let texts = self
            .with(move |c| match c.query(&q, &[&project]) {
                Ok(rows) => rows.map(|r| r.and_then(|r| r.get::<usize, String>(0))).collect(),
                Err(e) if missing_table(&e) => Ok(Vec::new()),
                Err(e) => Err(e),
            })
            .await?;
        Ok(texts
            .iter()
            .filter_map(|t| t.parse::<Position>().ok())
            .reduce(|a, b| if b > a { b } else { a }))
    }

    async fn clear_incr_checkpoint(&self, project: &str) -> Result<()> {
        let (meta, project) = (sql::ident(&self.meta()), project.to_string());
        self.with(move |c| {
            for t in ["incr_position", "incr_workers"] {
                match c.execute(
                    &format!("DELETE FROM {meta}.\"{t}\" WHERE \"project\" = :1"),
                    &[&project],
                ) {
                    Ok(_) => {}
                    Err(e) if missing_table(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            c.commit()
        })
        .await
    }

    async fn applier(&self) -> Result<Box<dyn Applier>> {
        Ok(Box::new(OracleApplier {
            conn: self.conn().await?,
            endpoint: self.endpoint.clone(),
        }))
    }

    async fn set_read_only(&self, _on: bool) -> Result<()> {
        Err(crate::error::usage(
            "switchover.enforce_read_only is not available for an Oracle source: Oracle opens a whole database read-only only through a restart",
            "stop the applications' writes yourself (or ALTER TABLE … READ ONLY per table) and set enforce_read_only = false",
        ))
    }

    async fn auto_increments(&self, tables: &[TableId]) -> Result<BTreeMap<TableId, u64>> {
        let tables = tables.to_vec();
        self.with(move |c| {
            let mut out = BTreeMap::new();
            for t in tables {
                let r = c.query_row(
                    "SELECT COLUMN_NAME FROM ALL_TAB_IDENTITY_COLS WHERE OWNER = :1 AND TABLE_NAME = :2",
                    &[&t.database, &t.name],
                );
                let col = match r {
                    Ok(r) => r.get::<usize, String>(0)?,
                    Err(e) if e.kind() == ::oracle::ErrorKind::NoDataFound => continue,
                    Err(e) => return Err(e),
                };
                let next = c
                    .query_row(
                        &format!("SELECT NVL(MAX({}), 0) + 1 FROM {}", sql::ident(&col), sql::table(&t)),
                        &[],
                    )?
                    .get::<usize, u64>(0)?;
                out.insert(t, next);
            }
            Ok(out)
        })
        .await
    }

    async fn bump_auto_increment(&self, table: &TableId, _next: u64) -> Result<()> {
        let t = table.clone();
        self.with(move |c| {
            let col = match c.query_row(
                "SELECT COLUMN_NAME FROM ALL_TAB_IDENTITY_COLS WHERE OWNER = :1 AND TABLE_NAME = :2",
                &[&t.database, &t.name],
            ) {
                Ok(r) => r.get::<usize, String>(0)?,
                Err(e) if e.kind() == ::oracle::ErrorKind::NoDataFound => return Ok(()),
                Err(e) => return Err(e),
            };
            // START WITH LIMIT VALUE: the identity continues after the largest value present.
            c.execute(
                &format!(
                    "ALTER TABLE {} MODIFY ({} GENERATED BY DEFAULT AS IDENTITY (START WITH LIMIT VALUE))",
                    sql::table(&t),
                    sql::ident(&col)
                ),
                &[],
            )?;
            Ok(())
        })
        .await
    }

    fn replicate_ddl(
        &self,
        _database: &str,
        statement: &str,
        _target_of: &(dyn Fn(&TableId) -> Option<TableId> + Sync),
        _in_scope_db: &(dyn Fn(&str) -> bool + Sync),
    ) -> DdlAction {
        let first = statement
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if matches!(
            first.as_str(),
            "ANALYZE" | "OPTIMIZE" | "FLUSH" | "GRANT" | "REVOKE" | "SET" | "KILL"
        ) {
            return DdlAction::Ignore;
        }
        DdlAction::Unsupported {
            reason:
                "DDL replication into Oracle is not supported: apply the equivalent statement on the target yourself"
                    .into(),
        }
    }

    async fn reader(&self) -> Result<Box<dyn Reader>> {
        Ok(Box::new(OracleReader::new(
            self.conn().await?,
            self.endpoint.clone(),
            None,
        )))
    }

    async fn writer(&self) -> Result<Box<dyn Writer>> {
        Ok(Box::new(OracleWriter {
            conn: self.conn().await?,
            endpoint: self.endpoint.clone(),
        }))
    }

    async fn prepare_fences(&self) -> Result<()> {
        let stmts = sql::meta_tables(&self.meta());
        self.with(move |c| {
            for s in &stmts {
                match c.execute(s, &[]) {
                    Ok(_) => {}
                    Err(e) if ora(&e) == Some(955) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
        .await
    }

    async fn fences(&self, project: &str) -> Result<BTreeMap<String, BTreeMap<u32, u64>>> {
        let q = format!(
            "SELECT \"tbl\", \"chunk\", \"rows_copied\" FROM {}.\"full_chunks\" WHERE \"project\" = :1",
            sql::ident(&self.meta())
        );
        let project = project.to_string();
        self.with(move |c| {
            let mut out: BTreeMap<String, BTreeMap<u32, u64>> = BTreeMap::new();
            let rows = match c.query(&q, &[&project]) {
                Ok(r) => r,
                Err(e) if missing_table(&e) => return Ok(out),
                Err(e) => return Err(e),
            };
            for r in rows {
                let r = r?;
                out.entry(r.get::<usize, String>(0)?)
                    .or_default()
                    .insert(r.get::<usize, u32>(1)?, r.get::<usize, u64>(2)?);
            }
            Ok(out)
        })
        .await
    }

    async fn clear_fences(&self, project: &str) -> Result<()> {
        let q = format!(
            "DELETE FROM {}.\"full_chunks\" WHERE \"project\" = :1",
            sql::ident(&self.meta())
        );
        let project = project.to_string();
        self.with(move |c| {
            match c.execute(&q, &[&project]) {
                Ok(_) => {}
                Err(e) if missing_table(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
            c.commit()
        })
        .await
    }

    fn script_syntax(&self) -> crate::engine::script::Syntax {
        sql::SCRIPT_SYNTAX
    }
    fn repair_sql(&self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Vec<String> {
        deletes
            .iter()
            .map(|r| sql::delete_one(spec, r))
            .chain(upserts.iter().map(|r| sql::merge(spec, r)))
            .map(|s| s.unwrap_or_else(|e| format!("-- cannot render this row: {e}")))
            .collect()
    }

    async fn close(&self) {}
}
