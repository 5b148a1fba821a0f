//! DDL for a PostgreSQL target, from a PostgreSQL or MySQL-family catalog.

use super::sql::{ident, string, table};
use super::types;
use crate::config::EngineKind;
use crate::engine::{Conversion, DdlOptions, DdlPlan, ObjectKind, Phase, SchemaObject, Severity, TableMapping};
use crate::model::catalog::*;
use std::collections::BTreeSet;

/// PostgreSQL's identifier limit in bytes.
const MAX_IDENT: usize = 63;

/// A name of at most 63 bytes: longer ones keep a prefix and a hash of the whole name.
pub fn short_name(name: &str) -> String {
    crate::engine::names::shorten(name, MAX_IDENT)
}

/// Whether a DDL statement from a MySQL-family change log may touch a table in scope: its
/// default database is in scope, or a name in it is qualified with a database that is (`db.t`
/// or `` `db`.`t` ``; dots inside quoted strings do not count).
pub fn statement_touches_scope(database: &str, statement: &str, in_scope_db: &dyn Fn(&str) -> bool) -> bool {
    in_scope_db(database) || qualifiers(statement).iter().any(|q| in_scope_db(q))
}

/// The identifiers that stand right before a `.` in a MySQL statement.
fn qualifiers(statement: &str) -> Vec<String> {
    let b = statement.as_bytes();
    let mut out = Vec::new();
    // The identifier that ended at this byte offset, if the previous token was one.
    let mut last: Option<(String, usize)> = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'`' => {
                let mut name = Vec::new();
                let mut j = i + 1;
                while j < b.len() {
                    if b[j] == b'`' {
                        if b.get(j + 1) == Some(&b'`') {
                            name.push(b'`');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    name.push(b[j]);
                    j += 1;
                }
                i = (j + 1).min(b.len());
                last = Some((String::from_utf8_lossy(&name).into_owned(), i));
            }
            q @ (b'\'' | b'"') => {
                let mut j = i + 1;
                while j < b.len() {
                    if b[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if b[j] == q {
                        if b.get(j + 1) == Some(&q) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j += 1;
                }
                i = (j + 1).min(b.len());
                last = None;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                    i += 1;
                }
                last = Some((String::from_utf8_lossy(&b[start..i]).into_owned(), i));
            }
            b'.' => {
                if let Some((name, end)) = last.take()
                    && end == i
                {
                    out.push(name);
                }
                i += 1;
            }
            _ => {
                last = None;
                i += 1;
            }
        }
    }
    out
}

struct Planner<'a> {
    source: EngineKind,
    mappings: &'a [TableMapping],
    report: Vec<Conversion>,
}

impl Planner<'_> {
    fn note(&mut self, object: impl Into<String>, severity: Severity, message: impl Into<String>) {
        self.report.push(Conversion {
            object: object.into(),
            severity,
            message: message.into(),
        });
    }

    fn source_is_pg(&self) -> bool {
        self.source == EngineKind::Postgres
    }

    fn target_of(&self, id: &TableId) -> Option<&TableId> {
        self.mappings.iter().find(|m| &m.source == id).map(|m| &m.target)
    }

    fn default_clause(&mut self, object: &str, c: &Column) -> String {
        match &c.default {
            ColumnDefault::None => String::new(),
            ColumnDefault::Null => " DEFAULT NULL".into(),
            ColumnDefault::Literal(v) => format!(" DEFAULT {}", string(v)),
            ColumnDefault::Expression(e) if self.source_is_pg() => format!(" DEFAULT {e}"),
            ColumnDefault::Expression(e) => {
                let e = e.trim();
                let lower = e.to_ascii_lowercase();
                if lower.starts_with("current_timestamp") || lower == "now()" {
                    " DEFAULT CURRENT_TIMESTAMP".into()
                } else if e.parse::<f64>().is_ok() && c.column_type.starts_with("tinyint(1)") {
                    format!(
                        " DEFAULT {}",
                        if e.parse::<f64>().unwrap_or(0.0) != 0.0 {
                            "true"
                        } else {
                            "false"
                        }
                    )
                } else if e.parse::<f64>().is_ok() || (e.starts_with('\'') && e.ends_with('\'') && e.len() >= 2) {
                    format!(" DEFAULT {}", e.replace("\\'", "''"))
                } else {
                    self.note(
                        object,
                        Severity::Lossy,
                        format!("default {e} has no PostgreSQL form: dropped"),
                    );
                    String::new()
                }
            }
        }
    }

    fn table(&mut self, t: &Table, m: &TableMapping, opts: &DdlOptions, plan: &mut DdlPlan) {
        let target = &m.target;
        let tname = table(target);
        let mut create = Vec::new();
        let mut defs = Vec::new();
        let mut comments = Vec::new();
        let mut identity = Vec::new();
        for c in t.columns.iter().filter(|c| !m.exclude_columns.contains(&c.name)) {
            let object = format!("{}.{}", t.id, c.name);
            let ty = if self.source_is_pg() {
                if c.kind == ValueKind::Enum {
                    let name = ident(&c.data_type);
                    let labels: Vec<String> = c.labels.iter().map(|l| string(l)).collect();
                    create.push(format!(
                        "CREATE TYPE {}.{name} AS ENUM ({})",
                        ident(&target.database),
                        labels.join(", ")
                    ));
                    format!("{}.{name}", ident(&target.database))
                } else {
                    c.column_type.clone()
                }
            } else {
                let enum_type = short_name(&format!("{}_{}", target.name, c.name));
                let (ty, note) = types::from_mysql(c, &enum_type);
                if c.kind == ValueKind::Enum {
                    let labels: Vec<String> = types::mysql_enum_labels(&c.column_type)
                        .iter()
                        .map(|l| string(l))
                        .collect();
                    create.push(format!(
                        "CREATE TYPE {}.{} AS ENUM ({})",
                        ident(&target.database),
                        ident(&enum_type),
                        labels.join(", ")
                    ));
                }
                if let Some((sev, msg)) = note {
                    self.note(object.clone(), sev, msg);
                }
                if c.on_update.is_some() {
                    self.note(
                        object.clone(),
                        Severity::Lossy,
                        "ON UPDATE CURRENT_TIMESTAMP needs a trigger in PostgreSQL: not created",
                    );
                }
                if c.kind == ValueKind::Enum {
                    format!("{}.{}", ident(&target.database), ident(&enum_type))
                } else {
                    ty
                }
            };
            let name = short_name(&c.name);
            if name != c.name {
                self.note(
                    object.clone(),
                    Severity::Lossy,
                    format!("name longer than 63 bytes: becomes {name}"),
                );
            }
            let mut d = format!("{} {ty}", ident(&name));
            if let Some((expr, _)) = &c.generated {
                if self.source_is_pg() {
                    d.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED"));
                } else {
                    self.note(
                        object.clone(),
                        Severity::Lossy,
                        "generated column becomes a plain column holding the copied values",
                    );
                }
            }
            if c.auto_increment {
                d.push_str(" GENERATED BY DEFAULT AS IDENTITY");
                identity.push(name.clone());
            } else if c.generated.is_none() || !self.source_is_pg() {
                d.push_str(&self.default_clause(&object, c));
            }
            if !c.nullable {
                d.push_str(" NOT NULL");
            }
            defs.push(d);
            if !c.comment.is_empty() {
                comments.push(format!(
                    "COMMENT ON COLUMN {tname}.{} IS {}",
                    ident(&name),
                    string(&c.comment)
                ));
            }
        }
        let mut after = Vec::new();
        if let Some(pk) = t.primary_key() {
            let cols: Vec<String> = pk.columns.iter().map(|c| ident(&short_name(&c.name))).collect();
            let key = format!("PRIMARY KEY ({})", cols.join(", "));
            if opts.keys_after_data {
                // Built once, sorted, after the copy (as pg_dump does) instead of an index
                // insert per copied row; the copy's fences keep chunks from being doubled.
                after.push(format!("ALTER TABLE {tname} ADD {key}"));
            } else {
                defs.push(key);
            }
        }
        create.push(format!("CREATE TABLE {tname} (\n  {}\n)", defs.join(",\n  ")));
        if !t.comment.is_empty() {
            create.push(format!("COMMENT ON TABLE {tname} IS {}", string(&t.comment)));
        }
        create.extend(comments);
        plan.objects.push(SchemaObject {
            key: format!("table:{target}"),
            kind: ObjectKind::Table,
            phase: Phase::BeforeData,
            target: target.clone(),
            statements: create,
        });

        for ix in &t.indexes {
            let object = format!("{} index {}", t.id, ix.name);
            if ix.kind == IndexKind::Primary {
                continue;
            }
            if matches!(ix.kind, IndexKind::Fulltext | IndexKind::Spatial) {
                self.note(
                    object,
                    Severity::Unsupported,
                    "FULLTEXT and SPATIAL indexes are not created on PostgreSQL",
                );
                continue;
            }
            if ix.columns.iter().any(|c| m.exclude_columns.contains(&c.name)) {
                continue;
            }
            if ix.columns.iter().any(|c| c.sub_part.is_some()) {
                self.note(
                    object.clone(),
                    Severity::Lossy,
                    "prefix index becomes an index on the whole column",
                );
            }
            let cols: Vec<String> = ix
                .columns
                .iter()
                .map(|c| {
                    format!(
                        "{}{}",
                        ident(&short_name(&c.name)),
                        if c.descending { " DESC" } else { "" }
                    )
                })
                .collect();
            // Index names are per schema in PostgreSQL, per table in MySQL.
            let name = short_name(&format!("{}_{}", target.name, ix.name));
            after.push(format!(
                "CREATE {}INDEX {} ON {tname} ({})",
                if ix.kind == IndexKind::Unique { "UNIQUE " } else { "" },
                ident(&name),
                cols.join(", ")
            ));
        }
        // Identity counters continue after the copied values.
        for col in &identity {
            let c = ident(col);
            after.push(format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE((SELECT max({c}) FROM {tname}), 0) + 1, false)",
                string(&tname),
                string(col)
            ));
        }
        if !after.is_empty() {
            plan.objects.push(SchemaObject {
                key: format!("indexes:{target}"),
                kind: ObjectKind::Indexes,
                phase: Phase::AfterData,
                target: target.clone(),
                statements: after,
            });
        }
        let constraint_phase = if opts.defer_constraints {
            Phase::Switchover
        } else {
            Phase::AfterData
        };
        let checks: Vec<String> = t
            .checks
            .iter()
            .map(|c| {
                format!(
                    "ALTER TABLE {tname} ADD CONSTRAINT {} CHECK {}",
                    ident(&short_name(&c.name)),
                    if c.expression.starts_with('(') {
                        c.expression.clone()
                    } else {
                        format!("({})", c.expression)
                    }
                )
            })
            .collect();
        if !checks.is_empty() {
            if !self.source_is_pg() {
                self.note(
                    format!("{} checks", t.id),
                    Severity::Info,
                    "CHECK expressions are copied as written: review them for PostgreSQL syntax",
                );
            }
            plan.objects.push(SchemaObject {
                key: format!("checks:{target}"),
                kind: ObjectKind::Checks,
                phase: constraint_phase,
                target: target.clone(),
                statements: checks,
            });
        }
        let mut fks = Vec::new();
        for fk in &t.foreign_keys {
            let Some(rt) = self.target_of(&fk.ref_table).cloned() else {
                self.note(
                    format!("{} foreign key {}", t.id, fk.name),
                    Severity::Unsupported,
                    format!("references {}, which is not migrated", fk.ref_table),
                );
                continue;
            };
            let cols: Vec<String> = fk.columns.iter().map(|c| ident(&short_name(c))).collect();
            let rcols: Vec<String> = fk.ref_columns.iter().map(|c| ident(&short_name(c))).collect();
            fks.push(format!(
                "ALTER TABLE {tname} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON UPDATE {} ON DELETE {}",
                ident(&short_name(&fk.name)),
                cols.join(", "),
                table(&rt),
                rcols.join(", "),
                fk.on_update,
                fk.on_delete
            ));
        }
        if !fks.is_empty() {
            plan.objects.push(SchemaObject {
                key: format!("foreign_keys:{target}"),
                kind: ObjectKind::ForeignKeys,
                phase: constraint_phase,
                target: target.clone(),
                statements: fks,
            });
        }
        for tr in &t.triggers {
            self.note(
                format!("{} trigger {}", t.id, tr.name),
                Severity::Unsupported,
                "MySQL trigger bodies are not PostgreSQL: recreate the trigger as a function and trigger",
            );
        }
    }
}

pub fn plan(catalog: &Catalog, source: EngineKind, mappings: &[TableMapping], opts: &DdlOptions) -> DdlPlan {
    let mut p = Planner {
        source,
        mappings,
        report: Vec::new(),
    };
    let mut plan = DdlPlan::default();
    let schemas: BTreeSet<&str> = mappings.iter().map(|m| m.target.database.as_str()).collect();
    for s in schemas {
        plan.objects.push(SchemaObject {
            key: format!("database:{}", crate::model::printable::Printable(s)),
            kind: ObjectKind::Database,
            phase: Phase::BeforeData,
            target: TableId::new(s, ""),
            statements: vec![format!("CREATE SCHEMA IF NOT EXISTS {}", ident(s))],
        });
    }
    for t in &catalog.tables {
        if let Some(m) = mappings.iter().find(|m| m.source == t.id) {
            p.table(t, m, opts, &mut plan);
        }
    }
    for v in &catalog.views {
        if source != EngineKind::Postgres {
            p.note(
                format!("view {}", v.id),
                Severity::Unsupported,
                "MySQL view text is not PostgreSQL SQL: create the view on the target by hand",
            );
            continue;
        }
        let schema = mappings
            .iter()
            .find(|m| m.source.database == v.id.database)
            .map_or(v.id.database.clone(), |m| m.target.database.clone());
        let id = TableId::new(schema, &v.id.name);
        plan.objects.push(SchemaObject {
            key: format!("view:{id}"),
            kind: ObjectKind::View,
            phase: Phase::BeforeData,
            target: id.clone(),
            statements: vec![format!("CREATE OR REPLACE VIEW {} AS {}", table(&id), v.definition)],
        });
    }
    for u in &catalog.unsupported {
        p.note(u.object.clone(), Severity::Unsupported, u.reason.clone());
    }
    plan.report = p.report;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_qualified_with_a_database_out_of_scope_does_not_touch_the_scope() {
        let scope = |db: &str| db == "shop" || db == "we`ird";
        let ddl = "CREATE TABLE IF NOT EXISTS `omsctl`.`full_chunks` (a int) COMMENT='progress v1.2'";
        assert!(!statement_touches_scope("test", ddl, &scope));
        assert!(!statement_touches_scope(
            "",
            "ALTER TABLE other.t ADD c decimal(5,2) DEFAULT 1.5",
            &scope
        ));
        assert!(statement_touches_scope("test", "ALTER TABLE shop.t ADD c int", &scope));
        assert!(statement_touches_scope(
            "test",
            "RENAME TABLE x.a TO `shop`.`a`",
            &scope
        ));
        assert!(statement_touches_scope("test", "DROP TABLE `we``ird`.t", &scope));
        assert!(statement_touches_scope("shop", "ALTER TABLE t ADD c int", &scope));
        assert!(!statement_touches_scope(
            "test",
            "ALTER TABLE t COMMENT 'see shop.t'",
            &scope
        ));
        assert_eq!(qualifiers("SELECT `a`.b, c . d, 'x.y', \"p.q\", é.f"), ["a", "é"]);
    }

    #[test]
    fn long_names_are_cut_to_63_bytes_on_a_char_boundary() {
        let n = "é".repeat(40);
        let s = short_name(&n);
        assert!(s.len() <= 63, "{}", s.len());
        assert_ne!(short_name(&format!("{n}a")), short_name(&format!("{n}b")));
        assert_eq!(short_name("film"), "film");
    }
}
