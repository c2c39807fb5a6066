# Shared by the stack's scripts: repository root, settings from config/defaults.env (the environment
# overrides any of them), and the data and log folders.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  [[ -n "${!key:-}" ]] || export "$key=$value"
done < "$root/config/defaults.env"
case "$CHARGELEDGER_DATA_DIR" in /*) data="$CHARGELEDGER_DATA_DIR" ;; *) data="$root/$CHARGELEDGER_DATA_DIR" ;; esac
logs="$data/logs"
mkdir -p "$logs"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
