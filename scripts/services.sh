#!/usr/bin/env bash
# Starts (or stops) a private redis-server and PostgreSQL for the tests and benchmarks, on loopback ports
# that do not clash with system servers. Idempotent; stops only what it started (by PID file).
#   scripts/services.sh start   # installs what is missing (Debian), starts both, prints the connection strings
#   scripts/services.sh stop
#   scripts/services.sh env     # prints `export ConnectionStrings__...` lines for the running servers
set -euo pipefail

STATE_DIR="${CLICKORLEANS_SERVICES_DIR:-/tmp/clickorleans-services}"
REDIS_PORT="${CLICKORLEANS_REDIS_PORT:-56379}"
PG_PORT="${CLICKORLEANS_PG_PORT:-55432}"
PG_DATA="$STATE_DIR/pg"
REDIS_DIR="$STATE_DIR/redis"

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [[ -n "$dir" ]] && echo "$dir"
}

install_missing() {
  local packages=()
  command -v redis-server >/dev/null || packages+=(redis-server)
  [[ -n "$(pg_bin)" && -x "$(pg_bin)/initdb" ]] || packages+=(postgresql)
  if ((${#packages[@]})); then
    echo "installing: ${packages[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
}

running() { [[ -f "$1" ]] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

start_redis() {
  mkdir -p "$REDIS_DIR"
  if running "$REDIS_DIR/redis.pid"; then return; fi
  # AOF on: Orleans' Redis clustering misbehaves after a restart that lost its data.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --appendonly yes \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save ""
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start; see $REDIS_DIR/redis.log" >&2; exit 1
}

start_postgres() {
  local bin; bin=$(pg_bin)
  mkdir -p "$STATE_DIR"; chmod 755 "$STATE_DIR"  # the postgres user must reach its data directory
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    mkdir -p "$PG_DATA"; chown postgres:postgres "$PG_DATA"
    runuser -u postgres -- "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then return; fi
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w \
    -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='clicks'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE clicks"
}

print_env() {
  echo "export ConnectionStrings__Redis=127.0.0.1:$REDIS_PORT"
  echo "export ConnectionStrings__Postgres='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=clicks'"
}

case "${1:-start}" in
  start) install_missing; start_redis; start_postgres; print_env ;;
  env) print_env ;;
  stop)
    if running "$REDIS_DIR/redis.pid"; then kill "$(cat "$REDIS_DIR/redis.pid")"; fi
    if [[ -f "$PG_DATA/postmaster.pid" ]]; then runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null || true; fi
    ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
