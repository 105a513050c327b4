#!/usr/bin/env bash
# Lints the Api's OpenAPI document with Redocly's recommended rules (@redocly/cli from npm): 0 errors, or exit 1.
# Runs the built Api (dotnet build -c Release) in embedded mode on free ports in a scratch directory, reads
# /openapi/v1.json from it, and lints that.
#   scripts/openapi-lint.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
redocly_version=2.77.0
work="$(mktemp -d)"
port() { echo $(( (RANDOM % 10000) + 40000 )); }
http=$(port)
trap 'kill -- -"$(cat "$work/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$work" && exec setsid env -u ConnectionStrings__Redis -u ConnectionStrings__Postgres Urls="http://127.0.0.1:$http" \
  Clicks__Embedded__RedisPort="$(port)" Orleans__Endpoints__SiloPort="$(port)" Orleans__Endpoints__GatewayPort="$(port)" \
  dotnet "$root/src/Api/bin/Release/net10.0/ClickOrleans.Api.dll" > "$work/api.log" 2>&1) &
echo $! > "$work/pid"
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$http/openapi/v1.json" -o "$work/openapi.json" && break; sleep 0.5; done
[[ -s "$work/openapi.json" ]] || { cat "$work/api.log"; echo "openapi-lint: the Api served no /openapi/v1.json" >&2; exit 1; }
cd "$work"
npx --yes "@redocly/cli@$redocly_version" lint openapi.json --format=summary 2>&1 | grep -v '[║╔╚]' | grep -v '^\s*$'
