#!/usr/bin/env bash
# Writes docs/openapi.json (the document the built Api serves, its server the embedded default 127.0.0.1:5080) and
# generates the C# client the tests call from it with Kiota (the local tool in .config/dotnet-tools.json) into
# tests/ClickOrleans.Tests/Generated/OpenApi. Run it after a change to an endpoint, then build and test:
# GeneratedClientTests fail while docs/openapi.json differs from what the Api serves.
#   dotnet build ClickOrleans.sln -c Release && scripts/openapi-client.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/openapi-document.sh docs/openapi.json
sed -i -E 's#"url": "http://127\.0\.0\.1:[0-9]+"#"url": "http://127.0.0.1:5080"#' docs/openapi.json
dotnet tool restore > /dev/null
output=tests/ClickOrleans.Tests/Generated/OpenApi
dotnet kiota generate --language CSharp --openapi docs/openapi.json --output "$output" --class-name ClickOrleansApiClient \
  --namespace-name ClickOrleans.Tests.Generated --exclude-backward-compatible --clean-output --log-level Error
rm -f "$output/.kiota.log"
echo "openapi-client: wrote docs/openapi.json and $output ($(find "$output" -name '*.cs' | wc -l) files)"
