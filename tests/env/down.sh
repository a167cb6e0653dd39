#!/usr/bin/env bash
# Stops what tests/env/up.sh started: the test engine and the test podman
# (their containers with them), the registry and the apt relay, each by the
# pid file up.sh keeps, then removes the network namespace and env.sh. The caches (venv, engine data
# root with its images, registry data, Debian root) stay for the next up.sh.
# The machine's own engine is not touched.
set -uo pipefail

CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
NETNS=kolla-rust-test
RUN_DIR=/run/kolla-rust-test

say() { echo "[env] $*" >&2; }

stop_pidfile() { # name pidfile
    local pid
    pid=$(cat "$2" 2>/dev/null) || return 0
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        say "stopping $1 (pid $pid)"
        kill "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && { say "$1 still running after 30 s: killing it"; kill -9 "$pid"; }
    fi
    rm -f "$2"
}

rm -f "$CACHE/env.sh"
stop_pidfile "the test engine" "$RUN_DIR/docker.pid"
# podman's containers outlive its service (conmon holds them): stop them first.
if [ -S "$RUN_DIR/podman.sock" ] && command -v podman >/dev/null; then
    podman --remote --url "unix://$RUN_DIR/podman.sock" stop --all --time 10 >/dev/null 2>&1
fi
stop_pidfile "the test podman" "$RUN_DIR/podman.pid"
rm -f "$RUN_DIR/podman.sock"
stop_pidfile "the registry" "$RUN_DIR/registry.pid"
stop_pidfile "the apt relay" "$RUN_DIR/relay.pid"
if [ -e "/run/netns/$NETNS" ]; then
    say "removing network namespace $NETNS"
    ip netns delete "$NETNS"
fi
say "stopped (caches kept under $CACHE)"
