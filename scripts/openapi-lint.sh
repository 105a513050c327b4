#!/usr/bin/env bash
# Lints the Api's OpenAPI document, as the built Api serves it (scripts/openapi-document.sh), with Redocly's
# recommended rules (@redocly/cli from npm): 0 errors, or exit 1.
#   scripts/openapi-lint.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
redocly_version=2.77.0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/scripts/openapi-document.sh" "$work/openapi.json"
cd "$work"
npx --yes "@redocly/cli@$redocly_version" lint openapi.json --format=summary 2>&1 | grep -v '[║╔╚]' | grep -v '^\s*$'
