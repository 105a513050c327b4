#!/usr/bin/env bash
# Writes the OpenAPI document the built Api (dotnet build -c Release) serves to the file given: the Api runs in
# embedded mode, with its defaults, on free ports in a scratch directory, and /openapi/v1.json is read from it.
#   scripts/openapi-document.sh <file>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:?usage: scripts/openapi-document.sh <file>}")"
work="$(mktemp -d)"
port() { echo $(( (RANDOM % 10000) + 40000 )); }
http=$(port)
trap 'kill -- -"$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$work" && exec setsid env -u ConnectionStrings__Redis -u ConnectionStrings__Postgres Urls="http://127.0.0.1:$http" \
  Clicks__Embedded__RedisPort="$(port)" Orleans__Endpoints__SiloPort="$(port)" Orleans__Endpoints__GatewayPort="$(port)" \
  dotnet "$root/src/Api/bin/Release/net10.0/ClickOrleans.Api.dll" > "$work/api.log" 2>&1) &
echo $! > "$work/pid"
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$http/openapi/v1.json" -o "$work/openapi.json" && break; sleep 0.5; done
[[ -s "$work/openapi.json" ]] || { cat "$work/api.log"; echo "openapi-document: the Api served no /openapi/v1.json" >&2; exit 1; }
mv "$work/openapi.json" "$out"
