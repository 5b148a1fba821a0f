# shellcheck shell=bash
# Helpers for scripts/bench.sh: logging, clients, timed runs, result records and the markdown
# table. Source it, do not run it. Expects ROOT, WORK, LOGS and RESULTS to be set.

say() { printf '%s [bench] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
calc() { echo "$*" | bc -l; }
now() { date +%s.%N; }

# Clients. my PORT [args]: MariaDB/seekdb as root over TCP; pg [args]: psql as postgres over TCP.
my() { local port=$1; shift; mariadb --connect-timeout=5 -uroot -h127.0.0.1 -P"$port" "$@"; }
pg() { PGTZ=UTC psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres "$@"; }
pg_url() { echo "postgres://postgres@127.0.0.1:5432/$1"; }

# pg_recreate_db NAME: drop (closing its sessions) and create an empty PostgreSQL database.
pg_recreate_db() {
  pg -d postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
  pg -d postgres -c "CREATE DATABASE \"$1\""
}

# path_selected NAME: 0 when PATHS (comma separated, "all" = everything) includes NAME.
path_selected() {
  [[ ",$PATHS," == *",all,"* || ",$PATHS," == *",$1,"* ]]
}

# measure NAME CMD [ARGS...]: runs CMD with its output in $LOGS/NAME.log; sets M_RC (exit
# status), M_SECS (wall-clock seconds) and M_RSS_KB (peak RSS of the largest process CMD ran,
# from /usr/bin/time -f %M). Never exits the script on failure: the caller checks M_RC.
measure() {
  local name=$1 t0 t1
  shift
  say "  run: $name"
  M_RC=0
  t0=$(now)
  # A shell function (my, oms) runs in a child bash: bench.sh exports the functions it measures.
  if declare -F "$1" >/dev/null; then set -- bash -c '"$@"' _ "$@"; fi
  # No stdin: a tool that drops into a debugger or a prompt (pgloader's ldb>) ends instead of waiting.
  /usr/bin/time -f '%M' -o "$LOGS/$name.rss" "$@" </dev/null >"$LOGS/$name.log" 2>&1 || M_RC=$?
  t1=$(now)
  M_SECS=$(calc "$t1 - $t0")
  M_RSS_KB=$(tail -n 1 "$LOGS/$name.rss" 2>/dev/null | grep -E '^[0-9]+$' || echo 0)
  say "  $name: exit $M_RC after $(printf '%.2f' "$M_SECS") s, peak RSS $((M_RSS_KB / 1024)) MB (log: ${LOGS#"$ROOT"/}/$name.log)"
}

# Why a run failed, as one table-safe line: the first line of its log that looks like an error
# (error, fatal, exhausted, denied, refused, not supported), else its last lines.
log_tail() {
  local f=$LOGS/$1.log line
  line=$(grep -i -m1 -E 'error|fatal|exhausted|denied|refused|not supported' "$f" 2>/dev/null || true)
  [[ -n $line ]] || line=$(grep -v '^[[:space:]]*$' "$f" 2>/dev/null | tail -n "${2:-2}")
  printf '%s' "$line" | tr '\n|' '  ' | cut -c1-220
}

# record GROUP LABEL SECONDS ROWS BYTES RSS_KB CORRECTNESS BASE (1: omsctl, the baseline of
# GROUP; 0: a peer, compared with it; 2: no ratio)
# One result row, appended to $RESULTS (TSV). SECONDS is empty for a run that did not produce a
# valid result; then only the label and the correctness text (the failure) are printed.
record() {
  local group=$1 label=$2 secs=$3 rows=$4 bytes=$5 rss=$6 correct=$7 base=${8:-0}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$label" "$secs" "$rows" "$bytes" "$rss" \
    "${correct//$'\t'/ }" "$base" >>"$RESULTS"
  if [[ -n $secs ]]; then
    say "  RESULT [$group] $label: $(printf '%.2f' "$secs") s, $correct"
  else
    say "  RESULT [$group] $label: $correct"
  fi
}
record_fail() { record "$1" "$2" "" "" "" "" "$3" "${4:-0}"; }

# render_table: the markdown table from $RESULTS. Ratio = seconds / the omsctl (baseline)
# seconds of the same group; rows of a failed or missing baseline get "n/a".
render_table() {
  awk -F'\t' '
    function fmt_int(x,   s, r) {
      s = sprintf("%.0f", x); r = ""
      while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
      return s r
    }
    { n++; for (i = 1; i <= 8; i++) f[n, i] = $i
      if ($8 == 1 && $3 != "") base[$1] = $3 }
    END {
      print "| path | tool | seconds | rows/s | MB/s | peak RSS | ratio to omsctl | correctness |"
      print "|---|---|---:|---:|---:|---:|---:|---|"
      for (r = 1; r <= n; r++) {
        g = f[r, 1]; secs = f[r, 3]; rows = f[r, 4]; bytes = f[r, 5]; rss = f[r, 6]
        if (secs == "") {
          printf "| %s | %s | — | — | — | — | — | %s |\n", g, f[r, 2], f[r, 7]; continue
        }
        s = (secs < 0.1) ? sprintf("%.4f", secs) : sprintf("%.2f", secs)
        rps = (rows > 0 && secs > 0) ? fmt_int(rows / secs) : "—"
        mbs = (bytes > 0 && secs > 0) ? sprintf("%.1f", bytes / 1000000 / secs) : "—"
        mem = (rss > 0) ? sprintf("%d MB", rss / 1024) : "—"
        if (f[r, 8] == 1) ratio = "1.00 (baseline)"
        else if (f[r, 8] == 2) ratio = "—"
        else if (g in base && base[g] > 0) ratio = sprintf("%.2f", secs / base[g])
        else ratio = "n/a"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", g, f[r, 2], s, rps, mbs, mem, ratio, f[r, 7]
      }
    }' "$RESULTS"
}
