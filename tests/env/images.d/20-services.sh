#!/usr/bin/env bash
# Local Debian service images for the all-in-one deployment test:
# local/kolla/{mariadb,memcached,rabbitmq,haproxy}:bookworm, each a Debian
# package plus our Kolla entrypoint (kolla_set_configs, kolla_start).
# No registry is reachable, so the base is debootstrapped once and cached as
# local/debian:bookworm. Dockerfiles live in tests/env/images/<service>/.
# Idempotent: an image whose label carries the current recipe hash (Dockerfile,
# scripts, entrypoint binary) is left alone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
IMAGES=$ROOT/tests/env/images
BASE=local/debian:bookworm
SERVICES=(mariadb memcached rabbitmq haproxy)
TAG=bookworm
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/kolla_set_configs

say() { echo "[env] $*" >&2; }

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    say "debootstrapping $BASE (about a minute)"
    root=$(mktemp -d)
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
    tar -C "$root" -c . | docker import - "$BASE" >/dev/null
    rm -rf "$root"
fi

# The entrypoint is our static Rust binary; build it when `make build` has not yet.
if [ ! -x "$BIN" ]; then
    say "building kolla_set_configs"
    (cd "$ROOT" && RUSTFLAGS="-C target-feature=+crt-static" \
        cargo build --quiet --release --target x86_64-unknown-linux-gnu -p kolla_set_configs)
fi

base_id=$(docker image inspect -f '{{.Id}}' "$BASE")
for svc in "${SERVICES[@]}"; do
    image=local/kolla/$svc:$TAG
    dir=$IMAGES/$svc
    recipe=$( (echo "$base_id"; cat "$dir"/* "$IMAGES"/common/* "$BIN") | sha256sum | cut -c1-16)
    current=$(docker image inspect -f '{{index .Config.Labels "kolla-test.recipe"}}' "$image" 2>/dev/null || true)
    [ "$current" = "$recipe" ] && continue
    say "building $image"
    ctx=$(mktemp -d)
    cp -a "$dir"/. "$ctx"/
    cp -a "$IMAGES"/common/. "$ctx"/
    install -m 0755 "$BIN" "$ctx/kolla_set_configs"
    chmod 0755 "$ctx/kolla_start"
    printf '\nLABEL kolla-test.recipe="%s"\n' "$recipe" >> "$ctx/Dockerfile"
    if ! docker build --network host -q -t "$image" "$ctx" >/dev/null 2>"$ctx/build.log"; then
        cat "$ctx/build.log" >&2
        rm -rf "$ctx"
        exit 1
    fi
    rm -rf "$ctx"
done
