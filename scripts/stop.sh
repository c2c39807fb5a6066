#!/usr/bin/env bash
# Stops what `npm start` started. The data (Redis append-only file, ledger) stays in $CHARGELEDGER_DATA_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for service in ledger-bridge csms; do
  pidfile="$data/run/$service.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    log "$service stopped"
  fi
  rm -f "$pidfile"
done
bash "$root/scripts/redis.sh" stop
