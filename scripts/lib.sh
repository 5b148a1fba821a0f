# shellcheck shell=bash
# Shared helpers for the omsctl server setup scripts. Source it, do not run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Every message goes to stderr so that stdout stays usable for data.

if [[ -n "${_OMSCTL_LIB_SOURCED:-}" ]]; then
  return 0
fi
_OMSCTL_LIB_SOURCED=1

OMSCTL_LOG_TAG="${OMSCTL_LOG_TAG:-$(basename "${0:-omsctl}" .sh)}"

log()  { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "$OMSCTL_LOG_TAG" "$*" >&2; }
warn() { printf '%s [%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$OMSCTL_LOG_TAG" "$*" >&2; }
die()  { printf '%s [%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$OMSCTL_LOG_TAG" "$*" >&2; exit 1; }

# Report the failing command instead of dying silently under `set -e`.
_omsctl_err_trap() {
  local rc=$? line=${BASH_LINENO[0]:-?} cmd=${BASH_COMMAND:-?}
  printf '%s [%s] ERROR: command failed (exit %s) at %s:%s: %s\n' \
    "$(date +%H:%M:%S)" "$OMSCTL_LOG_TAG" "$rc" "${BASH_SOURCE[1]:-?}" "$line" "$cmd" >&2
}
trap _omsctl_err_trap ERR

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (uses apt-get, writes /etc and /var/lib)"
}

# port_open HOST PORT -> 0 when something accepts a TCP connection there.
port_open() {
  # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# wait_for TIMEOUT_SECONDS DESCRIPTION CMD [ARGS...]
# Runs CMD every second until it succeeds; returns 1 (after logging) on timeout.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local start=$SECONDS
  log "waiting up to ${timeout}s for ${what}"
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start >= timeout )); then
      warn "timed out after ${timeout}s waiting for ${what}"
      return 1
    fi
    sleep 1
  done
  log "${what}: ready after $(( SECONDS - start ))s"
}

# pkg_installed PKG -> 0 when dpkg says the package is fully installed.
pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

# apt_install_missing PKG... : installs only the packages that are not installed yet.
# `apt-get update` runs at most once per setup run (the marker is exported so the
# child scripts that setup-servers.sh starts do not repeat it).
apt_install_missing() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if (( ${#missing[@]} == 0 )); then
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z "${OMSCTL_APT_UPDATED:-}" ]]; then
    log "apt-get update"
    apt-get update -q >&2
    export OMSCTL_APT_UPDATED=1
  fi
  log "apt-get install -y ${missing[*]}"
  apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >&2
}

# write_if_changed PATH MODE : writes stdin to PATH only when the content differs.
# Returns 0 when the file was (re)written, 1 when it was already up to date.
write_if_changed() {
  local path=$1 mode=${2:-0644} tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f "$path" ]] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
    return 1
  fi
  mkdir -p "$(dirname "$path")"
  install -m "$mode" "$tmp" "$path"
  rm -f "$tmp"
  return 0
}

# pid_alive PID -> 0 when the process exists (and is not a zombie).
pid_alive() {
  local pid=$1 state
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [[ "$state" != "Z" ]]
}

# wait_pid_gone PID TIMEOUT -> 0 when the process exited in time.
wait_pid_gone() {
  local pid=$1 timeout=$2 start=$SECONDS
  while pid_alive "$pid"; do
    (( SECONDS - start >= timeout )) && return 1
    sleep 1
  done
  return 0
}
