#!/usr/bin/env bash
# Structural checks of the Dockerfiles, where no Docker engine can build them: multi-stage, restore layer before
# the sources, every COPY source present in the repository, a non-root user, an entry point.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
fail() { echo "$1: $2" >&2; status=1; }
for dockerfile in src/*/Dockerfile; do
  [[ $(grep -c '^FROM ' "$dockerfile") -ge 2 ]] || fail "$dockerfile" "not multi-stage"
  restore=$(grep -m1 -n 'dotnet restore' "$dockerfile" | cut -d: -f1)
  sources=$(grep -m1 -n '^COPY src/ ' "$dockerfile" | cut -d: -f1)
  [[ -n "$restore" && -n "$sources" && "$restore" -lt "$sources" ]] || fail "$dockerfile" "restore must come before copying the sources"
  grep -q '^USER ' "$dockerfile" || fail "$dockerfile" "no USER: the runtime image would run as root"
  grep -q '^ENTRYPOINT ' "$dockerfile" || fail "$dockerfile" "no ENTRYPOINT"
  while read -r source; do
    [[ -e "$source" ]] || fail "$dockerfile" "COPY source $source does not exist"
  done < <(grep '^COPY ' "$dockerfile" | grep -v -- '--from=' | awk '{for (i = 2; i < NF; i++) print $i}')
done
((status == 0)) && echo "Dockerfiles pass the structural lint"
exit $status
