//! schema: dry run, editable DDL files, per-object failure, skip and retry.

use crate::copy::drop_dbs;
use crate::support::*;
use mysql_async::prelude::*;

fn ddl_file(dir: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    std::fs::read_dir(dir.join("schema/ddl"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no DDL file ending in {suffix}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn edited_ddl_is_applied_and_a_failed_object_can_be_skipped() {
    let src = unique("ddl_src");
    let dst = unique("ddl_dst");
    let name = unique("ddl");
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!(
            "CREATE DATABASE `{src}`;\nCREATE TABLE `{src}`.t (id INT PRIMARY KEY, v VARCHAR(10) DEFAULT 'x', KEY kv (v)) COMMENT='orig';\n\
             CREATE TABLE `{src}`.t2 (id INT PRIMARY KEY)"
        ),
    )
    .await;
    let toml = mariadb_pair(&name, &src, &dst, "");
    let p = Project::new(&toml.replace("[project]\n", "[project]\ntypes = [\"schema\"]\n"));
    let out = p.expect(&["schema", "--dry-run"], 0);
    assert!(stdout(&out).contains("CREATE TABLE"), "{}", stdout(&out));
    let exists: Option<u64> = c
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
            (&dst,),
        )
        .await
        .unwrap();
    assert_eq!(exists, Some(0), "--dry-run created the database");

    let state = p.state_dir(&name);
    let t = ddl_file(&state, &format!("table_{dst}.t.sql"));
    let text = std::fs::read_to_string(&t)
        .unwrap()
        .replace("COMMENT='orig'", "COMMENT='edited by a DBA'");
    std::fs::write(&t, text).unwrap();
    let t2 = ddl_file(&state, &format!("table_{dst}.t2.sql"));
    std::fs::write(&t2, "CREATE TABLE this is not sql").unwrap();

    let out = p.expect(&["schema"], 3);
    assert!(stderr(&out).contains(&format!("table:{dst}.t2")), "{}", stderr(&out));
    let comment: Option<String> = c
        .exec_first(
            "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
            (&dst,),
        )
        .await
        .unwrap();
    assert_eq!(comment.as_deref(), Some("edited by a DBA"));
    // Without `full` in the project, schema creates the after-data objects itself.
    let idx: Option<u64> = c
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' AND INDEX_NAME = 'kv'",
            (&dst,),
        )
        .await
        .unwrap();
    assert_eq!(idx, Some(1));
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(j["schema"]["failed"], 1, "{j}");
    assert_eq!(j["stages"][1]["state"], "failed");

    p.expect(&["schema", "--skip-object", &format!("table:{dst}.t2")], 0);
    let out = p.expect(&["status", "--json"], 0);
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(j["schema"]["skipped"], 1, "{j}");
    assert_eq!(j["stages"][1]["state"], "completed");
    let out = p.expect(&["schema", "--skip-object", "table:nope"], 2);
    assert!(stderr(&out).contains("no such object"), "{}", stderr(&out));
    drop_dbs(mariadb_port(), &[&src, &dst]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stages_refuse_to_run_out_of_order_and_skip_lets_them() {
    let name = unique("order");
    let toml = project_toml(
        &name,
        ("mariadb", mariadb_port()),
        ("mariadb", mariadb_port()),
        "nodb_x.*",
        "nodb_y",
        "",
    );
    let p = Project::new(&toml);
    let out = p.expect(&["verify"], 2);
    assert!(stderr(&out).contains("schema"), "{}", stderr(&out));
    p.expect(&["skip", "schema"], 0);
    let out = p.expect(&["verify"], 2);
    assert!(stderr(&out).contains("full"), "{}", stderr(&out));
    let out = p.expect(&["retry", "full"], 2);
    assert!(stderr(&out).contains("not failed or paused"), "{}", stderr(&out));
}
