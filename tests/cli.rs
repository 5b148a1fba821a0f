//! The command line without servers: generated docs, init, project-file errors.

use crate::support::*;
use std::path::Path;

fn generated() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, file) in [
        (clap_complete::Shell::Bash, "completions/omsctl.bash"),
        (clap_complete::Shell::Zsh, "completions/_omsctl"),
        (clap_complete::Shell::Fish, "completions/omsctl.fish"),
        (clap_complete::Shell::PowerShell, "completions/_omsctl.ps1"),
        (clap_complete::Shell::Elvish, "completions/omsctl.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut omsctl::cli::command(), "omsctl", &mut buf);
        out.push((file.to_string(), buf));
    }
    let mut man = Vec::new();
    clap_mangen::Man::new(omsctl::cli::command())
        .render(&mut man)
        .expect("render man");
    out.push(("man/omsctl.1".to_string(), man));
    out
}

/// The committed completions and man page are what the current CLI generates.
/// Regenerate with `OMSCTL_BLESS=1 cargo test --release --test main generated_`.
#[test]
fn generated_completions_and_man_page_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var("OMSCTL_BLESS").is_ok();
    let mut stale = Vec::new();
    for (file, content) in generated() {
        let path = root.join(&file);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run OMSCTL_BLESS=1 cargo test --release --test main generated_"
    );
}

#[test]
fn the_binary_prints_the_same_man_page_and_completions() {
    let p = Project::new("");
    let out = p.expect(&["man"], 0);
    let committed = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/omsctl.1")).unwrap();
    assert_eq!(out.stdout, committed);
    let out = p.expect(&["completions", "bash"], 0);
    assert!(stdout(&out).contains("omsctl"));
}

#[test]
fn init_writes_a_valid_project_and_refuses_to_overwrite_it() {
    let p = Project::new("");
    std::fs::remove_file(&p.file).unwrap();
    p.expect(&["init"], 0);
    let text = std::fs::read_to_string(&p.file).unwrap();
    assert!(text.contains("[project]"));
    let out = p.expect(&["init"], 2);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    p.expect(&["init", "--force"], 0);
    // The template parses: status says there is no state yet (exit 2), not a parse error.
    let out = p.expect(&["status"], 2);
    assert!(stderr(&out).contains("no state"), "{}", stderr(&out));
}

#[test]
fn malformed_toml_is_a_usage_error_naming_the_line() {
    let p = Project::new("[project]\nname = \"x\"\ntypes = [\"schema\"\n");
    let out = p.expect(&["precheck"], 2);
    let err = stderr(&out);
    assert!(err.contains("line"), "{err}");
    assert!(err.contains("omsctl.toml"), "{err}");
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let toml = project_toml(
        "unknown_key",
        ("mariadb", 3306),
        ("mariadb", 3306),
        "a.*",
        "b",
        "[full]\nconcurency = 4\n",
    );
    let p = Project::new(&toml);
    let out = p.expect(&["precheck", "--json"], 2);
    let err = stderr(&out);
    assert!(
        err.contains("concurency") && err.contains("line 22") && err.contains("full.concurency"),
        "{err}"
    );
    let j: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("json error object");
    assert_eq!(j["type"], "error");
    assert_eq!(j["exit_code"], 2);
}

#[test]
fn a_missing_project_file_says_how_to_create_one() {
    let p = Project::new("");
    let out = p.expect(&["-c", "nope.toml", "status"], 2);
    assert!(stderr(&out).contains("omsctl init"), "{}", stderr(&out));
}

#[test]
fn unknown_commands_and_stages_are_usage_errors() {
    let p = Project::new("");
    p.expect(&["frobnicate"], 2);
    p.expect(&["reset", "nosuchstage"], 2);
}

#[test]
fn reset_without_a_terminal_requires_yes() {
    let toml = project_toml("reset_yes", ("mariadb", 3306), ("mariadb", 3306), "a.*", "b", "");
    let p = Project::new(&toml);
    let out = p
        .cmd(&["reset", "verify"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--yes"));
    p.expect(&["reset", "verify", "--yes"], 0);
}

/// Every example project file parses and validates.
#[test]
fn every_example_project_file_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) == Some("toml") {
            omsctl::config::load(&p).unwrap_or_else(|e| panic!("{}: {e:#}", p.display()));
            n += 1;
        }
    }
    assert!(n >= 2, "no example project files found");
}

/// The default build has no Oracle engine: an Oracle project parses, and connecting says how
/// to get a build that has one.
#[cfg(not(feature = "oracle"))]
#[test]
fn an_oracle_project_on_a_build_without_oracle_says_how_to_build_one() {
    let p = Project::new(
        r#"
[project]
name = "ora"
types = ["schema", "full"]
[source]
engine = "oracle"
host = "127.0.0.1"
user = "hr"
service_name = "ORCLPDB1"
[target]
engine = "mariadb"
host = "127.0.0.1"
user = "root"
[[objects]]
include = "HR.*"
"#,
    );
    // precheck reports a side it cannot connect to as a failed check and exits 3.
    let out = p.expect(&["precheck"], 3);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("built without Oracle support") && text.contains("--features oracle"),
        "{text}"
    );
}

#[test]
fn an_oracle_endpoint_must_name_its_service() {
    let p = Project::new(
        r#"
[project]
name = "ora"
types = ["schema"]
[source]
engine = "oracle"
host = "127.0.0.1"
user = "hr"
[target]
engine = "mariadb"
host = "127.0.0.1"
user = "root"
[[objects]]
include = "HR.*"
"#,
    );
    let err = stderr(&p.expect(&["precheck"], 2));
    assert!(err.contains("service_name"), "{err}");
}
