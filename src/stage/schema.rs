//! schema: read the source catalog, convert it for the target, write every object's DDL to
//! the state directory for review (and editing), then apply object by object with a status
//! each. Objects of the after-data phase (secondary indexes, CHECK constraints, foreign keys,
//! triggers) are applied by `full` once the rows are in, or here when there is no `full`.

use super::{Ctx, StageOpts, StageOutcome, scope};
use crate::config::{ExistingTable, MigrationType};
use crate::engine::script::{self, Syntax};
use crate::engine::{Conversion, DdlOutcome, Engine, ObjectKind, Phase, SchemaObject, Severity};
use crate::error::{Kind, classified, usage};
use crate::model::printable::{file_stem, markdown_cell, sql_comment};
use crate::output::new_table;
use crate::state::{StateDir, write_atomic};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Separates statements inside one DDL file (trigger bodies contain semicolons).
const NEXT_STATEMENT: &str = "-- omsctl:next-statement";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectStatus {
    Pending,
    /// Being applied: a run that dies here may or may not have created the object.
    Applying,
    Done,
    /// The table already existed and `[schema] existing_tables = "keep"`.
    Kept,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedObject {
    #[serde(flatten)]
    pub object: SchemaObject,
    /// DDL file, relative to schema/ddl/.
    pub file: String,
    pub status: ObjectStatus,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "version")]
pub enum SchemaPlan {
    #[serde(rename = "1")]
    V1 {
        objects: Vec<PlannedObject>,
        report: Vec<Conversion>,
    },
}

impl SchemaPlan {
    pub fn objects(&self) -> &[PlannedObject] {
        match self {
            SchemaPlan::V1 { objects, .. } => objects,
        }
    }
    fn objects_mut(&mut self) -> &mut Vec<PlannedObject> {
        match self {
            SchemaPlan::V1 { objects, .. } => objects,
        }
    }
    fn report(&self) -> &[Conversion] {
        match self {
            SchemaPlan::V1 { report, .. } => report,
        }
    }
}

/// `NNN-<key>.sql`: the number keeps files of similar keys apart; names may be 64 characters
/// of 4 bytes each, and a file name at most 255 bytes.
fn file_name(i: usize, key: &str) -> String {
    format!("{:03}-{}.sql", i + 1, file_stem(key, 200))
}

fn ddl_text(o: &SchemaObject) -> String {
    let phase = match o.phase {
        Phase::BeforeData => "before data",
        Phase::AfterData => "after data",
        Phase::Switchover => "at switchover",
    };
    format!(
        "-- omsctl DDL for {} ({phase}). Edit freely: `omsctl schema` / `omsctl full` apply this file as it is.\n{}\n",
        sql_comment(&o.key),
        o.statements.join(&format!("\n{NEXT_STATEMENT}\n"))
    )
}

/// The statements of an object as its (possibly edited) DDL file holds them, split by the
/// target's quoting rules: a separator or comment inside a quoted name is part of the name.
fn read_statements(dir: &StateDir, o: &PlannedObject, syntax: &Syntax) -> Result<Vec<String>> {
    let path = dir.schema_ddl_dir().join(&o.file);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        usage(
            format!("cannot read DDL file {}: {e}", path.display()),
            "restore it, or `omsctl reset schema` to generate the DDL again",
        )
    })?;
    Ok(script::statements(&text, syntax, NEXT_STATEMENT))
}

fn report_md(report: &[Conversion]) -> String {
    let mut s = String::from("# Conversion report\n\n");
    if report.is_empty() {
        s.push_str("Every object converts without loss.\n");
        return s;
    }
    s.push_str("| object | severity | what happens |\n|---|---|---|\n");
    for r in report {
        let sev = match r.severity {
            Severity::Info => "info",
            Severity::Lossy => "lossy",
            Severity::Unsupported => "unsupported",
            Severity::Refused => "refused",
        };
        s.push_str(&format!(
            "| {} | {sev} | {} |\n",
            markdown_cell(&r.object),
            markdown_cell(&r.message)
        ));
    }
    s
}

/// Loads the plan, or builds it from the catalog and writes DDL files and report.
pub async fn load_or_build(ctx: &mut Ctx) -> Result<SchemaPlan> {
    if let Some(p) = ctx.dir.read_json::<SchemaPlan>(&ctx.dir.schema_plan())? {
        return Ok(p);
    }
    let project = ctx.project.clone();
    let source = ctx.source().await?;
    let target = ctx.target().await?;
    let scope = scope::resolve(&project, source.as_ref()).await?;
    let catalog = source.catalog(&scope.tables, &scope.views).await?;
    scope::check_columns(&catalog, &scope.mappings)?;
    let ddl = target.plan_ddl(
        &catalog,
        project.source.engine,
        &scope.mappings,
        &scope::ddl_options(&project),
    );
    let objects: Vec<PlannedObject> = ddl
        .objects
        .into_iter()
        .enumerate()
        .map(|(i, o)| PlannedObject {
            file: file_name(i, &o.key),
            object: o,
            status: ObjectStatus::Pending,
            error: None,
        })
        .collect();
    let ddl_dir = ctx.dir.schema_ddl_dir();
    for o in &objects {
        write_atomic(&ddl_dir.join(&o.file), ddl_text(&o.object).as_bytes())?;
    }
    write_atomic(&ctx.dir.schema_report(), report_md(&ddl.report).as_bytes())?;
    let plan = SchemaPlan::V1 {
        objects,
        report: ddl.report,
    };
    ctx.dir.write_json(&ctx.dir.schema_plan(), &plan)?;
    Ok(plan)
}

/// Applies the pending and failed objects of one phase; returns the keys that failed.
pub async fn apply_phase(ctx: &mut Ctx, plan: &mut SchemaPlan, phase: Phase) -> Result<Vec<String>> {
    apply_matching(ctx, plan, &|o: &SchemaObject| o.phase == phase).await
}

/// Applies the pending (or failed) objects `wanted` selects, as [`apply_phase`] does; returns
/// the keys of those that failed.
pub async fn apply_matching(
    ctx: &mut Ctx,
    plan: &mut SchemaPlan,
    wanted: &(dyn Fn(&SchemaObject) -> bool + Sync),
) -> Result<Vec<String>> {
    let target = ctx.target().await?;
    let keep = ctx.project.schema.existing_tables == ExistingTable::Keep;
    // Views may depend on views: retry the failed ones while each pass makes progress.
    loop {
        let mut progressed = false;
        let mut failed = Vec::new();
        let n = plan.objects().len();
        for i in 0..n {
            if ctx.cancelled() {
                return Err(crate::error::interrupted());
            }
            let o = plan.objects()[i].clone();
            if !wanted(&o.object)
                || !matches!(
                    o.status,
                    ObjectStatus::Pending | ObjectStatus::Failed | ObjectStatus::Applying
                )
            {
                continue;
            }
            if o.status != ObjectStatus::Applying {
                plan.objects_mut()[i].status = ObjectStatus::Applying;
                ctx.dir.write_json(&ctx.dir.schema_plan(), plan)?;
            }
            let (status, error) = apply_one(ctx, target.as_ref(), &o, keep).await?;
            if status == ObjectStatus::Failed {
                failed.push(o.object.key.clone());
            } else {
                progressed = true;
            }
            let obj = &mut plan.objects_mut()[i];
            obj.status = status;
            obj.error = error;
            ctx.dir.write_json(&ctx.dir.schema_plan(), plan)?;
        }
        if failed.is_empty() || !progressed {
            return Ok(failed);
        }
    }
}

async fn apply_one(
    ctx: &Ctx,
    target: &dyn Engine,
    o: &PlannedObject,
    keep: bool,
) -> Result<(ObjectStatus, Option<String>)> {
    let existing = if o.object.kind == ObjectKind::Table {
        target.table_has_rows(&o.object.target).await?
    } else {
        None
    };
    if existing == Some(false) && o.status == ObjectStatus::Applying {
        // Our own CREATE from a run that died before recording it.
        return Ok((ObjectStatus::Done, None));
    }
    if existing.is_some() {
        return Ok(if keep {
            (ObjectStatus::Kept, None)
        } else {
            (
                ObjectStatus::Failed,
                Some(format!(
                    "{} already exists on the target; drop it, `omsctl schema --skip-object {}`, or set [schema] existing_tables = \"keep\"",
                    o.object.target, o.object.key
                )),
            )
        });
    }
    for stmt in read_statements(&ctx.dir, o, &target.script_syntax())? {
        let db = (o.object.kind != ObjectKind::Database).then_some(o.object.target.database.as_str());
        match target.execute_ddl(db, &stmt).await {
            Ok(DdlOutcome::Applied) => {}
            // A run killed after the server applied this statement: it is done.
            Ok(DdlOutcome::AlreadyExists) => tracing::info!("{} was already applied", o.object.key),
            Err(e) if crate::error::kind_of(&e).0 == Kind::Transient => return Err(e),
            Err(e) => return Ok((ObjectStatus::Failed, Some(format!("{e:#}")))),
        }
    }
    tracing::info!("created {}", o.object.key);
    Ok((ObjectStatus::Done, None))
}

pub async fn run(ctx: &mut Ctx, opts: &StageOpts) -> Result<StageOutcome> {
    let mut plan = load_or_build(ctx).await?;
    for key in &opts.skip_objects {
        let Some(o) = plan.objects_mut().iter_mut().find(|o| &o.object.key == key) else {
            let known: Vec<&str> = plan.objects().iter().map(|o| o.object.key.as_str()).take(20).collect();
            return Err(usage(
                format!("--skip-object {key}: no such object"),
                format!("object keys look like: {}", known.join(", ")),
            ));
        };
        o.status = ObjectStatus::Skipped;
        o.error = None;
    }
    ctx.dir.write_json(&ctx.dir.schema_plan(), &plan)?;
    if opts.dry_run {
        let syntax = ctx.target().await?.script_syntax();
        for o in plan.objects() {
            ctx.out.say(&format!("-- {} ({})", o.object.key, o.file))?;
            for s in read_statements(&ctx.dir, o, &syntax)? {
                ctx.out.say(&format!("{s};\n"))?;
            }
        }
        ctx.out.say(&format!(
            "-- DDL files: {}\n-- conversion report: {}",
            ctx.dir.schema_ddl_dir().display(),
            ctx.dir.schema_report().display()
        ))?;
        return Ok(StageOutcome {
            summary: json!({"dry_run": true, "objects": plan.objects(), "report": plan.report()}),
            negative: None,
        });
    }
    let mut failed = apply_phase(ctx, &mut plan, Phase::BeforeData).await?;
    if !ctx.project.wants(MigrationType::Full) {
        failed.extend(apply_phase(ctx, &mut plan, Phase::AfterData).await?);
    }
    print_objects(ctx, &plan)?;
    if !failed.is_empty() {
        let first = plan
            .objects()
            .iter()
            .find(|o| o.status == ObjectStatus::Failed)
            .and_then(|o| o.error.clone())
            .unwrap_or_default();
        return Err(classified(
            Kind::Environment,
            format!(
                "{} schema object(s) failed: {} (first error: {first})",
                failed.len(),
                failed.join(", ")
            ),
            format!(
                "edit the DDL in {} and run `omsctl retry schema`, or `omsctl schema --skip-object KEY`",
                ctx.dir.schema_ddl_dir().display()
            ),
        ))
        .context("schema");
    }
    Ok(StageOutcome {
        summary: json!({"objects": plan.objects(), "report": plan.report()}),
        negative: None,
    })
}

pub fn print_objects(ctx: &Ctx, plan: &SchemaPlan) -> Result<()> {
    let mut t = new_table(&["object", "phase", "status", "error"]);
    for o in plan.objects() {
        t.add_row(vec![
            o.object.key.clone(),
            serde_json::to_value(o.object.phase)?.as_str().unwrap_or("").to_string(),
            serde_json::to_value(o.status)?.as_str().unwrap_or("").to_string(),
            o.error.clone().unwrap_or_default(),
        ]);
    }
    ctx.out.table(&t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::TableId;

    /// Backtick names and backslash escapes, as the MySQL family reads them.
    const BACKTICKS: Syntax = Syntax {
        backslash_escapes: true,
        double_quoted_strings: true,
        backtick_identifiers: true,
        dollar_quotes: false,
        e_strings: false,
        q_quotes: false,
        hash_comments: true,
        dash_comment_needs_space: true,
        nested_block_comments: false,
    };

    fn planned(key: &str, target: TableId, statements: Vec<String>) -> PlannedObject {
        PlannedObject {
            object: SchemaObject {
                key: key.into(),
                kind: ObjectKind::Trigger,
                phase: Phase::AfterData,
                target,
                statements,
            },
            file: file_name(0, key),
            status: ObjectStatus::Pending,
            error: None,
        }
    }

    #[test]
    fn edited_ddl_files_split_into_statements() {
        let d = tempfile::tempdir().unwrap();
        let dir = StateDir::new(d.path());
        let o = planned(
            "trigger:d.t",
            TableId::new("d", "t"),
            vec![
                "CREATE TRIGGER x BEGIN SET @a = 1; SET @b = 2; END".into(),
                "SELECT 1;".into(),
            ],
        );
        assert_eq!(o.file, "001-trigger_d.t.sql");
        write_atomic(&dir.schema_ddl_dir().join(&o.file), ddl_text(&o.object).as_bytes()).unwrap();
        assert_eq!(
            read_statements(&dir, &o, &BACKTICKS).unwrap(),
            vec!["CREATE TRIGGER x BEGIN SET @a = 1; SET @b = 2; END", "SELECT 1"]
        );
    }

    #[test]
    fn a_table_name_with_a_line_break_cannot_add_a_statement_to_its_ddl_file() {
        let d = tempfile::tempdir().unwrap();
        let dir = StateDir::new(d.path());
        let id = TableId::new("d\n-- omsctl:next-statement\n", "a\nCREATE DATABASE pwned;#*/");
        let create = "CREATE TABLE `d\n-- omsctl:next-statement\n`.`a\nCREATE DATABASE pwned;#*/` (id int)".to_string();
        let o = planned(&format!("table:{id}"), id, vec![create.clone()]);
        let text = ddl_text(&o.object);
        // The header stays one comment line, whatever the name holds.
        assert_eq!(text.lines().nth(1), Some("CREATE TABLE `d"), "{text}");
        write_atomic(&dir.schema_ddl_dir().join(&o.file), text.as_bytes()).unwrap();
        assert_eq!(read_statements(&dir, &o, &BACKTICKS).unwrap(), vec![create]);
        assert!(!o.file.contains('\n') && !o.file.contains('/'), "{}", o.file);
    }
}
