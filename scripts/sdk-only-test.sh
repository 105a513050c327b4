#!/usr/bin/env bash
# The README's two commands as a new user runs them: a fresh clone in the .NET SDK image, with nothing else installed
# and no servers (no redis-server, PostgreSQL, chromium, procps, iptables):
#   1. `dotnet test` must pass (tests that need a server skip, none may fail), with the network cut off;
#   2. `dotnet run --project src/Api` must come up in embedded mode and take a click through to SQLite.
#   scripts/sdk-only-test.sh [results dir]   # writes sdk-only.trx there; prints "sdk-only:" lines with counts and times
# Uses podman (scripts/container-engine.sh) and the SDK image (the stand-in of scripts/container-images.sh where no
# registry is reached). The restore uses this machine's NuGet cache, mounted, as the image builds do.
set -euo pipefail
cd "$(dirname "$0")/.."

results="${1:-$(mktemp -d)}"
sdk=mcr.microsoft.com/dotnet/sdk:10.0
work=$(mktemp -d)
api_container=""
cleanup() {
  local status=$?
  [[ -n "$api_container" ]] && podman rm -f "$api_container" >/dev/null 2>&1 || true
  ((status == 0)) || echo "sdk-only: FAILED; kept $work" >&2
  ((status != 0)) || rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s)

eval "$(scripts/container-engine.sh start)"
scripts/container-images.sh >/dev/null
git clone -q --no-hardlinks . "$work/clone"
mkdir -p "$HOME/.nuget/packages" "$results"
run() {
  podman run --rm -v "$work/clone:/src" -v "$HOME/.nuget/packages:/root/.nuget/packages" -v "$results:/results" -w /src "$@"
}

# Restore needs the package registry; the tests then run with no network at all but the container's own loopback.
run --network host "$sdk" dotnet restore -v q >/dev/null
test_started=$(date +%s)
test_status=0
run --network none "$sdk" dotnet test --no-restore --logger "trx;LogFileName=/results/sdk-only.trx" >"$work/test.log" 2>&1 || test_status=1
counters=$(grep -o '<Counters [^>]*>' "$results/sdk-only.trx" 2>/dev/null || true)
count() { sed -E "s/.* $1=\"([0-9]+)\".*/\\1/" <<<"$counters"; }
if [[ -z "$counters" ]]; then
  tail -40 "$work/test.log"; echo "sdk-only: FAILED: dotnet test wrote no results"; exit 1
fi
echo "sdk-only: dotnet test: $(count passed) passed, $(count failed) failed, $(($(count total) - $(count executed))) skipped ($(($(date +%s) - test_started)) s)"
if ((test_status != 0)); then
  grep -E '^\s+Failed ' "$work/test.log" || tail -40 "$work/test.log"
  echo "sdk-only: FAILED: dotnet test"; exit 1
fi

# The Api on the host's network so that this script can reach it on loopback, where embedded mode listens.
run_started=$(date +%s)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api_container=$(run -d --network host -e "Urls=http://127.0.0.1:$port" "$sdk" dotnet run --project src/Api)
for _ in $(seq 180); do
  curl -fs "http://127.0.0.1:$port/alive" >/dev/null 2>&1 && break
  podman container exists "$api_container" || break
  sleep 1
done
if ! curl -fs "http://127.0.0.1:$port/alive" >/dev/null 2>&1; then
  podman logs --tail 40 "$api_container" 2>&1 || true
  echo "sdk-only: FAILED: dotnet run --project src/Api did not come up"; exit 1
fi
uid=$((RANDOM * 32768 + RANDOM))
curl -fs -X POST "http://127.0.0.1:$port/clicks" -H 'Content-Type: application/json' -d "{\"uid\": $uid, \"pid\": 7}" >/dev/null
curl -fs -X POST "http://127.0.0.1:$port/admin/drain" >/dev/null
rows=$(sqlite3 "$work/clone/src/Api/data/clicks.db" "SELECT count(*) FROM clicks WHERE uid = $uid")
if [[ "$rows" != 1 ]]; then
  podman logs --tail 40 "$api_container" 2>&1 || true
  echo "sdk-only: FAILED: the click posted to the embedded Api is in SQLite $rows times, not once"; exit 1
fi
echo "sdk-only: dotnet run --project src/Api: up, one click posted, drained, in src/Api/data/clicks.db once ($(($(date +%s) - run_started)) s)"
podman rm -f "$api_container" >/dev/null
api_container=""
echo "sdk-only: both README commands passed in $(($(date +%s) - started)) s"
