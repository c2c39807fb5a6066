#!/usr/bin/env bash
# The test command: installs what is missing, starts the stack's Redis when it is not running, and runs the
# jest projects: unit (beside the code), integration (real Redis and WebSockets), the ledger scenarios on
# the embedded ledger, and the same scenarios on the Fabric network when its binaries are found (the project
# brings the network up and takes it down again), with the fault run on a Fabric network of its own and, as
# root, the consortium of separate hosts (network namespaces). Without the binaries the Fabric suite does not run, and
# the summary says so; with CHARGELEDGER_REQUIRE_FABRIC=1 (as CI sets it) that is a failure. Extra arguments
# go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$root/network/scripts/env.sh"

bash "$root/scripts/setup.sh"

projects=(unit integration ledger:embedded browser)
fabric_missing=""
if fabric_missing="$(fabric_check 2>&1)"; then
  fabric_missing=""
  projects+=(ledger:fabric faults:fabric)
  log "the Fabric binaries are at $(fabric_bin_dir): the ledger scenarios run on the Fabric network too"
  # The consortium on separate hosts needs network namespaces, so root (test/multihost).
  if [[ $(id -u) -eq 0 ]] && command -v ip >/dev/null && command -v jq >/dev/null; then
    projects+=(multihost)
  else
    log "the multi-host suite will not run: it creates network namespaces, which needs root, ip and jq"
  fi
else
  log "the Fabric suite will not run: $fabric_missing"
fi

started_redis=0
if ! bash "$root/scripts/redis.sh" status >/dev/null 2>&1; then
  bash "$root/scripts/redis.sh" start
  started_redis=1
fi
cleanup() { [[ $started_redis -eq 1 ]] && bash "$root/scripts/redis.sh" stop >/dev/null; return 0; }
trap cleanup EXIT

cd "$root"
status=0
npx jest --selectProjects "${projects[@]}" "$@" || status=$?
if [[ -n "$fabric_missing" ]]; then
  echo "Fabric suite: did not run, because $fabric_missing" | tr '\n' ' '; echo
  if [[ "${CHARGELEDGER_REQUIRE_FABRIC:-0}" == 1 ]]; then
    echo "error: CHARGELEDGER_REQUIRE_FABRIC=1 and the Fabric suite did not run" >&2
    [[ $status -eq 0 ]] && status=1
  fi
fi
exit $status
