//! The commented project file `omsctl init` writes.

pub const TEMPLATE: &str = r#"# omsctl project file. Every key is documented here; remove what you do not need.
# Reference: README.md. Check it with `omsctl precheck`.

[project]
name = "shop-to-ob"                      # names the state directory: .omsctl/<name>/ beside this file
types = ["schema", "full", "verify"]     # stages `omsctl run` executes, in order (precheck always runs first);
                                         # add "incr" for an online migration and "reverse" for rollback

[source]
engine = "mariadb"                       # mysql | mariadb | oceanbase | tidb
host = "127.0.0.1"
port = 3306
user = "root"
# password_env = "SRC_PASSWORD"          # the password is read from this environment variable, never stored
# connect_timeout_s = 10

[target]
engine = "oceanbase"
host = "127.0.0.1"
port = 2881
user = "root"
# password_env = "DST_PASSWORD"
# meta_database = "omsctl"               # where omsctl keeps its progress fences on the target

# OMS matching rules: database.table with * and ? wildcards. The first matching rule wins.
[[objects]]
include = "shop.*"
exclude = ["shop.tmp_*"]
# target_database = "shop_v2"            # rename the database on the target

# Per-table settings (optional).
# [tables."shop.orders"]
# where = "created_at >= '2024-01-01'"   # row filter, used by full and verify
# exclude_columns = ["debug_blob"]       # columns not migrated
# rename = "orders_2024"                 # table name on the target

[schema]
indexes_after_data = true                # create secondary indexes after the copy (faster load)
existing_tables = "fail"                 # fail | keep: what to do when a table already exists on the target

[full]
concurrency = 4                          # parallel workers (one connection to each server each)
chunk_rows = 20000                       # rows per chunk: the unit of parallelism and of resume
chunk_bytes = 8388608                    # at most this many bytes per chunk (8 MiB; LOB tables get fewer rows)
batch_rows = 1000                        # rows per INSERT statement
max_rows_per_sec = 0                     # 0 = unlimited
max_bytes_per_sec = 0                    # 0 = unlimited
on_nonempty_target = "stop"              # stop | ignore (keep existing rows, log conflicts)
target_binlog = true                     # false: MySQL/MariaDB target skips its binlog for the copy (needs BINLOG ADMIN; its replicas miss the rows)
write_method = "auto"                    # auto | bulk (MariaDB) | load_data (MySQL, MariaDB; needs local_infile) | insert
retries = 3                              # retries of a chunk after a transient error

[verify]
concurrency = 4
chunk_rows = 50000                       # rows per checksum chunk
max_reported_rows = 10000                # differing rows listed per table in verify/diff.jsonl
max_diff_rows = 100000                   # differing rows kept per table for repair; the rest are counted

# Incremental sync, when types contains "incr" (online migration).
[incr]
# start_at = "now"                       # or "mysql-bin.000003:4567" or "2026-11-22 10:00:00" (UTC); only without a full copy
heartbeat = true                         # heartbeat row on the source every second: truthful lag when idle
on_conflict = "log"                      # log | stop
dml = ["insert", "update", "delete"]     # change kinds replicated
batch_rows = 2000                        # row changes per target transaction at most
batch_ms = 200                           # how long a batch waits for more changes
workers = 4                              # target connections per batch (1: one transaction per batch)

[switchover]
enforce_read_only = false                # true: omsctl sets the source read-only instead of asking
max_lag_s = 15                           # refuse to start switchover with more lag than this
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_template_is_a_valid_project() {
        let p = super::super::parse(super::TEMPLATE, std::path::Path::new("omsctl.toml")).unwrap();
        assert_eq!(p.name, "shop-to-ob");
    }
}
