//! switchover: the OMS forward-switchover checklist as resumable, individually retryable or
//! skippable steps. Each step's state and times are kept in `switchover.json` (the report):
//!
//! 1. `precheck` — forward sync catches up; its lag must be under `[switchover] max_lag_s`;
//!    the target grants the writes applications will make.
//! 2. `stop_source_writes` — the operator confirms that applications stopped writing (prompt,
//!    or `--yes`); with `enforce_read_only` the source is set read-only by omsctl.
//! 3. `final_catch_up` — the source's final position is recorded and replayed to the end.
//! 4. `stop_forward` — forward sync is marked completed.
//! 5. `restore_deferred` — foreign keys, CHECK constraints and triggers held back during sync.
//! 6. `bump_auto_increment` — target counters moved past the source's.
//! 7. `record_target_position` — where reverse sync will start (before any new write lands).
//! 8. `start_reverse` — a first reverse catch-up creates its checkpoint; `omsctl reverse`
//!    keeps it running.

use super::{Ctx, StageOpts, StageOutcome, incr, schema};
use crate::engine::{CheckScope, CheckStatus, Phase, Role};
use crate::error::{Kind, classified, usage};
use crate::model::position::Position;
use crate::output::{human_time, new_table};
use crate::state::{StageId, StageState, Stages, stages_now_ms};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const STEPS: [&str; 8] = [
    "precheck",
    "stop_source_writes",
    "final_catch_up",
    "stop_forward",
    "restore_deferred",
    "bump_auto_increment",
    "record_target_position",
    "start_reverse",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub state: StageState,
    pub started_at: Option<u64>,
    pub ended_at: Option<u64>,
    pub detail: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct SwitchoverState {
    pub steps: Vec<Step>,
    /// The source's last position, replayed before forward sync stopped.
    pub source_final: Option<Position>,
    /// Where reverse sync starts on the new primary (the old target).
    pub reverse_start: Option<Position>,
}

impl SwitchoverState {
    fn load(ctx: &Ctx) -> Result<SwitchoverState> {
        let mut s: SwitchoverState = ctx.dir.read_json(&ctx.dir.switchover())?.unwrap_or_default();
        for name in STEPS {
            if !s.steps.iter().any(|x| x.name == name) {
                s.steps.push(Step {
                    name: name.into(),
                    state: StageState::NotStarted,
                    started_at: None,
                    ended_at: None,
                    detail: None,
                    error: None,
                });
            }
        }
        Ok(s)
    }

    fn step(&mut self, name: &str) -> &mut Step {
        let i = self.steps.iter().position(|s| s.name == name).unwrap_or(0);
        &mut self.steps[i]
    }
}

/// Options of `omsctl switchover`.
#[derive(Debug, Default, Clone)]
pub struct SwitchoverOpts {
    pub skip_steps: Vec<String>,
    pub retry_step: Option<String>,
}

pub async fn run(ctx: &mut Ctx, sw: &SwitchoverOpts) -> Result<StageOutcome> {
    let mut state = SwitchoverState::load(ctx)?;
    for name in sw.skip_steps.iter().chain(sw.retry_step.iter()) {
        if !STEPS.contains(&name.as_str()) {
            return Err(usage(
                format!("no switchover step {name:?}"),
                format!("steps: {}", STEPS.join(", ")),
            ));
        }
    }
    for name in &sw.skip_steps {
        let st = state.step(name);
        st.state = StageState::Skipped;
        st.ended_at = Some(stages_now_ms());
    }
    if let Some(name) = &sw.retry_step {
        let st = state.step(name);
        st.state = StageState::NotStarted;
        st.error = None;
    }
    ctx.dir.write_json(&ctx.dir.switchover(), &state)?;
    for name in STEPS {
        if state.step(name).state.is_done() {
            continue;
        }
        if ctx.cancelled() {
            return Err(crate::error::interrupted());
        }
        {
            let st = state.step(name);
            st.state = StageState::Running;
            st.started_at = Some(stages_now_ms());
            st.error = None;
        }
        ctx.dir.write_json(&ctx.dir.switchover(), &state)?;
        ctx.out.status(&format!("switchover: {name}"));
        let result = run_step(ctx, name, &mut state).await;
        let st = state.step(name);
        st.ended_at = Some(stages_now_ms());
        match result {
            Ok(detail) => {
                st.state = StageState::Completed;
                st.detail = Some(detail);
            }
            Err(e) => {
                st.state = if crate::error::kind_of(&e).0 == Kind::Interrupted {
                    StageState::Paused
                } else {
                    StageState::Failed
                };
                st.error = Some(format!("{e:#}"));
                ctx.dir.write_json(&ctx.dir.switchover(), &state)?;
                print_steps(ctx, &state)?;
                return Err(e.context(format!(
                    "switchover step {name} (fix it and run `omsctl switchover` again, or `omsctl switchover --skip-step {name}`)"
                )));
            }
        }
        ctx.dir.write_json(&ctx.dir.switchover(), &state)?;
    }
    print_steps(ctx, &state)?;
    ctx.out.say("switchover: complete; applications may write to the target now. `omsctl reverse` keeps the old source in sync for rollback.")?;
    Ok(StageOutcome {
        summary: json!(state),
        negative: None,
    })
}

pub fn print_steps(ctx: &Ctx, state: &SwitchoverState) -> Result<()> {
    let mut t = new_table(&["step", "state", "started", "ended", "detail / error"]);
    for s in &state.steps {
        t.add_row(vec![
            s.name.clone(),
            s.state.as_str().to_string(),
            human_time(s.started_at),
            human_time(s.ended_at),
            s.error.clone().or_else(|| s.detail.clone()).unwrap_or_default(),
        ]);
    }
    ctx.out.table(&t)
}

async fn run_step(ctx: &mut Ctx, name: &str, state: &mut SwitchoverState) -> Result<String> {
    let project = ctx.project.clone();
    match name {
        "precheck" => {
            // Catch forward sync up now, then judge its lag.
            let outcome = incr::run(
                ctx,
                &StageOpts {
                    once: true,
                    ..StageOpts::default()
                },
            )
            .await?;
            let inc: incr::IncrState = ctx.dir.read_json(&ctx.dir.incr())?.unwrap_or_default();
            let lag_s = inc.lag_ms.unwrap_or(0) as f64 / 1000.0;
            if lag_s > project.switchover.max_lag_s as f64 {
                return Err(classified(
                    Kind::Negative,
                    format!(
                        "forward sync lags {lag_s:.1} s, more than [switchover] max_lag_s = {}",
                        project.switchover.max_lag_s
                    ),
                    "let `omsctl incr` catch up (or reduce the write load), then run `omsctl switchover` again",
                ));
            }
            let target = ctx.target().await?;
            let mappings = incr::Side::forward(ctx).await?;
            let tables: Vec<_> = super::scope::resolve(&project, mappings.source.as_ref())
                .await?
                .mappings
                .into_iter()
                .map(|m| m.target)
                .collect();
            let items = target
                .checks(&CheckScope {
                    role: Role::Target,
                    wants_schema: false,
                    wants_full: true,
                    wants_verify: false,
                    wants_incr: false,
                    estimated_rows: 0,
                    skip_change_log: false,
                    writes: None,
                    tables: &tables,
                })
                .await;
            if let Some(f) = items.iter().find(|i| i.status == CheckStatus::Fail) {
                return Err(classified(
                    Kind::Environment,
                    format!("{}: {}", f.title, f.detail),
                    f.fix.clone().unwrap_or_default(),
                ));
            }
            Ok(format!(
                "forward sync caught up ({} transactions), lag {lag_s:.1} s; target write privileges granted",
                outcome.summary["transactions"]
            ))
        }
        "stop_source_writes" => {
            if project.switchover.enforce_read_only {
                ctx.source().await?.set_read_only(true).await?;
                return Ok("source set read-only by omsctl (SET GLOBAL read_only = ON)".into());
            }
            if !ctx
                .out
                .confirm("Have all applications stopped writing to the source?", ctx.yes)?
            {
                return Err(classified(
                    Kind::Negative,
                    "the operator did not confirm that writes to the source stopped",
                    "stop the applications' writes, then run `omsctl switchover` again (or set [switchover] enforce_read_only = true)",
                ));
            }
            Ok("operator confirmed that writes to the source stopped".into())
        }
        "final_catch_up" => {
            let source = ctx.source().await?;
            let final_pos = source
                .current_position()
                .await?
                .ok_or_else(|| anyhow::anyhow!("the source keeps no change log"))?;
            state.source_final = Some(final_pos.clone());
            let o = incr::run(
                ctx,
                &StageOpts {
                    until: Some(final_pos.clone()),
                    once: true,
                    ..StageOpts::default()
                },
            )
            .await?;
            let inc: incr::IncrState = ctx.dir.read_json(&ctx.dir.incr())?.unwrap_or_default();
            if inc.position.as_ref().is_none_or(|p| p < &final_pos) {
                return Err(classified(
                    Kind::Transient,
                    format!("forward sync stopped before the source's final position {final_pos}"),
                    "run `omsctl switchover` again",
                ));
            }
            Ok(format!(
                "applied the source up to its final position {final_pos} ({} transactions)",
                o.summary["transactions"]
            ))
        }
        "stop_forward" => {
            let mut stages = Stages::load(&ctx.dir)?;
            stages.set(&ctx.dir, StageId::Incr, StageState::Completed, None)?;
            Ok("forward sync stopped (incr completed)".into())
        }
        "restore_deferred" => {
            let Some(mut plan) = ctx.dir.read_json::<schema::SchemaPlan>(&ctx.dir.schema_plan())? else {
                return Ok("no schema plan: nothing was deferred".into());
            };
            let n = plan
                .objects()
                .iter()
                .filter(|o| o.object.phase == Phase::Switchover)
                .count();
            let failed = schema::apply_phase(ctx, &mut plan, Phase::Switchover).await?;
            if !failed.is_empty() {
                return Err(classified(
                    Kind::Environment,
                    format!("deferred objects failed: {}", failed.join(", ")),
                    format!(
                        "see `omsctl status`; edit the DDL in {} and run `omsctl switchover` again",
                        ctx.dir.schema_ddl_dir().display()
                    ),
                ));
            }
            Ok(format!("{n} foreign key, CHECK and trigger objects created"))
        }
        "bump_auto_increment" => {
            let source = ctx.source().await?;
            let target = ctx.target().await?;
            let mappings = super::scope::resolve(&project, source.as_ref()).await?.mappings;
            let tables: Vec<_> = mappings.iter().map(|m| m.source.clone()).collect();
            let counters = source.auto_increments(&tables).await?;
            let mut n = 0;
            for m in &mappings {
                if let Some(next) = counters.get(&m.source) {
                    target.bump_auto_increment(&m.target, *next).await?;
                    n += 1;
                }
            }
            Ok(format!("{n} AUTO_INCREMENT counters moved to at least the source's"))
        }
        "record_target_position" => {
            let target = ctx.target().await?;
            // The target must keep its change log from before the position is read (a
            // PostgreSQL slot for the reverse replay).
            let source = ctx.source().await?;
            let tables: Vec<_> = super::scope::resolve(&project, source.as_ref())
                .await?
                .mappings
                .into_iter()
                .map(|m| m.target)
                .collect();
            target
                .prepare_capture(&format!("{}:reverse", project.name), &tables)
                .await?;
            let p = target.current_position().await?.ok_or_else(|| {
                classified(
                    Kind::Environment,
                    "the target keeps no change log, so reverse sync cannot start",
                    "enable the binlog on the target (log_bin, binlog_format = ROW, binlog_row_image = FULL), or skip the reverse steps",
                )
            })?;
            state.reverse_start = Some(p.clone());
            ctx.dir.write_json(&ctx.dir.switchover(), &*state)?;
            Ok(format!("reverse sync starts at the target's {p}"))
        }
        "start_reverse" => {
            if state.reverse_start.is_none() {
                return Err(usage(
                    "the target position was not recorded",
                    "run `omsctl switchover --retry-step record_target_position`",
                ));
            }
            ctx.dir.write_json(&ctx.dir.switchover(), &*state)?;
            let o = incr::run_reverse(
                ctx,
                &StageOpts {
                    once: true,
                    ..StageOpts::default()
                },
            )
            .await?;
            Ok(format!(
                "reverse sync checkpoint created at {}; run `omsctl reverse` to keep the old source in sync",
                o.summary["position"]
            ))
        }
        _ => Err(usage(format!("unknown step {name}"), "")),
    }
}
