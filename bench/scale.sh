#!/usr/bin/env bash
# Scaling shown, not claimed: the same backlog drained into PostgreSQL by 1, 2 and 4 silos, the stream on as many
# shards as silos, on the Redis Cluster of scripts/services.sh (3 masters). Each silo is confined to a CPU quota
# (cgroup v1 cpu.cfs_quota_us) standing in for a machine of its own; PostgreSQL and Redis are not confined.
#   bench/scale.sh [backlog] [quota % of one core per silo] [silo counts]     defaults: 2000000 15 "1 2 4"
# Each silo first drains a warm-up backlog of BENCH_WARMUP (1,000,000) clicks unconfined, so that what is measured is
# a silo past its start (JIT-compiled drain path); the quota applies from the measured drain on.
# Prints one RESULT line per silo count and writes bench/scale.tsv and bench/scale.png (gnuplot).
# Needs root (cgroups). BENCH_SILO_DIR / BENCH_LOAD_DIR: already published Silo / ClickLoad.
set -euo pipefail
cd "$(dirname "$0")/.."

backlog="${1:-2000000}"
quota="${2:-15}"
counts=(${3:-1 2 4})
source bench/work.sh
pids=()
cgroups=()
schemas=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for group in "${cgroups[@]}"; do rmdir "$group" 2>/dev/null || true; done
  for schema in "${schemas[@]}"; do psql "$pg" -q -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" || true; done
  finish_work "$status"
}
trap cleanup EXIT

eval "$(scripts/services.sh start)"
seeds="$REDIS_CLUSTER_SEEDS"
pg="host=127.0.0.1 port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ConnectionStrings__Postgres") user=postgres dbname=clicks"
command -v gnuplot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; }
silo_dir="${BENCH_SILO_DIR:-$work/silo}"; [[ -n "${BENCH_SILO_DIR:-}" ]] || dotnet publish src/Silo -c Release -o "$silo_dir" >/dev/null
load_dir="${BENCH_LOAD_DIR:-$work/load}"; [[ -n "${BENCH_LOAD_DIR:-}" ]] || dotnet publish tools/ClickLoad -c Release -o "$load_dir" >/dev/null
first_seed="${seeds%%,*}"
cli() { redis-cli -c -h 127.0.0.1 -p "${first_seed##*:}" "$@"; }
source bench/cpu.sh
redis_pids=$(for port in $(tr ',' ' ' <<<"$seeds"); do redis-cli -p "${port##*:}" info server | awk -F: '/^process_id/ { print $2 }' | tr -d '\r'; done)
# The machine's busy CPU time (all cores) from /proc/stat: user + nice + system + irq + softirq + steal.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# Stages a backlog on a side key in each shard's hash slot, then renames them all onto the shards at once.
stage() {
  local key="$1" shards="$2" per_shard="$3" shard
  for ((shard = 0; shard < shards; shard++)); do
    local shard_key; shard_key=$([[ $shard == 0 ]] && echo "$key" || echo "$key:$shard")
    dotnet "$load_dir/ClickLoad.dll" --mode stage --redis "$seeds" --staging-key "{$shard_key}:bench-side" --count "$per_shard" \
      --batch-size 1000 --connections 8 --users 100000 --products 5000 >/dev/null 2>&1
  done
}
unveil() {
  local key="$1" shards="$2" shard
  for ((shard = 0; shard < shards; shard++)); do
    local shard_key; shard_key=$([[ $shard == 0 ]] && echo "$key" || echo "$key:$shard")
    cli rename "{$shard_key}:bench-side" "$shard_key" >/dev/null
  done
}
# Nothing waits: every shard's staging list gone and no private list left.
drained() {
  local key="$1" shards="$2" shard
  for ((shard = 0; shard < shards; shard++)); do
    local shard_key; shard_key=$([[ $shard == 0 ]] && echo "$key" || echo "$key:$shard")
    [[ "$(cli exists "$shard_key")" == 0 && "$(cli hlen "{$shard_key}:private-lists")" == 0 ]] || return 1
  done
}
wait_drained() { for _ in $(seq 6000); do drained "$@" && return 0; sleep 0.1; done; echo "not drained" >&2; exit 1; }

: >"$work/results"
for silos in "${counts[@]}"; do
  run="scale${silos}x$(date +%s)"
  key="$run-staging"
  schemas+=("$run")
  silo_pids=()
  for ((i = 0; i < silos; i++)); do
    env ConnectionStrings__Redis="$seeds" ConnectionStrings__Postgres="$ConnectionStrings__Postgres" \
      Clicks__Postgres__Schema="$run" Clicks__StagingKey="$key" Clicks__Shards="$silos" Clicks__FlushSize=0 Clicks__Partitions="${BENCH_PARTITIONS:-4}" \
      Clicks__DrainPeriod=00:00:02 Clicks__SizeCheckPeriod=00:00:01 Orleans__ClusterId="$run" Orleans__ServiceId="$run" \
      Orleans__Endpoints__SiloPort=$((21111 + i)) Orleans__Endpoints__GatewayPort=$((22111 + i)) Urls=http://127.0.0.1:0 \
      Logging__LogLevel__Default=Warning Logging__LogLevel__ClickOrleans=Information Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
      dotnet "$silo_dir/ClickOrleans.Silo.dll" >"$work/$run-$i.log" 2>&1 &
    pid=$!
    pids+=("$pid"); silo_pids+=("$pid")
    group="/sys/fs/cgroup/cpu/clickorleans-scale-$run-$i"
    mkdir -p "$group"; cgroups+=("$group")
    echo 100000 >"$group/cpu.cfs_period_us"
    echo -1 >"$group/cpu.cfs_quota_us"
    echo "$pid" >"$group/cgroup.procs"
    for _ in $(seq 600); do grep -q "Application started" "$work/$run-$i.log" && break; sleep 0.2; done
  done
  # Warm-up, unconfined: every silo compiles its drain path, and each shard settles on its silo.
  stage "$key" "$silos" "${BENCH_WARMUP:-1000000}"; unveil "$key" "$silos"; wait_drained "$key" "$silos"
  sleep 3
  for ((i = 0; i < silos; i++)); do echo $((quota * 1000)) >"/sys/fs/cgroup/cpu/clickorleans-scale-$run-$i/cpu.cfs_quota_us"; done
  stage "$key" "$silos" $((backlog / silos))
  silo_before=$(ticks "${silo_pids[@]}"); pg_before=$(postgres_ticks); redis_before=$(ticks $redis_pids); machine_before=$(machine_ticks)
  started=$(date +%s%N)
  unveil "$key" "$silos"
  wait_drained "$key" "$silos"
  ended=$(date +%s%N)
  silo_after=$(ticks "${silo_pids[@]}"); pg_after=$(postgres_ticks); redis_after=$(ticks $redis_pids); machine_after=$(machine_ticks)
  hosts=$(for ((i = 0; i < silos; i++)); do grep -c "Drained $key.* [1-9][0-9]* elements" "$work/$run-$i.log" || true; done | paste -sd/)
  awk -v s="$silos" -v n="$backlog" -v ns=$((ended - started)) -v cpu=$((silo_after - silo_before)) -v hz="$hz" -v hosts="$hosts" -v q="$quota" \
    -v pg=$((pg_after - pg_before)) -v redis=$((redis_after - redis_before)) -v machine=$((machine_after - machine_before)) -v cores="$(nproc)" \
    'BEGIN { sec = ns / 1e9
      printf "RESULT silos=%d shards=%d quota_pct=%d clicks=%d seconds=%.2f clicks_per_s=%.0f silo_cpu_s=%.2f pg_cpu_s=%.2f redis_cpu_s=%.2f machine_busy_pct=%.0f drains_per_silo=%s\n",
        s, s, q, n, sec, n / sec, cpu / hz, pg / hz, redis / hz, 100 * machine / hz / sec / cores, hosts }' \
    | tee -a "$work/results"
  for pid in "${silo_pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
done

{
  echo -e "silos\tclicks_per_s\tseconds\tsilo_cpu_s\tpg_cpu_s\tredis_cpu_s\tmachine_busy_pct"
  sed -E 's/.*silos=([0-9]+).* seconds=([0-9.]+) clicks_per_s=([0-9]+) silo_cpu_s=([0-9.]+) pg_cpu_s=([0-9.]+) redis_cpu_s=([0-9.]+) machine_busy_pct=([0-9]+).*/\1\t\3\t\2\t\4\t\5\t\6\t\7/' "$work/results"
} >bench/scale.tsv
gnuplot -e "quota=$quota" bench/scale.gp
echo "wrote bench/scale.tsv and bench/scale.png"
