#!/usr/bin/env bash
# The main job, end to end on local servers: the Sakila sample database (../shared/corpus)
# migrated from MariaDB (3306) into OceanBase (seekdb, 2881), into a second MariaDB (3307) and
# into PostgreSQL (5432) with `omsctl run` (precheck, schema, full, verify), then `omsctl status`.
# Repeatable: it drops the demo's target databases and state first.
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
WORK=${WORK:-$ROOT/target/demo}
CORPUS=${CORPUS:-$ROOT/../shared/corpus}

bash scripts/setup-servers.sh >&2
cargo build --release >&2
OMSCTL=$ROOT/target/release/omsctl

if ! mariadb -uroot -h127.0.0.1 -N -e 'SELECT COUNT(*) FROM corpus_sakila.rental' 2>/dev/null | grep -qx 16044; then
  [[ -f $CORPUS/load.sh ]] || { echo "Sakila corpus not found at $CORPUS (set CORPUS=...)" >&2; exit 2; }
  ONLY=sakila bash "$CORPUS/load.sh" >/dev/null
fi

mkdir -p "$WORK"
migrate() { # name engine port target_db
  local name=$1 engine=$2 port=$3 db=$4
  if [[ $engine == postgres ]]; then
    psql -h 127.0.0.1 -p "$port" -U root -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  else
    mariadb -uroot -h127.0.0.1 -P"$port" -e "DROP DATABASE IF EXISTS \`$db\`; DROP DATABASE IF EXISTS omsctl_demo"
  fi
  rm -rf "$WORK/.omsctl/$name"
  cat >"$WORK/$name.toml" <<TOML
[project]
name = "$name"
types = ["schema", "full", "verify"]

[source]
engine = "mariadb"
host = "127.0.0.1"
port = 3306
user = "root"

[target]
engine = "$engine"
host = "127.0.0.1"
port = $port
user = "root"
meta_database = "omsctl_demo"

[[objects]]
include = "corpus_sakila.*"
target_database = "$db"

[full]
concurrency = 4
TOML
  echo "==== omsctl run: MariaDB corpus_sakila -> $engine:$port $db" >&2
  "$OMSCTL" -c "$WORK/$name.toml" run
  "$OMSCTL" -c "$WORK/$name.toml" status
}
migrate sakila-to-oceanbase oceanbase 2881 sakila_ob
migrate sakila-to-mariadb mariadb 3307 sakila_copy
migrate sakila-to-postgres postgres 5432 sakila_pg
echo "demo done: project files and state under $WORK" >&2
