#!/usr/bin/env bash
# Ingest throughput through the Api (cluster mode, one silo) against the private redis-server of scripts/services.sh,
# with Redis' AOF fsync every second (its default) and on every write (appendfsync always: no acknowledged push is
# lost in a crash), alternated run by run; plus the plain-endpoint and pipelined-LPUSH limits.
#   bench/ingest.sh [runs] [out-dir]    one line per measurement in out-dir: batch, single, batch-always, single-always, plain, lpush
# BENCH_API_DIR / BENCH_SILO_DIR / BENCH_LOAD_DIR / BENCH_PLAIN_DIR: already published hosts (bench/run.sh publishes once).
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-3}"
out="${2:-$(mktemp -d)}"
source bench/work.sh
pids=()
redis_port=""
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$redis_port" ]]; then redis-cli -p "$redis_port" config set appendfsync everysec >/dev/null || true; fi
  finish_work "$status"
}
trap cleanup EXIT

eval "$(scripts/services.sh start)"
redis_port="${ConnectionStrings__Redis##*:}"
publish() { local dir="$1" project="$2"; [[ -n "$dir" ]] && echo "$dir" && return; dotnet publish "$project" -c Release -o "$work/$(basename "$project")" >/dev/null; echo "$work/$(basename "$project")"; }
silo_dir=$(publish "${BENCH_SILO_DIR:-}" src/Silo)
api_dir=$(publish "${BENCH_API_DIR:-}" src/Api)
load_dir=$(publish "${BENCH_LOAD_DIR:-}" tools/ClickLoad)
plain_dir=$(publish "${BENCH_PLAIN_DIR:-}" bench/PlainEndpoint)

run_id="bench$(date +%s)"
# No drain while ingest is measured: flush by size off, the reminder a day away.
common=(ConnectionStrings__Redis="127.0.0.1:$redis_port" Orleans__ClusterId="$run_id" Orleans__ServiceId="$run_id"
  Clicks__StagingKey="$run_id-staging" Clicks__FlushSize=0 Clicks__DrainPeriod=1.00:00:00 Logging__LogLevel__Default=Warning)
env "${common[@]}" ConnectionStrings__Postgres="$ConnectionStrings__Postgres" Clicks__Postgres__Schema="$run_id" \
  Urls=http://127.0.0.1:0 dotnet "$silo_dir/ClickOrleans.Silo.dll" >"$work/silo.log" 2>&1 &
pids+=($!)
env "${common[@]}" Api__AllowAnonymous=true Api__RequestsPerSecond=0 Urls=http://127.0.0.1:5181 \
  dotnet "$api_dir/ClickOrleans.Api.dll" >"$work/api.log" 2>&1 &
pids+=($!)
(cd "$plain_dir" && exec env Urls=http://127.0.0.1:5182 dotnet PlainEndpoint.dll >"$work/plain.log" 2>&1) &
pids+=($!)
for _ in $(seq 300); do grep -q "Press Ctrl+C to stop" "$work/api.log" && break; sleep 0.2; done
for _ in $(seq 100); do curl -sf http://127.0.0.1:5182/clicks -o /dev/null -X POST -d x 2>/dev/null && break; sleep 0.2; done

load() { dotnet "$load_dir/ClickLoad.dll" "$@" --json 2>/dev/null; }
# Each measured run starts from an empty staging list (a list of millions makes Redis rewrite its AOF meanwhile).
measure() {
  local name="$1"; shift
  redis-cli -p "$redis_port" del "$run_id-staging" >/dev/null
  load "$@" >"$work/run.json"
  jq -r '"\(.clicksPerSecond) \(.latencyP99Ms)"' "$work/run.json" | tee -a "$out/$name" | sed "s/^/$name: /"
}
fsync() { redis-cli -p "$redis_port" config set appendfsync "$1" >/dev/null; }

# Warm-up: both servers run until the JIT has settled before anything is measured.
load --url http://127.0.0.1:5181 --mode single --connections 64 --duration 10s >/dev/null
load --url http://127.0.0.1:5182 --mode single --connections 64 --duration 10s >/dev/null
for name in batch single batch-always single-always plain lpush; do : >"$out/$name"; done
for _ in $(seq "$runs"); do
  for mode in everysec always; do
    fsync "$mode"
    suffix=$([[ "$mode" == always ]] && echo "-always" || true)
    measure "batch$suffix" --url http://127.0.0.1:5181 --mode batch --batch-size 1000 --connections 8 --duration 10s
    measure "single$suffix" --url http://127.0.0.1:5181 --mode single --connections 64 --duration 10s
  done
  fsync everysec
  measure plain --url http://127.0.0.1:5182 --mode single --connections 64 --duration 10s
done
redis-cli -p "$redis_port" del "$run_id-staging" >/dev/null
for _ in $(seq "$runs"); do
  redis-benchmark -p "$redis_port" -t lpush -P 64 -n 2000000 -q | sed -E 's/.*: ([0-9.]+) requests.*/\1/' | tr -d '\r' | tee -a "$out/lpush"
done
redis-cli -p "$redis_port" del mylist >/dev/null
echo "results in $out"
