# Shared by the network's scripts: where the Fabric binaries are, the organizations and their hosts and
# ports, and the folders under the data folder. Sourced, never run.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib.sh"

# The Fabric 3.1 release layout: bin/ (peer, orderer, osnadmin, configtxgen, fabric-ca-server,
# fabric-ca-client), config/ (core.yaml, orderer.yaml) and builders/ccaas/ beside it. FABRIC_BIN names the
# bin/ folder; without it the binaries are looked for on PATH.
FABRIC_TOOLS=(peer orderer osnadmin configtxgen fabric-ca-server fabric-ca-client)

fabric_bin_dir() {
  if [[ -n "${FABRIC_BIN:-}" && -x "$FABRIC_BIN/peer" ]]; then echo "$FABRIC_BIN"; return 0; fi
  local peer
  peer="$(command -v peer 2>/dev/null)" || return 1
  dirname "$peer"
}

# Prints what is missing and returns 1 when the binaries cannot be used.
fabric_check() {
  local bin missing=()
  if ! bin="$(fabric_bin_dir)"; then
    echo "the Fabric binaries were not found: FABRIC_BIN=${FABRIC_BIN:-<unset>} has no peer, and none is on PATH." >&2
    echo "Install the Fabric 3.1 release (bin/, config/, builders/) and set FABRIC_BIN to its bin/ folder; see docs/network.md." >&2
    return 1
  fi
  for tool in "${FABRIC_TOOLS[@]}"; do [[ -x "$bin/$tool" ]] || missing+=("$tool"); done
  [[ -f "$(fabric_config_dir "$bin")/core.yaml" ]] || missing+=("config/core.yaml")
  [[ -f "$(fabric_config_dir "$bin")/orderer.yaml" ]] || missing+=("config/orderer.yaml")
  [[ -x "$(fabric_builders_dir "$bin")/ccaas/bin/detect" ]] || missing+=("builders/ccaas")
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "the Fabric installation at $bin/.. lacks: ${missing[*]}; see docs/network.md." >&2
    return 1
  fi
}

fabric_config_dir() { echo "${FABRIC_CFG_DIR:-$(cd "$1/.." && pwd)/config}"; }
fabric_builders_dir() { echo "${FABRIC_BUILDERS_DIR:-$(cd "$1/.." && pwd)/builders}"; }

# The organizations: name, MSP id, and the setting prefix of their host and ports. Every charging operator is
# an organization of its own (ADR 0038): OPERATOR_ID names the operator the ledger binds to each operator
# organization, which network.sh has the Authority admit. FABRIC_OPERATOR_ORGS (1, 2 or 4; default 2) is how many
# operator organizations a new network is created with: operators (OperatorsMSP, FABRIC_OPERATOR_ID), then
# operators2..operators4 (OperatorsNMSP, FABRIC_OPERATORSN_OPERATOR_ID), each with its FABRIC_OPERATORSN_*
# settings in config/defaults.env. Another operator is one more entry there.
FABRIC_OPERATOR_ORGS="${FABRIC_OPERATOR_ORGS:-2}"
# A network keeps the operator organizations it was created with, whatever the setting says now.
if [[ -f "$data/fabric/network.json" ]]; then
  FABRIC_OPERATOR_ORGS=1
  for n in 2 3 4; do [[ -d "$data/fabric/organizations/operators$n/msp" ]] && FABRIC_OPERATOR_ORGS=$n; done
fi
[[ $FABRIC_OPERATOR_ORGS =~ ^[1-4]$ ]] || { echo "error: FABRIC_OPERATOR_ORGS is 1 to 4, not $FABRIC_OPERATOR_ORGS" >&2; exit 1; }
OPERATOR_ORGS=(operators)
declare -A MSP=([operators]=OperatorsMSP [prosumers]=ProsumersMSP [wallets]=WalletsMSP [authority]=AuthorityMSP)
declare -A KEY=([operators]=OPERATORS [prosumers]=PROSUMERS [wallets]=WALLETS [authority]=AUTHORITY)
declare -A OPERATOR_ID=([operators]="$FABRIC_OPERATOR_ID")
for n in $(seq 2 "$FABRIC_OPERATOR_ORGS"); do
  OPERATOR_ORGS+=("operators$n")
  MSP[operators$n]="Operators${n}MSP"
  KEY[operators$n]="OPERATORS$n"
  id_setting="FABRIC_OPERATORS${n}_OPERATOR_ID"
  OPERATOR_ID[operators$n]="${!id_setting}"
done
unset n id_setting
ORGS=("${OPERATOR_ORGS[@]}" prosumers wallets authority)
# The organizations that run one orderer each under BFT: the founding four; operators that join later do not.
FOUNDING_ORGS=(operators prosumers wallets authority)
# The chaincode's endorsement policy (ADR 0039): the same two organizations however many operators join; each
# operator's own records add its organization through key-level policies.
CHAINCODE_POLICY="AND('WalletsMSP.peer','AuthorityMSP.peer')"
# The organization that runs the ordering service under Raft (the neutral metering authority). Under BFT every
# founding organization runs one orderer of its own (see ordering below).
ORDERER_ORG=authority

org_var() { local name="FABRIC_${KEY[$1]}_$2"; echo "${!name}"; }
org_host() { org_var "$1" HOST; }
peer_port() { org_var "$1" PEER_PORT; }
peer_address() { echo "$(org_host "$1"):$(peer_port "$1")"; }
peer_cc_port() { echo $(( $(peer_port "$1") + 1 )); }
ca_port() { org_var "$1" CA_PORT; }
peer_ops_port() { org_var "$1" PEER_OPERATIONS_PORT; }
ca_ops_port() { org_var "$1" CA_OPERATIONS_PORT; }
cc_port() { org_var "$1" CHAINCODE_PORT; }
domain() { echo "$1.chargeledger.local"; }
peer_name() { echo "peer0.$(domain "$1")"; }

fabric="$data/fabric"
orgs_dir="$fabric/organizations"

# How blocks are ordered: `raft` (etcdraft; FABRIC_ORDERERS nodes, all the Authority's) or `bft` (SmartBFT; one
# node per founding organization, each with its own organization's identity, tolerating one faulty or malicious
# node). Chosen when the network is created and kept in <data>/fabric/ordering: a network keeps its kind.
ordering() {
  if [[ -f "$fabric/ordering" ]]; then cat "$fabric/ordering"; else echo "${FABRIC_ORDERING:-raft}"; fi
}
orderer_count() { if [[ $(ordering) == bft ]]; then echo "${#FOUNDING_ORGS[@]}"; else echo "${FABRIC_ORDERERS:-1}"; fi; }
# The organization whose CA issues orderer n and for whose MSP it signs blocks.
orderer_org() { if [[ $(ordering) == bft ]]; then echo "${FOUNDING_ORGS[$1]}"; else echo "$ORDERER_ORG"; fi; }
orderer_host() { if [[ $(ordering) == bft ]]; then org_host "$(orderer_org "$1")"; else echo "$FABRIC_ORDERER_HOST"; fi; }
orderer_name() { echo "orderer$1.$(domain "$(orderer_org "$1")")"; }
orderer_dir() { echo "$orgs_dir/$(orderer_org "$1")/orderers/orderer$1"; }
orderer_port() { echo $(( FABRIC_ORDERER_PORT + 100 * $1 )); }
orderer_admin_port() { echo $(( FABRIC_ORDERER_ADMIN_PORT + 100 * $1 )); }
orderer_ops_port() { echo $(( FABRIC_ORDERER_OPERATIONS_PORT + 1 * $1 )); }
orderer_address() { echo "$(orderer_host "$1"):$(orderer_port "$1")"; }

# The SmartBFT options of a BFT channel's Orderer section (configtx.yaml, six spaces in), for network.sh on one
# machine and org.sh's channel from the founding organizations' public folders alike. Blocks are cut as under
# Raft (FABRIC_BATCH_TIMEOUT, FABRIC_BATCH_MAX_MESSAGES); a leader that stops answering is replaced after
# LeaderHeartbeatTimeout.
smartbft_options() {
  cat <<EOF
      SmartBFT:
        RequestBatchMaxInterval: $FABRIC_BATCH_TIMEOUT
        RequestBatchMaxCount: $FABRIC_BATCH_MAX_MESSAGES
        RequestForwardTimeout: 2s
        RequestComplainTimeout: 20s
        RequestAutoRemoveTimeout: 3m0s
        ViewChangeResendInterval: 5s
        ViewChangeTimeout: 20s
        LeaderHeartbeatTimeout: 10s
        LeaderHeartbeatCount: 10
        CollectTimeout: 1s
        IncomingMessageBufferSize: 200
        RequestPoolSize: 100000
EOF
}

org_dir() { echo "$orgs_dir/$1"; }
org_ca_cert() { echo "$fabric/ca/$1/ca-cert.pem"; }
user_msp() { echo "$(org_dir "$1")/users/$2/msp"; }
