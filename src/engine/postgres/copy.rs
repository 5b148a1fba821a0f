//! Reading ranges (streamed text rows) and writing chunks (`COPY FROM STDIN` in one
//! transaction with the chunk's fence row) on PostgreSQL.

use super::binary_copy::{self, ColumnType, TupleFramer};
use super::conn::classify;
use super::{sql, types};
use crate::config::{Endpoint, NonEmptyTarget};
use crate::engine::{Checksum, ChecksumKind, ChunkStats, ChunkWrite, Encoding, Reader, RowBatch, TableSpec, Writer};
use crate::model::catalog::{TableId, ValueKind};
use crate::model::range::KeyRange;
use crate::model::value::{Row, Value};
use anyhow::{Context, Result, anyhow};
use async_trait::async_trait;
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt, pin_mut};
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio_postgres::Client;

/// Native type names of a table's columns (`boolean` and `money` read differently).
pub async fn native_types(c: &Client, id: &TableId, ep: &Endpoint) -> Result<HashMap<String, String>> {
    let rows = c
        .query(
            "SELECT a.attname::text, format_type(COALESCE(NULLIF(t.typbasetype, 0), t.oid), NULL) \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = ($1 || '.' || $2)::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            &[&sql::ident(&id.database), &sql::ident(&id.name)],
        )
        .await
        .map_err(|e| classify(e, ep))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The binary pass-through encoding of a table's columns (`columns`, in this order), if its
/// column types allow one (see `binary_copy`).
pub async fn binary_encoding(c: &Client, id: &TableId, columns: &[String], ep: &Endpoint) -> Result<Option<Encoding>> {
    let rows = c
        .query(
            "SELECT a.attname::text, \
               CASE WHEN b.typtype = 'e' THEN 'enum ' || b.typname::text ELSE format_type(b.oid, NULL) END, \
               (b.oid < 16384 OR b.typtype = 'e') AND b.typsend::oid <> 0 AND b.typreceive::oid <> 0 \
               AND b.typtype IN ('b', 'e', 'r', 'm'), \
               current_setting('server_version_num')::int / 10000 \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             JOIN pg_type b ON b.oid = COALESCE(NULLIF(t.typbasetype, 0), t.oid) \
             WHERE a.attrelid = ($1 || '.' || $2)::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            &[&sql::ident(&id.database), &sql::ident(&id.name)],
        )
        .await
        .map_err(|e| classify(e, ep))?;
    let Some(major) = rows.first().map(|r| r.get::<_, i32>(3)) else {
        return Ok(None);
    };
    let by_name: HashMap<String, ColumnType> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                ColumnType {
                    name: r.get(1),
                    portable: r.get(2),
                },
            )
        })
        .collect();
    let Some(cols) = columns
        .iter()
        .map(|c| by_name.get(c).cloned())
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    Ok(binary_copy::encoding(major, &cols))
}

/// [`binary_encoding`] of `spec`, asked once per table and connection.
async fn cached_encoding(
    cache: &mut HashMap<TableId, Option<Encoding>>,
    c: &Client,
    spec: &TableSpec,
    ep: &Endpoint,
) -> Result<Option<Encoding>> {
    if let Some(e) = cache.get(&spec.id) {
        return Ok(e.clone());
    }
    let e = binary_encoding(c, &spec.id, &spec.columns, ep).await?;
    cache.insert(spec.id.clone(), e.clone());
    Ok(e)
}

/// A batch of whole tuples taken from the framer.
fn encoded_batch(framer: &mut TupleFramer, end: bool) -> RowBatch {
    let (encoded, encoded_rows) = framer.take();
    RowBatch {
        bytes: encoded.len(),
        encoded,
        encoded_rows,
        end,
        ..RowBatch::default()
    }
}

/// Rows per batch are capped by bytes too, so that LOB tables do not fill memory.
const BATCH_BYTES: usize = 8 << 20;
/// Encoded bytes per batch of a pass-through (the batch is sent to the target as one message).
const ENCODED_BATCH_BYTES: usize = 1 << 20;

pub struct PgReader {
    pub client: Client,
    pub endpoint: Endpoint,
    types: HashMap<TableId, Vec<String>>,
    encodings: HashMap<TableId, Option<Encoding>>,
}

impl PgReader {
    pub fn new(client: Client, endpoint: Endpoint) -> Self {
        PgReader {
            client,
            endpoint,
            types: HashMap::new(),
            encodings: HashMap::new(),
        }
    }

    async fn native(&mut self, spec: &TableSpec) -> Result<Vec<String>> {
        if let Some(t) = self.types.get(&spec.id) {
            return Ok(t.clone());
        }
        let by_name = native_types(&self.client, &spec.id, &self.endpoint).await?;
        let t: Vec<String> = spec
            .columns
            .iter()
            .map(|c| by_name.get(c).cloned().unwrap_or_default())
            .collect();
        self.types.insert(spec.id.clone(), t.clone());
        Ok(t)
    }

    /// Streams the rows of `range`, parsed, to `each` (awaited per row, so a slow consumer
    /// holds the server back instead of filling memory).
    async fn rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<tokio_postgres::RowStream> {
        let native = self.native(spec).await?;
        let q = sql::select_range(spec, &native, range).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        self.client
            .query_raw(&q, std::iter::empty::<&str>())
            .await
            .map_err(|e| classify(e, &self.endpoint))
    }
}

fn parse_row(spec: &TableSpec, r: &tokio_postgres::Row) -> Result<Row> {
    let mut row = Vec::with_capacity(spec.columns.len());
    for (i, k) in spec.kinds.iter().enumerate() {
        let text: Option<&str> = r.try_get(i).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        row.push(types::parse(text, *k).map_err(|e| anyhow!("{}.{}: {e}", spec.id, spec.columns[i]))?);
    }
    Ok(row)
}

#[async_trait]
impl Reader for PgReader {
    async fn encoding(&mut self, spec: &TableSpec) -> Result<Option<Encoding>> {
        cached_encoding(&mut self.encodings, &self.client, spec, &self.endpoint).await
    }

    async fn read_range_encoded(
        &mut self,
        spec: &TableSpec,
        range: &KeyRange,
        batch_rows: usize,
        encoding: &Encoding,
        tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()> {
        if self.encoding(spec).await?.as_ref() != Some(encoding) {
            return Err(crate::error::classified(
                crate::error::Kind::Internal,
                format!("{}: asked for an encoding this reader did not offer", spec.id),
                "",
            ));
        }
        let q = sql::copy_out_binary(spec, range).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        let stream = self
            .client
            .copy_out(&q)
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        pin_mut!(stream);
        let mut framer = TupleFramer::new(spec.columns.len());
        let bad = |e: String| anyhow!("{}: reading the binary COPY of the source: {e}", spec.id);
        while let Some(data) = stream.next().await {
            framer
                .push(&data.map_err(|e| classify(e, &self.endpoint))?)
                .map_err(bad)?;
            if (framer.whole_bytes() >= ENCODED_BATCH_BYTES || framer.whole_tuples() >= batch_rows)
                && tx.send(encoded_batch(&mut framer, false)).await.is_err()
            {
                // The writer failed; its error is the one to report.
                return Ok(());
            }
        }
        framer.finish().map_err(bad)?;
        let _ = tx.send(encoded_batch(&mut framer, true)).await;
        Ok(())
    }

    async fn read_range(
        &mut self,
        spec: &TableSpec,
        range: &KeyRange,
        batch_rows: usize,
        tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()> {
        let rows = self.rows(spec, range).await?;
        pin_mut!(rows);
        let mut batch = RowBatch::default();
        while let Some(r) = rows.next().await {
            let row = parse_row(spec, &r.map_err(|e| classify(e, &self.endpoint))?)?;
            batch.bytes += row.iter().map(Value::size).sum::<usize>();
            batch.rows.push(row);
            if (batch.rows.len() >= batch_rows || batch.bytes >= BATCH_BYTES)
                && tx.send(std::mem::take(&mut batch)).await.is_err()
            {
                return Ok(());
            }
        }
        batch.end = true;
        let _ = tx.send(batch).await;
        Ok(())
    }

    async fn read_rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<Vec<Row>> {
        let rows = self.rows(spec, range).await?;
        pin_mut!(rows);
        let mut out = Vec::new();
        while let Some(r) = rows.next().await {
            out.push(parse_row(spec, &r.map_err(|e| classify(e, &self.endpoint))?)?);
        }
        Ok(out)
    }

    async fn checksum(&mut self, spec: &TableSpec, range: &KeyRange, kind: ChecksumKind) -> Result<Checksum> {
        if kind != ChecksumKind::Md5 {
            return Err(anyhow!("{}: PostgreSQL computes no {kind:?} checksum", spec.id));
        }
        let native = self.native(spec).await?;
        let q = sql::checksum(spec, &native, range).map_err(|e| anyhow!("{}: {e}", spec.id))?;
        let r = self
            .client
            .query_one(&q, &[])
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        Ok(Checksum {
            rows: r.get::<_, i64>(0).max(0) as u64,
            sum: r.get(1),
        })
    }
}

/// Whether any byte of `w` may need escaping in COPY text: a byte below 0x0E (tab, newline,
/// carriage return and other control bytes) or a backslash. Exact for "none": the byte loop
/// decides for words it flags.
fn may_need_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = w.wrapping_sub(ONES * 0x0E) & !w & HIGH;
    let x = w ^ (ONES * b'\\' as u64);
    let backslash = x.wrapping_sub(ONES) & !x & HIGH;
    (below | backslash) != 0
}

/// Escapes one COPY text field: runs without special bytes are copied whole, found eight bytes
/// at a time.
fn push_field(out: &mut BytesMut, s: &[u8]) {
    out.reserve(s.len() + 8);
    let (mut start, mut i) = (0, 0);
    while i < s.len() {
        if let Some(chunk) = s.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !may_need_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let esc: &[u8] = match s[i] {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&s[start..i]);
        out.extend_from_slice(esc);
        i += 1;
        start = i;
    }
    out.extend_from_slice(&s[start..]);
}

/// Appends `\\x` and the hex digits of a bytea value (no byte of it needs escaping).
fn push_bytea(out: &mut BytesMut, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() * 2 + 3);
    out.extend_from_slice(b"\\\\x");
    for &x in b {
        out.put_u8(HEX[(x >> 4) as usize]);
        out.put_u8(HEX[(x & 15) as usize]);
    }
}

/// Appends one row as a COPY text line. Text and binary values go straight into the buffer;
/// other values are rendered through `scratch`.
pub fn copy_line(spec: &TableSpec, row: &[Value], out: &mut BytesMut, scratch: &mut String) -> Result<(), String> {
    for (i, (v, k)) in row.iter().zip(&spec.kinds).enumerate() {
        if i > 0 {
            out.put_u8(b'\t');
        }
        match (v, k) {
            (Value::Null, _) => out.put_slice(b"\\N"),
            (Value::Bytes(b), ValueKind::Binary | ValueKind::Spatial) => push_bytea(out, b),
            (
                Value::Bytes(b),
                ValueKind::Text | ValueKind::Enum | ValueKind::Set | ValueKind::Json | ValueKind::Decimal,
            ) => {
                if std::str::from_utf8(b).is_err() {
                    return Err(format!(
                        "column {}: text that is not valid UTF-8 cannot be stored in PostgreSQL",
                        spec.columns[i]
                    ));
                }
                push_field(out, b);
            }
            _ => {
                scratch.clear();
                types::render(v, *k, scratch).map_err(|e| format!("column {}: {e}", spec.columns[i]))?;
                push_field(out, scratch.as_bytes());
            }
        }
    }
    out.put_u8(b'\n');
    Ok(())
}

pub struct PgWriter {
    pub client: Client,
    pub endpoint: Endpoint,
    pub meta: String,
    pub encodings: HashMap<TableId, Option<Encoding>>,
}

impl PgWriter {
    async fn run(&mut self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| classify(e, &self.endpoint))
    }

    async fn copy_chunk(&mut self, job: &ChunkWrite<'_>, rx: &mut mpsc::Receiver<RowBatch>) -> Result<ChunkStats> {
        let spec = job.spec;
        let mut stats = ChunkStats::default();
        let ignore = job.on_nonempty == NonEmptyTarget::Ignore;
        let binary = job.encoding.is_some();
        let copy = if ignore {
            // Rows go to a staging table first, so that rows already there can be kept.
            self.run(&sql::create_stage(spec)).await?;
            sql::copy_into_stage(spec, binary)
        } else {
            sql::copy_in(spec, binary)
        };
        let sink = self
            .client
            .copy_in::<_, Bytes>(&copy)
            .await
            .map_err(|e| classify(e, &self.endpoint))?;
        pin_mut!(sink);
        let mut scratch = String::new();
        let mut saw_end = false;
        if binary {
            sink.send(Bytes::from_static(binary_copy::HEADER))
                .await
                .map_err(|e| classify(e, &self.endpoint))?;
        }
        while let Some(mut batch) = rx.recv().await {
            if binary {
                stats.rows += batch.encoded_rows as u64;
                stats.bytes += batch.bytes as u64;
                if !batch.encoded.is_empty() {
                    sink.send(std::mem::take(&mut batch.encoded))
                        .await
                        .map_err(|e| classify(e, &self.endpoint))?;
                }
                if batch.end {
                    saw_end = true;
                    break;
                }
                continue;
            }
            let mut buf = BytesMut::with_capacity(batch.bytes + batch.rows.len() * 8);
            for row in &batch.rows {
                copy_line(spec, row, &mut buf, &mut scratch).map_err(|e| {
                    crate::error::classified(
                        crate::error::Kind::Environment,
                        format!(
                            "{}: a row with key {:?} cannot be written: {e}",
                            spec.id,
                            spec.key_of(row)
                        ),
                        "fix the row on the source, or exclude the column ([tables.\"db.t\"] exclude_columns)",
                    )
                })?;
            }
            stats.rows += batch.rows.len() as u64;
            stats.bytes += batch.bytes as u64;
            if !buf.is_empty() {
                sink.send(buf.freeze()).await.map_err(|e| classify(e, &self.endpoint))?;
            }
            if batch.end {
                saw_end = true;
                break;
            }
        }
        if !saw_end {
            anyhow::bail!("the reader of {} stopped before the end of its range", spec.id);
        }
        if binary {
            sink.send(Bytes::from_static(binary_copy::TRAILER))
                .await
                .map_err(|e| classify(e, &self.endpoint))?;
        }
        sink.finish().await.map_err(|e| classify(e, &self.endpoint))?;
        if ignore {
            let kept = self
                .client
                .query(&sql::insert_from_stage(spec), &[])
                .await
                .map_err(|e| classify(e, &self.endpoint))?;
            for r in &kept {
                let key = spec
                    .key
                    .iter()
                    .enumerate()
                    .map(|(j, &i)| types::parse(r.get(j), spec.kinds[i]).map_err(|e| anyhow!("{}: {e}", spec.id)))
                    .collect::<Result<Vec<Value>>>()?;
                stats.conflicts.push(key);
            }
            stats.rows -= kept.len() as u64;
        }
        Ok(stats)
    }
}

#[async_trait]
impl Writer for PgWriter {
    async fn accepts(&mut self, spec: &TableSpec, encoding: &Encoding) -> Result<bool> {
        let mine = cached_encoding(&mut self.encodings, &self.client, spec, &self.endpoint).await?;
        Ok(mine.as_ref() == Some(encoding))
    }

    async fn write_chunk(&mut self, job: ChunkWrite<'_>, mut rx: mpsc::Receiver<RowBatch>) -> Result<ChunkStats> {
        self.run("BEGIN").await?;
        let copied = self.copy_chunk(&job, &mut rx).await;
        let stats = match copied {
            Ok(s) => s,
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(e);
            }
        };
        let fence = format!(
            "INSERT INTO {}.full_chunks (project, tbl, chunk, rows_copied) VALUES ({}, {}, {}, {})",
            sql::ident(&self.meta),
            sql::string(&job.fence.project),
            sql::string(&job.fence.table),
            job.fence.chunk,
            stats.rows
        );
        if let Err(e) = self.run(&fence).await {
            let _ = self.client.batch_execute("ROLLBACK").await;
            return Err(e).context("recording the chunk's fence row");
        }
        self.run("COMMIT").await?;
        Ok(stats)
    }

    async fn repair(&mut self, spec: &TableSpec, upserts: &[Row], deletes: &[Row]) -> Result<()> {
        let mut stmts = vec!["BEGIN".to_string()];
        for r in deletes {
            stmts.push(sql::delete_one(spec, r).map_err(|e| anyhow!("{}: {e}", spec.id))?);
        }
        for r in upserts {
            stmts.push(sql::upsert(spec, r, false).map_err(|e| anyhow!("{}: {e}", spec.id))?);
        }
        stmts.push("COMMIT".into());
        let all = stmts.join(";\n");
        if let Err(e) = self.run(&all).await {
            let _ = self.client.batch_execute("ROLLBACK").await;
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::KeyCompare;

    #[test]
    fn copy_lines_escape_text_and_write_bytea_as_hex() {
        let spec = TableSpec {
            id: TableId::new("public", "t"),
            columns: ["i", "t", "b", "n", "d", "j"].map(String::from).to_vec(),
            kinds: vec![
                ValueKind::Integer,
                ValueKind::Text,
                ValueKind::Binary,
                ValueKind::Text,
                ValueKind::DateTime,
                ValueKind::Json,
            ],
            key: vec![0],
            unique: vec![],
            compare: vec![KeyCompare::Exact; 6],
            filter: None,
        };
        let row = vec![
            Value::Int(-7),
            Value::Bytes("a\tb\nc\\d\re é".as_bytes().to_vec()),
            Value::Bytes(vec![0, 0xab, b'\\']),
            Value::Null,
            Value::Date(2024, 2, 29, 23, 59, 58, 5),
            Value::Bytes(br#"{"k": "x\ty"}"#.to_vec()),
        ];
        let (mut out, mut scratch) = (BytesMut::new(), String::new());
        copy_line(&spec, &row, &mut out, &mut scratch).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "-7\ta\\tb\\nc\\\\d\\re é\t\\\\x00ab5c\t\\N\t2024-02-29 23:59:58.000005\t{\"k\": \"x\\\\ty\"}\n"
        );
        // Long runs with specials at every position of an eight-byte word.
        for at in 0..20 {
            let mut text = vec![b'a'; 20];
            text[at] = b'\\';
            let mut o = BytesMut::new();
            push_field(&mut o, &text);
            let mut want = vec![b'a'; 20];
            want.splice(at..at + 1, *b"\\\\");
            assert_eq!(&o[..], &want[..], "backslash at {at}");
        }
        let mut o = BytesMut::new();
        push_field(&mut o, "\u{1}é\u{7f}x\u{e}\u{d}".as_bytes());
        assert_eq!(&o[..], "\u{1}é\u{7f}x\u{e}\\r".as_bytes());
        let bad = vec![
            Value::Int(1),
            Value::Bytes(vec![0xff]),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ];
        assert!(
            copy_line(&spec, &bad, &mut out, &mut scratch)
                .unwrap_err()
                .contains("column t")
        );
    }
}
