#!/usr/bin/env bash
# A long run under steady mixed load: bench/soak.sh [minutes] (default 30).
# Three silos and the Api (cluster mode) against the private redis-server and PostgreSQL of scripts/services.sh, with
# Clicks:FlushSize and the reminder both draining; ClickLoad sends single clicks (with client ids) and batches, and a
# loop queries the read endpoints. Every 10 s it samples the RSS and open handles of every host, Redis' memory and key
# count, the backlog and the drain lag, from the silos' /metrics their managed heap after the last GC, the GC's
# committed memory and the methods the JIT compiled, and from /proc their RSS by kind (all summed over the silos: they
# tell a managed leak from a GC that keeps more memory, native allocations and JIT code). At the
# end: every accepted click exactly once in the sink, nothing left in Redis, a linear fit of each series after the
# warm-up (the first fifth), and bench/soak.tsv + bench/soak.png.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:-30}"
single_rate="${SOAK_SINGLE_RATE:-1000}"
batch_rate="${SOAK_BATCH_RATE:-10000}"
flush_size="${SOAK_FLUSH_SIZE:-20000}"
# Client-id markers live for the idempotency window: at 1,000 such clicks/s a day's window is 86 M keys. The soak keeps
# a 2-minute window, so that Redis memory levels off within the run (the README says what a window costs).
window="${SOAK_IDEMPOTENCY_WINDOW:-00:02:00}"
# SOAK_SILO_MEMORY (e.g. 400M) runs each silo in a memory cgroup of that size, as a container limit would: .NET reads
# it and keeps its heap under 75% of it. Empty: no limit.
silo_memory="${SOAK_SILO_MEMORY:-}"
# As the images do (src/Silo/Dockerfile): two glibc malloc arenas per host.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
source bench/work.sh
pids=()
cgroups=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for cgroup in "${cgroups[@]}"; do rmdir "$cgroup" 2>/dev/null || true; done
  finish_work "$status"
}
trap cleanup EXIT

eval "$(scripts/services.sh start)"
redis_port="${ConnectionStrings__Redis##*:}"
pg="host=127.0.0.1 port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ConnectionStrings__Postgres") user=postgres dbname=clicks"
command -v gnuplot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; }
for project in src/Silo src/Api tools/ClickLoad; do dotnet publish "$project" -c Release -o "$work/$(basename "$project")" >/dev/null; done

# A port nothing listens on (the hosts' ports are fixed per run, not per machine).
free_port() { local port; while port=$((RANDOM % 10000 + 20000)); ss -ltn | grep -q ":$port "; do :; done; echo "$port"; }
run="soak$(date +%s)"
key="$run-staging"
common=(ConnectionStrings__Redis="$ConnectionStrings__Redis" Orleans__ClusterId="$run" Orleans__ServiceId="$run"
  Clicks__StagingKey="$key" Clicks__FlushSize="$flush_size" Clicks__DrainPeriod=00:00:30 Clicks__IdempotencyWindow="$window" Logging__LogLevel__Default=Warning
  Logging__LogLevel__Microsoft.Hosting.Lifetime=Information)
# in_memory_limit CGROUP COMMAND...: runs COMMAND in a new memory cgroup (a directory) of $silo_memory without swap, or
# as it is when no limit is set.
in_memory_limit() {
  local cgroup="$1"; shift
  if [[ -n "$silo_memory" ]]; then
    mkdir "$cgroup"
    echo "$silo_memory" >"$cgroup/memory.limit_in_bytes"
    echo "$silo_memory" >"$cgroup/memory.memsw.limit_in_bytes" 2>/dev/null || true
    echo "$BASHPID" >"$cgroup/cgroup.procs"
  fi
  exec "$@"
}
silo_ports=()
for i in 0 1 2; do
  silo_ports+=("$(free_port)")
  cgroup="/sys/fs/cgroup/memory/$run-silo-$i"
  [[ -n "$silo_memory" ]] && cgroups+=("$cgroup")
  in_memory_limit "$cgroup" env "${common[@]}" ConnectionStrings__Postgres="$ConnectionStrings__Postgres" Clicks__Postgres__Schema="$run" \
    Orleans__Endpoints__SiloPort="$(free_port)" Orleans__Endpoints__GatewayPort="$(free_port)" Urls="http://127.0.0.1:${silo_ports[$i]}" \
    dotnet "$work/Silo/ClickOrleans.Silo.dll" >"$work/silo-$i.log" 2>&1 &
  pids+=($!)
done
api_port="$(free_port)"
env "${common[@]}" Api__AllowAnonymous=true Api__RequestsPerSecond=0 Urls="http://127.0.0.1:$api_port" \
  dotnet "$work/Api/ClickOrleans.Api.dll" >"$work/api.log" 2>&1 &
pids+=($!)
hosts=("${pids[@]}")
for _ in $(seq 600); do grep -q "Press Ctrl+C to stop" "$work/api.log" && curl -sf http://127.0.0.1:$api_port/health >/dev/null && break; sleep 0.5; done

duration=$((minutes * 60))
load() { dotnet "$work/ClickLoad/ClickLoad.dll" --url http://127.0.0.1:$api_port --duration "${duration}s" --json "$@" 2>/dev/null; }
load --mode single --rate "$single_rate" --connections 32 --client-ids >"$work/single.json" &
single_pid=$!; pids+=("$single_pid")
load --mode batch --batch-size 500 --rate "$batch_rate" --connections 4 >"$work/batch.json" &
batch_pid=$!; pids+=("$batch_pid")
(while true; do
  curl -sf "http://127.0.0.1:$api_port/products/top?since=PT10M" >/dev/null || true
  curl -sf "http://127.0.0.1:$api_port/users/$((RANDOM % 100000))/clicks" >/dev/null || true
  curl -sf "http://127.0.0.1:$api_port/products/$((RANDOM % 10000))/clicks" >/dev/null || true
  sleep 0.2
done) &
pids+=($!)

rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
handles() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# System.Runtime metrics from one read of each silo's /metrics, each summed over its labels and the silos (those in
# bytes in kB): prints one total per name, tab-separated.
silos_metrics() {
  local port
  for port in "${silo_ports[@]}"; do curl -sf "http://127.0.0.1:$port/metrics" || true; done |
    awk -v names="$*" 'BEGIN { n = split(names, name, " ") }
      { for (i = 1; i <= n; i++) if (index($1, name[i] "{") == 1) s[i] += $NF }
      END { for (i = 1; i <= n; i++) printf "%s%.0f", (i > 1 ? "\t" : ""), (name[i] ~ /_bytes$/ ? s[i] / 1024 : s[i]) }'
}
# The silos' resident memory by kind, summed, in kB: anonymous (the GC's regions, native allocations), file-backed
# (mapped assemblies) and shared (the JIT's double-mapped code).
silos_rss_kinds_kb() {
  local pid
  for pid in "${hosts[@]:0:3}"; do cat "/proc/$pid/status" 2>/dev/null || true; done |
    awk '/^RssAnon/ { a += $2 } /^RssFile/ { f += $2 } /^RssShmem/ { m += $2 } END { printf "%d\t%d\t%d", a, f, m }'
}
echo -e "seconds\tsilo0_rss_kb\tsilo1_rss_kb\tsilo2_rss_kb\tapi_rss_kb\thandles\tredis_used_bytes\tredis_keys\tbacklog\tlag_s\tsilos_gc_heap_kb\tsilos_gc_committed_kb\tsilos_rss_anon_kb\tsilos_rss_file_kb\tsilos_rss_shmem_kb\tsilos_jit_methods" >"$work/soak.tsv"
started=$(date +%s)
while kill -0 "$single_pid" 2>/dev/null || kill -0 "$batch_pid" 2>/dev/null; do
  stats=$(curl -sf http://127.0.0.1:$api_port/stats || echo '{}')
  backlog=$(jq '(.backlog // 0) + ([.privateLists[]?.remaining] | add // 0)' <<<"$stats")
  runtime=$(silos_metrics dotnet_gc_last_collection_heap_size_bytes dotnet_gc_last_collection_memory_committed_size_bytes dotnet_jit_compiled_methods_total)
  gc=${runtime%$'\t'*} jit=${runtime##*$'\t'}
  lag=$(jq -r '.lag // "00:00:00" | split(":") | (.[0] | tonumber) * 3600 + (.[1] | tonumber) * 60 + (.[2] | tonumber)' <<<"$stats")
  echo -e "$(( $(date +%s) - started ))\t$(rss "${hosts[0]}")\t$(rss "${hosts[1]}")\t$(rss "${hosts[2]}")\t$(rss "${hosts[3]}")\t$(( $(handles "${hosts[0]}") + $(handles "${hosts[1]}") + $(handles "${hosts[2]}") + $(handles "${hosts[3]}") ))\t$(redis-cli -p "$redis_port" info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r')\t$(redis-cli -p "$redis_port" dbsize)\t$backlog\t$lag\t${gc}\t$(silos_rss_kinds_kb)\t${jit}" >>"$work/soak.tsv"
  sleep 10
done
wait "$single_pid" "$batch_pid" || true

# Everything staged is drained; then nothing may be left of the drain in Redis.
for _ in $(seq 120); do curl -sf -X POST http://127.0.0.1:$api_port/admin/drain >/dev/null || true
  [[ "$(curl -sf http://127.0.0.1:$api_port/stats | jq '.backlog + (.privateLists | length)')" == 0 ]] && break; sleep 1; done
left=$(redis-cli -p "$redis_port" --scan --pattern "{$key}:private:*" | wc -l)
pending=$(redis-cli -p "$redis_port" hlen "{$key}:private-lists")
accepted=$(( $(jq .accepted "$work/single.json") + $(jq .accepted "$work/batch.json") ))
failed=$(( $(jq .failed "$work/single.json") + $(jq .failed "$work/batch.json") + $(jq .rejected "$work/single.json") + $(jq .rejected "$work/batch.json") ))
rows=$(psql "$pg" -tAc "SELECT count(*) FROM $run.clicks")
distinct_client_ids=$(psql "$pg" -tAc "SELECT count(DISTINCT client_id) FROM $run.clicks WHERE client_id IS NOT NULL")
client_rows=$(psql "$pg" -tAc "SELECT count(*) FROM $run.clicks WHERE client_id IS NOT NULL")
rollups=$(psql "$pg" -tAc "SELECT coalesce(sum(clicks), 0) FROM $run.product_clicks_minute")
psql "$pg" -q -c "SET client_min_messages = warning" -c "DROP SCHEMA $run CASCADE"

# Slope of a linear fit over the samples after the warm-up, as a share of the mean, per 10 minutes.
fit() {
  awk -F'\t' -v col="$1" -v skip="$(( $(wc -l <"$work/soak.tsv") / 5 + 1 ))" 'NR > skip {
      n++; x = $1; y = $col; sx += x; sy += y; sxx += x * x; sxy += x * y }
    END { slope = (n * sxy - sx * sy) / (n * sxx - sx * sx); mean = sy / n; printf "%.2f", 100 * slope * 600 / mean }' "$work/soak.tsv"
}
lag_p99=$(awk -F'\t' 'NR > 1 { print $10 }' "$work/soak.tsv" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR * 0.99 + 0.5)] }')
cp "$work/soak.tsv" bench/soak.tsv
gnuplot <<'GNUPLOT'
set terminal pngcairo size 900,520 font "sans,10"
set output "bench/soak.png"
set multiplot layout 2,1 title "Soak: RSS of every host, Redis memory, drain lag"
set xlabel "seconds"
set ylabel "MB"
set key outside right
set grid
plot "bench/soak.tsv" using 1:($2/1024) with lines title "silo 0 RSS", "" using 1:($3/1024) with lines title "silo 1 RSS", \
     "" using 1:($4/1024) with lines title "silo 2 RSS", "" using 1:($5/1024) with lines title "Api RSS", "" using 1:($7/1048576) with lines lw 2 title "Redis used memory", \
     "" using 1:($11/3072) with lines dt 2 title "silos' managed heap (mean)", "" using 1:($12/3072) with lines dt 3 title "silos' GC committed (mean)"
set ylabel "seconds"
plot "bench/soak.tsv" using 1:10 with lines title "lag of the oldest waiting click"
unset multiplot
GNUPLOT
echo "RESULT minutes=$minutes accepted=$accepted not_accepted=$failed rows=$rows client_id_rows=$client_rows distinct_client_ids=$distinct_client_ids rollups=$rollups private_lists_left=$left private_list_records_left=$pending" \
  "rss_slope_pct_per_10min=$(fit 2)/$(fit 3)/$(fit 4)/$(fit 5) redis_memory_slope_pct_per_10min=$(fit 7) handles_slope_pct_per_10min=$(fit 6)" \
  "silos_gc_heap_slope_pct_per_10min=$(fit 11) silos_gc_committed_slope_pct_per_10min=$(fit 12)" \
  "silos_rss_anon/file/shmem_slope_pct_per_10min=$(fit 13)/$(fit 14)/$(fit 15) silos_jit_methods_slope_pct_per_10min=$(fit 16) lag_p99_s=$lag_p99"
if [[ -n "$silo_memory" ]]; then
  peaks=(); oom_kills=()
  for cgroup in "${cgroups[@]}"; do
    peaks+=("$(( $(cat "$cgroup/memory.max_usage_in_bytes") / 1048576 ))")
    oom_kills+=("$(awk '/^oom_kill / { print $2 }' "$cgroup/memory.oom_control")")
  done
  echo "SILO MEMORY limit=$silo_memory peak_mb=$(IFS=/; echo "${peaks[*]}") oom_kills=$(IFS=/; echo "${oom_kills[*]}")"
fi
echo "wrote bench/soak.tsv and bench/soak.png"
