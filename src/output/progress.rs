//! Progress of a copy: indicatif bars (overall and per table) when stderr is a terminal,
//! otherwise a plain log line every few seconds.

use super::{Out, Verbosity, human_bytes};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Progress {
    bars: Option<(MultiProgress, ProgressBar)>,
    tables: Mutex<HashMap<String, ProgressBar>>,
    state: Mutex<Totals>,
    label: &'static str,
}

struct Totals {
    run_rows: u64,
    rows: u64,
    bytes: u64,
    total_rows: u64,
    started: Instant,
    last_log: Instant,
}

const LOG_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    pub fn new(out: &Out, label: &'static str, total_rows: u64, done_rows: u64) -> Self {
        let bars = (out.stderr_tty && !out.json && out.verbosity >= Verbosity::Normal).then(|| {
            let mp = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = mp.add(ProgressBar::new(total_rows.max(1)));
            overall.set_style(
                ProgressStyle::with_template("{prefix:>12} [{bar:30}] {human_pos}/{human_len} rows  {msg}  ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            overall.set_prefix(label);
            overall.set_position(done_rows);
            (mp, overall)
        });
        let now = Instant::now();
        Progress {
            bars,
            tables: Mutex::new(HashMap::new()),
            state: Mutex::new(Totals {
                run_rows: 0,
                rows: done_rows,
                bytes: 0,
                total_rows,
                started: now,
                last_log: now,
            }),
            label,
        }
    }

    pub fn table_started(&self, name: &str, total_rows: u64) {
        let Some((mp, _)) = &self.bars else { return };
        let Ok(mut tables) = self.tables.lock() else { return };
        tables.entry(name.to_string()).or_insert_with(|| {
            let b = mp.add(ProgressBar::new(total_rows.max(1)));
            b.set_style(
                ProgressStyle::with_template("{prefix:>12} [{bar:30}] {human_pos}/{human_len} rows  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_prefix(name.chars().take(40).collect::<String>());
            b
        });
    }

    pub fn advance(&self, table: &str, rows: u64, bytes: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        s.rows += rows;
        s.run_rows += rows;
        s.bytes += bytes;
        if let Some((_, overall)) = &self.bars {
            overall.inc(rows);
            let secs = s.started.elapsed().as_secs_f64().max(0.001);
            overall.set_message(format!(
                "{}  {:.0} rows/s  {}/s",
                human_bytes(s.bytes),
                s.run_rows as f64 / secs,
                human_bytes((s.bytes as f64 / secs) as u64)
            ));
            if let Ok(tables) = self.tables.lock()
                && let Some(b) = tables.get(table)
            {
                b.inc(rows);
            }
        } else if s.last_log.elapsed() >= LOG_EVERY {
            s.last_log = Instant::now();
            let secs = s.started.elapsed().as_secs_f64().max(0.001);
            let rate = s.run_rows as f64 / secs;
            let eta = if rate > 0.0 && s.total_rows > s.rows {
                format!("{:.0}s", (s.total_rows - s.rows) as f64 / rate)
            } else {
                "-".into()
            };
            tracing::info!(
                "{}: {} / ~{} rows, {}, {:.0} rows/s, ETA {}",
                self.label,
                s.rows,
                s.total_rows,
                human_bytes(s.bytes),
                rate,
                eta
            );
        }
    }

    pub fn table_done(&self, table: &str) {
        if let Ok(mut tables) = self.tables.lock()
            && let Some(b) = tables.remove(table)
        {
            b.finish_and_clear();
        }
    }

    pub fn finish(&self) {
        if let Some((_, overall)) = &self.bars {
            overall.finish_and_clear();
        }
    }

    /// Rows and bytes moved by this run, and its elapsed time.
    pub fn totals(&self) -> (u64, u64, Duration) {
        match self.state.lock() {
            Ok(s) => (s.run_rows, s.bytes, s.started.elapsed()),
            Err(_) => (0, 0, Duration::ZERO),
        }
    }
}
