#!/usr/bin/env bash
# The compose stack's second one-shot step (image hyperledger/fabric-tools: peer, osnadmin, configtxgen, jq),
# once the orderer and the peers run: the channel (anchor peers in its first block) joined by the orderer
# through osnadmin and by every peer, then the chaincode: one chaincode-as-a-service package per organization
# naming that organization's chaincode service, installed and approved by each, committed with
# chaincode/collections_config.json. The chaincode services start after it and read their package id from the
# chaincode volume. Each step is skipped when its result is already there, so `docker compose up` may run it
# again; the channel and the chaincode definition are those network/scripts/network.sh makes natively.
# Last, on every run, it writes <data>/fabric/network.json (volume fabric-network) as network.sh's
# write_network_file does, with the compose network's names and the containers' paths: the participants'
# services read it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

channel_dir="$fabric/channel"
packages="$fabric/chaincode"
collections=/opt/chargeledger/chaincode/collections_config.json
sequence=1
orderer_tls="$(org_dir "$ORDERER_ORG")/orderers/orderer0/tls"

# The peer CLI as the organization's admin, against its own peer.
as_admin() {
  local org="$1"; shift
  CORE_PEER_ADDRESS="$(peer_address "$org")" CORE_PEER_LOCALMSPID="${MSP[$org]}" \
  CORE_PEER_MSPCONFIGPATH="$(user_msp "$org" admin)" CORE_PEER_TLS_ENABLED=true \
  CORE_PEER_TLS_ROOTCERT_FILE="$(org_dir "$org")/tlsca.pem" "$@"
}
orderer_args=(-o "$(orderer_address)" --tls --cafile "$(org_dir "$ORDERER_ORG")/tlsca.pem")

retry() {
  local what="$1"; shift
  for _ in $(seq 1 30); do "$@" && return 0; sleep 2; done
  die "$what"
}

write_configtx() {
  local org m
  {
    echo "Organizations:"
    for org in "${ORGS[@]}"; do
      m="${MSP[$org]}"
      cat <<YAML
  - &${KEY[$org]}
    Name: $m
    ID: $m
    MSPDir: $(org_dir "$org")/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$m.admin', '$m.peer', '$m.client')" }
      Writers: { Type: Signature, Rule: "OR('$m.admin', '$m.client'$([[ $org == "$ORDERER_ORG" ]] && echo ", '$m.orderer'"))" }
      Admins: { Type: Signature, Rule: "OR('$m.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$m.peer')" }
    AnchorPeers:
      - { Host: $(peer_name "$org"), Port: $(peer_port "$org") }
YAML
      if [[ $org == "$ORDERER_ORG" ]]; then printf '    OrdererEndpoints:\n      - %s\n' "$(orderer_address)"; fi
    done
    cat <<YAML
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
      OrdererType: etcdraft
      BatchTimeout: $FABRIC_BATCH_TIMEOUT
      BatchSize: { MaxMessageCount: $FABRIC_BATCH_MAX_MESSAGES, AbsoluteMaxBytes: 10 MB, PreferredMaxBytes: 2 MB }
      EtcdRaft:
        Consenters:
          - { Host: $(orderer_name), Port: $FABRIC_ORDERER_PORT, ClientTLSCert: $orderer_tls/server.crt, ServerTLSCert: $orderer_tls/server.crt }
        Options: { TickInterval: 500ms, ElectionTick: 10, HeartbeatTick: 1, MaxInflightBlocks: 5, SnapshotIntervalSize: 16 MB }
      Organizations: [ *${KEY[$ORDERER_ORG]} ]
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        BlockValidation: { Type: ImplicitMeta, Rule: "ANY Writers" }
      Capabilities: *OrdererCapabilities
    Application:
      Organizations: [ $(for org in "${ORGS[@]}"; do printf '*%s, ' "${KEY[$org]}"; done | sed 's/, $//') ]
      Policies:
        Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
        Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
        Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
        LifecycleEndorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
        Endorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
      Capabilities: *ApplicationCapabilities
YAML
  } > "$channel_dir/configtx.yaml"
}

orderer_has_channel() {
  osnadmin channel list -o "$(orderer_name):$FABRIC_ORDERER_ADMIN_PORT" --ca-file "$orderer_tls/ca.crt" \
    --client-cert "$orderer_tls/server.crt" --client-key "$orderer_tls/server.key" 2>/dev/null \
    | sed -n '/^{/,$p' | jq -e --arg c "$FABRIC_CHANNEL" '.channels // [] | any(.name == $c)' >/dev/null
}

create_channel() {
  mkdir -p "$channel_dir"
  if [[ ! -f "$channel_dir/genesis.block" ]]; then
    log "channel $FABRIC_CHANNEL: first block (BatchTimeout $FABRIC_BATCH_TIMEOUT, MaxMessageCount $FABRIC_BATCH_MAX_MESSAGES)"
    write_configtx
    configtxgen -configPath "$channel_dir" -profile ChargeLedger -channelID "$FABRIC_CHANNEL" \
      -outputBlock "$channel_dir/genesis.block" || die "configtxgen failed"
  fi
  if orderer_has_channel; then
    log "channel $FABRIC_CHANNEL: the orderer has it"
  else
    log "channel $FABRIC_CHANNEL: the orderer joins"
    retry "the orderer did not join $FABRIC_CHANNEL" \
      osnadmin channel join --channelID "$FABRIC_CHANNEL" --config-block "$channel_dir/genesis.block" \
        -o "$(orderer_name):$FABRIC_ORDERER_ADMIN_PORT" --ca-file "$orderer_tls/ca.crt" \
        --client-cert "$orderer_tls/server.crt" --client-key "$orderer_tls/server.key"
  fi
  local org
  for org in "${ORGS[@]}"; do
    if as_admin "$org" peer channel list 2>/dev/null | grep -qx "$FABRIC_CHANNEL"; then
      log "$org: peer has joined $FABRIC_CHANNEL"
    else
      log "$org: peer joins $FABRIC_CHANNEL"
      retry "the $org peer did not join $FABRIC_CHANNEL" as_admin "$org" peer channel join -b "$channel_dir/genesis.block"
    fi
  done
}

# One package per organization, made once: a package made again would have another id than the one approved.
package_chaincode() {
  local org="$1" label="${FABRIC_CHAINCODE}_$sequence" dir="$packages/$1" tmp
  [[ -s "$dir/$label.tar.gz" && -s "$dir/package-id" ]] && return 0
  mkdir -p "$dir"
  tmp="$(mktemp -d)"
  local peer_tls; peer_tls="$(org_dir "$org")/peers/peer0/tls"
  # The peer dials the service with its own TLS key pair; the service asks for a client certificate of the
  # organization's CA.
  jq -n --arg address "$(cc_name "$org"):$(cc_port "$org")" \
    --rawfile root_cert "$(org_dir "$org")/chaincode/tls/ca.crt" \
    --rawfile client_key "$peer_tls/server.key" --rawfile client_cert "$peer_tls/server.crt" \
    '{address: $address, dial_timeout: "10s", tls_required: true, client_auth_required: true,
      root_cert: $root_cert, client_key: $client_key, client_cert: $client_cert}' > "$tmp/connection.json"
  jq -n --arg label "$label" '{type: "ccaas", label: $label}' > "$tmp/metadata.json"
  tar -C "$tmp" -czf "$tmp/code.tar.gz" connection.json
  tar -C "$tmp" -czf "$dir/$label.tar.gz" metadata.json code.tar.gz
  rm -rf "$tmp"
  peer lifecycle chaincode calculatepackageid "$dir/$label.tar.gz" > "$dir/package-id.new"
  mv "$dir/package-id.new" "$dir/package-id"
}

deploy_chaincode() {
  local org label="${FABRIC_CHAINCODE}_$sequence" package_id approvals peers=()
  local definition=(-C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" --version "$sequence" --sequence "$sequence" --signature-policy "$CHAINCODE_POLICY" --collections-config "$collections")
  if as_admin operators peer lifecycle chaincode querycommitted -C "$FABRIC_CHANNEL" -n "$FABRIC_CHAINCODE" >/dev/null 2>&1; then
    log "chaincode $FABRIC_CHAINCODE is committed on $FABRIC_CHANNEL"
    for org in "${ORGS[@]}"; do package_chaincode "$org"; done
    return 0
  fi
  for org in "${ORGS[@]}"; do
    package_chaincode "$org"
    package_id="$(cat "$packages/$org/package-id")"
    if ! as_admin "$org" peer lifecycle chaincode queryinstalled -O json 2>/dev/null \
        | jq -e --arg id "$package_id" '.installed_chaincodes // [] | any(.package_id == $id)' >/dev/null; then
      log "$org: installs $package_id"
      as_admin "$org" peer lifecycle chaincode install "$packages/$org/$label.tar.gz" || die "$org could not install the chaincode"
    fi
    approvals="$(as_admin "$org" peer lifecycle chaincode checkcommitreadiness "${definition[@]}" -O json)" \
      || die "$org could not read the approvals of $FABRIC_CHAINCODE"
    if ! jq -e --arg msp "${MSP[$org]}" '.approvals[$msp] == true' <<<"$approvals" >/dev/null; then
      log "$org: approves $FABRIC_CHAINCODE sequence $sequence"
      as_admin "$org" peer lifecycle chaincode approveformyorg "${orderer_args[@]}" "${definition[@]}" \
        --package-id "$package_id" --waitForEvent || die "$org could not approve the chaincode"
    fi
    peers+=(--peerAddresses "$(peer_address "$org")" --tlsRootCertFiles "$(org_dir "$org")/tlsca.pem")
  done
  log "committing $FABRIC_CHAINCODE sequence $sequence"
  as_admin operators peer lifecycle chaincode commit "${orderer_args[@]}" "${definition[@]}" "${peers[@]}" --waitForEvent \
    || die "the chaincode commit failed"
}

# Each organization's peer (under its Fabric name, which its TLS certificate carries), its TLS root and every
# identity enrolled in its folder, as absolute paths inside the containers: whoever reads the file mounts
# fabric-network at $fabric and the organization volumes it needs at their folders below it, read-only (the
# folders are there to mount on: this service mounts those volumes inside fabric-network). Written last and
# whole, through a temporary file.
write_network_file() {
  local org user dir identities file="$fabric/network.json" spec='{}'
  for org in "${ORGS[@]}"; do
    dir="$(org_dir "$org")"
    identities='{}'
    for user in "$dir"/users/*/; do
      [[ -d "$user" ]] || continue
      user="$(basename "$user")"
      identities="$(jq -c --arg user "$user" --arg msp "$(user_msp "$org" "$user")" \
        '. + {($user): {certFile: ($msp + "/signcerts/cert.pem"), keyDir: ($msp + "/keystore")}}' <<<"$identities")"
    done
    spec="$(jq -c --arg org "$org" --arg msp "${MSP[$org]}" --arg endpoint "$(peer_address "$org")" \
      --arg alias "$(peer_name "$org")" --arg tls "$dir/tlsca.pem" --argjson identities "$identities" \
      '. + {($org): {mspId: $msp, peerEndpoint: $endpoint, hostAlias: $alias, tlsCaFile: $tls, identities: $identities}}' <<<"$spec")"
  done
  jq -n --arg channel "$FABRIC_CHANNEL" --arg chaincode "$FABRIC_CHAINCODE" --argjson organizations "$spec" \
    '{channel: $channel, chaincode: $chaincode, organizations: $organizations}' > "$file.new"
  chmod 644 "$file.new"
  mv "$file.new" "$file"
  log "wrote $file"
}

create_channel
deploy_chaincode
write_network_file
log "channel $FABRIC_CHANNEL and chaincode $FABRIC_CHAINCODE are ready; the chaincode services and the participants' services start next"
