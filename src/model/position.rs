//! Replication positions: typed per engine, ordered only within one log.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Position {
    /// A MySQL-family binlog coordinate: the end of the last event consumed.
    MysqlFile { file: String, pos: u64 },
    /// A PostgreSQL WAL location: the end of the last transaction consumed.
    PgLsn { lsn: u64 },
    /// An Oracle system change number: the commit SCN of the last transaction consumed, and
    /// the SCN LogMiner must restart reading at (the start of the oldest transaction that was
    /// still open then, whose first changes precede `scn`).
    OracleScn { scn: u64, from: u64 },
}

/// Which source transactions a consistent copy already holds, where the change log's order
/// cannot say. On PostgreSQL a transaction becomes visible when it leaves the process array,
/// not when its commit reaches the WAL: an asynchronous commit is visible before the WAL
/// holding it is written, and a commit waiting for a synchronous standby is in the WAL but
/// not yet visible. So no WAL position divides "in the copy" from "to replay"; the snapshot's
/// transaction ids do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CopySnapshot {
    /// A PostgreSQL snapshot (`pg_current_snapshot()`, 64-bit transaction ids): a transaction
    /// below `xmax` and not in `xip` had committed, so the copy holds its changes. `until` is
    /// the WAL insert position read after the snapshot: no transaction committing past it is
    /// in the copy.
    PgXids {
        xmin: u64,
        xmax: u64,
        xip: Vec<u64>,
        until: u64,
    },
}

/// The moment a copy was read at: where the change log stood, and (PostgreSQL) which later
/// transactions it holds all the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyPoint {
    pub position: Position,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<CopySnapshot>,
}

/// The `file` a PostgreSQL position takes in a (file, pos) checkpoint row.
const PG_LSN_FILE: &str = "pg_lsn";
/// The `file` an Oracle position takes in a (file, pos) checkpoint row.
const ORACLE_SCN_FILE: &str = "oracle_scn";

impl Position {
    pub fn mysql(file: impl Into<String>, pos: u64) -> Self {
        Position::MysqlFile { file: file.into(), pos }
    }

    /// As a (file, pos) pair for checkpoint tables with those two columns.
    pub fn to_file_pos(&self) -> (String, u64) {
        match self {
            Position::MysqlFile { file, pos } => (file.clone(), *pos),
            Position::PgLsn { lsn } => (PG_LSN_FILE.to_string(), *lsn),
            Position::OracleScn { scn, from } => (format!("{ORACLE_SCN_FILE}@{from}"), *scn),
        }
    }

    pub fn from_file_pos(file: String, pos: u64) -> Self {
        if file == PG_LSN_FILE {
            Position::PgLsn { lsn: pos }
        } else if let Some(from) = file
            .strip_prefix(ORACLE_SCN_FILE)
            .and_then(|f| f.strip_prefix('@'))
            .and_then(|f| f.parse().ok())
        {
            Position::OracleScn { scn: pos, from }
        } else {
            Position::MysqlFile { file, pos }
        }
    }

    pub fn lsn(&self) -> Option<u64> {
        match self {
            Position::PgLsn { lsn } => Some(*lsn),
            _ => None,
        }
    }

    pub fn scn(&self) -> Option<u64> {
        match self {
            Position::OracleScn { scn, .. } => Some(*scn),
            _ => None,
        }
    }
}

impl PartialOrd for Position {
    /// Binlog files are named `base.NNNNNN` with a growing number, so (file, pos) orders.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Position::MysqlFile { file: a, pos: p }, Position::MysqlFile { file: b, pos: q }) => {
                Some(file_seq(a).cmp(&file_seq(b)).then_with(|| a.cmp(b)).then(p.cmp(q)))
            }
            (Position::PgLsn { lsn: a }, Position::PgLsn { lsn: b }) => Some(a.cmp(b)),
            (Position::OracleScn { scn: a, .. }, Position::OracleScn { scn: b, .. }) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

fn file_seq(f: &str) -> u64 {
    f.rsplit('.').next().and_then(|s| s.parse().ok()).unwrap_or(0)
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::MysqlFile { file, pos } => write!(f, "{file}:{pos}"),
            Position::PgLsn { lsn } => write!(f, "{:X}/{:X}", lsn >> 32, lsn & 0xffff_ffff),
            Position::OracleScn { scn, from } if from >= scn => write!(f, "scn:{scn}"),
            Position::OracleScn { scn, from } => write!(f, "scn:{scn}@{from}"),
        }
    }
}

impl FromStr for Position {
    type Err = String;
    /// `mysql-bin.000003:4567`, a PostgreSQL LSN `16/B374D848`, or an Oracle `scn:8412345`.
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(n) = s.strip_prefix("scn:") {
            let bad = || format!("{s:?} is not a system change number; write scn:N, e.g. scn:8412345");
            let (scn, from) = match n.split_once('@') {
                Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
                None => {
                    let scn = n.parse().map_err(|_| bad())?;
                    (scn, scn)
                }
            };
            return Ok(Position::OracleScn { scn, from });
        }
        if let Some((hi, lo)) = s.split_once('/')
            && !hi.is_empty()
            && !lo.is_empty()
            && hi.len() <= 8
            && lo.len() <= 8
            && let (Ok(h), Ok(l)) = (u64::from_str_radix(hi, 16), u64::from_str_radix(lo, 16))
        {
            return Ok(Position::PgLsn { lsn: (h << 32) | l });
        }
        let (file, pos) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("{s:?} is not a binlog position; write FILE:POS, e.g. mysql-bin.000003:4567"))?;
        let pos = pos
            .parse()
            .map_err(|_| format!("{s:?}: {pos:?} is not a byte offset; write FILE:POS, e.g. mysql-bin.000003:4567"))?;
        if file.is_empty() || file.contains(char::is_whitespace) {
            return Err(format!(
                "{s:?} is not a binlog position; write FILE:POS, e.g. mysql-bin.000003:4567"
            ));
        }
        Ok(Position::mysql(file, pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oracle_scns_parse_print_order_and_fit_a_checkpoint_row() {
        let a: Position = "scn:8412345".parse().unwrap();
        assert_eq!(
            a,
            Position::OracleScn {
                scn: 8_412_345,
                from: 8_412_345
            }
        );
        assert_eq!(a.to_string(), "scn:8412345");
        let b: Position = "scn:8412346@8400000".parse().unwrap();
        assert_eq!(b.to_string(), "scn:8412346@8400000");
        assert!(a < b);
        assert_eq!(a.partial_cmp(&Position::PgLsn { lsn: 1 }), None);
        for p in [a, b] {
            let (f, n) = p.to_file_pos();
            assert_eq!(Position::from_file_pos(f, n), p);
        }
        assert!("scn:x".parse::<Position>().is_err());
        assert!("scn:5@y".parse::<Position>().is_err());
    }

    #[test]
    fn positions_order_across_files_and_parse() {
        let a: Position = "mysql-bin.000009:900".parse().unwrap();
        let b: Position = "mysql-bin.000010:4".parse().unwrap();
        assert!(a < b);
        assert!(Position::mysql("mysql-bin.000010", 5) > b);
        assert_eq!(b.to_string(), "mysql-bin.000010:4");
        assert!("nofile".parse::<Position>().is_err());
        assert!("f:x".parse::<Position>().is_err());
        let l: Position = "16/B374D848".parse().unwrap();
        assert_eq!(l, Position::PgLsn { lsn: 0x16_B374_D848 });
        assert_eq!(l.to_string(), "16/B374D848");
        assert!(l < "17/0".parse().unwrap());
        assert_eq!(l.partial_cmp(&a), None, "positions of different logs do not compare");
        let (f, p) = l.to_file_pos();
        assert_eq!(Position::from_file_pos(f, p), l);
        assert!(
            "2026-11-22 10:00:00".parse::<Position>().is_err(),
            "a time is not a position"
        );
    }
}
