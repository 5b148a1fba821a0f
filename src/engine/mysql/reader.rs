//! Reading rows and checksums over key ranges (binary protocol, streamed).

use super::conn::classify;
use super::dialect;
use super::values::{from_mysql, into_mysql, row};
use crate::config::Endpoint;
use crate::engine::{Checksum, ChecksumKind, Reader, RowBatch, TableSpec};
use crate::model::range::KeyRange;
use crate::model::value::{Row, Value};
use anyhow::{Context, Result};
use async_trait::async_trait;
use mysql_async::prelude::*;
use mysql_async::{Conn, Params};
use tokio::sync::mpsc;

/// Rows per batch are capped by bytes too, so that LOB tables do not fill memory.
const BATCH_BYTES: usize = 8 << 20;

pub struct MysqlReader {
    pub conn: Conn,
    pub endpoint: Endpoint,
    pub flavor: super::Flavor,
}

pub fn params(values: Vec<Value>) -> Params {
    if values.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values.into_iter().map(into_mysql).collect())
    }
}

#[async_trait]
impl Reader for MysqlReader {
    async fn read_range(
        &mut self,
        spec: &TableSpec,
        range: &KeyRange,
        batch_rows: usize,
        tx: &mpsc::Sender<RowBatch>,
    ) -> Result<()> {
        let (sql, p) = dialect::select_range(spec, range);
        let ep = &self.endpoint;
        let mut result = self.conn.exec_iter(sql, params(p)).await.map_err(|e| classify(e, ep))?;
        let mut batch = RowBatch::default();
        while let Some(r) = result.next().await.map_err(|e| classify(e, ep))? {
            let values: Row = r.unwrap().into_iter().map(from_mysql).collect();
            batch.bytes += values.iter().map(Value::size).sum::<usize>();
            batch.rows.push(values);
            if (batch.rows.len() >= batch_rows || batch.bytes >= BATCH_BYTES)
                && tx.send(std::mem::take(&mut batch)).await.is_err()
            {
                // The writer failed; its error is the one to report.
                result.drop_result().await.ok();
                return Ok(());
            }
        }
        batch.end = true;
        let _ = tx.send(batch).await;
        Ok(())
    }

    async fn read_rows(&mut self, spec: &TableSpec, range: &KeyRange) -> Result<Vec<Row>> {
        let (sql, p) = dialect::select_range(spec, range);
        let ep = &self.endpoint;
        let rows: Vec<mysql_async::Row> = self.conn.exec(sql, params(p)).await.map_err(|e| classify(e, ep))?;
        Ok(rows.into_iter().map(row).collect())
    }

    async fn checksum(&mut self, spec: &TableSpec, range: &KeyRange, kind: ChecksumKind) -> Result<Checksum> {
        let (sql, p) = match kind {
            ChecksumKind::Md5 => dialect::checksum(spec, range, self.flavor),
            ChecksumKind::Crc32 => dialect::checksum_crc32(spec, range, self.flavor),
        };
        let ep = &self.endpoint;
        let r: Option<(u64, String)> = self
            .conn
            .exec_first(sql, params(p))
            .await
            .map_err(|e| classify(e, ep))
            .with_context(|| format!("checksum of {}", spec.id))?;
        let (rows, sum) = r.unwrap_or((0, "0".into()));
        Ok(Checksum { rows, sum })
    }
}
