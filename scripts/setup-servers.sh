#!/usr/bin/env bash
# Sets up the local database servers that omsctl's tests need, idempotently:
#
#   a. MariaDB primary    127.0.0.1:3306  root / empty password, binlog ROW/FULL, server_id=1
#   b. MariaDB secondary  127.0.0.1:3307  root / empty password, binlog ROW/FULL, server_id=2
#                         (datadir /var/lib/omsctl/mariadb2, config /etc/omsctl/mariadb2.cnf)
#   c. PostgreSQL         127.0.0.1:5432  trust auth, wal_level=logical, 20 slots / senders
#   d. seekdb (OceanBase) 127.0.0.1:2881  root / empty password   (scripts/seekdb.sh)
#
# Runs on a fresh Debian 12 machine (installs what is missing with apt-get) and on
# one that is already set up (then it changes nothing and restarts nothing).
# No systemd is assumed: servers are started with start-stop-daemon / pg_ctlcluster.
#
# Environment:
#   SKIP_SEEKDB=1   do not install/start seekdb
#
# Logs go to stderr; the endpoint summary at the end goes to stdout.
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OMSCTL_LOG_TAG=setup-servers
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

MARIADBD=/usr/sbin/mariadbd
MARIADB_START_TIMEOUT=60

# Settings both MariaDB instances must run with. Each entry:
#   "name|SQL expression for the running value|expected value|config line|static?"
# "static" ones need a restart; the others are applied with SET GLOBAL when they differ.
mariadb_settings() {
  local server_id=$1
  cat <<EOF
log_bin|@@log_bin|1|log_bin = mysql-bin|static
log_bin_basename|@@log_bin_basename = CONCAT(@@datadir, 'mysql-bin')|1||static
binlog_format|@@binlog_format|ROW|binlog_format = ROW|
binlog_row_image|@@binlog_row_image|FULL|binlog_row_image = FULL|
binlog_row_metadata|@@binlog_row_metadata|FULL|binlog_row_metadata = FULL|
server_id|@@server_id|${server_id}|server_id = ${server_id}|
local_infile|@@local_infile|1|local_infile = ON|
max_allowed_packet|@@max_allowed_packet|268435456|max_allowed_packet = 256M|
innodb_buffer_pool_size|@@innodb_buffer_pool_size|1073741824|innodb_buffer_pool_size = 1G|
binlog_expire_logs_seconds|@@binlog_expire_logs_seconds|259200|expire_logs_days = 3|
EOF
}

mariadb_config_lines() {
  local line
  while IFS='|' read -r _ _ _ line _; do
    [[ -n "$line" ]] && printf '%s\n' "$line"
  done < <(mariadb_settings "$1")
}

# mdb PORT [mariadb args...] : root over TCP, empty password.
mdb() {
  local port=$1
  shift
  mariadb --connect-timeout=3 -uroot -h127.0.0.1 -P"$port" "$@"
}

mdb_login_ok() { mdb "$1" -N -e 'SELECT 1' >/dev/null 2>&1; }

# The server answers on 127.0.0.1:PORT, even if it refuses our login (1045 access
# denied, 1130 host not allowed): those mean it is up, only root's accounts are wrong.
mdb_alive() {
  local out
  out=$(mariadb-admin --connect-timeout=2 -h127.0.0.1 -P"$1" -uroot ping 2>&1) && return 0
  [[ "$out" == *"is not allowed to connect"* || "$out" == *"Access denied"* ]]
}

# Makes root log in over TCP 127.0.0.1 with an empty password. Only touches the
# accounts when that login fails (fresh Debian install: root@localhost is unix_socket only,
# and with skip-name-resolve TCP clients match 'root'@'127.0.0.1', which may not exist).
mariadb_ensure_root_tcp() {
  local port=$1 socket=$2
  if mdb_login_ok "$port"; then
    return 0
  fi
  log "MariaDB :$port: root cannot log in over TCP with an empty password; fixing via $socket"
  mariadb --protocol=socket --socket="$socket" -uroot <<'SQL' >&2
ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
ALTER USER root@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS root@'::1' IDENTIFIED BY '';
ALTER USER root@'::1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO root@'::1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  mdb_login_ok "$port" || die "MariaDB :$port: root still cannot log in over TCP 127.0.0.1 with an empty password"
  log "MariaDB :$port: root@127.0.0.1 logs in with an empty password now"
}

# mariadb_wait_up PORT SOCKET ERRLOG : waits for the server, fixes root auth, checks SELECT 1.
mariadb_wait_up() {
  local port=$1 socket=$2 errlog=$3
  if ! wait_for "$MARIADB_START_TIMEOUT" "MariaDB on 127.0.0.1:$port" mdb_alive "$port"; then
    [[ -f "$errlog" ]] && { warn "last lines of $errlog:"; tail -n 30 "$errlog" >&2; }
    die "MariaDB on 127.0.0.1:$port did not come up within ${MARIADB_START_TIMEOUT}s"
  fi
  mariadb_ensure_root_tcp "$port" "$socket"
  wait_for 10 "mariadb -uroot -h127.0.0.1 -P$port -e 'select 1'" mdb_login_ok "$port" \
    || die "MariaDB :$port is up but 'select 1' as root over TCP fails"
}

# mariadb_stop PORT ERRLOG : clean shutdown, then waits for the process to exit.
mariadb_stop() {
  local port=$1 errlog=$2 pidfile pid=""
  pidfile=$(mdb "$port" -N -e 'SELECT @@pid_file' 2>/dev/null || true)
  [[ -n "$pidfile" && -f "$pidfile" ]] && pid=$(<"$pidfile")
  log "MariaDB :$port: shutting down (pid ${pid:-unknown})"
  if ! mariadb-admin --connect-timeout=3 -uroot -h127.0.0.1 -P"$port" shutdown >&2; then
    [[ -n "$pid" ]] || die "MariaDB :$port: mariadb-admin shutdown failed and no pid is known"
    warn "mariadb-admin shutdown failed; sending SIGTERM to $pid"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if [[ -n "$pid" ]] && ! wait_pid_gone "$pid" "$MARIADB_START_TIMEOUT"; then
    [[ -f "$errlog" ]] && tail -n 20 "$errlog" >&2
    die "MariaDB :$port: process $pid still running ${MARIADB_START_TIMEOUT}s after shutdown"
  fi
  wait_for 30 "port $port to close" bash -c "! timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port'" \
    || die "port $port still open after shutdown"
}

# mariadb_reconcile PORT SERVER_ID RESTART_FN : compares the running values with the
# wanted ones; SET GLOBAL for dynamic ones, RESTART_FN when a static one differs.
mariadb_reconcile() {
  local port=$1 server_id=$2 restart_fn=$3
  local names=() exprs=() wants=() statics=() name expr want _cfg static
  while IFS='|' read -r name expr want _cfg static; do
    names+=("$name"); exprs+=("$expr"); wants+=("$want"); statics+=("$static")
  done < <(mariadb_settings "$server_id")

  local query got=() i
  query="SELECT $(IFS=,; echo "${exprs[*]}")"
  IFS=$'\t' read -r -a got < <(mdb "$port" -N -B -e "$query")

  local need_restart=0 sets=() diffs=()
  for i in "${!names[@]}"; do
    if [[ "${got[i]:-}" != "${wants[i]}" ]]; then
      diffs+=("${names[i]}=${got[i]:-?} (want ${wants[i]})")
      if [[ "${statics[i]}" == static ]]; then
        need_restart=1
      else
        if [[ "${wants[i]}" =~ ^[0-9]+$ ]]; then
          sets+=("@@GLOBAL.${names[i]} = ${wants[i]}")
        else
          sets+=("@@GLOBAL.${names[i]} = '${wants[i]}'")
        fi
      fi
    fi
  done

  if (( ${#diffs[@]} == 0 )); then
    log "MariaDB :$port: running settings already right (binlog ON, ROW/FULL/FULL, server_id=$server_id)"
    return 0
  fi
  log "MariaDB :$port: running settings differ: ${diffs[*]}"
  if (( need_restart )); then
    log "MariaDB :$port: a static setting differs -> restart"
    "$restart_fn"
  else
    log "MariaDB :$port: applying with SET GLOBAL (no restart needed)"
    mdb "$port" -e "SET $(IFS=,; echo "${sets[*]}")" >&2
  fi

  # Verify.
  IFS=$'\t' read -r -a got < <(mdb "$port" -N -B -e "$query")
  diffs=()
  for i in "${!names[@]}"; do
    [[ "${got[i]:-}" == "${wants[i]}" ]] || diffs+=("${names[i]}=${got[i]:-?} (want ${wants[i]})")
  done
  (( ${#diffs[@]} == 0 )) || die "MariaDB :$port: settings still differ after applying them: ${diffs[*]} (another option file overriding ours?)"
  log "MariaDB :$port: settings verified"
}

# ---------------------------------------------------------------------------
# a. MariaDB primary on 3306
# ---------------------------------------------------------------------------
PRIMARY_PORT=3306

# Value of an option as the server would read it from the default option files.
mariadbd_default() {
  my_print_defaults --mysqld 2>/dev/null | sed -n "s/^--$1=//p" | tail -n 1
}

# The include dir that the server's option files pull in; adds one if there is none.
mariadb_include_dir() {
  local help files f dirs=() d
  help=$("$MARIADBD" --help --verbose 2>/dev/null || true)
  files=$(awk '/Default options are read from the following files/ {getline; print; exit}' <<<"$help")
  [[ -n "$files" ]] || files="/etc/my.cnf /etc/mysql/my.cnf"
  for f in $files; do
    # shellcheck disable=SC2088  # a literal "~/.my.cnf" as printed by mariadbd
    [[ "$f" == "~/"* || ! -f "$f" ]] && continue
    while read -r d; do
      dirs+=("${d%/}")
    done < <(sed -n 's/^[[:space:]]*!includedir[[:space:]]\+\([^[:space:]]\+\).*/\1/p' "$f")
  done
  for d in "${dirs[@]}"; do [[ "$d" == */mariadb.conf.d ]] && { echo "$d"; return; }; done
  for d in "${dirs[@]}"; do [[ "$d" == */conf.d ]] && { echo "$d"; return; }; done
  if (( ${#dirs[@]} > 0 )); then
    echo "${dirs[-1]}"
    return
  fi
  # No include dir at all (a hand-written my.cnf): add Debian's usual one at the end.
  local target=/etc/mysql/my.cnf
  [[ -f "$target" ]] || target=/etc/my.cnf
  mkdir -p /etc/mysql/conf.d
  log "no !includedir in the MariaDB option files ($files); appending '!includedir /etc/mysql/conf.d/' to $target"
  printf '\n# Added by omsctl scripts/setup-servers.sh: load drop-in option files.\n!includedir /etc/mysql/conf.d/\n' >>"$target"
  echo /etc/mysql/conf.d
}

primary_socket()  { local s; s=$(mariadbd_default socket); echo "${s:-/run/mysqld/mysqld.sock}"; }
primary_pidfile() { local p; p=$(mariadbd_default pid-file); echo "${p:-/run/mysqld/mysqld.pid}"; }
# stdout/stderr of the mariadbd we start (the error log itself when no log-error is set).
PRIMARY_OUTPUT=/var/log/omsctl/mariadb-3306.out
primary_errlog()  { local e; e=$(mariadbd_default log-error); echo "${e:-$PRIMARY_OUTPUT}"; }

primary_start() {
  local pidfile socket args=()
  pidfile=$(primary_pidfile)
  socket=$(primary_socket)
  install -d -o mysql -g mysql -m 0755 "$(dirname "$pidfile")" "$(dirname "$socket")"
  install -d -m 0755 "$(dirname "$PRIMARY_OUTPUT")"
  # Debian's stock 50-server.cnf has no `user = mysql` (its init script passes it via
  # mysqld_safe); mariadbd started as root without it refuses to run.
  [[ -n "$(mariadbd_default user)" ]] || args+=(--user=mysql)
  log "MariaDB :$PRIMARY_PORT: starting ($MARIADBD${args[*]:+ ${args[*]}} via start-stop-daemon, pid file $pidfile, output $PRIMARY_OUTPUT)"
  # --pidfile makes start-stop-daemon tell this server apart from the 3307 one, which
  # runs the same binary (with --exec alone, --oknodo would see that one and do nothing).
  start-stop-daemon --start --oknodo --background --output "$PRIMARY_OUTPUT" \
    --pidfile "$pidfile" --exec "$MARIADBD" -- "${args[@]}"
  mariadb_wait_up "$PRIMARY_PORT" "$socket" "$(primary_errlog)"
}

primary_restart() {
  mariadb_stop "$PRIMARY_PORT" "$(primary_errlog)"
  primary_start
}

setup_mariadb_primary() {
  log "== MariaDB primary (127.0.0.1:$PRIMARY_PORT)"
  apt_install_missing mariadb-server mariadb-client

  local dir conf
  dir=$(mariadb_include_dir)
  conf="$dir/99-omsctl.cnf"
  if {
    echo "# Managed by omsctl scripts/setup-servers.sh - edits are overwritten."
    echo "[mysqld]"
    mariadb_config_lines 1
  } | write_if_changed "$conf" 0644; then
    log "MariaDB :$PRIMARY_PORT: wrote $conf"
  else
    log "MariaDB :$PRIMARY_PORT: $conf unchanged"
  fi

  if mdb_alive "$PRIMARY_PORT"; then
    log "MariaDB :$PRIMARY_PORT: running"
    mariadb_ensure_root_tcp "$PRIMARY_PORT" "$(primary_socket)"
  else
    primary_start
  fi
  mariadb_reconcile "$PRIMARY_PORT" 1 primary_restart
}

# ---------------------------------------------------------------------------
# b. MariaDB secondary on 3307
# ---------------------------------------------------------------------------
SECONDARY_PORT=3307
SECONDARY_CONF=/etc/omsctl/mariadb2.cnf
SECONDARY_DATADIR=/var/lib/omsctl/mariadb2
SECONDARY_SOCKET=/run/omsctl/mariadb2.sock
SECONDARY_PIDFILE=/run/omsctl/mariadb2.pid
SECONDARY_ERRLOG=/var/log/omsctl/mariadb2.err

secondary_start() {
  install -d -o mysql -g mysql -m 0755 "$(dirname "$SECONDARY_SOCKET")"
  log "MariaDB :$SECONDARY_PORT: starting ($MARIADBD --defaults-file=$SECONDARY_CONF)"
  start-stop-daemon --start --oknodo --background --output /var/log/omsctl/mariadb2.out \
    --pidfile "$SECONDARY_PIDFILE" --exec "$MARIADBD" -- --defaults-file="$SECONDARY_CONF"
  mariadb_wait_up "$SECONDARY_PORT" "$SECONDARY_SOCKET" "$SECONDARY_ERRLOG"
}

secondary_restart() {
  mariadb_stop "$SECONDARY_PORT" "$SECONDARY_ERRLOG"
  secondary_start
}

setup_mariadb_secondary() {
  log "== MariaDB secondary (127.0.0.1:$SECONDARY_PORT)"
  apt_install_missing mariadb-server mariadb-client

  if {
    cat <<EOF
# Managed by omsctl scripts/setup-servers.sh - edits are overwritten.
# Second MariaDB instance for omsctl tests; start with
#   mariadbd --defaults-file=$SECONDARY_CONF
[mysqld]
user = mysql
basedir = /usr
datadir = $SECONDARY_DATADIR
port = $SECONDARY_PORT
bind-address = 127.0.0.1
socket = $SECONDARY_SOCKET
pid-file = $SECONDARY_PIDFILE
log-error = $SECONDARY_ERRLOG
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
EOF
    mariadb_config_lines 2
  } | write_if_changed "$SECONDARY_CONF" 0644; then
    log "MariaDB :$SECONDARY_PORT: wrote $SECONDARY_CONF"
  else
    log "MariaDB :$SECONDARY_PORT: $SECONDARY_CONF unchanged"
  fi

  install -d -m 0755 /var/log/omsctl
  [[ -f "$SECONDARY_ERRLOG" ]] || install -o mysql -g mysql -m 0640 /dev/null "$SECONDARY_ERRLOG"

  if [[ ! -d "$SECONDARY_DATADIR/mysql" ]]; then
    log "MariaDB :$SECONDARY_PORT: initialising $SECONDARY_DATADIR with mariadb-install-db"
    install -d -m 0755 "$(dirname "$SECONDARY_DATADIR")"
    if ! mariadb-install-db --defaults-file="$SECONDARY_CONF" --user=mysql \
        --auth-root-authentication-method=normal --skip-test-db >/tmp/omsctl-mariadb2-install.log 2>&1; then
      tail -n 30 /tmp/omsctl-mariadb2-install.log >&2
      rm -rf "$SECONDARY_DATADIR"
      die "mariadb-install-db failed for $SECONDARY_DATADIR (full log: /tmp/omsctl-mariadb2-install.log)"
    fi
  else
    log "MariaDB :$SECONDARY_PORT: datadir $SECONDARY_DATADIR exists"
  fi

  if mdb_alive "$SECONDARY_PORT"; then
    log "MariaDB :$SECONDARY_PORT: running"
    mariadb_ensure_root_tcp "$SECONDARY_PORT" "$SECONDARY_SOCKET"
  else
    secondary_start
  fi
  mariadb_reconcile "$SECONDARY_PORT" 2 secondary_restart
}

# ---------------------------------------------------------------------------
# c. PostgreSQL on 5432
# ---------------------------------------------------------------------------
PG_PORT=5432
PG_HBA_BEGIN="# BEGIN omsctl (scripts/setup-servers.sh): trust local TCP"
PG_HBA_END="# END omsctl"

# Prints "VERSION CLUSTER STATUS" of the cluster on $PG_PORT (else of the newest "main").
pg_cluster() {
  local line
  line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {print $1, $2, $4; exit}')
  [[ -n "$line" ]] || line=$(pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {l = $1 " " $2 " " $4} END {print l}')
  [[ -n "$line" ]] || die "no PostgreSQL cluster found (pg_lsclusters is empty)"
  echo "$line"
}

pg_sql() { runuser -u postgres -- psql -X -q -At -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 "$@"; }
pg_tcp_ok() { psql -X -w -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; }
pg_ready() { pg_sql -c 'SELECT 1' >/dev/null 2>&1; }

setup_postgres() {
  log "== PostgreSQL (127.0.0.1:$PG_PORT)"
  apt_install_missing postgresql

  local ver cluster status
  read -r ver cluster status < <(pg_cluster)
  if [[ "$status" != online* ]]; then
    log "PostgreSQL $ver/$cluster is $status: starting"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start >&2
  else
    log "PostgreSQL $ver/$cluster: running"
  fi
  wait_for 60 "PostgreSQL $ver/$cluster" pg_ready || die "PostgreSQL $ver/$cluster did not accept connections within 60s"

  # pg_hba.conf: trust for 127.0.0.1/32 and ::1/128, put first so it wins over later rules.
  local hba
  hba=$(pg_sql -c 'SHOW hba_file')
  if ! grep -qF "$PG_HBA_BEGIN" "$hba"; then
    log "PostgreSQL: adding trust rules for 127.0.0.1/32 and ::1/128 at the top of $hba"
    cp -p "$hba" "$hba.omsctl-bak"
    {
      echo "$PG_HBA_BEGIN"
      echo "host    all             all             127.0.0.1/32            trust"
      echo "host    all             all             ::1/128                 trust"
      echo "$PG_HBA_END"
      cat "$hba.omsctl-bak"
    } >"$hba"
    pg_sql -c 'SELECT pg_reload_conf()' >/dev/null
    sleep 1
  else
    log "PostgreSQL: $hba already has the omsctl trust rules"
  fi

  # Replication settings: ALTER SYSTEM, restart only when the running value differs.
  local wal slots senders need_restart=0
  IFS='|' read -r wal slots senders < <(pg_sql -c \
    "SELECT current_setting('wal_level'), current_setting('max_replication_slots'), current_setting('max_wal_senders')")
  if [[ "$wal" != logical ]]; then
    log "PostgreSQL: wal_level=$wal -> logical"
    pg_sql -c "ALTER SYSTEM SET wal_level = 'logical'"
    need_restart=1
  fi
  if (( slots < 20 )); then
    log "PostgreSQL: max_replication_slots=$slots -> 20"
    pg_sql -c "ALTER SYSTEM SET max_replication_slots = 20"
    need_restart=1
  fi
  if (( senders < 20 )); then
    log "PostgreSQL: max_wal_senders=$senders -> 20"
    pg_sql -c "ALTER SYSTEM SET max_wal_senders = 20"
    need_restart=1
  fi
  if (( need_restart )); then
    log "PostgreSQL $ver/$cluster: restarting to apply the replication settings"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" restart >&2
    wait_for 60 "PostgreSQL $ver/$cluster after restart" pg_ready || die "PostgreSQL did not come back within 60s"
    IFS='|' read -r wal slots senders < <(pg_sql -c \
      "SELECT current_setting('wal_level'), current_setting('max_replication_slots'), current_setting('max_wal_senders')")
    if [[ "$wal" != logical ]] || (( slots < 20 || senders < 20 )); then
      die "PostgreSQL settings not applied after restart: wal_level=$wal max_replication_slots=$slots max_wal_senders=$senders"
    fi
  fi
  log "PostgreSQL: wal_level=$wal max_replication_slots=$slots max_wal_senders=$senders"

  pg_tcp_ok || die "PostgreSQL: 'psql -h 127.0.0.1 -U postgres' without a password fails; check $hba"
  log "PostgreSQL: trust login over 127.0.0.1 works"
  # The tests and the demo connect as role root (the MariaDB servers' user name too).
  if [[ "$(pg_sql -c "SELECT count(*) FROM pg_roles WHERE rolname = 'root'")" != 1 ]]; then
    log "PostgreSQL: creating role root (SUPERUSER, REPLICATION, LOGIN)"
    pg_sql -c 'CREATE ROLE root SUPERUSER REPLICATION LOGIN' >/dev/null
  fi
}

# ---------------------------------------------------------------------------
main() {
  require_root
  local t0=$SECONDS
  log "setting up omsctl test servers"
  setup_mariadb_primary
  setup_mariadb_secondary
  setup_postgres
  if [[ "${SKIP_SEEKDB:-0}" == 1 ]]; then
    log "== seekdb: skipped (SKIP_SEEKDB=1)"
  else
    log "== seekdb (127.0.0.1:2881)"
    bash "$SCRIPT_DIR/seekdb.sh" start
  fi
  log "done in $(( SECONDS - t0 ))s"

  local seek_line="seekdb (OceanBase)   mysql://root@127.0.0.1:2881/      (no password)  /var/lib/omsctl/seekdb"
  [[ "${SKIP_SEEKDB:-0}" == 1 ]] && seek_line="seekdb (OceanBase)   skipped (SKIP_SEEKDB=1)"
  cat <<EOF

omsctl test servers:
  MariaDB primary      mysql://root@127.0.0.1:3306/      (no password)  binlog ROW/FULL, server_id=1
  MariaDB secondary    mysql://root@127.0.0.1:3307/      (no password)  binlog ROW/FULL, server_id=2, socket $SECONDARY_SOCKET
  PostgreSQL           postgres://postgres@127.0.0.1:5432/postgres (trust)  wal_level=logical
  $seek_line
EOF
}

main "$@"
