#!/usr/bin/env bash
# The compose stack's first one-shot step (image hyperledger/fabric-ca, which carries fabric-ca-client):
# every identity of the network, issued by its organization's CA exactly as network/scripts/network.sh issues
# them natively (NodeOUs, TLS certificates from the CA's tls profile, the chaincode attributes), with the
# compose network's host names in the TLS certificates. The orderer and the peers start after it.
# An organization whose identities were all issued is left alone, so `docker compose up` may run it again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The node image's `node` user (uid 1000) runs the chaincode services, the ledger bridge and the participants'
# services; the keys they read are handed to it (hand_to_node), every other key stays root's.
NODE_UID=1000

ca_client() {
  local org="$1"; shift
  FABRIC_CA_CLIENT_HOME="$(ca_home "$org")/client" fabric-ca-client "$@" \
    --caname "ca-$org" --tls.certfiles "$(ca_home "$org")/ca-cert.pem"
}
ca_url() { echo "https://$2@$(ca_name "$1"):$(ca_port "$1")"; }
secret_of() { cat "$(ca_home "$1")/secrets/$2"; }

wait_for_ca() {
  local org="$1"
  for _ in $(seq 1 120); do
    [[ -s "$(ca_home "$org")/ca-cert.pem" ]] && (exec 3<>"/dev/tcp/$(ca_name "$org")/$(ca_port "$org")") 2>/dev/null && return 0
    sleep 1
  done
  die "the $org CA did not answer on $(ca_name "$org"):$(ca_port "$org")"
}

# register ORG NAME TYPE [ATTRS]: once; the secret stays in the CA's volume.
register() {
  local org="$1" name="$2" type="$3" attrs="${4:-}" secrets
  secrets="$(ca_home "$org")/secrets"
  mkdir -p "$secrets"; chmod 700 "$secrets"
  [[ -s "$secrets/$name" ]] && return 0
  local secret; secret="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  ca_client "$org" register -u "$(ca_url "$org" "admin:$(cat "$(ca_home "$org")/ca-admin-password")")" \
    --id.name "$name" --id.secret "$secret" --id.type "$type" ${attrs:+--id.attrs "$attrs"} \
    || die "registering $name with the $org CA failed"
  (umask 077 && printf '%s' "$secret" > "$secrets/$name")
}

# enroll ORG NAME DIR [args]: a fresh MSP folder, so its keystore holds exactly one key.
enroll() {
  local org="$1" name="$2" dir="$3"; shift 3
  rm -rf "$dir"
  ca_client "$org" enroll -u "$(ca_url "$org" "$name:$(secret_of "$org" "$name")")" -M "$dir" "$@" \
    || die "enrolling $name with the $org CA failed"
  cp "$(org_dir "$org")/msp/config.yaml" "$dir/config.yaml"
}

# enroll_tls ORG NAME DIR HOST: a TLS server certificate for HOST (and localhost, for the ports published on
# the Docker host), laid out as server.crt, server.key and ca.crt.
enroll_tls() {
  local org="$1" name="$2" dir="$3" host="$4"
  rm -rf "$dir"
  ca_client "$org" enroll -u "$(ca_url "$org" "$name:$(secret_of "$org" "$name")")" -M "$dir" \
    --enrollment.profile tls --csr.hosts "$host" --csr.hosts localhost --csr.hosts 127.0.0.1 \
    || die "enrolling TLS for $name with the $org CA failed"
  cp "$dir"/signcerts/* "$dir/server.crt"
  cp "$dir"/keystore/* "$dir/server.key"
  cp "$dir"/tlscacerts/* "$dir/ca.crt"
}

issue_client() {
  local org="$1" name="$2" attrs="${3:-}"
  register "$org" "$name" client "$attrs"
  enroll "$org" "$name" "$(user_msp "$org" "$name")"
}

issue_org() {
  local org="$1" dir cacert
  dir="$(org_dir "$org")"
  log "$org: issuing identities with $(ca_name "$org")"
  ca_client "$org" enroll -u "$(ca_url "$org" "admin:$(cat "$(ca_home "$org")/ca-admin-password")")" \
    || die "enrolling the $org CA's admin failed"

  # What the channel knows of the organization. The CA issues the TLS certificates too, so it is the
  # organization's TLS root as well.
  mkdir -p "$dir/msp/cacerts" "$dir/msp/tlscacerts"
  cacert="ca-$org.pem"
  cp "$(ca_home "$org")/ca-cert.pem" "$dir/msp/cacerts/$cacert"
  cp "$(ca_home "$org")/ca-cert.pem" "$dir/msp/tlscacerts/ca.pem"
  cp "$(ca_home "$org")/ca-cert.pem" "$dir/tlsca.pem"
  cat > "$dir/msp/config.yaml" <<YAML
NodeOUs:
  Enable: true
  ClientOUIdentifier: { Certificate: cacerts/$cacert, OrganizationalUnitIdentifier: client }
  PeerOUIdentifier: { Certificate: cacerts/$cacert, OrganizationalUnitIdentifier: peer }
  AdminOUIdentifier: { Certificate: cacerts/$cacert, OrganizationalUnitIdentifier: admin }
  OrdererOUIdentifier: { Certificate: cacerts/$cacert, OrganizationalUnitIdentifier: orderer }
YAML

  register "$org" peer0 peer
  enroll "$org" peer0 "$dir/peers/peer0/msp" --csr.cn "$(peer_name "$org")"
  enroll_tls "$org" peer0 "$dir/peers/peer0/tls" "$(peer_name "$org")"
  register "$org" "admin-$org" admin
  enroll "$org" "admin-$org" "$(user_msp "$org" admin)"
  # The chaincode service's TLS server certificate; the organization's peer is its only client.
  register "$org" chaincode client
  enroll_tls "$org" chaincode "$dir/chaincode/tls" "$(cc_name "$org")"

  case "$org" in
    operators)
      issue_client operators bridge "chargeledger.operatorId=$FABRIC_OPERATOR_ID:ecert"
      issue_client operators rival-operator "chargeledger.operatorId=op-rival:ecert" ;;
    prosumers)
      issue_client prosumers prosumer "chargeledger.prosumerId=pro-1:ecert"
      issue_client prosumers rival-prosumer "chargeledger.prosumerId=pro-rival:ecert" ;;
    wallets) issue_client wallets wallet-service ;;
    authority)
      issue_client authority metering-authority
      register authority orderer0 orderer
      enroll authority orderer0 "$dir/orderers/orderer0/msp" --csr.cn "$(orderer_name)"
      enroll_tls authority orderer0 "$dir/orderers/orderer0/tls" "$(orderer_name)" ;;
  esac
  touch "$dir/.issued"
}

# The identity each organization's service acts with (the bridge's is the Operators' one), as
# participants/src/main.ts names them; handed to `node` on every run, so volumes issued before are handed too.
declare -A SERVICE_IDENTITY=([operators]=bridge [prosumers]=prosumer [wallets]=wallet-service [authority]=metering-authority)
hand_to_node() {
  local org="$1"
  chown -R "$NODE_UID:$NODE_UID" "$(org_dir "$org")/chaincode" "$(user_msp "$org" "${SERVICE_IDENTITY[$org]}")"
}

for org in "${ORGS[@]}"; do
  if [[ -f "$(org_dir "$org")/.issued" ]]; then
    log "$org: identities already issued"
  else
    wait_for_ca "$org"
    issue_org "$org"
  fi
  hand_to_node "$org"
done
log "every organization's identities are issued"
