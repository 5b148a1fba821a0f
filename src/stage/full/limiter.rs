//! Rate limits for `full` (OMS "RPS limit"): rows and bytes per second across all workers.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub struct Limiter {
    rows_per_sec: u64,
    bytes_per_sec: u64,
    state: Mutex<(Instant, u64, u64)>,
}

impl Limiter {
    /// 0 means unlimited.
    pub fn new(rows_per_sec: u64, bytes_per_sec: u64) -> Self {
        Limiter {
            rows_per_sec,
            bytes_per_sec,
            state: Mutex::new((Instant::now(), 0, 0)),
        }
    }

    /// Waits until moving `rows` more rows and `bytes` more bytes keeps within the limits.
    pub async fn acquire(&self, rows: u64, bytes: u64) {
        if self.rows_per_sec == 0 && self.bytes_per_sec == 0 {
            return;
        }
        let mut s = self.state.lock().await;
        s.1 += rows;
        s.2 += bytes;
        let mut due = Duration::ZERO;
        if self.rows_per_sec > 0 {
            due = due.max(Duration::from_secs_f64(s.1 as f64 / self.rows_per_sec as f64));
        }
        if self.bytes_per_sec > 0 {
            due = due.max(Duration::from_secs_f64(s.2 as f64 / self.bytes_per_sec as f64));
        }
        let at = s.0 + due;
        // Holding the lock while sleeping serializes waiters, which is what a shared limit wants.
        tokio::time::sleep_until(at.into()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rows_per_second_is_enforced() {
        let l = Limiter::new(1000, 0);
        let t = Instant::now();
        for _ in 0..5 {
            l.acquire(100, 0).await;
        }
        // 500 rows at 1000 rows/s: at least 0.5 s.
        assert!(t.elapsed() >= Duration::from_millis(480), "{:?}", t.elapsed());
    }

    #[tokio::test]
    async fn zero_means_unlimited() {
        let l = Limiter::new(0, 0);
        let t = Instant::now();
        l.acquire(1_000_000, 1 << 30).await;
        assert!(t.elapsed() < Duration::from_millis(50));
    }
}
