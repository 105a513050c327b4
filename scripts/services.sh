#!/usr/bin/env bash
# Starts (or stops) a private redis-server, a Redis Cluster (3 masters + 3 replicas) and PostgreSQL for the tests and
# benchmarks, on loopback ports that do not clash with system servers. Idempotent; stops only what it started (by PID file).
#   scripts/services.sh start   # installs what is missing (Debian), starts all three, prints the connection strings
#   scripts/services.sh stop
#   scripts/services.sh env     # prints `export ...` lines for the running servers
# REDIS_CLUSTER_SEEDS (printed too) is the cluster's seed nodes, for ConnectionStrings__Redis.
set -euo pipefail

STATE_DIR="${CLICKORLEANS_SERVICES_DIR:-/tmp/clickorleans-services}"
REDIS_PORT="${CLICKORLEANS_REDIS_PORT:-56379}"
PG_PORT="${CLICKORLEANS_PG_PORT:-55432}"
PG_DATA="$STATE_DIR/pg"
REDIS_DIR="$STATE_DIR/redis"
# Cluster bus ports are the node ports + 10000, so the node ports stay below 55536.
CLUSTER_PORTS=(${CLICKORLEANS_CLUSTER_PORTS:-46001 46002 46003 46004 46005 46006})
CLUSTER_DIR="$STATE_DIR/redis-cluster"

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

start_redis_cluster() {
  local seeds=() port
  for port in "${CLUSTER_PORTS[@]}"; do
    mkdir -p "$CLUSTER_DIR/$port"
    seeds+=("127.0.0.1:$port")
    running "$CLUSTER_DIR/$port/redis.pid" && continue
    # No node is killed here (the failover tests run a cluster of their own): a long node timeout keeps a master that
    # fsyncs a test's 80 MB of large elements (appendfsync always) for a few seconds from being failed over under the run.
    redis-server --port "$port" --bind 127.0.0.1 --dir "$CLUSTER_DIR/$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 15000 --appendonly yes --appendfsync always --save "" \
      --daemonize yes --pidfile "$CLUSTER_DIR/$port/redis.pid" --logfile "$CLUSTER_DIR/$port/redis.log"
  done
  for port in "${CLUSTER_PORTS[@]}"; do
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  if ! redis-cli -p "${CLUSTER_PORTS[0]}" cluster info | grep -q "cluster_state:ok"; then
    if [[ "$(redis-cli -p "${CLUSTER_PORTS[0]}" cluster info | awk -F: '/cluster_known_nodes/ {print $2+0}')" -le 1 ]]; then
      redis-cli --cluster create "${seeds[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
    fi
    for _ in $(seq 100); do redis-cli -p "${CLUSTER_PORTS[0]}" cluster info | grep -q "cluster_state:ok" && return; sleep 0.1; done
    echo "the Redis Cluster did not become ready; see $CLUSTER_DIR/*/redis.log" >&2; exit 1
  fi
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
  echo "export REDIS_CLUSTER_SEEDS=127.0.0.1:${CLUSTER_PORTS[0]},127.0.0.1:${CLUSTER_PORTS[1]},127.0.0.1:${CLUSTER_PORTS[2]}"
  echo "export ConnectionStrings__Postgres='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=clicks'"
}

case "${1:-start}" in
  start) install_missing; start_redis; start_redis_cluster; start_postgres; print_env ;;
  env) print_env ;;
  stop)
    if running "$REDIS_DIR/redis.pid"; then kill "$(cat "$REDIS_DIR/redis.pid")"; fi
    for port in "${CLUSTER_PORTS[@]}"; do
      if running "$CLUSTER_DIR/$port/redis.pid"; then kill "$(cat "$CLUSTER_DIR/$port/redis.pid")"; fi
    done
    if [[ -f "$PG_DATA/postmaster.pid" ]]; then runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null || true; fi
    ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
