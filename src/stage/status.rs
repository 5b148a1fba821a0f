//! status: every stage (state, start, end, duration, error) and per-table progress, read from
//! the state directory only (no connection, so it is instant and works when servers are down).

use super::full::FullState;
use super::schema::{ObjectStatus, SchemaPlan};
use super::verify::VerifyState;
use crate::config::Project;
use crate::output::{Out, human_bytes, human_duration, human_time, new_table};
use crate::state::{StageState, Stages, StateDir, stages_now_ms};
use anyhow::Result;
use serde_json::json;

pub fn show(project: &Project, dir: &StateDir, out: &Out) -> Result<()> {
    let stages = Stages::load(dir)?;
    let full: Option<FullState> = dir.read_json(&dir.full())?;
    let verify: Option<VerifyState> = dir.read_json(&dir.verify())?;
    let schema: Option<SchemaPlan> = dir.read_json(&dir.schema_plan())?;
    let incr: Option<super::incr::IncrState> = dir.read_json(&dir.incr())?;
    let reverse: Option<super::incr::IncrState> = dir.read_json(&dir.reverse())?;
    let switchover: Option<super::switchover::SwitchoverState> = dir.read_json(&dir.switchover())?;
    let planned = super::shown(project);
    let now = stages_now_ms();

    let stage_rows: Vec<serde_json::Value> = stages
        .records()
        .iter()
        .filter(|r| planned.contains(&r.name))
        .map(|r| {
            let duration = r.started_at.map(|s| r.ended_at.unwrap_or(now).saturating_sub(s));
            json!({
                "name": r.name, "state": r.state, "started_at": r.started_at, "ended_at": r.ended_at,
                "duration_ms": duration, "attempts": r.attempts, "error": r.error,
            })
        })
        .collect();
    let tables: Vec<serde_json::Value> = full
        .as_ref()
        .map(|f| {
            f.tables()
                .iter()
                .map(|t| {
                    let v = verify
                        .as_ref()
                        .and_then(|v| v.tables().iter().find(|x| x.source == t.source).cloned());
                    json!({
                        "source": t.source.key(), "target": t.target.key(),
                        "chunks_total": t.chunks(), "chunks_done": t.done.len(),
                        "rows_copied": t.rows_copied, "bytes_copied": t.bytes_copied,
                        "rows_estimate": t.rows_estimate, "conflicts": t.conflicts,
                        "done": t.is_done(), "started_at": t.started_at, "finished_at": t.finished_at,
                        "verify": v.map(|v| json!({"equal": v.equal, "missing": v.missing, "extra": v.extra,
                                                   "different": v.different, "rows_source": v.rows_source,
                                                   "rows_target": v.rows_target})),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let schema_summary = schema.as_ref().map(|p| {
        let count = |s: ObjectStatus| p.objects().iter().filter(|o| o.status == s).count();
        json!({
            "objects": p.objects().len(), "done": count(ObjectStatus::Done) + count(ObjectStatus::Kept),
            "pending": count(ObjectStatus::Pending) + count(ObjectStatus::Applying), "failed": count(ObjectStatus::Failed),
            "skipped": count(ObjectStatus::Skipped),
            "failed_objects": p.objects().iter().filter(|o| o.status == ObjectStatus::Failed)
                .map(|o| json!({"key": o.object.key, "error": o.error})).collect::<Vec<_>>(),
        })
    });
    if out.json {
        return out.json(&json!({
            "project": project.name, "state_dir": dir.root().display().to_string(),
            "running": !dir.is_idle()
                || !dir.is_idle_for(crate::state::Activity::Incr)
                || !dir.is_idle_for(crate::state::Activity::Reverse),
            "stages": stage_rows, "tables": tables, "schema": schema_summary,
            "switchover": switchover.as_ref().map(|s| json!(s)),
            "reverse": reverse.as_ref().map(|i| json!({
                "position": i.position.as_ref().map(ToString::to_string),
                "lag_ms": i.lag_ms, "lag_updated_ms": i.lag_updated_ms,
                "transactions": i.transactions, "conflicts": i.conflicts, "tables": i.tables,
            })),
            "incr": incr.as_ref().map(|i| json!({
                "position": i.position.as_ref().map(ToString::to_string),
                "lag_ms": i.lag_ms, "lag_updated_ms": i.lag_updated_ms,
                "lag_age_ms": i.lag_updated_ms.map(|u| now.saturating_sub(u)),
                "transactions": i.transactions, "ddl": i.ddl, "conflicts": i.conflicts, "tables": i.tables,
            })),
        }));
    }
    out.say(&format!("project {}  (state: {})", project.name, dir.root().display()))?;
    let mut t = new_table(&["stage", "state", "started", "ended", "duration", "error"]);
    for r in stages.records().iter().filter(|r| planned.contains(&r.name)) {
        let duration = r
            .started_at
            .map(|s| human_duration(r.ended_at.unwrap_or(now).saturating_sub(s)))
            .unwrap_or_else(|| "-".into());
        let mut err = r.error.clone().unwrap_or_default();
        if err.chars().count() > 160 {
            err = err.chars().take(157).collect::<String>() + "...";
        }
        let state = if r.state == StageState::Running && dir.is_idle() {
            "paused"
        } else {
            r.state.as_str()
        };
        t.add_row(vec![
            r.name.to_string(),
            state.to_string(),
            human_time(r.started_at),
            human_time(r.ended_at),
            duration,
            err,
        ]);
    }
    out.table(&t)?;
    if let Some(s) = &schema_summary {
        out.say(&format!(
            "schema objects: {} total, {} done, {} pending, {} failed, {} skipped",
            s["objects"], s["done"], s["pending"], s["failed"], s["skipped"]
        ))?;
    }
    if let Some(sw) = &switchover {
        out.say("switchover steps:")?;
        let mut t = new_table(&["step", "state", "started", "ended", "detail / error"]);
        for st in &sw.steps {
            t.add_row(vec![
                st.name.clone(),
                st.state.as_str().to_string(),
                human_time(st.started_at),
                human_time(st.ended_at),
                st.error.clone().or_else(|| st.detail.clone()).unwrap_or_default(),
            ]);
        }
        out.table(&t)?;
    }
    for (label, state) in [("incr", &incr), ("reverse", &reverse)] {
        let Some(i) = state else { continue };
        let lag = match (i.lag_ms, i.lag_updated_ms) {
            (Some(l), Some(u)) => format!(
                "lag {:.1} s (updated {} ago)",
                l as f64 / 1000.0,
                human_duration(now.saturating_sub(u))
            ),
            _ => "lag unknown".into(),
        };
        out.say(&format!(
            "{label}: at {}, {lag}; {} transactions, {} DDL, {} conflicts",
            i.position
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "-".into()),
            i.transactions,
            i.ddl,
            i.conflicts
        ))?;
        if !i.tables.is_empty() {
            let mut t = new_table(&["table", "inserts", "updates", "deletes"]);
            for (name, c) in &i.tables {
                t.add_row(vec![
                    name.clone(),
                    c.insert.to_string(),
                    c.update.to_string(),
                    c.delete.to_string(),
                ]);
            }
            out.table(&t)?;
        }
    }
    if let Some(f) = &full {
        let mut t = new_table(&["table", "target", "chunks", "rows copied", "size", "verify"]);
        for tp in f.tables() {
            let v = verify
                .as_ref()
                .and_then(|v| v.tables().iter().find(|x| x.source == tp.source))
                .map(|v| {
                    if v.equal {
                        "equal".to_string()
                    } else {
                        format!("{} missing, {} extra, {} different", v.missing, v.extra, v.different)
                    }
                })
                .unwrap_or_else(|| "-".into());
            t.add_row(vec![
                tp.source.to_string(),
                tp.target.to_string(),
                format!("{}/{}", tp.done.len(), tp.chunks()),
                format!("{} / ~{}", tp.rows_copied, tp.rows_estimate.max(tp.rows_copied)),
                human_bytes(tp.bytes_copied),
                v,
            ]);
        }
        out.table(&t)?;
    }
    Ok(())
}
