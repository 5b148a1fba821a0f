#!/usr/bin/env bash
# Benchmark (not a test) of omsctl against the usual peer tools, issue #6: one run generates a
# deterministic dataset, runs omsctl and the peers on it, checks every result and prints a
# markdown table (tool, seconds, rows/s, MB/s, peak RSS, ratio to omsctl, correctness).
#
#   bash scripts/bench.sh                                   # everything, 1M rows, 40 x 3 MB LOBs
#   ROWS=5000000 SEEKDB_ROWS=1000000 bash scripts/bench.sh  # bigger; seekdb capped at 1M orders
#   ROWS=20000 LOB_ROWS=3 PATHS=mysql,verify bash scripts/bench.sh   # quick subset
#
# Environment:
#   ROWS=1000000      orders rows (order_items gets ROWS lines, events_nokey ROWS/10 rows)
#   LOB_ROWS=40       docs_lob rows of ~3 MiB each (2 MiB LONGTEXT + 1 MiB LONGBLOB)
#   PATHS=all         comma-separated subset of: mysql, seekdb, verify, pg, incr, startup
#   SEEKDB_ROWS       copy only orders.id <= SEEKDB_ROWS (and the matching share of the other
#                     tables) into seekdb, when it is too slow at ROWS; the table says so
#   CONCURRENCY=4     omsctl [full] and [verify] workers
#   INCR_ROWS=100000  ROWS passed to scripts/bench-incr.sh (its own table, its own defaults)
#   OMSCTL=path       use this omsctl binary instead of `cargo build --release`
#
# Servers (scripts/setup-servers.sh makes sure they run): MariaDB 3306 (source), MariaDB 3307
# (target), PostgreSQL 5432, seekdb 2881. Peer tools come from scripts/install-peers.sh.
#
# Dataset (scripts/bench/dataset.sh): bench6.{orders, order_items, events_nokey, docs_lob}, the
# same rows on MariaDB 3306 and PostgreSQL (database bench6, schema public), generated with the
# binlog off and only when the row counts are not already right; both engines' per-table
# count + MD5 sums must match, and they are the reference every copy into PostgreSQL is
# compared with.
#
# Paths (each target database is dropped at the start of its path; the source data is kept):
#   mysql    MariaDB 3306 -> MariaDB 3307: `omsctl full` (after `omsctl schema`; then `omsctl
#            verify` must exit 0), `mysqldump | mysql`, mydumper -t 2 + myloader -t 2 -e (binlog
#            on, like the others), and same-server INSERT ... SELECT on 3306 (binlog off);
#            then, with the target's binlog off: `omsctl full` with [full] target_binlog =
#            false against myloader's default (no binlog) and the same INSERT ... SELECT;
#            peers checked with CHECKSUM TABLE on every table.
#   seekdb   `omsctl full` MariaDB 3306 -> seekdb 2881, checked by `omsctl verify`.
#   verify   on 3306 vs the omsctl copy on 3307: `omsctl verify`; then one byte of one row is
#            changed on the target and verify must exit 1 and name that row's key (output and
#            verify/diff.jsonl), then the row is restored and `verify --only-inconsistent`
#            must exit 0; CHECKSUM TABLE on each server; pt-table-checksum-style
#            BIT_XOR(CRC32(CONCAT_WS(...))) per 10,000-row key range, as SQL on each server.
#   pg       PG -> PG: `pg_dump | psql`, pgcopydb clone, omsctl; MariaDB -> PG: pgloader (its
#            defaults, then smaller batches),
#            `mariadb --batch | psql \copy` per table, omsctl. Checked with count + MD5 sums.
#            omsctl rows read "n/a" while omsctl rejects engine = "postgres" as not supported.
#   incr     runs scripts/bench-incr.sh and appends its table.
#   startup  `omsctl status` on the finished MariaDB project: median of 20 runs (hyperfine).
#
# Seconds are wall-clock; peak RSS is the largest process of the run (/usr/bin/time -f %M; the
# servers are not included). Ratio = seconds / omsctl's seconds on the same path (> 1: omsctl
# is faster). MB/s uses the dataset's InnoDB data size on 3306 for every path. A run that fails
# its check gets no numbers, only the failure. Progress goes to stderr, the table to stdout and
# to target/bench/results-<date>.md; working files and logs are in target/bench6/.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=bench/lock.sh
source "$ROOT/scripts/bench/lock.sh"
bench_lock bench.sh
ROWS=${ROWS:-1000000}
LOB_ROWS=${LOB_ROWS:-40}
PATHS=${PATHS:-all}
SEEKDB_ROWS=${SEEKDB_ROWS:-}
CONCURRENCY=${CONCURRENCY:-4}
INCR_ROWS=${INCR_ROWS:-100000}
WORK=$ROOT/target/bench6
LOGS=$WORK/logs
STATE=$WORK/state
RESULTS=$WORK/results.tsv
OUT_DIR=$ROOT/target/bench
T_START=$SECONDS

# shellcheck source-path=SCRIPTDIR source=bench/lib.sh
source "$ROOT/scripts/bench/lib.sh"
# shellcheck source-path=SCRIPTDIR source=bench/dataset.sh
source "$ROOT/scripts/bench/dataset.sh"
trap 'say "failed at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND"' ERR

for p in ${PATHS//,/ }; do
  [[ $p =~ ^(all|mysql|seekdb|verify|pg|incr|startup)$ ]] || die "unknown path '$p' in PATHS (mysql, seekdb, verify, pg, incr, startup)"
done

mkdir -p "$WORK" "$LOGS" "$STATE" "$OUT_DIR"
rm -f "$LOGS"/*.log "$LOGS"/*.rss "$RESULTS"
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------
say "peer tools (scripts/install-peers.sh)"
bash scripts/install-peers.sh 2>"$LOGS/install-peers.log" || die "install-peers.sh failed: $LOGS/install-peers.log"
say "servers (scripts/setup-servers.sh)"
bash scripts/setup-servers.sh >/dev/null 2>"$LOGS/setup-servers.log" || die "setup-servers.sh failed: $LOGS/setup-servers.log"
if [[ -n ${OMSCTL:-} ]]; then
  [[ -x $OMSCTL ]] || die "OMSCTL=$OMSCTL is not an executable"
  say "using OMSCTL=$OMSCTL (no build)"
else
  say "cargo build --release"
  cargo build --release >&2 || die "cargo build --release failed (set OMSCTL=/path/to/omsctl to benchmark a prebuilt binary)"
  OMSCTL=$ROOT/target/release/omsctl
fi
OMSCTL_VERSION=$("$OMSCTL" --version 2>/dev/null | head -n1 || echo '?')

ensure_dataset
TOTAL_ROWS=$(total_rows)

# ---------------------------------------------------------------------------
# omsctl projects. write_project NAME, then the TOML on stdin; the state directory is
# $STATE/NAME, removed first (every path starts from scratch).
project_file() { echo "$WORK/$1.toml"; }
write_project() {
  rm -rf "${STATE:?}/$1"
  { echo "# Written by scripts/bench.sh (overwritten on every run)."; cat; } >"$(project_file "$1")"
}
oms() { local name=$1; shift; "$OMSCTL" -c "$(project_file "$name")" --state-dir "$STATE/$name" "$@"; }
# For measure, which runs functions in a child bash.
export OMSCTL WORK STATE
export -f my oms project_file

mariadb_source_toml() {
  cat <<TOML
[source]
engine = "mariadb"
host = "127.0.0.1"
port = 3306
user = "root"
TOML
}
workers_toml() {
  cat <<TOML
[full]
concurrency = $CONCURRENCY
[verify]
concurrency = $CONCURRENCY
TOML
}

# omsctl_copy NAME GROUP LABEL ROWS BYTES [BASE]: `omsctl schema`, timed `omsctl full`,
# `omsctl verify`; records the result as the baseline of GROUP (BASE=2: a row without ratio).
# Returns 0 when the copy verified equal.
omsctl_copy() {
  local name=$1 group=$2 label=$3 rows=$4 bytes=$5 base=${6:-1} rc=0
  oms "$name" -q schema >"$LOGS/$name-schema.log" 2>&1 || rc=$?
  if (( rc != 0 )); then
    record_fail "$group" "$label" "FAILED: omsctl schema exit $rc: $(log_tail "$name-schema")" "$base"
    return 1
  fi
  measure "$name-full" oms "$name" -q full
  if (( M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: omsctl full exit $M_RC: $(log_tail "$name-full")" "$base"
    return 1
  fi
  local secs=$M_SECS rss=$M_RSS_KB
  measure "$name-verify" oms "$name" verify
  if (( M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: omsctl verify exit $M_RC after the copy: $(log_tail "$name-verify")" "$base"
    return 1
  fi
  LAST_VERIFY_SECS=$M_SECS LAST_VERIFY_RSS=$M_RSS_KB
  record "$group" "$label" "$secs" "$rows" "$bytes" "$rss" "verify equal" "$base"
}

G_MY="MariaDB → MariaDB"
G_MY_NOBL="MariaDB → MariaDB, target binlog off"
ORDERS_MY_PROJECT=bench6-mariadb

# mariadb_target_project NAME TARGET_DB [FULL_KEYS]: a project copying bench6 from MariaDB
# 3306 into TARGET_DB on MariaDB 3307, with extra [full] keys.
mariadb_target_project() {
  local name=$1 db=$2 extra=${3:-}
  write_project "$name" <<TOML
[project]
name = "$name"
types = ["schema", "full", "verify"]
$(mariadb_source_toml)
[target]
engine = "mariadb"
host = "127.0.0.1"
port = 3307
user = "root"
meta_database = "omsctl_bench6"
[[objects]]
include = "bench6.*"
target_database = "$db"
[full]
concurrency = $CONCURRENCY
$extra
[verify]
concurrency = $CONCURRENCY
TOML
}
project_mariadb_to_mariadb() { mariadb_target_project "$ORDERS_MY_PROJECT" bench6_oms; }

# The omsctl MariaDB -> MariaDB copy (also what verify and startup work on).
run_omsctl_mariadb() {
  say "omsctl full: MariaDB 3306 -> MariaDB 3307 (bench6_oms), $CONCURRENCY workers"
  my 3307 -e "DROP DATABASE IF EXISTS bench6_oms; DROP DATABASE IF EXISTS omsctl_bench6"
  project_mariadb_to_mariadb
  omsctl_copy "$ORDERS_MY_PROJECT" "$G_MY" \
    "omsctl full ($CONCURRENCY workers; secondary index after the data, included)" "$TOTAL_ROWS" "$DATA_BYTES" \
    || return 1
  OMS_VERIFY_SECS=$LAST_VERIFY_SECS OMS_VERIFY_RSS=$LAST_VERIFY_RSS
}
OMS_MY_DONE=0

# run_myloader GROUP LABEL LOGNAME DUMP_SECS DUMP_RSS [ARGS...]: myloader of $WORK/mydumper
# into 3307 bench6_mydumper (dropped first), checked and recorded with the dump's time added.
run_myloader() {
  local group=$1 label=$2 log=$3 d_secs=$4 d_rss=$5 ok
  shift 5
  my 3307 -e "DROP DATABASE IF EXISTS bench6_mydumper"
  measure "$log" myloader -h 127.0.0.1 -P 3307 -u root -d "$WORK/mydumper" -s bench6 \
    -B bench6_mydumper -t 2 "$@"
  if (( M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: myloader exit $M_RC: $(log_tail "$log")"
  elif ok=$(check_my_checksum 3306 bench6 3307 bench6_mydumper); then
    record "$group" "$label (dump $(printf '%.1f' "$d_secs") s + load $(printf '%.1f' "$M_SECS") s)" \
      "$(calc "$d_secs + $M_SECS")" "$TOTAL_ROWS" "$DATA_BYTES" "$((d_rss > M_RSS_KB ? d_rss : M_RSS_KB))" "$ok"
  else
    record_fail "$group" "$label" "FAILED: $ok"
  fi
}

# ---------------------------------------------------------------------------
path_mysql() {
  # Each run writes several GB of binlog on the target (every copy below logs its rows);
  # the target is this benchmark's own server, so old binlogs go before they fill the disk.
  my 3307 -e "PURGE BINARY LOGS BEFORE NOW()"
  run_omsctl_mariadb && OMS_MY_DONE=1

  say "mysqldump | mysql: 3306 -> 3307 bench6_dump (one stream)"
  my 3307 -e "DROP DATABASE IF EXISTS bench6_dump; CREATE DATABASE bench6_dump"
  measure mysqldump bash -o pipefail -c \
    'mariadb-dump -uroot -h127.0.0.1 -P3306 --single-transaction --skip-lock-tables bench6 \
       | mariadb -uroot -h127.0.0.1 -P3307 bench6_dump'
  if (( M_RC != 0 )); then
    record_fail "$G_MY" 'mysqldump \| mysql' "FAILED: exit $M_RC: $(log_tail mysqldump)"
  elif ok=$(check_my_checksum 3306 bench6 3307 bench6_dump); then
    record "$G_MY" 'mysqldump \| mysql' "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
  else
    record_fail "$G_MY" 'mysqldump \| mysql' "FAILED: $ok"
  fi

  say "mydumper -t 2 + myloader -t 2: 3306 -> 3307 bench6_mydumper"
  local label="mydumper -t 2 -r 100000 + myloader -t 2 -e"
  my 3307 -e "DROP DATABASE IF EXISTS bench6_mydumper"
  rm -rf "$WORK/mydumper"
  if ! command -v mydumper >/dev/null || ! command -v myloader >/dev/null; then
    record_fail "$G_MY" "$label" "not run: mydumper/myloader not installed (scripts/install-peers.sh)"
  else
    measure mydumper mydumper -h 127.0.0.1 -P 3306 -u root -B bench6 -t 2 -r 100000 \
      --trx-consistency-only -o "$WORK/mydumper"
    local d_secs=$M_SECS d_rc=$M_RC d_rss=$M_RSS_KB
    if (( d_rc != 0 )); then
      record_fail "$G_MY" "$label" "FAILED: mydumper exit $d_rc: $(log_tail mydumper)"
    else
      # -e: the target's binlog on, as it is for omsctl and mysqldump | mysql; then myloader's
      # default, the binlog off for its sessions (compared with [full] target_binlog = false).
      run_myloader "$G_MY" "$label" myloader "$d_secs" "$d_rss" -e
      run_myloader "$G_MY_NOBL" "mydumper -t 2 -r 100000 + myloader -t 2 (its default: no binlog)" \
        myloader-nobinlog "$d_secs" "$d_rss"
    fi
  fi

  say "INSERT ... SELECT on 3306 into bench6_copy"
  local sql="SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS bench6_copy; CREATE DATABASE bench6_copy;" t
  for t in "${BENCH_TABLES[@]}"; do
    sql+=" CREATE TABLE bench6_copy.$t LIKE bench6.$t;"
  done
  my 3306 -e "$sql"
  sql="SET SESSION sql_log_bin = 0;"
  for t in "${BENCH_TABLES[@]}"; do
    sql+=" INSERT INTO bench6_copy.$t SELECT * FROM bench6.$t;"
  done
  measure insert-select my 3306 -e "$sql"
  label="same-server INSERT ... SELECT on 3306 (binlog off, indexes kept during the load)"
  if (( M_RC != 0 )); then
    record_fail "$G_MY" "$label" "FAILED: exit $M_RC: $(log_tail insert-select)"
  elif ok=$(check_my_checksum 3306 bench6 3306 bench6_copy); then
    record "$G_MY" "$label" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
    record "$G_MY_NOBL" "$label (the same run as above)" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
  else
    record_fail "$G_MY" "$label" "FAILED: $ok"
  fi

  say "omsctl full with [full] target_binlog = false: MariaDB 3306 -> MariaDB 3307 (bench6_oms_nobl)"
  local name=bench6-mariadb-nobinlog
  my 3307 -e "DROP DATABASE IF EXISTS bench6_oms_nobl; DELETE FROM omsctl_bench6.full_chunks WHERE project = '$name'"
  mariadb_target_project "$name" bench6_oms_nobl "target_binlog = false"
  omsctl_copy "$name" "$G_MY_NOBL" \
    "omsctl full ($CONCURRENCY workers, target_binlog = false; secondary index included)" "$TOTAL_ROWS" "$DATA_BYTES" || true
  my 3307 -e "DROP DATABASE IF EXISTS bench6_oms_nobl"
}

# ---------------------------------------------------------------------------
path_seekdb() {
  local group="MariaDB → seekdb (OceanBase)" name=bench6-seekdb cap="" rows=$TOTAL_ROWS bytes=$DATA_BYTES
  local label="omsctl full ($CONCURRENCY workers) into seekdb 2881"
  if [[ -n $SEEKDB_ROWS ]] && (( SEEKDB_ROWS < ROWS )); then
    # The same share of each table: orders and their items up to id SEEKDB_ROWS, the events up
    # to the matching time; all LOB rows.
    local h=$((SEEKDB_ROWS / 2)) e=$((SEEKDB_ROWS / 20))
    cap=$(cat <<TOML
[tables."bench6.orders"]
where = "id <= $SEEKDB_ROWS"
[tables."bench6.order_items"]
where = "order_id <= $h"
[tables."bench6.events_nokey"]
where = "ev_time <= TIMESTAMP'2024-02-01 00:00:00' + INTERVAL $((e * 7)) SECOND"
TOML
)
    rows=$((SEEKDB_ROWS + h * 2 + e * 2 + LOB_ROWS))
    bytes=$(calc "(${DATA_BYTES_OF[orders]} + ${DATA_BYTES_OF[order_items]} + ${DATA_BYTES_OF[events_nokey]}) \
      * $SEEKDB_ROWS / $ROWS + ${DATA_BYTES_OF[docs_lob]}" | cut -d. -f1)
    label+=" — **capped: SEEKDB_ROWS=$SEEKDB_ROWS of $ROWS orders, $rows rows**"
  fi
  say "omsctl full: MariaDB 3306 -> seekdb 2881 (bench6_ob)"
  my 2881 -e "DROP DATABASE IF EXISTS bench6_ob; DROP DATABASE IF EXISTS omsctl_bench6"
  write_project "$name" <<TOML
[project]
name = "$name"
types = ["schema", "full", "verify"]
$(mariadb_source_toml)
[target]
engine = "oceanbase"
host = "127.0.0.1"
port = 2881
user = "root"
meta_database = "omsctl_bench6"
[[objects]]
include = "bench6.*"
target_database = "bench6_ob"
$cap
$(workers_toml)
TOML
  omsctl_copy "$name" "$group" "$label" "$rows" "$bytes" 2 || true
}

# ---------------------------------------------------------------------------
# chunk_checksum_sql DB: pt-table-checksum-style queries, one per 10,000-row key range
# (order_items: 5,000 order ids = 10,000 rows; the keyless table in one piece, as
# pt-table-checksum does for a table it cannot chunk). Same text on both servers but the db.
chunk_checksum_sql() {
  local db=$1 lo step=10000 t expr
  for t in "${BENCH_TABLES[@]}"; do
    case $t in
      orders) expr="CONCAT_WS('#', id, customer_id, status, amount, note, created, attrs)" ;;
      order_items) expr="CONCAT_WS('#', order_id, line_no, sku, qty, price)" ;;
      events_nokey) expr="CONCAT_WS('#', ev_time, kind, payload, amount, CONCAT(ISNULL(payload), ISNULL(amount)))" ;;
      docs_lob) expr="CONCAT_WS('#', id, title, body, data, CONCAT(ISNULL(body), ISNULL(data)))" ;;
    esac
    local sel="SELECT '$t', %s, COUNT(*), COALESCE(LOWER(CONV(BIT_XOR(CAST(CRC32($expr) AS UNSIGNED)), 10, 16)), 0) FROM \`$db\`.$t"
    case $t in
      orders)
        for ((lo = 1; lo <= ROWS; lo += step)); do
          # shellcheck disable=SC2059
          printf "$sel WHERE id BETWEEN %d AND %d;\n" "$lo" "$lo" "$((lo + step - 1))"
        done ;;
      order_items)
        for ((lo = 1; lo <= ROWS / 2; lo += step / 2)); do
          # shellcheck disable=SC2059
          printf "$sel WHERE order_id BETWEEN %d AND %d;\n" "$lo" "$lo" "$((lo + step / 2 - 1))"
        done ;;
      events_nokey)
        # shellcheck disable=SC2059
        printf "$sel;\n" 0 ;;
      docs_lob)
        for ((lo = 1; lo <= LOB_ROWS; lo += step)); do
          # shellcheck disable=SC2059
          printf "$sel WHERE id BETWEEN %d AND %d;\n" "$lo" "$lo" "$((lo + step - 1))"
        done ;;
    esac
  done
}

# The key of the row the verify path changes on the target, and the byte it changes.
DIFF_ID=$((ROWS / 2 + 7))

path_verify() {
  local group="verify: MariaDB 3306 vs the omsctl copy on 3307"
  if (( ! OMS_MY_DONE )) && ! path_selected mysql; then
    say "verify needs the omsctl copy on 3307: making it (reported under $G_MY)"
    run_omsctl_mariadb && OMS_MY_DONE=1
  fi
  if (( ! OMS_MY_DONE )); then
    record_fail "$group" "omsctl verify" "not run: the omsctl copy failed (see $G_MY)" 1
    return 0
  fi
  local name=$ORDERS_MY_PROJECT
  record "$group" "omsctl verify ($CONCURRENCY workers, chunks of 50,000 rows)" "$OMS_VERIFY_SECS" "$TOTAL_ROWS" \
    "$DATA_BYTES" "$OMS_VERIFY_RSS" "verify equal (exit 0)" 1

  say "verify finds a one-byte change: orders id=$DIFF_ID on 3307"
  my 3307 -e "UPDATE bench6_oms.orders SET note = CONCAT('C', SUBSTRING(note, 2)) WHERE id = $DIFF_ID"
  measure verify-diff oms "$name" verify
  local label="omsctl verify after a 1-byte UPDATE of orders id=$DIFF_ID on the target" found="" diffs="$STATE/$name/verify/diff.jsonl"
  # Kept: the re-verify below rewrites diff.jsonl.
  cp "$diffs" "$WORK/verify-diff.jsonl" 2>/dev/null || : >"$WORK/verify-diff.jsonl"
  if (( M_RC == 1 )) && jq -e --arg id "$DIFF_ID" \
      'select(.table == "bench6.orders" and .kind == "different" and (.key | map(tostring) == [$id]))' \
      "$WORK/verify-diff.jsonl" >/dev/null 2>&1; then
    found="found it: exit 1; verify/diff.jsonl has $(wc -l <"$WORK/verify-diff.jsonl") row: orders key [$DIFF_ID], kind different"
    if grep -qw "$DIFF_ID" "$LOGS/verify-diff.log"; then found+=", also named in the output"
    else found+=" (the command's output gives counts only, not the key)"; fi
  fi
  local secs=$M_SECS rss=$M_RSS_KB diff_rc=$M_RC
  my 3307 -e "UPDATE bench6_oms.orders SET note = CONCAT('c', SUBSTRING(note, 2)) WHERE id = $DIFF_ID"
  measure verify-restored oms "$name" verify --only-inconsistent
  if [[ -z $found ]]; then
    record_fail "$group" "$label" "FAILED: expected exit 1 and key [$DIFF_ID] in verify/diff.jsonl, got exit $diff_rc; see ${LOGS#"$ROOT"/}/verify-diff.log and ${WORK#"$ROOT"/}/verify-diff.jsonl"
  elif (( M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: after restoring the row, verify --only-inconsistent exit $M_RC: $(log_tail verify-restored)"
  else
    record "$group" "$label" "$secs" "$TOTAL_ROWS" "$DATA_BYTES" "$rss" "$found; restored, \`verify --only-inconsistent\` exit 0" 2
  fi

  say "CHECKSUM TABLE on each server"
  local sums_src sums_dst
  measure checksum-src my 3306 -N -B -e "CHECKSUM TABLE bench6.orders, bench6.order_items, bench6.events_nokey, bench6.docs_lob"
  local src_rc=$M_RC src_secs=$M_SECS src_rss=$M_RSS_KB
  measure checksum-dst my 3307 -N -B -e "CHECKSUM TABLE bench6_oms.orders, bench6_oms.order_items, bench6_oms.events_nokey, bench6_oms.docs_lob"
  sums_src=$(cut -f2 "$LOGS/checksum-src.log" | tr '\n' ' ')
  sums_dst=$(cut -f2 "$LOGS/checksum-dst.log" | tr '\n' ' ')
  if (( src_rc != 0 || M_RC != 0 )); then
    record_fail "$group" "CHECKSUM TABLE" "FAILED: exit $src_rc / $M_RC: $(log_tail checksum-src 1) $(log_tail checksum-dst 1)"
  elif [[ $sums_src == "$sums_dst" && $sums_src != *NULL* ]]; then
    record "$group" "CHECKSUM TABLE on the source (3306), 4 tables" "$src_secs" "$TOTAL_ROWS" "$DATA_BYTES" "$src_rss" "CHECKSUM TABLE equal"
    record "$group" "CHECKSUM TABLE on the target (3307), 4 tables" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "CHECKSUM TABLE equal"
  else
    record_fail "$group" "CHECKSUM TABLE" "DIFFERENT: source $sums_src, target $sums_dst"
  fi

  say "chunked BIT_XOR(CRC32(CONCAT_WS(...))) per 10,000 rows on each server"
  chunk_checksum_sql bench6 >"$WORK/chunks-src.sql"
  chunk_checksum_sql bench6_oms >"$WORK/chunks-dst.sql"
  local nchunks
  nchunks=$(wc -l <"$WORK/chunks-src.sql")
  measure chunks-src bash -c "mariadb -uroot -h127.0.0.1 -P3306 -N -B <'$WORK/chunks-src.sql'"
  src_rc=$M_RC src_secs=$M_SECS src_rss=$M_RSS_KB
  measure chunks-dst bash -c "mariadb -uroot -h127.0.0.1 -P3307 -N -B <'$WORK/chunks-dst.sql'"
  label="chunked BIT_XOR(CRC32(CONCAT_WS)) by 10,000-row key ranges ($nchunks queries, one connection)"
  if (( src_rc != 0 || M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: exit $src_rc / $M_RC: $(log_tail chunks-src 1) $(log_tail chunks-dst 1)"
  elif cmp -s "$LOGS/chunks-src.log" "$LOGS/chunks-dst.log" && (( $(wc -l <"$LOGS/chunks-src.log") == nchunks )); then
    local xor_nokey
    xor_nokey=$(awk '$1 == "events_nokey" {print $4}' "$LOGS/chunks-src.log")
    record "$group" "${label/queries/queries on the source}" "$src_secs" "$TOTAL_ROWS" "$DATA_BYTES" "$src_rss" \
      "all $nchunks chunk checksums equal (events_nokey BIT_XOR = $xor_nokey: duplicate rows cancel out)"
    record "$group" "${label/queries/queries on the target}" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" \
      "all $nchunks chunk checksums equal"
  else
    record_fail "$group" "$label" "DIFFERENT: $(diff "$LOGS/chunks-src.log" "$LOGS/chunks-dst.log" | head -n 2 | tr '\n\t' '  ' | cut -c1-200)"
  fi
}

# ---------------------------------------------------------------------------
# pg_engine_probe: empty when omsctl accepts engine = "postgres", else the reason. The probe is
# a minimal project (only keys every release knows) so that a rejected engine is told apart
# from a rejected PostgreSQL-specific key in the real projects below, which is a real failure.
pg_engine_probe() {
  local rc=0
  write_project bench6-pg-probe <<TOML
[project]
name = "bench6-pg-probe"
types = ["schema"]
[source]
engine = "postgres"
host = "127.0.0.1"
port = 5432
user = "postgres"
[target]
engine = "postgres"
host = "127.0.0.1"
port = 5432
user = "postgres"
[[objects]]
include = "bench6.public.*"
TOML
  oms bench6-pg-probe schema --dry-run >"$LOGS/pg-probe.log" 2>&1 || rc=$?
  if (( rc == 2 )) && grep -qi 'not supported' "$LOGS/pg-probe.log"; then
    grep -i -m1 'not supported' "$LOGS/pg-probe.log" | sed 's/^.*: \([a-z]*\.engine = \)/\1/' | cut -c1-120
  fi
}

# try_omsctl_pg NAME GROUP LABEL TARGET_DB: an omsctl copy into/from PostgreSQL; "n/a" while
# omsctl says engine = "postgres" is not supported, else measured and checked like any copy.
try_omsctl_pg() {
  local name=$1 group=$2 label=$3 target_db=$4 rc=0
  if [[ -n $PG_UNSUPPORTED ]]; then
    record_fail "$group" "$label" "n/a (omsctl has no postgres engine yet: \`$PG_UNSUPPORTED\`)" 1
    return 0
  fi
  oms "$name" -q schema >"$LOGS/$name-schema.log" 2>&1 || rc=$?
  local secs rss ok
  if (( rc != 0 )); then
    record_fail "$group" "$label" "FAILED: omsctl schema exit $rc: $(log_tail "$name-schema")" 1
    return 0
  fi
  measure "$name-full" oms "$name" -q full
  if (( M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: omsctl full exit $M_RC: $(log_tail "$name-full")" 1
    return 0
  fi
  secs=$M_SECS rss=$M_RSS_KB
  measure "$name-verify" oms "$name" verify
  if (( M_RC != 0 )); then
    record_fail "$group" "$label" "FAILED: omsctl verify exit $M_RC: $(log_tail "$name-verify")" 1
  elif ok=$(check_pg_copy "$target_db" public); then
    record "$group" "$label" "$secs" "$TOTAL_ROWS" "$DATA_BYTES" "$rss" "verify equal; $ok" 1
  else
    record_fail "$group" "$label" "FAILED: verify exit 0 but $ok" 1
  fi
}

# run_pgloader LABEL LOGNAME WITH-CLAUSE: pgloader MariaDB 3306 bench6 -> PG bench6_pgloader.
run_pgloader() {
  local label=$1 name=$2 with=$3 ok schema=bench6 g_mp="MariaDB → PostgreSQL"
  say "$label: MariaDB 3306 bench6 -> PG bench6_pgloader"
  pg_recreate_db bench6_pgloader
  if ! command -v pgloader >/dev/null; then
    record_fail "$g_mp" "$label" "not run: pgloader not installed (scripts/install-peers.sh)"
    return 0
  fi
  cat >"$WORK/$name.load" <<EOF_LOAD
LOAD DATABASE
  FROM mysql://root@127.0.0.1:3306/bench6
  INTO $(pg_url bench6_pgloader)
$with;
EOF_LOAD
  measure "$name" pgloader "$WORK/$name.load"
  # pgloader exits 0 even when it rejected rows: the data check decides. It loads into a
  # schema named after the MySQL database.
  [[ $(pg -d bench6_pgloader -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'bench6'") == 1 ]] || schema=public
  if (( M_RC != 0 )); then
    record_fail "$g_mp" "$label" "FAILED: exit $M_RC: $(log_tail "$name")"
  elif ok=$(check_pg_copy bench6_pgloader "$schema"); then
    record "$g_mp" "$label" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
  else
    record_fail "$g_mp" "$label" "FAILED (exit 0): $ok; log: $(log_tail "$name")"
  fi
}

path_pg() {
  local g_pp="PostgreSQL → PostgreSQL" g_mp="MariaDB → PostgreSQL" ok label
  PG_UNSUPPORTED=$(pg_engine_probe)
  [[ -z $PG_UNSUPPORTED ]] || say "omsctl rejects engine = \"postgres\": $PG_UNSUPPORTED (its rows read n/a)"

  say "omsctl full PG -> PG (bench6_omspg)"
  pg_recreate_db bench6_omspg
  write_project bench6-pg-pg <<TOML
[project]
name = "bench6-pg-pg"
types = ["schema", "full", "verify"]
[source]
engine = "postgres"
host = "127.0.0.1"
port = 5432
user = "postgres"
[target]
engine = "postgres"
host = "127.0.0.1"
port = 5432
user = "postgres"
[[objects]]
include = "bench6.public.*"
target_database = "bench6_omspg"
target_schema = "public"
$(workers_toml)
TOML
  try_omsctl_pg bench6-pg-pg "$g_pp" "omsctl full ($CONCURRENCY workers)" bench6_omspg

  say "pg_dump | psql: bench6 -> bench6_copy"
  pg_recreate_db bench6_copy
  measure pg_dump bash -o pipefail -c \
    'pg_dump -h 127.0.0.1 -U postgres bench6 | psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d bench6_copy'
  label='pg_dump \| psql (one stream)'
  if (( M_RC != 0 )); then
    record_fail "$g_pp" "$label" "FAILED: exit $M_RC: $(log_tail pg_dump)"
  elif ok=$(check_pg_copy bench6_copy public); then
    record "$g_pp" "$label" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
  else
    record_fail "$g_pp" "$label" "FAILED: $ok"
  fi

  say "pgcopydb clone: bench6 -> bench6_pgcopydb"
  label="pgcopydb clone --table-jobs 2 --index-jobs 2"
  pg_recreate_db bench6_pgcopydb
  rm -rf "$WORK/pgcopydb"
  if ! command -v pgcopydb >/dev/null; then
    record_fail "$g_pp" "$label" "not run: pgcopydb not installed (scripts/install-peers.sh)"
  else
    measure pgcopydb pgcopydb clone --source "$(pg_url bench6)" --target "$(pg_url bench6_pgcopydb)" \
      --dir "$WORK/pgcopydb" --table-jobs 2 --index-jobs 2
    if (( M_RC != 0 )); then
      record_fail "$g_pp" "$label" "FAILED: exit $M_RC: $(log_tail pgcopydb)"
    elif ok=$(check_pg_copy bench6_pgcopydb public); then
      record "$g_pp" "$label" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
    else
      record_fail "$g_pp" "$label" "FAILED: $ok"
    fi
  fi

  say "omsctl full MariaDB -> PG (bench6_omsmy)"
  pg_recreate_db bench6_omsmy
  write_project bench6-mariadb-pg <<TOML
[project]
name = "bench6-mariadb-pg"
types = ["schema", "full", "verify"]
$(mariadb_source_toml)
[target]
engine = "postgres"
host = "127.0.0.1"
port = 5432
user = "postgres"
[[objects]]
include = "bench6.*"
target_database = "bench6_omsmy"
target_schema = "public"
$(workers_toml)
TOML
  try_omsctl_pg bench6-mariadb-pg "$g_mp" "omsctl full ($CONCURRENCY workers)" bench6_omsmy

  # pgloader twice: with its defaults, then with smaller batches (its defaults prefetch 100,000
  # rows per table, which with 3 MiB LOB rows can exhaust its heap).
  run_pgloader "pgloader (defaults)" pgloader ""
  run_pgloader "pgloader (WITH workers = 2, concurrency = 1, prefetch rows = 1000, batch rows = 1000)" pgloader-tuned \
    "WITH workers = 2, concurrency = 1, prefetch rows = 1000, batch rows = 1000, batch size = 16MB"

  say "shell pipeline: mariadb --batch | psql \\copy per table -> PG bench6_shell"
  # shellcheck disable=SC2016  # markdown code spans
  label='`mariadb --quick --batch` \| `psql \copy` per table (4 streams one after the other; index after)'
  pg_recreate_db bench6_shell
  pg_schema_sql | pg -d bench6_shell
  # shellcheck disable=SC2016  # the generated script expands its own arguments
  {
    echo 'set -Eeuo pipefail'
    echo 'db() { mariadb -uroot -h127.0.0.1 -P3306 --quick --batch -N bench6 -e "$1"; }'
    echo 'cp() { PGTZ=UTC psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d bench6_shell -c "\copy $1 FROM STDIN"; }'
    # --batch escapes tab, newline, backslash and NUL the way COPY's text format reads them;
    # the LONGBLOB goes as \x + hex (bytea input), written as 0x5C78 to avoid quoting layers.
    echo "db 'SELECT id, customer_id, status, amount, note, created, attrs FROM orders' | cp orders"
    echo "db 'SELECT order_id, line_no, sku, qty, price FROM order_items' | cp order_items"
    echo "db 'SELECT ev_time, kind, payload, amount FROM events_nokey' | cp events_nokey"
    echo "db 'SELECT id, title, body, CONCAT(0x5C78, HEX(data)) FROM docs_lob' | cp docs_lob"
    echo "PGTZ=UTC psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d bench6_shell -c '$(pg_index_sql)'"
  } >"$WORK/shell-pipeline.sh"
  measure shell-pipeline bash "$WORK/shell-pipeline.sh"
  if (( M_RC != 0 )); then
    record_fail "$g_mp" "$label" "FAILED: exit $M_RC: $(log_tail shell-pipeline)"
  elif ok=$(check_pg_copy bench6_shell public); then
    record "$g_mp" "$label" "$M_SECS" "$TOTAL_ROWS" "$DATA_BYTES" "$M_RSS_KB" "$ok"
  else
    record_fail "$g_mp" "$label" "FAILED: $ok"
  fi
}

# ---------------------------------------------------------------------------
INCR_MD=""
path_incr() {
  say "incr: scripts/bench-incr.sh (ROWS=$INCR_ROWS; its own table below)"
  local rc=0
  env -u WORK ROWS="$INCR_ROWS" bash scripts/bench-incr.sh >"$WORK/incr.md" 2>"$LOGS/bench-incr.log" || rc=$?
  if (( rc != 0 )); then
    record_fail "incr" "scripts/bench-incr.sh" "FAILED: exit $rc: $(log_tail bench-incr)"
  else
    INCR_MD=$(cat "$WORK/incr.md")
    record_fail "incr" "scripts/bench-incr.sh (ROWS=$INCR_ROWS)" "see the incremental sync table below" 2
  fi
}

# ---------------------------------------------------------------------------
path_startup() {
  local group="start-up" name=$ORDERS_MY_PROJECT label
  if (( ! OMS_MY_DONE )) && ! path_selected mysql && ! path_selected verify; then
    say "startup needs a finished project: making the omsctl copy (reported under $G_MY)"
    run_omsctl_mariadb && OMS_MY_DONE=1
  fi
  local full_state
  full_state=$(oms "$name" --json status 2>/dev/null | jq -r '.stages[] | select(.stage == "full" or .name == "full") | .state' 2>/dev/null | head -n1 || true)
  if [[ $full_state != completed ]]; then
    record_fail "$group" "omsctl status" "not run: the project's full stage is '${full_state:-unknown}', not completed"
    return 0
  fi
  measure status-once oms "$name" status
  local rss=$M_RSS_KB median_s
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 20 --export-json "$WORK/startup.json" \
      "$OMSCTL -c $(project_file "$name") --state-dir $STATE/$name status" >"$LOGS/startup.log" 2>&1 \
      || { record_fail "$group" "omsctl status" "FAILED: $(log_tail startup)"; return 0; }
    median_s=$(jq '.results[0].median' "$WORK/startup.json")
    label="omsctl status on the finished project: median of 20 runs (hyperfine -N) = $(printf '%.1f' "$(calc "$median_s * 1000")") ms"
  else
    local t0 rc=0
    : >"$WORK/startup.txt"
    for _ in $(seq 1 20); do
      t0=$(date +%s%N)
      oms "$name" status >/dev/null 2>&1 || rc=$?
      echo $(($(date +%s%N) - t0)) >>"$WORK/startup.txt"
    done
    (( rc == 0 )) || { record_fail "$group" "omsctl status" "FAILED: exit $rc"; return 0; }
    median_s=$(sort -n "$WORK/startup.txt" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)] / 1e9}')
    label="omsctl status on the finished project: median of 20 runs (date +%s%N loop) = $(printf '%.1f' "$(calc "$median_s * 1000")") ms"
  fi
  record "$group" "$label" "$median_s" 0 0 "$rss" "exit 0; shows full completed" 2
}

# ---------------------------------------------------------------------------
# run_path NAME: runs path_NAME in a subshell with errexit, so that an unexpected failure ends
# that path only (recorded as such) and the other paths still run. What later paths need from
# the omsctl MariaDB copy (PATH_STATE_VARS) comes back through a file.
PATH_STATE_VARS=(OMS_MY_DONE OMS_VERIFY_SECS OMS_VERIFY_RSS)
OMS_VERIFY_SECS="" OMS_VERIFY_RSS=""
run_path() {
  local name=$1 rc=0
  path_selected "$name" || return 0
  say "== path: $name"
  set +e
  (
    set -Eeuo pipefail
    "path_$name"
    for v in "${PATH_STATE_VARS[@]}"; do printf '%s=%q\n' "$v" "${!v}"; done >"$WORK/flags"
    [[ -z $INCR_MD ]] || printf '%s\n' "$INCR_MD" >"$WORK/incr-section.md"
  )
  rc=$?
  set -e
  if (( rc != 0 )); then
    record_fail "$name" "path $name" "ABORTED: exit $rc (see the log lines above)"
  fi
  if [[ -f $WORK/flags ]]; then
    # shellcheck disable=SC1091
    source "$WORK/flags"
  fi
}

rm -f "$WORK/flags" "$WORK/incr-section.md"
# seekdb runs after the timed comparisons: after a large load it compacts in the background
# for a while, which would take CPU from whatever is measured next.
for p in mysql verify pg startup seekdb incr; do
  run_path "$p"
done

# ---------------------------------------------------------------------------
DATE=$(date -u +%F)
REPORT=$OUT_DIR/results-$DATE.md
# shellcheck disable=SC2016  # markdown code spans
{
  printf '## omsctl benchmark (%s)\n\n' "$DATE"
  printf '%s, %s cores, %s, %s (git %s). Dataset bench6: %s orders, %s order_items, %s events_nokey (no key, every row twice), %s docs_lob rows of ~3 MiB = %s rows, %s MB of InnoDB data on 3306.\n\n' \
    "$(uname -m)" "$(nproc)" "$(free -g | awk '/^Mem:/ {print $2 " GiB"}')" "$OMSCTL_VERSION" \
    "$(git describe --always --dirty 2>/dev/null || echo '?')" \
    "$ROWS" "$(expected_rows order_items)" "$(expected_rows events_nokey)" "$LOB_ROWS" "$TOTAL_ROWS" "$((DATA_BYTES / 1000000))"
  printf 'Versions: MariaDB %s, PostgreSQL %s, seekdb %s; mydumper %s, pgcopydb %s, pgloader %s, hyperfine %s (Debian packages).\n\n' \
    "$(my 3306 -N -B -e 'SELECT VERSION()' 2>/dev/null | cut -d- -f1)" "$(pg -d postgres -c 'SHOW server_version' 2>/dev/null | cut -d' ' -f1)" \
    "$(my 2881 -N -B -e 'SELECT VERSION()' 2>/dev/null | sed 's/.*seekdb-//')" \
    "$(dpkg-query -W -f='${Version}' mydumper 2>/dev/null || echo none)" "$(dpkg-query -W -f='${Version}' pgcopydb 2>/dev/null || echo none)" \
    "$(dpkg-query -W -f='${Version}' pgloader 2>/dev/null || echo none)" "$(dpkg-query -W -f='${Version}' hyperfine 2>/dev/null || echo none)"
  render_table
  printf '\nSeconds: wall clock of the copy or check alone (omsctl: `full` after `schema`; verify runs after it). rows/s and MB/s: over all four tables (%s rows, %s MB of InnoDB data on the source, also for the PostgreSQL paths). Peak RSS: the largest client process (/usr/bin/time -f %%M), not the servers. Ratio: seconds / omsctl seconds on the same path (above 1: omsctl is faster). MariaDB targets write their binlog (except the same-server INSERT ... SELECT).\n' \
    "$TOTAL_ROWS" "$((DATA_BYTES / 1000000))"
  if [[ -f $WORK/incr-section.md ]]; then
    printf '\n### Incremental sync (scripts/bench-incr.sh)\n'
    cat "$WORK/incr-section.md"
  fi
  printf '\nTotal time of this script: %d s. Load average before: %s, after: %s (a shared %s-core machine: expect noise). Logs: %s\n' \
    "$((SECONDS - T_START))" "$LOAD_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "${LOGS#"$ROOT"/}"
} >"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"
say "report written to ${REPORT#"$ROOT"/}"
cat "$REPORT"
