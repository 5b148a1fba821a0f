//! Paths of the state directory and how files in it are written.

use crate::error::{Kind, classified};
use anyhow::{Context, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state directory of one project. Layout:
///
/// ```text
/// lock                 held (flock) by the running omsctl process
/// project.json         the project as last run, without secrets
/// stages.json          state, times and error of every stage
/// events.jsonl         append-only journal of stage transitions
/// precheck.json        the last precheck report
/// schema/plan.json     schema objects with per-object status
/// schema/ddl/*.sql     the DDL of each object, editable before `omsctl schema` applies it
/// schema/report.md     the conversion report (lossy and unsupported mappings)
/// full.json            chunk plan and progress per table (the target's fence table is authoritative)
/// full-conflicts.jsonl rows kept on a non-empty target (on_nonempty_target = "ignore")
/// incr.json            incremental sync: position, lag, per-table counts (the target's
///                      checkpoint table is authoritative)
/// incr-conflicts.jsonl rows the target disagreed with during incremental sync
/// switchover.json      every switchover step with its state and times (the report)
/// reverse.json         reverse sync, as incr.json
/// verify.json          per-table verification result and differing chunks
/// verify/diff.jsonl    every differing row, by key
/// verify/repair.sql    SQL that makes the target equal to the source
/// ```
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("lock")
    }
    pub fn project(&self) -> PathBuf {
        self.root.join("project.json")
    }
    pub fn stages(&self) -> PathBuf {
        self.root.join("stages.json")
    }
    pub fn events(&self) -> PathBuf {
        self.root.join("events.jsonl")
    }
    pub fn precheck(&self) -> PathBuf {
        self.root.join("precheck.json")
    }
    pub fn schema_dir(&self) -> PathBuf {
        self.root.join("schema")
    }
    pub fn schema_plan(&self) -> PathBuf {
        self.schema_dir().join("plan.json")
    }
    pub fn schema_ddl_dir(&self) -> PathBuf {
        self.schema_dir().join("ddl")
    }
    pub fn schema_report(&self) -> PathBuf {
        self.schema_dir().join("report.md")
    }
    pub fn full(&self) -> PathBuf {
        self.root.join("full.json")
    }
    pub fn full_conflicts(&self) -> PathBuf {
        self.root.join("full-conflicts.jsonl")
    }
    pub fn incr(&self) -> PathBuf {
        self.root.join("incr.json")
    }
    pub fn incr_conflicts(&self) -> PathBuf {
        self.root.join("incr-conflicts.jsonl")
    }
    pub fn reverse(&self) -> PathBuf {
        self.root.join("reverse.json")
    }
    pub fn reverse_conflicts(&self) -> PathBuf {
        self.root.join("reverse-conflicts.jsonl")
    }
    pub fn switchover(&self) -> PathBuf {
        self.root.join("switchover.json")
    }
    pub fn verify(&self) -> PathBuf {
        self.root.join("verify.json")
    }
    pub fn verify_dir(&self) -> PathBuf {
        self.root.join("verify")
    }
    pub fn verify_diff(&self) -> PathBuf {
        self.verify_dir().join("diff.jsonl")
    }
    pub fn verify_repair(&self) -> PathBuf {
        self.verify_dir().join("repair.sql")
    }

    /// Creates the directory (and parents) if needed.
    pub fn create(&self) -> Result<()> {
        fs::create_dir_all(&self.root).map_err(|e| {
            classified(
                Kind::Environment,
                format!("cannot create state directory {}: {e}", self.root.display()),
                "pass a writable directory with --state-dir",
            )
        })
    }

    /// The lock file of one activity: the main lock (`lock`) guards every stage but the
    /// long-running replays, which have their own (`lock-incr`, `lock-reverse`) so that verify
    /// and status work while a follower runs.
    pub fn lock_path(&self, activity: Activity) -> PathBuf {
        match activity {
            Activity::Main => self.lock_file(),
            Activity::Incr => self.root.join("lock-incr"),
            Activity::Reverse => self.root.join("lock-reverse"),
        }
    }

    /// Takes the exclusive main lock for the lifetime of the returned guard.
    pub fn lock(&self) -> Result<DirLock> {
        self.lock_activity(Activity::Main)
    }

    /// Takes one activity's exclusive lock for the lifetime of the returned guard.
    pub fn lock_activity(&self, activity: Activity) -> Result<DirLock> {
        self.create()?;
        let path = self.lock_path(activity);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match f.try_lock() {
            Ok(()) => Ok(DirLock { _file: f }),
            Err(fs::TryLockError::WouldBlock) => Err(classified(
                Kind::Environment,
                format!(
                    "another omsctl process is running on {}{}",
                    self.root.display(),
                    match activity {
                        Activity::Main => "",
                        Activity::Incr => " (incremental sync)",
                        Activity::Reverse => " (reverse sync)",
                    }
                ),
                "wait for it to finish, or stop it (Ctrl-C / SIGTERM); it keeps its progress",
            )),
            Err(fs::TryLockError::Error(e)) => {
                Err(anyhow::Error::new(e).context(format!("locking {}", path.display())))
            }
        }
    }

    /// True when no process holds the main lock (used by `status` to tell a crashed run).
    pub fn is_idle(&self) -> bool {
        self.is_idle_for(Activity::Main)
    }

    pub fn is_idle_for(&self, activity: Activity) -> bool {
        match File::open(self.lock_path(activity)) {
            Ok(f) => match f.try_lock_shared() {
                Ok(()) => {
                    let _ = f.unlock();
                    true
                }
                Err(_) => false,
            },
            Err(_) => true,
        }
    }

    /// Runs `f` while holding a short exclusive lock on `stages.lock`, so that processes
    /// updating different stages (verify beside a running incr) never lose each other's change.
    pub fn with_stages_lock<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.create()?;
        let path = self.root.join("stages.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.lock().with_context(|| format!("locking {}", path.display()))?;
        let r = f();
        let _ = file.unlock();
        r
    }

    /// Reads a JSON state file; `Ok(None)` when it does not exist.
    pub fn read_json<T: DeserializeOwned>(&self, path: &Path) -> Result<Option<T>> {
        match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                classified(
                    Kind::Environment,
                    format!("state file {} is unreadable: {e}", path.display()),
                    "it was not written by this omsctl version or was edited; `omsctl reset <stage>` starts that stage over",
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
        }
    }

    pub fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(value)?;
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }

    /// Appends one JSON line (journals, conflict logs) and fsyncs it.
    pub fn append_jsonl<T: Serialize>(&self, path: &Path, value: &T) -> Result<()> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut line = serde_json::to_vec(value)?;
        line.push(b'\n');
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        f.write_all(&line)?;
        f.sync_data()?;
        Ok(())
    }
}

/// What a lock protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Main,
    Incr,
    Reverse,
}

/// Held while a command works on the state directory.
pub struct DirLock {
    _file: File,
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new content: a temp
/// file in the same directory, fsync, rename over the target, fsync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_accepts_a_bare_file_name() {
        let d = tempfile::tempdir().unwrap();
        let old = std::env::current_dir().unwrap();
        std::env::set_current_dir(d.path()).unwrap();
        let r = write_atomic(Path::new("bare.toml"), b"x");
        std::env::set_current_dir(old).unwrap();
        r.unwrap();
        assert_eq!(fs::read(d.path().join("bare.toml")).unwrap(), b"x");
    }

    #[test]
    fn second_lock_is_refused_while_the_first_is_held() {
        let d = tempfile::tempdir().unwrap();
        let s = StateDir::new(d.path());
        let g = s.lock().unwrap();
        assert!(!s.is_idle());
        let e = s.lock().err().unwrap();
        assert_eq!(crate::error::kind_of(&e).0, Kind::Environment);
        drop(g);
        assert!(s.is_idle());
        s.lock().unwrap();
    }
}
