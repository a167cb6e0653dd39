#!/usr/bin/env bash
# What `make deploy` needs on this machine: Debian packages, the Python venv
# under $KOLLA_RUST_CACHE, the machine's own Docker engine (started when none
# answers on $DEPLOY_DOCKER_HOST) and the local service images, built in that
# engine from the cached Debian root (tests/env/images.d/20-services.sh).
# Nothing here touches the test environment (tests/env/up.sh), which has an
# engine of its own.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"
DEPLOY_DOCKER_HOST=${DEPLOY_DOCKER_HOST:-unix:///var/run/docker.sock}
mkdir -p "$CACHE"

ensure_packages
ensure_venv

# The machine's engine; env.sh's DOCKER_HOST (the test engine) must not leak in.
export DOCKER_HOST=$DEPLOY_DOCKER_HOST
unset KOLLA_RUST_APT_PROXY
if ! docker info >/dev/null 2>&1; then
    [ "$DEPLOY_DOCKER_HOST" = unix:///var/run/docker.sock ] \
        || die "no Docker engine answers on $DEPLOY_DOCKER_HOST"
    say "starting dockerd (the machine's engine, /var/run/docker.sock)"
    setsid dockerd >"$CACHE/dockerd.log" 2>&1 < /dev/null &
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -20 "$CACHE/dockerd.log" >&2; die "dockerd did not start (log: $CACHE/dockerd.log)"; }
fi

bash "$ROOT/tests/env/images.d/20-services.sh"
say "ready for the deployment (engine $DEPLOY_DOCKER_HOST)"
