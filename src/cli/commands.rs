//! Turns a parsed command line into work: loads the project, locks the state directory,
//! runs stages, prints results.

use super::{Cli, Command};
use crate::config::{self, Project};
use crate::error::{Kind, classified, usage};
use crate::output::{Out, Verbosity};
use crate::stage::{self, Ctx, StageOpts, StageOutcome};
use crate::state::{StageId, StageState, Stages, StateDir};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use tokio::sync::watch;

pub fn out_for(cli: &Cli) -> Out {
    let v = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    Out::new(cli.json, v)
}

fn project_path(cli: &Cli) -> PathBuf {
    cli.project
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PROJECT_FILE))
}

fn state_dir(cli: &Cli, p: &Project) -> StateDir {
    StateDir::new(cli.state_dir.clone().unwrap_or_else(|| p.default_state_dir()))
}

/// Runs the command; the returned kind (if any) is a negative answer to report with exit 1.
pub async fn run(cli: Cli, cancel: watch::Receiver<bool>) -> Result<()> {
    let out = out_for(&cli);
    match &cli.command {
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut super::command(), "omsctl", &mut buf);
            return out.stdout(&String::from_utf8_lossy(&buf));
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(super::command()).render(&mut buf)?;
            return out.stdout(&String::from_utf8_lossy(&buf));
        }
        Command::Init { force } => return init(&project_path(&cli), *force, &out),
        _ => {}
    }
    let project = config::load(&project_path(&cli))?;
    let dir = state_dir(&cli, &project);
    if let Command::Status = cli.command {
        if !dir.root().exists() {
            return Err(usage(
                format!(
                    "no state for project {} yet ({} does not exist)",
                    project.name,
                    dir.root().display()
                ),
                "run `omsctl precheck` or `omsctl run` first",
            ));
        }
        return stage::status::show(&project, &dir, &out);
    }
    let _locks = take_locks(&cli.command, &dir)?;
    let mut ctx = Ctx::new(project, dir, out.clone(), cli.yes, cancel);
    let result = dispatch(&cli, &mut ctx).await;
    ctx.close().await;
    result
}

/// The locks a command needs: replays have their own, so that verify and status can run
/// beside a following incr; whatever replays (run, switchover, reset incr) takes those too.
fn take_locks(cmd: &Command, dir: &StateDir) -> Result<Vec<crate::state::DirLock>> {
    use crate::state::Activity;
    let stage = |s: &StageId| match s {
        StageId::Incr => vec![Activity::Main, Activity::Incr],
        StageId::Reverse => vec![Activity::Main, Activity::Reverse],
        _ => vec![Activity::Main],
    };
    let activities = match cmd {
        Command::Incr { .. } => vec![Activity::Incr],
        Command::Reverse { .. } => vec![Activity::Reverse],
        Command::Run => vec![Activity::Main, Activity::Incr],
        Command::Release => vec![Activity::Incr],
        Command::Switchover { .. } => vec![Activity::Main, Activity::Incr, Activity::Reverse],
        Command::Retry { stage: s } | Command::Skip { stage: s } | Command::Reset { stage: s } => match s {
            StageId::Incr | StageId::Reverse => stage(s).into_iter().skip(1).collect(),
            _ => stage(s),
        },
        _ => vec![Activity::Main],
    };
    activities.into_iter().map(|a| dir.lock_activity(a)).collect()
}

async fn dispatch(cli: &Cli, ctx: &mut Ctx) -> Result<()> {
    let single = |id: StageId, opts: StageOpts| (id, opts);
    let (id, opts) = match &cli.command {
        Command::Precheck => single(StageId::Precheck, StageOpts::default()),
        Command::Schema { dry_run, skip_object } => single(
            StageId::Schema,
            StageOpts {
                dry_run: *dry_run,
                skip_objects: skip_object.clone(),
                ..Default::default()
            },
        ),
        Command::Full => single(StageId::Full, StageOpts::default()),
        Command::Switchover { skip_step, retry_step } => single(
            StageId::Switchover,
            StageOpts {
                skip_steps: skip_step.clone(),
                retry_step: retry_step.clone(),
                ..Default::default()
            },
        ),
        Command::Reverse { once } => single(
            StageId::Reverse,
            StageOpts {
                once: *once,
                ..Default::default()
            },
        ),
        Command::Incr { once, until, skip_ddl } => single(
            StageId::Incr,
            StageOpts {
                once: *once,
                until: match until {
                    Some(super::Until::Position(p)) => Some(p.clone()),
                    _ => None,
                },
                until_time: match until {
                    Some(super::Until::Time(t)) => Some(*t),
                    _ => None,
                },
                skip_ddl: *skip_ddl,
                ..Default::default()
            },
        ),
        Command::Verify {
            repair,
            only_inconsistent,
        } => single(
            StageId::Verify,
            StageOpts {
                repair: *repair,
                only_inconsistent: *only_inconsistent,
                ..Default::default()
            },
        ),
        Command::Retry { stage } => {
            let stages = Stages::load(&ctx.dir)?;
            let st = stages.get(*stage);
            if !matches!(st, StageState::Failed | StageState::Paused) {
                return Err(usage(
                    format!("stage {stage} is {}, not failed or paused", st.as_str()),
                    format!("`omsctl {stage}` runs it; `omsctl reset {stage}` starts it over"),
                ));
            }
            single(*stage, StageOpts::default())
        }
        Command::Run => {
            let result = stage::run_all(ctx).await;
            let stages = Stages::load(&ctx.dir)?;
            ctx.out.json(&json!({
                "type": "result", "command": "run", "project": ctx.project.name,
                "stages": stages.records().iter().map(|r| json!({"name": r.name, "state": r.state, "error": r.error})).collect::<Vec<_>>(),
                "ok": result.is_ok(),
            }))?;
            if result.is_ok() {
                ctx.out.say("run: every stage completed")?;
            }
            return result.map(|_| ());
        }
        Command::Skip { stage } => {
            let mut stages = Stages::load(&ctx.dir)?;
            if stages.get(*stage) == StageState::Completed {
                return Err(usage(
                    format!("stage {stage} has completed; skipping it would change nothing"),
                    format!("`omsctl reset {stage}` first if you mean to discard it"),
                ));
            }
            stages.set(&ctx.dir, *stage, StageState::Skipped, None)?;
            ctx.out
                .json(&json!({"type": "result", "command": "skip", "stage": stage, "state": "skipped"}))?;
            return ctx.out.say(&format!("{stage}: skipped"));
        }
        Command::Reset { stage } => return reset(ctx, *stage).await,
        Command::Release => return release(ctx).await,
        Command::Init { .. } | Command::Status | Command::Completions { .. } | Command::Man => return Ok(()),
    };
    let result = stage::run_stage(ctx, id, &opts).await;
    report(ctx, id, &result)?;
    match result {
        Ok(StageOutcome {
            negative: Some(why), ..
        }) => Err(classified(
            Kind::Negative,
            format!("{id}: {why}"),
            match id {
                StageId::Verify => "review verify/diff.jsonl; `omsctl verify --repair` applies the repair SQL",
                _ => "fix the items above and run it again",
            },
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    }
}

fn report(ctx: &Ctx, id: StageId, result: &Result<StageOutcome>) -> Result<()> {
    if let Ok(o) = result {
        let state = if o.negative.is_some() { "failed" } else { "completed" };
        ctx.out.json(&json!({
            "type": "result", "stage": id, "state": state, "project": ctx.project.name, "summary": o.summary,
        }))?;
    }
    Ok(())
}

/// `omsctl release`: the source stops keeping a change log for this project.
async fn release(ctx: &mut Ctx) -> Result<()> {
    if !ctx.out.confirm(
        "release: this drops the replication slots and publications this project keeps (source, and target for reverse sync); incr and reverse cannot resume from their checkpoints afterwards. Continue?",
        ctx.yes,
    )? {
        return Err(classified(Kind::Negative, "release cancelled", ""));
    }
    ctx.source().await?.release_capture(&ctx.project.name).await?;
    // The reverse direction's capture, made at switchover, lives on the target.
    ctx.target()
        .await?
        .release_capture(&format!("{}:reverse", ctx.project.name))
        .await?;
    ctx.out
        .json(&json!({"type": "result", "command": "release", "released": true}))?;
    ctx.out
        .say("release: the source no longer keeps changes for this project")
}

async fn reset(ctx: &mut Ctx, id: StageId) -> Result<()> {
    let what = match id {
        StageId::Precheck => "the precheck report",
        StageId::Schema => {
            "the schema plan, the generated (and any edited) DDL files and the object statuses; tables already created on the target stay"
        }
        StageId::Full => {
            "the chunk plan and the target's progress fences; rows already copied stay on the target, so empty the tables or use on_nonempty_target = \"ignore\" before copying again"
        }
        StageId::Incr => {
            "the incremental checkpoint on the target, the source's replication slot (PostgreSQL) and the local lag and counts; the next incr starts from the full copy's consistent point or [incr] start_at"
        }
        StageId::Verify => "the verify report, diff and repair SQL",
        StageId::Switchover => "the switchover steps' states (nothing on the servers is undone)",
        StageId::Reverse => {
            "the reverse checkpoint on the source and the local reverse state; reverse starts again at the position switchover recorded"
        }
    };
    if !ctx
        .out
        .confirm(&format!("reset {id}: this discards {what}. Continue?"), ctx.yes)?
    {
        return Err(classified(Kind::Negative, "reset cancelled", ""));
    }
    let d = ctx.dir.clone();
    let remove = |p: PathBuf| -> Result<()> {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display())),
            Ok(_) => std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display())),
            Err(_) => Ok(()),
        }
    };
    match id {
        StageId::Precheck => remove(d.precheck())?,
        StageId::Schema => remove(d.schema_dir())?,
        StageId::Full => {
            let target = ctx.target().await?;
            target.clear_fences(&ctx.project.name).await?;
            remove(d.full())?;
            remove(d.full_conflicts())?;
        }
        StageId::Incr => {
            let target = ctx.target().await?;
            target.clear_incr_checkpoint(&ctx.project.name).await?;
            ctx.source().await?.release_capture(&ctx.project.name).await?;
            remove(d.incr())?;
            remove(d.incr_conflicts())?;
        }
        StageId::Verify => {
            remove(d.verify())?;
            remove(d.verify_dir())?;
        }
        StageId::Switchover => remove(d.switchover())?,
        StageId::Reverse => {
            let source = ctx.source().await?;
            source
                .clear_incr_checkpoint(&format!("{}:reverse", ctx.project.name))
                .await?;
            ctx.target()
                .await?
                .release_capture(&format!("{}:reverse", ctx.project.name))
                .await?;
            remove(d.reverse())?;
            remove(d.reverse_conflicts())?;
        }
    }
    let mut stages = Stages::load(&d)?;
    stages.set(&d, id, StageState::NotStarted, None)?;
    ctx.out
        .json(&json!({"type": "result", "command": "reset", "stage": id, "state": "not_started"}))?;
    ctx.out.say(&format!("{id}: reset"))
}

fn init(path: &std::path::Path, force: bool, out: &Out) -> Result<()> {
    if path.exists() && !force {
        return Err(usage(
            format!("{} already exists", path.display()),
            "pass --force to overwrite it, or -c OTHER.toml to write another file",
        ));
    }
    crate::state::write_atomic(path, config::template::TEMPLATE.as_bytes())?;
    out.json(&json!({"type": "result", "command": "init", "file": path.display().to_string()}))?;
    out.say(&format!(
        "wrote {}: edit [source], [target] and [[objects]], then run `omsctl precheck`",
        path.display()
    ))
}
