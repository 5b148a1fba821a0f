//! full: parallel, chunked copy of existing rows, resumable at chunk granularity.
//!
//! Data flow: source catalog → per-table chunk plan (key boundaries, saved in full.json before
//! any row moves, so chunk numbers are stable across runs) → a pool of workers, each with one
//! source reader (all on one consistent snapshot when the server allows) and one target
//! writer → per chunk: reader streams batches → rate limiter → writer inserts them in one
//! target transaction that also writes the chunk's fence row → commit.
//!
//! Crash safety: a chunk is on the target exactly when its fence row is (same transaction).
//! On start the fence table, not the local file, decides which chunks are done, so a kill -9
//! at any moment loses nothing and duplicates nothing; full.json is a cache for `status`.
//! Tables without a row key are one chunk: copied whole in one transaction.

mod limiter;
mod queue;

use super::{Ctx, StageOutcome, schema, scope};
use crate::config::{MigrationType, NonEmptyTarget};
use crate::engine::{ChunkStats, ChunkWrite, Engine, Fence, Phase, Reader, RowBatch, TableSpec, Writer};
use crate::error::{Kind, classified, interrupted, kind_of};
use crate::model::catalog::TableId;
use crate::model::position::{CopyPoint, CopySnapshot, Position};
use crate::model::range::KeyRange;
use crate::model::value::Value;
use crate::output::{Progress, human_bytes};
use crate::state::{StateDir, stages_now_ms};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use limiter::Limiter;
use queue::{Job, JobQueue};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableProgress {
    pub source: TableId,
    pub target: TableId,
    pub key: Vec<String>,
    pub rows_estimate: u64,
    /// Chunk i covers (boundaries[i-1], boundaries[i]]; there are boundaries.len() + 1 chunks.
    pub boundaries: Vec<Vec<Value>>,
    pub done: BTreeSet<u32>,
    pub rows_copied: u64,
    pub bytes_copied: u64,
    pub conflicts: u64,
    pub started_at: Option<u64>,
    pub finished_at: Option<u64>,
    /// A table without a key (one chunk): the snapshot its rows were read at, saved before
    /// they move. A resumed copy reads such a table at a later snapshot than the one replay
    /// starts at, and replay must leave out the changes it holds (a replayed insert into a
    /// keyless table would be a duplicate; keyed tables converge in safe mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copied_at: Option<CopyPoint>,
}

impl TableProgress {
    pub fn chunks(&self) -> u32 {
        self.boundaries.len() as u32 + 1
    }
    pub fn is_done(&self) -> bool {
        self.done.len() as u32 >= self.chunks()
    }
}

/// `full.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "version")]
pub enum FullState {
    #[serde(rename = "1")]
    V1 {
        tables: Vec<TableProgress>,
        /// Where incremental sync starts: the change-log position at the first snapshot.
        #[serde(default)]
        incr_start: Option<Position>,
        /// The transactions after `incr_start` that the first snapshot holds all the same
        /// (PostgreSQL): replay leaves them out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incr_snapshot: Option<CopySnapshot>,
        /// Changes up to here may overlap rows the copy already holds (replayed in safe mode).
        #[serde(default)]
        incr_safe_until: Option<Position>,
    },
}

impl FullState {
    pub fn tables(&self) -> &[TableProgress] {
        match self {
            FullState::V1 { tables, .. } => tables,
        }
    }
    fn tables_mut(&mut self) -> &mut Vec<TableProgress> {
        match self {
            FullState::V1 { tables, .. } => tables,
        }
    }
    pub fn incr_safe_until(&self) -> Option<&Position> {
        match self {
            FullState::V1 { incr_safe_until, .. } => incr_safe_until.as_ref(),
        }
    }
    pub fn incr_start(&self) -> Option<&Position> {
        match self {
            FullState::V1 { incr_start, .. } => incr_start.as_ref(),
        }
    }
    pub fn incr_snapshot(&self) -> Option<&CopySnapshot> {
        match self {
            FullState::V1 { incr_snapshot, .. } => incr_snapshot.as_ref(),
        }
    }
    /// The start and the snapshot belong together: both come from the first snapshot.
    fn set_incr_start(&mut self, p: Position, snapshot: Option<CopySnapshot>) {
        let FullState::V1 {
            incr_start,
            incr_snapshot,
            ..
        } = self;
        // Keep the earliest: a resumed copy's rows may be older than a later snapshot.
        if incr_start.is_none() {
            *incr_start = Some(p);
            *incr_snapshot = snapshot;
        }
    }
    fn set_incr_safe_until(&mut self, p: Position) {
        let FullState::V1 { incr_safe_until, .. } = self;
        *incr_safe_until = Some(p);
    }
}

/// Tables whose chunk boundaries are computed at the same time.
const PLANNING_CONCURRENCY: usize = 4;

/// Rows per chunk for a table of `rows` rows in `bytes` (the catalog's estimates; 0: unknown):
/// `[full] chunk_rows`, or fewer where that many rows would exceed `chunk_bytes`.
fn chunk_rows_for(chunk_rows: u64, chunk_bytes: u64, rows: u64, bytes: u64) -> u64 {
    if rows == 0 || bytes == 0 {
        return chunk_rows;
    }
    let row_bytes = (bytes / rows).max(1);
    chunk_rows.min((chunk_bytes / row_bytes).max(1))
}

struct Shared {
    project: String,
    jobs: JobQueue,
    specs: Vec<(TableSpec, TableSpec)>,
    state: Mutex<(FullState, Instant)>,
    dir: StateDir,
    progress: Progress,
    limiter: Limiter,
    on_nonempty: NonEmptyTarget,
    batch_rows: usize,
    skip_change_log: bool,
    write_method: crate::config::WriteMethod,
    retries: u32,
    cancel: tokio::sync::watch::Receiver<bool>,
    /// Target tables whose last chunk committed (their indexes can be built now).
    finished: mpsc::UnboundedSender<TableId>,
    /// This run's snapshot, when incremental sync follows the copy.
    point: std::sync::OnceLock<CopyPoint>,
}

impl Shared {
    /// A keyless table is about to be read: its snapshot is saved first (see
    /// `TableProgress::copied_at`). A crash before its rows commit leaves the point of a copy
    /// that never landed, which the next run's overwrites before it reads the table again.
    fn save_copy_point(&self, job: &Job) -> Result<()> {
        let (Some(point), true) = (self.point.get(), self.specs[job.table].0.key.is_empty()) else {
            return Ok(());
        };
        let Ok(mut guard) = self.state.lock() else {
            anyhow::bail!("full state lock poisoned");
        };
        let source = &self.specs[job.table].0.id;
        let Some(t) = guard.0.tables_mut().iter_mut().find(|t| &t.source == source) else {
            anyhow::bail!("{source} is about to be copied, but full.json does not list the table");
        };
        if t.copied_at.as_ref() == Some(point) {
            return Ok(());
        }
        t.copied_at = Some(point.clone());
        self.dir.write_json(&self.dir.full(), &guard.0)
    }

    /// Records a committed chunk; persists full.json at most once a second.
    fn chunk_done(&self, job: &Job, stats: &ChunkStats) -> Result<()> {
        let Ok(mut guard) = self.state.lock() else {
            anyhow::bail!("full state lock poisoned");
        };
        let (state, last_save) = &mut *guard;
        // Jobs index the specs; full.json holds only the tables planned so far.
        let source = &self.specs[job.table].0.id;
        let Some(t) = state.tables_mut().iter_mut().find(|t| &t.source == source) else {
            anyhow::bail!(
                "chunk {} of {source} finished, but full.json does not list the table",
                job.chunk
            );
        };
        t.done.insert(job.chunk);
        t.rows_copied += stats.rows;
        t.bytes_copied += stats.bytes;
        t.conflicts += stats.conflicts.len() as u64;
        let table_done = t.is_done();
        if table_done {
            t.finished_at = Some(stages_now_ms());
        }
        let name = t.source.key();
        for k in &stats.conflicts {
            self.dir.append_jsonl(
                &self.dir.full_conflicts(),
                &json!({"table": name, "key": k.iter().map(Value::display).collect::<Vec<_>>(),
                        "action": "kept the target's row"}),
            )?;
        }
        if table_done {
            self.progress.table_done(&name);
            let _ = self.finished.send(t.target.clone());
        }
        if table_done || last_save.elapsed() >= Duration::from_secs(1) {
            self.dir.write_json(&self.dir.full(), state)?;
            *last_save = Instant::now();
        }
        Ok(())
    }
}

pub async fn run(ctx: &mut Ctx) -> Result<StageOutcome> {
    let project = ctx.project.clone();
    let source = ctx.source().await?;
    let target = ctx.target().await?;
    let scope = scope::resolve(&project, source.as_ref()).await?;
    let catalog = source.catalog(&scope.tables, &[]).await?;
    scope::check_columns(&catalog, &scope.mappings)?;
    target
        .prepare_fences()
        .await
        .context("preparing the fence table on the target")?;

    let mut specs = Vec::new();
    // Rows per chunk of each table (fewer for wide rows).
    let mut chunk_rows = Vec::new();
    let generated = scope::target_generated(target.as_ref(), &scope.mappings).await;
    for m in &scope.mappings {
        let Some(t) = catalog.tables.iter().find(|t| t.id == m.source) else {
            continue;
        };
        let on_target = generated.as_ref().and_then(|g| g.get(&t.id));
        specs.push((scope::specs(&project, t, m, on_target), t.row_estimate));
        chunk_rows.push(chunk_rows_for(
            project.full.chunk_rows,
            project.full.chunk_bytes,
            t.row_estimate,
            t.data_bytes,
        ));
    }

    let existing: Option<FullState> = ctx.dir.read_json(&ctx.dir.full())?;
    let fences = target.fences(&project.name).await?;
    if existing.is_none() && !fences.is_empty() {
        return Err(classified(
            Kind::Environment,
            format!(
                "the target's fence table {}.full_chunks holds progress of project {:?}, but {} is missing",
                project.target.meta_database,
                project.name,
                ctx.dir.full().display()
            ),
            "the chunk plan that progress refers to is lost: run `omsctl reset full --yes` (clears both) and copy again",
        ));
    }
    let mut state = existing.unwrap_or(FullState::V1 {
        tables: Vec::new(),
        incr_start: None,
        incr_snapshot: None,
        incr_safe_until: None,
    });
    if ctx.cancelled() {
        return Err(interrupted());
    }
    // Every table in scope, in the order of the specs: a job's `table` indexes this list.
    let table_specs: Vec<(TableSpec, TableSpec)> = specs.iter().map(|((s, t), _)| (s.clone(), t.clone())).collect();
    let keep: Vec<TableId> = table_specs.iter().map(|(s, _)| s.id.clone()).collect();
    state.tables_mut().retain(|t| keep.contains(&t.source));
    // Tables an earlier run planned, brought up to date with the fence table.
    let mut jobs = VecDeque::new();
    let (mut total_est, mut done_rows) = (0u64, 0u64);
    for t in state.tables_mut().iter_mut() {
        let Some(idx) = keep.iter().position(|k| k == &t.source) else {
            continue;
        };
        jobs.extend(resume_table(t, idx, &fences, target.as_ref(), project.full.on_nonempty_target).await?);
        total_est += t.rows_estimate.max(t.rows_copied);
        done_rows += t.rows_copied;
    }
    // The others are planned while the workers copy what is planned already.
    let unplanned: Vec<usize> = (0..keep.len())
        .filter(|&i| !state.tables().iter().any(|t| t.source == keep[i]))
        .collect();
    total_est += unplanned.iter().map(|&i| specs[i].1).sum::<u64>();
    sort_tables(&mut state, &keep);
    ctx.dir.write_json(&ctx.dir.full(), &state)?;

    let pending_chunks = jobs.len();
    let progress = Progress::new(&ctx.out, "full", total_est, done_rows);
    for t in state.tables() {
        if !t.is_done() {
            progress.table_started(&t.source.to_string(), t.rows_estimate);
        }
    }
    let workers = if unplanned.is_empty() {
        project.full.concurrency.min(pending_chunks.max(1))
    } else {
        project.full.concurrency
    };
    let (finished_tx, mut finished_rx) = mpsc::unbounded_channel::<TableId>();
    let shared = Arc::new(Shared {
        project: project.name.clone(),
        jobs: JobQueue::new(jobs, !unplanned.is_empty()),
        specs: table_specs,
        state: Mutex::new((state, Instant::now())),
        dir: ctx.dir.clone(),
        progress,
        limiter: Limiter::new(project.full.max_rows_per_sec, project.full.max_bytes_per_sec),
        on_nonempty: project.full.on_nonempty_target,
        batch_rows: project.full.batch_rows,
        skip_change_log: !project.full.target_binlog,
        write_method: project.full.write_method,
        retries: project.full.retries,
        cancel: ctx.cancel.clone(),
        finished: finished_tx,
        point: std::sync::OnceLock::new(),
    });
    let mut consistent = true;
    if pending_chunks > 0 || !unplanned.is_empty() {
        ctx.out.status(&if unplanned.is_empty() {
            format!("copying {pending_chunks} chunk(s) with {workers} worker(s)")
        } else {
            format!(
                "copying with {workers} worker(s) while the chunks of {} table(s) are planned",
                unplanned.len()
            )
        });
        if project.wants(MigrationType::Incr) {
            let tables: Vec<_> = shared.specs.iter().map(|(s, _)| s.id.clone()).collect();
            source.prepare_capture(&project.name, &tables).await?;
        }
        let capture = project.wants(MigrationType::Incr).then_some(project.name.as_str());
        let snapshot = source.snapshot_readers(workers, capture).await?;
        let (readers, locked, position) = (snapshot.readers, snapshot.consistent, snapshot.position);
        consistent = locked;
        if project.wants(MigrationType::Incr) {
            let Some(p) = position else {
                return Err(classified(
                    Kind::Environment,
                    "incremental sync is selected but the source keeps no binlog",
                    "enable log_bin with binlog_format = ROW and binlog_row_image = FULL on the source, or remove \"incr\" from project.types",
                ));
            };
            let _ = shared.point.set(CopyPoint {
                position: p.clone(),
                holds: snapshot.holds.clone(),
            });
            if let Ok(mut g) = shared.state.lock() {
                g.0.set_incr_start(p, snapshot.holds);
                ctx.dir.write_json(&ctx.dir.full(), &g.0)?;
            }
        }
        if !locked {
            tracing::warn!("workers read without a shared snapshot (no FLUSH TABLES WITH READ LOCK on this source)");
        }
        let mut handles = Vec::new();
        for reader in readers {
            let writer = target.writer().await?;
            let (sh, src, tgt) = (shared.clone(), source.clone(), target.clone());
            handles.push(tokio::spawn(async move {
                let r = worker(sh.clone(), reader, writer, src, tgt).await;
                if r.is_err() {
                    // The other workers end after their current chunk, not after the queue.
                    sh.jobs.stop();
                }
                r
            }));
        }
        let mut first_err: Option<anyhow::Error> = None;
        if !unplanned.is_empty() {
            let planning = Planning {
                shared: &shared,
                specs: &specs,
                keep: &keep,
                mappings: &scope.mappings,
                fences: &fences,
                source: source.as_ref(),
                target: target.as_ref(),
                chunk_rows: &chunk_rows,
            };
            if let Err(e) = planning.run(&unplanned).await {
                shared.jobs.stop();
                first_err = Some(e);
            }
            shared.jobs.close();
        }
        // While the workers copy, the indexes of each table whose rows are all in are built
        // (its after-data objects of kind Indexes); the rest of the after-data phase waits.
        let mut early_plan = if project.wants(MigrationType::Schema) && first_err.is_none() {
            ctx.dir.read_json::<schema::SchemaPlan>(&ctx.dir.schema_plan())?
        } else {
            None
        };
        let mut all = tokio::spawn(futures_util::future::join_all(handles));
        let results = loop {
            tokio::select! {
                Some(table) = finished_rx.recv(), if early_plan.is_some() => {
                    if let Some(plan) = early_plan.as_mut()
                        && !ctx.cancelled()
                    {
                        build_indexes_early(ctx, plan, &table).await;
                    }
                }
                r = &mut all => break r,
            }
        };
        let results = results.map_err(|e| anyhow::anyhow!("worker panicked: {e}"))?;
        for r in results {
            let r = match r {
                Ok(r) => r,
                Err(e) => Err(anyhow::anyhow!("worker panicked: {e}")),
            };
            if let Err(e) = r {
                // Keep the most telling error.
                let replace = match &first_err {
                    None => true,
                    Some(prev) => kind_of(prev).0 == Kind::Interrupted && kind_of(&e).0 != Kind::Interrupted,
                };
                if replace {
                    first_err = Some(e);
                }
            }
        }
        shared.progress.finish();
        {
            let Ok(guard) = shared.state.lock() else {
                anyhow::bail!("full state lock poisoned")
            };
            ctx.dir.write_json(&ctx.dir.full(), &guard.0)?;
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        if *ctx.cancel.borrow() {
            return Err(interrupted());
        }
    }
    let (run_rows, run_bytes, elapsed) = shared.progress.totals();
    let mut state = {
        let Ok(guard) = shared.state.lock() else {
            anyhow::bail!("full state lock poisoned")
        };
        guard.0.clone()
    };
    if project.wants(MigrationType::Incr) {
        // Everything up to here may already be in the copied rows: replay it in safe mode.
        if let Some(p) = source.current_position().await? {
            state.set_incr_start(p.clone(), None);
            state.set_incr_safe_until(p);
            ctx.dir.write_json(&ctx.dir.full(), &state)?;
        }
    }
    let incomplete: Vec<String> = state
        .tables()
        .iter()
        .filter(|t| !t.is_done())
        .map(|t| t.source.to_string())
        .collect();
    if !incomplete.is_empty() {
        return Err(classified(
            Kind::Transient,
            format!("tables not fully copied: {}", incomplete.join(", ")),
            "re-run `omsctl full`; finished chunks are kept",
        ));
    }

    // Secondary indexes, constraints and triggers once the rows are in.
    let mut after_failed = Vec::new();
    if project.wants(MigrationType::Schema)
        && let Some(mut plan) = ctx.dir.read_json::<schema::SchemaPlan>(&ctx.dir.schema_plan())?
    {
        if plan.objects().iter().any(|o| o.object.phase == Phase::AfterData) {
            ctx.out.status("creating indexes, constraints and triggers");
        }
        after_failed = schema::apply_phase(ctx, &mut plan, Phase::AfterData).await?;
    }
    let secs = elapsed.as_secs_f64().max(0.001);
    let rows_total: u64 = state.tables().iter().map(|t| t.rows_copied).sum();
    let conflicts: u64 = state.tables().iter().map(|t| t.conflicts).sum();
    ctx.out.say(&format!(
        "full: {} tables, {} rows in total; this run copied {} rows, {} in {:.1}s ({:.0} rows/s, {}/s){}",
        state.tables().len(),
        rows_total,
        run_rows,
        human_bytes(run_bytes),
        secs,
        run_rows as f64 / secs,
        human_bytes((run_bytes as f64 / secs) as u64),
        if conflicts > 0 {
            format!(
                "; {conflicts} conflicting rows kept on the target (see {})",
                ctx.dir.full_conflicts().display()
            )
        } else {
            String::new()
        }
    ))?;
    if !after_failed.is_empty() {
        return Err(classified(
            Kind::Environment,
            format!(
                "rows copied, but after-data objects failed: {}",
                after_failed.join(", ")
            ),
            format!(
                "see `omsctl status`; edit the DDL in {} and `omsctl retry full`, or `omsctl schema --skip-object KEY`",
                ctx.dir.schema_ddl_dir().display()
            ),
        ));
    }
    Ok(StageOutcome {
        summary: json!({
            "tables": state.tables().len(),
            "rows_total": rows_total,
            "run_rows": run_rows,
            "run_bytes": run_bytes,
            "seconds": secs,
            "rows_per_sec": run_rows as f64 / secs,
            "bytes_per_sec": run_bytes as f64 / secs,
            "conflicts": conflicts,
            "consistent_snapshot": consistent,
        }),
        negative: None,
    })
}

/// Brings a planned table up to date with the fence table (authoritative: a chunk committed
/// just before a crash counts as done even if full.json did not record it; a chunk never
/// committed does not) and returns its chunks still to copy, as jobs of table `idx`.
async fn resume_table(
    t: &mut TableProgress,
    idx: usize,
    fences: &BTreeMap<String, BTreeMap<u32, u64>>,
    target: &dyn Engine,
    on_nonempty: NonEmptyTarget,
) -> Result<Vec<Job>> {
    let fenced = fences.get(&t.source.key()).cloned().unwrap_or_default();
    t.done = fenced.keys().copied().collect();
    t.rows_copied = fenced.values().sum();
    if t.done.is_empty()
        && on_nonempty == NonEmptyTarget::Stop
        && let Some(true) = target.table_has_rows(&t.target).await?
    {
        return Err(classified(
            Kind::Environment,
            format!("target table {} already holds rows that omsctl did not copy", t.target),
            "empty it (TRUNCATE TABLE …), or set [full] on_nonempty_target = \"ignore\" to keep its rows and log conflicts",
        ));
    }
    let jobs = KeyRange::from_boundaries(&t.boundaries)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !t.done.contains(&(*i as u32)))
        .map(|(i, range)| Job {
            table: idx,
            chunk: i as u32,
            range,
        })
        .collect();
    if t.started_at.is_none() && !t.is_done() {
        t.started_at = Some(stages_now_ms());
    }
    if t.is_done() && t.finished_at.is_none() {
        t.finished_at = Some(stages_now_ms());
    }
    Ok(jobs)
}

/// full.json lists the tables in the order of the scope.
fn sort_tables(state: &mut FullState, keep: &[TableId]) {
    state
        .tables_mut()
        .sort_by_key(|t| keep.iter().position(|k| k == &t.source));
}

/// Plans the chunks of tables while the workers copy: each table's boundaries are saved in
/// full.json before its jobs are queued, so chunk numbers stay stable across runs.
struct Planning<'a> {
    shared: &'a Shared,
    specs: &'a [((TableSpec, TableSpec), u64)],
    /// The specs' source ids: the order of full.json.
    keep: &'a [TableId],
    mappings: &'a [crate::engine::TableMapping],
    fences: &'a BTreeMap<String, BTreeMap<u32, u64>>,
    source: &'a dyn Engine,
    target: &'a dyn Engine,
    chunk_rows: &'a [u64],
}

impl Planning<'_> {
    async fn run(&self, tables: &[usize]) -> Result<()> {
        let mut planned = futures_util::stream::iter(tables.iter().map(|&idx| async move {
            let ((spec, _), _) = &self.specs[idx];
            (idx, self.source.chunk_boundaries(spec, self.chunk_rows[idx]).await)
        }))
        .buffer_unordered(PLANNING_CONCURRENCY);
        while let Some((idx, boundaries)) = planned.next().await {
            if *self.shared.cancel.borrow() {
                return Err(interrupted());
            }
            let ((spec, _), estimate) = &self.specs[idx];
            let target = self
                .mappings
                .iter()
                .find(|m| m.source == spec.id)
                .map(|m| m.target.clone())
                .unwrap_or_else(|| spec.id.clone());
            let mut t = TableProgress {
                source: spec.id.clone(),
                target,
                key: spec.key.iter().map(|&i| spec.columns[i].clone()).collect(),
                rows_estimate: *estimate,
                boundaries: boundaries?,
                done: BTreeSet::new(),
                rows_copied: 0,
                bytes_copied: 0,
                conflicts: 0,
                started_at: None,
                finished_at: None,
                copied_at: None,
            };
            let jobs = resume_table(&mut t, idx, self.fences, self.target, self.shared.on_nonempty).await?;
            {
                let Ok(mut guard) = self.shared.state.lock() else {
                    anyhow::bail!("full state lock poisoned");
                };
                let state = &mut guard.0;
                state.tables_mut().push(t);
                sort_tables(state, self.keep);
                self.shared.dir.write_json(&self.shared.dir.full(), state)?;
            }
            self.shared.progress.table_started(&spec.id.to_string(), *estimate);
            self.shared.jobs.push(jobs);
        }
        Ok(())
    }
}

/// Builds the indexes of a table whose rows are all copied, while other tables still copy.
/// A failure is left to the after-data phase at the end, which retries the object and
/// reports it.
async fn build_indexes_early(ctx: &mut Ctx, plan: &mut schema::SchemaPlan, table: &TableId) {
    let wanted = |o: &crate::engine::SchemaObject| {
        o.phase == Phase::AfterData && o.kind == crate::engine::ObjectKind::Indexes && &o.target == table
    };
    if let Err(e) = schema::apply_matching(ctx, plan, &wanted).await {
        tracing::warn!("building the indexes of {table} early failed (retried after the copy): {e:#}");
    }
}

async fn worker(
    shared: Arc<Shared>,
    mut reader: Box<dyn Reader>,
    mut writer: Box<dyn Writer>,
    source: Arc<dyn Engine>,
    target: Arc<dyn Engine>,
) -> Result<()> {
    let mut cancel = shared.cancel.clone();
    while let Some(job) = shared.jobs.next().await {
        if *cancel.borrow() {
            return Err(interrupted());
        }
        shared.save_copy_point(&job)?;
        let mut attempt = 0;
        loop {
            let copy = copy_chunk(&shared, &job, reader.as_mut(), writer.as_mut());
            let result = tokio::select! {
                r = copy => r,
                _ = cancel.changed() => Err(interrupted()),
            };
            match result {
                Ok(stats) => {
                    shared.chunk_done(&job, &stats)?;
                    break;
                }
                // A retry reads with a fresh connection, outside the run's snapshot: fine for
                // keyed rows (replay converges on them), not for a keyless table whose saved
                // snapshot would no longer be the one its rows come from.
                Err(e)
                    if kind_of(&e).0 == Kind::Transient
                        && attempt < shared.retries
                        && (shared.point.get().is_none() || !shared.specs[job.table].0.key.is_empty()) =>
                {
                    attempt += 1;
                    let (spec, _) = &shared.specs[job.table];
                    tracing::warn!(
                        "chunk {} of {} failed (attempt {attempt} of {}), retrying: {e:#}",
                        job.chunk,
                        spec.id,
                        shared.retries
                    );
                    tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                    // A fresh connection on both sides; the failed transaction was rolled back.
                    reader = source.reader().await?;
                    writer = target.writer().await?;
                }
                Err(e) => {
                    let (spec, _) = &shared.specs[job.table];
                    return Err(e.context(format!("copying chunk {} of {}", job.chunk, spec.id)));
                }
            }
        }
    }
    Ok(())
}

async fn copy_chunk(
    shared: &Shared,
    job: &Job,
    reader: &mut dyn Reader,
    writer: &mut dyn Writer,
) -> Result<ChunkStats> {
    let (src, tgt) = &shared.specs[job.table];
    // A pass-through when the writer loads what the reader can send unparsed.
    let encoding = match reader.encoding(src).await? {
        Some(e) if writer.accepts(tgt, &e).await? => Some(e),
        _ => None,
    };
    let (tx_read, mut rx_read) = mpsc::channel::<RowBatch>(2);
    let (tx_write, rx_write) = mpsc::channel::<RowBatch>(2);
    let table_name = src.id.to_string();
    let read_encoding = encoding.clone();
    let read = async move {
        let r = match &read_encoding {
            Some(e) => {
                reader
                    .read_range_encoded(src, &job.range, shared.batch_rows, e, &tx_read)
                    .await
            }
            None => reader.read_range(src, &job.range, shared.batch_rows, &tx_read).await,
        };
        drop(tx_read);
        r
    };
    let relay = async move {
        while let Some(b) = rx_read.recv().await {
            shared.limiter.acquire(b.len() as u64, b.bytes as u64).await;
            shared.progress.advance(&table_name, b.len() as u64, b.bytes as u64);
            if tx_write.send(b).await.is_err() {
                break;
            }
        }
    };
    let write = writer.write_chunk(
        ChunkWrite {
            spec: tgt,
            range: &job.range,
            fence: Fence {
                project: shared.project.clone(),
                table: src.id.key(),
                chunk: job.chunk,
            },
            on_nonempty: shared.on_nonempty,
            batch_rows: shared.batch_rows,
            encoding,
            skip_change_log: shared.skip_change_log,
            method: shared.write_method,
        },
        rx_write,
    );
    let (r, (), w) = tokio::join!(read, relay, write);
    // A reader error explains a writer that saw no end-of-range marker.
    r?;
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_rows_get_fewer_rows_per_chunk_and_narrow_ones_the_configured_count() {
        // 40 rows of 3 MiB: about 10 rows per chunk, so 4 chunks.
        assert_eq!(chunk_rows_for(20_000, 32 << 20, 40, 120 << 20), 10);
        // 1M rows of 270 bytes: the configured 20,000.
        assert_eq!(chunk_rows_for(20_000, 32 << 20, 1_000_000, 270_000_000), 20_000);
        // A row larger than a chunk: one row per chunk; unknown sizes: the configured count.
        assert_eq!(chunk_rows_for(20_000, 32 << 20, 2, 200 << 20), 1);
        assert_eq!(chunk_rows_for(20_000, 32 << 20, 0, 0), 20_000);
        assert_eq!(chunk_rows_for(20_000, 32 << 20, 100, 0), 20_000);
    }
}
