#!/usr/bin/env bash
# Ingest throughput of the embedded mode (Garnet, silo and SQLite in the Api process), through the Api with client ids,
# for one or more builds of the Api run by turns, so that builds are compared within the same run.
#   bench/embedded-ingest.sh [runs]     prints "<label> <mode>: <clicks/s> <p99 ms>" per measurement
# BENCH_API_DIRS="label=dir …": published Api builds to compare (default: this tree, published once, as "current").
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-2}"
source bench/work.sh
pid=""
cleanup() {
  local status=$?
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  finish_work "$status"
}
trap cleanup EXIT

if [[ -z "${BENCH_API_DIRS:-}" ]]; then
  dotnet publish src/Api -c Release -o "$work/api" >/dev/null
  BENCH_API_DIRS="current=$work/api"
fi
dotnet publish tools/ClickLoad -c Release -o "$work/load" >/dev/null
load() { dotnet "$work/load/ClickLoad.dll" "$@" --json 2>/dev/null; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# One embedded Api in a fresh data directory; no drain while ingest is measured (flush by size off, reminder far away).
start() {
  local dir="$1" run_dir="$work/run-$RANDOM"
  mkdir -p "$run_dir"; : >"$run_dir/api.log"
  port=$(free_port)
  (cd "$run_dir" && exec env Urls="http://127.0.0.1:$port" Clicks__Embedded__RedisPort="$(free_port)" \
    Orleans__Endpoints__SiloPort="$(free_port)" Orleans__Endpoints__GatewayPort="$(free_port)" \
    Clicks__FlushSize=0 Clicks__DrainPeriod=1.00:00:00 Clicks__MaxBacklog=0 Api__RequestsPerSecond=0 \
    Logging__LogLevel__Default=Warning dotnet "$dir/ClickOrleans.Api.dll" >"$run_dir/api.log" 2>&1) &
  pid=$!
  for _ in $(seq 300); do grep -q "Press Ctrl+C to stop" "$run_dir/api.log" && return; sleep 0.2; done
  echo "the Api in $dir did not start; see $run_dir/api.log" >&2; exit 1
}

for _ in $(seq "$runs"); do
  for entry in $BENCH_API_DIRS; do
    label="${entry%%=*}" dir="${entry#*=}"
    start "$dir"
    load --url "http://127.0.0.1:$port" --mode single --client-ids --connections 64 --duration 5s >/dev/null
    for mode in batch single; do
      args=(--url "http://127.0.0.1:$port" --mode "$mode" --client-ids --duration 10s)
      [[ "$mode" == batch ]] && args+=(--batch-size 1000 --connections 8) || args+=(--connections 64)
      echo "$label $mode: $(load "${args[@]}" | jq -r '"\(.clicksPerSecond) \(.latencyP99Ms)"')"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
