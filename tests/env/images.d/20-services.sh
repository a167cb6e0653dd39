#!/usr/bin/env bash
# Local Debian service images for the all-in-one deployment:
# local/kolla/{mariadb,memcached,rabbitmq,haproxy}:bookworm, each a Debian
# package plus our Kolla entrypoint (kolla_set_configs, kolla_start), built in
# the engine `docker` talks to: the test engine when up.sh runs this, the
# machine's own engine for `make deploy` (tests/env/host.sh).
# No registry is reachable, so the base is debootstrapped once from the Debian
# mirror in this machine's apt sources, cached as a tarball under
# $KOLLA_RUST_CACHE/rootfs and imported into each engine as local/debian:bookworm.
# Dockerfiles live in tests/env/images/<service>/.
# Idempotent: an image whose label carries the current recipe hash (Dockerfile,
# scripts, entrypoint binary, base image) is left alone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"
IMAGES=$ROOT/tests/env/images
BASE=local/debian:bookworm
SERVICES=(mariadb memcached rabbitmq haproxy)
TAG=bookworm
BIN=$ROOT/target/x86_64-unknown-linux-gnu/release/kolla_set_configs

rootfs=$(debian_rootfs "$(debian_mirror)")
import_debian_base "$rootfs"

# The entrypoint is our static Rust binary; build it when `make build` has not yet.
if [ ! -x "$BIN" ]; then
    say "building kolla_set_configs"
    (cd "$ROOT" && RUSTFLAGS="-C target-feature=+crt-static" \
        cargo build --quiet --release --target x86_64-unknown-linux-gnu -p kolla_set_configs)
fi

# In the test engine's namespace apt reaches the mirror only through up.sh's relay;
# proxy variables are predefined build arguments, outside the build cache key.
proxy=()
if [ -n "${KOLLA_RUST_APT_PROXY:-}" ]; then
    proxy=(--build-arg "http_proxy=$KOLLA_RUST_APT_PROXY" --build-arg "https_proxy=$KOLLA_RUST_APT_PROXY")
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
    if ! docker build --network host "${proxy[@]}" -q -t "$image" "$ctx" >/dev/null 2>"$ctx/build.log"; then
        cat "$ctx/build.log" >&2
        rm -rf "$ctx"
        exit 1
    fi
    rm -rf "$ctx"
done
