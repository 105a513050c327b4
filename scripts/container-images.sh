#!/usr/bin/env bash
# Local STAND-INS for the upstream base images, for machines that reach no container registry (this project's CI
# machine reaches only the package registries). With a registry, skip this script: docker and podman pull the real
# mcr.microsoft.com/dotnet/sdk:10.0, mcr.microsoft.com/dotnet/aspnet:10.0, redis:7 and postgres:16.
#
#   scripts/container-images.sh        # builds what is missing; idempotent, cached in podman's storage
#
# What it builds, from Debian bookworm (debootstrap, the mirror apt is configured with) and this machine's .NET:
#   mcr.microsoft.com/dotnet/aspnet:10.0  stand-in: .NET and ASP.NET Core runtimes, user app (uid 1654),
#                                         ASPNETCORE_HTTP_PORTS=8080 — what the project's Dockerfiles rely on
#   mcr.microsoft.com/dotnet/sdk:10.0     stand-in: the whole SDK, NuGet.org as source
#   localhost/clickorleans/redis-standin:7.0          Debian's redis-server 7.0 (not the redis:7 image)
#   localhost/clickorleans/postgres-standin:15        Debian's PostgreSQL 15 (not postgres:16), with an entrypoint
#                                                     that honours POSTGRES_DB/USER/PASSWORD and the data volume
# The .NET stand-ins carry the upstream names so that the real Dockerfiles build unchanged; Redis and PostgreSQL
# do not: docker-compose.yml takes them through REDIS_IMAGE and POSTGRES_IMAGE (scripts/container-test.sh sets them).
# All of them trust this machine's extra CA certificates (/usr/local/share/ca-certificates), as NuGet needs here.
set -euo pipefail
cd "$(dirname "$0")/.."

base=localhost/clickorleans/standin-base:bookworm
aspnet=mcr.microsoft.com/dotnet/aspnet:10.0
sdk=mcr.microsoft.com/dotnet/sdk:10.0
redis=localhost/clickorleans/redis-standin:7.0
postgres=localhost/clickorleans/postgres-standin:15

scripts/container-engine.sh install
have() { podman image exists "$1"; }
say() { echo "container-images: $*" >&2; }

mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror="${mirror:-http://deb.debian.org/debian}"
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp /usr/local/share/ca-certificates/*.crt "$context/" 2>/dev/null || true

if ! have "$base"; then
  say "debootstrap bookworm from $mirror (a few minutes, once)"
  rootfs="$context/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import -q --change 'CMD ["bash"]' - "$base" >/dev/null
  rm -rf "$rootfs"
fi

# An image from a Containerfile on the base; the build sees this machine's .NET at /host-dotnet.
build() {
  local tag="$1" file="$context/$2.Containerfile"
  cat >"$file"
  say "building $tag (stand-in)"
  podman build --network host --volume /usr/share/dotnet:/host-dotnet:ro -f "$file" -t "$tag" "$context" >/dev/null
}

prelude="FROM $base
LABEL org.clickorleans.stand-in=\"built by scripts/container-images.sh: not the upstream image\"
COPY *.crt /usr/local/share/ca-certificates/
ENV DEBIAN_FRONTEND=noninteractive"

have "$aspnet" || build "$aspnet" aspnet <<EOF
$prelude
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates libicu72 libssl3 tzdata \
 && update-ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /usr/share/dotnet/shared && cp -a /host-dotnet/dotnet /host-dotnet/host /usr/share/dotnet/ \
 && cp -a /host-dotnet/shared/Microsoft.NETCore.App /host-dotnet/shared/Microsoft.AspNetCore.App /usr/share/dotnet/shared/ \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
RUN groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --create-home app
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true
EOF

have "$sdk" || build "$sdk" sdk <<EOF
$prelude
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates libicu72 libssl3 tzdata git \
 && update-ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*
RUN cp -a /host-dotnet /usr/share/dotnet && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
RUN groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --create-home app
ENV APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
EOF

# As the official image, protected mode is off (its build patches the default): compose's own redis-server commands
# must accept connections from the other containers, which the network, not Redis, keeps private.
cat >"$context/redis-server" <<'EOF'
#!/bin/sh
exec /usr/bin/redis-server "$@" --protected-mode no
EOF
chmod +x "$context/redis-server"
have "$redis" || build "$redis" redis <<EOF
$prelude
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data
COPY redis-server /usr/local/bin/redis-server
WORKDIR /data
EXPOSE 6379
CMD ["redis-server"]
EOF

cat >"$context/postgres-entrypoint.sh" <<'EOF'
#!/usr/bin/env bash
# As the official postgres image: a new data directory is initialised with POSTGRES_USER (superuser),
# POSTGRES_PASSWORD (scram) and POSTGRES_DB; an existing one (the volume) is used as it is.
set -euo pipefail
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
bin=/usr/lib/postgresql/15/bin
user="${POSTGRES_USER:-postgres}" db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
run() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  pwfile=$(mktemp) && printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile" && chown postgres "$pwfile"
  run "$bin/initdb" -D "$PGDATA" -U "$user" --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  run "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [[ "$db" != postgres ]]; then run "$bin/psql" -U "$user" -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null; fi
  run "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
EOF
chmod +x "$context/postgres-entrypoint.sh"
have "$postgres" || build "$postgres" postgres <<EOF
$prelude
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
EOF

echo "REDIS_IMAGE=$redis"
echo "POSTGRES_IMAGE=$postgres"
