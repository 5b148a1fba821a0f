# shellcheck shell=bash
# The benchmark dataset of scripts/bench.sh: the same deterministic rows in MariaDB 3306
# database `bench6` and in PostgreSQL database `bench6` (schema public), and the canonical
# per-table hashes used to check every copy. Source it, do not run it.
#
# Tables (N = ROWS, all values a function of the row number):
#   orders        N rows; bigint PK, int customer_id (secondary index), enum status,
#                 decimal(12,2), varchar(100) with non-ASCII text, datetime(6)/timestamp(6)
#                 with microseconds, JSON (~200 bytes; PG jsonb)
#   order_items   2 lines for each of the first N/2 orders; composite PK (order_id, line_no)
#   events_nokey  N/10 rows, no key at all, every row present exactly twice
#   docs_lob      LOB_ROWS rows: ~2 MiB LONGTEXT (PG text) of hex digests + 1 MiB LONGBLOB
#                 (PG bytea) of SHA-256 bytes, so neither compresses to nothing
#
# Check: count(*) and the SUM of the first 60 bits of MD5 of a canonical row text, per table,
# computed by the server (MariaDB and PostgreSQL give the same text, so the same sums): the
# dataset is generated once and both engines' sums must match; every copy is compared with them.
# JSON is compared by its values (sku, qty, tags[0..1], addr) so that jsonb's key order and
# spacing do not matter; LOBs by their MD5.

BENCH_TABLES=(orders order_items events_nokey docs_lob)
LOB_TEXT_PARTS=32768  # 64-char hex digests per LONGTEXT value (2 MiB)
LOB_BLOB_PARTS=32768  # 32-byte digests per LONGBLOB value (1 MiB)

# expected_rows TABLE
expected_rows() {
  case $1 in
    orders) echo "$ROWS" ;;
    order_items) echo $((ROWS / 2 * 2)) ;;
    events_nokey) echo $(((ROWS / 20) * 2)) ;;
    docs_lob) echo "$LOB_ROWS" ;;
  esac
}
total_rows() {
  local t n=0
  for t in "${BENCH_TABLES[@]}"; do n=$((n + $(expected_rows "$t"))); done
  echo "$n"
}

# Canonical row text per table, MariaDB (canon_my) and PostgreSQL (canon_pg) spelling.
canon_my() {
  case $1 in
    orders) echo "CONCAT_WS('|', id, customer_id, status, amount, note, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f'),
      JSON_VALUE(attrs, '\$.sku'), JSON_VALUE(attrs, '\$.qty'), JSON_VALUE(attrs, '\$.tags[0]'),
      JSON_VALUE(attrs, '\$.tags[1]'), JSON_VALUE(attrs, '\$.addr'))" ;;
    order_items) echo "CONCAT_WS('|', order_id, line_no, sku, qty, price)" ;;
    events_nokey) echo "CONCAT_WS('|', DATE_FORMAT(ev_time, '%Y-%m-%d %H:%i:%s.%f'), kind, payload, amount)" ;;
    docs_lob) echo "CONCAT_WS('|', id, title, MD5(body), MD5(data))" ;;
  esac
}
canon_pg() {
  case $1 in
    orders) echo "concat_ws('|', id, customer_id, status, amount, note, to_char(created, 'YYYY-MM-DD HH24:MI:SS.US'),
      attrs::jsonb->>'sku', attrs::jsonb->>'qty', attrs::jsonb->'tags'->>0, attrs::jsonb->'tags'->>1, attrs::jsonb->>'addr')" ;;
    order_items) echo "concat_ws('|', order_id, line_no, sku, qty, price)" ;;
    events_nokey) echo "concat_ws('|', to_char(ev_time, 'YYYY-MM-DD HH24:MI:SS.US'), kind, payload, amount)" ;;
    docs_lob) echo "concat_ws('|', id, title, md5(body), md5(data))" ;;
  esac
}

# hash_my PORT DB TABLE -> "count sum"
hash_my() {
  my "$1" -N -B -e "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(MD5($(canon_my "$3")), 15), 16, 10) AS UNSIGNED)), 0)
    FROM \`$2\`.\`$3\`" | tr '\t' ' '
}
# hash_pg DB SCHEMA TABLE -> "count sum"
hash_pg() {
  pg -d "$1" -F ' ' -c "SELECT count(*), coalesce(sum(('x' || left(md5($(canon_pg "$3")), 15))::bit(60)::bigint), 0)
    FROM \"$2\".\"$3\""
}

# The reference hashes (of MariaDB bench6, equal to PostgreSQL bench6), one "table count sum"
# per line, cached in $WORK for this dataset size.
ref_file() { echo "$WORK/reference-$ROWS-$LOB_ROWS.txt"; }
ref_hash() { awk -v t="$1" '$1 == t {print $2, $3}' "$(ref_file)"; }

# check_pg_copy DB SCHEMA -> prints "count+md5 equal" or "count+md5 DIFFER: ..."; exit 0 when equal.
check_pg_copy() {
  local db=$1 schema=$2 t got want bad=()
  for t in "${BENCH_TABLES[@]}"; do
    got=$(hash_pg "$db" "$schema" "$t" 2>&1 | tr '\n' ' ' | sed 's/ *$//') || true
    want=$(ref_hash "$t")
    [[ $got == "$want" ]] || bad+=("$t: ${got:-?} (want count/sum $want)")
  done
  if (( ${#bad[@]} == 0 )); then echo "count+md5 equal"; return 0; fi
  echo "count+md5 DIFFER: ${bad[*]}" | cut -c1-300
  return 1
}

# check_my_checksum PORT_A DB_A PORT_B DB_B -> "CHECKSUM TABLE equal" or the difference.
check_my_checksum() {
  local t a b bad=()
  for t in "${BENCH_TABLES[@]}"; do
    a=$(my "$1" -N -B -e "CHECKSUM TABLE \`$2\`.\`$t\`" 2>&1 | cut -f2)
    b=$(my "$3" -N -B -e "CHECKSUM TABLE \`$4\`.\`$t\`" 2>&1 | cut -f2)
    [[ -n $a && $a != NULL && $a == "$b" ]] || bad+=("$t: $a vs $b")
  done
  if (( ${#bad[@]} == 0 )); then echo "CHECKSUM TABLE equal"; return 0; fi
  echo "CHECKSUM TABLE DIFFERS: ${bad[*]}" | cut -c1-300
  return 1
}

have_rows_my() {
  local t n
  for t in "${BENCH_TABLES[@]}"; do
    n=$(my 3306 -N -B -e "SELECT COUNT(*) FROM bench6.$t" 2>/dev/null || echo x)
    [[ $n == "$(expected_rows "$t")" ]] || return 1
  done
}
have_rows_pg() {
  local t n
  for t in "${BENCH_TABLES[@]}"; do
    n=$(pg -d bench6 -c "SELECT count(*) FROM public.$t" 2>/dev/null || echo x)
    [[ $n == "$(expected_rows "$t")" ]] || return 1
  done
}

gen_mariadb() {
  local half=$((ROWS / 2)) ev=$((ROWS / 20))
  say "generating MariaDB 3306 bench6 ($ROWS orders, $LOB_ROWS LOB rows; binlog off for the session)"
  my 3306 <<SQL >&2
SET SESSION sql_log_bin = 0;
SET SESSION group_concat_max_len = 67108864;
DROP DATABASE IF EXISTS bench6;
CREATE DATABASE bench6 DEFAULT CHARACTER SET utf8mb4;
USE bench6;
CREATE TABLE orders (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id INT NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  note VARCHAR(100),
  created DATETIME(6) NOT NULL,
  attrs JSON,
  KEY k_customer (customer_id)
) DEFAULT CHARSET=utf8mb4;
INSERT INTO orders
SELECT seq, seq * 7919 % 100000, ELT(1 + seq % 4, 'new','paid','shipped','cancelled'),
  (seq * 37 % 100000) / 100, CONCAT('commande n° ', seq, ' — état ✓'),
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq * 997 % 1000000) MICROSECOND,
  JSON_OBJECT('sku', CONCAT('SKU-', seq % 5000), 'qty', seq % 9, 'tags', JSON_ARRAY('a', 'b'), 'addr', REPEAT('x', 120))
FROM seq_1_to_$ROWS;
CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line_no INT NOT NULL,
  sku VARCHAR(32) NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
) DEFAULT CHARSET=utf8mb4;
INSERT INTO order_items
SELECT o.seq, l.seq, CONCAT('SKU-', (o.seq * 31 + l.seq) % 5000), 1 + (o.seq + l.seq) % 5,
  ((o.seq * 13 + l.seq * 7) % 10000) / 100
FROM seq_1_to_$half o JOIN seq_1_to_2 l;
CREATE TABLE events_nokey (
  ev_time DATETIME(6) NOT NULL,
  kind VARCHAR(20) NOT NULL,
  payload VARCHAR(64),
  amount INT
) DEFAULT CHARSET=utf8mb4;
INSERT INTO events_nokey
SELECT TIMESTAMP'2024-02-01 00:00:00' + INTERVAL s.seq * 7 SECOND, ELT(1 + s.seq % 3, 'click','view','buy'),
  CONCAT('évènement ', s.seq, ' ', MD5(s.seq)), s.seq * 13 % 1000
FROM seq_1_to_$ev s JOIN seq_1_to_2 c;
CREATE TABLE docs_lob (
  id INT NOT NULL PRIMARY KEY,
  title VARCHAR(100) NOT NULL,
  body LONGTEXT,
  data LONGBLOB
) DEFAULT CHARSET=utf8mb4;
INSERT INTO docs_lob
SELECT d.seq, CONCAT('Dokument ', d.seq, ' — Überschrift ✓'),
  CONCAT('Dokument ', d.seq, ' — ',
    (SELECT GROUP_CONCAT(SHA2(CONCAT('b', d.seq, '-', s.seq), 256) ORDER BY s.seq SEPARATOR '') FROM seq_1_to_$LOB_TEXT_PARTS s)),
  (SELECT UNHEX(GROUP_CONCAT(SHA2(CONCAT('d', d.seq, '-', s.seq), 256) ORDER BY s.seq SEPARATOR '')) FROM seq_1_to_$LOB_BLOB_PARTS s)
FROM seq_1_to_$LOB_ROWS d;
ANALYZE TABLE orders, order_items, events_nokey, docs_lob;
SQL
}

# The PostgreSQL schema of the dataset (also used for the MariaDB -> PG shell pipeline target).
pg_schema_sql() {
  cat <<'SQL'
CREATE TYPE order_status AS ENUM ('new','paid','shipped','cancelled');
CREATE TABLE orders (
  id bigint NOT NULL PRIMARY KEY,
  customer_id int NOT NULL,
  status order_status NOT NULL,
  amount numeric(12,2) NOT NULL,
  note varchar(100),
  created timestamp(6) NOT NULL,
  attrs jsonb
);
CREATE TABLE order_items (
  order_id bigint NOT NULL,
  line_no int NOT NULL,
  sku varchar(32) NOT NULL,
  qty int NOT NULL,
  price numeric(10,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
);
CREATE TABLE events_nokey (
  ev_time timestamp(6) NOT NULL,
  kind varchar(20) NOT NULL,
  payload varchar(64),
  amount int
);
CREATE TABLE docs_lob (
  id int NOT NULL PRIMARY KEY,
  title varchar(100) NOT NULL,
  body text,
  data bytea
);
SQL
}
pg_index_sql() { echo "CREATE INDEX k_customer ON orders (customer_id);"; }

gen_pg() {
  local half=$((ROWS / 2)) ev=$((ROWS / 20))
  say "generating PostgreSQL bench6 ($ROWS orders, $LOB_ROWS LOB rows)"
  pg_recreate_db bench6
  {
    pg_schema_sql
    cat <<SQL
INSERT INTO orders
SELECT s, (s * 7919 % 100000)::int, (ARRAY['new','paid','shipped','cancelled'])[1 + s % 4]::order_status,
  ((s * 37 % 100000) / 100.0)::numeric(12,2), 'commande n° ' || s || ' — état ✓',
  timestamp '2024-01-01 00:00:00' + s * interval '1 second' + (s * 997 % 1000000) * interval '1 microsecond',
  jsonb_build_object('sku', 'SKU-' || (s % 5000), 'qty', s % 9, 'tags', jsonb_build_array('a', 'b'), 'addr', repeat('x', 120))
FROM generate_series(1::bigint, $ROWS) s;
INSERT INTO order_items
SELECT o, l, 'SKU-' || ((o * 31 + l) % 5000), 1 + (o + l) % 5, ((o * 13 + l * 7) % 10000) / 100.0
FROM generate_series(1::bigint, $half) o, generate_series(1, 2) l;
INSERT INTO events_nokey
SELECT timestamp '2024-02-01 00:00:00' + s * 7 * interval '1 second', (ARRAY['click','view','buy'])[1 + s % 3],
  'évènement ' || s || ' ' || md5(s::text), s * 13 % 1000
FROM generate_series(1::bigint, $ev) s, generate_series(1, 2) c;
INSERT INTO docs_lob
SELECT d, 'Dokument ' || d || ' — Überschrift ✓',
  'Dokument ' || d || ' — ' ||
    (SELECT string_agg(encode(sha256(convert_to('b' || d || '-' || s, 'UTF8')), 'hex'), '' ORDER BY s)
     FROM generate_series(1, $LOB_TEXT_PARTS) s),
  (SELECT decode(string_agg(encode(sha256(convert_to('d' || d || '-' || s, 'UTF8')), 'hex'), '' ORDER BY s), 'hex')
   FROM generate_series(1, $LOB_BLOB_PARTS) s)
FROM generate_series(1, $LOB_ROWS) d;
SQL
    pg_index_sql
    echo "ANALYZE;"
  } | pg -d bench6
}

# ensure_dataset: generates what is missing (by row counts), then makes sure the reference
# hashes exist and that MariaDB and PostgreSQL hold the same data (compared whenever either
# side was generated or no reference is cached for this size). Sets DATA_BYTES (InnoDB data
# of the four tables on 3306) and DATA_BYTES_OF[table].
ensure_dataset() {
  local regenerated=0 t m p bad=() lines=()
  (( ROWS >= 100 )) || die "ROWS must be at least 100"
  (( LOB_ROWS >= 1 )) || die "LOB_ROWS must be at least 1"
  if have_rows_my; then say "MariaDB bench6: already there with the right row counts (reused)"
  else gen_mariadb; regenerated=1; fi
  if have_rows_pg; then say "PostgreSQL bench6: already there with the right row counts (reused)"
  else gen_pg; regenerated=1; fi
  if (( regenerated )) || [[ ! -s $(ref_file) ]]; then
    say "checking that MariaDB and PostgreSQL bench6 hold the same rows (count + md5 sum per table)"
    rm -f "$(ref_file)"
    for t in "${BENCH_TABLES[@]}"; do
      m=$(hash_my 3306 bench6 "$t")
      p=$(hash_pg bench6 public "$t")
      say "  $t: MariaDB $m, PostgreSQL $p"
      [[ $m == "$p" && ${m%% *} == "$(expected_rows "$t")" ]] || bad+=("$t (MariaDB $m, PostgreSQL $p)")
      lines+=("$t $m")
    done
    (( ${#bad[@]} == 0 )) || die "the generated datasets differ: ${bad[*]}"
    printf '%s\n' "${lines[@]}" >"$(ref_file)"
  fi
  DATA_BYTES=0
  declare -gA DATA_BYTES_OF=()
  while read -r t m; do
    # shellcheck disable=SC2034  # read by bench.sh
    DATA_BYTES_OF[$t]=$m
    DATA_BYTES=$((DATA_BYTES + m))
  done < <(my 3306 -N -B -e "SELECT TABLE_NAME, DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench6'")
  say "dataset: $(total_rows) rows, $((DATA_BYTES / 1000000)) MB of InnoDB data on 3306"
}
