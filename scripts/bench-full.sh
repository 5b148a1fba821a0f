#!/usr/bin/env bash
# Benchmark (not a test): `omsctl full` against `mysqldump | mysql` on the same 1M-row table,
# in the same run, MariaDB 3306 -> the second MariaDB on 3307 (so source and target do not
# share a server). Both results are checked: omsctl with `omsctl verify`, the dump by row
# count and CHECKSUM TABLE. Prints a markdown table.
#
#   ROWS=1000000 bash scripts/bench-full.sh
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=bench/lock.sh
source "$ROOT/scripts/bench/lock.sh"
bench_lock bench-full.sh
ROWS=${ROWS:-1000000}
WORK=${WORK:-$ROOT/target/bench}
SRC_DB=bench_src
mkdir -p "$WORK"

bash scripts/setup-servers.sh >&2
cargo build --release >&2
OMSCTL=$ROOT/target/release/omsctl
my() { local port=$1; shift; mariadb -uroot -h127.0.0.1 -P"$port" "$@"; }

have=$(my 3306 -N -e "SELECT COUNT(*) FROM $SRC_DB.orders" 2>/dev/null || echo 0)
if [[ $have != "$ROWS" ]]; then
  echo "generating $ROWS rows in $SRC_DB.orders (deterministic)" >&2
  my 3306 -e "SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS $SRC_DB; CREATE DATABASE $SRC_DB; USE $SRC_DB;
    CREATE TABLE orders (
      id BIGINT NOT NULL PRIMARY KEY, customer_id INT NOT NULL, status ENUM('new','paid','shipped','cancelled') NOT NULL,
      amount DECIMAL(12,2) NOT NULL, note VARCHAR(100) CHARACTER SET utf8mb4, created DATETIME(6) NOT NULL,
      attrs JSON, KEY k_customer (customer_id)) DEFAULT CHARSET=utf8mb4;
    INSERT INTO orders SELECT seq, seq * 7919 % 100000, ELT(1 + seq % 4, 'new','paid','shipped','cancelled'),
      (seq * 37 % 100000) / 100, CONCAT('commande n° ', seq, ' — état ✓'), '2024-01-01' + INTERVAL seq SECOND,
      JSON_OBJECT('sku', CONCAT('SKU-', seq % 5000), 'qty', seq % 9, 'tags', JSON_ARRAY('a', 'b'), 'addr', REPEAT('x', 120))
    FROM seq_1_to_$ROWS;"
fi
my 3306 -N -e "ANALYZE TABLE $SRC_DB.orders" >/dev/null
bytes=$(my 3306 -N -e "SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA='$SRC_DB' AND TABLE_NAME='orders'")
my 3307 -e "DROP DATABASE IF EXISTS bench_dump; DROP DATABASE IF EXISTS bench_oms; DROP DATABASE IF EXISTS omsctl_bench; CREATE DATABASE bench_dump"

now() { date +%s.%N; }
echo "mysqldump | mysql ..." >&2
t0=$(now)
mariadb-dump -uroot -h127.0.0.1 -P3306 --single-transaction --skip-lock-tables "$SRC_DB" orders | my 3307 bench_dump
t1=$(now)
dump_s=$(echo "$t1 - $t0" | bc -l)
dump_rows=$(my 3307 -N -e "SELECT COUNT(*) FROM bench_dump.orders")

cat >"$WORK/bench.toml" <<TOML
[project]
name = "bench"
types = ["schema", "full", "verify"]
[source]
engine = "mariadb"
host = "127.0.0.1"
port = 3306
user = "root"
[target]
engine = "mariadb"
host = "127.0.0.1"
port = 3307
user = "root"
meta_database = "omsctl_bench"
[[objects]]
include = "$SRC_DB.orders"
target_database = "bench_oms"
[full]
concurrency = ${CONCURRENCY:-4}
TOML
rm -rf "$WORK/.omsctl/bench"
"$OMSCTL" -q -c "$WORK/bench.toml" schema >/dev/null
echo "omsctl full ..." >&2
t0=$(now)
/usr/bin/time -f "%M" -o "$WORK/rss" "$OMSCTL" -q -c "$WORK/bench.toml" full >/dev/null
t1=$(now)
oms_s=$(echo "$t1 - $t0" | bc -l)
rss_kb=$(cat "$WORK/rss")
"$OMSCTL" -q -c "$WORK/bench.toml" verify >/dev/null && verified=yes || verified=NO
a=$(my 3306 -N -e "CHECKSUM TABLE $SRC_DB.orders" | cut -f2)
b=$(my 3307 -N -e "CHECKSUM TABLE bench_dump.orders" | cut -f2)
[[ $a == "$b" && $dump_rows == "$ROWS" ]] && dump_ok=yes || dump_ok=NO

mb=$(echo "$bytes / 1000000" | bc -l)
printf '\n%s, %s cores, %s rows (%.0f MB InnoDB data), MariaDB 3306 -> MariaDB 3307\n\n' "$(date -u +%F)" "$(nproc)" "$ROWS" "$mb"
printf '| tool | seconds | rows/s | MB/s | correct | speed relative to omsctl |\n|---|---:|---:|---:|---|---:|\n'
printf '| omsctl full (4 workers; secondary index built after the data, included) | %.1f | %.0f | %.1f | %s (verify) | 1.00 |\n' "$oms_s" "$(echo "$ROWS / $oms_s" | bc -l)" "$(echo "$mb / $oms_s" | bc -l)" "$verified"
printf '| mysqldump \\| mysql | %.1f | %.0f | %.1f | %s (CHECKSUM TABLE) | %.2f |\n' "$dump_s" "$(echo "$ROWS / $dump_s" | bc -l)" "$(echo "$mb / $dump_s" | bc -l)" "$dump_ok" "$(echo "$oms_s / $dump_s" | bc -l)"
printf '\nomsctl peak RSS: %d MB\n' "$((rss_kb / 1024))"
