//! Replaying row changes on a PostgreSQL target: one transaction per batch, sent as one
//! multi-statement request, with the checkpoint row (or a parallel worker's high-water mark)
//! in the same transaction.

use super::conn::classify;
use super::{sql, types};
use crate::config::Endpoint;
use crate::engine::{Applier, ApplyBatch, ApplyStats, Conflict, TableSpec};
use crate::model::change::RowOp;
use crate::model::value::Value;
use anyhow::{Result, anyhow};
use async_trait::async_trait;
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
    Nothing,
}

fn conflict(spec: &TableSpec, kind: &'static str, row: &[Value]) -> Conflict {
    let key = if spec.key.is_empty() {
        row.to_vec()
    } else {
        spec.key_of(row)
    };
    Conflict {
        table: spec.id.to_string(),
        kind,
        key: key.iter().map(Value::display).collect(),
    }
}

fn lits(spec: &TableSpec, row: &[Value]) -> Result<Vec<String>> {
    row.iter()
        .zip(&spec.kinds)
        .map(|(v, k)| types::literal(v, *k).map_err(|e| anyhow!("{}: {e}", spec.id)))
        .collect()
}

/// `(key columns) = (key values)` of a row.
fn key_match(spec: &TableSpec, row: &[Value]) -> Result<String> {
    let cols: Vec<String> = spec.key.iter().map(|&i| sql::ident(&spec.columns[i])).collect();
    let vals: Vec<String> = spec
        .key
        .iter()
        .map(|&i| types::literal(&row[i], spec.kinds[i]).map_err(|e| anyhow!("{}: {e}", spec.id)))
        .collect::<Result<_>>()?;
    Ok(format!("({}) = ({})", cols.join(", "), vals.join(", ")))
}

/// UPDATE of the row at `old_key` to the new values (key included).
fn move_row(spec: &TableSpec, row: &[Value], old_key: &str) -> Result<String> {
    let sets: Vec<String> = spec
        .columns
        .iter()
        .zip(lits(spec, row)?)
        .map(|(c, v)| format!("{} = {v}", sql::ident(c)))
        .collect();
    Ok(format!(
        "UPDATE {} SET {} WHERE {old_key}",
        sql::table(&spec.id),
        sets.join(", ")
    ))
}

/// The column list and the `ON CONFLICT (key) DO UPDATE … RETURNING (xmax = 0)` clause of an
/// upsert of the columns the change carries.
fn upsert_parts(spec: &TableSpec) -> (String, String) {
    let cols: Vec<String> = spec.columns.iter().map(|c| sql::ident(c)).collect();
    let keys: Vec<String> = spec.key.iter().map(|&i| sql::ident(&spec.columns[i])).collect();
    let sets: Vec<String> = spec
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !spec.key.contains(i))
        .map(|(_, c)| format!("{q} = EXCLUDED.{q}", q = sql::ident(c)))
        .collect();
    // A no-op update keeps RETURNING working when every column is in the key.
    let set = if sets.is_empty() {
        format!("{k} = EXCLUDED.{k}", k = keys[0])
    } else {
        sets.join(", ")
    };
    (
        cols.join(", "),
        format!(
            "ON CONFLICT ({}) DO UPDATE SET {set} RETURNING (xmax = 0)",
            keys.join(", ")
        ),
    )
}

/// INSERT … ON CONFLICT (key) DO UPDATE of the columns the change carries, returning whether
/// the row is new.
fn upsert(spec: &TableSpec, row: &[Value]) -> Result<String> {
    let (cols, on_conflict) = upsert_parts(spec);
    Ok(format!(
        "INSERT INTO {} ({cols}) VALUES ({}) {on_conflict}",
        sql::table(&spec.id),
        lits(spec, row)?.join(", ")
    ))
}

fn insert(spec: &TableSpec, row: &[Value]) -> Result<String> {
    let cols: Vec<String> = spec.columns.iter().map(|c| sql::ident(c)).collect();
    Ok(format!(
        "INSERT INTO {} ({}) VALUES ({})",
        sql::table(&spec.id),
        cols.join(", "),
        lits(spec, row)?.join(", ")
    ))
}

/// UPDATE of exactly one row equal to `before` in every column (tables without a key).
fn update_keyless(spec: &TableSpec, before: &[Value], after: &[Value]) -> Result<String> {
    let t = sql::table(&spec.id);
    let conds: Vec<String> = spec
        .columns
        .iter()
        .zip(lits(spec, before)?)
        .map(|(c, v)| format!("{} IS NOT DISTINCT FROM {v}", sql::ident(c)))
        .collect();
    let sets: Vec<String> = spec
        .columns
        .iter()
        .zip(lits(spec, after)?)
        .map(|(c, v)| format!("{} = {v}", sql::ident(c)))
        .collect();
    Ok(format!(
        "UPDATE {t} SET {} WHERE ctid = (SELECT ctid FROM {t} WHERE {} LIMIT 1)",
        sets.join(", "),
        conds.join(" AND ")
    ))
}

/// Safe mode: rows other than this one that hold one of its unique values go first (what
/// MySQL's REPLACE does); a later change in the log puts them back as the source has them.
fn clear_unique(spec: &TableSpec, row: &[Value], out: &mut Vec<(String, Expect)>) -> Result<()> {
    let key_cols: Vec<String> = spec.key.iter().map(|&i| sql::ident(&spec.columns[i])).collect();
    let key_vals = lits(spec, &spec.key_of(row))?;
    for u in spec.unique.iter().filter(|u| !u.is_empty()) {
        if u.iter().any(|&i| row[i] == Value::Null) {
            continue;
        }
        let cols: Vec<String> = u.iter().map(|&i| sql::ident(&spec.columns[i])).collect();
        let vals: Vec<String> = u
            .iter()
            .map(|&i| types::literal(&row[i], spec.kinds[i]).map_err(|e| anyhow!("{}: {e}", spec.id)))
            .collect::<Result<_>>()?;
        out.push((
            format!(
                "DELETE FROM {} WHERE ({}) = ({}) AND ({}) <> ({})",
                sql::table(&spec.id),
                cols.join(", "),
                vals.join(", "),
                key_cols.join(", "),
                key_vals.join(", ")
            ),
            Expect::Nothing,
        ));
    }
    Ok(())
}

impl PgApplier {
    fn statements(&self, batch: &ApplyBatch<'_>, out: &mut Vec<(String, Expect)>) -> Result<()> {
        let safe = batch.safe;
        for ch in batch.changes {
            let spec = &*ch.spec;
            let keyed = !spec.key.is_empty();
            if safe
                && keyed
                && let RowOp::Insert { after } | RowOp::Update { after, .. } = &ch.op
            {
                clear_unique(spec, after, out)?;
            }
            match &ch.op {
                RowOp::Insert { after } if keyed => out.push((
                    upsert(spec, after)?,
                    Expect::Upsert {
                        missing: None,
                        duplicate: (!safe).then(|| conflict(spec, "duplicate_key", after)),
                    },
                )),
                RowOp::Insert { after } => out.push((insert(spec, after)?, Expect::Nothing)),
                RowOp::Delete { before } => out.push((
                    sql::delete_one(spec, before).map_err(|e| anyhow!("{}: {e}", spec.id))?,
                    if safe {
                        Expect::Nothing
                    } else {
                        Expect::Delete(conflict(spec, "missing_row", before))
                    },
                )),
                RowOp::Update { before, after } if !keyed => {
                    // No row matched the old values: make the new row exist.
                    out.push((update_keyless(spec, before, after)?, Expect::Nothing));
                }
                RowOp::Update { before, after } => {
                    if spec.key_of(before) == spec.key_of(after) {
                        let expect = Expect::Upsert {
                            missing: (!safe).then(|| conflict(spec, "missing_row", before)),
                            duplicate: None,
                        };
                        out.push((upsert(spec, after)?, expect));
                    } else {
                        // The key changed: move the row, so that columns the change does not
                        // carry (TOAST values that did not change) keep their value. A row
                        // already at the new key is stale when the old row is still there.
                        let (old_key, new_key) = (key_match(spec, before)?, key_match(spec, after)?);
                        let t = sql::table(&spec.id);
                        out.push((
                            format!("DELETE FROM {t} WHERE {new_key} AND EXISTS (SELECT 1 FROM {t} WHERE {old_key})"),
                            if safe {
                                Expect::Nothing
                            } else {
                                Expect::Moved(conflict(spec, "duplicate_key", after))
                            },
                        ));
                        out.push((
                            move_row(spec, after, &old_key)?,
                            if safe {
                                Expect::Nothing
                            } else {
                                Expect::Delete(conflict(spec, "missing_row", before))
                            },
                        ));
                        // When there was no row to move, this inserts it; else it rewrites the
                        // moved row with the same values.
                        out.push((upsert(spec, after)?, Expect::Nothing));
                    }
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
            let mut count = 0;
            for m in it.by_ref() {
                match m {
                    SimpleQueryMessage::Row(r) => returned_new = Some(r.get(0) == Some("t")),
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
                _ => {}
            }
        }
        Ok(stats)
    }
}
