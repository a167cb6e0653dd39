#!/usr/bin/env bash
# Builds kolla-test/systemd-node:bookworm, the systemd test node (see Dockerfile
# beside this script), in the engine `docker` talks to (DOCKER_HOST: the test
# engine when up.sh runs this). The base is local/debian:bookworm, the cached
# debootstrapped root (tests/env/lib.sh), imported here when missing.
# The Debian mirror is whatever this machine's apt uses: its source lists (the
# files apt itself reads) and the keyrings they name are copied into the image.
# Idempotent: the recipe's hash (Dockerfile, files, staged sources, base image
# id) is a label, and an image carrying the current hash is left alone.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE=${KOLLA_TEST_NODE_IMAGE:-kolla-test/systemd-node:bookworm}
BASE=local/debian:bookworm

say() { echo "[env] $*" >&2; }

ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"
import_debian_base "$(debian_rootfs "$(debian_mirror)")"
if ! base_id=$(docker image inspect -f '{{.Id}}' "$BASE" 2>/dev/null); then
    echo "$BASE is missing from the engine after its import (tests/env/lib.sh import_debian_base)" >&2
    exit 1
fi

ctx=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$ctx" "$log"' EXIT
cp "$HERE/Dockerfile" "$ctx/Dockerfile"
cp -a "$HERE/rootfs" "$ctx/rootfs"

# podman-py for kolla-ansible 22.2's podman worker (Debian bookworm has no
# python3-podman), fetched on this machine (the node has no network) and cached;
# the wheel's own bytes join the recipe hash below.
WHEELS=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}/wheels
PIP=${KOLLA_RUST_VENV:-${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}/venv}/bin/pip
mkdir -p "$WHEELS" "$ctx/wheels"
for pin in $(cat "$HERE/wheels.txt"); do
    wheel="$WHEELS/${pin%%==*}-${pin##*==}-py3-none-any.whl"
    if [ ! -s "$wheel" ]; then
        say "downloading $pin"
        "$PIP" download -q --no-deps --only-binary=:all: "$pin" -d "$WHEELS"
    fi
    [ -s "$wheel" ] || { echo "pip did not leave $wheel" >&2; exit 1; }
    cp "$wheel" "$ctx/wheels/"
done

# The same files apt reads: Dir::Etc::sourcelist and the *.list / *.sources
# parts in Dir::Etc::sourceparts (other suffixes, e.g. disabled lists, are not read).
eval "$(apt-config shell SOURCELIST Dir::Etc::sourcelist/f SOURCEPARTS Dir::Etc::sourceparts/d)"
apt_dir=$ctx/apt/etc/apt
mkdir -p "$apt_dir/sources.list.d"
staged=0
if [ -s "${SOURCELIST:-}" ]; then
    cp "$SOURCELIST" "$apt_dir/sources.list.d/host.list"
    staged=1
fi
for part in "${SOURCEPARTS%/}"/*.list "${SOURCEPARTS%/}"/*.sources; do
    [ -f "$part" ] || continue
    cp "$part" "$apt_dir/sources.list.d/"
    staged=1
done
if [ "$staged" = 0 ]; then
    echo "no apt sources found on this machine (${SOURCELIST:-?}, ${SOURCEPARTS:-?})" >&2
    exit 1
fi
# Keyrings named by path (deb822 Signed-By: or one-line [signed-by=...]).
for keyring in $(grep -hoE '(Signed-By:[[:space:]]*|signed-by=)/[^] ,]+' "$apt_dir"/sources.list.d/* \
        | sed -E 's/^(Signed-By:[[:space:]]*|signed-by=)//' | sort -u); do
    if [ -f "$keyring" ]; then
        mkdir -p "$ctx/apt$(dirname "$keyring")"
        cp "$keyring" "$ctx/apt$keyring"
    fi
done

recipe=$( (echo "$base_id"; cd "$ctx" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)
current=$(docker image inspect -f '{{index .Config.Labels "kolla-test.recipe"}}' "$IMAGE" 2>/dev/null || true)
if [ "$current" = "$recipe" ]; then
    exit 0
fi

say "building $IMAGE (a few minutes)"
printf '\nLABEL kolla-test.recipe="%s"\n' "$recipe" >> "$ctx/Dockerfile"
# In the test engine's network namespace apt reaches the mirror only through
# up.sh's relay; proxy variables are predefined build arguments, outside the
# build cache key (and so outside the recipe hash).
proxy=()
if [ -n "${KOLLA_RUST_APT_PROXY:-}" ]; then
    proxy=(--build-arg "http_proxy=$KOLLA_RUST_APT_PROXY" --build-arg "https_proxy=$KOLLA_RUST_APT_PROXY")
fi
if ! docker build --network host "${proxy[@]}" -q -t "$IMAGE" "$ctx" >/dev/null 2>"$log"; then
    cat "$log" >&2
    exit 1
fi
