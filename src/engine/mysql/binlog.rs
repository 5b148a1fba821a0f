//! The binlog as a change stream: ROW events grouped into transactions, values decoded to the
//! same canonical [`Value`]s the full copy reads, positions as (file, end offset of the last
//! event consumed).
//!
//! MariaDB without `@mariadb_slave_capability` sends its GTID events as `BEGIN` queries and
//! ANNOTATE_ROWS as `# Dummy event …` queries; both are handled here, so no MariaDB-only
//! event parsing is needed. Column names, signedness and ENUM/SET labels come from
//! information_schema (the TableMap carries none with `binlog_row_metadata=NO_LOG`) and are
//! reloaded after DDL.

use super::conn::classify;
use super::values::from_mysql;
use crate::config::Endpoint;
use crate::engine::ChangeStream;
use crate::error::{Kind, classified};
use crate::model::catalog::TableId;
use crate::model::change::{ChangeEvent, RowChange, RowOp};
use crate::model::position::Position;
use crate::model::value::{Row, Value};
use anyhow::Result;
use async_trait::async_trait;
use futures_util::StreamExt;
use mysql_async::binlog::events::{EventData, RowsEventData};
use mysql_async::binlog::value::BinlogValue;
use mysql_async::prelude::*;
use mysql_async::{BinlogStream, Pool};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How a column's binlog value is turned into the value a SELECT returns.
#[derive(Debug, Clone)]
enum Fixup {
    None,
    /// Unsigned integer of this many bytes, logged as a signed value.
    Unsigned(u32),
    /// TIMESTAMP, logged as unix seconds[.fraction] text.
    Timestamp,
    Enum(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
}

/// What information_schema says about a table now: column names and value fixups.
#[derive(Debug)]
struct TableMeta {
    names: Vec<String>,
    fixups: HashMap<String, Fixup>,
}

/// Parses `enum('a','b''c')` / `set(...)` labels.
pub fn parse_labels(column_type: &str) -> Vec<Vec<u8>> {
    let Some(start) = column_type.find('(') else {
        return vec![];
    };
    let inner = &column_type[start + 1..column_type.len().saturating_sub(1)];
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut in_str = false;
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            if c == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    cur.push(b'\'');
                    i += 1;
                } else {
                    in_str = false;
                    out.push(std::mem::take(&mut cur));
                }
            } else if c == b'\\' && i + 1 < bytes.len() {
                cur.push(bytes[i + 1]);
                i += 1;
            } else {
                cur.push(c);
            }
        } else if c == b'\'' {
            in_str = true;
        }
        i += 1;
    }
    out
}

fn fixup_for(data_type: &str, column_type: &str) -> Fixup {
    let unsigned = column_type.contains("unsigned");
    match data_type {
        "tinyint" if unsigned => Fixup::Unsigned(1),
        "smallint" if unsigned => Fixup::Unsigned(2),
        "mediumint" if unsigned => Fixup::Unsigned(3),
        "int" | "integer" if unsigned => Fixup::Unsigned(4),
        "bigint" if unsigned => Fixup::Unsigned(8),
        "timestamp" => Fixup::Timestamp,
        "enum" => Fixup::Enum(parse_labels(column_type)),
        "set" => Fixup::Set(parse_labels(column_type)),
        _ => Fixup::None,
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `"1709294400.123456"` (UTC) to a DATETIME value; `"0"` is the zero timestamp.
pub fn timestamp_value(text: &[u8]) -> Value {
    let s = String::from_utf8_lossy(text);
    let (secs, frac) = s.split_once('.').unwrap_or((&s, ""));
    let secs: i64 = secs.parse().unwrap_or(0);
    if secs == 0 && frac.trim_matches('0').is_empty() {
        return Value::Date(0, 0, 0, 0, 0, 0, 0);
    }
    let us: u32 = format!("{frac:0<6}").get(..6).and_then(|f| f.parse().ok()).unwrap_or(0);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    Value::Date(
        y as u16,
        m as u8,
        d as u8,
        (rem / 3600) as u8,
        (rem / 60 % 60) as u8,
        (rem % 60) as u8,
        us,
    )
}

fn fix(v: Value, f: &Fixup) -> Value {
    match (f, v) {
        (Fixup::Unsigned(bytes), Value::Int(i)) if i < 0 => {
            let bits = bytes * 8;
            let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
            Value::UInt(i as u64 & mask)
        }
        (Fixup::Unsigned(_), Value::Int(i)) => Value::UInt(i as u64),
        (Fixup::Timestamp, Value::Bytes(b)) => timestamp_value(&b),
        (Fixup::Enum(labels), Value::Int(i)) => Value::Bytes(if i <= 0 {
            vec![]
        } else {
            labels.get(i as usize - 1).cloned().unwrap_or_default()
        }),
        (Fixup::Enum(_), Value::UInt(i)) => fix(Value::Int(i as i64), f),
        (Fixup::Set(labels), Value::Int(mask)) => {
            let mut out = Vec::new();
            for (bit, l) in labels.iter().enumerate() {
                if (mask as u64) >> bit & 1 == 1 {
                    if !out.is_empty() {
                        out.push(b',');
                    }
                    out.extend_from_slice(l);
                }
            }
            Value::Bytes(out)
        }
        (Fixup::Set(_), Value::UInt(m)) => fix(Value::Int(m as i64), f),
        // SET and ENUM may arrive as their packed little-endian integer.
        (Fixup::Set(_) | Fixup::Enum(_), Value::Bytes(b)) if b.len() <= 8 => {
            let mut n = 0u64;
            for (i, byte) in b.iter().enumerate() {
                n |= (*byte as u64) << (8 * i);
            }
            fix(Value::Int(n as i64), f)
        }
        (_, v) => v,
    }
}

/// Tables whose changes the stream yields, plus omsctl's own heartbeat and marker tables.
pub struct StreamScope {
    pub rules: Vec<crate::config::ObjectRule>,
    pub project: String,
    pub heartbeat: TableId,
    /// omsctl's checkpoint tables: a transaction writing one was applied by omsctl.
    pub markers: Vec<TableId>,
}

pub struct BinlogChanges {
    stream: BinlogStream,
    pool: Pool,
    endpoint: Endpoint,
    file: String,
    pos: u64,
    meta: HashMap<TableId, Arc<TableMeta>>,
    scope: StreamScope,
    txn: Vec<RowChange>,
    marked: bool,
    heartbeat_ms: Option<u64>,
    idle_after: Duration,
}

/// MySQL error 1236: the requested binlog is gone (purged) or never existed.
const ER_MASTER_FATAL_ERROR_READING_BINLOG: u16 = 1236;

impl BinlogChanges {
    pub async fn open(
        pool: &Pool,
        endpoint: &Endpoint,
        from: &Position,
        server_id: u32,
        non_blocking: bool,
        scope: StreamScope,
    ) -> Result<BinlogChanges> {
        let Position::MysqlFile { file, pos } = from else {
            return Err(crate::error::usage(
                format!("{from} is not a binlog position"),
                "the checkpoint belongs to another engine's log: `omsctl reset incr --yes` and start again",
            ));
        };
        let mut conn = super::conn::get(pool, endpoint).await?;
        // Heartbeats every second keep an idle stream alive and let lag be measured.
        conn.query_drop("SET @master_heartbeat_period = 1000000000")
            .await
            .map_err(|e| classify(e, endpoint))?;
        let mut req = mysql_async::BinlogStreamRequest::new(server_id)
            .with_filename(file.as_bytes())
            .with_pos(*pos);
        if non_blocking {
            req = req.with_non_blocking();
        }
        let stream = conn
            .get_binlog_stream(req)
            .await
            .map_err(|e| stream_error(e, endpoint, from))?;
        Ok(BinlogChanges {
            stream,
            pool: pool.clone(),
            endpoint: endpoint.clone(),
            file: file.clone(),
            pos: *pos,
            meta: HashMap::new(),
            scope,
            txn: Vec::new(),
            marked: false,
            heartbeat_ms: None,
            idle_after: Duration::from_millis(1500),
        })
    }

    fn position(&self) -> Position {
        Position::mysql(&self.file, self.pos)
    }

    async fn table_meta(&mut self, id: &TableId) -> Result<Arc<TableMeta>> {
        if let Some(m) = self.meta.get(id) {
            return Ok(m.clone());
        }
        let mut c = super::conn::get(&self.pool, &self.endpoint).await?;
        let cols: Vec<(String, String, String)> = c
            .exec(
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                (&id.database, &id.name),
            )
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        let meta = Arc::new(TableMeta {
            names: cols.iter().map(|(n, _, _)| n.clone()).collect(),
            fixups: cols
                .iter()
                .map(|(n, dt, ct)| (n.clone(), fixup_for(&dt.to_ascii_lowercase(), &ct.to_ascii_lowercase())))
                .collect(),
        });
        self.meta.insert(id.clone(), meta.clone());
        Ok(meta)
    }

    fn decode_row(
        row: mysql_async::binlog::row::BinlogRow,
        meta: &TableMeta,
        names: &[String],
        id: &TableId,
    ) -> Result<Row> {
        let values = row.unwrap();
        if values.len() != names.len() {
            anyhow::bail!(
                "binlog row of {id} has {} values for {} columns",
                values.len(),
                names.len()
            );
        }
        values
            .into_iter()
            .zip(names)
            .map(|(v, name)| {
                let v = match v {
                    BinlogValue::Value(v) => from_mysql(v),
                    other => from_mysql(
                        mysql_async::Value::try_from(other)
                            .map_err(|e| anyhow::anyhow!("cannot decode a JSON value of {id}: {e}"))?,
                    ),
                };
                Ok(match meta.fixups.get(name) {
                    Some(f) => fix(v, f),
                    None => v,
                })
            })
            .collect()
    }
}

/// The column names of a table map event: from its optional metadata when the source logs it
/// (`binlog_row_metadata = FULL`), else today's names when the counts agree, else the first
/// names (columns added at the end since).
fn event_columns(
    tme: &mysql_async::binlog::events::TableMapEvent<'_>,
    meta: &TableMeta,
    id: &TableId,
) -> Result<Vec<String>> {
    use mysql_async::binlog::events::OptionalMetadataField;
    for field in tme.iter_optional_meta() {
        if let Ok(OptionalMetadataField::ColumnName(names)) = field {
            let names: Vec<String> = names
                .iter_names()
                .filter_map(|n| n.ok().map(|n| n.name().into_owned()))
                .collect();
            if names.len() as u64 == tme.columns_count() {
                return Ok(names);
            }
        }
    }
    let n = tme.columns_count() as usize;
    if n <= meta.names.len() {
        return Ok(meta.names[..n].to_vec());
    }
    Err(classified(
        Kind::Environment,
        format!(
            "binlog rows of {id} have {n} columns but the table now has {}, and the source does not log column names",
            meta.names.len()
        ),
        "SET GLOBAL binlog_row_metadata = FULL on the source (MariaDB 10.5+, MySQL 8.0+), then re-copy the table",
    ))
}

fn stream_error(e: mysql_async::Error, ep: &Endpoint, from: &Position) -> anyhow::Error {
    if let mysql_async::Error::Server(s) = &e {
        if s.code == ER_MASTER_FATAL_ERROR_READING_BINLOG {
            return classified(
                Kind::PositionLost,
                format!("the source no longer has the binlog at {from}: {}", s.message),
                "every table in scope must be copied again: `omsctl reset full --yes`, `omsctl reset incr --yes`, then `omsctl run`; keep binlogs longer (binlog_expire_logs_seconds) to avoid this",
            );
        }
        if matches!(s.code, 1045 | 1227 | 1044) {
            return crate::error::tag(
                Kind::Environment,
                Some(format!(
                    "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO {};",
                    ep.user
                )),
                anyhow::anyhow!("{e}").context("reading the binlog"),
            );
        }
    }
    classify(e, ep)
}

#[async_trait]
impl ChangeStream for BinlogChanges {
    async fn next(&mut self) -> Result<Option<ChangeEvent>> {
        loop {
            let ev = match tokio::time::timeout(self.idle_after, self.stream.next()).await {
                Err(_) => return Ok(Some(ChangeEvent::Idle { end: self.position() })),
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => return Err(stream_error(e, &self.endpoint, &self.position())),
                Ok(Some(Ok(ev))) => ev,
            };
            let header = ev.header();
            let ts = header.timestamp();
            let end = header.log_pos() as u64;
            let data = ev
                .read_data()
                .map_err(|e| anyhow::anyhow!("cannot parse a binlog event: {e}"))?;
            let Some(data) = data else {
                // MariaDB-only event types (GTID, annotate, checkpoints): positions only.
                if end > 0 {
                    self.pos = end;
                }
                continue;
            };
            match data {
                EventData::RotateEvent(r) => {
                    // Only a rotate written in the log (non-zero log_pos) moves us; the fake one
                    // the server sends before a format description repeats the current file,
                    // with checksum bytes appended to its name on MariaDB.
                    if end > 0 {
                        let name = r.name();
                        let clean: String = name
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
                            .collect();
                        self.file = clean;
                        self.pos = r.position();
                    }
                    continue;
                }
                EventData::FormatDescriptionEvent(_) => {
                    continue;
                }
                EventData::HeartbeatEvent => {
                    return Ok(Some(ChangeEvent::Idle { end: self.position() }));
                }
                EventData::TableMapEvent(_) => {
                    continue;
                }
                EventData::QueryEvent(q) => {
                    let query = q.query().trim().to_string();
                    let schema = q.schema().into_owned();
                    if end > 0 {
                        self.pos = end;
                    }
                    let upper = query.to_ascii_uppercase();
                    if upper == "BEGIN" || upper.starts_with("XA START") {
                        self.txn.clear();
                        self.marked = false;
                        continue;
                    }
                    if upper == "COMMIT" || upper.starts_with("XA COMMIT") {
                        return Ok(Some(self.commit(ts)));
                    }
                    if query.starts_with('#') || upper.starts_with("SAVEPOINT") || upper == "ROLLBACK" {
                        continue;
                    }
                    // Anything else is DDL (or a statement-format DML, which precheck rules out).
                    self.txn.clear();
                    // DDL can name any database: forget everything cached.
                    self.meta.clear();
                    return Ok(Some(ChangeEvent::Ddl {
                        database: schema,
                        statement: query,
                        end: self.position(),
                        ts,
                    }));
                }
                EventData::XidEvent(_) => {
                    self.pos = end;
                    return Ok(Some(self.commit(ts)));
                }
                EventData::RowsEvent(rows) => {
                    self.rows_event(&rows).await?;
                    continue;
                }
                _ => {
                    if end > 0 && self.txn.is_empty() {
                        self.pos = end;
                    }
                    continue;
                }
            }
        }
    }
}

impl BinlogChanges {
    fn commit(&mut self, ts: u32) -> ChangeEvent {
        let changes = std::mem::take(&mut self.txn);
        let marked = std::mem::replace(&mut self.marked, false);
        if let Some(ms) = self.heartbeat_ms.take()
            && changes.is_empty()
        {
            return ChangeEvent::Heartbeat {
                sent_ms: ms,
                end: self.position(),
            };
        }
        ChangeEvent::Txn {
            changes,
            end: self.position(),
            ts,
            marked,
        }
    }

    async fn rows_event(&mut self, rows: &RowsEventData<'_>) -> Result<()> {
        let Some(tme) = self.stream.get_tme(rows.table_id()) else {
            anyhow::bail!("binlog rows event for an unknown table id {}", rows.table_id());
        };
        let id = TableId::new(tme.database_name(), tme.table_name());
        if self.scope.markers.contains(&id) {
            self.marked = true;
            return Ok(());
        }
        let heartbeat = id == self.scope.heartbeat;
        if !heartbeat
            && !self
                .scope
                .rules
                .iter()
                .any(|r| r.select(&id.database, &id.name).is_some())
        {
            return Ok(());
        }
        let meta = self.table_meta(&id).await?;
        // INVARIANT: the table map was found above and the stream is not polled in between.
        let Some(tme) = self.stream.get_tme(rows.table_id()) else {
            return Ok(());
        };
        let names = Arc::new(event_columns(tme, &meta, &id)?);
        for r in rows.rows(tme) {
            let (before, after) = r.map_err(|e| anyhow::anyhow!("cannot decode a binlog row of {id}: {e}"))?;
            let before = before.map(|b| Self::decode_row(b, &meta, &names, &id)).transpose()?;
            let after = after.map(|a| Self::decode_row(a, &meta, &names, &id)).transpose()?;
            if heartbeat {
                // heartbeat(project, sent_ms): only this project's row counts.
                if let Some(row) = &after
                    && row.first() == Some(&Value::Bytes(self.scope.project.as_bytes().to_vec()))
                {
                    self.heartbeat_ms = match row.get(1) {
                        Some(Value::Int(ms)) => Some(*ms as u64),
                        Some(Value::UInt(ms)) => Some(*ms),
                        _ => None,
                    };
                }
                continue;
            }
            let op = match (before, after) {
                (None, Some(after)) => RowOp::Insert { after },
                (Some(before), Some(after)) => RowOp::Update { before, after },
                (Some(before), None) => RowOp::Delete { before },
                (None, None) => continue,
            };
            self.txn.push(RowChange {
                table: id.clone(),
                columns: names.clone(),
                op,
            });
        }
        Ok(())
    }
}

/// The position where the first transaction committed at or after `unix_s` begins: the newest
/// binlog file that starts before that time is found from its first transaction, then read
/// forward. A time older than every binlog the server still has is a lost position.
pub async fn position_at(
    pool: &Pool,
    endpoint: &Endpoint,
    server_id: u32,
    files: &[(String, u64)],
    unix_s: u64,
) -> Result<Position> {
    let scope = || StreamScope {
        rules: vec![],
        project: String::new(),
        heartbeat: TableId::new("", ""),
        markers: Vec::new(),
    };
    let ts_of = |ev: &ChangeEvent| match ev {
        ChangeEvent::Txn { ts, .. } | ChangeEvent::Ddl { ts, .. } => Some(*ts as u64),
        _ => None,
    };
    let mut start = 0usize;
    for (i, (file, _)) in files.iter().enumerate().rev() {
        let mut s = BinlogChanges::open(pool, endpoint, &Position::mysql(file, 4), server_id, true, scope()).await?;
        let mut first = None;
        while let Some(ev) = s.next().await? {
            if let Some(ts) = ts_of(&ev) {
                first = Some(ts);
                break;
            }
        }
        if first.is_none_or(|ts| ts <= unix_s) {
            start = i;
            break;
        }
        if i == 0 {
            return Err(classified(
                Kind::PositionLost,
                format!("the source's oldest binlog ({file}) starts after the requested start time"),
                "changes from that time were purged: start later, or copy the tables again (`omsctl full`)",
            ));
        }
    }
    let Some((file, _)) = files.get(start) else {
        anyhow::bail!("the source lists no binlog files");
    };
    let mut prev = Position::mysql(file, 4);
    let mut s = BinlogChanges::open(pool, endpoint, &prev, server_id, true, scope()).await?;
    while let Some(ev) = s.next().await? {
        match (&ev, ts_of(&ev)) {
            (_, Some(ts)) if ts >= unix_s => return Ok(prev),
            (ChangeEvent::Txn { end, .. } | ChangeEvent::Ddl { end, .. }, _) => prev = end.clone(),
            _ => {}
        }
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_and_set_labels_parse_with_quotes() {
        assert_eq!(
            parse_labels("enum('a','b''c','d e')"),
            vec![b"a".to_vec(), b"b'c".to_vec(), b"d e".to_vec()]
        );
        assert_eq!(parse_labels("set('x','y')"), vec![b"x".to_vec(), b"y".to_vec()]);
    }

    #[test]
    fn binlog_values_become_what_a_select_returns() {
        assert_eq!(fix(Value::Int(-1), &Fixup::Unsigned(8)), Value::UInt(u64::MAX));
        assert_eq!(fix(Value::Int(-1), &Fixup::Unsigned(1)), Value::UInt(255));
        assert_eq!(fix(Value::Int(5), &Fixup::Unsigned(4)), Value::UInt(5));
        let labels = parse_labels("set('x','y','z')");
        assert_eq!(
            fix(Value::Int(0b101), &Fixup::Set(labels.clone())),
            Value::Bytes(b"x,z".to_vec())
        );
        assert_eq!(
            fix(Value::Int(2), &Fixup::Enum(labels.clone())),
            Value::Bytes(b"y".to_vec())
        );
        assert_eq!(
            fix(Value::Bytes(vec![3]), &Fixup::Set(labels.clone())),
            Value::Bytes(b"x,y".to_vec())
        );
        assert_eq!(fix(Value::Bytes(vec![0]), &Fixup::Set(labels)), Value::Bytes(vec![]));
        assert_eq!(
            timestamp_value(b"1709294400.123456"),
            Value::Date(2024, 3, 1, 12, 0, 0, 123_456)
        );
        assert_eq!(timestamp_value(b"2147483647"), Value::Date(2038, 1, 19, 3, 14, 7, 0));
        assert_eq!(timestamp_value(b"1.5"), Value::Date(1970, 1, 1, 0, 0, 1, 500_000));
        assert_eq!(timestamp_value(b"0"), Value::Date(0, 0, 0, 0, 0, 0, 0));
    }
}
