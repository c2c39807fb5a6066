#!/usr/bin/env bash
# One organization's chaincode service in the compose stack (the image chaincode/Dockerfile builds). Its
# package id is the one network-bootstrap installed on that organization's peer; its TLS key pair is the one
# network-identities issued for chaincode.<org>.chargeledger.local, and only a client certificate of the
# organization's CA (its peer's) is accepted.
# Environment: CHARGELEDGER_ORG (operators, prosumers, wallets or authority), CHAINCODE_SERVER_ADDRESS
# (host:port to listen on) and CORE_PEER_LOCALMSPID (what the contracts' getMspID answers).
set -euo pipefail

org="${CHARGELEDGER_ORG:?CHARGELEDGER_ORG names the organization}"
: "${CHAINCODE_SERVER_ADDRESS:?CHAINCODE_SERVER_ADDRESS is host:port}"
: "${CORE_PEER_LOCALMSPID:?CORE_PEER_LOCALMSPID is the organization MSP id}"
fabric=/var/lib/chargeledger/fabric
package_id_file="$fabric/chaincode/$org/package-id"
tls="$fabric/organizations/$org/chaincode/tls"
[[ -s "$package_id_file" ]] || { echo "error: no package id at $package_id_file: network-bootstrap has not deployed the chaincode" >&2; exit 1; }

exec /opt/chargeledger/node_modules/.bin/fabric-chaincode-node server \
  --chaincode-address="$CHAINCODE_SERVER_ADDRESS" --chaincode-id="$(cat "$package_id_file")" \
  --chaincode-tls-cert-file="$tls/server.crt" --chaincode-tls-key-file="$tls/server.key" \
  --chaincode-tls-client-cacert-file="$tls/ca.crt"
