//! Which tables a project migrates and how each appears on the target: the `[[objects]]`
//! rules and the `[tables."db.t"]` settings applied to the source catalog.

use crate::config::Project;
use crate::engine::{Engine, TableMapping, TableSpec};
use crate::error::usage;
use crate::model::catalog::{Catalog, Table, TableId};
use anyhow::Result;
use std::collections::{BTreeSet, HashMap};

pub struct Scope {
    pub tables: Vec<TableId>,
    pub views: Vec<TableId>,
    pub mappings: Vec<TableMapping>,
}

/// The target name of a source table: first matching rule, then `rename`.
pub fn target_id(project: &Project, src: &TableId) -> Option<TableId> {
    let db = project
        .objects
        .iter()
        .find_map(|r| r.select(&src.database, &src.name))?;
    let name = project
        .tables
        .get(&src.key())
        .and_then(|t| t.rename.clone())
        .unwrap_or_else(|| src.name.clone());
    Some(TableId::new(db, name))
}

pub async fn resolve(project: &Project, source: &dyn Engine) -> Result<Scope> {
    let tables = source.list_tables(&project.objects).await?;
    let views = source.list_views(&project.objects).await?;
    if tables.is_empty() {
        let rules: Vec<&str> = project.objects.iter().map(|r| r.include.as_str()).collect();
        return Err(usage(
            format!("no table on the source matches [[objects]] include = {rules:?}"),
            "check the database and table names (they are case-sensitive) and the exclude patterns",
        ));
    }
    for key in project.tables.keys() {
        if !tables.iter().any(|t| &t.key() == key) {
            return Err(usage(
                format!("[tables.\"{key}\"] names a table that is not migrated"),
                "check the name, or add it to an [[objects]] include pattern",
            ));
        }
    }
    let mut mappings = Vec::with_capacity(tables.len());
    for t in &tables {
        let target = target_id(project, t).ok_or_else(|| anyhow::anyhow!("{t} selected but unmapped"))?;
        let exclude_columns = project
            .tables
            .get(&t.key())
            .map(|s| s.exclude_columns.clone())
            .unwrap_or_default();
        mappings.push(TableMapping {
            source: t.clone(),
            target,
            exclude_columns,
        });
    }
    let mut seen = std::collections::BTreeMap::new();
    for m in &mappings {
        if let Some(prev) = seen.insert(m.target.clone(), m.source.clone()) {
            return Err(usage(
                format!("{} and {} would both become {} on the target", prev, m.source, m.target),
                "give one of them another name with [tables.\"db.table\"] rename = \"...\"",
            ));
        }
    }
    Ok(Scope {
        tables,
        views,
        mappings,
    })
}

/// How the project wants its DDL planned: secondary indexes after the data, and constraints
/// and triggers held back for switchover while incremental sync runs.
pub fn ddl_options(project: &Project) -> crate::engine::DdlOptions {
    crate::engine::DdlOptions {
        indexes_after_data: project.schema.indexes_after_data,
        defer_constraints: project.wants(crate::config::MigrationType::Incr),
        keys_after_data: project.schema.indexes_after_data
            && project.wants(crate::config::MigrationType::Full)
            && project.full.on_nonempty_target == crate::config::NonEmptyTarget::Stop,
    }
}

/// Checks that excluded columns exist; a typo would otherwise copy a column meant to stay.
pub fn check_columns(catalog: &Catalog, mappings: &[TableMapping]) -> Result<()> {
    for m in mappings {
        let Some(t) = catalog.tables.iter().find(|t| t.id == m.source) else {
            continue;
        };
        for c in &m.exclude_columns {
            if t.column(c).is_none() {
                return Err(usage(
                    format!(
                        "tables.\"{}\".exclude_columns names {c:?}, which {} does not have",
                        m.source, m.source
                    ),
                    "fix the column name (names are case-sensitive)",
                ));
            }
            if t.row_key_columns().contains(c) {
                return Err(usage(
                    format!(
                        "tables.\"{}\".exclude_columns removes {c:?}, part of the table's key",
                        m.source
                    ),
                    "keep key columns: rows are copied and verified by key",
                ));
            }
        }
    }
    Ok(())
}

/// The columns each target table computes itself (generated there), by source table; `None`
/// when the target's catalog cannot be read. A source's generated column that the target
/// holds as a plain column (a conversion between engines) must be copied like any other.
pub async fn target_generated(
    target: &dyn Engine,
    mappings: &[TableMapping],
) -> Option<HashMap<TableId, BTreeSet<String>>> {
    let ids: Vec<TableId> = mappings.iter().map(|m| m.target.clone()).collect();
    let catalog = match target.catalog(&ids, &[]).await {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!("target catalog unreadable, generated columns judged by the source: {e:#}");
            return None;
        }
    };
    Some(
        mappings
            .iter()
            .filter_map(|m| {
                let t = catalog.tables.iter().find(|t| t.id == m.target)?;
                let generated = t
                    .columns
                    .iter()
                    .filter(|c| c.generated.is_some())
                    .map(|c| c.name.clone());
                Some((m.source.clone(), generated.collect()))
            })
            .collect(),
    )
}

/// Source and target specs of a table, without the columns the target computes itself:
/// `target_generated` names them (from [`target_generated`]); without it, the source's
/// generated columns are taken to be generated on the target too.
pub fn specs(
    project: &Project,
    table: &Table,
    mapping: &TableMapping,
    target_generated: Option<&BTreeSet<String>>,
) -> (TableSpec, TableSpec) {
    let computed = |c: &crate::model::catalog::Column| match target_generated {
        Some(set) => set.contains(&c.name),
        None => c.generated.is_some(),
    };
    let cols: Vec<&crate::model::catalog::Column> = table
        .columns
        .iter()
        .filter(|c| !mapping.exclude_columns.contains(&c.name))
        .filter(|c| !computed(c))
        .collect();
    let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    let kinds = cols.iter().map(|c| c.kind).collect();
    let key: Vec<usize> = table
        .row_key_columns()
        .iter()
        .filter_map(|k| names.iter().position(|n| n == k))
        .collect();
    let unique = table
        .other_unique_keys()
        .into_iter()
        .map(|u| {
            u.and_then(|cols| {
                cols.iter()
                    .map(|c| names.iter().position(|n| n == c))
                    .collect::<Option<Vec<usize>>>()
            })
            .unwrap_or_default()
        })
        .collect();
    let compare = cols.iter().map(|c| c.key_compare()).collect();
    let filter = project.tables.get(&table.id.key()).and_then(|s| s.filter.clone());
    let src = TableSpec {
        id: table.id.clone(),
        columns: names,
        kinds,
        key,
        unique,
        compare,
        filter,
    };
    let mut tgt = src.clone();
    tgt.id = mapping.target.clone();
    (src, tgt)
}
