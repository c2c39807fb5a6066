#!/usr/bin/env bash
# Keeps one service running: restarts it when it exits on its own (after 1 s, then longer while it keeps
# failing), stops it and itself on SIGTERM or SIGINT. Each start and exit is written to the service's log.
#   supervise.sh NAME LOGFILE COMMAND [ARGS...]
set -uo pipefail
name="$1"; logfile="$2"; shift 2
child=""
stopping=0
stop() {
  stopping=1
  [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  exit 0
}
trap stop TERM INT
delay=1
while true; do
  started=$SECONDS
  printf '{"level":30,"time":%s,"name":"supervisor","msg":"starting %s"}\n' "$(date +%s%3N)" "$name" >> "$logfile"
  "$@" >> "$logfile" 2>&1 &
  child=$!
  wait "$child"
  code=$?
  [[ $stopping -eq 1 ]] && exit 0
  # A service that ran for a while restarts at once; one that keeps failing backs off up to 30 s.
  if (( SECONDS - started > 30 )); then delay=1; else delay=$(( delay * 2 > 30 ? 30 : delay * 2 )); fi
  printf '{"level":50,"time":%s,"name":"supervisor","msg":"%s exited with %s; restarting in %s s"}\n' "$(date +%s%3N)" "$name" "$code" "$delay" >> "$logfile"
  sleep "$delay" & wait $!
done
