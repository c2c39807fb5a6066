#!/usr/bin/env bash
# One organization's Fabric CA in the compose stack (image hyperledger/fabric-ca): TLS on, operations
# endpoint on, its home (keys, database, the bootstrap admin's password) in the organization's CA volume.
#   ca.sh ORG
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

org="${1:?usage: ca.sh ORG}"
[[ -n "${MSP[$org]:-}" ]] || die "unknown organization $org (one of: ${ORGS[*]})"
home="$(ca_home "$org")"
mkdir -p "$home"
# Made once, kept beside the CA's database; network-identities reads it to register the organization's nodes.
if [[ ! -s "$home/ca-admin-password" ]]; then
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$home/ca-admin-password")
fi

export FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="0.0.0.0:$(org_var "$org" CA_OPERATIONS_PORT)"
exec fabric-ca-server start --home "$home" \
  -b "admin:$(cat "$home/ca-admin-password")" --port "$(ca_port "$org")" \
  --ca.name "ca-$org" --tls.enabled \
  --csr.cn "$(ca_name "$org")" --csr.hosts "$(ca_name "$org"),localhost,127.0.0.1"
