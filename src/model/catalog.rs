//! Catalog objects as read from a source, before conversion for a target.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `database.table` (MySQL family: schema = database).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableId {
    pub database: String,
    pub name: String,
}

impl TableId {
    pub fn new(database: impl Into<String>, name: impl Into<String>) -> Self {
        TableId {
            database: database.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for TableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.database, self.name)
    }
}

/// How values of a column are compared and hashed; derived from the native type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Integer,
    Decimal,
    Float,
    Double,
    Bit,
    Text,
    Binary,
    Date,
    DateTime,
    Timestamp,
    Time,
    Year,
    Json,
    Enum,
    Set,
    Spatial,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum ColumnDefault {
    /// No DEFAULT clause.
    None,
    /// DEFAULT NULL.
    Null,
    /// A literal value, unquoted.
    Literal(String),
    /// An expression such as CURRENT_TIMESTAMP(6).
    Expression(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The base type name, lower case (`int`, `varchar`, `json`).
    pub data_type: String,
    /// The full native type as the source states it (`int(10) unsigned`, `enum('a','b')`).
    pub column_type: String,
    pub kind: ValueKind,
    pub nullable: bool,
    pub default: ColumnDefault,
    pub auto_increment: bool,
    /// `ON UPDATE current_timestamp(…)`.
    pub on_update: Option<String>,
    /// Generation expression and whether it is STORED.
    pub generated: Option<(String, bool)>,
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKind {
    Primary,
    Unique,
    Plain,
    Fulltext,
    Spatial,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexColumn {
    pub name: String,
    /// Prefix length for string columns.
    pub sub_part: Option<u32>,
    pub descending: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub kind: IndexKind,
    pub columns: Vec<IndexColumn>,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: TableId,
    pub ref_columns: Vec<String>,
    pub on_update: String,
    pub on_delete: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckConstraint {
    pub name: String,
    pub expression: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// BEFORE / AFTER
    pub timing: String,
    /// INSERT / UPDATE / DELETE
    pub event: String,
    pub statement: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    pub id: TableId,
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<CheckConstraint>,
    pub triggers: Vec<Trigger>,
    pub comment: String,
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub auto_increment: Option<u64>,
    pub row_estimate: u64,
    pub data_bytes: u64,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Index> {
        self.indexes.iter().find(|i| i.kind == IndexKind::Primary)
    }

    /// The key that identifies a row: the primary key, else the narrowest unique key whose
    /// columns are all NOT NULL and not prefixes. `None` for a table without such a key.
    pub fn row_key(&self) -> Option<&Index> {
        if let Some(pk) = self.primary_key() {
            return Some(pk);
        }
        self.indexes
            .iter()
            .filter(|i| i.kind == IndexKind::Unique)
            .filter(|i| {
                i.columns
                    .iter()
                    .all(|ic| ic.sub_part.is_none() && self.column(&ic.name).is_some_and(|c| !c.nullable))
            })
            .min_by_key(|i| i.columns.len())
    }

    pub fn row_key_columns(&self) -> Vec<String> {
        self.row_key()
            .map(|k| k.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct View {
    pub id: TableId,
    /// The SELECT text as the source stores it.
    pub definition: String,
    pub check_option: String,
    pub security: String,
}

/// Something found in scope that omsctl does not migrate, listed in the conversion report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unsupported {
    pub object: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub unsupported: Vec<Unsupported>,
}
