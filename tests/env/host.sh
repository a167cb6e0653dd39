#!/usr/bin/env bash
# What `make images` and `make deploy` need on this machine: Debian packages,
# the Python venv under $KOLLA_RUST_CACHE, the machine's own Docker engine
# (started when none answers on $DEPLOY_DOCKER_HOST) and the deployment's
# Kolla-contract images, built in that engine by images/build.sh:
#
#     tests/env/host.sh NAME...     (NAME: a directory of images/)
#
# With KOLLA_RUST_PUSH_REGISTRY=host:port each image is then tagged
# host:port/<namespace>/<name>:<tag> and pushed there, logged in with
# KOLLA_RUST_PUSH_USER / KOLLA_RUST_PUSH_PASSWORD when set (a private client
# configuration, so no credential is left behind); KOLLA_RUST_PUSH_NAMESPACE
# replaces images/VERSION's namespace in the pushed names.
# Nothing here touches the test environment (tests/env/up.sh), which has an
# engine of its own, unless DEPLOY_DOCKER_HOST names it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"
DEPLOY_DOCKER_HOST=${DEPLOY_DOCKER_HOST:-unix:///var/run/docker.sock}
[ $# -gt 0 ] || die "usage: tests/env/host.sh IMAGE... (directories of images/)"
mkdir -p "$CACHE"

ensure_packages
ensure_venv

# The machine's engine; env.sh's DOCKER_HOST (the test engine) must not leak in.
# The apt relay serves only the test engine's network namespace.
[ "$DEPLOY_DOCKER_HOST" = "${KOLLA_RUST_DOCKER_HOST:-}" ] || unset KOLLA_RUST_APT_PROXY
export DOCKER_HOST=$DEPLOY_DOCKER_HOST
if ! docker info >/dev/null 2>&1; then
    [ "$DEPLOY_DOCKER_HOST" = unix:///var/run/docker.sock ] \
        || die "no Docker engine answers on $DEPLOY_DOCKER_HOST"
    say "starting dockerd (the machine's engine, /var/run/docker.sock)"
    setsid dockerd >"$CACHE/dockerd.log" 2>&1 < /dev/null &
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -20 "$CACHE/dockerd.log" >&2; die "dockerd did not start (log: $CACHE/dockerd.log)"; }
fi

# build.sh prints NAME=<image> for each NAME (a failed build stops this script).
listing=$(bash "$ROOT/images/build.sh" "$@")
mapfile -t built <<<"$listing"

if [ -n "${KOLLA_RUST_PUSH_REGISTRY:-}" ]; then
    config=$(mktemp -d)
    trap 'rm -rf "$config"' EXIT
    if [ -n "${KOLLA_RUST_PUSH_USER:-}" ]; then
        printf '%s' "${KOLLA_RUST_PUSH_PASSWORD:-}" \
            | docker --config "$config" login -u "$KOLLA_RUST_PUSH_USER" --password-stdin "$KOLLA_RUST_PUSH_REGISTRY" >/dev/null \
            || die "docker login to $KOLLA_RUST_PUSH_REGISTRY as $KOLLA_RUST_PUSH_USER failed"
    fi
    for line in "${built[@]}"; do
        image=${line#*=}
        path=${image#*/}
        remote=$KOLLA_RUST_PUSH_REGISTRY/${KOLLA_RUST_PUSH_NAMESPACE:-${image%%/*}}/$path
        say "pushing $remote"
        docker tag "$image" "$remote"
        if ! docker --config "$config" push "$remote" >"$config/push.log" 2>&1; then
            tail -5 "$config/push.log" >&2
            docker rmi "$remote" >/dev/null 2>&1 || true
            die "pushing $remote failed"
        fi
        # The local name stays the one build.sh gives; the pushed one lives in the registry.
        docker rmi "$remote" >/dev/null
    done
fi
say "ready for the deployment (engine $DEPLOY_DOCKER_HOST): ${built[*]}"
