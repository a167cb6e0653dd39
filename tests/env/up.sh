#!/usr/bin/env bash
# Brings up everything the tests need, idempotently, on a fresh Debian machine:
# Debian packages, a Python venv with ansible-core, the reference kolla-ansible
# plugins, and the tests' OWN Docker engine and podman service with an
# authenticated registry and the test images.
#
# The test engine never is the machine's engine (the one `make deploy` uses at
# /var/run/docker.sock): it has its own socket, data root, exec root, pid file,
# config file and bridge (kr-test0), and runs inside the network namespace
# kolla-rust-test, so its bridge and the host-network containers of the deployment tests (which
# bind the same loopback ports as a real all-in-one deployment) live there.
# The registry (127.0.0.1:5000) and the apt relay image builds use (see
# mirror_relay.py) listen on that namespace's loopback only. The tests enter
# the namespace themselves (tests/conftest.py).
#
# Everything is left running and cached (engine, images, registry, venv) so a
# second run only checks and takes seconds, and several shells can run tests
# at once; tests/env/down.sh stops the processes and keeps the caches.
# Progress goes to stderr; the settings tests read are written atomically to
# $KOLLA_RUST_CACHE/env.sh once everything answers.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"
REF=$CACHE/ref
NETNS=kolla-rust-test
RUN_DIR=/run/kolla-rust-test
ENGINE_DIR=$CACHE/test-engine
SOCK=$RUN_DIR/docker.sock
TEST_DOCKER_HOST=unix://$SOCK
REGISTRY_DIR=$CACHE/test-registry
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=kolla
REGISTRY_PASS=kolla-test-registry-secret
RELAY_PORT=3142
mkdir -p "$CACHE" "$REF" "$REGISTRY_DIR" "$ENGINE_DIR" "$RUN_DIR"

# One set-up at a time: a second caller waits, then finds everything up.
exec 9>"$CACHE/.up.lock"
flock 9

# nsenter, not `ip netns exec`: the latter remounts /sys, hiding the cgroup v1
# hierarchies dockerd needs.
NSENTER=(nsenter "--net=/run/netns/$NETNS")
in_ns() { "${NSENTER[@]}" "$@"; }
# Long-lived processes are started as plain commands (so $! is their pid: nsenter
# and setsid exec) without the lock's descriptor (or they would hold it forever).

# podman and runc: the test podman (below); shellcheck: tests/test_images.py
# lints the image scripts. `make deploy` needs none of them.
ensure_packages podman runc shellcheck
ensure_venv

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
fetch_ref 22.2.0   # kolla_container, kolla_toolbox, merge_configs, merge_yaml as users run them today
# Kolla's own set_configs.py (the image project, kolla 22.2.0 = 2026.1): the
# reference tests/test_kolla_set_configs.py runs beside our kolla_set_configs.
if [ ! -f "$REF/kolla-22.2.0/docker/base/set_configs.py" ]; then
    say "downloading kolla 22.2.0 (reference set_configs.py)"
    tmp=$(mktemp -d)
    "$VENV/bin/pip" download -q --no-deps "kolla==22.2.0" -d "$tmp"
    (cd "$tmp" && python3 -m zipfile -e ./kolla-22.2.0-py3-none-any.whl x)
    mkdir -p "$REF/kolla-22.2.0/docker/base"
    cp "$tmp/x/kolla-22.2.0.data/data/share/kolla/docker/base/set_configs.py" "$REF/kolla-22.2.0/docker/base/"
    rm -rf "$tmp"
fi

# --- The network namespace -------------------------------------------------
[ -e "/run/netns/$NETNS" ] || { say "creating network namespace $NETNS"; ip netns add "$NETNS"; }
ip -n "$NETNS" link set lo up
ns_inode=$(stat -L -c %i "/run/netns/$NETNS")

# --- The test engine -------------------------------------------------------
# Its bridge has a name of its own: a dockerd started with --bridge=none (as
# test_docker_tls.py's is, in this namespace) deletes any interface named docker0.
BRIDGE=kr-test0
BRIDGE_ADDR=172.30.0.1/16
if ! ip -n "$NETNS" link show "$BRIDGE" >/dev/null 2>&1; then
    ip -n "$NETNS" link add "$BRIDGE" type bridge
    ip -n "$NETNS" addr add "$BRIDGE_ADDR" dev "$BRIDGE"
fi
ip -n "$NETNS" link set "$BRIDGE" up
# Our own config file and identity key: the machine's /etc/docker/daemon.json
# and /etc/docker/key.json belong to its own engine.
engine_config=$(printf '{"deprecated-key-path": "%s", "bridge": "%s"}' "$ENGINE_DIR/key.json" "$BRIDGE")
engine_up() { DOCKER_HOST=$TEST_DOCKER_HOST docker info >/dev/null 2>&1; }
# An engine started with another configuration (an older up.sh) is restarted.
if engine_up && [ "$(cat "$ENGINE_DIR/daemon.json" 2>/dev/null)" != "$engine_config" ]; then
    old_pid=$(cat "$RUN_DIR/docker.pid")
    say "restarting the test engine (pid $old_pid): its configuration changed"
    kill "$old_pid"
    for _ in $(seq 1 120); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.5; done
fi
if ! engine_up; then
    say "starting the test engine (dockerd in $NETNS, $SOCK)"
    echo "$engine_config" > "$ENGINE_DIR/daemon.json"
    "${NSENTER[@]}" setsid dockerd --config-file "$ENGINE_DIR/daemon.json" \
        --host "$TEST_DOCKER_HOST" --data-root "$ENGINE_DIR/data" --exec-root "$RUN_DIR/exec" \
        --pidfile "$RUN_DIR/docker.pid" >"$ENGINE_DIR/dockerd.log" 2>&1 < /dev/null 9>&- &
    for _ in $(seq 1 120); do engine_up && break; sleep 0.5; done
    engine_up || { tail -20 "$ENGINE_DIR/dockerd.log" >&2; die "the test engine did not start (log: $ENGINE_DIR/dockerd.log)"; }
fi
# Whatever answers on the socket must be the engine in our namespace.
engine_pid=$(cat "$RUN_DIR/docker.pid")
[ "$(stat -L -c %i "/proc/$engine_pid/ns/net")" = "$ns_inode" ] \
    || die "the engine on $SOCK (pid $engine_pid) is not in network namespace $NETNS: stop it (tests/env/down.sh) and rerun"
export DOCKER_HOST=$TEST_DOCKER_HOST

# --- The test podman ---------------------------------------------------------
# `podman system service` as root in the same namespace, for the tests that
# drive container_engine=podman. Everything it keeps is its own: configuration
# files this script writes (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF,
# CONTAINERS_REGISTRIES_CONF, so /etc/containers and the machine's podman
# storage are never read or written), storage and volumes under
# $PODMAN_DIR, run state under $RUN_DIR/podman, its own network config dir.
PODMAN_DIR=$CACHE/test-podman
PODMAN_RUN=$RUN_DIR/podman
PODMAN_SOCK=$RUN_DIR/podman.sock
TEST_PODMAN_HOST=unix://$PODMAN_SOCK
mkdir -p "$PODMAN_DIR/networks" "$PODMAN_RUN"
# podman raises RLIMIT_NOFILE and sets net.ipv4.ping_group_range for every
# container by default; neither is allowed on these machines (see
# tests/env/nodes/rootfs/etc/containers/containers.conf). No systemd runs
# here, so cgroups are managed directly and events go to a file. These
# machines mount cgroups in hybrid mode, and which controllers are left on the
# v2 hierarchy varies from machine to machine (hugetlb, say); crun refuses every
# container then ("cgroups in hybrid mode not supported"), runc (the runtime
# dockerd uses here, a dependency of docker.io) runs them.
podman_conf=$(cat <<CONF
[containers]
default_ulimits = []
default_sysctls = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_RUN/events.log"
tmp_dir = "$PODMAN_RUN/tmp"
[network]
network_config_dir = "$PODMAN_DIR/networks"
CONF
)
podman_storage=$(cat <<CONF
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/storage"
runroot = "$PODMAN_RUN/storage"
CONF
)
# The namespace's registry speaks plain HTTP; short names resolve locally only.
podman_registries=$(cat <<CONF
unqualified-search-registries = []
[[registry]]
location = "$REGISTRY_ADDR"
insecure = true
CONF
)
export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf
export CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf
podman_cli() { podman --remote --url "$TEST_PODMAN_HOST" "$@"; }
podman_up() { [ -S "$PODMAN_SOCK" ] && podman_cli version >/dev/null 2>&1; }
podman_config_same() {
    [ "$(cat "$CONTAINERS_CONF" 2>/dev/null)" = "$podman_conf" ] &&
        [ "$(cat "$CONTAINERS_STORAGE_CONF" 2>/dev/null)" = "$podman_storage" ] &&
        [ "$(cat "$CONTAINERS_REGISTRIES_CONF" 2>/dev/null)" = "$podman_registries" ]
}
if podman_up && ! podman_config_same; then
    old_pid=$(cat "$RUN_DIR/podman.pid")
    say "restarting the test podman (pid $old_pid): its configuration changed"
    kill "$old_pid"
    for _ in $(seq 1 60); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.5; done
fi
if ! podman_up; then
    say "starting the test podman (podman system service in $NETNS, $PODMAN_SOCK)"
    printf '%s\n' "$podman_conf" > "$CONTAINERS_CONF"
    printf '%s\n' "$podman_storage" > "$CONTAINERS_STORAGE_CONF"
    printf '%s\n' "$podman_registries" > "$CONTAINERS_REGISTRIES_CONF"
    rm -f "$PODMAN_SOCK"
    "${NSENTER[@]}" setsid podman system service --time=0 "$TEST_PODMAN_HOST" \
        >"$PODMAN_DIR/podman.log" 2>&1 < /dev/null 9>&- &
    echo $! > "$RUN_DIR/podman.pid"
    for _ in $(seq 1 60); do podman_up && break; sleep 0.5; done
    podman_up || { tail -20 "$PODMAN_DIR/podman.log" >&2; die "the test podman did not start (log: $PODMAN_DIR/podman.log)"; }
fi
podman_pid=$(cat "$RUN_DIR/podman.pid")
[ "$(stat -L -c %i "/proc/$podman_pid/ns/net" 2>/dev/null)" = "$ns_inode" ] \
    || die "the podman on $PODMAN_SOCK (pid $podman_pid) is not in network namespace $NETNS: stop it (tests/env/down.sh) and rerun"

# --- Authenticated registry on the namespace's loopback --------------------
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
registry_up() { in_ns python3 - "$REGISTRY_ADDR" <<'PY'
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
    say "starting the registry on $REGISTRY_ADDR in $NETNS"
    "${NSENTER[@]}" setsid docker-registry serve "$REGISTRY_DIR/config.yml" \
        >"$REGISTRY_DIR/registry.log" 2>&1 < /dev/null 9>&- &
    echo $! > "$RUN_DIR/registry.pid"
    for _ in $(seq 1 40); do registry_up && break; sleep 0.25; done
    registry_up || { tail -20 "$REGISTRY_DIR/registry.log" >&2; die "the registry did not start"; }
fi

# --- The apt relay image builds in the namespace use -----------------------
relay_up() { in_ns python3 -c "import socket; socket.create_connection(('127.0.0.1', $RELAY_PORT), timeout=2)" 2>/dev/null; }
if ! relay_up; then
    mapfile -t mirrors < <(apt_mirrors)
    [ ${#mirrors[@]} -gt 0 ] || debian_mirror >/dev/null   # dies with the message saying what to configure
    say "starting the apt relay on 127.0.0.1:$RELAY_PORT in $NETNS"
    setsid python3 "$ROOT/tests/env/mirror_relay.py" "$NETNS" "$RELAY_PORT" "${mirrors[@]}" \
        >"$RUN_DIR/relay.log" 2>&1 < /dev/null 9>&- &
    echo $! > "$RUN_DIR/relay.pid"
    for _ in $(seq 1 40); do relay_up && break; sleep 0.25; done
    relay_up || { cat "$RUN_DIR/relay.log" >&2; die "the apt relay did not start"; }
fi
# Docker's predefined proxy build arguments: seen by RUN steps, not part of the build cache key.
export KOLLA_RUST_APT_PROXY=http://127.0.0.1:$RELAY_PORT

# --- Test images (in the test engine) --------------------------------------
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
# Later issues' images are built by their own scripts, called here when present.
for extra in "$ROOT"/tests/env/images.d/*.sh; do
    [ -e "$extra" ] && bash "$extra"
done
# The test images, copied into the test podman when it lacks them or has
# another build (podman keeps Docker's image ids, so equal ids mean equal images).
# The systemd node's image is not a container-module test image: docker only.
mapfile -t podman_missing < <(comm -23 \
    <(docker images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' \
        | awk '$1 ~ /^kolla-test\// && $1 !~ /^kolla-test\/systemd-node:/ { sub(/^sha256:/, "", $2); print "localhost/" $1, $2 }' | sort) \
    <(podman_cli images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' \
        | awk '{ sub(/^sha256:/, "", $2); print $1, $2 }' | sort) \
    | awk '{ sub(/^localhost\//, "", $1); print $1 }')
if [ ${#podman_missing[@]} -gt 0 ]; then
    say "copying ${podman_missing[*]} into the test podman"
    docker save "${podman_missing[@]}" | podman_cli load -q >/dev/null
fi
# The systemd node (systemd as PID 1 with its own dockerd and podman): where
# systemd-mode container tests run. Cached by its recipe hash.
bash "$ROOT/tests/env/nodes/build.sh"

# Ansible collections the controller side needs beside ansible-core
# (community.docker's docker connection reaches the systemd node). PyPI's
# `ansible` bundle is the only source of collections here (Galaxy is not
# reachable); --no-deps keeps the venv's pinned ansible-core the one that runs.
COLLECTIONS_PIN=ansible==12.3.0
if [ "$(cat "$CACHE/collections/.pin" 2>/dev/null)" != "$COLLECTIONS_PIN" ]; then
    say "installing Ansible collections ($COLLECTIONS_PIN) into $CACHE/collections"
    rm -rf "$CACHE/collections"
    "$VENV/bin/pip" install -q --no-deps --target "$CACHE/collections" "$COLLECTIONS_PIN"
    echo "$COLLECTIONS_PIN" > "$CACHE/collections/.pin"
fi

# kolla-ansible 22.2.0 itself, in a venv of its own, for the overlay tests
# (tests/test_kolla_ansible_overlay.py: its genconfig and prechecks run our modules).
bash "$ROOT/tests/env/kolla_ansible.sh"

tmp_env=$(mktemp "$CACHE/.env.sh.XXXXXX")
cat > "$tmp_env" <<SH
# Written by tests/env/up.sh: what the tests need. DOCKER_HOST is the TEST
# engine (in network namespace $NETNS), not this machine's engine.
export KOLLA_RUST_CACHE=$CACHE
export KOLLA_RUST_VENV=$VENV
export KOLLA_RUST_REF=$REF
export KOLLA_RUST_NETNS=$NETNS
export KOLLA_RUST_DOCKER_HOST=$TEST_DOCKER_HOST
export KOLLA_RUST_PODMAN_HOST=$TEST_PODMAN_HOST
export DOCKER_HOST=$TEST_DOCKER_HOST
export KOLLA_RUST_APT_PROXY=$KOLLA_RUST_APT_PROXY
export KOLLA_RUST_REGISTRY=$REGISTRY_ADDR
export KOLLA_RUST_REGISTRY_USER=$REGISTRY_USER
export KOLLA_RUST_REGISTRY_PASS=$REGISTRY_PASS
SH
chmod 0644 "$tmp_env"
mv "$tmp_env" "$CACHE/env.sh"
say "ready (settings in $CACHE/env.sh; test engine $TEST_DOCKER_HOST and podman $TEST_PODMAN_HOST in network namespace $NETNS)"
