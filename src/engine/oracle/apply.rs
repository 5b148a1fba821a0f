//! Replaying row changes on an Oracle target (reverse sync onto an Oracle source, or an
//! Oracle-dialect target): one transaction per batch with the checkpoint row. Upserts are an
//! UPDATE by key and, when it finds no row, an INSERT; row counts say what was (not) there.

use super::conn::{Conn, blocking};
use super::sql;
use crate::config::Endpoint;
use crate::engine::{Applier, ApplyBatch, ApplyStats, Conflict, TableSpec};
use crate::model::change::RowOp;
use crate::model::value::Value;
use anyhow::{Result, anyhow};
use async_trait::async_trait;

pub struct OracleApplier {
    pub conn: Conn,
    pub endpoint: Endpoint,
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

/// One statement and what a row count of 0 (or more) means.
enum Step {
    /// UPDATE by key; when it finds no row, run the INSERT. `found` is the conflict when a row
    /// was there (an insert that found its key taken), `missing` when none was (an update).
    Upsert {
        update: String,
        insert: String,
        found: Option<Conflict>,
        missing: Option<Conflict>,
    },
    /// A delete: 0 rows is a conflict.
    Delete(String, Option<Conflict>),
    Plain(String),
}

fn steps(batch: &ApplyBatch<'_>, meta: &str) -> Result<Vec<Step>> {
    let mut out = Vec::new();
    let safe = batch.safe;
    for ch in batch.changes {
        let spec = &*ch.spec;
        let text = |r: Result<String, String>| r.map_err(|e| anyhow!("{}: {e}", spec.id));
        let keyed = !spec.key.is_empty();
        let unless_safe = |c: Conflict| (!safe).then_some(c);
        match &ch.op {
            RowOp::Insert { after } if keyed => out.push(Step::Upsert {
                update: text(sql::update(spec, after, after))?,
                insert: text(sql::insert_literal(spec, after))?,
                found: unless_safe(conflict(spec, "duplicate_key", after)),
                missing: None,
            }),
            RowOp::Insert { after } => out.push(Step::Plain(text(sql::insert_literal(spec, after))?)),
            RowOp::Update { before, after } if keyed => {
                if safe && spec.key_of(before) != spec.key_of(after) {
                    // Replayed twice: the row may already sit at its new key.
                    out.push(Step::Plain(text(sql::delete_one(spec, after))?));
                }
                out.push(Step::Upsert {
                    update: text(sql::update(spec, before, after))?,
                    insert: text(sql::insert_literal(spec, after))?,
                    found: None,
                    missing: unless_safe(conflict(spec, "missing_row", before)),
                });
            }
            RowOp::Update { before, after } => out.push(Step::Plain(format!(
                "{} AND ROWNUM = 1",
                text(sql::update(spec, before, after))?
            ))),
            RowOp::Delete { before } => out.push(Step::Delete(
                text(sql::delete_one(spec, before))?,
                unless_safe(conflict(spec, "missing_row", before)),
            )),
        }
    }
    let (tbl, keys) = match batch.worker {
        None => ("incr_position", vec![("project", sql::string(batch.project))]),
        Some(w) => (
            "incr_workers",
            vec![("project", sql::string(batch.project)), ("worker", w.to_string())],
        ),
    };
    out.push(Step::Plain(sql::merge_meta(
        meta,
        tbl,
        &keys,
        &[("position", sql::string(&batch.checkpoint.to_string()))],
    )));
    Ok(out)
}

#[async_trait]
impl Applier for OracleApplier {
    async fn apply(&mut self, batch: &ApplyBatch<'_>) -> Result<ApplyStats> {
        let steps = steps(batch, &self.endpoint.meta_database)?;
        let c = self.conn.clone();
        blocking(&self.endpoint, move || {
            let run = || -> oracle::Result<ApplyStats> {
                let mut stats = ApplyStats::default();
                for s in steps {
                    match s {
                        Step::Upsert {
                            update,
                            insert,
                            found,
                            missing,
                        } => {
                            if c.execute(&update, &[])?.row_count()? > 0 {
                                stats.conflicts.extend(found);
                            } else {
                                stats.conflicts.extend(missing);
                                c.execute(&insert, &[])?;
                            }
                        }
                        Step::Delete(q, missing) => {
                            if c.execute(&q, &[])?.row_count()? == 0 {
                                stats.conflicts.extend(missing);
                            }
                        }
                        Step::Plain(q) => {
                            c.execute(&q, &[])?;
                        }
                    }
                }
                c.commit()?;
                Ok(stats)
            };
            let r = run();
            if r.is_err() {
                let _ = c.rollback();
            }
            r
        })
        .await
    }
}
