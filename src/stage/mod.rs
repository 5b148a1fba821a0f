//! The stages and their order. Only this module knows which project types run which stages
//! (as DM's createRealUnits does); each stage lives in its own file and talks to the engines
//! only through the traits in `engine`.

pub mod full;
pub mod incr;
pub mod precheck;
pub mod schema;
pub mod scope;
pub mod status;
pub mod switchover;
pub mod verify;

use crate::config::{MigrationType, Project};
use crate::engine::{self, Engine};
use crate::error::{Kind, classified, kind_of};
use crate::output::Out;
use crate::state::{StageId, StageState, Stages, StateDir};
use anyhow::Result;
use std::sync::Arc;
use tokio::sync::watch;

/// Everything a stage needs.
pub struct Ctx {
    pub project: Project,
    pub dir: StateDir,
    pub out: Out,
    pub yes: bool,
    pub cancel: watch::Receiver<bool>,
    source: Option<Arc<dyn Engine>>,
    pub(crate) target: Option<Arc<dyn Engine>>,
}

impl Ctx {
    pub fn new(project: Project, dir: StateDir, out: Out, yes: bool, cancel: watch::Receiver<bool>) -> Self {
        Ctx {
            project,
            dir,
            out,
            yes,
            cancel,
            source: None,
            target: None,
        }
    }

    pub async fn source(&mut self) -> Result<Arc<dyn Engine>> {
        if self.source.is_none() {
            self.source = Some(engine::connect(&self.project.source).await?);
        }
        self.source
            .clone()
            .ok_or_else(|| anyhow::anyhow!("source engine missing"))
    }

    pub async fn target(&mut self) -> Result<Arc<dyn Engine>> {
        if self.target.is_none() {
            self.target = Some(engine::connect(&self.project.target).await?);
        }
        self.target
            .clone()
            .ok_or_else(|| anyhow::anyhow!("target engine missing"))
    }

    pub fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    pub async fn close(&self) {
        for e in [&self.source, &self.target].into_iter().flatten() {
            e.close().await;
        }
    }
}

/// The stages a project runs, in order: precheck always, then its types.
pub fn plan(project: &Project) -> Vec<StageId> {
    let mut out = vec![StageId::Precheck];
    for t in &project.types {
        match t {
            MigrationType::Schema => out.push(StageId::Schema),
            MigrationType::Full => out.push(StageId::Full),
            MigrationType::Incr => out.push(StageId::Incr),
            MigrationType::Verify => out.push(StageId::Verify),
            // Switchover and reverse are started by the operator, never by `run`.
            MigrationType::Reverse => {}
        }
    }
    out
}

/// Every stage the project shows in `status`: the plan, plus switchover and reverse when the
/// project syncs incrementally.
pub fn shown(project: &Project) -> Vec<StageId> {
    let mut out = plan(project);
    if project.wants(MigrationType::Incr) {
        out.push(StageId::Switchover);
    }
    if project.wants(MigrationType::Reverse) {
        out.push(StageId::Reverse);
    }
    out
}

/// Options a single stage run may take.
#[derive(Debug, Default, Clone)]
pub struct StageOpts {
    /// incr: catch up to the source position current at start, then stop.
    pub once: bool,
    /// incr: stop at this position.
    pub until: Option<crate::model::position::Position>,
    /// incr: stop before the first source transaction committed after this time (unix s).
    pub until_time: Option<u64>,
    /// incr: skip the unsupported DDL statement the stage stopped at.
    pub skip_ddl: bool,
    pub dry_run: bool,
    /// switchover: steps to skip / the step to run again.
    pub skip_steps: Vec<String>,
    pub retry_step: Option<String>,
    pub skip_objects: Vec<String>,
    pub repair: bool,
    pub only_inconsistent: bool,
}

/// The result a stage hands back: a JSON summary and whether its answer is negative.
pub struct StageOutcome {
    pub summary: serde_json::Value,
    pub negative: Option<String>,
}

/// Refuses to run a stage whose predecessors in the plan have not completed.
fn check_order(ctx: &Ctx, stages: &Stages, id: StageId) -> Result<()> {
    if matches!(id, StageId::Switchover | StageId::Reverse) {
        if !ctx.project.wants(MigrationType::Incr) {
            return Err(crate::error::usage(
                format!("{id} needs incremental sync: \"incr\" is not in project.types"),
                "add \"incr\" (and \"reverse\" for rollback) to project.types",
            ));
        }
        if id == StageId::Reverse && !ctx.project.wants(MigrationType::Reverse) {
            return Err(crate::error::usage(
                "stage reverse is not selected by project.types",
                format!("add \"reverse\" to project.types in {}", ctx.project.file.display()),
            ));
        }
        for before in [StageId::Schema, StageId::Full] {
            if plan(&ctx.project).contains(&before) && !stages.get(before).is_done() {
                return Err(crate::error::usage(
                    format!(
                        "stage {before} is {} and must complete before {id}",
                        stages.get(before).as_str()
                    ),
                    format!("run `omsctl {before}` first"),
                ));
            }
        }
        return Ok(());
    }
    let plan = plan(&ctx.project);
    if !plan.contains(&id) {
        return Err(crate::error::usage(
            format!("stage {id} is not selected by project.types"),
            format!("add \"{id}\" to project.types in {}", ctx.project.file.display()),
        ));
    }
    for before in plan.iter().take_while(|s| **s != id) {
        // precheck is advisory for a single stage run; `run` always runs it first.
        if *before == StageId::Precheck {
            continue;
        }
        let st = stages.get(*before);
        // Incremental sync keeps running while later stages (verify) work beside it.
        let ok = st.is_done() || (*before == StageId::Incr && matches!(st, StageState::Running | StageState::Paused));
        if !ok {
            return Err(crate::error::usage(
                format!("stage {before} is {} and must complete before {id}", st.as_str()),
                format!("run `omsctl {before}` first, or `omsctl skip {before}`"),
            ));
        }
    }
    Ok(())
}

/// Runs one stage with state transitions: running → completed / failed / paused.
pub async fn run_stage(ctx: &mut Ctx, id: StageId, opts: &StageOpts) -> Result<StageOutcome> {
    let mut stages = Stages::load(&ctx.dir)?;
    check_order(ctx, &stages, id)?;
    let dry = opts.dry_run;
    if !dry {
        ctx.dir.write_json(&ctx.dir.project(), &ctx.project.record())?;
        stages.set(&ctx.dir, id, StageState::Running, None)?;
    }
    let result = match id {
        StageId::Precheck => precheck::run(ctx).await,
        StageId::Schema => schema::run(ctx, opts).await,
        StageId::Full => full::run(ctx).await,
        StageId::Incr => incr::run(ctx, opts).await,
        StageId::Reverse => incr::run_reverse(ctx, opts).await,
        StageId::Switchover => {
            switchover::run(
                ctx,
                &switchover::SwitchoverOpts {
                    skip_steps: opts.skip_steps.clone(),
                    retry_step: opts.retry_step.clone(),
                },
            )
            .await
        }
        StageId::Verify => verify::run(ctx, opts).await,
    };
    if dry {
        return result;
    }
    match &result {
        Ok(o) => match &o.negative {
            None => stages.set(&ctx.dir, id, StageState::Completed, None)?,
            Some(why) => stages.set(&ctx.dir, id, StageState::Failed, Some(why.clone()))?,
        },
        Err(e) => {
            let (kind, _) = kind_of(e);
            let state = if kind == Kind::Interrupted {
                StageState::Paused
            } else {
                StageState::Failed
            };
            stages.set(&ctx.dir, id, state, Some(format!("{e:#}")))?;
        }
    }
    result
}

/// `omsctl run`: every planned stage in order, skipping the completed ones.
pub async fn run_all(ctx: &mut Ctx) -> Result<Vec<(StageId, StageOutcome)>> {
    let mut done = Vec::new();
    for id in plan(&ctx.project) {
        let stages = Stages::load(&ctx.dir)?;
        if stages.get(id).is_done() {
            ctx.out
                .status(&format!("{id}: {} (skipped by run)", stages.get(id).as_str()));
            continue;
        }
        if ctx.cancelled() {
            return Err(crate::error::interrupted());
        }
        ctx.out.status(&format!("== {id}"));
        // Within `run`, incremental sync catches up and hands over to verify; `omsctl incr`
        // (follow mode) keeps it running afterwards.
        let opts = StageOpts {
            once: id == StageId::Incr,
            ..StageOpts::default()
        };
        let outcome = run_stage(ctx, id, &opts).await?;
        let negative = outcome.negative.clone();
        done.push((id, outcome));
        if let Some(why) = negative {
            return Err(classified(
                Kind::Negative,
                format!("{id}: {why}"),
                format!("see `omsctl status`; fix and run `omsctl run` again (or `omsctl skip {id}`)"),
            ));
        }
    }
    Ok(done)
}
