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

impl TableId {
    /// The table as one string that names no other table, for state and fence rows: `db.t`,
    /// with `\` and `.` inside a part escaped (`a\.b.c` is table `c` of database `a.b`,
    /// `a.b\.c` table `b.c` of database `a`). Names without `.` and `\` read as before.
    pub fn key(&self) -> String {
        fn part(s: &str) -> std::borrow::Cow<'_, str> {
            if s.contains(['.', '\\']) {
                s.replace('\\', "\\\\").replace('.', "\\.").into()
            } else {
                s.into()
            }
        }
        format!("{}.{}", part(&self.database), part(&self.name))
    }

    /// Parses [`TableId::key`]; `None` without an unescaped `.`.
    pub fn from_key(key: &str) -> Option<TableId> {
        let mut parts = vec![String::new()];
        let mut chars = key.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => parts.last_mut()?.push(chars.next()?),
                '.' => parts.push(String::new()),
                c => parts.last_mut()?.push(c),
            }
        }
        match <[String; 2]>::try_from(parts) {
            Ok([database, name]) => Some(TableId { database, name }),
            Err(_) => None,
        }
    }
}

/// `db.t` for people: names are shown as they are, except for characters that could break a
/// line or a terminal, which are escaped ([`crate::model::printable`]).
impl fmt::Display for TableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::model::printable::Printable;
        write!(f, "{}.{}", Printable(&self.database), Printable(&self.name))
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
    /// Enum labels in order, where the engine keeps them apart from the type (PostgreSQL).
    #[serde(default)]
    pub labels: Vec<String>,
}

/// How a unique key compares a column's values, as far as replay's conflict detection can
/// tell: two changes may be reordered only when their key values certainly differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyCompare {
    /// Equal exactly when the canonical encodings are equal (numbers, dates, binary strings).
    Exact,
    /// Byte-exact but trailing spaces are ignored (binary collations with PAD SPACE).
    PadSpace,
    /// Case, accent or float rules may make different values equal: any two values may clash.
    Coarse,
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

impl Column {
    pub fn key_compare(&self) -> KeyCompare {
        use ValueKind::*;
        match self.kind {
            Integer | Decimal | Date | DateTime | Timestamp | Time | Year | Bit | Binary => KeyCompare::Exact,
            Text | Enum | Set => match self.collation.as_deref() {
                Some(c) if c == "binary" || c.ends_with("_bin") => KeyCompare::PadSpace,
                _ => KeyCompare::Coarse,
            },
            Float | Double | Json | Spatial => KeyCompare::Coarse,
        }
    }
}

impl Table {
    /// Unique indexes other than the row key, as column names; `None` for a prefix index.
    pub fn other_unique_keys(&self) -> Vec<Option<Vec<String>>> {
        let row_key = self.row_key().map(|k| k.name.as_str());
        self.indexes
            .iter()
            .filter(|i| matches!(i.kind, IndexKind::Primary | IndexKind::Unique) && Some(i.name.as_str()) != row_key)
            .map(|i| {
                i.columns
                    .iter()
                    .map(|c| c.sub_part.is_none().then(|| c.name.clone()))
                    .collect()
            })
            .collect()
    }

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
