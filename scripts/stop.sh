#!/usr/bin/env bash
# Stops what `npm start` started: the participants' services, both operators' CSMSes and ledger bridges (and their supervisors), the Fabric network when
# it runs, Redis. The data (Redis append-only file, the ledger, identities) stays in $CHARGELEDGER_DATA_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for service in participants-wallets participants-operators participants-operators2 participants-prosumers participants-authority csms csms-operators2 ledger-bridge-operators2 ledger-bridge; do
  if is_running "$service"; then
    stop_process "$service"
    log "$service stopped"
  fi
  rm -f "$run/$service.pid"
done
bash "$root/network/scripts/network.sh" down
bash "$root/scripts/redis.sh" stop
