//! Load generator for the incremental-sync benchmark (`scripts/bench-incr.sh`): writes single-row
//! autocommit transactions (one row change each) into `DB.bench_incr` on a MySQL-family server,
//! either at a steady rate or as fast as possible until a total, and prints one JSON line:
//! `{"changes": n, "seconds": s, "rate": r, ...}`.
//!
//!   cargo build --release --example loadgen
//!   target/release/examples/loadgen --database bench_incr_src --rate 1000 --seconds 30
//!   target/release/examples/loadgen --database bench_incr_src --total 200000
//!
//! Mix: ~40% inserts (new ids above the current maximum), ~40% updates and ~20% deletes of
//! rows that exist (ids read at start or inserted by this run). Every operation on one id goes
//! through the same connection, so operations on a row are applied in the order they were
//! generated and each one changes exactly one row; `changes` counts statements whose affected
//! row count was 1 (anything else is reported as `no_effect`).
//!
//! Pacing (`--rate`): every 10 ms tick issues the operations due since the start
//! (`rate x elapsed`), so the offered rate is steady; if the server cannot keep up, the
//! per-connection queues fill, the generator waits, and the achieved rate printed is lower.
//!
//! Bounded: `--seconds` at most 3600, `--total` at most 10,000,000 and `--max-seconds`
//! (default 600) stops a `--total` run that takes too long. Only loopback hosts are accepted.

use anyhow::{Context, Result, bail};
use clap::Parser;
use mysql_async::prelude::*;
use mysql_async::{Conn, OptsBuilder, Params, Value};
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const MAX_SECONDS: u64 = 3600;
const MAX_TOTAL: u64 = 10_000_000;
const TICK: Duration = Duration::from_millis(10);
/// Operations queued per connection: enough to keep it busy, small enough that a `--rate` run
/// ends on time when the server falls behind.
const QUEUE: usize = 128;

#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Steady single-row change load on DB.bench_incr (loopback only)"
)]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 3306)]
    port: u16,
    #[arg(long, default_value = "root")]
    user: String,
    /// Password, read from this environment variable (default: empty password).
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    #[arg(long)]
    database: String,
    /// Row changes per second, paced per 10 ms tick (needs --seconds).
    #[arg(long, conflicts_with = "total", requires = "seconds")]
    rate: Option<u64>,
    /// Duration of a --rate run.
    #[arg(long)]
    seconds: Option<f64>,
    /// As fast as possible until this many row changes.
    #[arg(long)]
    total: Option<u64>,
    /// Hard time limit of a --total run.
    #[arg(long, default_value_t = 600.0)]
    max_seconds: f64,
    #[arg(long, default_value_t = 4)]
    connections: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// splitmix64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Insert(u64),
    Update(u64),
    Delete(u64),
}

impl Op {
    fn id(self) -> u64 {
        match self {
            Op::Insert(id) | Op::Update(id) | Op::Delete(id) => id,
        }
    }
}

/// Chooses operations and keeps the set of live ids (so updates and deletes hit real rows).
struct Generator {
    rng: Rng,
    live: Vec<u64>,
    next_id: u64,
}

impl Generator {
    fn next(&mut self) -> Op {
        let roll = self.rng.below(100);
        if roll < 40 || self.live.is_empty() {
            let id = self.next_id;
            self.next_id += 1;
            self.live.push(id);
            Op::Insert(id)
        } else if roll < 80 {
            let i = self.rng.below(self.live.len() as u64) as usize;
            Op::Update(self.live[i])
        } else {
            let i = self.rng.below(self.live.len() as u64) as usize;
            Op::Delete(self.live.swap_remove(i))
        }
    }
}

#[derive(Default)]
struct Counters {
    inserts: AtomicU64,
    updates: AtomicU64,
    deletes: AtomicU64,
    no_effect: AtomicU64,
}

fn check_loopback(host: &str) -> Result<()> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(());
    }
    let ip: IpAddr = host
        .trim_matches(|c| c == '[' || c == ']')
        .parse()
        .with_context(|| format!("--host {host}: give a loopback IP address (127.0.0.1, ::1) or localhost"))?;
    if !ip.is_loopback() {
        bail!("--host {host} is not a loopback address: this load generator only writes to local servers");
    }
    Ok(())
}

async fn connect(args: &Args, password: &Option<String>) -> Result<Conn> {
    let opts = OptsBuilder::default()
        .ip_or_hostname(args.host.clone())
        .tcp_port(args.port)
        .user(Some(args.user.clone()))
        .pass(password.clone())
        .db_name(Some(args.database.clone()))
        .prefer_socket(false);
    Conn::new(opts)
        .await
        .with_context(|| format!("connecting to {}:{} as {}", args.host, args.port, args.user))
}

fn value_text(rng: &mut Rng) -> String {
    const WORDS: [&str; 8] = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
    let n = 1 + rng.below(4) as usize;
    let mut s = String::new();
    for _ in 0..n {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    s.push_str(&format!(" #{}", rng.below(1_000_000)));
    s
}

/// One connection: executes its operations in order, one autocommit statement each.
async fn worker(mut conn: Conn, mut rx: mpsc::Receiver<(Op, u64)>, counters: Arc<Counters>) -> Result<()> {
    const INSERT: &str = "INSERT INTO bench_incr (id, k, v, amount, updated) VALUES (?, ?, ?, ?, NOW(6))";
    const UPDATE: &str = "UPDATE bench_incr SET k = ?, v = ?, amount = ?, updated = NOW(6) WHERE id = ?";
    const DELETE: &str = "DELETE FROM bench_incr WHERE id = ?";
    while let Some((op, seed)) = rx.recv().await {
        let mut rng = Rng(seed);
        let k = Value::from(rng.below(100_000) as i64);
        let v = Value::from(value_text(&mut rng));
        let amount = Value::from(format!("{}.{:02}", rng.below(1_000_000), rng.below(100)));
        let (sql, params, counter) = match op {
            Op::Insert(id) => (INSERT, vec![Value::from(id), k, v, amount], &counters.inserts),
            Op::Update(id) => (UPDATE, vec![k, v, amount, Value::from(id)], &counters.updates),
            Op::Delete(id) => (DELETE, vec![Value::from(id)], &counters.deletes),
        };
        conn.exec_drop(sql, Params::Positional(params))
            .await
            .with_context(|| format!("{op:?}"))?;
        if conn.affected_rows() == 1 {
            counter.fetch_add(1, Ordering::Relaxed);
        } else {
            counters.no_effect.fetch_add(1, Ordering::Relaxed);
        }
    }
    conn.disconnect().await?;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    check_loopback(&args.host)?;
    let (limit_ops, limit_time) = match (args.rate, args.seconds, args.total) {
        (Some(rate), Some(secs), None) => {
            if rate == 0 || !(secs > 0.0 && secs <= MAX_SECONDS as f64) {
                bail!("--rate must be > 0 and --seconds in (0, {MAX_SECONDS}]");
            }
            ((rate as f64 * secs).round() as u64, secs)
        }
        (None, _, Some(total)) => {
            if total == 0 || total > MAX_TOTAL {
                bail!("--total must be in 1..={MAX_TOTAL}");
            }
            let secs = args.seconds.unwrap_or(args.max_seconds);
            if !(secs > 0.0 && secs <= MAX_SECONDS as f64) {
                bail!("--max-seconds/--seconds must be in (0, {MAX_SECONDS}]");
            }
            (total, secs)
        }
        _ => bail!("give --rate N --seconds S, or --total N"),
    };
    if limit_ops > MAX_TOTAL {
        bail!("rate x seconds is {limit_ops} changes, more than {MAX_TOTAL}");
    }
    if !(1..=64).contains(&args.connections) {
        bail!("--connections must be in 1..=64");
    }
    let password = match &args.password_env {
        Some(var) => Some(std::env::var(var).with_context(|| format!("environment variable {var} is not set"))?),
        None => None,
    };

    let mut setup = connect(&args, &password).await?;
    setup
        .query_drop(
            "CREATE TABLE IF NOT EXISTS bench_incr (id BIGINT PRIMARY KEY, k INT, v VARCHAR(64), \
             amount DECIMAL(12,2), updated DATETIME(6), KEY (k))",
        )
        .await?;
    let live: Vec<u64> = setup.query("SELECT id FROM bench_incr").await?;
    if live.len() as u64 > MAX_TOTAL {
        bail!(
            "bench_incr holds {} rows; this generator keeps their ids in memory (at most {MAX_TOTAL})",
            live.len()
        );
    }
    let next_id = live.iter().copied().max().unwrap_or(0) + 1;
    setup.disconnect().await?;
    let mut generator = Generator {
        rng: Rng(args.seed),
        live,
        next_id,
    };

    let counters = Arc::new(Counters::default());
    let mut senders = Vec::new();
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let conn = connect(&args, &password).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        senders.push(tx);
        workers.push(tokio::spawn(worker(conn, rx, counters.clone())));
    }

    let started = Instant::now();
    // A --rate run issues its last operations on the tick at `seconds`; the slack lets it.
    let slack = if args.rate.is_some() { 2 * TICK } else { Duration::ZERO };
    let deadline = started + Duration::from_secs_f64(limit_time) + slack;
    let mut issued: u64 = 0;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut timed_out = false;
    'outer: while issued < limit_ops {
        if args.rate.is_some() {
            ticker.tick().await;
        }
        let now = Instant::now();
        if now >= deadline {
            timed_out = args.total.is_some();
            break;
        }
        let due = match args.rate {
            Some(rate) => ((rate as f64 * now.duration_since(started).as_secs_f64()) as u64).min(limit_ops),
            // As fast as possible: the queues' back-pressure paces the generator.
            None => (issued + 1000).min(limit_ops),
        };
        while issued < due {
            if issued.is_multiple_of(64) && Instant::now() >= deadline {
                timed_out = args.total.is_some();
                break 'outer;
            }
            let op = generator.next();
            let seed = generator.rng.next();
            let shard = (op.id() % senders.len() as u64) as usize;
            // Blocks when that connection is behind: the achieved rate then drops below offered.
            if senders[shard].send((op, seed)).await.is_err() {
                break 'outer;
            }
            issued += 1;
        }
    }
    drop(senders);
    for w in workers {
        w.await.context("worker panicked")??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (i, u, d) = (
        counters.inserts.load(Ordering::Relaxed),
        counters.updates.load(Ordering::Relaxed),
        counters.deletes.load(Ordering::Relaxed),
    );
    let changes = i + u + d;
    println!(
        "{}",
        json!({
            "changes": changes,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "rate": (changes as f64 / seconds * 10.0).round() / 10.0,
            "offered_rate": args.rate,
            "inserts": i, "updates": u, "deletes": d,
            "no_effect": counters.no_effect.load(Ordering::Relaxed),
            "connections": args.connections,
            "issued": issued,
            "timed_out": timed_out,
        })
    );
    Ok(())
}
