//! verify: chunked checksums computed by both servers; only chunks whose checksums differ are
//! read row by row and diffed canonically (so equal data never reports a difference, and a
//! single changed byte always does). Writes a report, every differing row and repair SQL
//! (source as truth) to the state directory; `--repair` applies it and re-verifies.

use super::{Ctx, StageOpts, StageOutcome, scope};
use crate::engine::{Checksum, ChecksumKind, Engine, Reader, TableSpec};
use crate::error::{interrupted, kind_of};
use crate::model::catalog::TableId;
use crate::model::printable::sql_comment;
use crate::model::range::KeyRange;
use crate::model::value::{Row, Value, canonical_row};
use crate::output::new_table;
use crate::state::write_atomic;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableVerify {
    pub source: TableId,
    pub target: TableId,
    pub chunks: u64,
    pub chunks_differ: u64,
    pub rows_source: u64,
    pub rows_target: u64,
    pub missing: u64,
    pub extra: u64,
    pub different: u64,
    pub equal: bool,
    /// Ranges whose checksums differed: what `--only-inconsistent` rechecks.
    pub differing_ranges: Vec<KeyRange>,
    /// Row counts (source, target) of each differing range, so a recheck can recount them.
    #[serde(default)]
    pub differing_rows: Vec<(u64, u64)>,
    /// Differences counted but not kept (past `[verify] max_diff_rows`): in neither the report
    /// nor the repair SQL.
    #[serde(default)]
    pub unlisted: u64,
}

/// `verify.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "version")]
pub enum VerifyState {
    #[serde(rename = "1")]
    V1 { tables: Vec<TableVerify>, repaired: bool },
}

impl VerifyState {
    pub fn tables(&self) -> &[TableVerify] {
        match self {
            VerifyState::V1 { tables, .. } => tables,
        }
    }
}

/// Values kept per table for the report and repair, at most (besides `max_diff_rows`).
const MAX_DIFF_BYTES: usize = 256 << 20;

/// Rows that differ in one table, by canonical key (keyed tables) or canonical row (keyless).
/// Memory is bounded: past `limit` rows (or `MAX_DIFF_BYTES`), differences are only counted,
/// so a target table that is empty or far behind costs counters, not a copy of the table.
#[derive(Default)]
struct TableDiff {
    /// Rows kept at most; `None`: no limit (one range's diff before it is merged).
    limit: Option<usize>,
    kept_bytes: usize,
    /// Differences past the limit, counted only: missing, extra, different.
    unkept: [u64; 3],
    /// In the source, not in the target.
    missing: BTreeMap<Vec<u8>, Row>,
    /// In the target, not in the source.
    extra: BTreeMap<Vec<u8>, Row>,
    /// Same key, other values: (source row, target row).
    different: BTreeMap<Vec<u8>, (Row, Row)>,
    /// Keyless tables: rows with their multiplicity difference.
    keyless_missing: Vec<Row>,
    keyless_extra: Vec<Row>,
}

impl TableDiff {
    fn limited(rows: usize) -> Self {
        TableDiff {
            limit: Some(rows),
            ..TableDiff::default()
        }
    }

    fn kept(&self) -> usize {
        self.missing.len()
            + self.extra.len()
            + self.different.len()
            + self.keyless_missing.len()
            + self.keyless_extra.len()
    }

    fn found(&self) -> u64 {
        self.kept() as u64 + self.unkept.iter().sum::<u64>()
    }

    /// Whether one more row of `bytes` may be kept; if so, it is counted as kept.
    fn room(&mut self, bytes: usize) -> bool {
        let fits =
            self.limit.is_none_or(|l| self.kept() < l) && self.kept_bytes.saturating_add(bytes) <= MAX_DIFF_BYTES;
        if fits {
            self.kept_bytes += bytes;
        }
        fits
    }

    /// Takes one range's differences in, as far as the limits allow.
    fn absorb(&mut self, range: TableDiff) {
        let size = |r: &Row| r.iter().map(Value::size).sum::<usize>();
        for (k, r) in range.missing {
            if self.room(size(&r)) {
                self.missing.insert(k, r);
            } else {
                self.unkept[0] += 1;
            }
        }
        for r in range.keyless_missing {
            if self.room(size(&r)) {
                self.keyless_missing.push(r);
            } else {
                self.unkept[0] += 1;
            }
        }
        for (k, r) in range.extra {
            if self.room(size(&r)) {
                self.extra.insert(k, r);
            } else {
                self.unkept[1] += 1;
            }
        }
        for r in range.keyless_extra {
            if self.room(size(&r)) {
                self.keyless_extra.push(r);
            } else {
                self.unkept[1] += 1;
            }
        }
        for (k, (s, t)) in range.different {
            if self.room(size(&s) + size(&t)) {
                self.different.insert(k, (s, t));
            } else {
                self.unkept[2] += 1;
            }
        }
    }
}

struct TableRun {
    src: TableSpec,
    tgt: TableSpec,
    result: TableVerify,
    diff: TableDiff,
}

struct Shared {
    /// The row hash both servers compute (the cheapest they share).
    checksum: ChecksumKind,
    jobs: Mutex<VecDeque<(usize, KeyRange)>>,
    tables: Mutex<Vec<TableRun>>,
    cancel: tokio::sync::watch::Receiver<bool>,
}

pub async fn run(ctx: &mut Ctx, opts: &StageOpts) -> Result<StageOutcome> {
    let project = ctx.project.clone();
    let source = ctx.source().await?;
    let target = ctx.target().await?;
    let scope = scope::resolve(&project, source.as_ref()).await?;
    let catalog = source.catalog(&scope.tables, &[]).await?;
    let previous: Option<VerifyState> = ctx.dir.read_json(&ctx.dir.verify())?;
    if opts.only_inconsistent && previous.is_none() {
        return Err(crate::error::usage(
            "--only-inconsistent needs an earlier verify run",
            "run `omsctl verify` first",
        ));
    }
    let mut runs = Vec::new();
    let mut jobs = VecDeque::new();
    let generated = scope::target_generated(target.as_ref(), &scope.mappings).await;
    for m in &scope.mappings {
        let Some(t) = catalog.tables.iter().find(|t| t.id == m.source) else {
            continue;
        };
        let (src, tgt) = scope::specs(&project, t, m, generated.as_ref().and_then(|g| g.get(&t.id)));
        let ranges = if opts.only_inconsistent {
            previous
                .as_ref()
                .and_then(|p| p.tables().iter().find(|v| v.source == src.id))
                .map(|v| v.differing_ranges.clone())
                .unwrap_or_default()
        } else {
            if ctx.cancelled() {
                return Err(interrupted());
            }
            KeyRange::from_boundaries(&source.chunk_boundaries(&src, project.verify.chunk_rows).await?)
        };
        let idx = runs.len();
        for r in ranges {
            jobs.push_back((idx, r));
        }
        runs.push(TableRun {
            result: TableVerify {
                source: src.id.clone(),
                target: tgt.id.clone(),
                chunks: 0,
                chunks_differ: 0,
                rows_source: 0,
                rows_target: 0,
                missing: 0,
                extra: 0,
                different: 0,
                equal: true,
                differing_ranges: vec![],
                differing_rows: vec![],
                unlisted: 0,
            },
            src,
            tgt,
            diff: TableDiff::limited(project.verify.max_diff_rows),
        });
    }
    let mut runs = check_all(ctx, &source, &target, runs, jobs).await?;
    let mut repaired = false;
    if opts.repair && runs.iter().any(|r| !r.result.equal) {
        let mut writer = target.writer().await?;
        for r in &runs {
            let (upserts, deletes) = repair_rows(r);
            for (u, d) in chunked(&upserts, &deletes, 500) {
                writer.repair(&r.tgt, u, d).await?;
            }
        }
        repaired = true;
        ctx.out.status("repair applied; re-verifying the differing chunks");
        runs = recheck(ctx, &source, &target, &runs).await?;
    }
    // Incremental verification: while a follower replays the source's changes, a row changed
    // a moment ago may simply not have arrived yet. Recheck differing chunks after the lag.
    let mut rechecks = 0;
    while runs.iter().any(|r| !r.result.equal) && rechecks < 3 && !ctx.dir.is_idle_for(crate::state::Activity::Incr) {
        rechecks += 1;
        let lag: Option<super::incr::IncrState> = ctx.dir.read_json(&ctx.dir.incr())?;
        let wait = Duration::from_millis(
            lag.and_then(|l| l.lag_ms)
                .unwrap_or(0)
                .saturating_add(2_000)
                .min(30_000),
        );
        ctx.out.status(&format!(
            "verify: differences found while incremental sync runs; rechecking them in {:.1} s (round {rechecks})",
            wait.as_secs_f64()
        ));
        let mut cancel = ctx.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.changed() => return Err(interrupted()),
        }
        runs = recheck(ctx, &source, &target, &runs).await?;
    }
    write_reports(ctx, target.as_ref(), &runs, project.verify.max_reported_rows)?;
    let tables: Vec<TableVerify> = runs.iter().map(|r| r.result.clone()).collect();
    let state = VerifyState::V1 {
        tables: tables.clone(),
        repaired,
    };
    ctx.dir.write_json(&ctx.dir.verify(), &state)?;
    let mut t = new_table(&[
        "table",
        "rows source",
        "rows target",
        "chunks",
        "differ",
        "missing",
        "extra",
        "different",
        "result",
    ]);
    for v in &tables {
        t.add_row(vec![
            v.source.to_string(),
            v.rows_source.to_string(),
            v.rows_target.to_string(),
            v.chunks.to_string(),
            v.chunks_differ.to_string(),
            v.missing.to_string(),
            v.extra.to_string(),
            v.different.to_string(),
            if v.equal { "equal".into() } else { "DIFFERENT".into() },
        ]);
    }
    ctx.out.table(&t)?;
    let bad: Vec<&TableVerify> = tables.iter().filter(|v| !v.equal).collect();
    let negative = if bad.is_empty() {
        ctx.out.say(&format!("verify: {} tables equal", tables.len()))?;
        None
    } else {
        let rows: u64 = bad.iter().map(|v| v.missing + v.extra + v.different).sum();
        ctx.out.say(&format!(
            "verify: {} of {} tables differ ({rows} rows); rows: {}, repair SQL: {}; `omsctl verify --repair` applies it",
            bad.len(),
            tables.len(),
            ctx.dir.verify_diff().display(),
            ctx.dir.verify_repair().display()
        ))?;
        // The first differing keys of each table, so that a terminal shows where to look.
        for r in runs.iter().filter(|r| !r.result.equal) {
            let key = |row: &Row| -> String {
                if r.src.key.is_empty() {
                    "a row without key".into()
                } else {
                    format!("{:?}", r.src.key_of(row).iter().map(Value::display).collect::<Vec<_>>())
                }
            };
            let shown: Vec<String> = r
                .diff
                .missing
                .values()
                .chain(&r.diff.keyless_missing)
                .map(|row| format!("missing {}", key(row)))
                .chain(
                    r.diff
                        .extra
                        .values()
                        .chain(&r.diff.keyless_extra)
                        .map(|row| format!("extra {}", key(row))),
                )
                .chain(
                    r.diff
                        .different
                        .values()
                        .map(|(row, _)| format!("different {}", key(row))),
                )
                .take(5)
                .collect();
            let total = r.result.missing + r.result.extra + r.result.different;
            ctx.out.say(&format!(
                "  {}: {}{}",
                r.src.id,
                shown.join(", "),
                if total > shown.len() as u64 {
                    format!(" … ({total} in all)")
                } else {
                    String::new()
                }
            ))?;
            if r.result.unlisted > 0 {
                ctx.out.say(&format!(
                    "  {}: {} of them only counted (past [verify] max_diff_rows = {}): the report and the repair SQL hold the rest; after a repair, verify again for the next ones, or copy the table again (`omsctl reset full --yes`, then `omsctl full`) if most of it differs",
                    r.src.id, r.result.unlisted, ctx.project.verify.max_diff_rows
                ))?;
            }
        }
        Some(format!("{} table(s) differ ({rows} rows)", bad.len()))
    };
    Ok(StageOutcome {
        summary: json!({"tables": tables, "repaired": repaired}),
        negative,
    })
}

/// Re-verifies only the ranges that differed.
async fn recheck(
    ctx: &Ctx,
    source: &Arc<dyn Engine>,
    target: &Arc<dyn Engine>,
    runs: &[TableRun],
) -> Result<Vec<TableRun>> {
    let mut jobs = VecDeque::new();
    let reruns: Vec<TableRun> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            for range in &r.result.differing_ranges {
                jobs.push_back((i, range.clone()));
            }
            let mut result = r.result.clone();
            // Chunks that were equal stay counted; the rechecked ones are counted again.
            result.chunks -= result.differing_ranges.len() as u64;
            for (a, b) in &result.differing_rows {
                result.rows_source -= a;
                result.rows_target -= b;
            }
            result.differing_rows.clear();
            result.chunks_differ = 0;
            result.missing = 0;
            result.extra = 0;
            result.different = 0;
            result.equal = true;
            result.differing_ranges.clear();
            result.unlisted = 0;
            TableRun {
                src: r.src.clone(),
                tgt: r.tgt.clone(),
                result,
                diff: TableDiff::limited(ctx.project.verify.max_diff_rows),
            }
        })
        .collect();
    check_all(ctx, source, target, reruns, jobs).await
}

fn chunked<'a>(u: &'a [Row], d: &'a [Row], n: usize) -> Vec<(&'a [Row], &'a [Row])> {
    let mut out: Vec<(&[Row], &[Row])> = d.chunks(n).map(|c| (&[][..], c)).collect();
    out.extend(u.chunks(n).map(|c| (c, &[][..])));
    out
}

/// Source rows to write and target rows to delete so that the target equals the source.
fn repair_rows(r: &TableRun) -> (Vec<Row>, Vec<Row>) {
    let d = &r.diff;
    let mut upserts: Vec<Row> = d.missing.values().cloned().collect();
    upserts.extend(d.different.values().map(|(s, _)| s.clone()));
    upserts.extend(d.keyless_missing.iter().cloned());
    let mut deletes: Vec<Row> = d.extra.values().cloned().collect();
    deletes.extend(d.keyless_extra.iter().cloned());
    (upserts, deletes)
}

async fn check_all(
    ctx: &Ctx,
    source: &Arc<dyn Engine>,
    target: &Arc<dyn Engine>,
    runs: Vec<TableRun>,
    jobs: VecDeque<(usize, KeyRange)>,
) -> Result<Vec<TableRun>> {
    let workers = ctx.project.verify.concurrency.min(jobs.len().max(1));
    let shared = Arc::new(Shared {
        checksum: crate::engine::common_checksum(source.as_ref(), target.as_ref()),
        jobs: Mutex::new(jobs),
        tables: Mutex::new(runs),
        cancel: ctx.cancel.clone(),
    });
    let mut handles = Vec::new();
    for _ in 0..workers {
        let sr = source.reader().await?;
        let tr = target.reader().await?;
        let sh = shared.clone();
        handles.push(tokio::spawn(async move { worker(sh, sr, tr).await }));
    }
    let mut first: Option<anyhow::Error> = None;
    for h in handles {
        let r = h
            .await
            .unwrap_or_else(|e| Err(anyhow::anyhow!("verify worker panicked: {e}")));
        if let Err(e) = r {
            if let Ok(mut j) = shared.jobs.lock() {
                j.clear();
            }
            if first
                .as_ref()
                .is_none_or(|p| kind_of(p).0 == crate::error::Kind::Interrupted)
            {
                first = Some(e);
            }
        }
    }
    if let Some(e) = first {
        return Err(e);
    }
    let Ok(mut guard) = shared.tables.lock() else {
        anyhow::bail!("verify state lock poisoned")
    };
    let mut runs = std::mem::take(&mut *guard);
    for r in &mut runs {
        reconcile(r);
    }
    Ok(runs)
}

async fn worker(shared: Arc<Shared>, mut sr: Box<dyn Reader>, mut tr: Box<dyn Reader>) -> Result<()> {
    loop {
        if *shared.cancel.borrow() {
            return Err(interrupted());
        }
        let Some((idx, range)) = shared.jobs.lock().ok().and_then(|mut j| j.pop_front()) else {
            return Ok(());
        };
        let (src, tgt) = {
            let Ok(t) = shared.tables.lock() else {
                anyhow::bail!("verify state lock poisoned")
            };
            (t[idx].src.clone(), t[idx].tgt.clone())
        };
        let kind = shared.checksum;
        let (a, b) = tokio::join!(sr.checksum(&src, &range, kind), tr.checksum(&tgt, &range, kind));
        let (a, b): (Checksum, Checksum) = (a?, b?);
        // The row diff (canonical encoding and hashing of both sides) runs before the shared
        // lock is taken, so workers diff their ranges in parallel.
        let found = if a == b {
            None
        } else {
            let (x, y) = tokio::join!(sr.read_rows(&src, &range), tr.read_rows(&tgt, &range));
            let mut found = TableDiff::default();
            diff_rows(&src, x?, y?, &mut found);
            Some(found)
        };
        let Ok(mut tables) = shared.tables.lock() else {
            anyhow::bail!("verify state lock poisoned")
        };
        let run = &mut tables[idx];
        run.result.chunks += 1;
        run.result.rows_source += a.rows;
        run.result.rows_target += b.rows;
        if let Some(found) = found {
            let differs = found.found() > 0;
            run.diff.absorb(found);
            // Checksums can differ on equal data (e.g. JSON text spelled differently by two
            // servers); only a row-level difference makes a chunk inconsistent.
            if differs || a.rows != b.rows {
                run.result.chunks_differ += 1;
                run.result.differing_ranges.push(range);
                run.result.differing_rows.push((a.rows, b.rows));
            }
        }
    }
}

fn diff_rows(spec: &TableSpec, source: Vec<Row>, target: Vec<Row>, out: &mut TableDiff) {
    if spec.key.is_empty() {
        // Multiset difference on canonical rows: duplicates count.
        let mut counts: HashMap<Vec<u8>, (i64, Row)> = HashMap::new();
        for r in source {
            let k = canonical_row(&r, &spec.kinds);
            counts.entry(k).or_insert((0, r)).0 += 1;
        }
        for r in target {
            let k = canonical_row(&r, &spec.kinds);
            counts.entry(k).or_insert((0, r)).0 -= 1;
        }
        for (_, (n, r)) in counts {
            for _ in 0..n.max(0) {
                out.keyless_missing.push(r.clone());
            }
            for _ in 0..(-n).max(0) {
                out.keyless_extra.push(r.clone());
            }
        }
        return;
    }
    let key_kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
    let mut tmap: HashMap<Vec<u8>, Row> = target
        .into_iter()
        .map(|r| (canonical_row(&spec.key_of(&r), &key_kinds), r))
        .collect();
    for s in source {
        let k = canonical_row(&spec.key_of(&s), &key_kinds);
        match tmap.remove(&k) {
            None => {
                out.missing.insert(k, s);
            }
            Some(t) => {
                if canonical_row(&s, &spec.kinds) != canonical_row(&t, &spec.kinds) {
                    out.different.insert(k, (s, t));
                }
            }
        }
    }
    out.extra.extend(tmap);
}

/// A row can fall in different chunks on the two servers when their collations order keys
/// differently; it then shows as missing in one chunk and extra in another. Pair them up.
fn reconcile(r: &mut TableRun) {
    let d = &mut r.diff;
    let keys: Vec<Vec<u8>> = d.missing.keys().filter(|k| d.extra.contains_key(*k)).cloned().collect();
    for k in keys {
        if let (Some(s), Some(t)) = (d.missing.remove(&k), d.extra.remove(&k))
            && canonical_row(&s, &r.src.kinds) != canonical_row(&t, &r.src.kinds)
        {
            d.different.insert(k, (s, t));
        }
    }
    r.result.missing = (d.missing.len() + d.keyless_missing.len()) as u64 + d.unkept[0];
    r.result.extra = (d.extra.len() + d.keyless_extra.len()) as u64 + d.unkept[1];
    r.result.different = d.different.len() as u64 + d.unkept[2];
    r.result.unlisted = d.unkept.iter().sum();
    r.result.equal = r.result.missing == 0 && r.result.extra == 0 && r.result.different == 0;
    if r.result.equal {
        r.result.chunks_differ = 0;
        r.result.differing_ranges.clear();
        r.result.differing_rows.clear();
    }
}

fn row_json(spec: &TableSpec, row: &[Value]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (c, v) in spec.columns.iter().zip(row) {
        m.insert(c.clone(), json!(v.display()));
    }
    serde_json::Value::Object(m)
}

fn write_reports(ctx: &Ctx, target: &dyn Engine, runs: &[TableRun], max_rows: usize) -> Result<()> {
    let mut diff = Vec::new();
    let mut sql = String::from(
        "-- omsctl repair SQL: makes the target equal to the source (source is the truth).\n-- Review, then apply with `omsctl verify --repair` (or run it yourself, with foreign key checks off).\n",
    );
    for s in target.script_preamble() {
        sql.push_str(&s);
        sql.push('\n');
    }
    for r in runs {
        if r.result.equal {
            continue;
        }
        let key = |row: &Row| -> serde_json::Value {
            if r.src.key.is_empty() {
                json!(null)
            } else {
                json!(r.src.key_of(row).iter().map(Value::display).collect::<Vec<_>>())
            }
        };
        let mut n = 0usize;
        let mut push = |kind: &str, k: serde_json::Value, s: Option<&Row>, t: Option<&Row>| {
            if n < max_rows {
                let line = json!({
                    "table": r.src.id.key(), "kind": kind, "key": k,
                    "source": s.map(|x| row_json(&r.src, x)), "target": t.map(|x| row_json(&r.tgt, x)),
                });
                diff.extend_from_slice(line.to_string().as_bytes());
                diff.push(b'\n');
            }
            n += 1;
        };
        for row in r.diff.missing.values().chain(&r.diff.keyless_missing) {
            push("missing", key(row), Some(row), None);
        }
        for row in r.diff.extra.values().chain(&r.diff.keyless_extra) {
            push("extra", key(row), None, Some(row));
        }
        for (s, t) in r.diff.different.values() {
            push("different", key(s), Some(s), Some(t));
        }
        let (upserts, deletes) = repair_rows(r);
        sql.push_str(&format!(
            "-- {}\n",
            sql_comment(&format!("{} -> {}", r.src.id, r.tgt.id))
        ));
        if r.result.unlisted > 0 {
            sql.push_str(&format!(
                "-- {} more differing rows were counted, not kept ([verify] max_diff_rows): verify again after this\n",
                r.result.unlisted
            ));
        }
        for stmt in target.repair_sql(&r.tgt, &upserts, &deletes) {
            sql.push_str(&stmt);
            sql.push('\n');
        }
    }
    write_atomic(&ctx.dir.verify_diff(), &diff)?;
    write_atomic(&ctx.dir.verify_repair(), sql.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::ValueKind;

    fn spec(key: Vec<usize>) -> TableSpec {
        TableSpec {
            id: TableId::new("d", "t"),
            columns: vec!["id".into(), "v".into()],
            kinds: vec![ValueKind::Integer, ValueKind::Text],
            compare: vec![crate::model::catalog::KeyCompare::Exact; 2],
            key,
            unique: Vec::new(),
            filter: None,
        }
    }

    fn row(id: i64, v: &str) -> Row {
        vec![Value::Int(id), Value::Bytes(v.as_bytes().to_vec())]
    }

    #[test]
    fn keyed_diff_finds_missing_extra_and_changed_rows() {
        let mut d = TableDiff::default();
        diff_rows(
            &spec(vec![0]),
            vec![row(1, "a"), row(2, "b"), row(3, "c")],
            vec![row(1, "a"), row(2, "B"), row(4, "d")],
            &mut d,
        );
        assert_eq!(d.missing.len(), 1);
        assert_eq!(d.extra.len(), 1);
        assert_eq!(d.different.len(), 1);
    }

    #[test]
    fn keyless_diff_counts_duplicates() {
        let mut d = TableDiff::default();
        diff_rows(
            &spec(vec![]),
            vec![row(1, "a"), row(1, "a"), row(2, "b")],
            vec![row(1, "a"), row(2, "b"), row(2, "b")],
            &mut d,
        );
        assert_eq!(d.keyless_missing, vec![row(1, "a")]);
        assert_eq!(d.keyless_extra, vec![row(2, "b")]);
    }

    #[test]
    fn past_its_limit_a_table_diff_counts_differences_without_keeping_them() {
        let s = spec(vec![0]);
        let mut d = TableDiff::limited(3);
        for n in 0..4 {
            let mut range = TableDiff::default();
            let (a, b) = (n * 10, n * 10 + 1);
            diff_rows(&s, vec![row(a, "x"), row(b, "y")], vec![row(b, "Y")], &mut range);
            d.absorb(range);
        }
        assert_eq!(d.kept(), 3, "kept no more than the limit");
        assert_eq!(d.found(), 8, "and counted every difference");
        assert_eq!(d.unkept, [2, 0, 3]);
        let mut k = TableDiff::limited(1);
        let mut range = TableDiff::default();
        diff_rows(
            &spec(vec![]),
            vec![row(1, "a"), row(1, "a")],
            vec![row(2, "b")],
            &mut range,
        );
        k.absorb(range);
        assert_eq!((k.kept(), k.found()), (1, 3));
    }

    #[test]
    fn rows_in_different_chunks_on_each_side_cancel_out() {
        let s = spec(vec![0]);
        let mut run = TableRun {
            src: s.clone(),
            tgt: s.clone(),
            result: TableVerify {
                source: s.id.clone(),
                target: s.id.clone(),
                chunks: 2,
                chunks_differ: 2,
                rows_source: 1,
                rows_target: 1,
                missing: 0,
                extra: 0,
                different: 0,
                equal: false,
                differing_ranges: vec![KeyRange::all()],
                differing_rows: vec![(1, 1)],
                unlisted: 0,
            },
            diff: TableDiff::default(),
        };
        diff_rows(&s, vec![row(7, "x")], vec![], &mut run.diff);
        diff_rows(&s, vec![], vec![row(7, "x")], &mut run.diff);
        reconcile(&mut run);
        assert!(run.result.equal);
    }
}
