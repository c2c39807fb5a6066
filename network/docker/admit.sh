#!/usr/bin/env bash
# The compose stack's third one-shot step, once the chaincode services run: the Authority admits the stack's
# charging operator (FABRIC_OPERATOR_ID) to OperatorsMSP (Registry:admitOperator, ADR 0038), endorsed by the
# Authority's and Wallets' peers as the chaincode's policy asks (ADR 0039). An operator already admitted is
# skipped, so `docker compose up` may run it again. network/scripts/network.sh does the same natively.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

as_authority() {
  CORE_PEER_ADDRESS="$(peer_address authority)" CORE_PEER_LOCALMSPID="${MSP[authority]}" \
  CORE_PEER_MSPCONFIGPATH="$(user_msp authority admin)" CORE_PEER_TLS_ENABLED=true \
  CORE_PEER_TLS_ROOTCERT_FILE="$(org_dir authority)/tlsca.pem" "$@"
}
operator="$FABRIC_OPERATOR_ID"
query="$(jq -cn --arg o "$operator" '{Args: ["Registry:getOperator", ({operatorId: $o} | tojson)]}')"
admit="$(jq -cn --arg o "$operator" --arg m "${MSP[operators]}" '{Args: ["Registry:admitOperator", ({eventId: ("admit-operator-" + $o), operatorId: $o, mspId: $m} | tojson)]}')"

# The chaincode services have just started: the first calls may find them not yet answering.
for _ in $(seq 1 60); do
  if as_authority peer chaincode query -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" -c "$query" >/dev/null 2>&1; then
    log "operator $operator is admitted to ${MSP[operators]}"
    exit 0
  fi
  if as_authority peer chaincode invoke -o "$(orderer_address)" --tls --cafile "$(org_dir "$ORDERER_ORG")/tlsca.pem" \
      -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" --waitForEvent \
      --peerAddresses "$(peer_address wallets)" --tlsRootCertFiles "$(org_dir wallets)/tlsca.pem" \
      --peerAddresses "$(peer_address authority)" --tlsRootCertFiles "$(org_dir authority)/tlsca.pem" \
      -c "$admit" >/dev/null 2>&1; then
    log "the Authority admitted operator $operator to ${MSP[operators]}"
    exit 0
  fi
  sleep 2
done
die "the Authority could not admit operator $operator: the chaincode did not answer"
