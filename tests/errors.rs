//! Bad input against real servers: wrong password, unreachable host, missing privilege. Exit
//! codes and messages are asserted, and the password never appears in output or state files.

use crate::support::*;
use mysql_async::prelude::*;

const GOOD_PW: &str = "S3cret-Good-pw-91x";
const BAD_PW: &str = "Wr0ng-pw-never-print-77q";

fn all_files_text(dir: &std::path::Path) -> String {
    let mut s = String::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                s.push_str(&all_files_text(&p));
            } else if let Ok(b) = std::fs::read(&p) {
                s.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    s
}

fn pw_project(name: &str, user: &str, src_db: &str, dst_db: &str, port: u16) -> String {
    project_toml(
        name,
        ("mariadb", mariadb_port()),
        ("mariadb", port),
        &format!("{src_db}.*"),
        dst_db,
        "",
    )
    .replace(
        "user = \"root\"",
        &format!("user = \"{user}\"\npassword_env = \"OMSCTL_TEST_PW\""),
    )
}

async fn make_user(user: &str, grants: &[String]) {
    let mut c = connect(mariadb_port()).await;
    c.query_drop(format!("DROP USER IF EXISTS '{user}'@'%'")).await.unwrap();
    c.query_drop(format!("DROP USER IF EXISTS '{user}'@'localhost'"))
        .await
        .unwrap();
    for host in ["%", "localhost"] {
        c.query_drop(format!("CREATE USER '{user}'@'{host}' IDENTIFIED BY '{GOOD_PW}'"))
            .await
            .unwrap();
        for g in grants {
            c.query_drop(format!("GRANT {g} TO '{user}'@'{host}'")).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_exits_3_and_is_never_printed_or_stored() {
    let user = format!("omsu{}", std::process::id());
    make_user(&user, &[]).await;
    let name = unique("badpw");
    let p = Project::new(&pw_project(&name, &user, "nodb", "nodb2", mariadb_port()));
    let out = p
        .cmd(&["precheck", "--json"])
        .env("OMSCTL_TEST_PW", BAD_PW)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let all = stdout(&out) + &stderr(&out) + &all_files_text(p.path());
    assert!(all.contains("Access denied"), "{all}");
    assert!(all.contains("OMSCTL_TEST_PW"), "the hint names the variable: {all}");
    assert!(!all.contains(BAD_PW), "password leaked: {all}");
    let mut c = connect(mariadb_port()).await;
    c.query_drop(format!("DROP USER '{user}'@'%', '{user}'@'localhost'"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unset_password_variable_is_an_environment_error() {
    let name = unique("nopwvar");
    let p = Project::new(&pw_project(&name, "root", "a", "b", mariadb_port()));
    let out = p.cmd(&["precheck"]).env_remove("OMSCTL_TEST_PW").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("export OMSCTL_TEST_PW"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_host_exits_3_with_the_address() {
    let name = unique("unreach");
    let toml = project_toml(&name, ("mariadb", mariadb_port()), ("mariadb", 1), "a.*", "b", "");
    let p = Project::new(&toml);
    let out = p.expect(&["precheck"], 3);
    let err = stderr(&out);
    assert!(err.contains("127.0.0.1:1") && err.contains("cannot connect"), "{err}");
    let out = p.expect(&["run"], 3);
    assert!(stderr(&out).contains("cannot connect"));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_privileges_fail_precheck_with_the_grant_to_run() {
    let src = unique("priv_src");
    let dst = unique("priv_dst");
    crate::copy::drop_dbs(mariadb_port(), &[&src, &dst]).await;
    let mut c = connect(mariadb_port()).await;
    exec(
        &mut c,
        &format!("CREATE DATABASE `{src}`;\nCREATE TABLE `{src}`.t (id INT PRIMARY KEY)"),
    )
    .await;
    let user = format!("omsp{}", std::process::id());
    make_user(&user, &[format!("SELECT ON `{src}`.*")]).await;
    let name = unique("priv");
    let p = Project::new(&pw_project(&name, &user, &src, &dst, mariadb_port()));
    let out = p
        .cmd(&["precheck", "--json"])
        .env("OMSCTL_TEST_PW", GOOD_PW)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let j: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let items = j["summary"]["items"].as_array().unwrap();
    let priv_item = items.iter().find(|i| i["id"] == "target.privileges").unwrap();
    assert_eq!(priv_item["status"], "fail");
    assert!(
        priv_item["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("GRANT CREATE ON `{dst}`.*")),
        "{priv_item}"
    );
    let src_item = items.iter().find(|i| i["id"] == "source.privileges").unwrap();
    assert_eq!(src_item["status"], "pass");
    // Running schema anyway: the server's refusal is an environment error (exit 3).
    let out = p
        .cmd(&["skip", "precheck"])
        .env("OMSCTL_TEST_PW", GOOD_PW)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = p.cmd(&["schema"]).env("OMSCTL_TEST_PW", GOOD_PW).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let all = stdout(&out) + &stderr(&out) + &all_files_text(p.path());
    assert!(!all.contains(GOOD_PW), "password leaked");
    c.query_drop(format!("DROP USER '{user}'@'%', '{user}'@'localhost'"))
        .await
        .unwrap();
    crate::copy::drop_dbs(mariadb_port(), &[&src, &dst]).await;
}
