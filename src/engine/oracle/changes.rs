//! Change capture from Oracle with LogMiner (online catalog, committed data only), read in SCN
//! windows. A window starts at the oldest transaction still open at the end of the previous
//! one (so no transaction loses its first changes) and ends at the current SCN; transactions
//! committed at or before the checkpoint are dropped by the [`Assembler`]. Transactions that
//! share a commit SCN travel as one, so a checkpoint never splits them.

use super::conn::{Conn, blocking};
use super::logminer::{self, Assembled, Assembler, ContentRow};
use crate::config::{Endpoint, ObjectRule};
use crate::engine::{ChangeOpts, ChangeStream};
use crate::model::catalog::{TableId, ValueKind};
use crate::model::change::{ChangeEvent, RowChange, RowOp};
use crate::model::position::Position;
use crate::model::value::Value;
use anyhow::{Result, anyhow};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

pub struct OracleChanges {
    conn: Conn,
    ep: Endpoint,
    /// Last commit SCN delivered, and where the next window starts.
    done: u64,
    from: u64,
    non_blocking: bool,
    rules: Vec<ObjectRule>,
    project: String,
    heartbeat: TableId,
    marker: TableId,
    columns: HashMap<TableId, Vec<(String, ValueKind)>>,
    /// The tables a window reads (listed once, again after DDL).
    tables: Option<Vec<TableId>>,
    pending: VecDeque<ChangeEvent>,
    read_once: bool,
}

fn u64_of(r: &oracle::Row, i: usize) -> oracle::Result<u64> {
    Ok(r.get::<usize, Option<u64>>(i)?.unwrap_or(0))
}

/// One LogMiner window, read whole (committed data only: bounded by what committed in it).
fn mine(c: &oracle::Connection, from: u64, to: u64, tables: &[TableId]) -> oracle::Result<Vec<ContentRow>> {
    let files: Vec<String> = c
        .query(&logminer::logfiles_query(from), &[])?
        .map(|r| r.and_then(|r| r.get::<usize, String>(0)))
        .collect::<oracle::Result<_>>()?;
    for (i, f) in files.iter().enumerate() {
        c.execute(&logminer::add_logfile(f, i == 0), &[])?;
    }
    c.execute(&logminer::start_logmnr(from, to), &[])?;
    let read = (|| {
        let mut out = Vec::new();
        let mut stmt = c
            .statement(&logminer::contents_query(tables))
            .fetch_array_size(5000)
            .build()?;
        for r in stmt.query(&[])? {
            let r = r?;
            out.push(ContentRow {
                scn: u64_of(&r, 0)?,
                commit_scn: u64_of(&r, 1)?,
                xid: r.get::<usize, Option<String>>(2)?.unwrap_or_default(),
                operation_code: u64_of(&r, 3)? as u32,
                seg_owner: r.get(4)?,
                table_name: r.get(5)?,
                sql_redo: r.get(6)?,
                sql_undo: r.get(7)?,
                csf: u64_of(&r, 8)? == 1,
                rollback: u64_of(&r, 9)? == 1,
                timestamp_unix: u64_of(&r, 10)? as u32,
                info: r.get(11)?,
                row_id: r.get(12)?,
            });
        }
        Ok(out)
    })();
    let _ = c.execute(logminer::end_logmnr(), &[]);
    read
}

impl OracleChanges {
    pub async fn open(conn: Conn, ep: &Endpoint, from: &Position, opts: &ChangeOpts) -> Result<Self> {
        let Position::OracleScn { scn, from: restart } = from else {
            return Err(anyhow!("position {from} is not an Oracle SCN"));
        };
        Ok(OracleChanges {
            conn,
            ep: ep.clone(),
            done: *scn,
            from: (*restart).min(*scn + 1),
            non_blocking: opts.non_blocking,
            rules: opts.rules.clone(),
            project: opts.project.clone(),
            heartbeat: opts.heartbeat_table.clone(),
            marker: opts.marker_table.clone(),
            columns: HashMap::new(),
            tables: None,
            pending: VecDeque::new(),
            read_once: false,
        })
    }

    fn in_scope(&self, t: &TableId) -> bool {
        self.rules.iter().any(|r| r.select(&t.database, &t.name).is_some())
    }

    async fn columns_of(&mut self, t: &TableId) -> Result<Vec<(String, ValueKind)>> {
        if let Some(c) = self.columns.get(t) {
            return Ok(c.clone());
        }
        let (c, id) = (self.conn.clone(), t.clone());
        let cols = blocking(&self.ep, move || {
            Ok(super::catalog::columns(&c, &id.database, Some(&id.name))?
                .into_iter()
                .map(|(_, col)| (col.name, col.kind))
                .collect::<Vec<_>>())
        })
        .await?;
        self.columns.insert(t.clone(), cols.clone());
        Ok(cols)
    }

    /// Tables whose rows the window reads: every table the rules select, and omsctl's own.
    async fn tables(&mut self) -> Result<Vec<TableId>> {
        if let Some(t) = &self.tables {
            return Ok(t.clone());
        }
        let c = self.conn.clone();
        let rules = self.rules.clone();
        let mut out = blocking(&self.ep, move || {
            let mut out = Vec::new();
            for owner in super::catalog::owners(&c)? {
                for t in super::catalog::tables(&c, &owner)? {
                    if rules.iter().any(|r| r.select(&owner, &t).is_some()) {
                        out.push(TableId::new(&owner, t));
                    }
                }
            }
            Ok(out)
        })
        .await?;
        out.push(self.heartbeat.clone());
        out.push(self.marker.clone());
        self.tables = Some(out.clone());
        Ok(out)
    }

    /// Reads the next window into `pending`; false when there was nothing new.
    async fn window(&mut self) -> Result<bool> {
        let c = self.conn.clone();
        let (current, oldest_open) = blocking(&self.ep, move || {
            let r = c.query_row(logminer::restart_scn_query(), &[])?;
            Ok((u64_of(&r, 0)?, r.get::<usize, Option<u64>>(1)?))
        })
        .await?;
        if current <= self.done {
            return Ok(false);
        }
        // Ends before the oldest open transaction began, so that window ends need no state.
        let to = current;
        let next_from = oldest_open.unwrap_or(to + 1).min(to + 1);
        let tables = self.tables().await?;
        let (c, from) = (self.conn.clone(), self.from);
        let rows = blocking(&self.ep, move || mine(&c, from, to, &tables)).await?;
        let mut asm = Assembler::new(self.done + 1);
        let mut txns: Vec<Assembled> = Vec::new();
        for row in rows {
            if let Some(a) = asm
                .push(row)
                .map_err(|e| anyhow!("reading LogMiner on {}: {e}", self.ep))?
            {
                txns.push(a);
            }
        }
        let window_from = self.from;
        let mut merged: Vec<(u64, ChangeEvent)> = Vec::new();
        for a in txns {
            let Some((scn, ev)) = self.event(a, window_from).await? else {
                continue;
            };
            // Transactions sharing a commit SCN become one, so no checkpoint splits them.
            if let (
                Some((s, ChangeEvent::Txn { changes, marked, .. })),
                ChangeEvent::Txn {
                    changes: more,
                    marked: m2,
                    ..
                },
            ) = (merged.last_mut(), &ev)
                && *s == scn
            {
                changes.extend(more.iter().cloned());
                *marked |= *m2;
                continue;
            }
            merged.push((scn, ev));
        }
        self.pending.extend(merged.into_iter().map(|(_, ev)| ev));
        self.done = to;
        self.from = next_from;
        self.pending.push_back(ChangeEvent::Idle {
            end: Position::OracleScn {
                scn: to,
                from: next_from,
            },
        });
        Ok(true)
    }

    /// An assembled transaction or DDL as a change event with its commit SCN.
    async fn event(&mut self, a: Assembled, window_from: u64) -> Result<Option<(u64, ChangeEvent)>> {
        match a {
            Assembled::Ddl {
                owner,
                statement,
                scn,
                ts,
            } => {
                if !self
                    .rules
                    .iter()
                    .any(|r| r.include.split('.').next().is_some_and(|o| o == owner || o == "*"))
                {
                    return Ok(None);
                }
                // A table may have been created, dropped or altered.
                self.columns.clear();
                self.tables = None;
                Ok(Some((
                    scn,
                    ChangeEvent::Ddl {
                        database: owner,
                        statement,
                        end: Position::OracleScn { scn, from: window_from },
                        ts,
                    },
                )))
            }
            Assembled::Txn {
                commit_scn, ts, dml, ..
            } => {
                let end = Position::OracleScn {
                    scn: commit_scn,
                    from: window_from,
                };
                let mut changes = Vec::new();
                let mut marked = false;
                for m in dml {
                    let t = m.redo.table().clone();
                    if t == self.marker {
                        marked = true;
                        continue;
                    }
                    let cols = self.columns_of(&t).await?;
                    let change = logminer::row_change(&m.redo, m.undo.as_ref(), &cols)
                        .map_err(|e| anyhow!("{t} at SCN {}: {e}", m.scn))?;
                    if t == self.heartbeat {
                        if let Some(ms) = heartbeat_ms(&change, &self.project) {
                            return Ok(Some((commit_scn, ChangeEvent::Heartbeat { sent_ms: ms, end })));
                        }
                        continue;
                    }
                    if self.in_scope(&t) {
                        changes.push(change);
                    }
                }
                Ok(Some((
                    commit_scn,
                    ChangeEvent::Txn {
                        changes,
                        end,
                        ts,
                        marked,
                    },
                )))
            }
        }
    }
}

/// This project's heartbeat value in a change of the heartbeat table.
fn heartbeat_ms(change: &RowChange, project: &str) -> Option<u64> {
    let row = match &change.op {
        RowOp::Insert { after } | RowOp::Update { after, .. } => after,
        RowOp::Delete { .. } => return None,
    };
    let at = |name: &str| change.columns.iter().position(|c| c == name).map(|i| &row[i]);
    match (at("project"), at("sent_ms")) {
        (Some(Value::Bytes(p)), Some(v)) if p == project.as_bytes() => match v {
            Value::Int(i) => Some(*i as u64),
            Value::UInt(u) => Some(*u),
            Value::Bytes(b) => std::str::from_utf8(b).ok()?.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

#[async_trait]
impl ChangeStream for OracleChanges {
    async fn next(&mut self) -> Result<Option<ChangeEvent>> {
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Ok(Some(ev));
            }
            // The SCN moves on even on an idle server: one window is "the end of the log now".
            if self.non_blocking && self.read_once {
                return Ok(None);
            }
            if self.read_once {
                // Each window starts a LogMiner session: poll, do not spin.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            self.read_once = true;
            if !self.window().await? {
                if self.non_blocking {
                    return Ok(None);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                return Ok(Some(ChangeEvent::Idle {
                    end: Position::OracleScn {
                        scn: self.done,
                        from: self.from,
                    },
                }));
            }
        }
    }
}
