#!/usr/bin/env bash
# The CSMS in the compose stack (the image the root Dockerfile builds). The admin API key is the Docker secret
# admin_api_key, the file `npm start` keeps in .data/secrets/admin-api-key; it becomes the `admin` entry of
# CSMS_API_KEYS, after which any keys CSMS_API_KEYS already holds are kept. The secret is read as root (a
# file-based secret keeps its owner and mode 600 from the Docker host); the CSMS itself runs as `node`.
set -euo pipefail

secret=/run/secrets/admin_api_key
[[ -s "$secret" ]] || { echo "error: no admin API key at $secret (the admin_api_key secret); see README, On a Docker host" >&2; exit 1; }
key="$(tr -d '[:space:]' < "$secret")"
export CSMS_API_KEYS="admin:$key${CSMS_API_KEYS:+,$CSMS_API_KEYS}"
exec setpriv --reuid=node --regid=node --init-groups node --import tsx csms/src/main.ts
