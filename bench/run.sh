#!/usr/bin/env bash
# The benchmark suite: bench/run.sh [runs]   (default 3 runs per measured figure; medians reported)
# Against a private redis-server and PostgreSQL (scripts/services.sh), on this machine; writes bench/results.md.
# Not part of CI: it takes about a quarter of an hour and its figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-3}"
source bench/work.sh
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  finish_work "$status"
}
trap cleanup EXIT

eval "$(scripts/services.sh start)"
redis_port="${ConnectionStrings__Redis##*:}"
pg_port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ConnectionStrings__Postgres")
psql_cmd=(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d clicks -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning")
missing=()
for tool in redis-benchmark:redis-tools jq:jq bc:bc; do command -v "${tool%%:*}" >/dev/null || missing+=("${tool##*:}"); done
if ((${#missing[@]})); then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; fi

echo "== building (Release)"
dotnet publish tools/ClickLoad -c Release -o "$work/load" >/dev/null
dotnet publish src/Silo -c Release -o "$work/silo" >/dev/null
dotnet publish src/Api -c Release -o "$work/api" >/dev/null
dotnet publish bench/PlainEndpoint -c Release -o "$work/plain" >/dev/null
export BENCH_SILO_DIR="$work/silo" BENCH_API_DIR="$work/api"

median() { awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -E "s/.* $1=([0-9.]+).*/\1/"; }
now_ms() { date +%s%3N; }

echo "== drain: 1,000,000 seed-format clicks into PostgreSQL, $runs runs"
: >"$work/drain-pg"
for _ in $(seq "$runs"); do bench/drain.sh 1000000 postgres | grep '^RESULT' | tee -a "$work/drain-pg"; done

echo "== the limit: psql \\copy of the same 1,000,000 rows into a table like clicks, $runs runs"
bench/copy.sh "$runs" | tee "$work/copy"

echo "== drain: 5,000,000 clicks into PostgreSQL (memory at a large backlog)"
bench/drain.sh 5000000 postgres | grep '^RESULT' | tee "$work/drain-pg-5m"

echo "== drain: SQLite (embedded mode), 1,000,000 x $runs and 5,000,000 x 1"
: >"$work/drain-sqlite"
for _ in $(seq "$runs"); do bench/drain.sh 1000000 sqlite | grep '^RESULT' | tee -a "$work/drain-sqlite"; done
bench/drain.sh 5000000 sqlite | grep '^RESULT' | tee "$work/drain-sqlite-5m"

echo "== naive baseline: one INSERT per click (autocommit), 100,000 clicks"
"${psql_cmd[@]}" -c "DROP TABLE IF EXISTS bench_naive; CREATE TABLE bench_naive (event_id text COLLATE \"C\" PRIMARY KEY, uid bigint NOT NULL, pid bigint NOT NULL, ts timestamptz NOT NULL)"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "INSERT INTO bench_naive VALUES (%cnaive-%d%c, %d, %d, now()) ON CONFLICT DO NOTHING;\n", 39, i, 39, i % 100000, i % 5000 }' >"$work/naive.sql"
started=$(now_ms)
"${psql_cmd[@]}" -f "$work/naive.sql" >/dev/null
naive_rate=$(echo "scale=0; 100000000 / ($(now_ms) - $started)" | bc)
"${psql_cmd[@]}" -c "DROP TABLE bench_naive"
echo "naive: $naive_rate inserts/s"

echo "== ingest: a silo and the Api (cluster mode) against redis-server, AOF fsync every second and always"
mkdir -p "$work/ingest"
BENCH_LOAD_DIR="$work/load" BENCH_PLAIN_DIR="$work/plain" bench/ingest.sh "$runs" "$work/ingest"

echo "== microbenchmarks (BenchmarkDotNet, short job)"
(cd bench/Micro && dotnet run -c Release -- --filter '*' --job short --exporters github --artifacts "$work/bdn" >"$work/bdn.log" 2>&1) || tail -20 "$work/bdn.log"

pg() { field "$1" <"$work/drain-pg" | median; }
sqlite() { field "$1" <"$work/drain-sqlite" | median; }
copy_rate=$(grep "^RESULT" "$work/copy" | field with_index)
pg_rate=$(pg clicks_per_s)
ingest() { cut -d' ' -f"$2" "$work/ingest/$1" | median; }
batch_rate=$(ingest batch 1); batch_p99=$(ingest batch 2)
single_rate=$(ingest single 1); single_p99=$(ingest single 2)
batch_always_rate=$(ingest batch-always 1); batch_always_p99=$(ingest batch-always 2)
single_always_rate=$(ingest single-always 1); single_always_p99=$(ingest single-always 2)
plain_rate=$(ingest plain 1); plain_p99=$(ingest plain 2)
lpush_rate=$(median <"$work/ingest/lpush")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
round() { awk -v v="$1" 'BEGIN { printf "%\047.0f", v }'; }

{
  echo "# ClickOrleans benchmark results"
  echo
  echo "Run with \`bench/run.sh $runs\` on $(date -u +%Y-%m-%d). Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB,"
  echo "$(. /etc/os-release && echo "$PRETTY_NAME"); .NET $(dotnet --version); $(redis-server --version | cut -d' ' -f3); $(psql --version);"
  echo "everything (Redis, PostgreSQL, silo, Api, load generator) on the same machine. Medians of $runs runs unless said otherwise."
  echo
  echo "## Drain (staged seed-format clicks → committed rows, exactly once)"
  echo
  echo "| what | seconds | clicks/s | peak RSS |"
  echo "|---|---|---|---|"
  echo "| PostgreSQL, 1,000,000 clicks | $(pg seconds) | $(round "$pg_rate") | $(pg peak_rss_mb) MB (silo) |"
  echo "| PostgreSQL, 5,000,000 clicks (1 run) | $(field seconds <"$work/drain-pg-5m") | $(round "$(field clicks_per_s <"$work/drain-pg-5m")") | $(field peak_rss_mb <"$work/drain-pg-5m") MB (silo) |"
  echo "| the limit: \`psql \\copy\` of the same 1,000,000 rows into a table like \`clicks\` | | $(round "$copy_rate") | |"
  echo "| SQLite, 1,000,000 clicks | $(sqlite seconds) | $(round "$(sqlite clicks_per_s)") | $(sqlite peak_rss_mb) MB (Api with Garnet and silo) |"
  echo "| SQLite, 5,000,000 clicks (1 run) | $(field seconds <"$work/drain-sqlite-5m") | $(round "$(field clicks_per_s <"$work/drain-sqlite-5m")") | $(field peak_rss_mb <"$work/drain-sqlite-5m") MB (Api with Garnet and silo) |"
  echo "| naive baseline: one autocommit INSERT per click, 100,000 clicks (1 run) | | $(round "$naive_rate") | |"
  echo
  echo "PostgreSQL drain / raw \`\\copy\`: **$(ratio "$pg_rate" "$copy_rate")**. Bulk drain / one INSERT per click: **$(awk -v a="$pg_rate" -v b="$naive_rate" 'BEGIN { printf "%.0f×", a / b }')**."
  echo
  echo "## Ingest (Api in cluster mode, one silo, redis-server; ClickLoad on the same machine)"
  echo
  echo "| what | clicks/s | p99 latency |"
  echo "|---|---|---|"
  echo "| \`POST /clicks/batch\`, 1000 clicks/request, 8 connections | $(round "$batch_rate") | $(printf %.1f "$batch_p99") ms |"
  echo "| \`POST /clicks\`, 64 connections | $(round "$single_rate") | $(printf %.1f "$single_p99") ms |"
  echo "| \`POST /clicks/batch\` as above, Redis \`appendfsync always\` | $(round "$batch_always_rate") | $(printf %.1f "$batch_always_p99") ms |"
  echo "| \`POST /clicks\` as above, Redis \`appendfsync always\` | $(round "$single_always_rate") | $(printf %.1f "$single_always_p99") ms |"
  echo "| the limit: plain endpoint (same Kestrel, body read, no JSON, no Redis), 64 connections | $(round "$plain_rate") | $(printf %.1f "$plain_p99") ms |"
  echo "| the limit: \`redis-benchmark -t lpush -P 64\` | $(round "$lpush_rate") LPUSH/s | |"
  echo
  echo "Single-click ingest / plain endpoint: **$(ratio "$single_rate" "$plain_rate")**. Batch ingest / pipelined LPUSH: **$(ratio "$batch_rate" "$lpush_rate")**."
  echo "The cost of \`appendfsync always\` (what docker-compose runs): batch ingest at **$(ratio "$batch_always_rate" "$batch_rate")**, single clicks at **$(ratio "$single_always_rate" "$single_rate")** of \`everysec\`."
  echo
  echo "## Microbenchmarks (BenchmarkDotNet, short job; 10,000 clicks per operation)"
  echo
  cat "$work"/bdn/results/*-report-github.md 2>/dev/null | sed -n '/^|/,$p' | sed "s/&#39;/'/g" || echo "(BenchmarkDotNet did not run; see its log)"
} >bench/results.md
echo "== wrote bench/results.md"
cat bench/results.md
