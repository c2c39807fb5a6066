#!/usr/bin/env bash
# Builds the Fabric binaries this project runs (peer, orderer, configtxgen, cryptogen, osnadmin and the
# chaincode-as-a-service builder) from the Go module proxy, for one pinned release, into a cache folder
# that git ignores. Skips the build when that release is already there.
#
# Fabric's module path carries no /v3, so `go install ...@v3.1.5` is refused; the release is pinned by
# its commit hash instead.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"   # FABRIC_VERSION, FABRIC_COMMIT, root
cache="${FABRIC_CACHE:-$root/.cache/fabric}/$FABRIC_VERSION"
bin="$cache/bin"
stamp="$cache/.complete-$FABRIC_COMMIT"

if [[ -f "$stamp" ]]; then
  echo "fabric $FABRIC_VERSION already built in $cache"
  exit 0
fi

command -v go >/dev/null || { echo "error: the go toolchain is required to build Fabric" >&2; exit 1; }
mkdir -p "$bin" "$cache/ccaas/bin" "$cache/config"

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"

# Ask the module proxy for the pinned commit first, so that a refusal is reported once, plainly.
probe="go mod download -json github.com/hyperledger/fabric@$FABRIC_COMMIT"
if ! answer="$(cd "$(mktemp -d)" && $probe 2>&1)" || grep -q '"Error"' <<<"$answer"; then
  echo "error: the Go module proxy did not serve Fabric $FABRIC_VERSION ($FABRIC_COMMIT)." >&2
  echo "  command: $probe" >&2
  grep -o '"Error": *"[^"]*' <<<"$answer" | sed 's/"Error": *"/  error:   /; s/\\n\\t/ /g' >&2 || echo "$answer" >&2
  exit 1
fi
tools=(peer orderer configtxgen cryptogen osnadmin)
total=$(( ${#tools[@]} + 3 ))
n=0
started=$SECONDS
step() { n=$((n + 1)); printf '[%d/%d] %-40s (%ds elapsed)\n' "$n" "$total" "$1" "$((SECONDS - started))"; }

for tool in "${tools[@]}"; do
  step "building $tool"
  GOBIN="$bin" go install "github.com/hyperledger/fabric/cmd/$tool@$FABRIC_COMMIT"
done
for tool in detect build release; do
  step "building ccaas builder: $tool"
  GOBIN="$cache/ccaas/bin" go install "github.com/hyperledger/fabric/ccaas_builder/cmd/$tool@$FABRIC_COMMIT"
done

# core.yaml and orderer.yaml come from the module source of the same commit.
src="$(go list -m -f '{{.Dir}}' "github.com/hyperledger/fabric@$FABRIC_COMMIT" 2>/dev/null || true)"
if [[ -z "$src" || ! -d "$src/sampleconfig" ]]; then
  modcache="$(go env GOMODCACHE)"
  src="$(ls -d "$modcache"/github.com/hyperledger/fabric@*"${FABRIC_COMMIT:0:12}" 2>/dev/null | head -n1)"
fi
[[ -d "$src/sampleconfig" ]] || { echo "error: cannot find fabric sampleconfig in the module cache" >&2; exit 1; }
cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$src/sampleconfig/configtx.yaml" "$cache/config/"
chmod u+w "$cache/config/"*

touch "$stamp"
echo "fabric $FABRIC_VERSION built in $((SECONDS - started))s into $cache"
