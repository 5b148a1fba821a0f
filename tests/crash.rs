//! kill -9 of the real binary at random moments of `full`, then a re-run: the target must be
//! an exact copy (no lost rows, no duplicates), and finished chunks are not copied again.

use crate::copy::{create_source, drop_dbs};
use crate::support::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_moments_of_full_then_rerun_gives_an_exact_copy() {
    let src = unique("crash_src");
    let dst = unique("crash_dst");
    let name = unique("crash");
    create_source(&src, 500_000).await;
    drop_dbs(mariadb_port(), &[&dst]).await;
    // A larger keyless table with duplicates: one unit, all or nothing.
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!("USE `{src}`;\nINSERT INTO `{src}`.nokey SELECT seq % 50, 'dup' FROM seq_1_to_20000"),
    )
    .await;
    let toml = mariadb_pair(
        &name,
        &src,
        &dst,
        "[full]\nchunk_rows = 2000\nconcurrency = 4\nbatch_rows = 500\n",
    );
    let p = Project::new(&toml);
    p.expect(&["schema"], 0);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let mut kills = 0;
    for _ in 0..6 {
        let mut child = p.cmd(&["full", "-q"]).spawn().expect("spawn");
        let wait = Duration::from_millis(60 + rng.next() % 400);
        let start = Instant::now();
        let mut finished = false;
        while start.elapsed() < wait {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if finished {
            break;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
    }
    assert!(
        kills >= 2,
        "the copy finished before it could be killed twice; make the table bigger"
    );
    // The state shows a paused (not running) stage after a kill.
    let full = stage_json(&p, "full");
    assert!(full["state"] == "paused" || full["state"] == "completed", "{full}");

    let out = p.expect(&["full", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    let rows_total = j["summary"]["rows_total"].as_u64().unwrap();
    let run_rows = j["summary"]["run_rows"].as_u64().unwrap();
    assert!(
        run_rows < rows_total,
        "the resumed run copied everything again ({run_rows} of {rows_total})"
    );

    let mut d = connect(mariadb_port()).await;
    for t in crate::copy::ALL_TABLES {
        assert_same_rows(&mut c, &src, &mut d, &dst, t).await;
    }
    p.expect(&["verify"], 0);
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_pauses_full_with_exit_130_and_the_next_run_resumes() {
    let src = unique("int_src");
    let dst = unique("int_dst");
    let name = unique("int");
    create_source(&src, 120_000).await;
    drop_dbs(mariadb_port(), &[&dst]).await;
    let toml = mariadb_pair(
        &name,
        &src,
        &dst,
        "[full]\nchunk_rows = 2000\nconcurrency = 2\nmax_rows_per_sec = 20000\n",
    );
    let p = Project::new(&toml);
    p.expect(&["schema"], 0);
    let child = p.cmd(&["full", "-q"]).spawn().expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let full = stage_json(&p, "full");
    assert_eq!(full["state"], "paused", "{full}");
    p.expect(&["retry", "full"], 0);
    let mut c = connect(mariadb_port()).await;
    let mut d = connect(mariadb_port()).await;
    assert_same_rows(&mut c, &src, &mut d, &dst, "big").await;
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}
