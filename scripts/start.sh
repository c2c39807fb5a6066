#!/usr/bin/env bash
# Starts the stack and runs a demo charging session:
#   redis-server (append-only) -> CSMS (OCPP + admin API) -> [Fabric network, chaincode service, ledger bridge]
# Installs whatever is missing first. Logs go to $CHARGELEDGER_DATA_DIR/logs; `npm run stop` stops it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run="$data/run"; secrets="$data/secrets"
mkdir -p "$run" "$secrets"
chmod 700 "$secrets"

bash "$root/scripts/setup.sh"

ledger_error=""
if ! ledger_error="$(bash "$root/network/scripts/build-fabric.sh" 2>&1)"; then
  log "the ledger network cannot start on this machine:"
  printf '%s\n' "$ledger_error" | sed 's/^/    /'
else
  ledger_error=""
fi

bash "$root/scripts/redis.sh" start

# The admin API key is made once and kept (mode 600) in the data folder; the demo reads it from there.
key_file="$secrets/admin-api-key"
if [[ ! -s "$key_file" ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$key_file")
fi

if [[ -f "$run/csms.pid" ]] && kill -0 "$(cat "$run/csms.pid")" 2>/dev/null; then
  log "CSMS already running (pid $(cat "$run/csms.pid"))"
else
  log "starting the CSMS on $CSMS_HOST:$CSMS_PORT (log: $logs/csms.log)"
  CSMS_API_KEYS="admin:$(cat "$key_file")${CSMS_API_KEYS:+,$CSMS_API_KEYS}" \
    nohup node --import tsx "$root/csms/src/main.ts" >> "$logs/csms.log" 2>&1 &
  echo $! > "$run/csms.pid"
  for _ in $(seq 1 100); do
    curl -fs "http://$CSMS_HOST:$CSMS_PORT/ready" >/dev/null 2>&1 && break
    kill -0 "$(cat "$run/csms.pid")" 2>/dev/null || { echo "error: the CSMS exited; see $logs/csms.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -fs "http://$CSMS_HOST:$CSMS_PORT/ready" >/dev/null || { echo "error: the CSMS is not ready; see $logs/csms.log" >&2; exit 1; }
fi

if [[ -n "$ledger_error" ]]; then
  node --import tsx "$root/scripts/demo.ts" --ledger-unavailable
else
  node --import tsx "$root/scripts/demo.ts"
fi
