#!/usr/bin/env bash
# Podman as the Docker engine for docker-compose, on a machine without Docker or systemd:
#   scripts/container-engine.sh install   # podman, debootstrap, docker-compose (Debian's), and the sandbox's settings
#   scripts/container-engine.sh start     # the Docker API on a socket, and a health-check ticker; prints DOCKER_HOST=…
#   scripts/container-engine.sh stop
# podman runs health checks from systemd timers; without systemd nothing runs them and compose's service_healthy
# conditions never pass, so the ticker runs `podman healthcheck run` for every running container every 2 s.
set -euo pipefail

state="${CLICKORLEANS_ENGINE_DIR:-/tmp/clickorleans-engine}"
socket="$state/podman.sock"

install() {
  local missing=() runtime=crun
  # crun refuses hosts with hybrid cgroups whose v2 hierarchy has controllers ("cgroups in hybrid mode not supported,
  # drop all controllers from cgroupv2"), as some sandboxes have; runc runs there.
  if [[ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]]; then runtime=runc; fi
  command -v podman >/dev/null || missing+=(podman)
  command -v "$runtime" >/dev/null || missing+=("$runtime")
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  local conf=/etc/containers/containers.conf marker="# written by scripts/container-engine.sh"
  local settings="$marker
[containers]
# The sandbox refuses containers' rlimit changes (\"error setting rlimit type 7\"): keep the engine's own.
default_ulimits = []

[engine]
runtime = \"$runtime\""
  if [[ ! -s "$conf" ]] || [[ "$(head -1 "$conf")" == "$marker" ]]; then
    mkdir -p /etc/containers
    [[ "$(cat "$conf" 2>/dev/null)" == "$settings" ]] || printf '%s\n' "$settings" >"$conf"
  else
    echo "container-engine: $conf is not ours; it needs default_ulimits = [] and runtime = \"$runtime\"" >&2
  fi
}

start() {
  install
  mkdir -p "$state"
  # Each start has a service and a ticker of its own: a service left running by an earlier shell answered its pings
  # but failed every container start with "write child: broken pipe" (seen here).
  stop
  rm -f "$socket"
  setsid podman system service --time=0 "unix://$socket" >"$state/service.log" 2>&1 &
  echo $! >"$state/service.pid"
  for _ in $(seq 100); do curl -sf --unix-socket "$socket" http://d/_ping >/dev/null && break; sleep 0.1; done
  setsid bash -c 'while true; do
      for c in $(podman ps -q --filter health=starting --filter health=healthy --filter health=unhealthy); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
      sleep 2
    done' >/dev/null 2>&1 &
  echo $! >"$state/ticker.pid"
  echo "export DOCKER_HOST=unix://$socket"
}

stop_one() {
  if [[ -f "$state/$1.pid" ]]; then
    kill -- "-$(cat "$state/$1.pid")" 2>/dev/null || kill "$(cat "$state/$1.pid")" 2>/dev/null || true
    rm -f "$state/$1.pid"
  fi
}

stop() { stop_one ticker; stop_one service; }

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
