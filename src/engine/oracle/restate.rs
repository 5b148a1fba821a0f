//! An Oracle catalog restated for another engine, table by table: the columns through
//! [`super::types`]; columns of types no target holds are dropped with the indexes and foreign
//! keys that use them; Oracle's NOT NULL checks vanish and other checks are translated or
//! reported; triggers and views (PL/SQL, Oracle SQL) are reported. For MySQL also: one
//! AUTO_INCREMENT column per table, the 65,535-byte row limit and the 3,072-byte key limit
//! (Oracle tables with many wide VARCHAR2 columns exceed both in utf8mb4), and `utf8mb4_bin`,
//! because Oracle compares strings byte by byte.

use super::condition::{self, Syntax};
use super::types::{Target, convert, mysql_expression_default, paren_groups};
use crate::engine::{Conversion, Severity};
use crate::model::catalog::{Catalog, CheckConstraint, Column, ColumnDefault, IndexKind, Table, ValueKind};

fn note(notes: &mut Vec<Conversion>, object: impl Into<String>, severity: Severity, message: impl Into<String>) {
    notes.push(Conversion {
        object: object.into(),
        severity,
        message: message.into(),
    });
}

pub(super) fn restate(catalog: &Catalog, target: Target) -> (Catalog, Vec<Conversion>) {
    let mut out = catalog.clone();
    let mut notes = Vec::new();
    let syntax = match target {
        Target::MySql => Syntax::MySql,
        Target::Postgres => Syntax::Postgres,
    };
    for t in &mut out.tables {
        let all: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let mut dropped = Vec::new();
        let mut columns = Vec::new();
        for c in &t.columns {
            let (m, column_notes) = convert(c, target, &all);
            for (severity, message) in column_notes {
                note(&mut notes, format!("{}.{}", t.id, c.name), severity, message);
            }
            match m {
                Some(m) => columns.push(m),
                None => dropped.push(c.name.clone()),
            }
        }
        t.columns = columns;
        drop_dependents(t, &dropped, &mut notes);
        if target == Target::MySql {
            one_auto_increment(t, &mut notes);
        }
        let kept: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let original = catalog.tables.iter().find(|o| o.id == t.id);
        let mut checks = Vec::new();
        for ch in t.checks.drain(..) {
            // NOT NULL columns are checks in Oracle's catalog: the column says it already.
            let not_null = condition::not_null_column(&ch.expression, Syntax::Oracle, &all);
            let column_not_null = not_null
                .as_ref()
                .is_some_and(|n| original.and_then(|o| o.column(n)).is_some_and(|c| !c.nullable));
            if column_not_null {
                continue;
            }
            match condition::translate(&ch.expression, Syntax::Oracle, syntax, &kept) {
                Some(expression) => checks.push(CheckConstraint {
                    name: ch.name,
                    expression,
                }),
                None => note(
                    &mut notes,
                    format!("{} check {}", t.id, ch.name),
                    Severity::Unsupported,
                    format!(
                        "CHECK ({}) is Oracle SQL with no safe {} translation: recreate it on the target if needed",
                        ch.expression.trim(),
                        target.name()
                    ),
                ),
            }
        }
        t.checks = checks;
        for tr in t.triggers.drain(..) {
            note(
                &mut notes,
                format!("{} trigger {}", t.id, tr.name),
                Severity::Unsupported,
                format!(
                    "Oracle trigger bodies are PL/SQL: recreate the trigger on {} by hand",
                    target.name()
                ),
            );
        }
        if target == Target::MySql {
            fit_row_size(t, &mut notes);
            fit_key_length(t, &mut notes);
            // Oracle compares strings byte by byte; a _ci collation would merge distinct keys.
            t.charset = Some("utf8mb4".into());
            t.collation = Some("utf8mb4_bin".into());
        } else {
            t.charset = None;
            t.collation = None;
        }
        if t.columns.iter().any(|c| c.kind == ValueKind::Text) {
            note(
                &mut notes,
                t.id.to_string(),
                Severity::Info,
                format!(
                    "Oracle stores '' as NULL: rows copied keep NULL; after switchover {} distinguishes '' from NULL",
                    target.name()
                ),
            );
        }
    }
    for v in out.views.drain(..) {
        note(
            &mut notes,
            format!("view {}", v.id),
            Severity::Unsupported,
            format!(
                "Oracle view text is not {} SQL: create the view on the target by hand",
                target.name()
            ),
        );
    }
    (out, notes)
}

/// Drops the indexes and foreign keys that use a column which is not created.
fn drop_dependents(t: &mut Table, dropped: &[String], notes: &mut Vec<Conversion>) {
    if dropped.is_empty() {
        return;
    }
    let id = t.id.clone();
    t.indexes.retain(|ix| {
        let Some(c) = ix.columns.iter().find(|c| dropped.contains(&c.name)) else {
            return true;
        };
        note(
            notes,
            format!("{id} index {}", ix.name),
            Severity::Unsupported,
            format!("uses column {}, which is not created: not created", c.name),
        );
        false
    });
    t.foreign_keys.retain(|fk| {
        let Some(c) = fk.columns.iter().find(|c| dropped.contains(c)) else {
            return true;
        };
        note(
            notes,
            format!("{id} foreign key {}", fk.name),
            Severity::Unsupported,
            format!("uses column {c}, which is not created: not created"),
        );
        false
    });
}

/// MySQL allows one AUTO_INCREMENT column per table, and it must lead an index.
fn one_auto_increment(t: &mut Table, notes: &mut Vec<Conversion>) {
    let mut seen = false;
    for c in &mut t.columns {
        if !c.auto_increment {
            continue;
        }
        let leads = t
            .indexes
            .iter()
            .any(|ix| ix.columns.first().is_some_and(|ic| ic.name == c.name));
        if leads && !seen {
            seen = true;
        } else {
            c.auto_increment = false;
            note(
                notes,
                format!("{}.{}", t.id, c.name),
                Severity::Lossy,
                "identity column becomes a plain integer: MySQL allows one AUTO_INCREMENT column, leading an index",
            );
        }
    }
}

/// MySQL's 65,535-byte row limit counts every varchar at 4 bytes per character (utf8mb4).
const MYSQL_ROW_BYTES: i64 = 65_535;
/// InnoDB's index key limit (DYNAMIC rows).
const MYSQL_KEY_BYTES: i64 = 3_072;

fn length_of(c: &Column) -> i64 {
    paren_groups(&c.column_type)
        .first()
        .and_then(|g| g.first().copied().flatten())
        .unwrap_or(0)
}

/// Bytes a column counts towards the row limit (an estimate for fixed types).
fn row_bytes(c: &Column) -> i64 {
    let n = length_of(c);
    match c.data_type.as_str() {
        "varchar" => 4 * n + if 4 * n > 255 { 2 } else { 1 },
        "char" => 4 * n,
        "varbinary" => n + 2,
        "decimal" => 30,
        _ => 12,
    }
}

/// Turns the widest unindexed varchar columns into text while the row would exceed
/// MySQL's row limit (Oracle tables with many VARCHAR2(4000) columns are common).
fn fit_row_size(t: &mut Table, notes: &mut Vec<Conversion>) {
    let mut total: i64 = t.columns.iter().map(row_bytes).sum();
    while total > MYSQL_ROW_BYTES {
        let indexed = |name: &str| t.indexes.iter().any(|ix| ix.columns.iter().any(|c| c.name == name));
        let widest = t
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.data_type == "varchar" && !indexed(&c.name))
            .max_by_key(|(i, c)| (length_of(c), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        let Some(i) = widest else {
            note(
                notes,
                t.id.to_string(),
                Severity::Lossy,
                format!(
                    "indexed varchar columns exceed MySQL's {MYSQL_ROW_BYTES}-byte row limit (4 bytes per character in utf8mb4): the table cannot be created as it is"
                ),
            );
            return;
        };
        let c = &mut t.columns[i];
        let before = row_bytes(c);
        note(
            notes,
            format!("{}.{}", t.id, c.name),
            Severity::Info,
            format!(
                "{} becomes text: the table's varchar columns exceed MySQL's {MYSQL_ROW_BYTES}-byte row limit in utf8mb4",
                c.column_type
            ),
        );
        c.column_type = "text".into();
        c.data_type = "text".into();
        if let ColumnDefault::Literal(v) = &c.default {
            c.default = mysql_expression_default(v);
        }
        total += row_bytes(c) - before;
    }
}

/// Bytes a column counts in an index key; `sub_part` limits character columns.
fn key_bytes(c: &Column, sub_part: Option<u32>) -> i64 {
    let n = sub_part.map_or(length_of(c), i64::from);
    match c.data_type.as_str() {
        "varchar" | "char" | "text" | "mediumtext" | "longtext" => 4 * n,
        "varbinary" | "binary" => n,
        _ => 8,
    }
}

/// Oracle indexes keys of up to ~6,400 bytes, InnoDB of 3,072: plain indexes over wide
/// varchar columns become prefix indexes; unique keys cannot and are reported.
fn fit_key_length(t: &mut Table, notes: &mut Vec<Conversion>) {
    let id = t.id.clone();
    let columns = t.columns.clone();
    let col = |name: &str| columns.iter().find(|c| c.name == name);
    for ix in &mut t.indexes {
        let total: i64 = ix
            .columns
            .iter()
            .map(|ic| col(&ic.name).map_or(8, |c| key_bytes(c, ic.sub_part)))
            .sum();
        if total <= MYSQL_KEY_BYTES {
            continue;
        }
        if ix.kind != IndexKind::Plain {
            note(
                notes,
                format!("{id} index {}", ix.name),
                Severity::Lossy,
                format!(
                    "the key takes up to {total} bytes in utf8mb4, more than MySQL's {MYSQL_KEY_BYTES}: MySQL refuses it; narrow the columns on the target"
                ),
            );
            continue;
        }
        let mut over = total - MYSQL_KEY_BYTES;
        let mut cut = Vec::new();
        for ic in &mut ix.columns {
            let Some(c) = col(&ic.name) else { continue };
            if over <= 0 || !matches!(c.data_type.as_str(), "varchar" | "char") {
                continue;
            }
            let chars = ic.sub_part.map_or(length_of(c), i64::from);
            let keep = (chars - (over + 3) / 4).max(1);
            over -= 4 * (chars - keep);
            ic.sub_part = Some(keep as u32);
            cut.push(format!("{}({keep})", ic.name));
        }
        note(
            notes,
            format!("{id} index {}", ix.name),
            Severity::Info,
            format!(
                "becomes a prefix index on {}: MySQL keys are at most {MYSQL_KEY_BYTES} bytes",
                cut.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::oracle::types::{RawColumnType, catalog_as_mysql, catalog_as_postgres, describe};
    use crate::model::catalog::{Index, IndexColumn, TableId};

    fn raw(data_type: &str, len: u32, p: Option<u32>, s: Option<i32>, chars: u32, used: Option<char>) -> RawColumnType {
        RawColumnType {
            data_type: data_type.into(),
            data_length: len,
            precision: p,
            scale: s,
            char_length: chars,
            char_used: used,
        }
    }

    fn col(name: &str, r: &RawColumnType) -> Column {
        let (data_type, column_type, kind) = describe(r);
        Column {
            name: name.into(),
            data_type,
            column_type,
            kind,
            nullable: true,
            default: ColumnDefault::None,
            auto_increment: false,
            on_update: None,
            generated: None,
            charset: None,
            collation: None,
            comment: String::new(),
            labels: Vec::new(),
        }
    }

    fn table(columns: Vec<Column>) -> Table {
        Table {
            id: TableId::new("HR", "T"),
            columns,
            indexes: vec![],
            foreign_keys: vec![],
            checks: vec![],
            triggers: vec![],
            comment: String::new(),
            charset: None,
            collation: None,
            auto_increment: None,
            row_estimate: 0,
            data_bytes: 0,
        }
    }

    fn index(name: &str, kind: IndexKind, cols: &[&str]) -> Index {
        Index {
            name: name.into(),
            kind,
            columns: cols
                .iter()
                .map(|c| IndexColumn {
                    name: c.to_string(),
                    sub_part: None,
                    descending: false,
                })
                .collect(),
            comment: String::new(),
        }
    }

    #[test]
    fn checks_lose_oracle_not_null_and_keep_what_translates() {
        let mut a = col("A", &raw("NUMBER", 22, Some(6), Some(0), 0, None));
        a.nullable = false;
        let b = col("B", &raw("VARCHAR2", 10, None, None, 10, Some('B')));
        let mut t = table(vec![a, b]);
        t.checks = vec![
            CheckConstraint {
                name: "SYS_C001".into(),
                expression: "\"A\" IS NOT NULL".into(),
            },
            CheckConstraint {
                name: "B_NN".into(),
                expression: "\"B\" IS NOT NULL".into(),
            },
            CheckConstraint {
                name: "A_POS".into(),
                expression: "a > 0".into(),
            },
            CheckConstraint {
                name: "B_UP".into(),
                expression: "b = UPPER(b)".into(),
            },
        ];
        let catalog = Catalog {
            tables: vec![t],
            views: vec![],
            unsupported: vec![],
        };
        let (m, notes) = catalog_as_mysql(&catalog);
        let checks: Vec<(&str, &str)> = m.tables[0]
            .checks
            .iter()
            .map(|c| (c.name.as_str(), c.expression.as_str()))
            .collect();
        assert_eq!(checks, [("B_NN", "`B` IS NOT NULL"), ("A_POS", "`A` > 0")]);
        assert!(
            notes
                .iter()
                .any(|n| n.object == "HR.T check B_UP" && n.severity == Severity::Unsupported)
        );
        let (p, _) = catalog_as_postgres(&catalog);
        assert_eq!(p.tables[0].checks[1].expression, "\"A\" > 0");
    }

    #[test]
    fn unsupported_columns_are_dropped_with_their_indexes() {
        let id = col("ID", &raw("NUMBER", 22, Some(6), Some(0), 0, None));
        let geo = col("GEO", &raw("SDO_GEOMETRY", 1, None, None, 0, None));
        let mut t = table(vec![id, geo]);
        t.indexes = vec![
            index("PK", IndexKind::Primary, &["ID"]),
            index("GEO_IX", IndexKind::Plain, &["GEO"]),
        ];
        let catalog = Catalog {
            tables: vec![t],
            views: vec![],
            unsupported: vec![],
        };
        let (m, notes) = catalog_as_mysql(&catalog);
        assert_eq!(m.tables[0].columns.len(), 1);
        assert_eq!(m.tables[0].indexes.len(), 1);
        let unsupported: Vec<&str> = notes
            .iter()
            .filter(|n| n.severity == Severity::Unsupported)
            .map(|n| n.object.as_str())
            .collect();
        assert_eq!(unsupported, ["HR.T.GEO", "HR.T index GEO_IX"]);
    }

    #[test]
    fn wide_varchar2_tables_fit_mysql_row_and_key_limits() {
        let wide = |name: &str| col(name, &raw("VARCHAR2", 4000, None, None, 4000, Some('B')));
        let mut t = table((1..=5).map(|i| wide(&format!("C{i}"))).collect());
        t.indexes = vec![
            index("C1_IX", IndexKind::Plain, &["C1"]),
            index("C2_UK", IndexKind::Unique, &["C2"]),
        ];
        let catalog = Catalog {
            tables: vec![t],
            views: vec![],
            unsupported: vec![],
        };
        let (m, notes) = catalog_as_mysql(&catalog);
        let types: Vec<&str> = m.tables[0].columns.iter().map(|c| c.column_type.as_str()).collect();
        assert_eq!(
            types,
            [
                "varchar(4000)",
                "varchar(4000)",
                "text",
                "varchar(4000)",
                "varchar(4000)"
            ]
        );
        assert_eq!(m.tables[0].indexes[0].columns[0].sub_part, Some(768));
        assert!(
            notes
                .iter()
                .any(|n| n.object == "HR.T index C2_UK" && n.severity == Severity::Lossy)
        );
        assert_eq!(m.tables[0].collation.as_deref(), Some("utf8mb4_bin"));
    }

    #[test]
    fn only_one_identity_survives_as_auto_increment() {
        let mut a = col("A", &raw("NUMBER", 22, Some(6), Some(0), 0, None));
        a.auto_increment = true;
        let mut b = a.clone();
        b.name = "B".into();
        let mut t = table(vec![a, b]);
        t.indexes = vec![index("PK", IndexKind::Primary, &["A"])];
        let (m, notes) = catalog_as_mysql(&Catalog {
            tables: vec![t],
            views: vec![],
            unsupported: vec![],
        });
        let auto: Vec<bool> = m.tables[0].columns.iter().map(|c| c.auto_increment).collect();
        assert_eq!(auto, [true, false]);
        assert!(notes.iter().any(|n| n.object == "HR.T.B"));
    }

    #[test]
    fn virtual_columns_stay_generated_when_their_expression_translates() {
        let s = col("SALARY", &raw("NUMBER", 22, Some(8), Some(2), 0, None));
        let mut y = col("YEARLY", &raw("NUMBER", 22, None, None, 0, None));
        y.generated = Some(("\"SALARY\"*12".into(), false));
        let mut u = col("UP", &raw("VARCHAR2", 10, None, None, 10, Some('B')));
        u.generated = Some(("UPPER(\"SALARY\")".into(), false));
        let (m, notes) = catalog_as_mysql(&Catalog {
            tables: vec![table(vec![s, y, u])],
            views: vec![],
            unsupported: vec![],
        });
        assert_eq!(m.tables[0].columns[1].generated, Some(("`SALARY` * 12".into(), false)));
        assert_eq!(m.tables[0].columns[2].generated, None);
        assert!(
            notes
                .iter()
                .any(|n| n.object == "HR.T.UP" && n.message.contains("leaves empty"))
        );
    }
}
