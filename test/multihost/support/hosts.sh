#!/usr/bin/env bash
# The multi-host suite's hosts on this machine: one network namespace per organization, each with its own
# address (10.77.0.x) and hostname (/etc/netns/<ns>/hosts, which `ip netns exec` puts over /etc/hosts), joined
# by veth pairs to one bridge that has no address, so no host has a route out and nothing else is reachable.
#   hosts.sh up PREFIX NAME...     create the bridge and one namespace per name (NAME.consortium.test)
#                                  with RELAY=1 each host also has 10.77.1.x, where its relay listens
#                                  (support/relay.ts), and the other hosts' names point there
#   hosts.sh down PREFIX           end every process in the namespaces, remove them, their veths and the bridge
#   hosts.sh guard PREFIX PID      wait until PID exits, then down (cleans up when the test runner is killed)
set -euo pipefail

bridge() { echo "${1}br"; }
netns_of() { echo "$1-$2"; }

up() {
  local prefix="$1" i=0 name ns veth; shift
  ip link add "$(bridge "$prefix")" type bridge
  ip link set "$(bridge "$prefix")" up
  for name in "$@"; do
    i=$(( i + 1 )); ns="$(netns_of "$prefix" "$name")"; veth="${prefix}v$i"
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$(bridge "$prefix")" up
    ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
    [[ ${RELAY:-0} == 1 ]] && ip -n "$ns" addr add "10.77.1.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
  i=0
  for name in "$@"; do
    i=$(( i + 1 )); ns="$(netns_of "$prefix" "$name")"
    mkdir -p "/etc/netns/$ns"
    { echo "127.0.0.1 localhost"; local j=0 other
      for other in "$@"; do
        j=$(( j + 1 ))
        if [[ ${RELAY:-0} == 1 && $other != "$name" ]]; then echo "10.77.1.$j $other.consortium.test"; else echo "10.77.0.$j $other.consortium.test"; fi
      done; } > "/etc/netns/$ns/hosts"
    chmod 644 "/etc/netns/$ns/hosts"
  done
}

down() {
  local prefix="$1" ns pids
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
    pids="$(ip netns pids "$ns" || true)"
    [[ -n "$pids" ]] && kill -TERM $pids 2>/dev/null || true
  done
  sleep 1
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
    pids="$(ip netns pids "$ns" || true)"
    [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null || true
    ip netns delete "$ns" || true
    rm -rf "/etc/netns/$ns"
  done
  ip link delete "$(bridge "$prefix")" 2>/dev/null || true
}

guard() {
  local prefix="$1" pid="$2"
  while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  down "$prefix"
}

command="${1:-}"; shift || true
case "$command" in
  up) up "$@" ;;
  down) down "$@" ;;
  guard) guard "$@" ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
