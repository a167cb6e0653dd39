#!/usr/bin/env bash
# Brings up everything the tests need, idempotently, on a fresh Debian machine:
# Debian packages, a Python venv with ansible-core, a Docker engine, an
# authenticated registry on 127.0.0.1, the reference kolla-ansible plugins and
# the small test images. A second run only checks and is quick.
# Prints nothing but progress on stderr; writes the settings tests read to
# $KOLLA_RUST_CACHE/env.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
VENV=$CACHE/venv
REF=$CACHE/ref
REGISTRY_DIR=$CACHE/registry
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=kolla
REGISTRY_PASS=kolla-test-registry-secret
mkdir -p "$CACHE" "$REF" "$REGISTRY_DIR"

say() { echo "[env] $*" >&2; }

# --- Debian packages -------------------------------------------------------
need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
command -v docker-registry >/dev/null || need_pkgs+=(docker-registry)
command -v htpasswd >/dev/null || need_pkgs+=(apache2-utils)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v file >/dev/null || need_pkgs+=(file)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    say "installing Debian packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# --- Python venv -----------------------------------------------------------
REQ_HASH=$(sha256sum "$ROOT/tests/env/requirements.txt" | cut -c1-16)
if [ "$(cat "$VENV/.req-hash" 2>/dev/null)" != "$REQ_HASH" ]; then
    say "creating the Python venv in $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r "$ROOT/tests/env/requirements.txt"
    echo "$REQ_HASH" > "$VENV/.req-hash"
fi

# --- Reference plugins (kolla-ansible from PyPI) ---------------------------
fetch_ref() {
    local version=$1 dir=$REF/kolla-ansible-$1
    [ -d "$dir/ansible" ] && return 0
    say "downloading kolla-ansible $version (reference plugins)"
    local tmp
    tmp=$(mktemp -d)
    "$VENV/bin/pip" download -q --no-deps "kolla-ansible==$version" -d "$tmp"
    (cd "$tmp" && python3 -m zipfile -e ./*.whl x)
    mkdir -p "$dir"
    cp -r "$tmp"/x/kolla_ansible-"$version".data/data/share/kolla-ansible/ansible "$dir/ansible"
    rm -rf "$tmp"
}
fetch_ref 15.6.0   # kolla_docker, kolla_container_facts (Zed, Docker API only)
fetch_ref 13.8.0   # bslurp (removed after Xena)
# 13.x modules start with "#!/usr/bin/env python", which Ansible cannot map to
# ansible_python_interpreter; a copy with a plain shebang runs unchanged otherwise.
if [ ! -f "$REF/kolla-ansible-13.8.0/library-py3/bslurp.py" ]; then
    mkdir -p "$REF/kolla-ansible-13.8.0/library-py3"
    sed '1s|^#!/usr/bin/env python$|#!/usr/bin/python3|' \
        "$REF/kolla-ansible-13.8.0/ansible/library/bslurp.py" > "$REF/kolla-ansible-13.8.0/library-py3/bslurp.py"
fi
fetch_ref 22.2.0   # merge_configs as users run it today

# --- Docker engine ---------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
    say "starting dockerd"
    setsid dockerd >"$CACHE/dockerd.log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || { tail -20 "$CACHE/dockerd.log" >&2; echo "dockerd did not start" >&2; exit 1; }
fi

# --- Authenticated registry on loopback ------------------------------------
if [ ! -s "$REGISTRY_DIR/htpasswd" ]; then
    htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASS" > "$REGISTRY_DIR/htpasswd"
fi
cat > "$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
auth:
  htpasswd:
    realm: kolla-rust-tests
    path: $REGISTRY_DIR/htpasswd
YAML
registry_up() { python3 - "$REGISTRY_ADDR" <<'PY'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://%s/v2/" % sys.argv[1], timeout=2)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
except Exception:
    sys.exit(1)
PY
}
if ! registry_up; then
    say "starting the registry on $REGISTRY_ADDR"
    setsid docker-registry serve "$REGISTRY_DIR/config.yml" >"$REGISTRY_DIR/registry.log" 2>&1 < /dev/null &
    for _ in $(seq 1 40); do registry_up && break; sleep 0.25; done
    registry_up || { tail -20 "$REGISTRY_DIR/registry.log" >&2; echo "registry did not start" >&2; exit 1; }
fi

# --- Test images -----------------------------------------------------------
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
if ! have_image kolla-test/busybox:unlabeled; then
    say "building kolla-test/busybox:unlabeled"
    tmp=$(mktemp -d)
    mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/etc" "$tmp/usr/local/bin" "$tmp/var/lib/kolla/config_files"
    cp /bin/busybox "$tmp/bin/busybox"
    for tool in $("$tmp/bin/busybox" --list); do
        [ "$tool" = busybox ] || ln -sf busybox "$tmp/bin/$tool"
    done
    echo "root:x:0:0:root:/root:/bin/sh" > "$tmp/etc/passwd"
    echo "root:x:0:" > "$tmp/etc/group"
    tar -C "$tmp" -c . | docker import -c 'ENV PATH=/usr/local/bin:/bin' - kolla-test/busybox:unlabeled >/dev/null
    rm -rf "$tmp"
fi
if ! have_image kolla-test/busybox:labeled; then
    say "building kolla-test/busybox:labeled"
    tmp=$(mktemp -d)
    printf 'FROM kolla-test/busybox:unlabeled\nLABEL kolla_version="test" build-date="2026-01-01" maintainer="kolla-rust tests"\n' > "$tmp/Dockerfile"
    docker build -q -t kolla-test/busybox:labeled "$tmp" >/dev/null
    rm -rf "$tmp"
fi
# Later issues' service images are built by their own scripts, called here when present.
for extra in "$ROOT"/tests/env/images.d/*.sh; do
    [ -e "$extra" ] && bash "$extra"
done

cat > "$CACHE/env.sh" <<SH
export KOLLA_RUST_CACHE=$CACHE
export KOLLA_RUST_VENV=$VENV
export KOLLA_RUST_REF=$REF
export KOLLA_RUST_REGISTRY=$REGISTRY_ADDR
export KOLLA_RUST_REGISTRY_USER=$REGISTRY_USER
export KOLLA_RUST_REGISTRY_PASS=$REGISTRY_PASS
SH
say "ready (settings in $CACHE/env.sh)"
