# Shared by the stack's scripts: repository root, settings from config/defaults.env (the environment
# overrides any of them), and the data and log folders.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  [[ -n "${!key:-}" ]] || export "$key=$value"
done < "$root/config/defaults.env"
case "$CHARGELEDGER_DATA_DIR" in /*) data="$CHARGELEDGER_DATA_DIR" ;; *) data="$root/$CHARGELEDGER_DATA_DIR" ;; esac
logs="$data/logs"
run="$data/run"
# The data folder holds private keys, password hashes, personal data and card ids (in the ledger, Redis'
# append-only file and the logs): everything the stack writes there is 700/600 from its creation, Redis and
# the Fabric processes included, since they inherit this umask; what an older version left readable by
# others is made private here, and said so.
umask 077
mkdir -p "$logs" "$run"
chmod 700 "$data"
if [[ -n "$(find "$data" -perm /077 -not -type l -print -quit 2>/dev/null)" ]]; then
  printf '[%s] %s\n' "$(date +%H:%M:%S)" "making files in $data readable by their owner only (they were readable by others): $(find "$data" -perm /077 -not -type l | wc -l) paths"
  find "$data" -perm /077 -not -type l -exec chmod go-rwx {} +
fi

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# The stack's processes: a pid file each under $run, a log each under $logs.
# A process killed while nobody reaps it (its parent gone, an init that does not reap) stays a zombie that
# kill -0 still finds: it is not running.
pid_of() {
  local f="$run/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]] || return 1
  echo "$pid"
}
is_running() { pid_of "$1" >/dev/null; }

# spawn NAME COMMAND...: runs in the background with its log under $logs, unless it already runs.
spawn() {
  local name="$1"; shift
  if is_running "$name"; then return 0; fi
  nohup "$@" >> "$logs/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
}

# Stops a process (TERM, then KILL after 10 s) and forgets its pid file.
stop_process() {
  local name="$1" pid
  pid="$(pid_of "$name")" || { rm -f "$run/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$run/$name.pid"
}
