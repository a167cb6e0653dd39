# Shared by up.sh (the test environment) and host.sh (what `make deploy`
# needs): Debian packages, the Python venv, the Debian mirror taken from the
# machine's apt sources, and the cached debootstrapped Debian root.
# Sourced, not run; expects ROOT and CACHE to be set.

VENV=$CACHE/venv
DEBIAN_SUITE=bookworm

say() { echo "[env] $*" >&2; }
die() { echo "[env] error: $*" >&2; exit 1; }

# Debian packages the environment needs, installed only when missing; each
# argument names one more package, needed when its command is missing.
ensure_packages() {
    local need=() extra
    for extra in "$@"; do
        command -v "$extra" >/dev/null || need+=("$extra")
    done
    command -v dockerd >/dev/null || need+=(docker.io)
    command -v docker-registry >/dev/null || need+=(docker-registry)
    command -v htpasswd >/dev/null || need+=(apache2-utils)
    [ -x /bin/busybox ] || need+=(busybox-static)
    command -v debootstrap >/dev/null || need+=(debootstrap)
    command -v openssl >/dev/null || need+=(openssl)
    command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
    command -v file >/dev/null || need+=(file)
    command -v ip >/dev/null || need+=(iproute2)
    python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
    if [ ${#need[@]} -gt 0 ]; then
        say "installing Debian packages: ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

# The venv with ansible-core and the test tools. A changed requirements.txt is
# installed into the existing venv rather than replacing it: other shells may
# be running tests from it at that moment.
ensure_venv() {
    local req=$ROOT/tests/env/requirements.txt hash
    hash=$(sha256sum "$req" | cut -c1-16)
    [ "$(cat "$VENV/.req-hash" 2>/dev/null)" = "$hash" ] && return 0
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the Python venv in $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
    else
        say "updating the Python venv in $VENV (requirements.txt changed)"
    fi
    "$VENV/bin/pip" install -q -r "$req"
    echo "$hash" > "$VENV/.req-hash"
}

# The Debian mirror apt itself uses on this machine: the files apt reads
# (Dir::Etc::sourcelist and the *.list / *.sources files in
# Dir::Etc::sourceparts, in apt's order, both formats, disabled deb822 entries
# skipped); the first "deb" entry for the Debian suite with the main component
# is the mirror. (`apt-get indextargets` would parse them for us but lists only
# sources already fetched by `apt-get update`.)
APT_LIST=/etc/apt/sources.list
APT_PARTS=/etc/apt/sources.list.d
if command -v apt-config >/dev/null; then
    eval "$(apt-config shell APT_LIST Dir::Etc::sourcelist/f APT_PARTS Dir::Etc::sourceparts/d)"
fi

# "URI SUITE COMPONENT..." for every enabled "deb" entry apt reads, in its order.
apt_deb_entries() {
    python3 - "${APT_LIST:-/etc/apt/sources.list}" "${APT_PARTS:-/etc/apt/sources.list.d}" <<'PY'
import os, re, sys

listfile, partsdir = sys.argv[1:3]
entries = []  # (uri, suite, components) of "deb" entries, in apt's order

def one_line(text):
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        line = re.sub(r"\[[^]]*\]", " ", line)
        words = line.split()
        if len(words) >= 3 and words[0] == "deb":
            entries.append((words[1], words[2], words[3:]))

def deb822(text):
    for para in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in para.splitlines():
            if line.startswith("#"):
                continue
            if line[:1].isspace() and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no" or "deb" not in fields.get("types", "").split():
            continue
        for uri in fields.get("uris", "").split():
            for s in fields.get("suites", "").split():
                entries.append((uri, s, fields.get("components", "").split()))

if os.path.isfile(listfile):
    one_line(open(listfile, errors="replace").read())
if os.path.isdir(partsdir):
    for name in sorted(os.listdir(partsdir)):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+\.(list|sources)", name):
            continue
        text = open(os.path.join(partsdir, name), errors="replace").read()
        (one_line if name.endswith(".list") else deb822)(text)

for uri, suite, components in entries:
    print(uri.rstrip("/"), suite, *components)
PY
}

debian_mirror() {
    local entries uri
    entries=$(apt_deb_entries)
    uri=$(awk -v suite="$DEBIAN_SUITE" '$2 == suite { for (i = 3; i <= NF; i++) if ($i == "main") { print $1; exit } }' <<<"$entries")
    if [ -z "$uri" ]; then
        # Another Debian release's mirror serves this suite as well.
        uri=$(awk '$2 ~ /^(bullseye|bookworm|trixie|forky|duke|sid|oldstable|stable|testing|unstable)$/ { for (i = 3; i <= NF; i++) if ($i == "main") { print $1; exit } }' <<<"$entries")
    fi
    [ -n "$uri" ] || die "no Debian mirror is configured in this machine's apt sources ($APT_LIST, $APT_PARTS/*.list or *.sources): add one, e.g. a 'deb <your mirror>/debian $DEBIAN_SUITE main' line, then rerun"
    echo "$uri"
}

# Every repository URI apt on this machine is configured to use.
apt_mirrors() {
    apt_deb_entries | awk '{ print $1 }' | sort -u
}

# The debootstrapped minbase root as a tarball, built once per mirror and
# suite and shared by every engine that needs local/debian:bookworm.
debian_rootfs() {
    local mirror=$1 key tar tmp
    key=$(printf '%s %s minbase\n' "$mirror" "$DEBIAN_SUITE" | sha256sum | cut -c1-16)
    tar=$CACHE/rootfs/debian-$DEBIAN_SUITE-minbase-$key.tar
    if [ ! -s "$tar" ]; then
        say "debootstrapping Debian $DEBIAN_SUITE from $mirror (about a minute, once)"
        mkdir -p "$CACHE/rootfs"
        tmp=$(mktemp -d "$CACHE/rootfs/.debootstrap-XXXXXX")
        if ! debootstrap --variant=minbase "$DEBIAN_SUITE" "$tmp/root" "$mirror" >"$tmp/log" 2>&1; then
            tail -20 "$tmp/log" >&2
            rm -rf "$tmp"
            die "debootstrap from $mirror failed (log above)"
        fi
        tar -C "$tmp/root" -c . > "$tmp/root.tar"
        mv "$tmp/root.tar" "$tar"
        rm -rf "$tmp"
    fi
    echo "$tar"
}

# local/debian:bookworm in the engine `docker` talks to, imported from the
# cached tarball; the tarball's name is a label, so an engine that already has
# this root keeps its image.
import_debian_base() {
    local tar=$1 image=local/debian:$DEBIAN_SUITE want have
    want=$(basename "$tar" .tar)
    have=$(docker image inspect -f '{{index .Config.Labels "kolla-rust.rootfs"}}' "$image" 2>/dev/null || true)
    [ "$have" = "$want" ] && return 0
    say "importing $image from $tar"
    docker import -c "LABEL kolla-rust.rootfs=$want" - "$image" < "$tar" >/dev/null
}


