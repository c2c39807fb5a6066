#!/usr/bin/env bash
# The ordering service node of the compose stack (image hyperledger/fabric-orderer): etcdraft, run by the
# Authority, no system channel (the channel is joined through the admin endpoint), TLS everywhere. Its MSP and
# TLS material come from the Authority's volume, written by network-identities; its ledger is in its own volume.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

dir="$(org_dir "$ORDERER_ORG")/orderers/orderer0"
ledger=/var/hyperledger/production/orderer
export ORDERER_GENERAL_LISTENADDRESS=0.0.0.0
export ORDERER_GENERAL_LISTENPORT="$FABRIC_ORDERER_PORT"
export ORDERER_GENERAL_LOCALMSPID="${MSP[$ORDERER_ORG]}"
export ORDERER_GENERAL_LOCALMSPDIR="$dir/msp"
export ORDERER_GENERAL_TLS_ENABLED=true
export ORDERER_GENERAL_TLS_PRIVATEKEY="$dir/tls/server.key"
export ORDERER_GENERAL_TLS_CERTIFICATE="$dir/tls/server.crt"
export ORDERER_GENERAL_TLS_ROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$dir/tls/server.crt"
export ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$dir/tls/server.key"
export ORDERER_GENERAL_CLUSTER_ROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_GENERAL_BOOTSTRAPMETHOD=none
export ORDERER_CHANNELPARTICIPATION_ENABLED=true
export ORDERER_ADMIN_LISTENADDRESS="0.0.0.0:$FABRIC_ORDERER_ADMIN_PORT"
export ORDERER_ADMIN_TLS_ENABLED=true
export ORDERER_ADMIN_TLS_CERTIFICATE="$dir/tls/server.crt"
export ORDERER_ADMIN_TLS_PRIVATEKEY="$dir/tls/server.key"
export ORDERER_ADMIN_TLS_ROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
export ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$dir/tls/ca.crt]"
export ORDERER_FILELEDGER_LOCATION="$ledger"
export ORDERER_CONSENSUS_WALDIR="$ledger/etcdraft/wal"
export ORDERER_CONSENSUS_SNAPDIR="$ledger/etcdraft/snapshot"
export ORDERER_OPERATIONS_LISTENADDRESS="0.0.0.0:$FABRIC_ORDERER_OPERATIONS_PORT"
export ORDERER_METRICS_PROVIDER=prometheus
export FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"
exec orderer
