#!/usr/bin/env bash
# Builds images in Kolla's image contract from Debian's packages:
#
#     images/build.sh [--engine-env] NAME...
#
# NAME is a directory here (base, kolla-toolbox, ...); the images it stands on
# are built first. Each image is <namespace>/<NAME>:<tag> (images/VERSION),
# built in the engine `docker` talks to; --engine-env targets the tests'
# engine instead (it reads $KOLLA_RUST_CACHE/env.sh, written by tests/env/up.sh,
# and builds through its apt relay). An image whose kolla-rust.recipe label
# matches the hash of its inputs (its directory, the files build.sh adds, the
# parent image's id) is kept, so a rebuild after a change redoes only the
# changed layer and those above it. Prints NAME=<image> for each NAME.
set -euo pipefail

IMAGES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$IMAGES")
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}

# The image each image is built FROM, from its directory's one-line `parent`
# file: another directory here, or "root" for the imported Debian root. A new
# image is a directory with a Dockerfile and a parent, nothing to register.
declare -A PARENT=()
for dir in "$IMAGES"/*/; do
    name=$(basename "$dir")
    [ -f "$dir/Dockerfile" ] || continue
    [ -r "$dir/parent" ] || { echo "build.sh: images/$name has no parent file" >&2; exit 1; }
    PARENT[$name]=$(tr -d '[:space:]' < "$dir/parent")
done

usage() {
    echo "usage: images/build.sh [--engine-env] NAME... (NAME: ${!PARENT[*]})" >&2
    exit 2
}

names=()
for arg in "$@"; do
    case $arg in
        --engine-env)
            [ -r "$CACHE/env.sh" ] || { echo "build.sh: $CACHE/env.sh is missing: run tests/env/up.sh first" >&2; exit 1; }
            # shellcheck source=/dev/null
            . "$CACHE/env.sh" ;;
        -h|--help) usage ;;
        -*) echo "build.sh: unknown option $arg" >&2; usage ;;
        *) [ -n "${PARENT[$arg]+set}" ] || { echo "build.sh: no image '$arg' (known: ${!PARENT[*]})" >&2; exit 2; }
           names+=("$arg") ;;
    esac
done
[ ${#names[@]} -gt 0 ] || usage

version_of() {
    local value
    value=$(awk -F= -v key="$1" '$1 == key { print $2; exit }' "$IMAGES/VERSION")
    [ -n "$value" ] || { echo "build.sh: images/VERSION does not set $1" >&2; exit 1; }
    echo "$value"
}
namespace=$(version_of namespace)
tag=$(version_of tag)
kolla_version=$(version_of kolla_version)
debian_suite=$(version_of debian_suite)
# shellcheck source=images/lib.sh
. "$IMAGES/lib.sh"

# Built on its own, in a target directory of its own: in a workspace-wide build
# cargo unifies dependency features across crates, so the same source would
# give other bytes there, and every image would rebuild for nothing.
SET_CONFIGS_TARGET=$ROOT/target/images
SET_CONFIGS=$SET_CONFIGS_TARGET/x86_64-unknown-linux-gnu/release/kolla_set_configs

image_ref() { echo "$namespace/$1:$tag"; }

# Files an image's build context needs beyond its own directory.
add_context() {
    local name=$1 ctx=$2
    case $name in
        base)
            (cd "$ROOT" && RUSTFLAGS="-C target-feature=+crt-static" \
                cargo build --quiet --release --target x86_64-unknown-linux-gnu \
                    --target-dir "$SET_CONFIGS_TARGET" -p kolla_set_configs)
            install -m 0755 "$SET_CONFIGS" "$ctx/kolla_set_configs"
            debian_sources > "$ctx/debian.sources" ;;
        kolla-toolbox)
            # Hard links: the wheels are large and stay in the cache.
            cp -al "$(wheel_cache "$IMAGES/$name/requirements.txt")" "$ctx/wheels" ;;
    esac
}

# In the test engine's namespace apt reaches the mirror only through up.sh's
# relay; proxy variables are predefined build arguments, outside the cache key.
proxy=()
if [ -n "${KOLLA_RUST_APT_PROXY:-}" ]; then
    proxy=(--build-arg "http_proxy=$KOLLA_RUST_APT_PROXY" --build-arg "https_proxy=$KOLLA_RUST_APT_PROXY")
fi

build_one() {
    local name=$1 parent_ref ctx recipe current old_id ref
    ref=$(image_ref "$name")
    if [ "${PARENT[$name]}" = root ]; then
        parent_ref=$debian_ref
    else
        parent_ref=$(image_ref "${PARENT[$name]}")
    fi
    ctx=$(mktemp -d "$IMAGES_CACHE/.context-XXXXXX")
    cp -a "$IMAGES/$name/." "$ctx/"
    # The parent is in the recipe through its image id; the file is build.sh's.
    rm -f "$ctx/parent"
    add_context "$name" "$ctx"
    recipe=$( (docker image inspect -f '{{.Id}}' "$parent_ref"
               grep -E '^[a-z_]+=' "$IMAGES/VERSION"
               cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
    current=$(docker image inspect -f '{{index .Config.Labels "kolla-rust.recipe"}}' "$ref" 2>/dev/null || true)
    old_id=$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null || true)
    if [ "$current" != "$recipe" ]; then
        say "building $ref"
        local started=$SECONDS
        if ! docker build --network host "${proxy[@]}" --build-arg "PARENT=$parent_ref" --build-arg "DEBIAN=$debian_ref" \
                --label "kolla_version=$kolla_version" --label "name=$name" \
                --label "maintainer=kolla.rust images/build.sh" \
                --label "build-date=$(date -u +%Y%m%d)" --label "kolla-rust.recipe=$recipe" \
                -t "$ref" "$ctx" >"$ctx.log" 2>&1; then
            tail -40 "$ctx.log" >&2
            rm -rf "$ctx" "$ctx.log"
            die "building $ref failed (the end of docker build's output above)"
        fi
        rm -f "$ctx.log"
        # What the build cost, with the load it ran under: bench/ reports the last of each image.
        printf '%s %s %s %s\n' "$(date -u +%FT%TZ)" "$name" "$((SECONDS - started))" \
            "$(cut -d' ' -f1 /proc/loadavg)" >>"$IMAGES_CACHE/build-times.log"
        # The image this one replaces, now untagged, would only take space;
        # one still in use (a container, a child image) stays.
        if [ -n "$old_id" ] && [ -z "$(docker image inspect -f '{{join .RepoTags ""}}' "$old_id" 2>/dev/null)" ]; then
            docker image rm "$old_id" >/dev/null 2>&1 || true
        fi
    fi
    rm -rf "$ctx"
}

# Parents before children, each image once.
declare -A done_=()
build_chain() {
    local name=$1
    [ -n "${done_[$name]+set}" ] && return 0
    [ "${PARENT[$name]}" = root ] || build_chain "${PARENT[$name]}"
    locked "$name" build_one "$name"
    done_[$name]=1
}

# One build of an image at a time per cache (up.sh, a developer's run and
# tests may overlap): the second waits for the first, then finds its image
# current. Siblings (nova-api beside glance-api) build side by side.
mkdir -p "$IMAGES_CACHE"
locked() {
    local lock
    exec {lock}>"$IMAGES_CACHE/.build-$1.lock"
    flock "$lock"
    "${@:2}"
    exec {lock}>&-
}

debian_ref=$(locked root import_images_root)
for name in "${names[@]}"; do
    build_chain "$name"
    echo "$name=$(image_ref "$name")"
done
