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
use crate::engine::{ApplyBatch, ChangeOpts, DdlAction, DdlOutcome, Engine, TableSpec, TargetChange};
use crate::error::{Kind, classified, interrupted, kind_of, usage};
use crate::model::catalog::{Catalog, TableId};
use crate::model::change::{ChangeEvent, RowOp};
use crate::model::position::Position;
use crate::model::value::Row;
use crate::state::stages_now_ms;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
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
        filter: None,
    };
    let mut projection = Vec::new();
    for (i, c) in full.columns.iter().enumerate() {
        if let Some(p) = columns.iter().position(|x| x == c) {
            if full.key.contains(&i) {
                spec.key.push(spec.columns.len());
            }
            spec.columns.push(c.clone());
            spec.kinds.push(full.kinds[i]);
            projection.push(p);
        }
    }
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

fn routes(project: &Project, catalog: &Catalog, mappings: &[crate::engine::TableMapping]) -> HashMap<TableId, Route> {
    let mut out = HashMap::new();
    for m in mappings {
        let Some(t) = catalog.tables.iter().find(|t| t.id == m.source) else {
            continue;
        };
        let (_, tgt) = scope::specs(project, t, m, true);
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

/// The route of a table that was not there when replay started: from the source catalog if
/// the table still exists there, else from the target (it was renamed or dropped since).
async fn late_route(
    project: &Project,
    source: &dyn Engine,
    target: &dyn Engine,
    table: &TableId,
) -> Result<Option<Route>> {
    let Some(tgt) = scope::target_id(project, table) else {
        return Ok(None);
    };
    let mapping = crate::engine::TableMapping {
        source: table.clone(),
        target: tgt.clone(),
        exclude_columns: vec![],
    };
    let cat = source.catalog(std::slice::from_ref(table), &[]).await?;
    if let Some(t) = cat.tables.first() {
        let (_, spec) = scope::specs(project, t, &mapping, true);
        return Ok(Some(Route { spec: Arc::new(spec) }));
    }
    let cat = target.catalog(std::slice::from_ref(&tgt), &[]).await?;
    Ok(cat.tables.first().map(|t| {
        let mapping = crate::engine::TableMapping {
            source: tgt.clone(),
            target: tgt.clone(),
            exclude_columns: vec![],
        };
        let (_, spec) = scope::specs(project, t, &mapping, true);
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

/// Where replay starts: the target's checkpoint, the consistent point of `full`, or start_at.
async fn start_position(
    ctx: &mut Ctx,
    source: &dyn Engine,
    target: &dyn Engine,
) -> Result<(Position, Option<Position>)> {
    let full: Option<FullState> = ctx.dir.read_json(&ctx.dir.full())?;
    let safe_until = full.as_ref().and_then(|f| f.incr_safe_until().cloned());
    if let Some(p) = target.incr_checkpoint(&ctx.project.name).await? {
        return Ok((p, safe_until));
    }
    if let Some(p) = full.as_ref().and_then(|f| f.incr_start().cloned()) {
        return Ok((p, safe_until));
    }
    match ctx.project.incr.start_at.as_deref() {
        Some("now") => {
            let p = source.current_position().await?.ok_or_else(binlog_off)?;
            Ok((p, None))
        }
        Some(p) => Ok((p.parse().map_err(|e: String| usage(e, "fix [incr] start_at"))?, None)),
        None => Err(usage(
            "incremental sync has no start position: no full copy recorded one and [incr] start_at is not set",
            "run `omsctl full` with \"incr\" in project.types (it records the consistent point), or set [incr] start_at = \"now\" or \"FILE:POS\"",
        )),
    }
}

fn binlog_off() -> anyhow::Error {
    classified(
        Kind::Environment,
        "the source keeps no change log, so there is nothing to replay",
        "enable it on the source; with \"incr\" in project.types, `omsctl precheck` lists the exact settings",
    )
}

struct Replay {
    changes: Vec<TargetChange>,
    /// Counted into the state only once the batch is committed.
    counts: BTreeMap<String, Counts>,
    txns: u64,
    rows: usize,
    end: Option<Position>,
    first_at: Option<Instant>,
}

pub async fn run(ctx: &mut Ctx, opts: &StageOpts) -> Result<StageOutcome> {
    let project = ctx.project.clone();
    let source = ctx.source().await?;
    let target = ctx.target().await?;
    let mut scope = scope::resolve(&project, source.as_ref()).await?;
    let mut catalog = source.catalog(&scope.tables, &[]).await?;
    let mut routes = routes(&project, &catalog, &scope.mappings);
    target.prepare_fences().await?;
    let (start, safe_until) = start_position(ctx, source.as_ref(), target.as_ref()).await?;
    let until = if opts.once {
        Some(source.current_position().await?.ok_or_else(binlog_off)?)
    } else {
        opts.until.clone()
    };
    let mut state: IncrState = ctx.dir.read_json(&ctx.dir.incr())?.unwrap_or_default();
    state.position = Some(start.clone());
    ctx.dir.write_json(&ctx.dir.incr(), &state)?;
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
        ctx.dir.write_json(&ctx.dir.incr(), &state)?;
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
                let (src, name, mut cancel) = (source.clone(), project.name.clone(), ctx.cancel.clone());
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

    let meta = |ep: &crate::config::Endpoint, t: &str| TableId::new(&ep.meta_database, t);
    let change_opts = ChangeOpts {
        server_id: server_id(&project),
        non_blocking: opts.once,
        rules: project.objects.clone(),
        project: project.name.clone(),
        heartbeat_table: meta(&project.source, "heartbeat"),
        marker_table: meta(&project.source, "incr_position"),
    };
    let mut stream = source.open_changes(&start, &change_opts).await?;
    let mut applier = target.applier().await?;
    let mut pending = Replay {
        changes: Vec::new(),
        counts: BTreeMap::new(),
        txns: 0,
        rows: 0,
        end: None,
        first_at: None,
    };
    let mut skip_ddl = opts.skip_ddl;
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
                    flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                    return Err(interrupted());
                }
            };
            let Some(ev) = ev else {
                // The batch waited long enough.
                flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                continue;
            };
            let mut done = false;
            match ev {
                None => done = true,
                Some(ChangeEvent::Txn { changes, end, ts, marked }) => {
                    if !marked {
                        for ch in changes {
                            if !allowed(&ch.op) {
                                continue;
                            }
                            if !routes.contains_key(&ch.table) {
                                // A table created after the copy (CREATE / RENAME in the log).
                                if let Some(r) = late_route(&project, source.as_ref(), target.as_ref(), &ch.table).await? {
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
                    pending.txns += 1;
                    let lag = (stages_now_ms() / 1000).saturating_sub(ts as u64) * 1000;
                    state.lag_ms = Some(lag);
                    state.lag_updated_ms = Some(stages_now_ms());
                    pending.end = Some(end);
                    pending.first_at.get_or_insert_with(Instant::now);
                    if pending.rows >= project.incr.batch_rows {
                        flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                    }
                }
                Some(ChangeEvent::Heartbeat { sent_ms, end }) => {
                    state.lag_ms = Some(stages_now_ms().saturating_sub(sent_ms));
                    state.lag_updated_ms = Some(stages_now_ms());
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
                    flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                }
                Some(ChangeEvent::Ddl { database, statement, end, .. }) => {
                    flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                    let target_of = |t: &TableId| scope::target_id(&project, t);
                    let in_scope_db =
                        |d: &str| project.objects.iter().any(|r| crate::config::filter_wildcard(r.database_pattern(), d));
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
                            scope = scope::resolve(&project, source.as_ref()).await?;
                            catalog = source.catalog(&scope.tables, &[]).await?;
                            routes = self::routes(&project, &catalog, &scope.mappings);
                            shapes.clear();
                            pending.end = Some(end.clone());
                            flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                            continue;
                        }
                    }
                    pending.end = Some(end);
                    flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                }
            }
            let reached = match (&until, &pending.end) {
                (Some(u), Some(e)) => e >= u,
                _ => false,
            };
            if done || reached {
                flush(ctx, &mut applier, &mut pending, &safe_until, &mut state).await?;
                return Ok(());
            }
            if last_save.elapsed() >= Duration::from_secs(1) {
                ctx.dir.write_json(&ctx.dir.incr(), &state)?;
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
    ctx.dir.write_json(&ctx.dir.incr(), &state)?;
    result?;
    let txns = state.transactions - start_txns;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let position = state.position.as_ref().map(ToString::to_string).unwrap_or_default();
    ctx.out.say(&format!(
        "incr: applied {txns} transactions in {secs:.1}s; now at {position}{}",
        if state.conflicts > 0 {
            format!(
                "; {} conflicts logged in {}",
                state.conflicts,
                ctx.dir.incr_conflicts().display()
            )
        } else {
            String::new()
        }
    ))?;
    Ok(StageOutcome {
        summary: json!({
            "position": position, "transactions": txns, "seconds": secs,
            "conflicts": state.conflicts, "tables": state.tables, "ddl": state.ddl,
        }),
        negative: None,
    })
}

/// Applies the pending changes and the checkpoint in one target transaction.
async fn flush(
    ctx: &Ctx,
    applier: &mut Box<dyn crate::engine::Applier>,
    pending: &mut Replay,
    safe_until: &Option<Position>,
    state: &mut IncrState,
) -> Result<()> {
    let Some(end) = pending.end.take() else {
        return Ok(());
    };
    let safe = safe_until.as_ref().is_some_and(|s| &end <= s);
    let batch = ApplyBatch {
        changes: &pending.changes,
        checkpoint: &end,
        project: &ctx.project.name,
        safe,
    };
    let mut attempt = 0;
    let stats = loop {
        match applier.apply(&batch).await {
            Ok(s) => break s,
            Err(e) if kind_of(&e).0 == Kind::Transient && attempt < 3 => {
                attempt += 1;
                tracing::warn!("applying a batch failed (attempt {attempt}), retrying: {e:#}");
                tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                *applier = ctx
                    .target
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("target engine missing"))?
                    .applier()
                    .await?;
            }
            Err(e) => return Err(e).context(format!("applying changes up to {end}")),
        }
    };
    for c in &stats.conflicts {
        ctx.dir.append_jsonl(
            &ctx.dir.incr_conflicts(),
            &json!({"at": end.to_string(), "conflict": c}),
        )?;
    }
    state.conflicts += stats.conflicts.len() as u64;
    state.position = Some(end.clone());
    state.transactions += std::mem::take(&mut pending.txns);
    for (t, c) in std::mem::take(&mut pending.counts) {
        let s = state.tables.entry(t).or_default();
        s.insert += c.insert;
        s.update += c.update;
        s.delete += c.delete;
    }
    pending.changes.clear();
    pending.rows = 0;
    pending.first_at = None;
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
