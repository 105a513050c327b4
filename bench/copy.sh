#!/usr/bin/env bash
# The database's own limit for a drain: psql \copy of 1,000,000 rows shaped like ClickOrleans' `clicks` (uuid event
# id, no unique index) into a fresh table, with the (uid, ts) index the user queries need and without it.
#   bench/copy.sh [runs]      (default 3; medians) — against the PostgreSQL of scripts/services.sh
# Last line: RESULT with_index=<rows/s> without_index=<rows/s>, then the CPU-seconds of PostgreSQL and of psql (medians).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/cpu.sh

runs="${1:-3}"
eval "$(scripts/services.sh env)"
pg_port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$ConnectionStrings__Postgres")
psql_cmd=(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d clicks -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning")
work="$(mktemp -d)"
chmod 755 "$work"
trap 'rm -rf "$work"; "${psql_cmd[@]}" -c "DROP TABLE IF EXISTS bench_copy" >/dev/null 2>&1 || true' EXIT

now_ms() { date +%s%3N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# UUIDv7-shaped ids, as the Api gives; the same users, products and minute as the drain benchmark's seed clicks.
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "0193a4c2-%04x-7%03x-8000-%012x,,%d,%d,2026-11-27 10:00:00+00\n", int(i / 4096) % 65536, i % 4096, i, i % 100000, i % 5000 }' >"$work/clicks.csv"

# One \copy into a fresh table; prints rows/s, PostgreSQL's CPU-seconds and psql's, space-separated.
copy() {
  "${psql_cmd[@]}" -c "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (event_id uuid NOT NULL, client_id text, uid bigint NOT NULL, pid bigint NOT NULL, ts timestamptz NOT NULL); $1"
  local started pg_before TIMEFORMAT='%U %S'
  started=$(now_ms); pg_before=$(postgres_ticks)
  { time "${psql_cmd[@]}" -c "\\copy bench_copy FROM '$work/clicks.csv' WITH (FORMAT csv)"; } 2>"$work/psql-time"
  echo "$((1000000000 / ($(now_ms) - started))) $(awk -v t="$(( $(postgres_ticks) - pg_before ))" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }') $(awk '{ printf "%.2f", $1 + $2 }' "$work/psql-time")"
}
for _ in $(seq "$runs"); do copy "CREATE INDEX ON bench_copy (uid, ts);" >>"$work/with"; copy "" >>"$work/without"; done
column() { cut -d' ' -f"$1" "$2" | median; }
echo "RESULT with_index=$(column 1 "$work/with") without_index=$(column 1 "$work/without")" \
  "pg_cpu_s_with_index=$(column 2 "$work/with") pg_cpu_s_without_index=$(column 2 "$work/without")" \
  "psql_cpu_s_with_index=$(column 3 "$work/with") psql_cpu_s_without_index=$(column 3 "$work/without")"
