#!/usr/bin/env bash
# Does Garnet recover a script killed half-way all or nothing? Issue 22, item 7 (the embedded mode under kill -9).
# Runs the garnet-server tool at the version of Directory.Packages.props with the embedded mode's settings, starts a
# script of 300,000 RPUSHes and a SET, kills the server with SIGKILL in the middle of it, restarts it from its log and
# prints the list's length. 0 or 300000 with the SET: the script was replayed whole or not at all (exit 0). Anything
# else: Garnet replayed a part of it (exit 1), as 2.2.8 does, so EmbeddedModeTests.Kill9InALoop… stays skipped.
# Usage: scripts/garnet-replay-check.sh [seconds before the kill, default 0.5]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/.*"Microsoft.Garnet" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")"
work="$(mktemp -d)"
port=7399
trap 'kill -9 -- -"$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet tool install --tool-path "$work/tool" garnet-server --version "$version" > /dev/null
start() {
  setsid "$work/tool/garnet-server" --port "$port" --bind 127.0.0.1 --lua true --lua-transaction-mode true --aof \
    --recover --checkpointdir "$work/data" --device-type RandomAccess > "$work/garnet.log" 2>&1 &
  echo $! > "$work/pid"
  disown
  for _ in $(seq 100); do redis-cli -p "$port" ping > /dev/null 2>&1 && return; sleep 0.1; done
  echo "garnet-server $version did not start: $work/garnet.log" >&2; exit 2
}

start
script="for i = 1, 300000 do redis.call('RPUSH', KEYS[1], i) end redis.call('SET', KEYS[2], 'done') return 1"
timeout 10 redis-cli -p "$port" EVAL "$script" 2 list done > /dev/null 2>&1 &
sleep "${1:-0.5}"
kill -9 -- -"$(cat "$work/pid")"
wait 2> /dev/null || true
start
length="$(redis-cli -p "$port" LLEN list)"
done="$(redis-cli -p "$port" GET done)"
echo "Garnet $version, after a kill -9 during the script: LLEN list = $length, GET done = '${done}'"
if [[ "$length" == 0 && -z "$done" ]] || [[ "$length" == 300000 && "$done" == done ]]; then
  echo "replayed all or nothing"
else
  echo "replayed in part"; exit 1
fi
