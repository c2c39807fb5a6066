#!/usr/bin/env bash
# Starts the stack and runs a demo charging session paid from a driver's wallet:
#   redis-server (append-only) -> ledger (the Fabric network, or the embedded ledger) -> ledger bridge
#   (supervised) -> CSMS (OCPP + admin API) -> demo session, receipt read back from the ledger.
# CHARGELEDGER_LEDGER picks the ledger: `fabric`, `embedded`, or `auto` (Fabric when its binaries are found).
# Installs whatever is missing first. Logs go to $CHARGELEDGER_DATA_DIR/logs; `npm run stop` stops it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$root/network/scripts/env.sh"

secrets="$data/secrets"
mkdir -p "$secrets"
chmod 700 "$secrets"

bash "$root/scripts/setup.sh"

case "$CHARGELEDGER_LEDGER" in
  fabric)
    fabric_check || { echo "error: CHARGELEDGER_LEDGER=fabric, but the Fabric binaries cannot be used (see above)" >&2; exit 1; }
    ledger=fabric ;;
  embedded) ledger=embedded ;;
  auto)
    if why="$(fabric_check 2>&1)"; then
      ledger=fabric
    else
      ledger=embedded
      log "no Fabric network on this machine: $why"
    fi ;;
  *) echo "error: CHARGELEDGER_LEDGER must be fabric, embedded or auto, not $CHARGELEDGER_LEDGER" >&2; exit 1 ;;
esac
if [[ $ledger == fabric ]]; then
  log "ledger: the Fabric network (4 organizations, each with its CA, peer and chaincode service)"
else
  log "ledger: embedded ledger (one process, for trying the system; run the Fabric network for several organizations)"
fi

bash "$root/scripts/redis.sh" start

# The admin API key is made once and kept (mode 600) in the data folder; the demo reads it from there.
key_file="$secrets/admin-api-key"
if [[ ! -s "$key_file" ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$key_file")
fi

# The participants' services read chargers' live state from the CSMS with a read-only key of their own, made
# once beside the admin key; they read it from the file named by PARTICIPANTS_CSMS_KEY_FILE and keep it off the browser.
read_key_file="$data/$PARTICIPANTS_CSMS_KEY_FILE"
[[ $PARTICIPANTS_CSMS_KEY_FILE == /* ]] && read_key_file="$PARTICIPANTS_CSMS_KEY_FILE"
if [[ ! -s "$read_key_file" ]]; then
  mkdir -p "$(dirname "$read_key_file")"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$read_key_file")
fi

# The Wallets' service reads a session's signed meter records (drivers' receipt proofs) with a key of the CSMS role
# `records`, which reads those and nothing else: they carry the card id the meter signed. Made once, like the others.
records_key_file="$data/$PARTICIPANTS_CSMS_RECORDS_KEY_FILE"
[[ $PARTICIPANTS_CSMS_RECORDS_KEY_FILE == /* ]] && records_key_file="$PARTICIPANTS_CSMS_RECORDS_KEY_FILE"
if [[ ! -s "$records_key_file" ]]; then
  mkdir -p "$(dirname "$records_key_file")"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$records_key_file")
fi

[[ $ledger == fabric ]] && bash "$root/network/scripts/network.sh" up

# The bridge runs under its supervisor; one started for the other ledger is stopped first.
bridge_pid="$(pid_of ledger-bridge || true)"
if [[ -z "$bridge_pid" && -f "$run/ledger-bridge.pid" ]]; then
  # The supervisor died without stopping its bridge (kill -9): end what is left of its process group.
  kill -KILL -- "-$(cat "$run/ledger-bridge.pid")" 2>/dev/null || true
  rm -f "$run/ledger-bridge.pid"
fi
if [[ -n "$bridge_pid" && "$(cat "$run/ledger-bridge.ledger" 2>/dev/null)" != "$ledger" ]]; then
  log "stopping the ledger bridge of the $(cat "$run/ledger-bridge.ledger" 2>/dev/null) ledger"
  stop_process ledger-bridge
  bridge_pid=""
fi
if [[ -n "$bridge_pid" ]]; then
  log "ledger bridge already running (pid $bridge_pid)"
else
  main="$root/ledger-bridge/src/main.ts"
  [[ $ledger == embedded ]] && main="$root/ledger-bridge/src/embedded-main.ts"
  log "starting the ledger bridge, supervised (log: $logs/ledger-bridge.log)"
  setsid nohup bash "$root/scripts/supervise.sh" ledger-bridge "$logs/ledger-bridge.log" node --import tsx "$main" >/dev/null 2>&1 &
  echo $! > "$run/ledger-bridge.pid"
  echo "$ledger" > "$run/ledger-bridge.ledger"
fi
heartbeat="$QUEUE_PREFIX:bridge:alive"
[[ -z "$bridge_pid" ]] && redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del "$heartbeat" >/dev/null
for _ in $(seq 1 300); do
  [[ -n "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" get "$heartbeat" 2>/dev/null)" ]] && break
  is_running ledger-bridge || { echo "error: the ledger bridge's supervisor exited; see $logs/ledger-bridge.log" >&2; exit 1; }
  sleep 0.2
done
[[ -n "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" get "$heartbeat" 2>/dev/null)" ]] || { echo "error: the ledger bridge is not serving; see $logs/ledger-bridge.log" >&2; exit 1; }
log "ledger bridge serving"

if is_running csms; then
  log "CSMS already running (pid $(pid_of csms))"
  curl -fs -H "authorization: Bearer $(cat "$read_key_file")" "http://$CSMS_HOST:$CSMS_PORT/api/chargers" >/dev/null 2>&1 ||
    log "the running CSMS does not know the participants' read-only key (started before it was made): the dashboard shows no live availability until \`npm run stop\` and \`npm start\`"
else
  log "starting the CSMS on $CSMS_HOST:$CSMS_PORT (log: $logs/csms.log)"
  CSMS_API_KEYS="admin:$(cat "$key_file"),read-only:$(cat "$read_key_file"),records:$(cat "$records_key_file")${CSMS_API_KEYS:+,$CSMS_API_KEYS}" \
    nohup node --import tsx "$root/csms/src/main.ts" >> "$logs/csms.log" 2>&1 &
  echo $! > "$run/csms.pid"
  for _ in $(seq 1 100); do
    curl -fs "http://$CSMS_HOST:$CSMS_PORT/ready" >/dev/null 2>&1 && break
    is_running csms || { echo "error: the CSMS exited; see $logs/csms.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -fs "http://$CSMS_HOST:$CSMS_PORT/ready" >/dev/null || { echo "error: the CSMS is not ready; see $logs/csms.log" >&2; exit 1; }
fi

# The participants' services, one per organization on its own ledger identity; they serve the dashboard.
for org in wallets operators prosumers authority; do
  if ! is_running "participants-$org"; then
    PARTICIPANTS_ORG="$org" nohup node --import tsx "$root/participants/src/main.ts" --ledger "$ledger" >> "$logs/participants-$org.log" 2>&1 &
    echo $! > "$run/participants-$org.pid"
  fi
done
dashboard="http://$PARTICIPANTS_HOST:$PARTICIPANTS_WALLETS_PORT/"
for _ in $(seq 1 150); do curl -fs "${dashboard}health" >/dev/null 2>&1 && break; sleep 0.2; done
log "dashboard: $dashboard (staff sign in as <org>-admin, passwords in $data/participants/<org>-admin-password; logs: $logs/participants-*.log)"

node --import tsx "$root/scripts/demo.ts" --ledger "$ledger"
