//! MariaDB → OceanBase (seekdb, the 4.3.5 engine) for real: every type and key shape, and the
//! Sakila corpus, copied and verified equal.

use crate::copy::{ALL_TABLES, create_source, drop_dbs};
use crate::support::*;
use mysql_async::prelude::*;

/// Text of every row, with JSON columns parsed so that OceanBase's normalized spelling of a
/// document compares equal to MariaDB's original text.
async fn rows_normalized(c: &mut mysql_async::Conn, db: &str, table: &str) -> Vec<Vec<Option<String>>> {
    let cols: Vec<(String, String)> = c
        .exec(
            "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            (db, table),
        )
        .await
        .unwrap();
    let names: Vec<String> = cols.iter().map(|(n, _)| format!("`{n}`")).collect();
    let rows = table_rows(c, db, table, &cols.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()).await;
    let _ = names;
    let mut out: Vec<Vec<Option<String>>> = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .zip(&cols)
                .map(|(v, (name, _))| {
                    v.map(|b| {
                        let s = String::from_utf8_lossy(&b).into_owned();
                        if name == "j" {
                            serde_json::from_str::<serde_json::Value>(&s)
                                .map(|j| j.to_string())
                                .unwrap_or(s)
                        } else {
                            s
                        }
                    })
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_to_oceanbase_copies_every_type_and_shape_and_verifies_equal() {
    let src = unique("ob_src");
    let dst = unique("ob_dst");
    let name = unique("ob");
    create_source(&src, 20_000).await;
    drop_dbs(seekdb_port(), &[&dst]).await;
    let toml = project_toml(
        &name,
        ("mariadb", mariadb_port()),
        ("oceanbase", seekdb_port()),
        &format!("{src}.*"),
        &dst,
        "[full]\nchunk_rows = 2000\n",
    );
    let p = Project::new(&toml);
    p.expect(&["run"], 0);
    let mut s = connect(mariadb_port()).await;
    let mut d = connect(seekdb_port()).await;
    for t in ALL_TABLES {
        let a = rows_normalized(&mut s, &src, t).await;
        let b = rows_normalized(&mut d, &dst, t).await;
        assert_eq!(a.len(), b.len(), "{t}: row counts differ");
        assert_eq!(a, b, "{t}: rows differ");
    }
    // latin1 became utf8mb4 and the conversion report says so.
    let report = std::fs::read_to_string(p.state_dir(&name).join("schema/report.md")).unwrap();
    assert!(report.contains("latin1"), "{report}");
    // A changed byte on the OceanBase side is found.
    d.query_drop(format!("UPDATE `{dst}`.big SET s = CONCAT(s, 'x') WHERE id = 777"))
        .await
        .unwrap();
    p.expect(&["verify"], 1);
    p.expect(&["verify", "--repair"], 0);
    drop_dbs(mariadb_port(), &[&src]).await;
    drop_dbs(seekdb_port(), &[&dst]).await;
}

/// Loads the Sakila corpus into MariaDB (corpus_sakila) when it is not there yet.
pub fn ensure_sakila() {
    let probe = [
        "mariadb",
        "-uroot",
        "-h127.0.0.1",
        "-N",
        "-e",
        "SELECT COUNT(*) FROM corpus_sakila.rental",
    ];
    ensure_corpus("sakila", &probe);
}

#[tokio::test(flavor = "multi_thread")]
async fn sakila_migrates_into_oceanbase_and_verifies_equal() {
    ensure_sakila();
    let dst = unique("sakila_ob");
    let name = unique("sakila");
    drop_dbs(seekdb_port(), &[&dst]).await;
    let toml = project_toml(
        &name,
        ("mariadb", mariadb_port()),
        ("oceanbase", seekdb_port()),
        "corpus_sakila.*",
        &dst,
        "",
    );
    let p = Project::new(&toml);
    let out = p.expect(&["run", "--json"], 0);
    assert!(stdout(&out).contains("\"ok\":true"), "{}", stdout(&out));
    let mut s = connect(mariadb_port()).await;
    let mut d = connect(seekdb_port()).await;
    for t in [
        "actor",
        "address",
        "category",
        "city",
        "country",
        "customer",
        "film",
        "film_actor",
        "film_category",
        "inventory",
        "language",
        "payment",
        "rental",
        "staff",
        "store",
    ] {
        let a: Option<u64> = s
            .query_first(format!("SELECT COUNT(*) FROM corpus_sakila.`{t}`"))
            .await
            .unwrap();
        let b: Option<u64> = d
            .query_first(format!("SELECT COUNT(*) FROM `{dst}`.`{t}`"))
            .await
            .unwrap();
        assert_eq!(a, b, "{t}");
    }
    drop_dbs(seekdb_port(), &[&dst]).await;
}
