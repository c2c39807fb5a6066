# Sourced by the compose stack's scripts (docker-compose.yaml), never run. The same organizations, names and
# ports as the native network (network/scripts/env.sh), with the hosts the compose network gives each node:
# every Fabric node is reached under its Fabric name (peer0.operators.chargeledger.local, ...), which its TLS
# certificate carries, and listens on all interfaces of its container on the port config/defaults.env gives.

# config/defaults.env is mounted beside this folder; the environment overrides any of its values.
defaults="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/config/defaults.env"
while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  [[ -n "${!key:-}" ]] || export "$key=$value"
done < "$defaults"

# Every container mounts what it needs of the data folder at the same place, so paths read alike everywhere.
data=/var/lib/chargeledger
fabric="$data/fabric"

ORGS=(operators prosumers wallets authority)
declare -A MSP=([operators]=OperatorsMSP [prosumers]=ProsumersMSP [wallets]=WalletsMSP [authority]=AuthorityMSP)
declare -A KEY=([operators]=OPERATORS [prosumers]=PROSUMERS [wallets]=WALLETS [authority]=AUTHORITY)
ORDERER_ORG=authority
# The chaincode's endorsement policy (ADR 0039), as network/scripts/env.sh names it.
CHAINCODE_POLICY="AND('WalletsMSP.peer','AuthorityMSP.peer')"

org_var() { local name="FABRIC_${KEY[$1]}_$2"; echo "${!name}"; }
domain() { echo "$1.chargeledger.local"; }
peer_name() { echo "peer0.$(domain "$1")"; }
peer_port() { org_var "$1" PEER_PORT; }
peer_address() { echo "$(peer_name "$1"):$(peer_port "$1")"; }
ca_name() { echo "ca.$(domain "$1")"; }
ca_port() { org_var "$1" CA_PORT; }
cc_name() { echo "chaincode.$(domain "$1")"; }
cc_port() { org_var "$1" CHAINCODE_PORT; }
# One orderer, as FABRIC_ORDERERS=1 starts natively.
orderer_name() { echo "orderer0.$(domain "$ORDERER_ORG")"; }
orderer_address() { echo "$(orderer_name):$FABRIC_ORDERER_PORT"; }

org_dir() { echo "$fabric/organizations/$1"; }
ca_home() { echo "$fabric/ca/$1"; }
user_msp() { echo "$(org_dir "$1")/users/$2/msp"; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { echo "error: $*" >&2; exit 1; }
