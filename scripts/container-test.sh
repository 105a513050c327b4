#!/usr/bin/env bash
# The compose cluster for real: builds the images with the project's Dockerfiles, runs
# `docker-compose up -d --scale silo=3`, pushes clicks through the Api's published port, kills a silo container
# mid-drain, restarts the silos one at a time (SIGTERM, graceful leave), runs `down` and `up` again, and checks that
# every accepted click is in the PostgreSQL container exactly once, rollups included.
#   scripts/container-test.sh [compose file] [silos]    # default: docker-compose.yml 3
# Uses podman as the engine (scripts/container-engine.sh) and, without a registry, the stand-in base images of
# scripts/container-images.sh. Prints one "container:" line per step with its timing; exits 1 on any failure, and
# then prints the containers' logs and, last, the reason ("container: FAILED: …").
set -Eeuo pipefail
cd "$(dirname "$0")/.."

file="${1:-docker-compose.yml}"
silos="${2:-3}"
project="clickorleans-ci-$(basename "$file" .yml | tr -c 'a-z0-9\n' '-')"
work=$(mktemp -d)
started=$(date +%s)
step_started=$started
step() { local now; now=$(date +%s); echo "container: $1 ($((now - step_started)) s; $((now - started)) s in all)"; step_started=$now; }
# The reason is kept in a file: a step that fails in a subshell (a command substitution) cannot set a variable.
fail() { echo "$*" >>"$work/failure"; echo "container: FAILED: $*" >&2; exit 1; }
trap 'rc=$?; ((BASH_SUBSHELL > 0)) || [[ -s "$work/failure" ]] || echo "line $LINENO: \`$BASH_COMMAND\` exited $rc" >>"$work/failure"' ERR
# On failure: the state of the project's containers and their logs, then the reason as the last line.
cleanup() {
  local status=$?
  if ((status != 0)); then
    if [[ -f "$work/.env" ]]; then
      compose ps || true
      for c in $(podman ps -aq --filter "label=com.docker.compose.project=$project"); do
        echo "--- $(podman inspect -f '{{.Name}}' "$c")"; podman logs --tail 30 "$c" 2>&1 || true
      done
    fi
    echo "container: FAILED ($file): $(cat "$work/failure" 2>/dev/null || echo "exit $status")"
  fi
  if [[ -f "$work/.env" ]]; then compose down -v --remove-orphans >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(scripts/container-engine.sh start)"
eval "$(scripts/container-images.sh | sed 's/^/export /')"
step "engine and base images ready"
# The build's restore uses this machine's NuGet cache (a build-time mount, as BuildKit's cache mounts), not the network
# for every package; podman's warnings about MSBuild's sockets in /tmp are dropped.
# A restore that meets a transient NuGet error is tried once more.
# CONTAINER_TEST_REUSE_IMAGES=1 takes the images a run before this one built from the same tree (.ci/run's second run).
for host in Silo Api; do
  [[ "${CONTAINER_TEST_REUSE_IMAGES:-}" == 1 ]] && podman image exists "localhost/clickorleans/${host,,}:ci" && continue
  for attempt in 1 2; do
    podman build --network host -q --volume "$HOME/.nuget/packages:/root/.nuget/packages" -f "src/$host/Dockerfile" \
      -t "localhost/clickorleans/${host,,}:ci" . 2> >(grep -v 'since it is a socket' >&2) >/dev/null && break
    ((attempt < 2)) || fail "building src/$host/Dockerfile"
  done
done
step "images built from src/Silo/Dockerfile and src/Api/Dockerfile${CONTAINER_TEST_REUSE_IMAGES:+ (reused)}"

key() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
ingest_key=$(key) admin_key=$(key)
api_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/.env" <<EOF
POSTGRES_PASSWORD=$(key)
API_INGEST_KEY_HASH=$(hash "$ingest_key")
API_ADMIN_KEY_HASH=$(hash "$admin_key")
API_PORT=$api_port
REDIS_IMAGE=$REDIS_IMAGE
POSTGRES_IMAGE=$POSTGRES_IMAGE
SILO_IMAGE=localhost/clickorleans/silo:ci
API_IMAGE=localhost/clickorleans/api:ci
EOF
compose() { docker-compose -p "$project" -f "$file" --env-file "$work/.env" "$@"; }
# podman says on every start and stop that it has no systemd for health-check timers (container-engine.sh ticks them).
: >"$work/podman.log"
# What an interrupted earlier run of this project left behind (containers, volumes) is removed first.
compose down -v --remove-orphans >/dev/null 2>&1 || true

api="http://127.0.0.1:$api_port"
containers() { podman ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1" | sort; }
healthy() { [[ "$(podman inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" == healthy ]]; }
wait_healthy() {
  local deadline=$(($(date +%s) + ${2:-180}))
  until healthy "$1"; do (($(date +%s) < deadline)) || fail "$1 not healthy in time"; sleep 1; done
}
up() {
  compose up -d --no-build --scale silo="$silos" >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "docker-compose up"; }
  for c in $(containers silo) $(containers api); do wait_healthy "$c"; done
}
admin() { curl -s --max-time 600 -o "$work/admin.json" -w '%{http_code}' -H "X-Api-Key: $admin_key" "$@"; }
# Drains until a drain succeeds (the cluster may still be finding out that a silo died); prints the seconds it took.
drain() {
  local from deadline
  from=$(date +%s) deadline=$(($(date +%s) + ${1:-180}))
  until [[ "$(admin -X POST "$api/admin/drain")" == 200 ]]; do (($(date +%s) < deadline)) || fail "no drain succeeded: $(cat "$work/admin.json")"; sleep 1; done
  echo $(($(date +%s) - from))
}

accepted=0 refused=0 uid=0
# Pushes $1 batches of 1,000 clicks of new users, each with its own id; a 503 is retried with the same ids (a 503 after
# a push that Redis applied, or that its replica did not acknowledge, leaves clicks staged: the ids keep them once),
# anything else fails the test.
push() {
  local batch code
  for ((batch = 0; batch < $1; batch++)); do
    uid=$((uid + 1))
    jq -nc --argjson u "$uid" '[range(1000) | {uid: $u, pid: ., id: "c\($u)-\(.)"}]' >"$work/batch.json"
    while true; do
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $ingest_key" -H 'Content-Type: application/json' \
        --data-binary "@$work/batch.json" "$api/clicks/batch")
      [[ "$code" == 202 ]] && { accepted=$((accepted + 1000)); break; }
      [[ "$code" == 503 ]] || fail "POST /clicks/batch answered $code"
      refused=$((refused + 1)); sleep 1
    done
  done
}
sql() { podman exec "$(containers postgres)" psql -U clickorleans -d clicks -tAc "$1"; }
check_sink() {
  local rows distinct rollup
  rows=$(sql "SELECT count(*) FROM clicks") distinct=$(sql "SELECT count(DISTINCT (uid, pid)) FROM clicks")
  rollup=$(sql "SELECT coalesce(sum(clicks), 0) FROM product_clicks_minute")
  echo "container: sink after $1: $rows rows, $distinct distinct clicks, rollups $rollup; accepted $accepted"
  [[ "$rows" == "$accepted" && "$distinct" == "$accepted" && "$rollup" == "$accepted" ]] || fail "the sink does not hold every accepted click once"
}

up
step "up: $(containers silo | wc -l) silos, the Api, Redis and PostgreSQL healthy"

push 100
# And 500,000 clicks as the original producers stage them, straight into Redis: a drain long enough to be killed in.
producer=500000
# The one Redis, or a node of the Redis Cluster. (Not `compose config | grep -m1`: grep's early exit can end compose
# with SIGPIPE, which fails the pipeline.)
services=$(compose config --services)
redis_service=$(grep -m1 -x 'redis\|redis-1' <<<"$services")
podman exec "$(containers "$redis_service")" redis-cli -c EVAL "for i = 0, ARGV[1] - 1 do redis.call('LPUSH', KEYS[1], '{\"uid\":' .. (1000000 + math.floor(i / 1000)) .. ',\"pid\":' .. (i % 1000) .. '}') end" 1 product-click-staging "$producer" >/dev/null
accepted=$((accepted + producer))
aggregator_logs() { for c in $(containers silo); do echo "$c $(podman logs "$c" 2>&1 | grep -c 'Draining ')"; done; }
before=$(aggregator_logs)
admin -X POST "$api/admin/drain" >"$work/drain-during-kill.code" &
drain_request=$!
victim=""
for _ in $(seq 200); do
  victim=$(join -j1 <(echo "$before" | sort) <(aggregator_logs | sort) | awk '$3 > $2 && !found { print $1; found = 1 }')
  [[ -n "$victim" ]] && break
  sleep 0.05
done
[[ -n "$victim" ]] || fail "no silo started the drain"
podman kill "$victim" >/dev/null 2>>"$work/podman.log"
killed=$(date +%s)
wait "$drain_request" || true
answered=$(($(date +%s) - killed))
started_drains=$(podman logs "$victim" 2>&1 | grep -c 'Draining ' || true)
finished_drains=$(podman logs "$victim" 2>&1 | grep -c 'Drained ' || true)
step "killed the draining silo ${victim:0:12} ($( ((started_drains > finished_drains)) && echo 'mid-drain' || echo 'after its drain had finished'))"
echo "container: the drain request the killed silo was running answered $(cat "$work/drain-during-kill.code") $answered s after the kill"
next_drain=$(drain)
echo "container: the next drain succeeded $next_drain s after that"
push 20
drain >/dev/null
check_sink "a silo killed mid-drain"
podman start "$victim" >/dev/null 2>>"$work/podman.log"
wait_healthy "$victim"
step "the killed silo is back"

(push 40) &
pushing=$!
for c in $(containers silo); do
  from=$(date +%s)
  podman stop -t 30 "$c" >/dev/null 2>>"$work/podman.log"
  stopped=$(($(date +%s) - from))
  [[ "$(podman inspect -f '{{.State.ExitCode}}' "$c")" == 0 ]] || fail "silo ${c:0:12} did not exit cleanly on SIGTERM"
  podman start "$c" >/dev/null 2>>"$work/podman.log"
  wait_healthy "$c"
  echo "container: rolling restart: silo ${c:0:12} left in $stopped s (exit 0), healthy again $(($(date +%s) - from)) s after SIGTERM"
done
wait "$pushing" || fail "pushing during the rolling restart"
accepted=$((accepted + 40000)) uid=$((uid + 40)) # counted in the subshell that pushed them
drain >/dev/null
check_sink "a rolling restart of every silo under ingest"
step "rolling restart"

push 5
backlog=$(curl -s -H "X-Api-Key: $admin_key" "$api/stats" | jq '.backlog')
compose down >"$work/down.log" 2>&1 || { cat "$work/down.log"; fail "docker-compose down"; }
step "down with $backlog clicks staged"
up
step "up again"
drain >/dev/null
check_sink "down and up (volumes kept)"

[[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/health")" == 200 ]] || fail "/health through the Api"
[[ "$(admin "$api/dashboard/")" == 200 ]] && grep -qi "orleans" "$work/admin.json" || fail "/dashboard through the Api"
echo "container: /health and /dashboard answer through the Api; $refused batches met a 503 and were retried"
# The silo's HTTP (dashboard, /metrics, /health) listens on loopback inside its container: its own address is refused.
silo_container=$(containers silo | head -1)
silo_ip=$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$silo_container")
[[ -n "$silo_ip" ]] || fail "no address of silo container $silo_container"
podman exec "$silo_container" dotnet ClickOrleans.Silo.dll health-check http://127.0.0.1:8080/alive >/dev/null || fail "silo HTTP on loopback"
! podman exec "$silo_container" dotnet ClickOrleans.Silo.dll health-check "http://$silo_ip:8080/alive" >/dev/null 2>&1 \
  || fail "the silo's HTTP answers on $silo_ip:8080, not only on loopback"
echo "container: the silo's HTTP answers on 127.0.0.1:8080 only, not on $silo_ip:8080"
step "done"
