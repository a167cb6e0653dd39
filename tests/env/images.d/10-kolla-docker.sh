#!/usr/bin/env bash
# kolla-test/service:latest, the image the kolla_docker tests run services from:
# the labeled busybox image plus a stand-in /usr/local/bin/kolla_set_configs whose
# `--check` exits with the number in /etc/kolla-check-rc (0 when absent), so a test
# simulates a changed, broken or killed config check with one `docker exec`.
# Idempotent: the build recipe's hash is a label, and an image carrying the current
# hash is left alone (a second run costs one `docker image inspect`).
set -euo pipefail

IMAGE=kolla-test/service:latest

read -r -d '' CHECK_SCRIPT <<'SH' || true
#!/bin/sh
# Test stand-in for kolla's config copier: only --check is meaningful here.
if [ "${1:-}" = "--check" ]; then
    rc=$(cat /etc/kolla-check-rc 2>/dev/null || echo 0)
    echo "kolla_set_configs --check: exit $rc"
    exit "$rc"
fi
echo "kolla_set_configs: nothing to copy in tests"
SH

# A TERM-aware idle loop: busybox sleep as PID 1 ignores SIGTERM, which would make
# every stop wait for the whole graceful timeout.
read -r -d '' DOCKERFILE <<'DF' || true
FROM kolla-test/busybox:labeled
COPY kolla_set_configs /usr/local/bin/kolla_set_configs
RUN chmod 0755 /usr/local/bin/kolla_set_configs
CMD ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]
DF

base_id=$(docker image inspect -f '{{.Id}}' kolla-test/busybox:labeled)
recipe=$(printf '%s\n%s\n%s\n' "$CHECK_SCRIPT" "$DOCKERFILE" "$base_id" | sha256sum | cut -c1-16)

current=$(docker image inspect -f '{{index .Config.Labels "kolla-test.recipe"}}' "$IMAGE" 2>/dev/null || true)
if [ "$current" = "$recipe" ]; then
    exit 0
fi

echo "[env] building $IMAGE" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "$CHECK_SCRIPT" > "$tmp/kolla_set_configs"
printf '%s\nLABEL kolla-test.recipe="%s"\n' "$DOCKERFILE" "$recipe" > "$tmp/Dockerfile"
# The legacy builder's deprecation banner is noise; show stderr only on failure.
docker build -q -t "$IMAGE" "$tmp" >/dev/null 2>"$tmp/build.log" || { cat "$tmp/build.log" >&2; exit 1; }
