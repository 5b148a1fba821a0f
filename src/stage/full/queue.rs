//! The chunks waiting to be copied: filled while tables are still being planned, drained by
//! the workers, so that copying starts with the first planned table instead of after the
//! last one.

use crate::model::range::KeyRange;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// One chunk of one table (an index into the stage's table specs).
pub struct Job {
    pub table: usize,
    pub chunk: u32,
    pub range: KeyRange,
}

pub struct JobQueue {
    jobs: Mutex<VecDeque<Job>>,
    /// More jobs may still be pushed (tables are being planned).
    open: AtomicBool,
    /// A worker failed: pending jobs were dropped and new ones are refused.
    stopped: AtomicBool,
    changed: Notify,
}

impl JobQueue {
    /// A queue holding `jobs`; `open` while more may be pushed.
    pub fn new(jobs: VecDeque<Job>, open: bool) -> Self {
        JobQueue {
            jobs: Mutex::new(jobs),
            open: AtomicBool::new(open),
            stopped: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    /// Adds the chunks of a table planned meanwhile (nothing once stopped).
    pub fn push(&self, jobs: Vec<Job>) {
        if self.stopped.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut q) = self.jobs.lock() {
            q.extend(jobs);
        }
        self.changed.notify_waiters();
    }

    /// No more jobs will be pushed: workers end when the queue is empty.
    pub fn close(&self) {
        self.open.store(false, Ordering::Release);
        self.changed.notify_waiters();
    }

    /// Drops the pending jobs and refuses new ones, so that the other workers end after their
    /// current chunk.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        if let Ok(mut q) = self.jobs.lock() {
            q.clear();
        }
        self.close();
    }

    /// The next job, waiting while the queue is empty but open; `None` when done.
    pub async fn next(&self) -> Option<Job> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the checks below, so a push or close between them wakes us.
            notified.as_mut().enable();
            if self.stopped.load(Ordering::Acquire) {
                return None;
            }
            if let Some(job) = self.jobs.lock().ok()?.pop_front() {
                return Some(job);
            }
            if !self.open.load(Ordering::Acquire) {
                return None;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn job(chunk: u32) -> Job {
        Job {
            table: 0,
            chunk,
            range: KeyRange {
                lower: None,
                upper: None,
            },
        }
    }

    #[tokio::test]
    async fn a_waiting_worker_gets_jobs_pushed_later_and_ends_when_the_queue_closes() {
        let q = Arc::new(JobQueue::new(VecDeque::from([job(0)]), true));
        let worker = {
            let q = q.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(j) = q.next().await {
                    got.push(j.chunk);
                }
                got
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.push(vec![job(1), job(2)]);
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.close();
        let got = tokio::time::timeout(Duration::from_secs(5), worker)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, vec![0, 1, 2]);
    }

    #[tokio::test]
    async fn a_stopped_queue_drops_its_jobs_and_refuses_new_ones() {
        let q = JobQueue::new(VecDeque::from([job(0), job(1)]), true);
        q.stop();
        q.push(vec![job(2)]);
        assert!(q.next().await.is_none());
    }
}
