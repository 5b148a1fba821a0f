# shellcheck shell=bash
# bench_lock NAME: one benchmark at a time on this machine. The benchmarks share the servers,
# their databases and target/ directories, so two at once would measure (and drop) each other's
# work. A benchmark that another one starts (bench.sh runs bench-incr.sh) inherits the lock.
# Source it, do not run it.
bench_lock() {
  [[ -n ${OMSCTL_BENCH_LOCK:-} ]] && return 0
  local f=${TMPDIR:-/tmp}/omsctl-bench.lock
  exec 9>"$f"
  if ! flock -n 9; then
    printf '%s: another benchmark is running (it holds %s); wait for it to end, then run again\n' "$1" "$f" >&2
    exit 1
  fi
  export OMSCTL_BENCH_LOCK=$f
}
