#!/usr/bin/env bash
# Installs the peer tools that scripts/bench.sh compares omsctl with, idempotently (Debian 12,
# as root; installs only what is missing, changes nothing otherwise):
#
#   mydumper / myloader   (Debian package mydumper 0.10.x)
#   pgcopydb              (Debian package pgcopydb 0.10)
#   pgloader              (Debian package pgloader 3.6.x)
#   hyperfine             (start-up timing)
#   time                  (/usr/bin/time -f %M for peak RSS)
#   jq, bc                (result parsing and arithmetic)
#
# A package that cannot be installed is reported and skipped (the benchmark then records
# "not installed" for that tool instead of aborting); the exit status is 0 unless apt itself
# is unusable. Logs go to stderr.
#
#   bash scripts/install-peers.sh
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OMSCTL_LOG_TAG=install-peers  # used by lib.sh
export OMSCTL_LOG_TAG
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

require_root

PEERS=(time jq bc mydumper pgcopydb pgloader hyperfine)

# Try all at once (one apt transaction); if that fails, one by one so that a single broken
# package does not keep the others out.
if ! apt_install_missing "${PEERS[@]}"; then
  warn "installing all peers at once failed; trying one by one"
  for p in "${PEERS[@]}"; do
    apt_install_missing "$p" || warn "could not install $p (the benchmark will report it as missing)"
  done
fi

for p in "${PEERS[@]}"; do
  if pkg_installed "$p"; then
    log "$p: $(dpkg-query -W -f='${Version}' "$p")"
  else
    warn "$p: not installed"
  fi
done
