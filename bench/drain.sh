#!/usr/bin/env bash
# One drain of N staged seed-format clicks ({"uid":..,"pid":..}) into the sink, measured from outside: seconds and
# clicks/s from the host's drain log line, CPU-seconds (utime + stime from /proc) of the draining host, PostgreSQL
# (every postgres process) and redis-server over the drain, and the host's peak RSS (VmHWM).
#   bench/drain.sh [N] [postgres|sqlite]
# postgres: a Release Silo against the private redis-server + PostgreSQL of scripts/services.sh.
# sqlite:   the Release Api in embedded mode (Garnet + SQLite in one process, as `dotnet run --project src/Api`).
# A warm-up drain of 50,000 clicks runs first, so the figures are those of a host past its start (JIT, connections).
# Each backlog is staged on a side key and renamed onto the staging key at once, so a drain sees all of it.
# BENCH_SILO_DIR / BENCH_API_DIR: already published hosts to use (bench/run.sh publishes once).
# BENCH_SCHEMA_SQL: SQL run in the sink's schema after the host created it (e.g. dropping an index; sqlite needs the
# sqlite3 command).
# BENCH_STREAM=1: the elements are events of a declared stream of 10 fields (3 int64, a decimal(12,2), a float64, 2 bool,
# 2 string, 1 timestamp) instead of clicks, drained into its own table. BENCH_ROLLUP=1 adds a rollup to it: per minute
# and per values of i and c (5,000 × 7; BENCH_ROLLUP_BY="f": of f alone, 2 values), the count and the sums of e and a.
# BENCH_QUERY=<seconds> (postgres): afterwards, GET /users/{uid}/clicks's query by random users with pgbench for that long.
# BENCH_PERF: a file for perf's CPU samples of the whole machine over the measured drain (needs linux-perf, root).
# BENCH_DAY=YYYY-MM-DD: the clicks carry a ts spread evenly over that day (within Clicks:MaxClickAge, 7 days).
# BENCH_LAKE=1 (postgres): the clicks are archived too (Streams:clicks:Sinks postgres, parquet; the lake in the work
# directory); afterwards, a full day's aggregate (clicks, users and products per hour of BENCH_DAY) from PostgreSQL and
# from the archive with DuckDB (bench/LakeQuery), which must agree, 5 times each.
# BENCH_RETENTION=P<n>D (postgres): the stream drained has that Streams:<name>:Retention, so its table is partitioned
# by day (README, "Retention"; nothing is dropped unless the clicks' days are older than it).
# BENCH_BACKFILL=1 (with BENCH_LAKE and BENCH_DAY): then PostgreSQL loses the day (TRUNCATE of the clicks and their
# rollup) and an Api (BENCH_API_DIR, or published here) starts its backfill from the archive; measured from its status
# (startedAt to endedAt) with the CPU-seconds of the silo and PostgreSQL, and the day's rows counted again.
set -euo pipefail
cd "$(dirname "$0")/.."

count="${1:-1000000}"
sink="${2:-postgres}"
run="bench$(date +%s)"
source bench/work.sh
host_pid=""
api_pid=""
drop_schema=""
cleanup() {
  local status=$?
  if [[ -n "$api_pid" ]]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  if [[ -n "$host_pid" ]]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
  # Leave no million-row tables behind for autovacuum to work through during the next run.
  if [[ -n "$drop_schema" ]]; then psql "$drop_schema" -q -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $run CASCADE" || true; fi
  finish_work "$status"
}
trap cleanup EXIT

# RESP for LPUSH in batches of 1000 onto a side key, piped to redis-cli --pipe; then unveil: one RENAME onto the staging key.
stage_aside() {
  local port="$1" key="$2" n="$3"
  local day=""
  [[ -n "${BENCH_DAY:-}" ]] && day="$(( $(date -u -d "$BENCH_DAY" +%s) * 1000 ))"
  awk -v n="$n" -v key="$key-side" -v stream="${BENCH_STREAM:-}" -v day="$day" 'BEGIN {
    for (i = 0; i < n; i += 1000) {
      m = (n - i < 1000) ? n - i : 1000
      printf "*%d\r\n$5\r\nLPUSH\r\n$%d\r\n%s\r\n", m + 2, length(key), key
      for (j = 0; j < m; j++) {
        k = i + j
        if (stream) v = sprintf("{\"a\":%d,\"b\":%d,\"c\":%d,\"d\":%.2f,\"e\":%.3f,\"f\":%s,\"g\":%s,\"h\":\"customer-%d\",\"i\":\"sku-%d\",\"j\":%.0f}",
          k, k % 1000, k % 7, (k % 10000) / 100.0, k / 3.0, (k % 2 ? "true" : "false"), (k % 3 ? "true" : "false"), k % 100000, k % 5000, 1764547200000 + k)
        else if (day) v = sprintf("{\"uid\":%d,\"pid\":%d,\"ts\":%.0f}", k % 100000, k % 5000, day + int(k * 86400000 / n))
        else v = sprintf("{\"uid\":%d,\"pid\":%d}", k % 100000, k % 5000)
        printf "$%d\r\n%s\r\n", length(v), v
      }
    }
  }' | redis-cli -p "$port" --pipe >/dev/null
}
unveil() { redis-cli -p "$1" rename "$2-side" "$2" >/dev/null; }

# Drains that moved elements (the reminder also logs empty ones).
drained() { grep -E "Drained $key .* [1-9][0-9]* elements" "$work/host.log" || true; }
drained_lines() { drained | wc -l; }

wait_for_drains() {
  local drains="$1" seconds="$2"
  for _ in $(seq $((seconds * 10))); do
    (( $(drained_lines) >= drains )) && return 0
    kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; echo "host exited" >&2; exit 1; }
    sleep 0.1
  done
  cat "$work/host.log" >&2; echo "timed out waiting for drain $drains" >&2; exit 1
}

source bench/cpu.sh

common_env=(
  "Clicks__DrainPeriod=00:00:02" "Clicks__FlushSize=0"
  "Orleans__ClusterId=$run" "Orleans__ServiceId=$run"
  "Logging__LogLevel__Default=Warning" "Logging__LogLevel__ClickOrleans=Information"
)

stream_env=()
if [[ -n "${BENCH_STREAM:-}" ]]; then
  for field in a:int64 b:int64 c:int64 d:decimal e:float64 f:bool g:bool h:string i:string j:timestamp; do
    stream_env+=("Streams__bench__Fields__${field%%:*}__Type=${field#*:}")
  done
  stream_env+=(Streams__bench__Fields__d__Precision=12 Streams__bench__Fields__d__Scale=2)
  if [[ -n "${BENCH_ROLLUP:-}" ]]; then
    # Per minute and per value of each BENCH_ROLLUP_BY field (default "i c": 5,000 skus × 7 values of c), the count
    # and the sums of e and a.
    read -r -a dimensions <<<"${BENCH_ROLLUP_BY:-i c}"
    for d in "${!dimensions[@]}"; do
      stream_env+=("Streams__bench__Fields__${dimensions[$d]}__Required=true" "Streams__bench__Rollups__per_sku__By__$d=${dimensions[$d]}")
    done
    stream_env+=(Streams__bench__Rollups__per_sku__Bucket=PT1M Streams__bench__Rollups__per_sku__Sum__0=e Streams__bench__Rollups__per_sku__Sum__1=a)
  fi
fi

case "$sink" in
  postgres)
    eval "$(scripts/services.sh start)"
    redis_port="${ConnectionStrings__Redis##*:}"
    drop_schema="host=127.0.0.1 port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ConnectionStrings__Postgres") user=postgres dbname=clicks"
    key="$run-staging"
    silo_dir="${BENCH_SILO_DIR:-$work/silo}"
    [[ -n "${BENCH_SILO_DIR:-}" ]] || dotnet publish src/Silo -c Release -o "$silo_dir" >/dev/null
    if [[ -n "${BENCH_STREAM:-}" ]]; then stream_env+=("Streams__bench__StagingKey=$key"); key_env="Clicks__StagingKey=$run-clicks"; else key_env="Clicks__StagingKey=$key"; fi
    lake_env=()
    if [[ -n "${BENCH_RETENTION:-}" ]]; then
      drained_stream=clicks; [[ -n "${BENCH_STREAM:-}" ]] && drained_stream=bench
      stream_env+=("Streams__${drained_stream}__Retention=$BENCH_RETENTION")
    fi
    # Compaction off: bench/LakeQuery reads the lake as written, then compacts a copy itself.
    [[ -n "${BENCH_LAKE:-}" ]] && lake_env=("Streams__clicks__Sinks__0=postgres" "Streams__clicks__Sinks__1=parquet" "Parquet__Directory=$work/lake" "Parquet__CompactionPeriod=00:00:00")
    env "${common_env[@]}" "${stream_env[@]}" "${lake_env[@]}" "$key_env" Clicks__Postgres__Schema="$run" Urls=http://127.0.0.1:0 \
      dotnet "$silo_dir/ClickOrleans.Silo.dll" >"$work/host.log" 2>&1 &
    host_pid=$!
    redis_pid="$(redis-cli -p "$redis_port" info server | awk -F: '/^process_id/ { print $2 }' | tr -d '\r')"
    ;;
  sqlite)
    redis_port="$(( (RANDOM % 10000) + 40000 ))"
    key="product-click-staging"
    api_dir="${BENCH_API_DIR:-$work/api}"
    [[ -n "${BENCH_API_DIR:-}" ]] || dotnet publish src/Api -c Release -o "$api_dir" >/dev/null
    # exec: $host_pid is the Api itself, so the cleanup stops it rather than the subshell around it.
    (cd "$work" && exec env -u ConnectionStrings__Redis -u ConnectionStrings__Postgres "${common_env[@]}" \
      Clicks__Embedded__RedisPort="$redis_port" Urls=http://127.0.0.1:0 \
      dotnet "$api_dir/ClickOrleans.Api.dll" >"$work/host.log" 2>&1) &
    host_pid=$!
    redis_pid="$host_pid" # Garnet runs inside the Api
    ;;
  *) echo "usage: $0 [N] [postgres|sqlite]" >&2; exit 2 ;;
esac

for _ in $(seq 300); do
  # The embedded Garnet wants the password it wrote at its first start; redis-cli reads it from REDISCLI_AUTH.
  [[ -f "$work/data/garnet/password" ]] && export REDISCLI_AUTH="$(cat "$work/data/garnet/password")"
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && grep -q "scheduled: " "$work/host.log" 2>/dev/null && break
  sleep 0.2
done
stage_aside "$redis_port" "$key" "${BENCH_WARMUP:-50000}"
unveil "$redis_port" "$key"
wait_for_drains 1 120
if [[ -n "${BENCH_SCHEMA_SQL:-}" ]]; then
  case "$sink" in
    postgres) psql "$drop_schema" -q -v ON_ERROR_STOP=1 -c "SET search_path = $run" -c "$BENCH_SCHEMA_SQL" ;;
    sqlite) sqlite3 -bail -cmd ".timeout 10000" "$work/data/clicks.db" "$BENCH_SCHEMA_SQL" ;;
  esac
fi
stage_aside "$redis_port" "$key" "$count"
if [[ -n "${BENCH_PERF:-}" ]]; then
  # CPU samples of the whole machine (the host, PostgreSQL's backends, redis-server) over the measured drain, for
  # `perf report --sort comm,dso,sym` (export DOTNET_PerfMapEnabled=1 so that JIT-compiled frames have names).
  rm -f "$BENCH_PERF"
  perf record -a -e cpu-clock -F 999 -o "$BENCH_PERF" >"$work/perf.log" 2>&1 &
  perf_pid=$!
  for _ in $(seq 50); do [[ -s "$BENCH_PERF" ]] && break; sleep 0.1; done
fi
host_before=$(ticks "$host_pid"); pg_before=$([[ "$sink" == postgres ]] && postgres_ticks || echo 0); redis_before=$(ticks "$redis_pid")
unveil "$redis_port" "$key"
echo "staged $count elements on $key"
wait_for_drains 2 900
host_after=$(ticks "$host_pid"); pg_after=$([[ "$sink" == postgres ]] && postgres_ticks || echo 0); redis_after=$(ticks "$redis_pid")
if [[ -n "${BENCH_PERF:-}" ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
line="$(drained | sed -n 2p)"
peak_kb="$(awk '/VmHWM/ {print $2}' "/proc/$host_pid/status")"
ms="$(sed -E 's/.* in ([0-9]+) ms.*/\1/' <<<"$line")"
echo "$line"
pg_cpu="$pg_before $pg_after"
awk -v n="$count" -v ms="$ms" -v kb="$peak_kb" -v sink="$sink" -v hz="$hz" -v host="$host_before $host_after" -v pg="$pg_cpu" -v redis="$redis_before $redis_after" \
  'BEGIN { split(host, h, " "); split(pg, p, " "); split(redis, r, " ")
    printf "RESULT sink=%s clicks=%d seconds=%.2f clicks_per_s=%.0f peak_rss_mb=%.0f host_cpu_s=%.2f pg_cpu_s=%.2f redis_cpu_s=%.2f\n",
      sink, n, ms/1000, n/(ms/1000), kb/1024, (h[2]-h[1])/hz, (p[2]-p[1])/hz, (r[2]-r[1])/hz }'
if [[ -n "${BENCH_QUERY:-}" && "$sink" == postgres ]]; then
  # The per-user query of GET /users/{uid}/clicks against what the drains stored, for BENCH_QUERY seconds, one client:
  # the read side of the index the table has.
  cat > "$work/user-clicks.sql" <<SQL
\set uid random(0, 99999)
SELECT event_id, client_id, pid, ts FROM $run.clicks WHERE uid = :uid AND ts >= now() - interval '30 days' AND ts < now() + interval '1 day' ORDER BY ts DESC, event_id DESC LIMIT 100;
SQL
  pgbench "$drop_schema" -n -f "$work/user-clicks.sql" -c 1 -T "$BENCH_QUERY" 2>/dev/null \
    | awk '/latency average/ { latency = $4 } /^tps/ { tps = $3 } END { printf "QUERY latency_ms=%s tps=%.0f\n", latency, tps }'
fi
if [[ -n "${BENCH_LAKE:-}" && -n "${BENCH_DAY:-}" && "$sink" == postgres ]]; then
  dotnet build bench/LakeQuery -c Release -v q -nologo >/dev/null
  psql "$drop_schema" -q -c "VACUUM ANALYZE $run.clicks"
  dotnet bench/LakeQuery/bin/Release/net10.0/ClickOrleans.Bench.LakeQuery.dll "$ConnectionStrings__Postgres" "$run" "$work/lake" "$BENCH_DAY" 5
fi
if [[ -n "${BENCH_BACKFILL:-}" && -n "${BENCH_LAKE:-}" && -n "${BENCH_DAY:-}" && "$sink" == postgres ]]; then
  api_dir="${BENCH_API_DIR:-$work/api}"
  [[ -n "${BENCH_API_DIR:-}" ]] || dotnet publish src/Api -c Release -o "$api_dir" >/dev/null
  api_port="$(( (RANDOM % 10000) + 40000 ))"
  env "${common_env[@]}" "${lake_env[@]}" "$key_env" Api__AllowAnonymous=true Api__RequestsPerSecond=0 Urls="http://127.0.0.1:$api_port" \
    dotnet "$api_dir/ClickOrleans.Api.dll" >"$work/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$api_port/health" >/dev/null && break; sleep 0.2; done
  psql "$drop_schema" -q -c "TRUNCATE $run.clicks, $run.product_clicks_minute"
  host_before=$(ticks "$host_pid"); pg_before=$(postgres_ticks)
  from="${BENCH_DAY}T00:00:00Z"; to="$(date -u -d "$BENCH_DAY + 1 day" +%Y-%m-%d)T00:00:00Z"
  curl -fs -X POST "http://127.0.0.1:$api_port/admin/streams/clicks/backfill" -H 'Content-Type: application/json' \
    -d "{\"from\":\"$from\",\"to\":\"$to\",\"sink\":\"postgres\"}" >/dev/null
  for _ in $(seq 3000); do
    status="$(curl -fs "http://127.0.0.1:$api_port/admin/streams/clicks/backfill")"
    grep -q '"state":"running"' <<<"$status" || break
    sleep 0.2
  done
  host_after=$(ticks "$host_pid"); pg_after=$(postgres_ticks)
  echo "BACKFILL status $status"
  rows="$(psql "$drop_schema" -At -c "SELECT count(*) || ' ' || (SELECT coalesce(sum(clicks), 0) FROM $run.product_clicks_minute) FROM $run.clicks")"
  python3 - "$status" "$rows" "$((host_after - host_before))" "$((pg_after - pg_before))" "$hz" <<'PY'
import json, sys
from datetime import datetime
status, rows, host, pg, hz = json.loads(sys.argv[1]), sys.argv[2].split(), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
seconds = (datetime.fromisoformat(status["endedAt"]) - datetime.fromisoformat(status["startedAt"])).total_seconds()
print(f"BACKFILL state={status['state']} events={status['written']} seconds={seconds:.2f} events_per_s={status['written'] / seconds:.0f} "
      f"silo_cpu_s={host / hz:.2f} pg_cpu_s={pg / hz:.2f} rows={rows[0]} rollup_total={rows[1]}")
PY
fi
