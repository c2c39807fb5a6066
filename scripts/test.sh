#!/usr/bin/env bash
# The test command: installs what is missing, starts the stack's Redis when it is not running, runs every
# jest project (unit beside the code; integration and e2e under test/ against real Redis and real
# WebSockets), and stops what it started. Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$root/scripts/setup.sh"
if ! bash "$root/network/scripts/build-fabric.sh"; then
  log "the Fabric binaries are not available on this machine (see the error above); the tests need none yet"
fi

started_redis=0
if ! bash "$root/scripts/redis.sh" status >/dev/null 2>&1; then
  bash "$root/scripts/redis.sh" start
  started_redis=1
fi
cleanup() { [[ $started_redis -eq 1 ]] && bash "$root/scripts/redis.sh" stop >/dev/null; }
trap cleanup EXIT

cd "$root"
npx jest "$@"
