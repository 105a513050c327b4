#!/usr/bin/env bash
# The speed figure that counts: the drain against the original Sidekiq job (../shared/peer-sidekiq), alternated back
# to back, so that both see the same machine. Single runs here vary by ±45%; the medians of the pairs' ratios do not.
#   bench/pairs.sh [pairs, default 4] [N, default 1000000]
# Each pair: the job (hiredis, COPY into its own PostgreSQL), then one drain of N seed-format clicks into PostgreSQL by
# a warm silo (a warm-up drain of N first; BENCH_FRESH=1: of bench/drain.sh's default 50,000, a silo just started).
# The silo is published once (BENCH_SILO_DIR to use one published already). Prints a markdown table and the median ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

pairs="${1:-4}"
count="${2:-1000000}"
peer="$(cd ../shared/peer-sidekiq && pwd)"
source bench/work.sh
trap 'finish_work $?' EXIT

silo_dir="${BENCH_SILO_DIR:-$work/silo}"
[[ -n "${BENCH_SILO_DIR:-}" ]] || dotnet publish src/Silo -c Release -o "$silo_dir" >/dev/null
warmup=$([[ -n "${BENCH_FRESH:-}" ]] && echo 50000 || echo "$count")
bash "$peer/setup.sh" >/dev/null 2>&1

echo "| pair | job (clicks/s) | drain (clicks/s) | ratio | silo CPU-s | PostgreSQL CPU-s |"
echo "|---|---|---|---|---|---|"
ratios=()
for pair in $(seq "$pairs"); do
  job=$(cd "$peer" && SKIP_SETUP=1 REPS=1 DRIVERS=hiredis NAIVE_MAX=0 INGEST_N=1000 bash bench.sh "$count" 2>/dev/null \
    | awk '/^drain: COPY job \[hiredis\]/ { print $(NF - 5); exit }')
  drain=$(BENCH_SILO_DIR="$silo_dir" BENCH_WARMUP="$warmup" bench/drain.sh "$count" postgres | grep '^RESULT')
  rate=$(sed -E 's/.* clicks_per_s=([0-9]+).*/\1/' <<<"$drain")
  ratio=$(awk -v d="$rate" -v j="$job" 'BEGIN { printf "%.2f", d / j }')
  ratios+=("$ratio")
  printf '| %d | %s | %s | %s | %s | %s |\n' "$pair" "$job" "$rate" "$ratio" \
    "$(sed -E 's/.* host_cpu_s=([0-9.]+).*/\1/' <<<"$drain")" "$(sed -E 's/.* pg_cpu_s=([0-9.]+).*/\1/' <<<"$drain")"
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "median ratio %.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
