#!/usr/bin/env bash
# One drain of N staged seed-format clicks ({"uid":..,"pid":..}) into the sink, measured from outside:
# seconds and clicks/s from the silo's drain log line, peak RSS (VmHWM) of the draining process.
#   bench/drain.sh [N] [postgres|sqlite]
# postgres: a Release Silo against the private redis-server + PostgreSQL of scripts/services.sh.
# sqlite:   the Release Api in embedded mode (Garnet + SQLite in one process, as `dotnet run --project src/Api`).
# BENCH_SILO_DIR / BENCH_API_DIR: already published hosts to use (bench/run.sh publishes once).
set -euo pipefail
cd "$(dirname "$0")/.."

count="${1:-1000000}"
sink="${2:-postgres}"
run="bench$(date +%s)"
work="$(mktemp -d)"
chmod 755 "$work"
host_pid=""
drop_schema=""
cleanup() {
  if [[ -n "$host_pid" ]]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  # Leave no million-row tables behind for autovacuum to work through during the next run.
  if [[ -n "$drop_schema" ]]; then psql "$drop_schema" -q -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $run CASCADE" || true; fi
}
trap cleanup EXIT

# RESP for LPUSH in batches of 1000, piped to redis-cli --pipe: the fastest way to stage a backlog.
stage() {
  local port="$1" key="$2"
  awk -v n="$count" -v key="$key" 'BEGIN {
    for (i = 0; i < n; i += 1000) {
      m = (n - i < 1000) ? n - i : 1000
      printf "*%d\r\n$5\r\nLPUSH\r\n$%d\r\n%s\r\n", m + 2, length(key), key
      for (j = 0; j < m; j++) {
        v = sprintf("{\"uid\":%d,\"pid\":%d}", (i + j) % 100000, (i + j) % 5000)
        printf "$%d\r\n%s\r\n", length(v), v
      }
    }
  }' | redis-cli -p "$port" --pipe >/dev/null
}

wait_for_log() {
  local pattern="$1" log="$2" seconds="$3"
  for _ in $(seq $((seconds * 10))); do
    grep -q "$pattern" "$log" && return 0
    kill -0 "$host_pid" 2>/dev/null || { cat "$log" >&2; echo "host exited" >&2; exit 1; }
    sleep 0.1
  done
  cat "$log" >&2; echo "timed out waiting for: $pattern" >&2; exit 1
}

common_env=(
  "Clicks__DrainPeriod=00:00:05"
  "Orleans__ClusterId=$run" "Orleans__ServiceId=$run"
  "Logging__LogLevel__Default=Warning" "Logging__LogLevel__ClickOrleans=Information"
)

case "$sink" in
  postgres)
    eval "$(scripts/services.sh start)"
    redis_port="${ConnectionStrings__Redis##*:}"
    drop_schema="host=127.0.0.1 port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ConnectionStrings__Postgres") user=postgres dbname=clicks"
    key="$run-staging"
    silo_dir="${BENCH_SILO_DIR:-$work/silo}"
    [[ -n "${BENCH_SILO_DIR:-}" ]] || dotnet publish src/Silo -c Release -o "$silo_dir" >/dev/null
    stage "$redis_port" "$key"
    echo "staged $(redis-cli -p "$redis_port" llen "$key") elements on $key"
    env "${common_env[@]}" Clicks__StagingKey="$key" Clicks__Postgres__Schema="$run" Urls=http://127.0.0.1:0 \
      dotnet "$silo_dir/ClickOrleans.Silo.dll" >"$work/host.log" 2>&1 &
    host_pid=$!
    ;;
  sqlite)
    redis_port="$(( (RANDOM % 10000) + 40000 ))"
    key="product-click-staging"
    api_dir="${BENCH_API_DIR:-$work/api}"
    [[ -n "${BENCH_API_DIR:-}" ]] || dotnet publish src/Api -c Release -o "$api_dir" >/dev/null
    # The first reminder tick comes one period after start: time enough to stage the backlog first.
    # exec: $host_pid is the Api itself, so the cleanup stops it rather than the subshell around it.
    (cd "$work" && exec env -u ConnectionStrings__Redis -u ConnectionStrings__Postgres "${common_env[@]}" \
      Clicks__DrainPeriod=00:00:30 Clicks__Embedded__RedisPort="$redis_port" Urls=http://127.0.0.1:0 \
      dotnet "$api_dir/ClickOrleans.Api.dll" >"$work/host.log" 2>&1) &
    host_pid=$!
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    stage "$redis_port" "$key"
    echo "staged $(redis-cli -p "$redis_port" llen "$key") elements on the embedded Garnet"
    ;;
  *) echo "usage: $0 [N] [postgres|sqlite]" >&2; exit 2 ;;
esac

wait_for_log "Drained $key" "$work/host.log" 900
line="$(grep "Drained $key" "$work/host.log" | head -1)"
peak_kb="$(awk '/VmHWM/ {print $2}' "/proc/$host_pid/status")"
ms="$(sed -E 's/.* in ([0-9]+) ms.*/\1/' <<<"$line")"
echo "$line"
awk -v n="$count" -v ms="$ms" -v kb="$peak_kb" -v sink="$sink" \
  'BEGIN { printf "RESULT sink=%s clicks=%d seconds=%.2f clicks_per_s=%.0f peak_rss_mb=%.0f\n", sink, n, ms/1000, n/(ms/1000), kb/1024 }'
