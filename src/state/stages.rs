//! Stage states as in OMS: not_started, running, paused, failed, completed, skipped.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use super::StateDir;

/// The stages, in the order `run` executes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageId {
    Precheck,
    Schema,
    Full,
    Incr,
    Verify,
    Switchover,
    Reverse,
}

impl StageId {
    pub const ALL: [StageId; 5] = [
        StageId::Precheck,
        StageId::Schema,
        StageId::Full,
        StageId::Incr,
        StageId::Verify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StageId::Precheck => "precheck",
            StageId::Schema => "schema",
            StageId::Full => "full",
            StageId::Incr => "incr",
            StageId::Verify => "verify",
            StageId::Switchover => "switchover",
            StageId::Reverse => "reverse",
        }
    }
}

impl fmt::Display for StageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StageId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        StageId::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| {
            format!("unknown stage {s:?}; stages are precheck, schema, full, incr, verify, switchover, reverse")
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    #[default]
    NotStarted,
    Running,
    Paused,
    Failed,
    Completed,
    Skipped,
}

impl StageState {
    pub fn as_str(self) -> &'static str {
        match self {
            StageState::NotStarted => "not_started",
            StageState::Running => "running",
            StageState::Paused => "paused",
            StageState::Failed => "failed",
            StageState::Completed => "completed",
            StageState::Skipped => "skipped",
        }
    }

    /// Completed or skipped: later stages may run.
    pub fn is_done(self) -> bool {
        matches!(self, StageState::Completed | StageState::Skipped)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageRecord {
    pub name: StageId,
    pub state: StageState,
    /// Unix milliseconds.
    pub started_at: Option<u64>,
    pub ended_at: Option<u64>,
    pub error: Option<String>,
    pub attempts: u32,
}

/// `stages.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "version")]
pub enum Stages {
    #[serde(rename = "1")]
    V1 { stages: Vec<StageRecord> },
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Default for Stages {
    fn default() -> Self {
        Stages::V1 {
            stages: StageId::ALL
                .into_iter()
                .map(|name| StageRecord {
                    name,
                    state: StageState::NotStarted,
                    started_at: None,
                    ended_at: None,
                    error: None,
                    attempts: 0,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Event<'a> {
    at_ms: u64,
    stage: StageId,
    state: StageState,
    error: Option<&'a str>,
}

impl Stages {
    /// Loads `stages.json`; a run that died while `running` (no process holds the lock) reads
    /// as `paused`, so that status tells the truth and the next run resumes it.
    pub fn load(dir: &StateDir) -> Result<Stages> {
        let mut s: Stages = dir.read_json(&dir.stages())?.unwrap_or_default();
        if dir.is_idle() {
            for r in s.records_mut() {
                if r.state == StageState::Running {
                    r.state = StageState::Paused;
                    r.error
                        .get_or_insert_with(|| "interrupted (the process stopped while running)".into());
                }
            }
        }
        Ok(s)
    }

    pub fn records(&self) -> &[StageRecord] {
        match self {
            Stages::V1 { stages } => stages,
        }
    }

    fn records_mut(&mut self) -> &mut Vec<StageRecord> {
        match self {
            Stages::V1 { stages } => stages,
        }
    }

    pub fn get(&self, id: StageId) -> StageState {
        self.records()
            .iter()
            .find(|r| r.name == id)
            .map(|r| r.state)
            .unwrap_or_default()
    }

    pub fn record(&self, id: StageId) -> Option<&StageRecord> {
        self.records().iter().find(|r| r.name == id)
    }

    /// Sets a stage's state, stamps times, persists atomically and journals the change. The
    /// file is re-read under `stages.lock` first, so a concurrent process's change to another
    /// stage is kept.
    pub fn set(&mut self, dir: &StateDir, id: StageId, state: StageState, error: Option<String>) -> Result<()> {
        dir.with_stages_lock(|| {
            if let Some(fresh) = dir.read_json::<Stages>(&dir.stages())? {
                let mine = self.record(id).cloned();
                *self = fresh;
                if let Some(mine) = mine
                    && let Some(r) = self.records_mut().iter_mut().find(|r| r.name == id)
                {
                    *r = mine;
                }
            }
            self.set_unlocked(dir, id, state, error)
        })
    }

    fn set_unlocked(&mut self, dir: &StateDir, id: StageId, state: StageState, error: Option<String>) -> Result<()> {
        let now = now_ms();
        let recs = self.records_mut();
        if !recs.iter().any(|r| r.name == id) {
            recs.push(StageRecord {
                name: id,
                state: StageState::NotStarted,
                started_at: None,
                ended_at: None,
                error: None,
                attempts: 0,
            });
        }
        for r in recs.iter_mut().filter(|r| r.name == id) {
            match state {
                StageState::Running => {
                    if r.state != StageState::Paused || r.started_at.is_none() {
                        r.started_at = Some(now);
                    }
                    r.ended_at = None;
                    r.attempts += 1;
                }
                StageState::NotStarted => {
                    r.started_at = None;
                    r.ended_at = None;
                    r.attempts = 0;
                }
                _ => r.ended_at = Some(now),
            }
            r.state = state;
            r.error = error.clone();
        }
        dir.write_json(&dir.stages(), self)?;
        dir.append_jsonl(
            &dir.events(),
            &Event {
                at_ms: now,
                stage: id,
                state,
                error: error.as_deref(),
            },
        )
    }
}
