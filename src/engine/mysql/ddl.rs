//! DDL for a MySQL-family target from a MySQL-family catalog: column types, charsets and
//! collations adjusted per flavor, every adjustment recorded in the conversion report.

use super::dialect::{quote, string_literal, table};
use super::flavor::Flavor;
use crate::engine::{Conversion, DdlOptions, DdlPlan, ObjectKind, Phase, SchemaObject, Severity, TableMapping};
use crate::model::catalog::*;
use std::collections::BTreeSet;

struct Planner<'a> {
    target: Flavor,
    source: Flavor,
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

    fn target_of(&self, id: &TableId) -> Option<&TableId> {
        self.mappings.iter().find(|m| &m.source == id).map(|m| &m.target)
    }

    /// Rewrites `src`.` references to renamed databases inside view and trigger bodies.
    fn rewrite_db_refs(&self, body: &str) -> String {
        let mut out = body.to_string();
        let renames: BTreeSet<(&str, &str)> = self
            .mappings
            .iter()
            .filter(|m| m.source.database != m.target.database)
            .map(|m| (m.source.database.as_str(), m.target.database.as_str()))
            .collect();
        for (from, to) in renames {
            out = out.replace(&format!("{}.", quote(from)), &format!("{}.", quote(to)));
        }
        out
    }

    fn charset_collation(
        &mut self,
        object: &str,
        cs: Option<&str>,
        coll: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        let Some(cs) = cs else {
            return (None, coll.map(String::from));
        };
        if self.target.supports_charset(cs) {
            match coll {
                Some(c) if !self.target.supports_collation(c) => {
                    let new_coll = if c.ends_with("_bin") {
                        "utf8mb4_bin"
                    } else {
                        "utf8mb4_general_ci"
                    };
                    self.note(
                        object,
                        Severity::Lossy,
                        format!(
                            "collation {c} is not available on {}: {new_coll}; sort order and comparisons may differ",
                            self.target.name()
                        ),
                    );
                    return (Some(cs.to_string()), Some(new_coll.into()));
                }
                _ => return (Some(cs.to_string()), coll.map(String::from)),
            }
        }
        let new_coll = match coll {
            Some(c) if c.ends_with("_bin") => "utf8mb4_bin",
            _ => "utf8mb4_general_ci",
        };
        self.note(
            object,
            if cs == "utf8mb3" || cs == "utf8" || cs == "ascii" { Severity::Info } else { Severity::Lossy },
            format!(
                "character set {cs} ({}) is not available on {}: stored as utf8mb4 ({new_coll}); every character is kept, byte lengths and sort order may differ",
                coll.unwrap_or("default collation"),
                self.target.name()
            ),
        );
        (Some("utf8mb4".into()), Some(new_coll.into()))
    }

    fn column_type(&mut self, object: &str, c: &Column) -> String {
        if c.kind == ValueKind::Json {
            if self.source == Flavor::MariaDb && self.target.native_json() {
                self.note(object, Severity::Info, "MariaDB JSON (LONGTEXT + json_valid) becomes a native JSON column; documents are compared semantically by verify");
            }
            return "json".into();
        }
        if let Some(r) = self.target.replacement_type(&c.data_type) {
            self.note(
                object,
                Severity::Lossy,
                format!("{} is MariaDB-only: stored as {r}", c.data_type),
            );
            return r.into();
        }
        c.column_type.clone()
    }

    fn column_def(&mut self, t: &Table, c: &Column) -> String {
        let object = format!("{}.{}", t.id, c.name);
        let mut s = format!("{} {}", quote(&c.name), self.column_type(&object, c));
        if matches!(c.kind, ValueKind::Text | ValueKind::Enum | ValueKind::Set) {
            let (cs, coll) = self.charset_collation(&object, c.charset.as_deref(), c.collation.as_deref());
            if let Some(cs) = cs {
                s.push_str(&format!(" CHARACTER SET {cs}"));
            }
            if let Some(coll) = coll {
                s.push_str(&format!(" COLLATE {coll}"));
            }
        }
        if let Some((expr, stored)) = &c.generated {
            s.push_str(&format!(
                " GENERATED ALWAYS AS ({}) {}",
                expr,
                if *stored { "STORED" } else { "VIRTUAL" }
            ));
            return s;
        }
        s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
        match &c.default {
            ColumnDefault::None => {}
            ColumnDefault::Null => s.push_str(" DEFAULT NULL"),
            ColumnDefault::Literal(v) => {
                if c.kind == ValueKind::Bit {
                    s.push_str(&format!(" DEFAULT {v}"));
                } else {
                    s.push_str(&format!(" DEFAULT {}", string_literal(v)));
                }
            }
            ColumnDefault::Expression(e) => {
                let e = e.trim();
                // Literals and CURRENT_TIMESTAMP-style expressions stand as they are; any other
                // expression needs parentheses (MySQL 8 / OceanBase expression defaults).
                let bare = e.starts_with('\'')
                    || e.starts_with("b'")
                    || e.parse::<f64>().is_ok()
                    || e.starts_with('(')
                    || e.to_ascii_lowercase().starts_with("current_timestamp")
                    || e.eq_ignore_ascii_case("now()");
                if bare {
                    s.push_str(&format!(" DEFAULT {e}"));
                } else {
                    s.push_str(&format!(" DEFAULT ({e})"));
                }
            }
        }
        if let Some(u) = &c.on_update {
            s.push_str(&format!(" ON UPDATE {u}"));
        }
        if c.auto_increment {
            s.push_str(" AUTO_INCREMENT");
        }
        if !c.comment.is_empty() {
            s.push_str(&format!(" COMMENT {}", string_literal(&c.comment)));
        }
        s
    }

    fn index_def(&mut self, t: &Table, ix: &Index, excluded: &[String]) -> Option<String> {
        let object = format!("{} index {}", t.id, ix.name);
        if ix.columns.iter().any(|c| excluded.contains(&c.name)) {
            self.note(object, Severity::Lossy, "uses an excluded column: not created");
            return None;
        }
        let cols: Vec<String> = ix
            .columns
            .iter()
            .map(|c| {
                let mut s = quote(&c.name);
                if let Some(n) = c.sub_part {
                    s.push_str(&format!("({n})"));
                }
                if c.descending {
                    s.push_str(" DESC");
                }
                s
            })
            .collect();
        let cols = cols.join(", ");
        let comment = if ix.comment.is_empty() {
            String::new()
        } else {
            format!(" COMMENT {}", string_literal(&ix.comment))
        };
        Some(match ix.kind {
            IndexKind::Primary => format!("PRIMARY KEY ({cols})"),
            IndexKind::Unique => format!("UNIQUE KEY {} ({cols}){comment}", quote(&ix.name)),
            IndexKind::Plain => format!("KEY {} ({cols}){comment}", quote(&ix.name)),
            IndexKind::Fulltext if self.target.supports_fulltext() => {
                format!("FULLTEXT KEY {} ({cols}){comment}", quote(&ix.name))
            }
            IndexKind::Spatial if self.target.supports_spatial_index() => {
                format!("SPATIAL KEY {} ({cols}){comment}", quote(&ix.name))
            }
            IndexKind::Fulltext | IndexKind::Spatial => {
                self.note(
                    object,
                    Severity::Unsupported,
                    format!(
                        "{:?} indexes are not available on {}: not created",
                        ix.kind,
                        self.target.name()
                    ),
                );
                return None;
            }
        })
    }

    /// Reports every name of the table the target would refuse (precheck fails on them).
    fn check_names(&mut self, t: &Table, tid: &TableId, excluded: &[String]) {
        let names = [(tid.database.as_str(), "database"), (tid.name.as_str(), "table")]
            .into_iter()
            .chain(
                t.columns
                    .iter()
                    .filter(|c| !excluded.contains(&c.name))
                    .map(|c| (c.name.as_str(), "column")),
            )
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.kind != IndexKind::Primary)
                    .map(|i| (i.name.as_str(), "index")),
            );
        let problems: Vec<String> = names
            .filter_map(|(n, what)| {
                self.target
                    .identifier_problem(n, what)
                    .map(|p| format!("{what} {:?}: {p}", n))
            })
            .collect();
        for p in problems {
            self.note(
                format!("table:{tid}"),
                Severity::Refused,
                format!("{p}; rename it ([tables.\"…\"] rename, [[objects]] target_database) or exclude it"),
            );
        }
    }

    fn table(&mut self, t: &Table, m: &TableMapping, opts: &DdlOptions, plan: &mut DdlPlan) {
        let tid = &m.target;
        let excluded = &m.exclude_columns;
        self.check_names(t, tid, excluded);
        let constraint_phase = if opts.defer_constraints {
            Phase::Switchover
        } else {
            Phase::AfterData
        };
        let mut lines: Vec<String> = t
            .columns
            .iter()
            .filter(|c| !excluded.contains(&c.name))
            .map(|c| self.column_def(t, c))
            .collect();
        let row_key = t.row_key().map(|k| k.name.clone());
        let mut later = Vec::new();
        for ix in &t.indexes {
            let Some(def) = self.index_def(t, ix, excluded) else {
                continue;
            };
            // The row key goes with the table: full copy and verify look rows up by it.
            if Some(&ix.name) == row_key.as_ref() || !opts.indexes_after_data {
                lines.push(def);
            } else {
                later.push(format!("ADD {def}"));
            }
        }
        let mut opts_sql = String::new();
        let (cs, coll) = self.charset_collation(&t.id.to_string(), t.charset.as_deref(), t.collation.as_deref());
        if let Some(cs) = cs {
            opts_sql.push_str(&format!(" DEFAULT CHARSET={cs}"));
        }
        if let Some(coll) = coll {
            opts_sql.push_str(&format!(" COLLATE={coll}"));
        }
        if let Some(ai) = t.auto_increment.filter(|&n| n > 1) {
            opts_sql.push_str(&format!(" AUTO_INCREMENT={ai}"));
        }
        if !t.comment.is_empty() {
            opts_sql.push_str(&format!(" COMMENT={}", string_literal(&t.comment)));
        }
        plan.objects.push(SchemaObject {
            key: format!("table:{tid}"),
            kind: ObjectKind::Table,
            phase: Phase::BeforeData,
            target: tid.clone(),
            statements: vec![format!(
                "CREATE TABLE {} (\n  {}\n){opts_sql}",
                table(tid),
                lines.join(",\n  ")
            )],
        });
        if !later.is_empty() {
            // One ALTER builds every index in one pass where the server allows it.
            let statements = if self.target.combines_index_adds() {
                vec![format!("ALTER TABLE {} {}", table(tid), later.join(", "))]
            } else {
                later
                    .iter()
                    .map(|a| format!("ALTER TABLE {} {a}", table(tid)))
                    .collect()
            };
            plan.objects.push(SchemaObject {
                key: format!("indexes:{tid}"),
                kind: ObjectKind::Indexes,
                phase: Phase::AfterData,
                target: tid.clone(),
                statements,
            });
        }
        if !t.checks.is_empty() {
            let adds: Vec<String> = t
                .checks
                .iter()
                .map(|c| format!("ADD CONSTRAINT {} CHECK ({})", quote(&c.name), c.expression))
                .collect();
            plan.objects.push(SchemaObject {
                key: format!("checks:{tid}"),
                kind: ObjectKind::Checks,
                phase: constraint_phase,
                target: tid.clone(),
                statements: adds.iter().map(|a| format!("ALTER TABLE {} {a}", table(tid))).collect(),
            });
        }
        let mut fks = Vec::new();
        for fk in &t.foreign_keys {
            let Some(rt) = self.target_of(&fk.ref_table).cloned() else {
                self.note(
                    format!("{} foreign key {}", t.id, fk.name),
                    Severity::Unsupported,
                    format!("references {} which is not migrated: not created", fk.ref_table),
                );
                continue;
            };
            fks.push(format!(
                "ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                quote(&fk.name),
                super::dialect::column_list(&fk.columns),
                table(&rt),
                super::dialect::column_list(&fk.ref_columns),
                fk.on_delete,
                fk.on_update
            ));
        }
        if !fks.is_empty() {
            plan.objects.push(SchemaObject {
                key: format!("foreign_keys:{tid}"),
                kind: ObjectKind::ForeignKeys,
                phase: constraint_phase,
                target: tid.clone(),
                // One foreign key per statement: OceanBase refuses to add several at once (1235).
                statements: fks.iter().map(|a| format!("ALTER TABLE {} {a}", table(tid))).collect(),
            });
        }
        for tr in &t.triggers {
            let object = format!("trigger {}.{}", t.id.database, tr.name);
            if !self.target.supports_triggers() {
                self.note(
                    object,
                    Severity::Unsupported,
                    format!("{} has no triggers: not created", self.target.name()),
                );
                continue;
            }
            let id = TableId::new(&tid.database, &tr.name);
            plan.objects.push(SchemaObject {
                key: format!("trigger:{id}"),
                kind: ObjectKind::Trigger,
                phase: constraint_phase,
                target: id.clone(),
                statements: vec![format!(
                    "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
                    table(&id),
                    tr.timing,
                    tr.event,
                    table(tid),
                    self.rewrite_db_refs(&tr.statement)
                )],
            });
        }
    }
}

/// Plans every object of `catalog` for a `target` flavor.
pub fn plan(
    catalog: &Catalog,
    source: Flavor,
    target: Flavor,
    mappings: &[TableMapping],
    opts: &DdlOptions,
) -> DdlPlan {
    let mut p = Planner {
        target,
        source,
        mappings,
        report: Vec::new(),
    };
    let mut plan = DdlPlan::default();
    let dbs: BTreeSet<&str> = mappings.iter().map(|m| m.target.database.as_str()).collect();
    for db in dbs {
        plan.objects.push(SchemaObject {
            key: format!("database:{}", crate::model::printable::Printable(db)),
            kind: ObjectKind::Database,
            phase: Phase::BeforeData,
            target: TableId::new(db, ""),
            statements: vec![format!("CREATE DATABASE IF NOT EXISTS {}", quote(db))],
        });
    }
    for t in &catalog.tables {
        if let Some(m) = mappings.iter().find(|m| m.source == t.id) {
            p.table(t, m, opts, &mut plan);
        }
    }
    for v in &catalog.views {
        let db = mappings
            .iter()
            .find(|m| m.source.database == v.id.database)
            .map_or(v.id.database.clone(), |m| m.target.database.clone());
        let id = TableId::new(db, &v.id.name);
        let check = match v.check_option.as_str() {
            "CASCADED" => " WITH CASCADED CHECK OPTION",
            "LOCAL" => " WITH LOCAL CHECK OPTION",
            _ => "",
        };
        let security = if v.security == "INVOKER" && target.supports_view_security_clause() {
            "SQL SECURITY INVOKER "
        } else {
            if v.security == "INVOKER" {
                p.note(
                    format!("view {id}"),
                    Severity::Lossy,
                    format!(
                        "{} has no SQL SECURITY INVOKER: the view runs with its definer's rights",
                        target.name()
                    ),
                );
            }
            ""
        };
        plan.objects.push(SchemaObject {
            key: format!("view:{id}"),
            kind: ObjectKind::View,
            phase: Phase::BeforeData,
            target: id.clone(),
            statements: vec![format!(
                "CREATE OR REPLACE {security}VIEW {} AS {}{check}",
                table(&id),
                p.rewrite_db_refs(&v.definition)
            )],
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

    fn col(name: &str, ty: &str, cs: Option<&str>, coll: Option<&str>) -> Column {
        let data_type = ty.split('(').next().unwrap_or(ty).to_string();
        Column {
            name: name.into(),
            kind: super::super::catalog::value_kind(&data_type),
            data_type,
            column_type: ty.into(),
            nullable: false,
            default: ColumnDefault::None,
            auto_increment: false,
            on_update: None,
            generated: None,
            charset: cs.map(String::from),
            collation: coll.map(String::from),
            comment: String::new(),
            labels: Vec::new(),
        }
    }

    fn sample() -> (Catalog, Vec<TableMapping>) {
        let t = Table {
            id: TableId::new("shop", "orders"),
            columns: vec![
                col("id", "bigint(20) unsigned", None, None),
                col("note", "varchar(10)", Some("latin1"), Some("latin1_swedish_ci")),
                col("body", "text", Some("utf8mb4"), Some("utf8mb4_bin")),
            ],
            indexes: vec![
                Index {
                    name: "PRIMARY".into(),
                    kind: IndexKind::Primary,
                    columns: vec![IndexColumn {
                        name: "id".into(),
                        sub_part: None,
                        descending: false,
                    }],
                    comment: String::new(),
                },
                Index {
                    name: "ft".into(),
                    kind: IndexKind::Fulltext,
                    columns: vec![IndexColumn {
                        name: "body".into(),
                        sub_part: None,
                        descending: false,
                    }],
                    comment: String::new(),
                },
                Index {
                    name: "n".into(),
                    kind: IndexKind::Plain,
                    columns: vec![IndexColumn {
                        name: "note".into(),
                        sub_part: Some(4),
                        descending: false,
                    }],
                    comment: String::new(),
                },
            ],
            foreign_keys: vec![],
            checks: vec![],
            triggers: vec![],
            comment: "it's".into(),
            charset: Some("latin1".into()),
            collation: Some("latin1_swedish_ci".into()),
            auto_increment: Some(42),
            row_estimate: 0,
            data_bytes: 0,
        };
        let m = vec![TableMapping {
            source: t.id.clone(),
            target: TableId::new("shop_v2", "orders"),
            exclude_columns: vec![],
        }];
        (
            Catalog {
                tables: vec![t],
                views: vec![],
                unsupported: vec![],
            },
            m,
        )
    }

    #[test]
    fn oceanbase_gets_utf8mb4_with_a_report() {
        let (c, m) = sample();
        let opts = DdlOptions {
            indexes_after_data: true,
            defer_constraints: false,
            keys_after_data: false,
        };
        let p = plan(&c, Flavor::MariaDb, Flavor::OceanBase, &m, &opts);
        let create = &p
            .objects
            .iter()
            .find(|o| o.kind == ObjectKind::Table)
            .unwrap()
            .statements[0];
        assert_eq!(
            create,
            "CREATE TABLE `shop_v2`.`orders` (\n  `id` bigint(20) unsigned NOT NULL,\n  `note` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,\n  `body` text CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,\n  PRIMARY KEY (`id`)\n) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci AUTO_INCREMENT=42 COMMENT='it''s'"
        );
        let idx = &p
            .objects
            .iter()
            .find(|o| o.kind == ObjectKind::Indexes)
            .unwrap()
            .statements;
        assert_eq!(
            idx,
            &vec![
                "ALTER TABLE `shop_v2`.`orders` ADD FULLTEXT KEY `ft` (`body`)".to_string(),
                "ALTER TABLE `shop_v2`.`orders` ADD KEY `n` (`note`(4))".to_string()
            ]
        );
        assert!(
            p.report
                .iter()
                .any(|r| r.severity == Severity::Lossy && r.message.contains("latin1"))
        );
    }

    #[test]
    fn tidb_drops_fulltext_indexes_with_a_report() {
        let (c, m) = sample();
        let opts = DdlOptions {
            indexes_after_data: true,
            defer_constraints: false,
            keys_after_data: false,
        };
        let p = plan(&c, Flavor::MariaDb, Flavor::TiDb, &m, &opts);
        let idx = &p
            .objects
            .iter()
            .find(|o| o.kind == ObjectKind::Indexes)
            .unwrap()
            .statements[0];
        assert_eq!(idx, "ALTER TABLE `shop_v2`.`orders` ADD KEY `n` (`note`(4))");
        assert!(
            p.report
                .iter()
                .any(|r| r.severity == Severity::Unsupported && r.object.contains("ft"))
        );
    }

    #[test]
    fn mariadb_to_mariadb_keeps_everything() {
        let (c, m) = sample();
        let opts = DdlOptions {
            indexes_after_data: false,
            defer_constraints: false,
            keys_after_data: false,
        };
        let p = plan(&c, Flavor::MariaDb, Flavor::MariaDb, &m, &opts);
        let create = &p
            .objects
            .iter()
            .find(|o| o.kind == ObjectKind::Table)
            .unwrap()
            .statements[0];
        assert!(
            create.contains("CHARACTER SET latin1 COLLATE latin1_swedish_ci"),
            "{create}"
        );
        assert!(create.contains("FULLTEXT KEY `ft` (`body`)"), "{create}");
        assert!(p.report.is_empty(), "{:?}", p.report);
    }
}
