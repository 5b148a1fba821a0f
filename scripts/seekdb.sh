#!/usr/bin/env bash
# seekdb (OceanBase's single-node server, MySQL protocol) for omsctl tests.
#
#   scripts/seekdb.sh [start]   install pylibseekdb into a venv if needed, start seekdb on
#                               127.0.0.1:2881 unless the port already answers, wait until ready
#   scripts/seekdb.sh stop      stop the seekdb started from this venv
#   scripts/seekdb.sh status    print state; exit 0 when ready, 1 otherwise
#
# Login: mariadb -uroot -h127.0.0.1 -P2881   (empty password)
# Data in /var/lib/omsctl/seekdb, stdout/stderr in /var/log/omsctl-seekdb.log,
# server logs in /var/lib/omsctl/seekdb/log/.
# Always runs seekdb with TELEMETRY_ENABLED=false (otherwise it tries to reach the internet).
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OMSCTL_LOG_TAG=seekdb
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

SEEKDB_PKG_VERSION=1.4.0.post1
SEEKDB_VENV=${SEEKDB_VENV:-/opt/omsctl/seekdb-venv}
SEEKDB_BASE=${SEEKDB_BASE:-/var/lib/omsctl/seekdb}
SEEKDB_PORT=${SEEKDB_PORT:-2881}
SEEKDB_LOG=${SEEKDB_LOG:-/var/log/omsctl-seekdb.log}
SEEKDB_PIDFILE=${SEEKDB_PIDFILE:-/run/omsctl/seekdb.pid}
SEEKDB_READY_TIMEOUT=${SEEKDB_READY_TIMEOUT:-180}

seekdb_sql() {
  mariadb --connect-timeout=3 -uroot -h127.0.0.1 -P"$SEEKDB_PORT" -N -B "$@"
}

seekdb_ready() {
  # shellcheck disable=SC2016  # V$OB_SERVER_STAT is a table name, not a variable
  [[ "$(seekdb_sql -e 'SELECT 1 FROM oceanbase.V$OB_SERVER_STAT WHERE START_SERVICE_TIME>0' 2>/dev/null)" == 1* ]]
}

installed_version() {
  [[ -x "$SEEKDB_VENV/bin/python" ]] || return 0
  "$SEEKDB_VENV/bin/python" -c \
    'import importlib.metadata as m; print(m.version("pylibseekdb"))' 2>/dev/null || true
}

ensure_installed() {
  apt_install_missing python3 python3-venv mariadb-client
  local have
  have=$(installed_version)
  if [[ "$have" == "$SEEKDB_PKG_VERSION" ]]; then
    log "pylibseekdb $have already installed in $SEEKDB_VENV"
    return 0
  fi
  if [[ ! -x "$SEEKDB_VENV/bin/python" ]]; then
    log "creating venv $SEEKDB_VENV (/usr/bin/python3)"
    mkdir -p "$(dirname "$SEEKDB_VENV")"
    /usr/bin/python3 -m venv "$SEEKDB_VENV"
  fi
  log "installing pylibseekdb==$SEEKDB_PKG_VERSION (have: ${have:-none})"
  "$SEEKDB_VENV/bin/pip" install --disable-pip-version-check -q "pylibseekdb==$SEEKDB_PKG_VERSION" >&2
  have=$(installed_version)
  [[ "$have" == "$SEEKDB_PKG_VERSION" ]] || die "pylibseekdb install failed (found '${have:-none}')"
}

# Path of the seekdb server binary shipped inside the pylibseekdb package.
seekdb_bin() {
  local dir=""
  if [[ -x "$SEEKDB_VENV/bin/python" ]]; then
    # find_spec does not load the extension module, only locates the package.
    dir=$("$SEEKDB_VENV/bin/python" -c \
      'import importlib.util as u; print(u.find_spec("pylibseekdb").submodule_search_locations[0])' 2>/dev/null || true)
  fi
  if [[ -z "$dir" || ! -x "$dir/seekdb" ]]; then
    dir=$(find "$SEEKDB_VENV"/lib/python3*/site-packages/pylibseekdb -maxdepth 1 -name seekdb -type f \
      -printf '%h\n' 2>/dev/null | head -n 1 || true)
  fi
  [[ -n "$dir" && -x "$dir/seekdb" ]] || return 1
  echo "$dir/seekdb"
}

# PID of the running seekdb from this venv (pid file first, else a scan of /proc), or nothing.
seekdb_pid() {
  local bin pid exe
  bin=$(seekdb_bin 2>/dev/null) || return 0
  bin=$(readlink -f "$bin")
  if [[ -f "$SEEKDB_PIDFILE" ]]; then
    pid=$(<"$SEEKDB_PIDFILE")
    exe=$(readlink -f "/proc/$pid/exe" 2>/dev/null || true)
    if [[ "$exe" == "$bin" ]] && pid_alive "$pid"; then
      echo "$pid"
      return 0
    fi
  fi
  for exe in /proc/[0-9]*/exe; do
    [[ "$(readlink -f "$exe" 2>/dev/null || true)" == "$bin" ]] || continue
    pid=${exe#/proc/}
    pid=${pid%/exe}
    pid_alive "$pid" && { echo "$pid"; return 0; }
  done
  return 0
}

show_logs() {
  warn "last lines of $SEEKDB_LOG:"
  tail -n 40 "$SEEKDB_LOG" >&2 2>/dev/null || true
  local f
  for f in "$SEEKDB_BASE/log/seekdb.log" "$SEEKDB_BASE/log/observer.log"; do
    if [[ -f "$f" ]]; then
      warn "last ERROR lines of $f:"
      grep -E '\[(ERROR|EDIAG)\]' "$f" | tail -n 15 >&2 || true
    fi
  done
}

cmd_start() {
  ensure_installed
  local bin pid
  bin=$(seekdb_bin) || die "seekdb binary not found in the pylibseekdb package in $SEEKDB_VENV"

  if port_open 127.0.0.1 "$SEEKDB_PORT"; then
    log "port $SEEKDB_PORT already answers: not starting another seekdb"
  else
    install -d -m 0755 "$SEEKDB_BASE" "$(dirname "$SEEKDB_PIDFILE")"
    touch "$SEEKDB_LOG"
    log "starting $bin on 127.0.0.1:$SEEKDB_PORT (base dir $SEEKDB_BASE, log $SEEKDB_LOG)"
    printf '\n==== %s: scripts/seekdb.sh start\n' "$(date -Is)" >>"$SEEKDB_LOG"
    (
      cd "$SEEKDB_BASE"
      ulimit -n 655350 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
      ulimit -c 0 2>/dev/null || true
      exec env TELEMETRY_ENABLED=false setsid nohup "$bin" --nodaemon \
        --base-dir "$SEEKDB_BASE" \
        --port "$SEEKDB_PORT" \
        --parameter memory_budget=2G \
        --parameter log_disk_size=2G \
        --parameter datafile_size=256M \
        --parameter datafile_maxsize=8G \
        --variable time_zone=+00:00 \
        --variable ob_query_timeout=3600000000 \
        --variable max_allowed_packet=67108864 \
        >>"$SEEKDB_LOG" 2>&1 </dev/null
    ) &
    pid=$!
    echo "$pid" >"$SEEKDB_PIDFILE"
    log "seekdb pid $pid"
  fi

  local start=$SECONDS
  log "waiting up to ${SEEKDB_READY_TIMEOUT}s for seekdb to be ready (V\$OB_SERVER_STAT.START_SERVICE_TIME>0)"
  until seekdb_ready; do
    if [[ -n "${pid:-}" ]] && ! pid_alive "$pid"; then
      show_logs
      die "seekdb (pid $pid) exited during startup"
    fi
    if (( SECONDS - start >= SEEKDB_READY_TIMEOUT )); then
      show_logs
      die "seekdb not ready on 127.0.0.1:$SEEKDB_PORT after ${SEEKDB_READY_TIMEOUT}s"
    fi
    sleep 2
  done
  log "seekdb ready on 127.0.0.1:$SEEKDB_PORT after $(( SECONDS - start ))s: $(seekdb_sql -e 'SELECT VERSION()' 2>/dev/null || echo '?')"
}

cmd_stop() {
  local pid
  pid=$(seekdb_pid)
  if [[ -z "$pid" ]]; then
    log "seekdb is not running"
    rm -f "$SEEKDB_PIDFILE"
    return 0
  fi
  log "stopping seekdb (pid $pid)"
  kill -TERM "$pid"
  if ! wait_pid_gone "$pid" 120; then
    warn "seekdb $pid still running 120s after SIGTERM: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 30 || die "seekdb $pid does not exit"
  fi
  rm -f "$SEEKDB_PIDFILE"
  log "seekdb stopped"
}

cmd_status() {
  local pid
  pid=$(seekdb_pid)
  if seekdb_ready; then
    echo "seekdb: ready on 127.0.0.1:$SEEKDB_PORT (pid ${pid:-unknown}), version $(seekdb_sql -e 'SELECT VERSION()' 2>/dev/null)"
    return 0
  elif [[ -n "$pid" ]]; then
    echo "seekdb: running (pid $pid) but not ready on 127.0.0.1:$SEEKDB_PORT"
  elif port_open 127.0.0.1 "$SEEKDB_PORT"; then
    echo "seekdb: port $SEEKDB_PORT answers but seekdb is not ready (another server there?)"
  else
    echo "seekdb: not running"
  fi
  exit 1
}

case "${1:-start}" in
  start)  require_root; cmd_start ;;
  stop)   require_root; cmd_stop ;;
  status) cmd_status ;;
  -h|--help|help) sed -n '2,12p' "$0" ;;
  *) die "unknown command '$1' (use start, stop or status)" ;;
esac
