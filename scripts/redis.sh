#!/usr/bin/env bash
# The stack's own redis-server on 127.0.0.1:$REDIS_PORT, append-only file fsynced on every write, so an
# event the CSMS acknowledged to a charger survives a crash of Redis or of the machine. Memory is limited to
# $REDIS_MAXMEMORY and nothing is ever evicted: a full Redis refuses writes rather than drop a stored event
# (ADR 0029). Redis rewrites the append-only file itself as it grows ($REDIS_AOF_REWRITE_*), so jobs removed
# from memory leave the file too.
#   redis.sh start | stop | status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir="$data/redis"
pidfile="$dir/redis.pid"
cli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }
running() { cli ping 2>/dev/null | grep -q PONG; }

case "${1:-status}" in
  start)
    if running; then log "redis already running on $REDIS_HOST:$REDIS_PORT"; exit 0; fi
    mkdir -p -m 700 "$dir" && chmod 700 "$dir"   # the append-only file holds card ids (decision 15); redis-server inherits umask 077 from lib.sh
    redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --protected-mode yes \
      --dir "$dir" --appendonly yes --appendfsync always --save "" \
      --maxmemory "$REDIS_MAXMEMORY" --maxmemory-policy noeviction \
      --auto-aof-rewrite-percentage "$REDIS_AOF_REWRITE_PERCENTAGE" --auto-aof-rewrite-min-size "$REDIS_AOF_REWRITE_MIN_SIZE" \
      --daemonize yes --pidfile "$pidfile" --logfile "$logs/redis.log"
    for _ in $(seq 1 50); do running && break; sleep 0.1; done
    running || { echo "error: redis did not start; see $logs/redis.log" >&2; exit 1; }
    log "redis running on $REDIS_HOST:$REDIS_PORT (data: $dir)"
    ;;
  stop)
    if running; then cli shutdown >/dev/null 2>&1 || true; fi
    for _ in $(seq 1 50); do running || break; sleep 0.1; done
    log "redis stopped"
    ;;
  status)
    if running; then echo "redis: running on $REDIS_HOST:$REDIS_PORT"; else echo "redis: stopped"; exit 3; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
