//! incr: replay the source's change log on the target.
//!
//! Data flow: start position (the target's checkpoint, else the consistent point `full`
//! recorded before it read anything, else `[incr] start_at`) → change stream (whole
//! transactions, DDL, heartbeats) → rows projected to the target's columns → batches of whole
//! transactions applied in one target transaction together with the checkpoint row.
//!
//! Crash safety: the checkpoint commits with the data it describes, and the next run starts
//! exactly there, so a kill -9 at any moment loses and duplicates nothing. Changes that
//! overlap the full copy (before `incr_safe_until`) are applied in safe mode (upserts, deletes
//! that tolerate missing rows), so they converge on rows the copy already holds.

use super::full::FullState;
use super::{Ctx, StageOpts, StageOutcome, scope};
use crate::config::{DmlKind, OnConflict, Project};
use crate::engine::{
    ApplyBatch, ApplyStats, ChangeOpts, Copied, DdlAction, DdlOutcome, Engine, TableSpec, TargetChange, causality,
};
use crate::error::{Kind, classified, interrupted, kind_of, usage};
use crate::model::catalog::{Catalog, TableId};
use crate::model::change::{ChangeEvent, RowOp};
use crate::model::position::{CopyPoint, Position};
use crate::model::value::Row;
use crate::state::stages_now_ms;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub insert: u64,
    pub update: u64,
    pub delete: u64,
}

/// `incr.json`: what `status` shows. The target's checkpoint table is authoritative.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IncrState {
    pub position: Option<Position>,
    /// Replication lag in milliseconds, and when it was measured (unix ms).
    pub lag_ms: Option<u64>,
    pub lag_updated_ms: Option<u64>,
    pub tables: BTreeMap<String, Counts>,
    pub conflicts: u64,
    pub transactions: u64,
    pub ddl: u64,
}

/// How one source table is replayed.
struct Route {
    spec: Arc<TableSpec>,
}

/// The route restricted to the columns a change carries (the table as it was when the change
/// was made), with each target column's position in the change's rows.
struct Shape {
    spec: Arc<TableSpec>,
    projection: Vec<usize>,
}

fn shape(route: &Route, columns: &[String]) -> Result<Shape> {
    let full = &route.spec;
    let mut spec = TableSpec {
        id: full.id.clone(),
        columns: Vec::new(),
        kinds: Vec::new(),
        key: Vec::new(),
        unique: Vec::new(),
        compare: Vec::new(),
        filter: None,
    };
    let mut projection = Vec::new();
    // Where each of the table's columns is in the shaped spec.
    let mut at = vec![None; full.columns.len()];
    for (i, c) in full.columns.iter().enumerate() {
        if let Some(p) = columns.iter().position(|x| x == c) {
            if full.key.contains(&i) {
                spec.key.push(spec.columns.len());
            }
            at[i] = Some(spec.columns.len());
            spec.columns.push(c.clone());
            spec.kinds.push(full.kinds[i]);
            spec.compare.push(full.compare[i]);
            projection.push(p);
        }
    }
    // A unique key on a column the rows lack cannot be evaluated: it stays, as "unknown".
    spec.unique = full
        .unique
        .iter()
        .map(|u| {
            u.iter()
                .map(|&i| at[i])
                .collect::<Option<Vec<usize>>>()
                .unwrap_or_default()
        })
        .collect();
    if spec.key.len() != full.key.len() {
        anyhow::bail!(
            "changes of {} lack key columns of the table (a key column was added or renamed later)",
            full.id
        );
    }
    Ok(Shape {
        spec: Arc::new(spec),
        projection,
    })
}

fn routes(
    project: &Project,
    catalog: &Catalog,
    mappings: &[crate::engine::TableMapping],
    generated: Option<&HashMap<TableId, BTreeSet<String>>>,
) -> HashMap<TableId, Route> {
    let mut out = HashMap::new();
    for m in mappings {
        let Some(t) = catalog.tables.iter().find(|t| t.id == m.source) else {
            continue;
        };
        let (_, tgt) = scope::specs(project, t, m, generated.and_then(|g| g.get(&t.id)));
        out.insert(m.source.clone(), Route { spec: Arc::new(tgt) });
    }
    out
}

fn project_row(row: Row, projection: &[usize]) -> Row {
    projection
        .iter()
        .map(|&i| row.get(i).cloned().unwrap_or(crate::model::value::Value::Null))
        .collect()
}

/// One direction of replay: forward (source → target) or reverse (target → source, after
/// switchover). Everything direction-specific is decided here; the loop below is shared.
pub struct Side {
    pub reverse: bool,
    /// The checkpoint key on the applying side.
    pub key: String,
    pub state_file: std::path::PathBuf,
    pub conflicts_file: std::path::PathBuf,
    pub source: Arc<dyn Engine>,
    pub target: Arc<dyn Engine>,
    /// omsctl's database on the reading side (heartbeat and echo-marker tables).
    pub source_meta: String,
    pub rules: Vec<crate::config::ObjectRule>,
    /// Reverse: target table → source table, and target database → source database.
    map: HashMap<TableId, TableId>,
    db_map: HashMap<String, String>,
    project: Project,
}

impl Side {
    pub async fn forward(ctx: &mut Ctx) -> Result<Side> {
        Ok(Side {
            reverse: false,
            key: ctx.project.name.clone(),
            state_file: ctx.dir.incr(),
            conflicts_file: ctx.dir.incr_conflicts(),
            source: ctx.source().await?,
            target: ctx.target().await?,
            source_meta: ctx.project.source.meta_database.clone(),
            rules: ctx.project.objects.clone(),
            map: HashMap::new(),
            db_map: HashMap::new(),
            project: ctx.project.clone(),
        })
    }

    pub async fn reverse(ctx: &mut Ctx) -> Result<Side> {
        let project = ctx.project.clone();
        let original_source = ctx.source().await?;
        let scope = scope::resolve(&project, original_source.as_ref()).await?;
        let map: HashMap<TableId, TableId> = scope
            .mappings
            .iter()
            .map(|m| (m.target.clone(), m.source.clone()))
            .collect();
        let db_map: HashMap<String, String> = scope
            .mappings
            .iter()
            .map(|m| (m.target.database.clone(), m.source.database.clone()))
            .collect();
        let rules = db_map
            .iter()
            .map(|(t, s)| crate::config::ObjectRule {
                include: format!("{t}.*"),
                exclude: vec![],
                target_database: Some(s.clone()),
            })
            .collect();
        Ok(Side {
            reverse: true,
            key: format!("{}:reverse", project.name),
            state_file: ctx.dir.reverse(),
            conflicts_file: ctx.dir.reverse_conflicts(),
            source: ctx.target().await?,
            target: original_source,
            source_meta: project.target.meta_database.clone(),
            rules,
            map,
            db_map,
            project,
        })
    }

    pub fn target_of(&self, t: &TableId) -> Option<TableId> {
        if !self.reverse {
            return scope::target_id(&self.project, t);
        }
        self.map
            .get(t)
            .cloned()
            .or_else(|| self.db_map.get(&t.database).map(|d| TableId::new(d, t.name.clone())))
    }

    fn in_scope_db(&self, d: &str) -> bool {
        self.rules
            .iter()
            .any(|r| crate::config::filter_wildcard(r.database_pattern(), d))
    }

    /// Source tables and their mappings onto the target, as this side sees them.
    async fn mappings(&self) -> Result<Vec<crate::engine::TableMapping>> {
        if !self.reverse {
            return Ok(scope::resolve(&self.project, self.source.as_ref()).await?.mappings);
        }
        let mut tables = self.source.list_tables(&self.rules).await?;
        tables.retain(|t| self.target_of(t).is_some());
        Ok(tables
            .into_iter()
            .filter_map(|t| {
                self.target_of(&t).map(|target| crate::engine::TableMapping {
                    source: t,
                    target,
                    exclude_columns: vec![],
                })
            })
            .collect())
    }
}

/// The route of a table that was not there when replay started: from the source catalog if
/// the table still exists there, else from the target (it was renamed or dropped since).
async fn late_route(side: &Side, table: &TableId) -> Result<Option<Route>> {
    let (project, source, target) = (&side.project, side.source.as_ref(), side.target.as_ref());
    let Some(tgt) = side.target_of(table) else {
        return Ok(None);
    };
    let mapping = crate::engine::TableMapping {
        source: table.clone(),
        target: tgt.clone(),
        exclude_columns: vec![],
    };
    let cat = source.catalog(std::slice::from_ref(table), &[]).await?;
    if let Some(t) = cat.tables.first() {
        let (_, spec) = scope::specs(project, t, &mapping, None);
        return Ok(Some(Route { spec: Arc::new(spec) }));
    }
    let cat = target.catalog(std::slice::from_ref(&tgt), &[]).await?;
    Ok(cat.tables.first().map(|t| {
        let mapping = crate::engine::TableMapping {
            source: tgt.clone(),
            target: tgt.clone(),
            exclude_columns: vec![],
        };
        let (_, spec) = scope::specs(project, t, &mapping, None);
        Route { spec: Arc::new(spec) }
    }))
}

/// A stable replica id for this project (MySQL server_id must be unique among replicas).
fn server_id(project: &Project) -> u32 {
    project.incr.server_id.unwrap_or_else(|| {
        let mut h: u32 = 2_166_136_261;
        for b in project.name.bytes() {
            h = (h ^ b as u32).wrapping_mul(16_777_619);
        }
        1_000_000_000 + h % 1_000_000_000
    })
}

/// Where replay starts, and up to where it replays in safe mode: past the consistent point of
/// `full` (changes that overlap the copy) and past the furthest parallel worker's share (a run
/// stopped between the workers' commits and the checkpoint's).
async fn start_position(ctx: &mut Ctx, side: &Side) -> Result<(Position, Option<Position>)> {
    let (start, mut safe_until) = start_point(ctx, side).await?;
    if let Some(h) = side.target.incr_high_water(&side.key).await?.filter(|h| h > &start) {
        tracing::info!(
            "parallel workers had applied changes up to {h}: replaying from {start} in safe mode up to there"
        );
        safe_until = Some(match safe_until {
            Some(s) if s > h => s,
            _ => h,
        });
    }
    Ok((start, safe_until))
}

/// The target's checkpoint, the consistent point of `full`, or start_at.
async fn start_point(ctx: &mut Ctx, side: &Side) -> Result<(Position, Option<Position>)> {
    let (source, target) = (side.source.as_ref(), side.target.as_ref());
    if side.reverse {
        if let Some(p) = target.incr_checkpoint(&side.key).await? {
            return Ok((p, None));
        }
        let sw: Option<super::switchover::SwitchoverState> = ctx.dir.read_json(&ctx.dir.switchover())?;
        return match sw.and_then(|s| s.reverse_start) {
            Some(p) => Ok((p, None)),
            None => Err(usage(
                "reverse sync has no start position: switchover has not recorded the target's position yet",
                "run `omsctl switchover` first (its step record_target_position sets it)",
            )),
        };
    }
    let full: Option<FullState> = ctx.dir.read_json(&ctx.dir.full())?;
    let safe_until = full.as_ref().and_then(|f| f.incr_safe_until().cloned());
    if let Some(p) = target.incr_checkpoint(&side.key).await? {
        return Ok((p, safe_until));
    }
    if let Some(p) = full.as_ref().and_then(|f| f.incr_start().cloned()) {
        return Ok((p, safe_until));
    }
    match ctx.project.incr.start_at.as_deref() {
        Some("now") => {
            // The log must be kept from before the position is read (a PostgreSQL slot).
            let tables: Vec<TableId> = side.mappings().await?.into_iter().map(|m| m.source).collect();
            source.prepare_capture(&side.key, &tables).await?;
            let p = source.current_position().await?.ok_or_else(binlog_off)?;
            Ok((p, None))
        }
        Some(p) => match p.parse::<Position>() {
            Ok(p) => Ok((p, None)),
            Err(_) => {
                let t = crate::cli::parse_time(p).map_err(|e| usage(e, "fix [incr] start_at"))?;
                let pos = source.position_at(t, server_id(&ctx.project)).await?;
                tracing::info!("[incr] start_at = {p:?} is binlog position {pos}");
                Ok((pos, None))
            }
        },
        None => Err(usage(
            "incremental sync has no start position: no full copy recorded one and [incr] start_at is not set",
            "run `omsctl full` with \"incr\" in project.types (it records the consistent point), or set [incr] start_at = \"now\" or \"FILE:POS\"",
        )),
    }
}

/// What `full`'s copy holds past the start position, which forward replay leaves out: by
/// transaction id (the engine's stream does that), and, for keyless tables a resumed copy read
/// at a later log position, every change of that table up to there (done here).
fn copied(ctx: &Ctx, side: &Side) -> Result<(Copied, HashMap<TableId, Position>)> {
    let mut copied = Copied::default();
    let mut later = HashMap::new();
    if side.reverse {
        return Ok((copied, later));
    }
    let Some(full) = ctx.dir.read_json::<FullState>(&ctx.dir.full())? else {
        return Ok((copied, later));
    };
    copied.all = full.incr_snapshot().cloned();
    for t in full.tables() {
        match t.copied_at.clone() {
            Some(CopyPoint { holds: Some(h), .. }) => {
                copied.tables.insert(t.source.clone(), h);
            }
            Some(CopyPoint { position, holds: None }) => {
                later.insert(t.source.clone(), position);
            }
            None => {}
        }
    }
    Ok((copied, later))
}

fn binlog_off() -> anyhow::Error {
    classified(
        Kind::Environment,
        "the source keeps no change log, so there is nothing to replay",
        "enable it on the source; with \"incr\" in project.types, `omsctl precheck` lists the exact settings",
    )
}

struct Replay {
    /// Commit time (unix seconds) of the last source transaction in the batch, and the send
    /// time (unix ms) of the last heartbeat: the lag is measured when the batch commits.
    last_ts: Option<u32>,
    heartbeat_ms: Option<u64>,
    saved_at: Instant,
    changes: Vec<TargetChange>,
    /// Counted into the state only once the batch is committed.
    counts: BTreeMap<String, Counts>,
    txns: u64,
    rows: usize,
    end: Option<Position>,
    first_at: Option<Instant>,
}

pub async fn run(ctx: &mut Ctx, opts: &StageOpts) -> Result<StageOutcome> {
    let side = Side::forward(ctx).await?;
    replay(ctx, opts, side).await
}

/// `omsctl reverse`: the same replay from the new target back to the old source.
pub async fn run_reverse(ctx: &mut Ctx, opts: &StageOpts) -> Result<StageOutcome> {
    let side = Side::reverse(ctx).await?;
    replay(ctx, opts, side).await
}

pub async fn replay(ctx: &mut Ctx, opts: &StageOpts, side: Side) -> Result<StageOutcome> {
    let project = ctx.project.clone();
    let (source, target) = (side.source.clone(), side.target.clone());
    let mappings = side.mappings().await?;
    let tables: Vec<TableId> = mappings.iter().map(|m| m.source.clone()).collect();
    let catalog = source.catalog(&tables, &[]).await?;
    let generated = scope::target_generated(target.as_ref(), &mappings).await;
    let mut routes = routes(&project, &catalog, &mappings, generated.as_ref());
    target.prepare_fences().await?;
    let (start, safe_until) = start_position(ctx, &side).await?;
    let until = if opts.once {
        Some(source.current_position().await?.ok_or_else(binlog_off)?)
    } else {
        opts.until.clone()
    };
    let mut state: IncrState = ctx.dir.read_json(&side.state_file)?.unwrap_or_default();
    state.position = Some(start.clone());
    ctx.dir.write_json(&side.state_file, &state)?;
    if let Some(u) = until.as_ref().filter(|u| &start > *u) {
        return Err(classified(
            Kind::PositionLost,
            format!(
                "the start position {start} is past the end of the source's binlog ({u}): the binlog was reset, or this is another server"
            ),
            "every table in scope must be copied again: `omsctl reset full --yes`, `omsctl reset incr --yes`, then `omsctl run`",
        ));
    }
    if until.as_ref().is_some_and(|u| &start >= u) {
        ctx.out
            .say(&format!("incr: caught up at {start} (nothing to replay)"))?;
        state.lag_ms = Some(0);
        state.lag_updated_ms = Some(stages_now_ms());
        ctx.dir.write_json(&side.state_file, &state)?;
        return Ok(StageOutcome {
            summary: json!({"position": start.to_string(), "transactions": 0}),
            negative: None,
        });
    }
    ctx.out.status(&format!(
        "incr: replaying from {start}{}",
        until
            .as_ref()
            .map(|u| format!(" until {u}"))
            .unwrap_or_else(|| " (follow mode; Ctrl-C stops after the current batch)".into())
    ));

    // The heartbeat makes lag truthful on an idle source.
    let mut heartbeat_task = None;
    if !opts.once && project.incr.heartbeat {
        match source.prepare_heartbeat().await {
            Ok(()) => {
                let (src, name, mut cancel) = (source.clone(), side.key.clone(), ctx.cancel.clone());
                heartbeat_task = Some(tokio::spawn(async move {
                    loop {
                        if let Err(e) = src.heartbeat(&name, stages_now_ms()).await {
                            tracing::warn!("heartbeat write failed: {e:#}");
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = cancel.changed() => return,
                        }
                    }
                }));
            }
            Err(e) => tracing::warn!(
                "no heartbeat table on the source ({e:#}); lag is measured from event times, which is exact only while changes flow"
            ),
        }
    }

    let (copied, copied_up_to) = copied(ctx, &side)?;
    let change_opts = ChangeOpts {
        server_id: server_id(&project) + u32::from(side.reverse),
        non_blocking: opts.once,
        rules: side.rules.clone(),
        project: side.key.clone(),
        heartbeat_table: TableId::new(&side.source_meta, "heartbeat"),
        marker_table: TableId::new(&side.source_meta, "incr_position"),
        copied,
    };
    let mut stream = source.open_changes(&start, &change_opts).await?;
    let mut appliers = vec![target.applier().await?];
    let mut pending = Replay {
        last_ts: None,
        heartbeat_ms: None,
        saved_at: Instant::now(),
        changes: Vec::new(),
        counts: BTreeMap::new(),
        txns: 0,
        rows: 0,
        end: None,
        first_at: None,
    };
    let mut skip_ddl = opts.skip_ddl;
    // The end of the last event handled: what --until compares against (a flush clears
    // `pending.end`, this stays).
    let mut last_end: Option<Position> = None;
    let mut shapes: HashMap<(TableId, Arc<Vec<String>>), Shape> = HashMap::new();
    let mut last_save = Instant::now();
    let mut cancel = ctx.cancel.clone();
    let allowed = |op: &RowOp| {
        let k = match op {
            RowOp::Insert { .. } => DmlKind::Insert,
            RowOp::Update { .. } => DmlKind::Update,
            RowOp::Delete { .. } => DmlKind::Delete,
        };
        project.incr.dml.contains(&k)
    };
    let batch_wait = Duration::from_millis(project.incr.batch_ms);
    let started = Instant::now();
    let start_txns = state.transactions;
    let start_tables = state.tables.clone();
    let result: Result<()> = async {
        loop {
            let wait = pending
                .first_at
                .map(|t| batch_wait.saturating_sub(t.elapsed()))
                .unwrap_or(Duration::from_secs(3600));
            let ev = tokio::select! {
                ev = stream.next() => Some(ev?),
                _ = tokio::time::sleep(wait) => None,
                _ = cancel.changed() => {
                    flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                    return Err(interrupted());
                }
            };
            let Some(ev) = ev else {
                // The batch waited long enough.
                flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                continue;
            };
            let mut done = false;
            match ev {
                None => done = true,
                Some(ChangeEvent::Txn { changes, end, ts, marked }) => {
                    if opts.until_time.is_some_and(|t| ts as u64 > t) && !changes.is_empty() {
                        // The first transaction committed after --until TIME: stop before it.
                        flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                        return Ok(());
                    }
                    let rows_before = pending.rows;
                    if !marked {
                        for ch in changes {
                            if !allowed(&ch.op) || copied_up_to.get(&ch.table).is_some_and(|p| &end <= p) {
                                continue;
                            }
                            if !routes.contains_key(&ch.table) {
                                // A table created after the copy (CREATE / RENAME in the log).
                                if let Some(r) = late_route(&side, &ch.table).await? {
                                    routes.insert(ch.table.clone(), r);
                                }
                            }
                            let Some(route) = routes.get(&ch.table) else { continue };
                            let key = (ch.table.clone(), ch.columns.clone());
                            if !shapes.contains_key(&key) {
                                shapes.insert(key.clone(), shape(route, &ch.columns)?);
                            }
                            let Some(route) = shapes.get(&key) else { continue };
                            let counts = pending.counts.entry(ch.table.to_string()).or_default();
                            let op = match ch.op {
                                RowOp::Insert { after } => {
                                    counts.insert += 1;
                                    RowOp::Insert { after: project_row(after, &route.projection) }
                                }
                                RowOp::Update { before, after } => {
                                    counts.update += 1;
                                    RowOp::Update {
                                        before: project_row(before, &route.projection),
                                        after: project_row(after, &route.projection),
                                    }
                                }
                                RowOp::Delete { before } => {
                                    counts.delete += 1;
                                    RowOp::Delete { before: project_row(before, &route.projection) }
                                }
                            };
                            pending.changes.push(TargetChange { spec: route.spec.clone(), op });
                            pending.rows += 1;
                        }
                    }
                    if rows_before != pending.rows {
                        pending.txns += 1;
                    }
                    pending.last_ts = Some(ts);
                    pending.end = Some(end);
                    pending.first_at.get_or_insert_with(Instant::now);
                    if pending.rows >= project.incr.batch_rows {
                        flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                    }
                }
                Some(ChangeEvent::Heartbeat { sent_ms, end }) => {
                    pending.heartbeat_ms = Some(sent_ms);
                    pending.end = Some(end);
                    pending.first_at.get_or_insert_with(Instant::now);
                }
                Some(ChangeEvent::Idle { end }) => {
                    if pending.changes.is_empty() && heartbeat_task.is_none() {
                        // Nothing arrived for a while: we are at the end of the log.
                        state.lag_ms = Some(0);
                        state.lag_updated_ms = Some(stages_now_ms());
                    }
                    if state.position.as_ref() != Some(&end) {
                        pending.end = Some(end);
                    }
                    flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                }
                Some(ChangeEvent::Ddl { database, statement, end, .. }) => {
                    flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                    let target_of = |t: &TableId| side.target_of(t);
                    let in_scope_db = |d: &str| side.in_scope_db(d);
                    match target.replicate_ddl(&database, &statement, &target_of, &in_scope_db) {
                        DdlAction::Ignore => {}
                        DdlAction::Unsupported { reason } if skip_ddl => {
                            tracing::warn!("skipped DDL at {end} ({reason}): {statement}");
                            skip_ddl = false;
                        }
                        DdlAction::Unsupported { reason } => {
                            return Err(classified(
                                Kind::Environment,
                                format!("incremental sync stopped at {end}: {reason}: {statement}"),
                                "apply the change to the target yourself if needed, then `omsctl incr --skip-ddl` skips this one statement",
                            ));
                        }
                        DdlAction::Apply { database: db, statement: stmt, .. } => {
                            match target.execute_ddl(db.as_deref(), &stmt).await {
                                Ok(DdlOutcome::Applied) => tracing::info!("replicated DDL: {stmt}"),
                                Ok(DdlOutcome::AlreadyExists) => tracing::info!("DDL already applied: {stmt}"),
                                Err(e) if kind_of(&e).0 == Kind::Transient => return Err(e),
                                Err(e) => {
                                    return Err(e.context(format!(
                                        "replicating DDL at {end}: {stmt}\n(fix the target, or `omsctl incr --skip-ddl` to skip it)"
                                    )));
                                }
                            }
                            state.ddl += 1;
                            // The table set or definitions changed: reload and reopen the stream.
                            let mappings = side.mappings().await?;
                            let tables: Vec<TableId> = mappings.iter().map(|m| m.source.clone()).collect();
                            let catalog = source.catalog(&tables, &[]).await?;
                            routes = self::routes(&project, &catalog, &mappings, generated.as_ref());
                            shapes.clear();
                        }
                    }
                    pending.end = Some(end);
                    flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                }
            }
            if let Some(e) = pending.end.clone().or_else(|| state.position.clone()) {
                last_end = Some(e);
            }
            let reached = match (&until, &last_end) {
                (Some(u), Some(e)) => e >= u,
                _ => false,
            };
            if done || reached {
                flush(ctx, &side, &mut appliers, &mut stream, &mut pending, &safe_until, &mut state).await?;
                return Ok(());
            }
            if last_save.elapsed() >= Duration::from_secs(1) {
                ctx.dir.write_json(&side.state_file, &state)?;
                last_save = Instant::now();
            }
        }
    }
    .await;
    if let Some(h) = heartbeat_task {
        h.abort();
    }
    if result.is_ok() && opts.once {
        state.lag_ms = Some(0);
        state.lag_updated_ms = Some(stages_now_ms());
    }
    ctx.dir.write_json(&side.state_file, &state)?;
    result?;
    let txns = state.transactions - start_txns;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let position = state.position.as_ref().map(ToString::to_string).unwrap_or_default();
    ctx.out.say(&format!(
        "{}: applied {txns} transactions in {secs:.1}s; now at {position}{}",
        if side.reverse { "reverse" } else { "incr" },
        if state.conflicts > 0 {
            format!(
                "; {} conflicts logged in {}",
                state.conflicts,
                side.conflicts_file.display()
            )
        } else {
            String::new()
        }
    ))?;
    // This run's counts per table.
    let run_tables: BTreeMap<&String, Counts> = state
        .tables
        .iter()
        .map(|(t, c)| {
            let b = start_tables.get(t).cloned().unwrap_or_default();
            (
                t,
                Counts {
                    insert: c.insert - b.insert,
                    update: c.update - b.update,
                    delete: c.delete - b.delete,
                },
            )
        })
        .filter(|(_, c)| c.insert + c.update + c.delete > 0)
        .collect();
    Ok(StageOutcome {
        summary: json!({
            "position": position, "transactions": txns, "seconds": secs,
            "conflicts": state.conflicts, "tables": run_tables, "ddl": state.ddl,
        }),
        negative: None,
    })
}

/// Batches smaller than this are applied on one connection: splitting them would cost more
/// round trips (the extra checkpoint transaction) than it saves.
const PARALLEL_MIN_CHANGES: usize = 256;

/// Applies the pending changes and the checkpoint: in one target transaction, or split by key
/// over `[incr] workers` connections (see [`apply_parallel`]).
async fn flush(
    ctx: &Ctx,
    side: &Side,
    appliers: &mut Vec<Box<dyn crate::engine::Applier>>,
    stream: &mut Box<dyn crate::engine::ChangeStream>,
    pending: &mut Replay,
    safe_until: &Option<Position>,
    state: &mut IncrState,
) -> Result<()> {
    let Some(end) = pending.end.take() else {
        return Ok(());
    };
    let safe = safe_until.as_ref().is_some_and(|s| &end <= s);
    let changes = std::mem::take(&mut pending.changes);
    let workers = ctx.project.incr.workers;
    // Keyless tables are not idempotent (a replayed insert would duplicate the row), so a batch
    // holding any of their changes commits in one transaction with the checkpoint.
    // Reverse sync applies to the old source, whose foreign keys and triggers are live: there
    // the source's order matters across tables too, so it is kept exactly.
    let parallel = !side.reverse
        && workers > 1
        && changes.len() >= PARALLEL_MIN_CHANGES
        && changes.iter().all(|c| !c.spec.key.is_empty());
    let stats = if side.reverse {
        apply_with_retry(side, &mut appliers[0], &changes, &end, safe, None).await
    } else {
        let groups = causality::plan(&changes, if parallel { workers } else { 1 });
        let mut shares = take_groups(changes, &groups);
        if shares.len() > 1 {
            apply_parallel(side, appliers, shares, &end, safe).await
        } else {
            let share = shares.pop().unwrap_or_default();
            apply_with_retry(side, &mut appliers[0], &share, &end, safe, None).await
        }
    }
    .with_context(|| format!("applying changes up to {end}"))?;
    for c in &stats.conflicts {
        ctx.dir
            .append_jsonl(&side.conflicts_file, &json!({"at": end.to_string(), "conflict": c}))?;
    }
    state.conflicts += stats.conflicts.len() as u64;
    state.position = Some(end.clone());
    stream.committed(&end).await?;
    // Lag as of this commit: exact (ms) from a heartbeat; from a transaction's commit second
    // otherwise, taking the middle of that second.
    let now = stages_now_ms();
    if let Some(sent) = pending.heartbeat_ms.take() {
        state.lag_ms = Some(now.saturating_sub(sent));
        state.lag_updated_ms = Some(now);
        pending.last_ts = None;
    } else if let Some(ts) = pending.last_ts.take() {
        state.lag_ms = Some(now.saturating_sub(ts as u64 * 1000 + 500));
        state.lag_updated_ms = Some(now);
    }
    state.transactions += std::mem::take(&mut pending.txns);
    for (t, c) in std::mem::take(&mut pending.counts) {
        let s = state.tables.entry(t).or_default();
        s.insert += c.insert;
        s.update += c.update;
        s.delete += c.delete;
    }
    pending.rows = 0;
    pending.first_at = None;
    if pending.saved_at.elapsed() >= Duration::from_millis(250) {
        ctx.dir.write_json(&side.state_file, &*state)?;
        pending.saved_at = Instant::now();
    }
    if let (Some(c), OnConflict::Stop) = (stats.conflicts.first(), ctx.project.incr.on_conflict) {
        return Err(classified(
            Kind::Negative,
            format!(
                "conflict on the target at {end}: {} {} key {:?}",
                c.table, c.kind, c.key
            ),
            "the row was written as the source has it; see incr-conflicts.jsonl, or set [incr] on_conflict = \"log\"",
        ));
    }
    Ok(())
}

/// Moves `changes` into the groups [`causality::plan`] made, in their order.
fn take_groups(changes: Vec<TargetChange>, groups: &[Vec<usize>]) -> Vec<Vec<TargetChange>> {
    let mut slots: Vec<Option<TargetChange>> = changes.into_iter().map(Some).collect();
    // The groups partition the positions: every slot is taken exactly once.
    groups
        .iter()
        .map(|g| g.iter().filter_map(|&i| slots[i].take()).collect())
        .collect()
}

/// Applies one transaction's worth, retrying transient failures on a new connection.
async fn apply_with_retry(
    side: &Side,
    applier: &mut Box<dyn crate::engine::Applier>,
    changes: &[TargetChange],
    end: &Position,
    safe: bool,
    worker: Option<u16>,
) -> Result<ApplyStats> {
    let batch = ApplyBatch {
        changes,
        checkpoint: end,
        project: &side.key,
        safe,
        worker,
    };
    let mut attempt = 0;
    loop {
        match applier.apply(&batch).await {
            Ok(s) => return Ok(s),
            Err(e) if kind_of(&e).0 == Kind::Transient && attempt < 3 => {
                attempt += 1;
                tracing::warn!("applying a batch failed (attempt {attempt}), retrying: {e:#}");
                tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                *applier = side.target.applier().await?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Applies `shares` (no change in one share conflicts with a change in another) on one
/// connection each, concurrently. Each worker's transaction records the
/// worker's high-water mark; the checkpoint commits after all of them. A crash in between
/// leaves the checkpoint at the previous batch and a high-water mark past it, and the next
/// run replays from the checkpoint in safe mode (idempotent upserts and deletes by key) up
/// to that mark: nothing is lost, and replaying what some workers had committed converges.
async fn apply_parallel(
    side: &Side,
    appliers: &mut Vec<Box<dyn crate::engine::Applier>>,
    shares: Vec<Vec<TargetChange>>,
    end: &Position,
    safe: bool,
) -> Result<ApplyStats> {
    while appliers.len() < shares.len() {
        appliers.push(side.target.applier().await?);
    }
    let runs = appliers
        .iter_mut()
        .zip(&shares)
        .enumerate()
        .map(|(w, (a, share))| apply_with_retry(side, a, share, end, safe, Some(w as u16)));
    let mut stats = ApplyStats::default();
    for r in futures_util::future::join_all(runs).await {
        stats.conflicts.extend(r?.conflicts);
    }
    apply_with_retry(side, &mut appliers[0], &[], end, safe, None).await?;
    Ok(stats)
}
