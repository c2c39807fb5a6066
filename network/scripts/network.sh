#!/usr/bin/env bash
# The local Fabric network, from the release binaries (no Docker): one Fabric CA per organization issuing
# every identity (NodeOUs, the attributes the chaincode reads), TLS everywhere, an etcdraft ordering service
# run by the Authority, one peer per organization, the channel joined with osnadmin, anchor peers in the
# channel's first block, and one chaincode service per organization.
#   network.sh up        start what is stopped; the first time, also issue identities, create the channel and
#                        deploy the chaincode. Returns when every organization's chaincode answers a query.
#   network.sh down      stop every process; the ledger and identities stay
#   network.sh status    each process, and the channel height on each peer
#   network.sh reset     down, then delete the network's data (a new ledger on the next up)
#   network.sh upgrade   rebuild the chaincode and deploy it as the next sequence; the ledger is kept
#   network.sh enroll ORG NAME [ATTR=VALUE ...]   register and enroll a client identity with the org's CA
#   network.sh query ORG FUNCTION [JSON]          evaluate a chaincode function on the org's own peer
#   network.sh check     say whether the binaries can be used
# Every host and port comes from config/defaults.env (the environment overrides them); data under
# $CHARGELEDGER_DATA_DIR/fabric, logs under $CHARGELEDGER_DATA_DIR/logs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# A network created before an organization was added to ORGS keeps the organizations it has: `up` and
# `upgrade` go on with those (an organization joins a live channel by a consortium decision, not here).
if [[ -f "$fabric/network.json" ]]; then
  mapfile -t ORGS < <(for org in "${ORGS[@]}"; do [[ -d "$(org_dir "$org")/msp" ]] && echo "$org"; done)
fi

step() { log "network: $*"; }
die() { echo "error: $*" >&2; exit 1; }

require_fabric() {
  fabric_check || exit 1
  BIN="$(fabric_bin_dir)"
  CFG="$(fabric_config_dir "$BIN")"
  BUILDERS="$(fabric_builders_dir "$BIN")"
  export PATH="$BIN:$PATH"
}

# ---------------------------------------------------------------------------------------------- processes
wait_port() {
  local what="$1" host="$2" port="$3" name="$4"
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    is_running "$name" || die "$what exited; see $logs/$name.log"
    sleep 0.1
  done
  die "$what did not listen on $host:$port; see $logs/$name.log"
}

all_processes() {
  local names=() org n
  for org in "${ORGS[@]}"; do names+=("fabric-ca-$org"); done
  for n in $(seq 0 $(( $(orderer_count) - 1 ))); do names+=("fabric-orderer$n"); done
  for org in "${ORGS[@]}"; do names+=("fabric-peer-$org" "chaincode-$org"); done
  echo "${names[@]}"
}

# ---------------------------------------------------------------------------------------------- CAs
ca_client() {
  local org="$1"; shift
  FABRIC_CA_CLIENT_HOME="$fabric/ca-clients/$org" fabric-ca-client "$@" \
    --caname "ca-$org" --tls.certfiles "$(org_ca_cert "$org")" >> "$logs/fabric-ca-client.log" 2>&1
}
ca_url() { echo "https://$2@$(org_host "$1"):$(ca_port "$1")"; }

start_ca() {
  local org="$1" home="$fabric/ca/$org" host
  host="$(org_host "$org")"
  mkdir -p "$home"
  if [[ ! -f "$home/ca-admin-password" ]]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$home/ca-admin-password")
  fi
  FABRIC_CA_SERVER_HOME="$home" \
  FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="$host:$(ca_ops_port "$org")" \
    spawn "fabric-ca-$org" fabric-ca-server start \
      -b "admin:$(cat "$home/ca-admin-password")" --address "$host" --port "$(ca_port "$org")" \
      --ca.name "ca-$org" --tls.enabled \
      --csr.cn "ca.$(domain "$org")" --csr.hosts "ca.$(domain "$org"),localhost,127.0.0.1,$host"
  wait_port "the $org CA" "$host" "$(ca_port "$org")" "fabric-ca-$org"
  for _ in $(seq 1 50); do [[ -s "$home/ca-cert.pem" ]] && break; sleep 0.1; done
}

nodeou_config() {
  local cert="$1"
  cat <<EOF
NodeOUs:
  Enable: true
  ClientOUIdentifier: { Certificate: cacerts/$cert, OrganizationalUnitIdentifier: client }
  PeerOUIdentifier: { Certificate: cacerts/$cert, OrganizationalUnitIdentifier: peer }
  AdminOUIdentifier: { Certificate: cacerts/$cert, OrganizationalUnitIdentifier: admin }
  OrdererOUIdentifier: { Certificate: cacerts/$cert, OrganizationalUnitIdentifier: orderer }
EOF
}

# register ORG NAME TYPE [ATTRS]: a new identity at the org's CA; its secret stays under the data folder.
register() {
  local org="$1" name="$2" type="$3" attrs="${4:-}" secrets="$fabric/ca/$1/secrets"
  mkdir -p "$secrets"; chmod 700 "$secrets"
  [[ -s "$secrets/$name" ]] && return 0
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$secrets/$name")
  ca_client "$org" register -u "$(ca_url "$org" "admin:$(cat "$fabric/ca/$org/ca-admin-password")")" \
    --id.name "$name" --id.secret "$(cat "$secrets/$name")" --id.type "$type" ${attrs:+--id.attrs "$attrs"} \
    || die "registering $name with the $org CA failed; see $logs/fabric-ca-client.log"
}

# enroll ORG NAME DIR [extra fabric-ca-client args]: the identity's MSP folder (key, certificate, NodeOUs).
enroll() {
  local org="$1" name="$2" dir="$3"; shift 3
  ca_client "$org" enroll -u "$(ca_url "$org" "$name:$(cat "$fabric/ca/$org/secrets/$name")")" -M "$dir" "$@" \
    || die "enrolling $name with the $org CA failed; see $logs/fabric-ca-client.log"
  # NodeOUs name the CA certificate as the enrollment wrote it into this MSP folder.
  nodeou_config "$(basename "$(ls "$dir"/cacerts/*.pem | head -1)")" > "$dir/config.yaml"
}

# enroll_tls ORG NAME DIR HOST...: a TLS certificate (tls profile) with the hosts as subject alternative names.
enroll_tls() {
  local org="$1" name="$2" dir="$3"; shift 3
  local hosts=() h
  for h in "$@" localhost 127.0.0.1; do hosts+=(--csr.hosts "$h"); done
  ca_client "$org" enroll -u "$(ca_url "$org" "$name:$(cat "$fabric/ca/$org/secrets/$name")")" -M "$dir" \
    --enrollment.profile tls "${hosts[@]}" || die "enrolling TLS for $name with the $org CA failed"
  cp "$dir"/signcerts/* "$dir/server.crt"
  cp "$dir"/keystore/* "$dir/server.key"
  cp "$dir"/tlscacerts/* "$dir/ca.crt"
}

# The organization's MSP (what the channel knows of it), its peer, admin and application identities.
issue_org() {
  local org="$1" dir cacert host
  dir="$(org_dir "$org")"; host="$(org_host "$org")"
  step "$org: issuing identities with its CA"
  mkdir -p "$dir/msp/cacerts" "$dir/msp/tlscacerts"
  cacert="ca-$org.pem"
  cp "$(org_ca_cert "$org")" "$dir/msp/cacerts/$cacert"
  # The CA issues the TLS certificates too (tls profile), so it is the organization's TLS root as well.
  cp "$(org_ca_cert "$org")" "$dir/msp/tlscacerts/ca.pem"
  cp "$(org_ca_cert "$org")" "$dir/tlsca.pem"
  nodeou_config "$cacert" > "$dir/msp/config.yaml"

  register "$org" peer0 peer
  enroll "$org" peer0 "$dir/peers/peer0/msp" --csr.cn "$(peer_name "$org")"
  enroll_tls "$org" peer0 "$dir/peers/peer0/tls" "$(peer_name "$org")" "$host"
  register "$org" admin-"$org" admin
  enroll "$org" admin-"$org" "$(user_msp "$org" admin)"
  # The chaincode service's TLS server certificate; the peer is its only client.
  register "$org" chaincode client
  enroll_tls "$org" chaincode "$dir/chaincode/tls" "chaincode.$(domain "$org")" "$host"

  case "$org" in
    operators)
      issue_client operators bridge "chargeledger.operatorId=$FABRIC_OPERATOR_ID:ecert"
      issue_client operators rival-operator "chargeledger.operatorId=op-rival:ecert"
      # For tests: what a rogue CA of one operator can issue, a certificate naming another operator.
      issue_client operators impostor "chargeledger.operatorId=${OPERATOR_ID[operators2]:-op-2}:ecert" ;;
    operators*) issue_client "$org" bridge "chargeledger.operatorId=${OPERATOR_ID[$org]}:ecert" ;;
    prosumers)
      issue_client prosumers prosumer "chargeledger.prosumerId=pro-1:ecert"
      issue_client prosumers rival-prosumer "chargeledger.prosumerId=pro-rival:ecert" ;;
    wallets) issue_client wallets wallet-service ;;
    authority) issue_client authority metering-authority ;;
  esac
  # The orderers this organization runs: all of them under Raft (the Authority), its own one under BFT.
  local n
  for n in $(seq 0 $(( $(orderer_count) - 1 ))); do
    [[ $(orderer_org "$n") == "$org" ]] || continue
    register "$org" "orderer$n" orderer
    enroll "$org" "orderer$n" "$(orderer_dir "$n")/msp" --csr.cn "$(orderer_name "$n")"
    enroll_tls "$org" "orderer$n" "$(orderer_dir "$n")/tls" "$(orderer_name "$n")" "$(orderer_host "$n")"
  done
}

issue_client() {
  local org="$1" name="$2" attrs="${3:-}"
  register "$org" "$name" client "$attrs"
  enroll "$org" "$name" "$(user_msp "$org" "$name")"
}

# ---------------------------------------------------------------------------------------------- orderer
orderer_env() {
  local n="$1" dir host
  dir="$(orderer_dir "$n")"; host="$(orderer_host "$n")"
  export FABRIC_CFG_PATH="$CFG"
  export ORDERER_GENERAL_LISTENADDRESS="$host"
  export ORDERER_GENERAL_LISTENPORT="$(orderer_port "$n")"
  export ORDERER_GENERAL_LOCALMSPID="${MSP[$(orderer_org "$n")]}"
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
  export ORDERER_ADMIN_LISTENADDRESS="$host:$(orderer_admin_port "$n")"
  export ORDERER_ADMIN_TLS_ENABLED=true
  export ORDERER_ADMIN_TLS_CERTIFICATE="$dir/tls/server.crt"
  export ORDERER_ADMIN_TLS_PRIVATEKEY="$dir/tls/server.key"
  export ORDERER_ADMIN_TLS_ROOTCAS="[$dir/tls/ca.crt]"
  export ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
  export ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$dir/tls/ca.crt]"
  export ORDERER_FILELEDGER_LOCATION="$fabric/orderers/orderer$n"
  export ORDERER_CONSENSUS_WALDIR="$fabric/orderers/orderer$n/etcdraft/wal"
  export ORDERER_CONSENSUS_SNAPDIR="$fabric/orderers/orderer$n/etcdraft/snapshot"
  export ORDERER_OPERATIONS_LISTENADDRESS="$host:$(orderer_ops_port "$n")"
  export ORDERER_METRICS_PROVIDER=prometheus
  export FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"
}

start_orderer() {
  local n="$1"
  ( orderer_env "$n"; spawn "fabric-orderer$n" orderer )
  wait_port "orderer $n" "$(orderer_host "$n")" "$(orderer_port "$n")" "fabric-orderer$n"
  wait_port "orderer $n's admin service" "$(orderer_host "$n")" "$(orderer_admin_port "$n")" "fabric-orderer$n"
}

# ---------------------------------------------------------------------------------------------- peers
peer_cfg_dir() {
  local org="$1" dir="$fabric/peers/$1/config"
  if [[ ! -f "$dir/core.yaml" ]]; then
    mkdir -p "$dir"
    # The release's core.yaml with the chaincode-as-a-service builder of the same release.
    sed -e "s|path: /opt/hyperledger/ccaas_builder|path: $BUILDERS/ccaas|" "$CFG/core.yaml" > "$dir/core.yaml"
  fi
  echo "$dir"
}

peer_env() {
  local org="$1" dir host
  dir="$(org_dir "$org")/peers/peer0"; host="$(org_host "$org")"
  export FABRIC_CFG_PATH; FABRIC_CFG_PATH="$(peer_cfg_dir "$org")"
  export CORE_PEER_ID; CORE_PEER_ID="$(peer_name "$org")"
  export CORE_PEER_ADDRESS; CORE_PEER_ADDRESS="$(peer_address "$org")"
  export CORE_PEER_LISTENADDRESS="$CORE_PEER_ADDRESS"
  export CORE_PEER_CHAINCODEADDRESS="$host:$(peer_cc_port "$org")"
  export CORE_PEER_CHAINCODELISTENADDRESS="$CORE_PEER_CHAINCODEADDRESS"
  export CORE_PEER_GOSSIP_BOOTSTRAP="$CORE_PEER_ADDRESS"
  export CORE_PEER_GOSSIP_EXTERNALENDPOINT="$CORE_PEER_ADDRESS"
  # Peers of other organizations find each other through the anchor peers; shorter gossip intervals than
  # the defaults let discovery know every organization's peer seconds after a start, not half a minute.
  export CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s
  export CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=5s
  export CORE_PEER_GOSSIP_RECONNECTINTERVAL=3s
  export CORE_PEER_LOCALMSPID="${MSP[$org]}"
  export CORE_PEER_MSPCONFIGPATH="$dir/msp"
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_TLS_CERT_FILE="$dir/tls/server.crt"
  export CORE_PEER_TLS_KEY_FILE="$dir/tls/server.key"
  export CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt"
  export CORE_PEER_FILESYSTEMPATH="$fabric/peers/$org/data"
  export CORE_LEDGER_SNAPSHOTS_ROOTDIR="$fabric/peers/$org/data/snapshots"
  # No chaincode function reads a key's history (GetHistoryForKey), so no peer indexes every write for it.
  export CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=false
  export CORE_OPERATIONS_LISTENADDRESS="$host:$(peer_ops_port "$org")"
  export CORE_METRICS_PROVIDER=prometheus
  export FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"
}

# The peer CLI acting as the organization's admin against its own peer.
admin_env() {
  local org="$1"
  peer_env "$org"
  export CORE_PEER_MSPCONFIGPATH; CORE_PEER_MSPCONFIGPATH="$(user_msp "$org" admin)"
}

start_peer() {
  local org="$1"
  ( peer_env "$org"; spawn "fabric-peer-$org" peer node start )
  wait_port "the $org peer" "$(org_host "$org")" "$(peer_port "$org")" "fabric-peer-$org"
}

orderer_tls_args() { echo "-o $(orderer_address 0) --ordererTLSHostnameOverride $(orderer_name 0) --tls --cafile $(org_dir "$(orderer_org 0)")/tlsca.pem"; }

# ---------------------------------------------------------------------------------------------- channel
# Whether the organization runs one of the ordering nodes.
runs_orderers() {
  local n
  for n in $(seq 0 $(( $(orderer_count) - 1 ))); do [[ $(orderer_org "$n") == "$1" ]] && return 0; done
  return 1
}

write_configtx() {
  local dir="$fabric/channel" org n
  mkdir -p "$dir"
  {
    echo "Organizations:"
    for org in "${ORGS[@]}"; do
      local m="${MSP[$org]}"
      cat <<EOF
  - &${KEY[$org]}
    Name: $m
    ID: $m
    MSPDir: $(org_dir "$org")/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$m.admin', '$m.peer', '$m.client')" }
      Writers: { Type: Signature, Rule: "OR('$m.admin', '$m.client'$( runs_orderers "$org" && echo ", '$m.orderer'"))" }
      Admins: { Type: Signature, Rule: "OR('$m.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$m.peer')" }
    AnchorPeers:
      - { Host: $(org_host "$org"), Port: $(peer_port "$org") }
EOF
      if runs_orderers "$org"; then
        echo "    OrdererEndpoints:"
        for n in $(seq 0 $(( $(orderer_count) - 1 ))); do [[ $(orderer_org "$n") == "$org" ]] && echo "      - $(orderer_address "$n")"; done
      fi
    done
    cat <<EOF
Capabilities:
  Channel: &ChannelCapabilities { V3_0: true }
  Orderer: &OrdererCapabilities { V2_0: true }
  Application: &ApplicationCapabilities { V2_5: true }
Profiles:
  ChargeLedger:
    Policies:
      Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
      Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
      Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
    Capabilities: *ChannelCapabilities
    Orderer:
      BatchTimeout: $FABRIC_BATCH_TIMEOUT
      BatchSize: { MaxMessageCount: $FABRIC_BATCH_MAX_MESSAGES, AbsoluteMaxBytes: 10 MB, PreferredMaxBytes: 2 MB }
EOF
    if [[ $(ordering) == bft ]]; then
      # Consenters know each other by their enrollment certificates (Identity) and organizations, not by TLS alone.
      echo "      OrdererType: BFT"
      echo "      ConsenterMapping:"
      for n in $(seq 0 $(( $(orderer_count) - 1 ))); do
        local odir; odir="$(orderer_dir "$n")"
        echo "        - { ID: $(( n + 1 )), Host: $(orderer_host "$n"), Port: $(orderer_port "$n"), MSPID: ${MSP[$(orderer_org "$n")]}, Identity: $(ls "$odir"/msp/signcerts/*.pem | head -1), ClientTLSCert: $odir/tls/server.crt, ServerTLSCert: $odir/tls/server.crt }"
      done
      smartbft_options
    else
      echo "      OrdererType: etcdraft"
      echo "      EtcdRaft:"
      echo "        Consenters:"
      for n in $(seq 0 $(( $(orderer_count) - 1 ))); do
        local tls; tls="$(orderer_dir "$n")/tls/server.crt"
        echo "          - { Host: $(orderer_host "$n"), Port: $(orderer_port "$n"), ClientTLSCert: $tls, ServerTLSCert: $tls }"
      done
      echo "        Options: { TickInterval: 500ms, ElectionTick: 10, HeartbeatTick: 1, MaxInflightBlocks: 5, SnapshotIntervalSize: 16 MB }"
    fi
    cat <<EOF
      Organizations: [ $(for org in "${ORGS[@]}"; do runs_orderers "$org" && printf '*%s, ' "${KEY[$org]}"; done | sed 's/, $//') ]
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        BlockValidation: { Type: ImplicitMeta, Rule: "ANY Writers" }
      Capabilities: *OrdererCapabilities
    Application:
      Organizations: [ $(printf '*%s, ' "${KEY[@]/#/}" | sed 's/, $//') ]
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        LifecycleEndorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
        Endorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
      Capabilities: *ApplicationCapabilities
EOF
  } > "$dir/configtx.yaml"
}

create_channel() {
  local dir="$fabric/channel" n org
  step "creating channel $FABRIC_CHANNEL (BatchTimeout $FABRIC_BATCH_TIMEOUT, MaxMessageCount $FABRIC_BATCH_MAX_MESSAGES)"
  write_configtx
  configtxgen -configPath "$dir" -profile ChargeLedger -channelID "$FABRIC_CHANNEL" \
    -outputBlock "$dir/genesis.block" >> "$logs/fabric-configtxgen.log" 2>&1 || die "configtxgen failed; see $logs/fabric-configtxgen.log"
  local tls; 
  for n in $(seq 0 $(( $(orderer_count) - 1 ))); do
    tls="$(orderer_dir "$n")/tls"
    osnadmin channel join --channelID "$FABRIC_CHANNEL" --config-block "$dir/genesis.block" \
      -o "$(orderer_host "$n"):$(orderer_admin_port "$n")" --ca-file "$tls/ca.crt" \
      --client-cert "$tls/server.crt" --client-key "$tls/server.key" >> "$logs/fabric-osnadmin.log" 2>&1 \
      || die "orderer $n did not join the channel; see $logs/fabric-osnadmin.log"
  done
  for org in "${ORGS[@]}"; do
    step "$org: peer joins $FABRIC_CHANNEL"
    ( admin_env "$org"
      for _ in $(seq 1 30); do
        peer channel join -b "$dir/genesis.block" >> "$logs/fabric-peer-cli.log" 2>&1 && exit 0
        sleep 1
      done
      exit 1 ) || die "the $org peer did not join the channel; see $logs/fabric-peer-cli.log"
  done
}

# ---------------------------------------------------------------------------------------------- chaincode
build_chaincode() {
  step "building the chaincode"
  (cd "$root/chaincode" && npx tsc -p tsconfig.build.json) || die "the chaincode did not build"
}

# One chaincode-as-a-service package per organization: it names that organization's chaincode service.
package_chaincode() {
  local org="$1" label="$2" dir="$fabric/chaincode/$1" tmp
  tmp="$(mktemp -d)"
  mkdir -p "$dir"
  local tls="$(org_dir "$org")/chaincode/tls" peertls="$(org_dir "$org")/peers/peer0/tls"
  node -e '
    const fs = require("node:fs");
    const [address, domain, root, key, cert] = process.argv.slice(1);
    fs.writeFileSync(process.argv[6], JSON.stringify({
      address, domain, dial_timeout: "10s", tls_required: true, client_auth_required: true,
      root_cert: fs.readFileSync(root, "utf8"), client_key: fs.readFileSync(key, "utf8"), client_cert: fs.readFileSync(cert, "utf8"),
    }, null, 2));
  ' "$(org_host "$org"):$(cc_port "$org")" "chaincode.$(domain "$org")" "$tls/ca.crt" "$peertls/server.key" "$peertls/server.crt" "$tmp/connection.json"
  echo "{\"type\":\"ccaas\",\"label\":\"$label\"}" > "$tmp/metadata.json"
  tar -C "$tmp" -czf "$tmp/code.tar.gz" connection.json
  tar -C "$tmp" -czf "$dir/$label.tar.gz" metadata.json code.tar.gz
  rm -rf "$tmp"
  echo "$dir/$label.tar.gz"
}

start_chaincode() {
  local org="$1" tls package_id
  tls="$(org_dir "$org")/chaincode/tls"
  package_id="$(cat "$fabric/chaincode/$org/package-id")"
  ( cd "$root/chaincode"
    export CORE_PEER_LOCALMSPID="${MSP[$org]}"
    spawn "chaincode-$org" node "$root/node_modules/fabric-shim/cli.js" server \
      --chaincode-address="$(org_host "$org"):$(cc_port "$org")" --chaincode-id="$package_id" \
      --chaincode-tls-cert-file="$tls/server.crt" --chaincode-tls-key-file="$tls/server.key" \
      --chaincode-tls-client-cacert-file="$(org_dir "$org")/peers/peer0/tls/ca.crt" )
  wait_port "the $org chaincode service" "$(org_host "$org")" "$(cc_port "$org")" "chaincode-$org"
}

committed_sequence() {
  ( admin_env operators
    peer lifecycle chaincode querycommitted -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" -O json 2>/dev/null ) \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).sequence)}catch{console.log(0)}})'
}

# install, approve by each organization, commit with the collection config and the channel's policy.
deploy_chaincode() {
  local sequence="$1" label="${FABRIC_CHAINCODE}_$1" org pkg peers=()
  local collections="$root/chaincode/collections_config.json"
  for org in "${ORGS[@]}"; do
    step "$org: installs and approves chaincode $FABRIC_CHAINCODE sequence $sequence"
    pkg="$(package_chaincode "$org" "$label")"
    ( admin_env "$org"
      peer lifecycle chaincode calculatepackageid "$pkg" > "$fabric/chaincode/$org/package-id"
      if ! peer lifecycle chaincode queryinstalled -O json 2>/dev/null | grep -q "$(cat "$fabric/chaincode/$org/package-id")"; then
        peer lifecycle chaincode install "$pkg" >> "$logs/fabric-peer-cli.log" 2>&1 || exit 1
      fi
      # shellcheck disable=SC2046
      peer lifecycle chaincode approveformyorg $(orderer_tls_args) -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" \
        --version "$sequence" --sequence "$sequence" --package-id "$(cat "$fabric/chaincode/$org/package-id")" \
        --signature-policy "$CHAINCODE_POLICY" --collections-config "$collections" >> "$logs/fabric-peer-cli.log" 2>&1 ) \
      || die "$org could not install or approve the chaincode; see $logs/fabric-peer-cli.log"
    peers+=(--peerAddresses "$(peer_address "$org")" --tlsRootCertFiles "$(org_dir "$org")/tlsca.pem")
  done
  step "committing chaincode $FABRIC_CHAINCODE sequence $sequence"
  ( admin_env operators
    # shellcheck disable=SC2046
    peer lifecycle chaincode commit $(orderer_tls_args) -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" \
      --version "$sequence" --sequence "$sequence" --signature-policy "$CHAINCODE_POLICY" --collections-config "$collections" "${peers[@]}" \
      >> "$logs/fabric-peer-cli.log" 2>&1 ) || die "the chaincode commit failed; see $logs/fabric-peer-cli.log"
}

# The Authority admits each operator organization's operator (Registry:admitOperator, ADR 0038), endorsed by
# the chaincode policy's organizations. An operator already admitted is skipped, so `up` and `upgrade` run it
# every time: an existing single-operator network gets op-1's binding to OperatorsMSP at its upgrade.
#   admit_operators COMMAND: COMMAND (up or upgrade) names what to advise when the admission fails.
admit_operators() {
  local command="$1" org request output
  for org in "${ORGS[@]}"; do
    [[ -n "${OPERATOR_ID[$org]:-}" ]] || continue
    if ( admin_env authority; export FABRIC_LOGGING_SPEC=error
         peer chaincode query -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" \
           -c "$(node -e 'console.log(JSON.stringify({ Args: ["Registry:getOperator", JSON.stringify({ operatorId: process.argv[1] })] }))' "${OPERATOR_ID[$org]}")" ) >/dev/null 2>&1; then
      continue
    fi
    step "the Authority admits operator ${OPERATOR_ID[$org]} in ${MSP[$org]}"
    request="$(node -e 'const [o, m] = process.argv.slice(1); console.log(JSON.stringify({ Args: ["Registry:admitOperator", JSON.stringify({ eventId: `admit-operator-${o}`, operatorId: o, mspId: m })] }))' "${OPERATOR_ID[$org]}" "${MSP[$org]}")"
    if ! output="$( admin_env authority
      # shellcheck disable=SC2046
      peer chaincode invoke $(orderer_tls_args) -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" --waitForEvent \
        --peerAddresses "$(peer_address wallets)" --tlsRootCertFiles "$(org_dir wallets)/tlsca.pem" \
        --peerAddresses "$(peer_address authority)" --tlsRootCertFiles "$(org_dir authority)/tlsca.pem" \
        -c "$request" 2>&1 )"; then
      printf '%s\n' "$output" >> "$logs/fabric-peer-cli.log"
      die "admitting ${OPERATOR_ID[$org]} failed: $(admit_failure_advice "$command" "$output")"
    fi
    printf '%s\n' "$output" >> "$logs/fabric-peer-cli.log"
  done
}

# What to tell the user when Registry:admitOperator fails, from the peer CLI's output. A network whose chaincode
# was deployed before ADR 0038 and 0039 (the channel's MAJORITY policy, no Registry:admitOperator) refuses the
# Authority's admission with ENDORSEMENT_POLICY_FAILURE, or does not know the function: `upgrade` deploys the
# current chaincode with the policy of ADR 0039 and admits op-1 in OperatorsMSP, keeping the ledger.
admit_failure_advice() {
  local command="$1" output="$2"
  # fabric-contract-api answers a function the chaincode does not have with "...a function that does not exist: <name>".
  if [[ $output == *ENDORSEMENT_POLICY_FAILURE* || $output == *"does not exist: Registry:admitOperator"* ]]; then
    if [[ $command == up ]]; then
      echo "this network's chaincode predates operators bound to their organizations (ADR 0038, 0039): run \`bash network/scripts/network.sh upgrade\` once; it deploys the current chaincode with the policy $CHAINCODE_POLICY and admits ${OPERATOR_ID[operators]} in OperatorsMSP, and the ledger is kept"
    else
      echo "the chaincode's policy is still not $CHAINCODE_POLICY after the upgrade; see $logs/fabric-peer-cli.log"
    fi
  else
    echo "see $logs/fabric-peer-cli.log"
  fi
}

# Discovery can plan an endorsement only once a peer's gossip knows the other organizations' peers.
wait_for_membership() {
  local org others=$(( ${#ORGS[@]} - 1 )) known
  for org in "${ORGS[@]}"; do
    for _ in $(seq 1 120); do
      known="$(curl -s "http://$(org_host "$org"):$(peer_ops_port "$org")/metrics" | sed -n "s/^gossip_membership_total_peers_known{channel=\"$FABRIC_CHANNEL\"} \([0-9]*\).*/\1/p")"
      [[ "${known:-0}" -ge $others ]] && break
      sleep 0.5
    done
    [[ "${known:-0}" -ge $others ]] || die "the $org peer knows ${known:-0} of the $others other peers after 60 s; see $logs/fabric-peer-$org.log"
  done
}

# Up returns only when every organization's chaincode service answers through its own peer.
wait_for_queries() {
  local org
  for org in "${ORGS[@]}"; do
    ( admin_env "$org"
      for _ in $(seq 1 60); do
        peer chaincode query -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" -c '{"Args":["Trading:listOpenOffers","{}"]}' >/dev/null 2>>"$logs/fabric-peer-cli.log" && exit 0
        sleep 1
      done
      exit 1 ) || die "the $org peer does not answer queries; see $logs/fabric-peer-$org.log and $logs/chaincode-$org.log"
  done
}

# ---------------------------------------------------------------------------------------------- network.json
# What the project's TypeScript reads: each organization's peer, TLS root and enrolled identities.
write_network_file() {
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [file, channel, chaincode, ...orgs] = process.argv.slice(1);
    const organizations = {};
    for (const spec of orgs) {
      const [name, mspId, endpoint, hostAlias, dir] = spec.split("|");
      const users = path.join(dir, "users");
      const identities = {};
      for (const user of fs.existsSync(users) ? fs.readdirSync(users) : []) {
        const msp = path.join(users, user, "msp");
        identities[user] = { certFile: path.join(msp, "signcerts", "cert.pem"), keyDir: path.join(msp, "keystore") };
      }
      organizations[name] = { mspId, peerEndpoint: endpoint, hostAlias, tlsCaFile: path.join(dir, "tlsca.pem"), identities };
    }
    fs.writeFileSync(file, JSON.stringify({ channel, chaincode, organizations }, null, 2) + "\n");
  ' "$fabric/network.json" "$FABRIC_CHANNEL" "$FABRIC_CHAINCODE" $(for org in "${ORGS[@]}"; do
    echo "$org|${MSP[$org]}|$(peer_address "$org")|$(peer_name "$org")|$(org_dir "$org")"; done)
}

# ---------------------------------------------------------------------------------------------- commands
up() {
  require_fabric
  local org n first=0 started=$SECONDS
  [[ -f "$fabric/network.json" ]] || first=1
  if [[ $first -eq 1 ]]; then
    # network.json is written last: without it, an earlier first start did not finish; begin again.
    down; rm -rf "$fabric"; mkdir -p "$fabric"
    [[ ${FABRIC_ORDERING:-raft} == raft || ${FABRIC_ORDERING:-raft} == bft ]] || die "FABRIC_ORDERING is raft or bft, not ${FABRIC_ORDERING}"
    echo "${FABRIC_ORDERING:-raft}" > "$fabric/ordering"
    step "new network: $(ordering) ordering with $(orderer_count) orderer(s), ${#ORGS[@]} organizations, data in $fabric"
  fi
  for org in "${ORGS[@]}"; do step "$org: CA on $(org_host "$org"):$(ca_port "$org")"; start_ca "$org"; done
  if [[ $first -eq 1 ]]; then
    for org in "${ORGS[@]}"; do
      ca_client "$org" enroll -u "$(ca_url "$org" "admin:$(cat "$fabric/ca/$org/ca-admin-password")")" \
        || die "enrolling the $org CA's admin failed; see $logs/fabric-ca-client.log"
      issue_org "$org"
    done
  fi
  for n in $(seq 0 $(( $(orderer_count) - 1 ))); do step "orderer $n on $(orderer_address "$n")"; start_orderer "$n"; done
  for org in "${ORGS[@]}"; do step "$org: peer on $(peer_address "$org")"; start_peer "$org"; done
  if [[ $first -eq 1 ]]; then
    create_channel
    build_chaincode
    deploy_chaincode 1
  elif [[ ! -f "$root/chaincode/dist/index.js" ]]; then
    build_chaincode
  fi
  for org in "${ORGS[@]}"; do step "$org: chaincode service on $(org_host "$org"):$(cc_port "$org")"; start_chaincode "$org"; done
  step "waiting until every organization's chaincode answers a query and every peer knows the others"
  wait_for_queries
  wait_for_membership
  admit_operators up
  write_network_file
  step "up in $(( SECONDS - started )) s: channel $FABRIC_CHANNEL, chaincode $FABRIC_CHAINCODE sequence $(committed_sequence)"
}

down() {
  local name
  for name in $(all_processes | tr ' ' '\n' | tac); do
    if is_running "$name"; then stop_process "$name"; step "$name stopped"; fi
  done
}

status() {
  local name code=0 org
  for name in $(all_processes); do
    if is_running "$name"; then printf '%-24s running (pid %s)\n' "$name" "$(pid_of "$name")"; else printf '%-24s stopped\n' "$name"; code=3; fi
  done
  if [[ $code -eq 0 ]] && require_fabric 2>/dev/null; then
    for org in "${ORGS[@]}"; do
      printf '%-24s %s\n' "height at $org" "$( (admin_env "$org"; peer channel getinfo -c "$FABRIC_CHANNEL" 2>/dev/null) | sed -n 's/.*"height":\([0-9]*\).*/\1/p')"
    done
  fi
  return $code
}

upgrade() {
  require_fabric
  [[ -f "$fabric/network.json" ]] || die "no network yet: run up first"
  local next=$(( $(committed_sequence) + 1 )) org
  build_chaincode
  deploy_chaincode "$next"
  for org in "${ORGS[@]}"; do stop_process "chaincode-$org"; start_chaincode "$org"; done
  wait_for_queries
  wait_for_membership
  admit_operators upgrade
  step "chaincode $FABRIC_CHAINCODE is at sequence $(committed_sequence); the ledger was kept"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  reset) down; rm -rf "$fabric"; step "network data deleted" ;;
  upgrade) upgrade ;;
  enroll)
    require_fabric
    [[ $# -ge 3 ]] || die "usage: network.sh enroll ORG NAME [ATTR=VALUE ...]"
    org="$2"; name="$3"; shift 3
    [[ -n "${MSP[$org]:-}" ]] || die "unknown organization $org (one of: ${ORGS[*]})"
    attrs=""; for a in "$@"; do attrs="${attrs:+$attrs,}$a:ecert"; done
    issue_client "$org" "$name" "$attrs"
    write_network_file
    echo "$(user_msp "$org" "$name")" ;;
  query)
    require_fabric
    [[ $# -ge 3 ]] || die "usage: network.sh query ORG Contract:function ['{\"json\":\"request\"}']"
    [[ -n "${MSP[$2]:-}" ]] || die "unknown organization $2 (one of: ${ORGS[*]})"
    ( admin_env "$2"
      export FABRIC_LOGGING_SPEC=error
      args="$(node -e 'console.log(JSON.stringify({ Args: process.argv.slice(1) }))' "$3" "${4:-{\}}")"
      peer chaincode query -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" -c "$args" ) ;;
  check) require_fabric; echo "Fabric binaries: $BIN (config $CFG, builders $BUILDERS)" ;;
  # What `up` or `upgrade` advises when the Authority's admission fails with this peer CLI output (tests read it).
  admit-advice) [[ $# -eq 3 ]] || die "usage: network.sh admit-advice up|upgrade OUTPUT"; admit_failure_advice "$2" "$3" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
