#!/usr/bin/env bash
# Benchmark (not a test) of incremental sync, issue #3: the sustained replay rate of
# `omsctl incr` (row changes/s) and its lag while a separate process writes a steady 1,000 and
# 5,000 row changes/s. MariaDB 3306 (source) -> the second MariaDB on 3307 (target).
#
#   bash scripts/bench-incr.sh                      # about 3 minutes on a 2-core machine
#   BACKLOG=200000 RATES="1000 5000" RATE_SECONDS=30 bash scripts/bench-incr.sh
#
# What it does (every run starts from scratch: drops its databases and its state directory):
#   0. builds omsctl and examples/loadgen.rs (release); creates bench_incr_src.bench_incr with
#      ROWS rows on 3306; a project in target/bench-incr/; `omsctl schema`, `omsctl full`.
#   a. backlog replay: loadgen writes BACKLOG single-row transactions as fast as it can while
#      omsctl is not running, then `omsctl incr --once` replays them; rate = changes / the
#      seconds omsctl reports for the replay (its start-up is in the wall-clock column below).
#   b. steady rate, for each rate in RATES: `omsctl incr` follows in the background, loadgen
#      writes RATE changes/s for RATE_SECONDS s, `omsctl status --json` is sampled every 0.5 s
#      (lag_ms as omsctl reports it) and so is the age of the newest row on the target (an
#      independent measure: NOW(6) - `updated` of the highest id; the source sets `updated` to
#      NOW(6) when it writes, and both servers share this machine's clock). When the load stops,
#      the time until the target's checkpoint reaches the source's binlog position is the
#      catch-up time; apply rate = changes written / (load seconds + catch-up seconds). Then the
#      follower gets SIGTERM (it finishes its batch and exits 130).
#   c. after each phase: `omsctl incr --once`, then `omsctl verify` (exit 0 = equal) and, as an
#      independent check, CHECKSUM TABLE on both servers.
# Prints a markdown table on stdout; progress and details on stderr; logs in target/bench-incr/logs.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=bench/lock.sh
source "$ROOT/scripts/bench/lock.sh"
bench_lock bench-incr.sh
WORK=${WORK:-$ROOT/target/bench-incr}
ROWS=${ROWS:-100000}
BACKLOG=${BACKLOG:-200000}
RATES=${RATES:-"1000 5000"}
RATE_SECONDS=${RATE_SECONDS:-30}
CONNECTIONS=${CONNECTIONS:-16}  # loadgen connections (4 cannot offer 5,000 commits/s here)
SRC_DB=bench_incr_src
DST_DB=bench_incr_dst
META_DB=omsctl_bench_incr
PROJECT=bench-incr
PROJ=$WORK/$PROJECT.toml
LOGS=$WORK/logs
T_START=$SECONDS

say() { printf '%s [bench-incr] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
my() { local port=$1; shift; mariadb -uroot -h127.0.0.1 -P"$port" "$@"; }
now_ms() { date +%s%3N; }
calc() { echo "$*" | bc -l; }

# Processes this script starts in the background; stopped (by pid) if the script ends early.
FOLLOWER_PID=""
LOADGEN_PID=""
cleanup() {
  local p
  for p in "$LOADGEN_PID" "$FOLLOWER_PID"; do
    [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null || true
  done
  for p in "$LOADGEN_PID" "$FOLLOWER_PID"; do
    [[ -n "$p" ]] && wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

# ---------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "servers"
SKIP_SEEKDB=${SKIP_SEEKDB:-1} bash scripts/setup-servers.sh >/dev/null
say "building omsctl and loadgen (release)"
cargo build --release >&2
cargo build --release --examples >&2
OMSCTL=$ROOT/target/release/omsctl
LOADGEN=$ROOT/target/release/examples/loadgen
oms() { "$OMSCTL" -c "$PROJ" "$@"; }
loadgen() { "$LOADGEN" --host 127.0.0.1 --port 3306 --database "$SRC_DB" --connections "$CONNECTIONS" "$@"; }

say "fresh databases and state: $SRC_DB (3306), $DST_DB and $META_DB (3307), $WORK/.omsctl"
rm -rf "$WORK/.omsctl" "$LOGS"
mkdir -p "$WORK" "$LOGS"
my 3307 -e "DROP DATABASE IF EXISTS $DST_DB; DROP DATABASE IF EXISTS $META_DB"
my 3306 -e "SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS $META_DB; DROP DATABASE IF EXISTS $SRC_DB;
  CREATE DATABASE $SRC_DB; USE $SRC_DB;
  CREATE TABLE bench_incr (id BIGINT PRIMARY KEY, k INT, v VARCHAR(64), amount DECIMAL(12,2),
    updated DATETIME(6), KEY (k));
  INSERT INTO bench_incr SELECT seq, seq * 7919 % 100000, CONCAT('row ', seq, ' ', REPEAT('x', seq % 40)),
    (seq * 37 % 100000) / 100, '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_$ROWS;"

cat >"$PROJ" <<TOML
# Written by scripts/bench-incr.sh (overwritten on every run).
[project]
name = "$PROJECT"
types = ["schema", "full", "incr", "verify"]

[source]
engine = "mariadb"
host = "127.0.0.1"
port = 3306
user = "root"
meta_database = "$META_DB"

[target]
engine = "mariadb"
host = "127.0.0.1"
port = 3307
user = "root"
meta_database = "$META_DB"

[[objects]]
include = "$SRC_DB.*"
target_database = "$DST_DB"
TOML

say "omsctl schema + full ($ROWS rows)"
oms -q schema >"$LOGS/schema.log" 2>&1 || die "omsctl schema failed (exit $?): $LOGS/schema.log"
t0=$(now_ms)
oms -q full >"$LOGS/full.log" 2>&1 || die "omsctl full failed (exit $?): $LOGS/full.log"
FULL_S=$(calc "($(now_ms) - $t0) / 1000")

# Row changes of the benchmark table that omsctl has applied (from incr.json, via status).
applied() {
  oms --json status 2>/dev/null | jq '[.incr.tables // {} | .[] | .insert + .update + .delete] | add // 0'
}

# catch_up_and_verify NAME: `incr --once`, then `verify` and, independently, CHECKSUM TABLE on
# both servers (same server version and table definition, so equal data gives equal sums).
# Prints "yes (...)" or "NO (...)".
catch_up_and_verify() {
  local name=$1 rc a b sums
  rc=0; oms incr --once >"$LOGS/$name-catchup.log" 2>&1 || rc=$?
  if (( rc != 0 )); then
    echo "NO (incr --once exit $rc, ${LOGS#"$ROOT"/}/$name-catchup.log)"
    return
  fi
  a=$(my 3306 -N -e "CHECKSUM TABLE $SRC_DB.bench_incr" | cut -f2)
  b=$(my 3307 -N -e "CHECKSUM TABLE $DST_DB.bench_incr" | cut -f2)
  if [[ -n $a && $a == "$b" ]]; then sums="CHECKSUM TABLE equal"; else sums="CHECKSUM TABLE DIFFERS: $a vs $b"; fi
  rc=0; oms verify >"$LOGS/$name-verify.log" 2>&1 || rc=$?
  if (( rc == 0 )) && [[ $sums == *equal ]]; then
    echo "yes (verify exit 0; $sums)"
  else
    echo "NO (verify exit $rc, ${LOGS#"$ROOT"/}/$name-verify.log; $sums)"
  fi
}

# pct FILE Q: nearest-rank percentile (Q in 0..100) of the numbers in FILE, one per line.
pct() {
  sort -n "$1" | awk -v q="$2" '{v[NR] = $1} END {
    if (NR == 0) { print "n/a"; exit }
    r = int((q / 100) * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}
fmt_s() { [[ $1 == n/a ]] && echo n/a || printf '%.2f s' "$(calc "$1 / 1000")"; }
# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }

ROWS_MD=()
NOTES=()

# ---------------------------------------------------------------------------
say "phase a: loadgen writes $BACKLOG changes as fast as it can, omsctl not running"
LG_A=$(loadgen --total "$BACKLOG" --seed 1)
echo "$LG_A" >"$LOGS/a-loadgen.json"
lg_changes=$(jq .changes <<<"$LG_A")
lg_rate=$(jq .rate <<<"$LG_A")
say "  loadgen: $LG_A"
before=$(applied)
say "  omsctl incr --once replays the backlog"
rc=0
/usr/bin/time -f '%e %U %S %M' -o "$LOGS/a-time" "$OMSCTL" -c "$PROJ" --json incr --once \
  >"$LOGS/a-incr.json" 2>"$LOGS/a-incr.err" || rc=$?
(( rc == 0 )) || die "omsctl incr --once exited $rc: $LOGS/a-incr.err"
read -r a_wall a_user a_sys a_rss_kb <"$LOGS/a-time"
a_summary=$(jq -c 'select(.type == "result") | .summary' "$LOGS/a-incr.json")
say "  omsctl: $(jq -c '{transactions, seconds, conflicts, position}' <<<"$a_summary")"
a_secs=$(jq .seconds <<<"$a_summary")
a_txns=$(jq .transactions <<<"$a_summary")
a_applied=$(( $(applied) - before ))
a_rate=$(calc "$a_applied / $a_secs")
a_cpu=$(calc "$a_user + $a_sys")
a_note=""
(( a_applied == lg_changes )) || a_note=" (MISMATCH: loadgen wrote $lg_changes, omsctl counted $a_applied)"
say "  $a_applied changes ($a_txns transactions) in $(printf '%.2f' "$a_secs") s = $(printf '%.0f' "$a_rate")/s; wall ${a_wall}s, CPU ${a_cpu}s, peak RSS $((a_rss_kb / 1024)) MB$a_note"
say "  verify"
a_verify=$(catch_up_and_verify a)
ROWS_MD+=("$(printf '| backlog replay: `incr --once` over %s queued changes | as fast as possible (written at %.0f/s) | **%.0f/s** (%d changes in %.1f s; %.1f s wall incl. start-up; omsctl CPU %.1f s)%s | n/a | n/a | n/a | %s |' \
  "$lg_changes" "$lg_rate" "$a_rate" "$a_applied" "$a_secs" "$a_wall" "$a_cpu" "$a_note" "$a_verify")")

# ---------------------------------------------------------------------------
EXTRA=()
for rate in $RATES; do
  name=r$rate
  say "phase b ($rate/s): omsctl incr follows in the background"
  base=$(applied)
  f_start=$(now_ms)
  "$OMSCTL" -c "$PROJ" incr >"$LOGS/$name-follow.log" 2>&1 &
  FOLLOWER_PID=$!
  # Caught up: a lag measured after the follower started, below 2 s.
  ok=0
  for _ in $(seq 1 120); do
    s=$(oms --json status 2>/dev/null || true)
    if [[ -n "$s" ]] && jq -e --argjson t "$f_start" \
        '(.incr.lag_updated_ms // 0) > $t and (.incr.lag_ms // 99999) < 2000' <<<"$s" >/dev/null; then
      ok=1; break
    fi
    kill -0 "$FOLLOWER_PID" 2>/dev/null || die "the follower exited early: $LOGS/$name-follow.log"
    sleep 0.5
  done
  (( ok )) || say "  WARNING: the follower did not report a lag below 2 s within 60 s; measuring anyway"
  cpu0=$(cpu_s "$FOLLOWER_PID")

  : >"$LOGS/$name-samples.tsv"
  say "  loadgen --rate $rate --seconds $RATE_SECONDS; sampling status every 0.5 s"
  loadgen --rate "$rate" --seconds "$RATE_SECONDS" --seed "$rate" >"$LOGS/$name-loadgen.json" 2>"$LOGS/$name-loadgen.err" &
  LOADGEN_PID=$!
  lg_t0=$(now_ms)
  while kill -0 "$LOADGEN_PID" 2>/dev/null; do
    sleep 0.5
    t=$(now_ms)
    s=$(oms --json status 2>/dev/null || echo '{}')
    age=$(my 3307 -N -e "SELECT TIMESTAMPDIFF(MICROSECOND, updated, NOW(6)) DIV 1000 FROM $DST_DB.bench_incr ORDER BY id DESC LIMIT 1" 2>/dev/null || echo "")
    # t_ms  lag_ms  lag_age_ms  applied  target_data_age_ms
    printf '%s\t%s\t%s\t%s\n' "$((t - lg_t0))" \
      "$(jq -r '[.incr.lag_ms // "", .incr.lag_age_ms // "", ([.incr.tables // {} | .[] | .insert + .update + .delete] | add // 0)] | @tsv' <<<"$s")" \
      "${age:-}" >>"$LOGS/$name-samples.tsv"
  done
  rc=0; wait "$LOADGEN_PID" || rc=$?
  LOADGEN_PID=""
  (( rc == 0 )) || die "loadgen exited $rc: $LOGS/$name-loadgen.err"
  lg_end=$(now_ms)
  LG=$(cat "$LOGS/$name-loadgen.json")
  say "  loadgen: $LG"
  lg_changes=$(jq .changes <<<"$LG")
  lg_rate=$(jq .rate <<<"$LG")
  lg_secs=$(jq .seconds <<<"$LG")

  # Catch-up: time from the end of the load until the target's checkpoint (committed with the
  # data) reaches the source's binlog position at that moment.
  read -r src_file src_pos < <(my 3306 -N -e "SHOW MASTER STATUS" | cut -f1,2)
  [[ -n $src_file && -n $src_pos ]] || die "SHOW MASTER STATUS on 3306 returned nothing"
  src_max=$(my 3306 -N -e "SELECT MAX(id) FROM $SRC_DB.bench_incr")
  drain_s=""
  ck_file="" ck_pos=0
  for _ in $(seq 1 $((10 * 180))); do
    ck=$(my 3307 -N -e "SELECT file, pos FROM $META_DB.incr_position WHERE project = '$PROJECT'" 2>/dev/null || true)
    if [[ -n $ck ]]; then
      read -r ck_file ck_pos <<<"$ck"
      if [[ $ck_file > $src_file || ( $ck_file == "$src_file" && $ck_pos -ge $src_pos ) ]]; then
        drain_s=$(calc "($(now_ms) - $lg_end) / 1000"); break
      fi
    fi
    kill -0 "$FOLLOWER_PID" 2>/dev/null || break
    sleep 0.1
  done
  dst_max=$(my 3307 -N -e "SELECT MAX(id) FROM $DST_DB.bench_incr")
  say "  load ended at source position $src_file:$src_pos (max id $src_max); target checkpoint $ck_file:$ck_pos (max id $dst_max) $(if [[ -n $drain_s ]]; then printf '%.2f s' "$drain_s"; else echo '180 s'; fi) later"
  cpu1=$(cpu_s "$FOLLOWER_PID")
  say "  stopping the follower (SIGTERM)"
  t0=$(now_ms)
  kill -TERM "$FOLLOWER_PID"
  rc=0; wait "$FOLLOWER_PID" || rc=$?
  FOLLOWER_PID=""
  stop_s=$(calc "($(now_ms) - $t0) / 1000")
  [[ $rc == 130 ]] || say "  WARNING: the follower exited $rc after SIGTERM (expected 130): $LOGS/$name-follow.log"

  # Lag statistics over the samples taken while the load ran (omsctl's lag_ms, and the
  # independently measured age of the newest row on the target).
  cut -f2 "$LOGS/$name-samples.tsv" | grep -E '^[0-9]+$' >"$LOGS/$name-lag.txt" || true
  cut -f5 "$LOGS/$name-samples.tsv" | grep -E '^-?[0-9]+$' >"$LOGS/$name-age.txt" || true
  n=$(wc -l <"$LOGS/$name-lag.txt")
  lag50=$(pct "$LOGS/$name-lag.txt" 50); lag99=$(pct "$LOGS/$name-lag.txt" 99); lagmax=$(pct "$LOGS/$name-lag.txt" 100)
  age50=$(pct "$LOGS/$name-age.txt" 50); age99=$(pct "$LOGS/$name-age.txt" 99); agemax=$(pct "$LOGS/$name-age.txt" 100)
  stale_max=$(cut -f3 "$LOGS/$name-samples.tsv" | grep -E '^[0-9]+$' | sort -n | tail -n1 || echo n/a)
  # Apply rate: the changes written / (load time + catch-up time), the follower having been
  # caught up when the load started. (Logged too: the rate between the first and the last
  # sample of incr.json's counters, which omsctl rewrites about once a second.)
  apply_rate=$(calc "$lg_changes / ($lg_secs + ${drain_s:-180})")
  read -r ta aa < <(awk -F'\t' '$4 != "" {print $1, $4; exit} END {print 0, 0}' "$LOGS/$name-samples.tsv")
  read -r tb ab < <(awk -F'\t' 'BEGIN {t = 0; a = 0} $4 != "" {t = $1; a = $4} END {print t, a}' "$LOGS/$name-samples.tsv")
  if (( tb > ta )); then sample_rate=$(calc "($ab - $aa) * 1000 / ($tb - $ta)"); else sample_rate=0; fi
  # Falling behind? Compare the data age in the first and the last third of the samples.
  trend=$(awk '{v[NR] = $1} END { if (NR < 6) { print ""; exit }
    k = int(NR / 3); for (i = 1; i <= k; i++) { a += v[i]; b += v[NR - k + i] }
    printf "%.0f %.0f", a / k, b / k }' "$LOGS/$name-age.txt")
  read -r age_first age_last <<<"${trend:-0 0}"
  behind=""
  if [[ -z $drain_s ]] || (( $(calc "$drain_s > 5") )) || (( age_last > 2000 && age_last > 2 * age_first + 1000 )); then
    behind=" **falling behind**: data age $(fmt_s "$age_first") in the first third of the load, $(fmt_s "$age_last") in the last; caught up $(if [[ -n $drain_s ]]; then printf '%.1f s' "$drain_s"; else echo 'not within 180 s'; fi) after the load stopped"
  fi
  follow_cpu=$(calc "$cpu1 - $cpu0")
  say "  $n samples; omsctl lag_ms p50 $lag50 p99 $lag99 max $lagmax (status staleness max ${stale_max} ms); target data age p50 $age50 p99 $age99 max $agemax ms"
  say "  apply rate $(printf '%.0f' "$apply_rate")/s (from incr.json samples during the load: $(printf '%.0f' "$sample_rate")/s); caught up $(if [[ -n $drain_s ]]; then printf '%.2f s' "$drain_s"; else echo 'NOT within 180 s'; fi) after it; follower CPU ${follow_cpu} s; SIGTERM -> exit $rc in $(printf '%.2f' "$stop_s") s"
  say "  verify"
  v=$(catch_up_and_verify "$name")
  if (( $(calc "$lg_rate < 0.95 * $rate") )); then
    NOTES+=("At $rate/s offered the source accepted only $(printf '%.0f' "$lg_rate")/s (loadgen, $CONNECTIONS connections, single-row autocommit transactions, while omsctl and the target shared the machine).")
    say "  NOTE: ${NOTES[-1]}"
  fi
  ROWS_MD+=("$(printf '| steady load, `incr` following (%s s) | %s/s (written at %.0f/s) | %.0f/s%s | %s | %s | %s | %s |' \
    "$RATE_SECONDS" "$rate" "$lg_rate" "$apply_rate" "$behind" "$(fmt_s "$lag50")" "$(fmt_s "$lag99")" "$(fmt_s "$lagmax")" "$v")")
  EXTRA+=("$(printf '| %s/s | %s | %s | %s | %s | %s | %.1f s (%.0f%% of one core) | %s |' \
    "$rate" "$(fmt_s "$age50")" "$(fmt_s "$age99")" "$(fmt_s "$agemax")" "$(fmt_s "$stale_max")" \
    "$(if [[ -n $drain_s ]]; then printf '%.1f s' "$drain_s"; else echo 'not within 180 s'; fi)" "$follow_cpu" "$(calc "100 * $follow_cpu / ($lg_secs + ${drain_s:-0})")" \
    "$(if [[ $rc == 130 ]]; then printf '130 after %.1f s' "$stop_s"; else echo "$rc (expected 130)"; fi)")")
done

# ---------------------------------------------------------------------------
{
  printf '\n%s, %s cores, omsctl %s, MariaDB 3306 -> MariaDB 3307, bench_incr (%s rows copied by full in %.1f s), loadgen %s connections, one row change per source transaction\n\n' \
    "$(date -u +%F)" "$(nproc)" "$(git describe --always --dirty 2>/dev/null || echo '?')" "$ROWS" "$FULL_S" "$CONNECTIONS"
  echo '| scenario | offered rate | achieved apply rate | lag p50 | lag p99 | lag max | verify |'
  echo '|---|---:|---:|---:|---:|---:|---|'
  printf '%s\n' "${ROWS_MD[@]}"
  if (( ${#EXTRA[@]} > 0 )); then
    printf '\nLag columns: `lag_ms` from `omsctl status --json`, sampled every 0.5 s during the load (nearest rank; %s s of samples, so p99 is close to the max).\n' "$RATE_SECONDS"
    printf 'Independent check: the age of the newest row on the target (target NOW(6) minus the `updated` time the source wrote), sampled at the same moments:\n\n'
    echo '| offered rate | data age p50 | data age p99 | data age max | status staleness max (lag_age_ms) | checkpoint caught up after load stopped | follower CPU | SIGTERM |'
    echo '|---:|---:|---:|---:|---:|---:|---:|---|'
    printf '%s\n' "${EXTRA[@]}"
  fi
  if (( ${#NOTES[@]} > 0 )); then
    printf '\n'
    printf -- '- %s\n' "${NOTES[@]}"
  fi
  printf '\nTotal time of this script: %d s. Load average before: %s, after: %s (other work on this machine shares its %s cores with both servers, omsctl and loadgen). Logs: %s\n' \
    "$((SECONDS - T_START))" "$LOAD_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "${LOGS#"$ROOT"/}"
}
