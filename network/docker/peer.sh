#!/usr/bin/env bash
# One organization's peer in the compose stack (image hyperledger/fabric-peer). The image's own core.yaml is
# kept: it names the chaincode-as-a-service builder the image ships at /opt/hyperledger/ccaas_builder, which
# runs no chaincode itself but connects to the organization's chaincode service. MSP and TLS material come
# from the organization's volume (network-identities); the ledger is in the peer's own volume.
#   peer.sh ORG
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

org="${1:?usage: peer.sh ORG}"
[[ -n "${MSP[$org]:-}" ]] || die "unknown organization $org (one of: ${ORGS[*]})"
[[ -x /opt/hyperledger/ccaas_builder/bin/detect ]] || die "this peer image has no chaincode-as-a-service builder"
dir="$(org_dir "$org")/peers/peer0"
port="$(peer_port "$org")"
export CORE_PEER_ID; CORE_PEER_ID="$(peer_name "$org")"
export CORE_PEER_ADDRESS; CORE_PEER_ADDRESS="$(peer_address "$org")"
export CORE_PEER_LISTENADDRESS="0.0.0.0:$port"
# The chaincode listener (peer port + 1) serves chaincode that dials the peer; the services here are dialled.
export CORE_PEER_CHAINCODEADDRESS; CORE_PEER_CHAINCODEADDRESS="$(peer_name "$org"):$(( port + 1 ))"
export CORE_PEER_CHAINCODELISTENADDRESS="0.0.0.0:$(( port + 1 ))"
export CORE_PEER_GOSSIP_BOOTSTRAP="$CORE_PEER_ADDRESS"
export CORE_PEER_GOSSIP_EXTERNALENDPOINT="$CORE_PEER_ADDRESS"
export CORE_PEER_LOCALMSPID="${MSP[$org]}"
export CORE_PEER_MSPCONFIGPATH="$dir/msp"
export CORE_PEER_TLS_ENABLED=true
export CORE_PEER_TLS_CERT_FILE="$dir/tls/server.crt"
export CORE_PEER_TLS_KEY_FILE="$dir/tls/server.key"
export CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt"
export CORE_PEER_FILESYSTEMPATH=/var/hyperledger/production
export CORE_LEDGER_SNAPSHOTS_ROOTDIR=/var/hyperledger/production/snapshots
# No chaincode function reads a key's history (GetHistoryForKey), so no peer indexes every write for it.
export CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=false
export CORE_OPERATIONS_LISTENADDRESS="0.0.0.0:$(org_var "$org" PEER_OPERATIONS_PORT)"
export CORE_METRICS_PROVIDER=prometheus
export FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"
exec peer node start
