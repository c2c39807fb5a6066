#!/usr/bin/env bash
# Installs whatever the stack needs and is missing: npm packages, Debian packages, the built chaincode. The
# Fabric binaries are not among them: no package registry serves them (see docs/network.md).
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ! -d "$root/node_modules" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
  log "installing npm packages"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)   # the tests issue their own TLS certificates
command -v curl >/dev/null || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v docker-compose >/dev/null || { log "installing docker-compose (Debian package; the tests validate docker-compose.yaml with it), without the Docker engine it recommends"; as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
if [[ " ${missing[*]} " == *" redis-server "* ]]; then
  # The package starts a system-wide server on 6379; the stack runs its own on $REDIS_PORT instead.
  as_root systemctl disable --now redis-server >/dev/null 2>&1 || as_root service redis-server stop >/dev/null 2>&1 || true
fi

# The dashboard's browser tests (test/browser) drive Debian's chromium through playwright-core.
if ! command -v chromium >/dev/null; then
  log "installing chromium (Debian package; the dashboard's browser tests run in it)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# The chaincode runs as built JavaScript, in its chaincode services and inside the embedded ledger.
if [[ ! -f "$root/chaincode/dist/index.js" || -n "$(find "$root/chaincode/src" -name '*.ts' -newer "$root/chaincode/dist/index.js" -print -quit)" ]]; then
  log "building the chaincode"
  (cd "$root/chaincode" && npx tsc -p tsconfig.build.json)
fi
