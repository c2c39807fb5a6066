#!/usr/bin/env bash
# Starts the stack and runs a demo charging session paid from a driver's wallet:
#   redis-server (append-only) -> ledger (the Fabric network, or the embedded ledger) -> for each of two operators
#   (op-1 in OperatorsMSP, op-2 in Operators2MSP) its ledger bridge (supervised), its CSMS (OCPP + admin API) and
#   its Operators' service -> the other organizations' services -> a demo in which one driver charges at each
#   operator's station, both receipts read back from the ledger.
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
  log "ledger: the Fabric network (${#ORGS[@]} organizations, each with its CA, peer and chaincode service; two operators, each its own organization)"
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

# A bridge runs under its supervisor; one started for the other ledger is stopped first.
#   start_bridge NAME QUEUE_PREFIX MAIN [SETTING=VALUE ...]: the settings reach that bridge only.
start_bridge() {
  local name="$1" prefix="$2" main="$3"; shift 3
  local bridge_pid
  bridge_pid="$(pid_of "$name" || true)"
  if [[ -z "$bridge_pid" && -f "$run/$name.pid" ]]; then
    # The supervisor died without stopping its bridge (kill -9): end what is left of its process group.
    kill -KILL -- "-$(cat "$run/$name.pid")" 2>/dev/null || true
    rm -f "$run/$name.pid"
  fi
  if [[ -n "$bridge_pid" && "$(cat "$run/$name.ledger" 2>/dev/null)" != "$ledger" ]]; then
    log "stopping $name of the $(cat "$run/$name.ledger" 2>/dev/null) ledger"
    stop_process "$name"
    bridge_pid=""
  fi
  if [[ -n "$bridge_pid" ]]; then
    log "$name already running (pid $bridge_pid)"
  else
    log "starting $name, supervised (log: $logs/$name.log)"
    env "$@" setsid nohup bash "$root/scripts/supervise.sh" "$name" "$logs/$name.log" node --import tsx "$main" >/dev/null 2>&1 &
    echo $! > "$run/$name.pid"
    echo "$ledger" > "$run/$name.ledger"
  fi
  local heartbeat="$prefix:bridge:alive"
  [[ -z "$bridge_pid" ]] && redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del "$heartbeat" >/dev/null
  for _ in $(seq 1 300); do
    [[ -n "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" get "$heartbeat" 2>/dev/null)" ]] && break
    is_running "$name" || { echo "error: the supervisor of $name exited; see $logs/$name.log" >&2; exit 1; }
    sleep 0.2
  done
  [[ -n "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" get "$heartbeat" 2>/dev/null)" ]] || { echo "error: $name is not serving; see $logs/$name.log" >&2; exit 1; }
  log "$name serving"
}

# start_csms NAME PORT KEYS [SETTING=VALUE ...]: a CSMS with its API keys (role:key pairs) and its settings.
start_csms() {
  local name="$1" port="$2" keys="$3"; shift 3
  if is_running "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  log "starting $name on $CSMS_HOST:$port (log: $logs/$name.log)"
  env "$@" CSMS_PORT="$port" CSMS_API_KEYS="$keys${CSMS_API_KEYS:+,$CSMS_API_KEYS}" nohup node --import tsx "$root/csms/src/main.ts" >> "$logs/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
  for _ in $(seq 1 100); do
    curl -fs "http://$CSMS_HOST:$port/ready" >/dev/null 2>&1 && break
    is_running "$name" || { echo "error: $name exited; see $logs/$name.log" >&2; exit 1; }
    sleep 0.2
  done
  curl -fs "http://$CSMS_HOST:$port/ready" >/dev/null || { echo "error: $name is not ready; see $logs/$name.log" >&2; exit 1; }
}

# A key made once (mode 600) and kept in the data folder.
make_key() {
  [[ -s "$1" ]] && return 0
  mkdir -p "$(dirname "$1")"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1")
}

main="$root/ledger-bridge/src/main.ts"
[[ $ledger == embedded ]] && main="$root/ledger-bridge/src/embedded-main.ts"
start_bridge ledger-bridge "$QUEUE_PREFIX" "$main"

if is_running csms; then
  log "CSMS already running (pid $(pid_of csms))"
  curl -fs -H "authorization: Bearer $(cat "$read_key_file")" "http://$CSMS_HOST:$CSMS_PORT/api/chargers" >/dev/null 2>&1 ||
    log "the running CSMS does not know the participants' read-only key (started before it was made): the dashboard shows no live availability until \`npm run stop\` and \`npm start\`"
else
  start_csms csms "$CSMS_PORT" "admin:$(cat "$key_file"),read-only:$(cat "$read_key_file"),records:$(cat "$records_key_file")"
fi

# The second operator (op-2 in Operators2MSP, ADR 0038) runs what the first runs, with its own identity: its CSMS
# (own port, own admin keys under secrets/<operator>/), its queues under its own prefix, its supervised bridge
# (Operators2MSP's peer and certificate on Fabric, its organization's gateway key on the embedded ledger) and its
# Operators' service. Drivers' cards are Wallets', so the same driver charges at both.
# A Fabric network created with one operator organization (FABRIC_OPERATOR_ORGS=1, or before ADR 0038) runs the first only.
operators=2
[[ $ledger == fabric && " ${ORGS[*]} " != *" operators2 "* ]] && operators=1
op2="$FABRIC_OPERATORS2_OPERATOR_ID"
if [[ $operators -eq 2 ]]; then
  op2_secrets="$secrets/$op2"
  mkdir -p "$op2_secrets"
  make_key "$op2_secrets/admin-api-key"
  make_key "$op2_secrets/csms-read-only-key"
  op2_settings=(QUEUE_PREFIX="$QUEUE_OPERATORS2_PREFIX" FABRIC_OPERATOR_ID="$op2" FABRIC_MSP_ID=Operators2MSP BRIDGE_STATE_DIR="bridge-$op2")
  if [[ $ledger == fabric ]]; then
    op2_bridge_main="$root/ledger-bridge/src/main.ts"
    op2_settings+=(FABRIC_GATEWAY_PEER="$(peer_address operators2)" FABRIC_GATEWAY_HOST_ALIAS="$(peer_name operators2)"
      FABRIC_TLS_CA_FILE=fabric/organizations/operators2/tlsca.pem
      FABRIC_CERT_FILE=fabric/organizations/operators2/users/bridge/msp/signcerts/cert.pem
      FABRIC_KEY_DIR=fabric/organizations/operators2/users/bridge/msp/keystore)
  else
    op2_bridge_main="$root/ledger-bridge/src/gateway-bridge-main.ts"
  fi
  start_bridge ledger-bridge-operators2 "$QUEUE_OPERATORS2_PREFIX" "$op2_bridge_main" "${op2_settings[@]}"
  start_csms csms-operators2 "$CSMS_OPERATORS2_PORT" "admin:$(cat "$op2_secrets/admin-api-key"),read-only:$(cat "$op2_secrets/csms-read-only-key")" "${op2_settings[@]}" CSMS_NODE_ID="${CSMS_NODE_ID:+$CSMS_NODE_ID-}$op2"
else
  log "this Fabric network has one operator organization: only $FABRIC_OPERATOR_ID runs (network/scripts/env.sh, FABRIC_OPERATOR_ORGS)"
fi

# The participants' services, one per organization on its own ledger identity; they serve the dashboard.
for org in wallets operators prosumers authority; do
  if ! is_running "participants-$org"; then
    PARTICIPANTS_ORG="$org" nohup node --import tsx "$root/participants/src/main.ts" --ledger "$ledger" >> "$logs/participants-$org.log" 2>&1 &
    echo $! > "$run/participants-$org.pid"
  fi
done
# The second operator's Operators' service reads its own CSMS with its own read-only key.
if [[ $operators -eq 2 ]] && ! is_running participants-operators2; then
  PARTICIPANTS_ORG=operators2 PARTICIPANTS_CSMS_URL="http://$CSMS_HOST:$CSMS_OPERATORS2_PORT" PARTICIPANTS_CSMS_KEY_FILE="secrets/$op2/csms-read-only-key" \
    nohup node --import tsx "$root/participants/src/main.ts" --ledger "$ledger" >> "$logs/participants-operators2.log" 2>&1 &
  echo $! > "$run/participants-operators2.pid"
fi
dashboard="http://$PARTICIPANTS_HOST:$PARTICIPANTS_WALLETS_PORT/"
for _ in $(seq 1 150); do curl -fs "${dashboard}health" >/dev/null 2>&1 && break; sleep 0.2; done
[[ $operators -eq 2 ]] && log "the second operator $op2: CSMS on $CSMS_HOST:$CSMS_OPERATORS2_PORT, Operators' service on http://$PARTICIPANTS_HOST:$PARTICIPANTS_OPERATORS2_PORT/ (staff: operators2-admin)"
log "dashboard: $dashboard (staff sign in as <org>-admin, passwords in $data/participants/<org>-admin-password; logs: $logs/participants-*.log)"

node --import tsx "$root/scripts/demo.ts" --ledger "$ledger" --operators "$operators"
