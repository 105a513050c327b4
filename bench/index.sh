#!/usr/bin/env bash
# The clicks table's index for the per-user query, chosen by what it costs the drain and what it gives the query:
# each variant built in place of clicks_uid_ts after a warm-up drain, then one measured drain of N clicks (throughput,
# PostgreSQL CPU-seconds) and GET /users/{uid}/clicks's query for 20 s by random users (pgbench, latency).
#   bench/index.sh [rounds, default 3] [N, default 1000000]
# Variants alternate within each round (the machine drifts); prints one RESULT and one QUERY line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
count="${2:-1000000}"
source bench/work.sh
trap 'finish_work $?' EXIT
silo_dir="${BENCH_SILO_DIR:-$work/silo}"
[[ -n "${BENCH_SILO_DIR:-}" ]] || dotnet publish src/Silo -c Release -o "$silo_dir" >/dev/null
variants=(
  "btree (uid, ts)|SELECT 1"
  "btree (uid)|DROP INDEX clicks_uid_ts; CREATE INDEX clicks_uid_ts ON clicks (uid)"
  "hash (uid)|DROP INDEX clicks_uid_ts; CREATE INDEX clicks_uid_ts ON clicks USING hash (uid)"
  "brin (uid, ts)|DROP INDEX clicks_uid_ts; CREATE INDEX clicks_uid_ts ON clicks USING brin (uid, ts)"
  "none|DROP INDEX clicks_uid_ts"
)
for round in $(seq "$rounds"); do
  for variant in "${variants[@]}"; do
    echo "== round $round: ${variant%%|*}"
    BENCH_SILO_DIR="$silo_dir" BENCH_WARMUP="$count" BENCH_QUERY=20 BENCH_SCHEMA_SQL="${variant#*|}" bench/drain.sh "$count" postgres | grep -E '^(RESULT|QUERY)'
  done
done
