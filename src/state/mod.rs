//! The local checkpoint directory (`.omsctl/<project>/`): every path in one place, an exclusive
//! lock against concurrent runs, and durable atomic writes (temp file, fsync, rename, fsync dir).

mod dir;
mod stages;

pub use dir::{Activity, DirLock, StateDir, write_atomic};
pub use stages::{StageId, StageRecord, StageState, Stages, now_ms as stages_now_ms};
