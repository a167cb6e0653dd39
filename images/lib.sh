# Helpers for images/build.sh: the Debian root the images start from, the apt
# sources baked into the base, and the wheel cache of kolla-toolbox's venv.
# shellcheck shell=bash
# Sourced, not run; expects ROOT, CACHE and debian_suite (images/VERSION) to be set.
: "${ROOT:?}" "${CACHE:?}" "${debian_suite:?}"

# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"

IMAGES_CACHE=$CACHE/images

# "local/debian:<suite>" in the engine `docker` talks to: tests/env/lib.sh's
# debootstrap and import, pointed at our suite and at our cache directory.
import_images_root() {
    local mirror tar
    mirror=$(DEBIAN_SUITE=$debian_suite debian_mirror)
    tar=$(DEBIAN_SUITE=$debian_suite CACHE=$IMAGES_CACHE debian_rootfs "$mirror")
    DEBIAN_SUITE=$debian_suite import_debian_base "$tar"
    echo "local/debian:$debian_suite"
}

# The deb822 sources of the base image: this machine's Debian mirror for the
# release and its updates, and its security mirror when apt here has one.
debian_sources() {
    local mirror security
    mirror=$(DEBIAN_SUITE=$debian_suite debian_mirror)
    security=$(apt_mirrors | grep -m1 -- '-security$' || true)
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" "$debian_suite" "$debian_suite"
    if [ -n "$security" ]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$security" "$debian_suite"
    fi
}

# The Python of the Debian release, which the wheels must fit.
debian_python() {
    case $debian_suite in
        trixie) echo 3.13 ;;
        bookworm) echo 3.11 ;;
        *) die "no Python version known for Debian $debian_suite (images/lib.sh: debian_python)" ;;
    esac
}

# A directory of wheels for REQUIREMENTS and all their dependencies, for the
# image's Python on x86_64. Image builds cannot reach PyPI (the test engine's
# namespace has loopback only), this machine can: pip downloads here once per
# requirements file and Python version, the build installs with --no-index.
wheel_cache() {
    local req=$1 py key dir tmp pip
    py=$(debian_python)
    key=$( (cat "$req"; echo "python $py") | sha256sum | cut -c1-16)
    dir=$IMAGES_CACHE/wheels/$key
    if [ ! -e "$dir/.complete" ]; then
        if [ -x "$CACHE/venv/bin/pip" ]; then
            pip=("$CACHE/venv/bin/pip")
        elif python3 -m pip --version >/dev/null 2>&1; then
            pip=(python3 -m pip)
        else
            die "pip is needed to fetch the wheels of $req: run tests/env/up.sh (it creates $CACHE/venv) or install python3-pip"
        fi
        say "downloading the wheels of $req for Python $py into $dir"
        mkdir -p "$IMAGES_CACHE/wheels"
        tmp=$(mktemp -d "$IMAGES_CACHE/wheels/.download-XXXXXX")
        if ! "${pip[@]}" download --quiet --dest "$tmp" --only-binary=:all: \
                --python-version "$py" --implementation cp --abi "cp${py/./}" --abi abi3 --abi none \
                --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
                --platform manylinux2014_x86_64 --platform any \
                -r "$req" >"$tmp.log" 2>&1; then
            cat "$tmp.log" >&2
            rm -rf "$tmp" "$tmp.log"
            die "downloading the wheels of $req failed (pip's output above)"
        fi
        rm -f "$tmp.log"
        touch "$tmp/.complete"
        rm -rf "$dir"
        mv "$tmp" "$dir"
    fi
    echo "$dir"
}
