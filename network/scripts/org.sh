#!/usr/bin/env bash
# One organization of a consortium, on its own host: its keys are made here and never leave; only the public
# files named below cross to other organizations (docs/consortium.md is the runbook).
#   org.sh init NAME MSPID HOST [orderer|no-orderer]   its CA, then its peer, admin, orderer and chaincode
#                        identities with TLS; the settings are kept in <data>/fabric/org.env
#   org.sh start         start its CA, orderer, peer and (once installed) chaincode service
#   org.sh stop          stop them
#   org.sh enroll NAME [ATTR=VALUE ...]   a client identity from its own CA; rewrites network.json
#   org.sh know PUBLIC_DIR   another organization's peer (its org.json and tlsca.pem, copied here) in network.json,
#                        for an application that reads blocks from two organizations' peers (npm run verify)
#   org.sh export DIR    its public material: MSP (CA and TLS CA certificates, NodeOUs), anchor peer, orderer
#                        endpoint and identity (for the consenter set), and its channel definition
#   org.sh create-channel BLOCK PUBLIC_DIR...   the channel's first block from the founders' public folders (BFT,
#                        one consenter per founder that runs an orderer)
#   org.sh join-orderer BLOCK / org.sh join-peer BLOCK   its own orderer, its own peer
#   org.sh fetch-block N|config OUT   a block of the channel, fetched as this organization's admin
#   org.sh propose-join PUBLIC_DIR ENVELOPE   the configuration update adding an organization, unsigned
#   org.sh propose-removal MSPID ENVELOPE   the update removing an application organization, unsigned
#   org.sh propose-ca-rotation ENVELOPE   a new CA for this organization, the old kept on this host; the update
#                        adding its root to the organization's MSP (its own admin submits it alone)
#   org.sh propose-orderer-tls ENVELOPE   a new TLS certificate for its orderer; the update naming it in the
#                        consenter mapping (orderer organizations' admins sign, another one submits); then
#                        org.sh orderer-tls-switch
#   org.sh sign ENVELOPE SIGNATURE   this organization's admin signs the update; the signature is a file
#   org.sh submit ENVELOPE SIGNATURE...   the update with the signatures collected, plus this admin's own; it returns
#                        once its orderer has the new configuration block
#   org.sh describe ENVELOPE   what an update changes, for an admin to read before signing
#   org.sh chaincode SEQUENCE   package (its own chaincode service), install, approve the definition
#   org.sh commit SEQUENCE PUBLIC_DIR...   commit the definition, endorsed by the peers of the folders' organizations
#   org.sh height        the channel's height at its peer
# Settings: CHARGELEDGER_DATA_DIR (this host's data), FABRIC_CHANNEL, FABRIC_CHAINCODE, FABRIC_BATCH_*; ports
# ORG_PEER_PORT (7051), ORG_CA_PORT (7054), ORG_ORDERER_PORT (7050), ORG_ORDERER_ADMIN_PORT (7053),
# ORG_CHAINCODE_PORT (9999), ORG_OPERATIONS_PORT (9443; orderer +1, CA +2), fixed at init. An organization
# without an orderer submits through ORG_ORDERER_ENDPOINT (host:port) whose TLS CA is ORG_ORDERER_TLSCA.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

step() { log "org${ORG_NAME:+ $ORG_NAME}: $*"; }
# The error, and the last lines of the log it names (what a remote operator needs to see first).
die() {
  local file
  echo "error: $*" >&2
  file="$(grep -o '/[^ ]*\.log' <<< "$*" | head -1)"
  [[ -n "$file" && -f "$file" ]] && tail -n 5 "$file" >&2
  exit 1
}

require_fabric() {
  fabric_check || exit 1
  BIN="$(fabric_bin_dir)"; CFG="$(fabric_config_dir "$BIN")"; BUILDERS="$(fabric_builders_dir "$BIN")"
  export PATH="$BIN:$PATH"
}

settings="$fabric/org.env"
load_settings() {
  [[ -f "$settings" ]] || die "no organization here yet ($settings): run org.sh init first"
  # shellcheck disable=SC1090
  source "$settings"
}

secret() { (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$1"); }

wait_port() {
  local what="$1" host="$2" port="$3" name="$4"
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    is_running "$name" || die "$what exited; see $logs/$name.log"
    sleep 0.1
  done
  die "$what did not listen on $host:$port; see $logs/$name.log"
}

# ---------------------------------------------------------------------------------------------- identities
ca_home="$fabric/ca"
ca_client() {
  FABRIC_CA_CLIENT_HOME="$fabric/ca-client" fabric-ca-client "$@" --caname "ca-$ORG_NAME" \
    --tls.certfiles "$ca_home/ca-cert.pem" >> "$logs/fabric-ca-client.log" 2>&1
}
ca_url() { echo "https://$1@$ORG_HOST:$ORG_CA_PORT"; }

start_ca() {
  [[ -f "$ca_home/ca-admin-password" ]] || { mkdir -p "$ca_home"; secret "$ca_home/ca-admin-password"; }
  FABRIC_CA_SERVER_HOME="$ca_home" FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="$ORG_HOST:$(( ORG_OPERATIONS_PORT + 2 ))" \
    spawn fabric-ca fabric-ca-server start -b "admin:$(cat "$ca_home/ca-admin-password")" \
      --address "$ORG_HOST" --port "$ORG_CA_PORT" --ca.name "ca-$ORG_NAME" --tls.enabled \
      --csr.cn "ca.$ORG_HOST" --csr.hosts "$ORG_HOST,localhost,127.0.0.1"
  wait_port "the CA" "$ORG_HOST" "$ORG_CA_PORT" fabric-ca
  for _ in $(seq 1 50); do [[ -s "$ca_home/ca-cert.pem" ]] && break; sleep 0.1; done
}

nodeou_config() {
  cat <<EOF
NodeOUs:
  Enable: true
  ClientOUIdentifier: { Certificate: cacerts/$1, OrganizationalUnitIdentifier: client }
  PeerOUIdentifier: { Certificate: cacerts/$1, OrganizationalUnitIdentifier: peer }
  AdminOUIdentifier: { Certificate: cacerts/$1, OrganizationalUnitIdentifier: admin }
  OrdererOUIdentifier: { Certificate: cacerts/$1, OrganizationalUnitIdentifier: orderer }
EOF
}

register() {
  local name="$1" type="$2" attrs="${3:-}" secrets="$ca_home/secrets"
  mkdir -p "$secrets"
  [[ -s "$secrets/$name" ]] && return 0
  secret "$secrets/$name"
  ca_client register -u "$(ca_url "admin:$(cat "$ca_home/ca-admin-password")")" --id.name "$name" \
    --id.secret "$(cat "$secrets/$name")" --id.type "$type" ${attrs:+--id.attrs "$attrs"} \
    || die "registering $name with the CA failed; see $logs/fabric-ca-client.log"
}

enroll() {
  local name="$1" dir="$2"; shift 2
  ca_client enroll -u "$(ca_url "$name:$(cat "$ca_home/secrets/$name")")" -M "$dir" "$@" \
    || die "enrolling $name with the CA failed; see $logs/fabric-ca-client.log"
  nodeou_config "$(basename "$(ls "$dir"/cacerts/*.pem | head -1)")" > "$dir/config.yaml"
}

enroll_tls() {
  local name="$1" dir="$2"; shift 2
  local hosts=() h
  for h in "$@" localhost 127.0.0.1; do hosts+=(--csr.hosts "$h"); done
  ca_client enroll -u "$(ca_url "$name:$(cat "$ca_home/secrets/$name")")" -M "$dir" --enrollment.profile tls "${hosts[@]}" \
    || die "enrolling TLS for $name failed; see $logs/fabric-ca-client.log"
  cp "$dir"/signcerts/* "$dir/server.crt"; cp "$dir"/keystore/* "$dir/server.key"; cp "$dir"/tlscacerts/* "$dir/ca.crt"
}

issue_client() {
  local name="$1" attrs="${2:-}"
  register "$name" client "$attrs"
  enroll "$name" "$fabric/users/$name/msp"
}

init() {
  [[ $# -ge 3 ]] || die "usage: org.sh init NAME MSPID HOST [orderer|no-orderer]"
  [[ ! -f "$settings" ]] || die "this host already holds organization $(sed -n 's/^ORG_NAME=//p' "$settings") ($settings)"
  require_fabric
  mkdir -p "$fabric"
  cat > "$settings" <<EOF
ORG_NAME=$1
ORG_MSP=$2
ORG_HOST=$3
ORG_ORDERER=$([[ ${4:-orderer} == orderer ]] && echo 1 || echo 0)
ORG_PEER_PORT=${ORG_PEER_PORT:-7051}
ORG_CA_PORT=${ORG_CA_PORT:-7054}
ORG_ORDERER_PORT=${ORG_ORDERER_PORT:-7050}
ORG_ORDERER_ADMIN_PORT=${ORG_ORDERER_ADMIN_PORT:-7053}
ORG_CHAINCODE_PORT=${ORG_CHAINCODE_PORT:-9999}
ORG_OPERATIONS_PORT=${ORG_OPERATIONS_PORT:-9443}
EOF
  load_settings
  step "its CA on $ORG_HOST:$ORG_CA_PORT issues every identity of $ORG_MSP"
  start_ca
  ca_client enroll -u "$(ca_url "admin:$(cat "$ca_home/ca-admin-password")")" || die "enrolling the CA's admin failed"
  mkdir -p "$fabric/msp/cacerts" "$fabric/msp/tlscacerts"
  cp "$ca_home/ca-cert.pem" "$fabric/msp/cacerts/ca.pem"
  cp "$ca_home/ca-cert.pem" "$fabric/msp/tlscacerts/ca.pem"
  cp "$ca_home/ca-cert.pem" "$fabric/tlsca.pem"
  nodeou_config ca.pem > "$fabric/msp/config.yaml"
  register peer0 peer
  enroll peer0 "$fabric/peer/msp" --csr.cn "peer0.$ORG_HOST"
  enroll_tls peer0 "$fabric/peer/tls" "$ORG_HOST"
  register "admin-$ORG_NAME" admin
  enroll "admin-$ORG_NAME" "$fabric/users/admin/msp"
  register chaincode client
  enroll_tls chaincode "$fabric/chaincode/tls" "$ORG_HOST"
  if [[ $ORG_ORDERER == 1 ]]; then
    register orderer0 orderer
    enroll orderer0 "$fabric/orderer/msp" --csr.cn "orderer0.$ORG_HOST"
    enroll_tls orderer0 "$fabric/orderer/tls" "$ORG_HOST"
  fi
  write_network_file
  step "identities issued under $fabric (keys stay on this host)"
}

# ---------------------------------------------------------------------------------------------- processes
orderer_env() {
  local dir="$fabric/orderer"
  export FABRIC_CFG_PATH="$CFG"
  export ORDERER_GENERAL_LISTENADDRESS="$ORG_HOST" ORDERER_GENERAL_LISTENPORT="$ORG_ORDERER_PORT"
  export ORDERER_GENERAL_LOCALMSPID="$ORG_MSP" ORDERER_GENERAL_LOCALMSPDIR="$dir/msp"
  export ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY="$dir/tls/server.key"
  export ORDERER_GENERAL_TLS_CERTIFICATE="$dir/tls/server.crt" ORDERER_GENERAL_TLS_ROOTCAS="[$dir/tls/ca.crt]"
  export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$dir/tls/server.crt" ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$dir/tls/server.key"
  export ORDERER_GENERAL_CLUSTER_ROOTCAS="[$dir/tls/ca.crt]"
  export ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true
  export ORDERER_ADMIN_LISTENADDRESS="$ORG_HOST:$ORG_ORDERER_ADMIN_PORT"
  export ORDERER_ADMIN_TLS_ENABLED=true ORDERER_ADMIN_TLS_CERTIFICATE="$dir/tls/server.crt"
  export ORDERER_ADMIN_TLS_PRIVATEKEY="$dir/tls/server.key" ORDERER_ADMIN_TLS_ROOTCAS="[$dir/tls/ca.crt]"
  export ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$dir/tls/ca.crt]"
  export ORDERER_FILELEDGER_LOCATION="$fabric/orderer/data"
  # SmartBFT keeps its write-ahead log here; the release's default is one folder for every orderer of the machine.
  export ORDERER_CONSENSUS_WALDIR="$fabric/orderer/data/wal" ORDERER_CONSENSUS_SNAPDIR="$fabric/orderer/data/snapshot"
  export ORDERER_OPERATIONS_LISTENADDRESS="$ORG_HOST:$(( ORG_OPERATIONS_PORT + 1 ))" ORDERER_METRICS_PROVIDER=prometheus
  export FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"
}

peer_env() {
  local dir="$fabric/peer" cfg="$fabric/peer/config"
  if [[ ! -f "$cfg/core.yaml" ]]; then
    mkdir -p "$cfg"
    sed -e "s|path: /opt/hyperledger/ccaas_builder|path: $BUILDERS/ccaas|" "$CFG/core.yaml" > "$cfg/core.yaml"
  fi
  export FABRIC_CFG_PATH="$cfg" CORE_PEER_ID="peer0.$ORG_HOST" CORE_PEER_ADDRESS="$ORG_HOST:$ORG_PEER_PORT"
  export CORE_PEER_LISTENADDRESS="$CORE_PEER_ADDRESS"
  export CORE_PEER_CHAINCODEADDRESS="$ORG_HOST:$(( ORG_PEER_PORT + 1 ))" CORE_PEER_CHAINCODELISTENADDRESS="$ORG_HOST:$(( ORG_PEER_PORT + 1 ))"
  export CORE_PEER_GOSSIP_BOOTSTRAP="$CORE_PEER_ADDRESS" CORE_PEER_GOSSIP_EXTERNALENDPOINT="$CORE_PEER_ADDRESS"
  export CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=5s CORE_PEER_GOSSIP_RECONNECTINTERVAL=3s
  export CORE_PEER_LOCALMSPID="$ORG_MSP" CORE_PEER_MSPCONFIGPATH="$dir/msp"
  export CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE="$dir/tls/server.crt" CORE_PEER_TLS_KEY_FILE="$dir/tls/server.key"
  export CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt"
  export CORE_PEER_FILESYSTEMPATH="$fabric/peer/data" CORE_LEDGER_SNAPSHOTS_ROOTDIR="$fabric/peer/data/snapshots"
  export CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=false
  export CORE_OPERATIONS_LISTENADDRESS="$ORG_HOST:$ORG_OPERATIONS_PORT" CORE_METRICS_PROVIDER=prometheus
  export FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}"
}

# The peer CLI as this organization's admin, against its own peer.
admin_env() { peer_env; export CORE_PEER_MSPCONFIGPATH="$fabric/users/admin/msp"; }

# Where this organization's transactions go to be ordered: its own orderer, or the one it was given.
orderer_args() {
  if [[ $ORG_ORDERER == 1 ]]; then
    echo "-o $ORG_HOST:$ORG_ORDERER_PORT --tls --cafile $fabric/tlsca.pem"
  else
    [[ -n "${ORG_ORDERER_ENDPOINT:-}" && -f "${ORG_ORDERER_TLSCA:-}" ]] \
      || die "this organization runs no orderer: set ORG_ORDERER_ENDPOINT (host:port) and ORG_ORDERER_TLSCA (that orderer organization's exported tlsca.pem)"
    echo "-o $ORG_ORDERER_ENDPOINT --tls --cafile $ORG_ORDERER_TLSCA"
  fi
}

start_chaincode() {
  [[ -f "$fabric/chaincode/package-id" ]] || return 0
  local tls="$fabric/chaincode/tls"
  ( cd "$root/chaincode"
    export CORE_PEER_LOCALMSPID="$ORG_MSP"
    spawn chaincode node "$root/node_modules/fabric-shim/cli.js" server \
      --chaincode-address="$ORG_HOST:$ORG_CHAINCODE_PORT" --chaincode-id="$(cat "$fabric/chaincode/package-id")" \
      --chaincode-tls-cert-file="$tls/server.crt" --chaincode-tls-key-file="$tls/server.key" \
      --chaincode-tls-client-cacert-file="$fabric/peer/tls/ca.crt" )
  wait_port "the chaincode service" "$ORG_HOST" "$ORG_CHAINCODE_PORT" chaincode
}

start() {
  load_settings; require_fabric
  start_ca
  if [[ $ORG_ORDERER == 1 ]]; then
    ( orderer_env; spawn orderer orderer )
    wait_port "the orderer" "$ORG_HOST" "$ORG_ORDERER_PORT" orderer
    wait_port "the orderer's admin service" "$ORG_HOST" "$ORG_ORDERER_ADMIN_PORT" orderer
  fi
  ( peer_env; spawn peer peer node start )
  wait_port "the peer" "$ORG_HOST" "$ORG_PEER_PORT" peer
  start_chaincode
  step "running on $ORG_HOST: CA, $([[ $ORG_ORDERER == 1 ]] && echo "orderer, ")peer$([[ -f "$fabric/chaincode/package-id" ]] && echo ", chaincode service")"
}

stop() {
  local name
  for name in chaincode peer orderer fabric-ca; do is_running "$name" && stop_process "$name"; done
  return 0
}

# ---------------------------------------------------------------------------------------------- public material
# configtx.yaml's description of an organization, from its public folder (org.json and msp/).
org_yaml() {
  local dir="$1" name msp host port oport
  name="$(jq -r .name "$dir/org.json")"; msp="$(jq -r .mspId "$dir/org.json")"; host="$(jq -r .host "$dir/org.json")"
  port="$(jq -r .peerPort "$dir/org.json")"; oport="$(jq -r '.ordererPort // empty' "$dir/org.json")"
  cat <<EOF
  - &$name
    Name: $msp
    ID: $msp
    MSPDir: $dir/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client'${oport:+, '$msp.orderer'})" }
      Writers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.client'${oport:+, '$msp.orderer'})" }
      Admins: { Type: Signature, Rule: "OR('$msp.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$msp.peer')" }
    AnchorPeers:
      - { Host: $host, Port: $port }
EOF
  [[ -n "$oport" ]] && printf '    OrdererEndpoints:\n      - %s:%s\n' "$host" "$oport"
  return 0
}

export_public() {
  [[ $# -eq 1 ]] || die "usage: org.sh export DIR"
  load_settings; require_fabric
  local out="$1"
  rm -rf "$out"; mkdir -p "$out/msp/cacerts" "$out/msp/tlscacerts"
  cp "$fabric/msp/cacerts/ca.pem" "$out/msp/cacerts/ca.pem"
  cp "$fabric/msp/tlscacerts/ca.pem" "$out/msp/tlscacerts/ca.pem"
  cp "$fabric/msp/config.yaml" "$out/msp/config.yaml"
  cp "$fabric/tlsca.pem" "$out/tlsca.pem"
  local oport=null
  if [[ $ORG_ORDERER == 1 ]]; then
    mkdir -p "$out/orderer"
    cp "$(ls "$fabric"/orderer/msp/signcerts/*.pem | head -1)" "$out/orderer/identity.pem"
    cp "$fabric/orderer/tls/server.crt" "$out/orderer/tls.crt"
    oport="$ORG_ORDERER_PORT"
  fi
  jq -n --arg name "$ORG_NAME" --arg msp "$ORG_MSP" --arg host "$ORG_HOST" --argjson peerPort "$ORG_PEER_PORT" --argjson ordererPort "$oport" \
    '{name: $name, mspId: $msp, host: $host, peerPort: $peerPort, ordererPort: $ordererPort}' > "$out/org.json"
  # Its definition as a channel configuration group (what a join adds to the channel), anchor peer included.
  local tmp; tmp="$(mktemp -d)"
  { echo "Organizations:"; org_yaml "$out"; } > "$tmp/configtx.yaml"
  FABRIC_CFG_PATH="$tmp" configtxgen -printOrg "$ORG_MSP" > "$tmp/definition.json" 2>> "$logs/fabric-configtxgen.log" \
    || die "configtxgen -printOrg failed; see $logs/fabric-configtxgen.log"
  jq --arg host "$ORG_HOST" --argjson port "$ORG_PEER_PORT" \
    '.values.AnchorPeers //= {mod_policy: "Admins", value: {anchor_peers: [{host: $host, port: $port}]}, version: "0"}' \
    "$tmp/definition.json" > "$out/definition.json"
  rm -rf "$tmp"
  chmod -R go+rX "$out"
  step "public material in $out: $(cd "$out" && find . -type f | sort | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------- channel
create_channel() {
  [[ $# -ge 2 ]] || die "usage: org.sh create-channel BLOCK PUBLIC_DIR..."
  load_settings; require_fabric
  local block="$1" dir="$fabric/channel" id=0 p; shift
  mkdir -p "$dir"
  {
    echo "Organizations:"
    for p in "$@"; do org_yaml "$(cd "$p" && pwd)"; done
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
      OrdererType: BFT
      BatchTimeout: $FABRIC_BATCH_TIMEOUT
      BatchSize: { MaxMessageCount: $FABRIC_BATCH_MAX_MESSAGES, AbsoluteMaxBytes: 10 MB, PreferredMaxBytes: 2 MB }
      ConsenterMapping:
EOF
    for p in "$@"; do
      p="$(cd "$p" && pwd)"
      [[ -f "$p/orderer/identity.pem" ]] || continue
      id=$(( id + 1 ))
      echo "        - { ID: $id, Host: $(jq -r .host "$p/org.json"), Port: $(jq -r .ordererPort "$p/org.json"), MSPID: $(jq -r .mspId "$p/org.json"), Identity: $p/orderer/identity.pem, ClientTLSCert: $p/orderer/tls.crt, ServerTLSCert: $p/orderer/tls.crt }"
    done
    smartbft_options
    cat <<EOF
      Organizations: [ $(for p in "$@"; do [[ -f "$p/orderer/identity.pem" ]] && printf '*%s, ' "$(jq -r .name "$p/org.json")"; done | sed 's/, $//') ]
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        BlockValidation: { Type: ImplicitMeta, Rule: "ANY Writers" }
      Capabilities: *OrdererCapabilities
    Application:
      Organizations: [ $(for p in "$@"; do printf '*%s, ' "$(jq -r .name "$p/org.json")"; done | sed 's/, $//') ]
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        LifecycleEndorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
        Endorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
      Capabilities: *ApplicationCapabilities
EOF
  } > "$dir/configtx.yaml"
  [[ $id -ge 4 ]] || die "BFT needs at least four consenters (3f+1, f = 1); the public folders name $id orderers"
  configtxgen -configPath "$dir" -profile ChargeLedger -channelID "$FABRIC_CHANNEL" -outputBlock "$block" \
    >> "$logs/fabric-configtxgen.log" 2>&1 || die "configtxgen failed; see $logs/fabric-configtxgen.log"
  chmod go+r "$block"
  step "channel $FABRIC_CHANNEL's first block in $block: $# organizations, $id consenters"
}

join_orderer() {
  [[ $# -eq 1 ]] || die "usage: org.sh join-orderer BLOCK"
  load_settings; require_fabric
  [[ $ORG_ORDERER == 1 ]] || die "$ORG_NAME runs no orderer"
  local tls="$fabric/orderer/tls"
  osnadmin channel join --channelID "$FABRIC_CHANNEL" --config-block "$1" -o "$ORG_HOST:$ORG_ORDERER_ADMIN_PORT" \
    --ca-file "$tls/ca.crt" --client-cert "$tls/server.crt" --client-key "$tls/server.key" >> "$logs/fabric-osnadmin.log" 2>&1 \
    || die "the orderer did not join $FABRIC_CHANNEL; see $logs/fabric-osnadmin.log"
  step "its orderer joined $FABRIC_CHANNEL"
}

join_peer() {
  [[ $# -eq 1 ]] || die "usage: org.sh join-peer BLOCK"
  load_settings; require_fabric
  ( admin_env
    for _ in $(seq 1 30); do peer channel join -b "$1" >> "$logs/fabric-peer-cli.log" 2>&1 && exit 0; sleep 1; done
    exit 1 ) || die "the peer did not join $FABRIC_CHANNEL; see $logs/fabric-peer-cli.log"
  step "its peer joined $FABRIC_CHANNEL"
}

fetch_block() {
  [[ $# -eq 2 ]] || die "usage: org.sh fetch-block N|config OUT"
  load_settings; require_fabric
  # shellcheck disable=SC2046
  ( admin_env
    for _ in $(seq 1 20); do peer channel fetch "$1" "$2" $(orderer_args) -c "$FABRIC_CHANNEL" >> "$logs/fabric-peer-cli.log" 2>&1 && exit 0; sleep 1; done
    exit 1 ) || die "fetching block $1 of $FABRIC_CHANNEL failed; see $logs/fabric-peer-cli.log"
}

height() {
  load_settings; require_fabric
  ( admin_env; peer channel getinfo -c "$FABRIC_CHANNEL" 2>/dev/null ) | sed -n 's/.*"height":\([0-9]*\).*/\1/p'
}

# ---------------------------------------------------------------------------------------------- configuration updates
decode() { configtxlator proto_decode --type "$1" --input "$2"; }
encode() { configtxlator proto_encode --type "$1" --input "$2" --output "$3"; }

# The channel's latest configuration, as JSON, in $1/config.json (fetched as this organization's admin).
latest_config() {
  fetch_block config "$1/config.block"
  decode common.Block "$1/config.block" | jq .data.data[0].payload.data.config > "$1/config.json"
}

# The number of the channel's latest configuration block (fetched into the folder $1).
config_block_number() {
  fetch_block config "$1/latest-config.block"
  decode common.Block "$1/latest-config.block" | jq -r .header.number
}

# The update from $1/config.json to $1/modified.json as an unsigned envelope in $2.
write_update() {
  local tmp="$1" out="$2"
  encode common.Config "$tmp/config.json" "$tmp/config.pb"
  encode common.Config "$tmp/modified.json" "$tmp/modified.pb"
  configtxlator compute_update --channel_id "$FABRIC_CHANNEL" --original "$tmp/config.pb" --updated "$tmp/modified.pb" \
    --output "$tmp/update.pb" || die "configtxlator compute_update failed"
  decode common.ConfigUpdate "$tmp/update.pb" \
    | jq --arg ch "$FABRIC_CHANNEL" '{payload: {header: {channel_header: {channel_id: $ch, type: 2}}, data: {config_update: .}}}' > "$tmp/envelope.json"
  encode common.Envelope "$tmp/envelope.json" "$out"
  chmod go+r "$out"
}

propose_join() {
  [[ $# -eq 2 ]] || die "usage: org.sh propose-join PUBLIC_DIR ENVELOPE"
  load_settings; require_fabric
  local pub="$1" out="$2" tmp msp
  tmp="$(mktemp -d)"; msp="$(jq -r .mspId "$pub/org.json")"
  latest_config "$tmp"
  jq -e --arg msp "$msp" '.channel_group.groups.Application.groups[$msp] == null' "$tmp/config.json" >/dev/null \
    || die "$msp is already a member of $FABRIC_CHANNEL"
  jq --arg msp "$msp" --slurpfile definition "$pub/definition.json" '.channel_group.groups.Application.groups[$msp] = $definition[0]' \
    "$tmp/config.json" > "$tmp/modified.json"
  write_update "$tmp" "$out"
  rm -rf "$tmp"
  step "the update adding $msp to $FABRIC_CHANNEL is in $out; it needs the signatures of a majority of the channel's admins"
}

# An application organization leaves: its group goes, and with it its peers' right to read, write and endorse.
propose_removal() {
  [[ $# -eq 2 ]] || die "usage: org.sh propose-removal MSPID ENVELOPE"
  load_settings; require_fabric
  local msp="$1" out="$2" tmp
  tmp="$(mktemp -d)"
  latest_config "$tmp"
  jq -e --arg msp "$msp" '.channel_group.groups.Application.groups[$msp] != null' "$tmp/config.json" >/dev/null \
    || die "$msp is not a member of $FABRIC_CHANNEL"
  # A consenter's removal changes the BFT quorum: it is a change of the ordering service, not done here.
  jq -e --arg msp "$msp" '[.channel_group.groups.Orderer.values.Orderers.value.consenter_mapping[]? | select(.msp_id == $msp)] | length == 0' \
    "$tmp/config.json" >/dev/null || die "$msp runs a consenter of $FABRIC_CHANNEL: add another consenter first, then remove its orderer from the consenter mapping (docs/consortium.md)"
  jq --arg msp "$msp" 'del(.channel_group.groups.Application.groups[$msp])' "$tmp/config.json" > "$tmp/modified.json"
  write_update "$tmp" "$out"
  rm -rf "$tmp"
  step "the update removing $msp from $FABRIC_CHANNEL is in $out; it needs the signatures of a majority of the channel's admins"
}

# A new root CA for this organization, kept beside the old one. The old CA's folder is kept (ca-retired-<time>)
# with its key, on this host; the new CA, on the same port, issues every identity from now on. The update adds
# the new root to the organization's MSP (signing and TLS roots) and lets its NodeOUs hold for both roots; the
# organization's own admin alone signs it (its group's Admins policy). Once every identity was issued again,
# a second update removes the old root (docs/consortium.md).
propose_ca_rotation() {
  [[ $# -eq 1 ]] || die "usage: org.sh propose-ca-rotation ENVELOPE"
  load_settings; require_fabric
  local out="$1" tmp retired new
  tmp="$(mktemp -d)"
  retired="$fabric/ca-retired-$(date -u +%Y%m%dT%H%M%S)"
  is_running fabric-ca && stop_process fabric-ca
  mv "$ca_home" "$retired"
  start_ca
  ca_client enroll -u "$(ca_url "admin:$(cat "$ca_home/ca-admin-password")")" || die "enrolling the new CA's admin failed"
  new="$(base64 -w0 < "$ca_home/ca-cert.pem")"
  latest_config "$tmp"
  # The organization's group in the application and, for an ordering organization, in the orderer group.
  jq --arg msp "$ORG_MSP" --arg new "$new" '
    def rotate: .root_certs = ((.root_certs // []) + [$new] | unique)
      | .tls_root_certs = ((.tls_root_certs // []) + [$new] | unique)
      | if .fabric_node_ous then .fabric_node_ous |= with_entries(if (.value | type) == "object" then .value.certificate = "" else . end) else . end;
    .channel_group.groups |= with_entries(if .value.groups[$msp] then .value.groups[$msp].values.MSP.value.config |= rotate else . end)' \
    "$tmp/config.json" > "$tmp/modified.json"
  jq -e --arg msp "$ORG_MSP" --arg new "$new" '[.channel_group.groups[] | .groups[$msp] // empty | .values.MSP.value.config.root_certs | index($new) != null] | (length > 0 and all)' \
    "$tmp/modified.json" >/dev/null || die "the new root is not in $ORG_MSP's definition"
  write_update "$tmp" "$out"
  cp "$ca_home/ca-cert.pem" "$fabric/msp/cacerts/ca-next.pem"
  cp "$ca_home/ca-cert.pem" "$fabric/msp/tlscacerts/ca-next.pem"
  rm -rf "$tmp"
  step "a new CA runs on $ORG_HOST:$ORG_CA_PORT (the old one kept in $retired); the update adding its root to $ORG_MSP is in $out: $ORG_MSP's admin submits it alone"
}

# A new TLS key and certificate for this organization's orderer (from its own CA), and the update putting them
# in place of the old ones in its entry of the consenter mapping; the orderer organizations' admins sign it
# (the Orderer group's MAJORITY Admins) and another orderer organization submits it: once it is committed the
# others refuse this orderer's old certificate. Then `org.sh orderer-tls-switch` restarts the orderer with the
# new files, and it catches up from the others.
propose_orderer_tls() {
  [[ $# -eq 1 ]] || die "usage: org.sh propose-orderer-tls ENVELOPE"
  load_settings; require_fabric
  [[ $ORG_ORDERER == 1 ]] || die "$ORG_NAME runs no orderer"
  local out="$1" tmp next="$fabric/orderer/tls-next" cert
  tmp="$(mktemp -d)"
  rm -rf "$next"
  enroll_tls orderer0 "$next" "$ORG_HOST"
  cert="$(base64 -w0 < "$next/server.crt")"
  latest_config "$tmp"
  jq -e --arg msp "$ORG_MSP" '[.channel_group.groups.Orderer.values.Orderers.value.consenter_mapping[] | select(.msp_id == $msp)] | length == 1' \
    "$tmp/config.json" >/dev/null || die "$ORG_MSP has no consenter of its own in $FABRIC_CHANNEL"
  jq --arg msp "$ORG_MSP" --arg cert "$cert" \
    '(.channel_group.groups.Orderer.values.Orderers.value.consenter_mapping[] | select(.msp_id == $msp)) |= (.client_tls_cert = $cert | .server_tls_cert = $cert)' \
    "$tmp/config.json" > "$tmp/modified.json"
  write_update "$tmp" "$out"
  rm -rf "$tmp"
  step "a new TLS certificate for its orderer in $next; the update naming it in the consenter mapping is in $out: it needs a majority of the orderer organizations' admins"
}

orderer_tls_switch() {
  load_settings; require_fabric
  [[ -f "$fabric/orderer/tls-next/server.crt" ]] || die "no new TLS certificate to switch to: org.sh propose-orderer-tls first"
  is_running orderer && stop_process orderer
  rm -rf "$fabric/orderer/tls-old"
  mv "$fabric/orderer/tls" "$fabric/orderer/tls-old"
  mv "$fabric/orderer/tls-next" "$fabric/orderer/tls"
  ( orderer_env; spawn orderer orderer )
  wait_port "the orderer" "$ORG_HOST" "$ORG_ORDERER_PORT" orderer
  step "its orderer runs with its new TLS certificate (the old one in $fabric/orderer/tls-old)"
}

describe() {
  [[ $# -eq 1 ]] || die "usage: org.sh describe ENVELOPE"
  require_fabric
  decode common.Envelope "$1" | jq '.payload.data.config_update | {channel: .channel_id,
    adds: ((.write_set.groups.Application.groups // {} | keys) - (.read_set.groups.Application.groups // {} | keys)),
    signatures: ([.signatures // [] | .[]] | length)}'
}

sign() {
  [[ $# -eq 2 ]] || die "usage: org.sh sign ENVELOPE SIGNATURE"
  load_settings; require_fabric
  local tmp; tmp="$(mktemp -d)"
  cp "$1" "$tmp/envelope.pb"
  ( admin_env; peer channel signconfigtx -f "$tmp/envelope.pb" >> "$logs/fabric-peer-cli.log" 2>&1 ) \
    || die "signing the update failed; see $logs/fabric-peer-cli.log"
  # The signature this admin added is the last one: that alone is the file that crosses to the submitter.
  decode common.Envelope "$tmp/envelope.pb" | jq '.payload.data.signatures[-1]' > "$2"
  chmod go+r "$2"
  rm -rf "$tmp"
  step "signed the update as $ORG_MSP's admin: $2"
}

submit() {
  [[ $# -ge 1 ]] || die "usage: org.sh submit ENVELOPE SIGNATURE..."
  load_settings; require_fabric
  local envelope="$1" tmp; shift
  tmp="$(mktemp -d)"
  decode common.Envelope "$envelope" | jq --slurpfile sigs <(cat "$@" /dev/null | jq -s .) '.payload.data.signatures = $sigs[0]' > "$tmp/signed.json"
  encode common.Envelope "$tmp/signed.json" "$tmp/signed.pb"
  local before
  before="$(config_block_number "$tmp")"
  # shellcheck disable=SC2046
  ( admin_env; peer channel update -f "$tmp/signed.pb" -c "$FABRIC_CHANNEL" $(orderer_args) >> "$logs/fabric-peer-cli.log" 2>&1 ) \
    || { rm -rf "$tmp"; die "the channel refused the update; see $logs/fabric-peer-cli.log"; }
  # The orderer accepted it; it is in force once the ordering service has cut the new configuration block.
  local after="$before"
  for _ in $(seq 1 120); do
    after="$(config_block_number "$tmp")"
    [[ "$after" -gt "$before" ]] && break
    sleep 0.5
  done
  rm -rf "$tmp"
  [[ "$after" -gt "$before" ]] || die "the update was accepted but no new configuration block came within a minute"
  step "submitted the update with $# collected signature(s) and $ORG_MSP's own; it is in force from block $after"
}

# ---------------------------------------------------------------------------------------------- chaincode
chaincode() {
  [[ $# -eq 1 ]] || die "usage: org.sh chaincode SEQUENCE"
  load_settings; require_fabric
  local sequence="$1" label="${FABRIC_CHAINCODE}_$1" dir="$fabric/chaincode" tmp
  tmp="$(mktemp -d)"
  # Its package names its own chaincode service; the peer connects to it with the peer's TLS client certificate.
  jq -n --arg address "$ORG_HOST:$ORG_CHAINCODE_PORT" --arg domain "$ORG_HOST" --rawfile root "$dir/tls/ca.crt" \
    --rawfile key "$fabric/peer/tls/server.key" --rawfile cert "$fabric/peer/tls/server.crt" \
    '{address: $address, domain: $domain, dial_timeout: "10s", tls_required: true, client_auth_required: true, root_cert: $root, client_key: $key, client_cert: $cert}' \
    > "$tmp/connection.json"
  echo "{\"type\":\"ccaas\",\"label\":\"$label\"}" > "$tmp/metadata.json"
  tar -C "$tmp" -czf "$tmp/code.tar.gz" connection.json
  tar -C "$tmp" -czf "$dir/$label.tar.gz" metadata.json code.tar.gz
  rm -rf "$tmp"
  # shellcheck disable=SC2046
  ( admin_env
    peer lifecycle chaincode calculatepackageid "$dir/$label.tar.gz" > "$dir/package-id"
    if ! peer lifecycle chaincode queryinstalled -O json 2>/dev/null | grep -q "$(cat "$dir/package-id")"; then
      peer lifecycle chaincode install "$dir/$label.tar.gz" >> "$logs/fabric-peer-cli.log" 2>&1 || exit 1
    fi
    for _ in $(seq 1 10); do
      peer lifecycle chaincode approveformyorg $(orderer_args) -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" \
        --version "$sequence" --sequence "$sequence" --package-id "$(cat "$dir/package-id")" \
        --signature-policy "$CHAINCODE_POLICY" --collections-config "$root/chaincode/collections_config.json" >> "$logs/fabric-peer-cli.log" 2>&1 && exit 0
      sleep 2
    done
    exit 1 ) || die "installing or approving the chaincode failed; see $logs/fabric-peer-cli.log"
  start_chaincode
  step "approved $FABRIC_CHAINCODE sequence $sequence; its chaincode service runs on $ORG_HOST:$ORG_CHAINCODE_PORT"
}

commit() {
  [[ $# -ge 2 ]] || die "usage: org.sh commit SEQUENCE PUBLIC_DIR..."
  load_settings; require_fabric
  local sequence="$1" peers=() p; shift
  for p in "$@"; do
    peers+=(--peerAddresses "$(jq -r .host "$p/org.json"):$(jq -r .peerPort "$p/org.json")" --tlsRootCertFiles "$p/tlsca.pem")
  done
  # shellcheck disable=SC2046
  ( admin_env
    for _ in $(seq 1 15); do
      peer lifecycle chaincode commit $(orderer_args) -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" --version "$sequence" \
        --sequence "$sequence" --signature-policy "$CHAINCODE_POLICY" --collections-config "$root/chaincode/collections_config.json" "${peers[@]}" \
        >> "$logs/fabric-peer-cli.log" 2>&1 && exit 0
      sleep 2
    done
    exit 1 ) || die "committing the chaincode definition failed; see $logs/fabric-peer-cli.log"
  step "committed $FABRIC_CHAINCODE sequence $sequence"
}

# ---------------------------------------------------------------------------------------------- network.json
# What this organization's applications read (ledger-client's readNetworkDescription): its own peer and identities.
write_network_file() {
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [file, channel, chaincode, name, mspId, endpoint, host, dir] = process.argv.slice(1);
    const users = path.join(dir, "users"), identities = {};
    for (const user of fs.existsSync(users) ? fs.readdirSync(users) : []) {
      const msp = path.join(users, user, "msp");
      identities[user] = { certFile: path.join(msp, "signcerts", "cert.pem"), keyDir: path.join(msp, "keystore") };
    }
    const organizations = { [name]: { mspId, peerEndpoint: endpoint, hostAlias: host, tlsCaFile: path.join(dir, "tlsca.pem"), identities } };
    // Other organizations this one knows from their public material: their peer only, no identity of theirs.
    const known = path.join(dir, "known");
    for (const other of fs.existsSync(known) ? fs.readdirSync(known) : []) {
      const org = JSON.parse(fs.readFileSync(path.join(known, other, "org.json"), "utf8"));
      organizations[org.name] = { mspId: org.mspId, peerEndpoint: `${org.host}:${org.peerPort}`, hostAlias: org.host, tlsCaFile: path.join(known, other, "tlsca.pem"), identities: {} };
    }
    fs.writeFileSync(file, JSON.stringify({ channel, chaincode, organizations }, null, 2) + "\n");
  ' "$fabric/network.json" "$FABRIC_CHANNEL" "$FABRIC_CHAINCODE" "$ORG_NAME" "$ORG_MSP" "$ORG_HOST:$ORG_PEER_PORT" "$ORG_HOST" "$fabric"
}

enroll_client() {
  [[ $# -ge 1 ]] || die "usage: org.sh enroll NAME [ATTR=VALUE ...]"
  load_settings; require_fabric
  local name="$1" attrs="" a; shift
  for a in "$@"; do attrs="${attrs:+$attrs,}$a:ecert"; done
  issue_client "$name" "$attrs"
  write_network_file
  echo "$fabric/users/$name/msp"
}

know() {
  [[ $# -eq 1 ]] || die "usage: org.sh know PUBLIC_DIR"
  load_settings
  local name; name="$(jq -r .name "$1/org.json")"
  [[ "$name" != "$ORG_NAME" ]] || die "$1 is this organization's own public material"
  mkdir -p "$fabric/known/$name"
  cp "$1/org.json" "$1/tlsca.pem" "$fabric/known/$name/"
  write_network_file
  step "network.json names $name's peer ($(jq -r '"\(.host):\(.peerPort)"' "$1/org.json")) from its public material"
}

command="${1:-}"; shift || true
case "$command" in
  init) init "$@" ;;
  start) start ;;
  stop) stop ;;
  enroll) enroll_client "$@" ;;
  know) know "$@" ;;
  export) export_public "$@" ;;
  create-channel) create_channel "$@" ;;
  join-orderer) join_orderer "$@" ;;
  join-peer) join_peer "$@" ;;
  fetch-block) fetch_block "$@" ;;
  propose-join) propose_join "$@" ;;
  propose-removal) propose_removal "$@" ;;
  propose-ca-rotation) propose_ca_rotation "$@" ;;
  propose-orderer-tls) propose_orderer_tls "$@" ;;
  orderer-tls-switch) orderer_tls_switch ;;
  describe) describe "$@" ;;
  sign) sign "$@" ;;
  submit) submit "$@" ;;
  chaincode) chaincode "$@" ;;
  commit) commit "$@" ;;
  height) height ;;
  *) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
