//! PostgreSQL as a source and a target. A table id's first part is the schema; the database is
//! the endpoint's (from `[[objects]]`). Change capture: `changes.rs` (pgoutput slot, polled);
//! replay: `apply.rs`; full-copy reads and writes: `copy.rs` (text COPY), `binary_copy.rs`
//! (binary pass-through between two PostgreSQL servers).

mod apply;
mod binary_copy;
mod catalog;
mod changes;
mod conn;
mod copy;
pub(crate) mod ddl;
pub mod pgoutput;
mod snapshot;
mod sql;
pub mod types;

use crate::config::{Endpoint, EngineKind, ObjectRule};
use crate::engine::*;
use crate::model::catalog::{Catalog, TableId};
use crate::model::position::Position;
use crate::model::value::{Row, Value};
use anyhow::{Result, anyhow};
use async_trait::async_trait;
use std::collections::BTreeMap;
use tokio_postgres::Client;

pub struct PgEngine {
    endpoint: Endpoint,
}

/// SQLSTATEs that mean "the object is already there".
const ALREADY_EXISTS: [&str; 4] = ["42P07", "42710", "42P06", "42P16"];

impl PgEngine {
    pub fn new(ep: &Endpoint) -> Result<Self> {
        Ok(PgEngine { endpoint: ep.clone() })
    }

    fn database(&self) -> &str {
        self.endpoint.database.as_deref().unwrap_or("postgres")
    }

    /// A connection to the endpoint's database; a missing target database is created.
    async fn client(&self) -> Result<Client> {
        match conn::connect(&self.endpoint, None).await {
            Err(e) if self.endpoint.role == "target" && format!("{e:#}").contains("3D000") => {
                let admin = conn::connect(&self.endpoint, Some("postgres")).await?;
                let db = self.database();
                match admin
                    .batch_execute(&format!("CREATE DATABASE {}", sql::ident(db)))
                    .await
                {
                    Ok(()) => tracing::info!("created database {db} on the target"),
                    Err(e) if conn::sqlstate(&e) == "42P04" => {}
                    Err(e) => return Err(conn::classify(e, &self.endpoint)),
                }
                conn::connect(&self.endpoint, None).await
            }
            r => r,
        }
    }

    fn classify(&self, e: tokio_postgres::Error) -> anyhow::Error {
        conn::classify(e, &self.endpoint)
    }

    fn fence_table(&self) -> String {
        format!("{}.full_chunks", sql::ident(&self.endpoint.meta_database))
    }

    /// What logical decoding needs on a source.
    async fn capture_checks(&self, c: &Client, tables: &[TableId], estimated_rows: u64) -> Vec<CheckItem> {
        let mut items = Vec::new();
        let show = |name: &'static str| async move {
            c.query_one(&format!("SHOW {name}"), &[])
                .await
                .map(|r| r.get::<_, String>(0))
                .unwrap_or_default()
        };
        let wal = show("wal_level").await;
        items.push(if wal == "logical" {
            CheckItem::new("source.wal_level", "wal_level = logical", CheckStatus::Pass, wal)
        } else {
            CheckItem::new(
                "source.wal_level",
                "wal_level = logical",
                CheckStatus::Fail,
                format!("wal_level is {wal}"),
            )
            .fix("ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL")
        });
        let free = c
            .query_one(
                "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)::int",
                &[],
            )
            .await
            .map(|r| r.get::<_, i32>(0))
            .unwrap_or(0);
        items.push(if free > 0 {
            CheckItem::new(
                "source.replication_slots",
                "a free replication slot",
                CheckStatus::Pass,
                format!("{free} free"),
            )
        } else {
            CheckItem::new(
                "source.replication_slots",
                "a free replication slot",
                CheckStatus::Warn,
                "max_replication_slots are all in use (fine if one is this project's)",
            )
            .fix("raise max_replication_slots (restart), or drop an unused slot with pg_drop_replication_slot")
        });
        // The slot must outlive the copy: WAL kept for slots is capped by
        // max_slot_wal_keep_size; compare how long that lasts at the server's WAL rate with the
        // copy time (at 100,000 rows/s, a conservative figure for this tool).
        let keep_mb = c
            .query_one(
                "SELECT setting::bigint FROM pg_settings WHERE name = 'max_slot_wal_keep_size'",
                &[],
            )
            .await
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(-1);
        let copy_s = estimated_rows as f64 / 100_000.0;
        if keep_mb >= 0 {
            let rate = c
                .query_one(
                    "SELECT wal_bytes::float8 / GREATEST(extract(epoch FROM now() - stats_reset), 1) FROM pg_stat_wal",
                    &[],
                )
                .await
                .map(|r| r.get::<_, f64>(0))
                .unwrap_or(0.0);
            let lasts_s = if rate > 0.0 {
                keep_mb as f64 * 1_048_576.0 / rate
            } else {
                f64::INFINITY
            };
            let detail = format!(
                "max_slot_wal_keep_size = {keep_mb} MB lasts about {lasts_s:.0} s at the server's average WAL rate ({:.1} MB/s); the copy takes about {copy_s:.0} s",
                rate / 1_048_576.0
            );
            items.push(if lasts_s >= 2.0 * copy_s {
                CheckItem::new("source.slot_wal_keep", "WAL kept for the slot outlasts the copy", CheckStatus::Pass, detail)
            } else {
                CheckItem::new("source.slot_wal_keep", "WAL kept for the slot outlasts the copy", CheckStatus::Fail, detail)
                    .fix("ALTER SYSTEM SET max_slot_wal_keep_size = -1 (or a size covering twice the copy time); SELECT pg_reload_conf()")
            });
        } else {
            items.push(CheckItem::new(
                "source.slot_wal_keep",
                "WAL kept for the slot outlasts the copy",
                CheckStatus::Pass,
                "max_slot_wal_keep_size = -1: slots keep all the WAL they need (watch disk space)",
            ));
        }
        let orphans: Vec<String> = c
            .query(
                "SELECT slot_name::text || ' (' || pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) || ' of WAL)' \
                 FROM pg_replication_slots WHERE slot_name LIKE 'omsctl\\_%' AND NOT active",
                &[],
            )
            .await
            .map(|rows| rows.iter().map(|r| r.get(0)).collect())
            .unwrap_or_default();
        if !orphans.is_empty() {
            items.push(
                CheckItem::new(
                    "source.omsctl_slots",
                    "omsctl slots not being read",
                    CheckStatus::Warn,
                    format!("inactive omsctl slots hold WAL: {}", orphans.join(", ")),
                )
                .fix("for a project you no longer run: `omsctl reset incr --yes` in it, or SELECT pg_drop_replication_slot('NAME')"),
            );
        }
        let priv_ok = c
            .query_one(
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user",
                &[],
            )
            .await
            .map(|r| r.get::<_, bool>(0))
            .unwrap_or(false);
        items.push(if priv_ok {
            CheckItem::new(
                "source.replication",
                "REPLICATION privilege",
                CheckStatus::Pass,
                self.endpoint.user.clone(),
            )
        } else {
            CheckItem::new(
                "source.replication",
                "REPLICATION privilege",
                CheckStatus::Fail,
                format!("{} lacks REPLICATION", self.endpoint.user),
            )
            .fix(format!("ALTER ROLE {} REPLICATION;", sql::ident(&self.endpoint.user)))
        });
        // UPDATE and DELETE of a published table need a replica identity, and replay needs the
        // whole old row where the key alone does not identify it.
        for t in tables {
            let r = c
                .query_opt(
                    "SELECT c.relreplident::text, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), \
                            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND NOT i.indisprimary) \
                     FROM pg_class c WHERE c.oid = ($1 || '.' || $2)::regclass",
                    &[&sql::ident(&t.database), &sql::ident(&t.name)],
                )
                .await
                .ok()
                .flatten();
            let Some(r) = r else { continue };
            let (ident, pk, other_unique): (String, bool, bool) = (r.get(0), r.get(1), r.get(2));
            let why = match (ident.as_str(), pk, other_unique) {
                ("f", _, _) => None,
                ("n", _, _) => Some("REPLICA IDENTITY NOTHING: updates and deletes cannot be replicated"),
                (_, false, _) => Some(
                    "no primary key and not REPLICA IDENTITY FULL: updates and deletes would fail on the source once published",
                ),
                (_, true, true) => Some(
                    "a unique index besides the primary key: replay needs the old values (REPLICA IDENTITY FULL) to order changes safely",
                ),
                _ => None,
            };
            if let Some(why) = why {
                items.push(
                    CheckItem::new(
                        "source.replica_identity",
                        format!("replica identity of {t}"),
                        CheckStatus::Fail,
                        why,
                    )
                    .fix(format!("ALTER TABLE {} REPLICA IDENTITY FULL;", sql::table(t))),
                );
            }
        }
        items
    }

    /// The identity or serial column of a table and its sequence.
    async fn identity(&self, c: &Client, t: &TableId) -> Result<Option<(String, String)>> {
        let r = c
            .query_opt(
                "SELECT a.attname::text, pg_get_serial_sequence($1 || '.' || $2, a.attname) FROM pg_attribute a \
                 WHERE a.attrelid = ($1 || '.' || $2)::regclass AND a.attnum > 0 AND NOT a.attisdropped \
                   AND pg_get_serial_sequence($1 || '.' || $2, a.attname) IS NOT NULL LIMIT 1",
                &[&sql::ident(&t.database), &sql::ident(&t.name)],
            )
            .await
            .map_err(|e| self.classify(e))?;
        Ok(r.map(|r| (r.get(0), r.get(1))))
    }

    async fn key_natives(&self, c: &Client, spec: &TableSpec) -> Result<Vec<String>> {
        let by_name = copy::native_types(c, &spec.id, &self.endpoint).await?;
        Ok(spec
            .key
            .iter()
            .map(|&i| by_name.get(&spec.columns[i]).cloned().unwrap_or_default())
            .collect())
    }
}

#[async_trait]
impl Engine for PgEngine {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn server_info(&self) -> Result<ServerInfo> {
        let c = self.client().await?;
        let mut settings = BTreeMap::new();
        for name in [
            "server_version",
            "server_encoding",
            "wal_level",
            "max_replication_slots",
            "TimeZone",
        ] {
            let r = c
                .query_one(&format!("SHOW {name}"), &[])
                .await
                .map_err(|e| self.classify(e))?;
            settings.insert(name.to_string(), r.get::<_, String>(0));
        }
        Ok(ServerInfo {
            product: "PostgreSQL".into(),
            version: settings.get("server_version").cloned().unwrap_or_default(),
            settings,
        })
    }

    async fn checks(&self, scope: &CheckScope<'_>) -> Vec<CheckItem> {
        let role = match scope.role {
            Role::Source => "source",
            Role::Target => "target",
        };
        let mut items = Vec::new();
        let c = match self.client().await {
            Ok(c) => c,
            Err(e) => {
                items.push(CheckItem::new(
                    &format!("{role}.connect"),
                    format!("connect to the {role}"),
                    CheckStatus::Fail,
                    format!("{e:#}"),
                ));
                return items;
            }
        };
        let version = c
            .query_one("SHOW server_version_num", &[])
            .await
            .ok()
            .and_then(|r| r.get::<_, String>(0).parse::<u32>().ok())
            .unwrap_or(0);
        items.push(if version >= 100_000 {
            CheckItem::new(
                &format!("{role}.version"),
                "PostgreSQL 10 or later",
                CheckStatus::Pass,
                format!("server_version_num {version}"),
            )
        } else {
            CheckItem::new(
                &format!("{role}.version"),
                "PostgreSQL 10 or later",
                CheckStatus::Fail,
                format!("server_version_num {version}"),
            )
            .fix("upgrade the server: omsctl uses identity columns and pg_export_snapshot")
        });
        if scope.wants_incr && scope.role == Role::Source {
            items.extend(self.capture_checks(&c, scope.tables, scope.estimated_rows).await);
        }
        match scope.role {
            Role::Source => {
                for t in scope.tables {
                    let ok = c
                        .query_one(
                            "SELECT has_table_privilege(($1 || '.' || $2)::regclass, 'SELECT')",
                            &[&sql::ident(&t.database), &sql::ident(&t.name)],
                        )
                        .await
                        .map(|r| r.get::<_, bool>(0));
                    if !matches!(ok, Ok(true)) {
                        items.push(
                            CheckItem::new(
                                "source.privileges",
                                format!("SELECT on {t}"),
                                CheckStatus::Fail,
                                format!("{} cannot read {t}", self.endpoint.user),
                            )
                            .fix(format!(
                                "GRANT SELECT ON {} TO {};",
                                sql::table(t),
                                sql::ident(&self.endpoint.user)
                            )),
                        );
                    }
                }
                items.push(CheckItem::new(
                    "source.privileges",
                    "SELECT on the tables in scope",
                    if items.iter().any(|i| i.id == "source.privileges") {
                        CheckStatus::Fail
                    } else {
                        CheckStatus::Pass
                    },
                    format!("{} tables checked", scope.tables.len()),
                ));
            }
            Role::Target => {
                let ok = c
                    .query_one("SELECT has_database_privilege(current_database(), 'CREATE')", &[])
                    .await
                    .map(|r| r.get::<_, bool>(0));
                items.push(if matches!(ok, Ok(true)) {
                    CheckItem::new(
                        "target.privileges",
                        "CREATE on the target database",
                        CheckStatus::Pass,
                        self.database().to_string(),
                    )
                } else {
                    CheckItem::new(
                        "target.privileges",
                        "CREATE on the target database",
                        CheckStatus::Fail,
                        self.database().to_string(),
                    )
                    .fix(format!(
                        "GRANT CREATE ON DATABASE {} TO {};",
                        sql::ident(self.database()),
                        sql::ident(&self.endpoint.user)
                    ))
                });
            }
        }
        items
    }

    async fn list_tables(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>> {
        let c = self.client().await?;
        let all = catalog::relations(&c, false).await.map_err(|e| self.classify(e))?;
        Ok(all
            .into_iter()
            .filter(|(s, t)| *s != self.endpoint.meta_database && rules.iter().any(|r| r.select(s, t).is_some()))
            .map(|(s, t)| TableId::new(s, t))
            .collect())
    }

    async fn list_views(&self, rules: &[ObjectRule]) -> Result<Vec<TableId>> {
        let c = self.client().await?;
        let all = catalog::relations(&c, true).await.map_err(|e| self.classify(e))?;
        Ok(all
            .into_iter()
            .filter(|(s, t)| rules.iter().any(|r| r.select(s, t).is_some()))
            .map(|(s, t)| TableId::new(s, t))
            .collect())
    }

    async fn catalog(&self, tables: &[TableId], views: &[TableId]) -> Result<Catalog> {
        let c = self.client().await?;
        catalog::read(&c, tables, views).await.map_err(|e| self.classify(e))
    }

    fn plan_ddl(&self, catalog: &Catalog, source: EngineKind, mappings: &[TableMapping], opts: &DdlOptions) -> DdlPlan {
        if source == EngineKind::Oracle {
            // Oracle columns restated as PostgreSQL types, then planned like a PostgreSQL source.
            let (catalog, notes) = crate::engine::oracle::types::catalog_as_postgres(catalog);
            let mut plan = ddl::plan(&catalog, EngineKind::Postgres, mappings, opts);
            plan.report.splice(0..0, notes);
            return plan;
        }
        ddl::plan(catalog, source, mappings, opts)
    }

    async fn execute_ddl(&self, database: Option<&str>, statement: &str) -> Result<DdlOutcome> {
        let c = self.client().await?;
        if let Some(schema) = database.filter(|s| !s.is_empty()) {
            c.batch_execute(&format!("SET search_path TO {}, public", sql::ident(schema)))
                .await
                .map_err(|e| self.classify(e))?;
        }
        match c.batch_execute(statement).await {
            Ok(()) => Ok(DdlOutcome::Applied),
            Err(e) if ALREADY_EXISTS.contains(&conn::sqlstate(&e)) => {
                tracing::info!("already there: {}", conn::message(&e));
                Ok(DdlOutcome::AlreadyExists)
            }
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn table_has_rows(&self, id: &TableId) -> Result<Option<bool>> {
        let c = self.client().await?;
        let exists: bool = c
            .query_one(
                "SELECT to_regclass($1 || '.' || $2) IS NOT NULL",
                &[&sql::ident(&id.database), &sql::ident(&id.name)],
            )
            .await
            .map_err(|e| self.classify(e))?
            .get(0);
        if !exists {
            return Ok(None);
        }
        let r = c
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {})", sql::table(id)), &[])
            .await
            .map_err(|e| self.classify(e))?;
        Ok(Some(r.get(0)))
    }

    async fn chunk_boundaries(&self, spec: &TableSpec, chunk_rows: u64) -> Result<Vec<Vec<Value>>> {
        if spec.key.is_empty() {
            return Ok(Vec::new());
        }
        let c = self.client().await?;
        let natives = self.key_natives(&c, spec).await?;
        let cols: Vec<String> = spec
            .key
            .iter()
            .zip(&natives)
            .map(|(&i, t)| types::read_expr(&sql::ident(&spec.columns[i]), spec.kinds[i], t))
            .collect();
        let q = sql::boundaries(spec, chunk_rows.max(1), &cols);
        let rows = c.query(&q, &[]).await.map_err(|e| self.classify(e))?;
        rows.iter()
            .map(|r| {
                spec.key
                    .iter()
                    .enumerate()
                    .map(|(j, &i)| types::parse(r.get(j), spec.kinds[i]).map_err(|e| anyhow!("{}: {e}", spec.id)))
                    .collect()
            })
            .collect()
    }

    async fn snapshot_readers(&self, workers: usize, capture: Option<&str>) -> Result<Snapshot> {
        let first = self.client().await?;
        // Replay starts where the slot stands (created just before the copy), or where the WAL
        // is, read before the snapshot exists: every transaction the snapshot lacks commits
        // after that. Which of the later ones the snapshot holds says its transaction ids, not
        // the WAL (see `CopySnapshot`).
        let position = first
            .query_one(
                "SELECT coalesce(least(s.confirmed_flush_lsn, pg_current_wal_lsn()), pg_current_wal_lsn())::text \
                 FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = $1",
                &[&capture.map(changes::capture_name)],
            )
            .await
            .map_err(|e| self.classify(e))?
            .get::<_, String>(0);
        let position = pgoutput::parse_lsn(&position).map(|lsn| Position::PgLsn { lsn });
        first
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(|e| self.classify(e))?;
        let snapshot: String = first
            .query_one("SELECT pg_export_snapshot()", &[])
            .await
            .map_err(|e| self.classify(e))?
            .get(0);
        // The transaction's snapshot as ids (txid_current_snapshot: also before PostgreSQL
        // 13), and the WAL insert position after it, past every commit the snapshot holds.
        let ids = first
            .query_one(
                "SELECT txid_current_snapshot()::text, pg_current_wal_insert_lsn()::text",
                &[],
            )
            .await
            .map_err(|e| self.classify(e))?;
        let holds = pgoutput::parse_lsn(&ids.get::<_, String>(1))
            .and_then(|until| snapshot::parse(&ids.get::<_, String>(0), until));
        if holds.is_none() {
            anyhow::bail!(
                "cannot read the copy's snapshot from {}: {:?}",
                self.endpoint,
                ids.get::<_, String>(0)
            );
        }
        let mut readers: Vec<Box<dyn Reader>> = Vec::with_capacity(workers);
        for _ in 1..workers.max(1) {
            let c = self.client().await?;
            c.batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}",
                sql::string(&snapshot)
            ))
            .await
            .map_err(|e| self.classify(e))?;
            readers.push(Box::new(copy::PgReader::new(c, self.endpoint.clone())));
        }
        readers.insert(0, Box::new(copy::PgReader::new(first, self.endpoint.clone())));
        Ok(Snapshot {
            readers,
            consistent: true,
            position,
            holds,
        })
    }

    async fn current_position(&self) -> Result<Option<Position>> {
        let c = self.client().await?;
        // Transactions committed with synchronous_commit = off may not be written yet, so the
        // write position could stop short of them (and logical decoding reads only flushed
        // WAL): a synchronous commit of our own flushes everything committed before it. It
        // must write WAL to be flushed: a transactional logical message (pgoutput sends none
        // unless asked, and the transaction holds no row change).
        // Without the right to emit one, asynchronous commits show up at the next run.
        if let Err(e) = c
            .batch_execute(
                "BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_logical_emit_message(true, 'omsctl', 'flush'); COMMIT",
            )
            .await
        {
            tracing::warn!("cannot flush the WAL before reading its position: {}", conn::message(&e));
            let _ = c.batch_execute("ROLLBACK").await;
        }
        let r = c
            .query_one("SELECT pg_current_wal_lsn()::text", &[])
            .await
            .map_err(|e| self.classify(e))?;
        Ok(pgoutput::parse_lsn(&r.get::<_, String>(0)).map(|lsn| Position::PgLsn { lsn }))
    }

    async fn position_at(&self, _unix_s: u64, _server_id: u32) -> Result<Position> {
        Err(crate::error::usage(
            "[incr] start_at = TIME is not supported for a PostgreSQL source (WAL keeps no commit times to search)",
            "use start_at = \"now\", or run full with \"incr\" in project.types",
        ))
    }

    async fn prepare_capture(&self, project: &str, tables: &[TableId]) -> Result<()> {
        let c = self.client().await?;
        changes::ensure(&c, &self.endpoint, project, tables).await
    }

    async fn release_capture(&self, project: &str) -> Result<()> {
        let c = self.client().await?;
        changes::release(&c, &self.endpoint, project).await
    }

    async fn open_changes(&self, from: &Position, opts: &ChangeOpts) -> Result<Box<dyn ChangeStream>> {
        // The slot was created before the copy (or by start_at = "now"); without it the
        // changes since `from` are gone, which open reports as a lost position.
        let c = self.client().await?;
        Ok(Box::new(changes::PgChanges::open(c, &self.endpoint, from, opts).await?))
    }

    async fn prepare_heartbeat(&self) -> Result<()> {
        // The heartbeat table is created with the publication (prepare_capture).
        Ok(())
    }

    async fn heartbeat(&self, project: &str, now_ms: u64) -> Result<()> {
        let c = self.client().await?;
        c.batch_execute(&format!(
            "INSERT INTO {}.heartbeat (project, sent_ms) VALUES ({}, {now_ms}) \
             ON CONFLICT (project) DO UPDATE SET sent_ms = EXCLUDED.sent_ms",
            sql::ident(&self.endpoint.meta_database),
            sql::string(project)
        ))
        .await
        .map_err(|e| self.classify(e))
    }

    async fn incr_checkpoint(&self, project: &str) -> Result<Option<Position>> {
        let c = self.client().await?;
        let q = format!(
            "SELECT position FROM {}.incr_position WHERE project = $1",
            sql::ident(&self.endpoint.meta_database)
        );
        match c.query_opt(&q, &[&project]).await {
            Ok(r) => r
                .map(|r| r.get::<_, String>(0).parse::<Position>().map_err(|e| anyhow!(e)))
                .transpose(),
            Err(e) if matches!(conn::sqlstate(&e), "42P01" | "3F000") => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn incr_high_water(&self, project: &str) -> Result<Option<Position>> {
        let c = self.client().await?;
        let q = format!(
            "SELECT position FROM {}.incr_workers WHERE project = $1",
            sql::ident(&self.endpoint.meta_database)
        );
        match c.query(&q, &[&project]).await {
            Ok(rows) => Ok(rows
                .iter()
                .filter_map(|r| r.get::<_, String>(0).parse::<Position>().ok())
                .reduce(|a, b| if b > a { b } else { a })),
            Err(e) if matches!(conn::sqlstate(&e), "42P01" | "3F000") => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    async fn clear_incr_checkpoint(&self, project: &str) -> Result<()> {
        let c = self.client().await?;
        for t in ["incr_position", "incr_workers"] {
            let q = format!(
                "DELETE FROM {}.{t} WHERE project = $1",
                sql::ident(&self.endpoint.meta_database)
            );
            match c.execute(&q, &[&project]).await {
                Ok(_) => {}
                Err(e) if matches!(conn::sqlstate(&e), "42P01" | "3F000") => {}
                Err(e) => return Err(self.classify(e)),
            }
        }
        Ok(())
    }

    async fn applier(&self) -> Result<Box<dyn Applier>> {
        Ok(Box::new(apply::PgApplier {
            client: self.client().await?,
            endpoint: self.endpoint.clone(),
            meta: self.endpoint.meta_database.clone(),
        }))
    }

    async fn set_read_only(&self, on: bool) -> Result<()> {
        let c = self.client().await?;
        let db = sql::ident(self.database());
        c.batch_execute(&format!(
            "ALTER DATABASE {db} SET default_transaction_read_only = {}",
            if on { "on" } else { "off" }
        ))
        .await
        .map_err(|e| self.classify(e))?;
        if on {
            // The setting applies to new sessions: end the applications' open ones.
            c.batch_execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'omsctl' AND backend_type = 'client backend'",
            )
            .await
            .map_err(|e| self.classify(e))?;
        }
        Ok(())
    }

    async fn auto_increments(&self, tables: &[TableId]) -> Result<BTreeMap<TableId, u64>> {
        let c = self.client().await?;
        let mut out = BTreeMap::new();
        for t in tables {
            let Some((col, seq)) = self.identity(&c, t).await? else {
                continue;
            };
            let r = c
                .query_one(
                    &format!(
                        "SELECT (GREATEST(COALESCE(pg_sequence_last_value({}::regclass), 0), COALESCE((SELECT max({}) FROM {}), 0)) + 1)::int8",
                        sql::string(&seq),
                        sql::ident(&col),
                        sql::table(t)
                    ),
                    &[],
                )
                .await
                .map_err(|e| self.classify(e))?;
            out.insert(t.clone(), r.get::<_, i64>(0).max(1) as u64);
        }
        Ok(out)
    }

    async fn bump_auto_increment(&self, table: &TableId, next: u64) -> Result<()> {
        let c = self.client().await?;
        let Some((_, seq)) = self.identity(&c, table).await? else {
            return Ok(());
        };
        c.batch_execute(&format!(
            "SELECT setval({s}::regclass, GREATEST({next}, COALESCE(pg_sequence_last_value({s}::regclass), 0) + 1), false)",
            s = sql::string(&seq)
        ))
        .await
        .map_err(|e| self.classify(e))
    }

    fn replicate_ddl(
        &self,
        database: &str,
        statement: &str,
        _target_of: &(dyn Fn(&TableId) -> Option<TableId> + Sync),
        in_scope_db: &(dyn Fn(&str) -> bool + Sync),
    ) -> DdlAction {
        let words: Vec<String> = statement
            .split_whitespace()
            .take(2)
            .map(|w| w.to_ascii_uppercase())
            .collect();
        let first = words.first().map(String::as_str).unwrap_or_default();
        // Maintenance and account statements change no table definition.
        let admin = matches!(
            first,
            "ANALYZE"
                | "OPTIMIZE"
                | "CHECK"
                | "REPAIR"
                | "FLUSH"
                | "GRANT"
                | "REVOKE"
                | "SET"
                | "RESET"
                | "PURGE"
                | "KILL"
        ) || (matches!(first, "CREATE" | "DROP" | "ALTER" | "RENAME")
            && matches!(
                words.get(1).map(String::as_str),
                Some("USER" | "ROLE" | "SERVER" | "EVENT")
            ));
        if admin || !ddl::statement_touches_scope(database, statement, in_scope_db) {
            return DdlAction::Ignore;
        }
        DdlAction::Unsupported {
            reason: "DDL replication into PostgreSQL is not supported yet".into(),
        }
    }

    async fn reader(&self) -> Result<Box<dyn Reader>> {
        Ok(Box::new(copy::PgReader::new(
            self.client().await?,
            self.endpoint.clone(),
        )))
    }

    async fn writer(&self) -> Result<Box<dyn Writer>> {
        Ok(Box::new(copy::PgWriter {
            client: self.client().await?,
            endpoint: self.endpoint.clone(),
            meta: self.endpoint.meta_database.clone(),
            encodings: std::collections::HashMap::new(),
        }))
    }

    async fn prepare_fences(&self) -> Result<()> {
        let c = self.client().await?;
        c.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {meta};
             CREATE TABLE IF NOT EXISTS {fences} (
               project varchar(128) NOT NULL,
               tbl varchar(512) NOT NULL,
               chunk integer NOT NULL,
               rows_copied bigint NOT NULL,
               done_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (project, tbl, chunk));
             COMMENT ON TABLE {fences} IS 'omsctl full-copy progress: a row commits with its chunk';
             CREATE TABLE IF NOT EXISTS {meta}.incr_position (
               project varchar(128) PRIMARY KEY, position text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
             CREATE TABLE IF NOT EXISTS {meta}.incr_workers (
               project varchar(128) NOT NULL, worker integer NOT NULL, position text NOT NULL,
               PRIMARY KEY (project, worker))",
            meta = sql::ident(&self.endpoint.meta_database),
            fences = self.fence_table()
        ))
        .await
        .map_err(|e| self.classify(e))
    }

    async fn fences(&self, project: &str) -> Result<BTreeMap<String, BTreeMap<u32, u64>>> {
        let c = self.client().await?;
        let rows = match c
            .query(
                &format!(
                    "SELECT tbl::text, chunk, rows_copied FROM {} WHERE project = $1",
                    self.fence_table()
                ),
                &[&project],
            )
            .await
        {
            Ok(r) => r,
            Err(e) if matches!(conn::sqlstate(&e), "42P01" | "3F000") => return Ok(BTreeMap::new()),
            Err(e) => return Err(self.classify(e)),
        };
        let mut out: BTreeMap<String, BTreeMap<u32, u64>> = BTreeMap::new();
        for r in rows {
            out.entry(r.get(0))
                .or_default()
                .insert(r.get::<_, i32>(1) as u32, r.get::<_, i64>(2) as u64);
        }
        Ok(out)
    }

    async fn clear_fences(&self, project: &str) -> Result<()> {
        let c = self.client().await?;
        match c
            .execute(
                &format!("DELETE FROM {} WHERE project = $1", self.fence_table()),
                &[&project],
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if matches!(conn::sqlstate(&e), "42P01" | "3F000") => Ok(()),
            Err(e) => Err(self.classify(e)),
        }
    }

    fn script_preamble(&self) -> Vec<String> {
        // Repair SQL writes strings with doubled quotes only, as standard strings read them.
        vec!["SET standard_conforming_strings = on;".into()]
    }
    fn script_syntax(&self) -> crate::engine::script::Syntax {
        sql::SCRIPT_SYNTAX
    }
    fn repair_sql(&self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Vec<String> {
        deletes
            .iter()
            .map(|r| sql::delete_one(spec, r))
            .chain(upserts.iter().map(|r| sql::upsert(spec, r, false)))
            .map(|s| s.unwrap_or_else(|e| format!("-- cannot render this row: {e}")))
            .collect()
    }

    async fn close(&self) {}
}
