#!/usr/bin/env bash
# Benchmark (not a test) of incremental sync from PostgreSQL (issue #4): how fast `omsctl incr
# --once` replays a backlog of single-row transactions read from a pgoutput slot, into
# PostgreSQL and into MariaDB (the second instance on 3307). Every run starts from scratch.
#
#   bash scripts/bench-incr-pg.sh                   # about 2 minutes on a 2-core machine
#   BACKLOG=200000 TARGETS="postgres mariadb" bash scripts/bench-incr-pg.sh
#
# Per target: a source database with ROWS rows; `omsctl schema` and `full` (which create the
# slot); then psql commits BACKLOG single-row transactions (a third each inserts, updates and
# deletes) while omsctl is not running; `omsctl incr --once` replays them: rate = changes / the
# seconds omsctl reports for the replay. Then `omsctl verify` must exit 0, and `omsctl release`
# drops the slot. Prints a markdown table on stdout; logs in target/bench-incr-pg/.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=bench/lock.sh
source "$ROOT/scripts/bench/lock.sh"
bench_lock bench-incr-pg.sh
WORK=${WORK:-$ROOT/target/bench-incr-pg}
ROWS=${ROWS:-100000}
BACKLOG=${BACKLOG:-150000}
TARGETS=${TARGETS:-"postgres mariadb"}
SRC_DB=bench_pgincr_src
DST_DB=bench_pgincr_dst

say() { printf '%s [bench-incr-pg] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
pg() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
calc() { echo "$*" | bc -l; }

command -v jq >/dev/null || apt-get install -y -qq jq bc >/dev/null
command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
bash scripts/setup-servers.sh >&2
cargo build --release -q
OMSCTL=$ROOT/target/release/omsctl
rm -rf "$WORK"
mkdir -p "$WORK"

ROWS_MD=()
for target in $TARGETS; do
  proj=$WORK/$target.toml
  oms() { "$OMSCTL" -c "$proj" "$@"; }
  say "$target: fresh source ($ROWS rows) and target"
  [[ -f $proj ]] && oms release --yes >/dev/null 2>&1 || true
  pg -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'omsctl\_bench\_pgincr%' AND NOT active" >/dev/null
  pg -d postgres -c "DROP DATABASE IF EXISTS $SRC_DB WITH (FORCE)" -c "CREATE DATABASE $SRC_DB" >/dev/null
  pg -d "$SRC_DB" >/dev/null <<SQL
CREATE TABLE t (id bigint PRIMARY KEY, n int NOT NULL, v text, updated timestamptz NOT NULL DEFAULT now());
INSERT INTO t SELECT i, i % 1000, md5(i::text), now() FROM generate_series(1, $ROWS) i;
SQL
  if [[ $target == postgres ]]; then
    pg -d postgres -c "DROP DATABASE IF EXISTS $DST_DB WITH (FORCE)" >/dev/null
    tgt=$'engine = "postgres"\nhost = "127.0.0.1"\nport = 5432\nuser = "postgres"'
  else
    mariadb -uroot -h127.0.0.1 -P3307 -e "DROP DATABASE IF EXISTS $DST_DB; DROP DATABASE IF EXISTS omsctl_bench_pgincr"
    tgt=$'engine = "mariadb"\nhost = "127.0.0.1"\nport = 3307\nuser = "root"\nmeta_database = "omsctl_bench_pgincr"'
  fi
  cat >"$proj" <<TOML
[project]
name = "bench_pgincr_$target"
types = ["schema", "full", "incr", "verify"]
[source]
engine = "postgres"
host = "127.0.0.1"
port = 5432
user = "postgres"
[target]
$tgt
[[objects]]
include = "$SRC_DB.public.*"
target_database = "$DST_DB"
TOML
  (cd "$WORK" && oms schema >"$WORK/$target-schema.log" 2>&1) || die "schema: $WORK/$target-schema.log"
  (cd "$WORK" && oms full >"$WORK/$target-full.log" 2>&1) || die "full: $WORK/$target-full.log"

  say "$target: psql commits $BACKLOG single-row transactions"
  t0=$(date +%s.%N)
  pg -d "$SRC_DB" >/dev/null <<SQL
SET synchronous_commit = off;
DO \$\$
BEGIN
  FOR i IN 1..$BACKLOG LOOP
    CASE i % 3
      WHEN 0 THEN INSERT INTO t (id, n, v) VALUES ($ROWS + i, i % 1000, md5(i::text));
      WHEN 1 THEN UPDATE t SET n = n + 1, v = md5(v), updated = now() WHERE id = 1 + (i * 7919) % $ROWS;
      ELSE DELETE FROM t WHERE id = $ROWS + i - 2;
    END CASE;
    COMMIT;
  END LOOP;
END
\$\$;
SQL
  write_s=$(calc "$(date +%s.%N) - $t0")

  say "$target: omsctl incr --once"
  rc=0
  (cd "$WORK" && /usr/bin/time -f '%e %M' -o "$WORK/$target-time" "$OMSCTL" -c "$proj" --json incr --once \
    >"$WORK/$target-incr.json" 2>"$WORK/$target-incr.err") || rc=$?
  (( rc == 0 )) || die "incr --once exited $rc: $WORK/$target-incr.err"
  read -r wall rss_kb <"$WORK/$target-time"
  summary=$(jq -c 'select(.type == "result") | .summary' "$WORK/$target-incr.json")
  secs=$(jq .seconds <<<"$summary")
  txns=$(jq .transactions <<<"$summary")
  rate=$(calc "$BACKLOG / $secs")
  rc=0
  (cd "$WORK" && oms verify >"$WORK/$target-verify.log" 2>&1) || rc=$?
  if (( rc == 0 )); then verified="yes (verify exit 0)"; else verified="NO (verify exit $rc, $WORK/$target-verify.log)"; fi
  (cd "$WORK" && oms release --yes >/dev/null 2>&1) || true
  say "$target: $BACKLOG changes ($txns transactions) in $secs s = $(printf '%.0f' "$rate")/s; peak RSS $((rss_kb / 1024)) MB; $verified"
  ROWS_MD+=("$(printf '| PostgreSQL → %s | %d single-row transactions (written in %.1f s) | **%.0f/s** (%.1f s; %.1f s wall incl. start-up) | %d MB | %s |' \
    "$target" "$BACKLOG" "$write_s" "$rate" "$secs" "$wall" "$((rss_kb / 1024))" "$verified")")
done

echo
echo "incr from PostgreSQL, backlog replay ($(date -u +%Y-%m-%d), $(nproc) cores; $ROWS rows in the table)"
echo
echo "| path | backlog | replay rate | peak RSS | verified |"
echo "|---|---|---:|---:|---|"
printf '%s\n' "${ROWS_MD[@]}"
