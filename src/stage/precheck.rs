//! precheck: every check runs, every failure is reported at once, each with its fix.
//! Generic checks (connectivity, scope, keys, conversions, target contents, settings) live
//! here; engine-specific ones (privileges, server settings) come from `Engine::checks`.

use super::{Ctx, StageOutcome, scope};
use crate::config::{ExistingTable, MigrationType, NonEmptyTarget};
use crate::engine::{CheckItem, CheckScope, CheckStatus, Role, Severity};
use crate::error::{Kind, classified, kind_of};
use crate::output::new_table;
use crate::state::{StageId, Stages};
use anyhow::Result;
use serde_json::json;

pub async fn run(ctx: &mut Ctx) -> Result<StageOutcome> {
    let items = collect(ctx).await?;
    ctx.dir.write_json(&ctx.dir.precheck(), &items)?;
    let fails = items.iter().filter(|i| i.status == CheckStatus::Fail).count();
    let warns = items.iter().filter(|i| i.status == CheckStatus::Warn).count();
    let mut t = new_table(&["check", "result", "detail", "fix"]);
    for i in &items {
        let status = match i.status {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skip => "skip",
        };
        t.add_row(vec![
            i.title.clone(),
            status.into(),
            i.detail.clone(),
            i.fix.clone().unwrap_or_default(),
        ]);
    }
    ctx.out.table(&t)?;
    ctx.out.say(&format!(
        "precheck: {} passed, {warns} warnings, {fails} failed",
        items.iter().filter(|i| i.status == CheckStatus::Pass).count()
    ))?;
    // Could not even connect: that is an environment error (exit 3), not a negative answer.
    if let Some(c) = items
        .iter()
        .find(|i| i.id.ends_with(".connect") && i.status == CheckStatus::Fail)
    {
        return Err(classified(
            Kind::Environment,
            format!("precheck: {}", c.detail),
            c.fix.clone().unwrap_or_default(),
        ));
    }
    Ok(StageOutcome {
        summary: json!({"items": items, "failed": fails, "warnings": warns}),
        negative: (fails > 0).then(|| format!("{fails} precheck item(s) failed")),
    })
}

fn fail_from(id: &str, title: &str, e: &anyhow::Error) -> CheckItem {
    let (_, hint) = kind_of(e);
    let mut item = CheckItem::new(id, title, CheckStatus::Fail, format!("{e:#}"));
    item.fix = hint;
    item
}

async fn collect(ctx: &mut Ctx) -> Result<Vec<CheckItem>> {
    let mut items = Vec::new();
    let project = ctx.project.clone();
    let stages = Stages::load(&ctx.dir)?;
    let mut infos = Vec::new();
    for role in [Role::Source, Role::Target] {
        let (name, engine) = match role {
            Role::Source => ("source", ctx.source().await),
            Role::Target => ("target", ctx.target().await),
        };
        let id = format!("{name}.connect");
        let info = match engine {
            Ok(e) => e.server_info().await,
            Err(e) => Err(e),
        };
        match info {
            Ok(info) => {
                items.push(CheckItem::new(
                    &id,
                    format!("{name} connection"),
                    CheckStatus::Pass,
                    format!("{} {}", info.product, info.version),
                ));
                infos.push(info);
            }
            Err(e) => items.push(fail_from(&id, &format!("{name} connection"), &e)),
        }
    }
    if infos.len() < 2 {
        return Ok(items);
    }
    let source = ctx.source().await?;
    let target = ctx.target().await?;
    let scope = match scope::resolve(&project, source.as_ref()).await {
        Ok(s) => {
            items.push(CheckItem::new(
                "scope",
                "objects to migrate",
                CheckStatus::Pass,
                format!("{} tables, {} views", s.tables.len(), s.views.len()),
            ));
            s
        }
        Err(e) => {
            items.push(fail_from("scope", "objects to migrate", &e));
            return Ok(items);
        }
    };
    let catalog = match source.catalog(&scope.tables, &scope.views).await {
        Ok(c) => c,
        Err(e) => {
            items.push(fail_from("source.catalog", "source catalog", &e));
            return Ok(items);
        }
    };
    let estimated_rows: u64 = catalog.tables.iter().map(|t| t.row_estimate).sum();
    let target_ids: Vec<_> = scope.mappings.iter().map(|m| m.target.clone()).collect();
    let wants = |t| project.wants(t);
    items.extend(
        source
            .checks(&CheckScope {
                role: Role::Source,
                wants_schema: wants(MigrationType::Schema),
                wants_full: wants(MigrationType::Full),
                wants_verify: wants(MigrationType::Verify),
                wants_incr: wants(MigrationType::Incr),
                estimated_rows,
                skip_change_log: false,
                writes: None,
                tables: &scope.tables,
            })
            .await,
    );
    items.extend(
        target
            .checks(&CheckScope {
                role: Role::Target,
                wants_schema: wants(MigrationType::Schema),
                wants_full: wants(MigrationType::Full),
                wants_verify: wants(MigrationType::Verify),
                wants_incr: wants(MigrationType::Incr),
                estimated_rows,
                skip_change_log: wants(MigrationType::Full) && !project.full.target_binlog,
                writes: wants(MigrationType::Full)
                    .then_some((project.full.write_method, project.full.on_nonempty_target)),
                tables: &target_ids,
            })
            .await,
    );

    if let Err(e) = scope::check_columns(&catalog, &scope.mappings) {
        items.push(fail_from("tables.columns", "per-table settings", &e));
    }
    if project.wants(MigrationType::Incr) {
        let filtered: Vec<&String> = project
            .tables
            .iter()
            .filter(|(_, t)| t.filter.is_some())
            .map(|(k, _)| k)
            .collect();
        if !filtered.is_empty() {
            items.push(
                CheckItem::new(
                    "incr.row_filters",
                    "row filters and incremental sync",
                    CheckStatus::Fail,
                    format!(
                        "incremental sync replays every change of a table; the row filters of {} would not hold",
                        filtered.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
                .fix("remove `where` from those tables, or \"incr\" from project.types"),
            );
        }
    }
    let keyless: Vec<String> = catalog
        .tables
        .iter()
        .filter(|t| t.row_key().is_none())
        .map(|t| t.id.to_string())
        .collect();
    items.push(if keyless.is_empty() {
        CheckItem::new("source.keys", "primary or unique keys", CheckStatus::Pass, "every table has a row key")
    } else {
        CheckItem::new(
            "source.keys",
            "primary or unique keys",
            CheckStatus::Warn,
            format!(
                "no primary key or NOT NULL unique key: {} (copied whole as one resumable unit, verified as a multiset)",
                keyless.join(", ")
            ),
        )
        .fix("add a primary key to large tables for parallel, chunked copy: ALTER TABLE … ADD PRIMARY KEY (…)")
    });

    let plan = target.plan_ddl(
        &catalog,
        project.source.engine,
        &scope.mappings,
        &scope::ddl_options(&project),
    );
    for (sev, id, title, status) in [
        (
            Severity::Refused,
            "conversion.refused",
            "objects the target would refuse",
            CheckStatus::Fail,
        ),
        (
            Severity::Unsupported,
            "conversion.unsupported",
            "objects the target cannot hold",
            CheckStatus::Warn,
        ),
        (
            Severity::Lossy,
            "conversion.lossy",
            "lossy type or charset conversions",
            CheckStatus::Warn,
        ),
    ] {
        let hits: Vec<String> = plan
            .report
            .iter()
            .filter(|r| r.severity == sev)
            .map(|r| format!("{}: {}", r.object, r.message))
            .collect();
        items.push(if hits.is_empty() {
            CheckItem::new(id, title, CheckStatus::Pass, "none")
        } else {
            CheckItem::new(id, title, status, hits.join("\n")).fix(
                "review with `omsctl schema --dry-run`; edit the DDL under the state directory's schema/ddl/ if needed",
            )
        });
    }

    // Target contents: only meaningful before this project created or filled the tables.
    let schema_done = !project.wants(MigrationType::Schema) || stages.get(StageId::Schema).is_done();
    let full_started = stages.record(StageId::Full).is_some_and(|r| r.attempts > 0);
    let mut exists = Vec::new();
    let mut nonempty = Vec::new();
    for m in &scope.mappings {
        match target.table_has_rows(&m.target).await {
            Ok(Some(has_rows)) => {
                exists.push(m.target.to_string());
                if has_rows {
                    nonempty.push(m.target.to_string());
                }
            }
            Ok(None) => {}
            Err(e) => {
                items.push(fail_from("target.tables", "target tables", &e));
                break;
            }
        }
    }
    if project.wants(MigrationType::Schema) && !schema_done {
        items.push(if exists.is_empty() {
            CheckItem::new(
                "target.exists",
                "target tables already present",
                CheckStatus::Pass,
                "none",
            )
        } else if project.schema.existing_tables == ExistingTable::Keep {
            CheckItem::new(
                "target.exists",
                "target tables already present",
                CheckStatus::Warn,
                format!(
                    "kept as they are ([schema] existing_tables = \"keep\"): {}",
                    exists.join(", ")
                ),
            )
        } else {
            CheckItem::new(
                "target.exists",
                "target tables already present",
                CheckStatus::Fail,
                exists.join(", "),
            )
            .fix("drop them, exclude them in [[objects]], or set [schema] existing_tables = \"keep\"")
        });
    }
    if project.wants(MigrationType::Full) && !full_started {
        items.push(if nonempty.is_empty() {
            CheckItem::new("target.rows", "target tables holding rows", CheckStatus::Pass, "none")
        } else if project.full.on_nonempty_target == NonEmptyTarget::Ignore {
            CheckItem::new(
                "target.rows",
                "target tables holding rows",
                CheckStatus::Warn,
                format!(
                    "existing rows are kept and conflicts logged ([full] on_nonempty_target = \"ignore\"): {}",
                    nonempty.join(", ")
                ),
            )
        } else {
            CheckItem::new(
                "target.rows",
                "target tables holding rows",
                CheckStatus::Fail,
                nonempty.join(", "),
            )
            .fix("empty them (TRUNCATE TABLE …), or set [full] on_nonempty_target = \"ignore\"")
        });
    }

    // Settings that change how values are read or written.
    let (s, t) = (&infos[0].settings, &infos[1].settings);
    for (key, why) in [
        (
            "sql_mode",
            "the target may reject or alter values the source accepted; omsctl's own sessions use a permissive strict mode, but applications will see the target's",
        ),
        (
            "time_zone",
            "omsctl reads and writes in UTC, so TIMESTAMP values are exact; applications using the server time zone will see different local times",
        ),
        (
            "lower_case_table_names",
            "table name case is handled differently; mixed-case names may collide",
        ),
    ] {
        let (sv, tv) = (s.get(key), t.get(key));
        let id = format!("settings.{key}");
        items.push(match (sv, tv) {
            (Some(a), Some(b)) if a != b => CheckItem::new(
                &id,
                format!("{key} differs"),
                CheckStatus::Warn,
                format!("source {a:?}, target {b:?}: {why}"),
            )
            .fix(format!(
                "SET GLOBAL {key} = '{a}' on the target, if applications depend on it"
            )),
            (Some(a), Some(_)) => CheckItem::new(&id, format!("{key} matches"), CheckStatus::Pass, a.clone()),
            _ => CheckItem::new(
                &id,
                key.to_string(),
                CheckStatus::Skip,
                "not reported by one of the servers",
            ),
        });
    }
    Ok(items)
}
