//! Replaying row changes on a PostgreSQL target: one transaction per batch, sent as one
//! multi-statement request, with the checkpoint row (or a parallel worker's high-water mark)
//! in the same transaction.

use super::conn::classify;
use super::sql;
use crate::config::Endpoint;
use crate::engine::{Applier, ApplyBatch, ApplyStats, Conflict, TableSpec, TargetChange};
use crate::model::change::RowOp;
use crate::model::value::{Value, canonical_row};
use anyhow::{Result, anyhow};
use async_trait::async_trait;
use std::collections::HashSet;
use std::sync::Arc;
use tokio_postgres::{Client, SimpleQueryMessage};

pub struct PgApplier {
    pub client: Client,
    pub endpoint: Endpoint,
    pub meta: String,
}

/// What the answer to one statement means.
enum Expect {
    /// A row count; 0 means the row to delete was missing.
    Delete(Conflict),
    /// `RETURNING (xmax = 0)`: true means the row did not exist (an update found no row,
    /// or an insert found none, as it should).
    Upsert {
        missing: Option<Conflict>,
        duplicate: Option<Conflict>,
    },
    /// A row count; more than 0 means a row already held the key a row moved to.
    Moved(Conflict),
    /// A multi-row upsert: per row, in order, what `RETURNING (xmax = 0)` true (missing) or
    /// false (duplicate) means.
    Many(Vec<(Option<Conflict>, Option<Conflict>)>),
    Nothing,
}

fn conflict(spec: &TableSpec, kind: &'static str, row: &[Value]) -> Conflict {
    let key = if spec.key.is_empty() {
        row.to_vec()
    } else {
        spec.key_of(row)
    };
    Conflict {
        table: spec.id.key(),
        kind,
        key: key.iter().map(Value::display).collect(),
    }
}

/// Rows per multi-row upsert.
const MANY_ROWS: usize = 1000;

/// The row an insert or a key-keeping update writes, when it can join a multi-row upsert.
fn upsert_row(ch: &TargetChange) -> Option<&[Value]> {
    let spec = &*ch.spec;
    if spec.key.is_empty() {
        return None;
    }
    match &ch.op {
        RowOp::Insert { after } => Some(after),
        RowOp::Update { before, after } if spec.key_of(before) == spec.key_of(after) => Some(after),
        _ => None,
    }
}

impl PgApplier {
    /// Consecutive inserts and key-keeping updates of one table with distinct keys become one
    /// multi-row upsert (outside safe mode, which clears unique holders row by row). Returns
    /// how many changes from `at` it took (0: none, the change goes alone).
    fn many(&self, changes: &[TargetChange], at: usize, out: &mut Vec<(String, Expect)>) -> Result<usize> {
        let first = &changes[at];
        let spec = &*first.spec;
        let kinds: Vec<_> = spec.key.iter().map(|&i| spec.kinds[i]).collect();
        let mut keys = HashSet::new();
        let mut rows: Vec<&[Value]> = Vec::new();
        let mut expects = Vec::new();
        for ch in &changes[at..] {
            if rows.len() >= MANY_ROWS || !Arc::ptr_eq(&ch.spec, &first.spec) {
                break;
            }
            let Some(row) = upsert_row(ch) else { break };
            if !keys.insert(canonical_row(&spec.key_of(row), &kinds)) {
                break;
            }
            rows.push(row);
            expects.push(match &ch.op {
                RowOp::Update { before, .. } => (Some(conflict(spec, "missing_row", before)), None),
                _ => (None, Some(conflict(spec, "duplicate_key", row))),
            });
        }
        if rows.len() < 2 {
            return Ok(0);
        }
        let sql = sql::upsert_many(spec, &rows, true).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        out.push((sql, Expect::Many(expects)));
        Ok(rows.len())
    }

    fn statements(&self, batch: &ApplyBatch<'_>, out: &mut Vec<(String, Expect)>) -> Result<()> {
        let safe = batch.safe;
        let mut at = 0;
        while at < batch.changes.len() {
            if !safe && upsert_row(&batch.changes[at]).is_some() {
                let took = self.many(batch.changes, at, out)?;
                if took > 0 {
                    at += took;
                    continue;
                }
            }
            let ch = &batch.changes[at];
            at += 1;
            let spec = &*ch.spec;
            let keyed = !spec.key.is_empty();
            let text = |r: Result<String, String>| r.map_err(|e| anyhow!("{}: {e}", spec.id));
            // Unless in safe mode, a row that should (not) be there is a conflict.
            let expect = |e: Expect| if safe { Expect::Nothing } else { e };
            if safe
                && keyed
                && let RowOp::Insert { after } | RowOp::Update { after, .. } = &ch.op
            {
                for d in sql::delete_unique_holders(spec, after).map_err(|e| anyhow!("{}: {e}", spec.id))? {
                    out.push((d, Expect::Nothing));
                }
            }
            match &ch.op {
                RowOp::Insert { after } => out.push((
                    text(sql::upsert(spec, after, keyed))?,
                    expect(Expect::Upsert {
                        missing: None,
                        duplicate: keyed.then(|| conflict(spec, "duplicate_key", after)),
                    }),
                )),
                RowOp::Delete { before } => out.push((
                    text(sql::delete_one(spec, before))?,
                    expect(Expect::Delete(conflict(spec, "missing_row", before))),
                )),
                RowOp::Update { before, after } if !keyed => {
                    out.push((text(sql::update_keyless(spec, before, after))?, Expect::Nothing));
                }
                RowOp::Update { before, after } if spec.key_of(before) == spec.key_of(after) => out.push((
                    text(sql::upsert(spec, after, true))?,
                    expect(Expect::Upsert {
                        missing: Some(conflict(spec, "missing_row", before)),
                        duplicate: None,
                    }),
                )),
                RowOp::Update { before, after } => {
                    // The key changed: move the row, so that columns the change does not carry
                    // (TOAST values that did not change) keep their value.
                    let [stale, moved] = sql::move_row(spec, before, after).map_err(|e| anyhow!("{}: {e}", spec.id))?;
                    out.push((stale, expect(Expect::Moved(conflict(spec, "duplicate_key", after)))));
                    out.push((moved, expect(Expect::Delete(conflict(spec, "missing_row", before)))));
                    // When there was no row to move, this inserts it; else it rewrites the
                    // moved row with the same values.
                    out.push((text(sql::upsert(spec, after, false))?, Expect::Nothing));
                }
            }
        }
        let (table, cols, vals) = match batch.worker {
            None => (
                "incr_position",
                "project, position",
                format!(
                    "{}, {}",
                    sql::string(batch.project),
                    sql::string(&batch.checkpoint.to_string())
                ),
            ),
            Some(w) => (
                "incr_workers",
                "project, worker, position",
                format!(
                    "{}, {w}, {}",
                    sql::string(batch.project),
                    sql::string(&batch.checkpoint.to_string())
                ),
            ),
        };
        let key = if batch.worker.is_some() {
            "project, worker"
        } else {
            "project"
        };
        out.push((
            format!(
                "INSERT INTO {}.{table} ({cols}) VALUES ({vals}) ON CONFLICT ({key}) DO UPDATE SET position = EXCLUDED.position",
                sql::ident(&self.meta)
            ),
            Expect::Nothing,
        ));
        Ok(())
    }
}

#[async_trait]
impl Applier for PgApplier {
    async fn apply(&mut self, batch: &ApplyBatch<'_>) -> Result<ApplyStats> {
        let mut stmts = Vec::with_capacity(batch.changes.len() + 3);
        self.statements(batch, &mut stmts)?;
        let mut text = String::from("BEGIN;\n");
        for (s, _) in &stmts {
            text.push_str(s);
            text.push_str(";\n");
        }
        text.push_str("COMMIT");
        let answers = match self.client.simple_query(&text).await {
            Ok(a) => a,
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(classify(e, &self.endpoint));
            }
        };
        // Answers in order: BEGIN's completion, then per statement its rows and completion.
        let mut stats = ApplyStats::default();
        let mut it = answers
            .into_iter()
            .filter(|m| !matches!(m, SimpleQueryMessage::RowDescription(_)));
        let _begin = it.next();
        for (_, expect) in stmts {
            let mut returned_new = None;
            let mut news = Vec::new();
            let mut count = 0;
            for m in it.by_ref() {
                match m {
                    SimpleQueryMessage::Row(r) => {
                        returned_new = Some(r.get(0) == Some("t"));
                        news.push(r.get(0) == Some("t"));
                    }
                    SimpleQueryMessage::CommandComplete(n) => {
                        count = n;
                        break;
                    }
                    _ => {}
                }
            }
            match expect {
                Expect::Delete(c) if count == 0 => stats.conflicts.push(c),
                Expect::Moved(c) if count > 0 => stats.conflicts.push(c),
                Expect::Upsert { missing: Some(c), .. } if returned_new == Some(true) => stats.conflicts.push(c),
                Expect::Upsert { duplicate: Some(c), .. } if returned_new == Some(false) => stats.conflicts.push(c),
                Expect::Many(rows) => {
                    for ((missing, duplicate), new) in rows.into_iter().zip(news) {
                        if let Some(c) = if new { missing } else { duplicate } {
                            stats.conflicts.push(c);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(stats)
    }
}
