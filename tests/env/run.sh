#!/usr/bin/env bash
# `make test` (all) and `make integration`: runs the phases, times each, and
# prints the times at the end. `run.sh integration tests/test_x.py ...` runs
# only those files (still grouped). A failing phase does not stop the later ones
# (CI sees every failure in one run) unless they depend on it: no environment,
# no tests; no build, no integration tests.
#
# The pytest suites run as groups, two at a time (the machines have 2 cores):
# the deployment group alone on one side, since its files create the
# deployment's containers (haproxy, mariadb, ...) and bind its loopback ports;
# the other groups, which use unique names and free ports, one after the other
# on the other side. A new test file that deploys belongs to the deployment
# group: name it test_deploy*.py or test_roles*.py.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
MAKE=${MAKE:-make}
mode=${1:-all}
shift || true
cd "$ROOT" || exit 1

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/kolla-rust-test.XXXXXX")
TIMES=$LOGS/times
failed=0

now() { date +%s.%N; }
record() { # name start rc
    local secs
    secs=$(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    printf '%s %s %s\n' "$1" "$secs" "$3" >> "$TIMES"
    [ "$3" = 0 ] || failed=1
}
phase() { # name command...
    local name=$1 start rc
    shift
    echo "=== $name: $*" >&2
    start=$(now)
    "$@"
    rc=$?
    record "$name" "$start" "$rc"
    return "$rc"
}
report() {
    echo
    echo "=== phase times (s) ==="
    while read -r name secs rc; do
        printf '  %-22s %8s  %s\n' "$name" "$secs" "$([ "$rc" = 0 ] && echo ok || echo "FAILED (rc $rc)")"
    done < "$TIMES"
    rm -rf "$LOGS"
}
trap report EXIT

# The groups: deployment is everything named test_deploy*/test_roles*; the
# docker group the Docker API modules; files everything else (new files land
# there, so nothing is left out). Files given after the mode narrow the run.
if [ $# -gt 0 ]; then
    all_files=("${@#tests/}")
else
    mapfile -t all_files < <(cd tests && ls test_*.py)
fi
deployment=() docker=() files=()
for f in "${all_files[@]}"; do
    case $f in
        test_deploy*|test_roles*) deployment+=("tests/$f") ;;
        test_kolla_docker*|test_kolla_container_facts*|test_docker_*|test_reliability_docker*|test_isolation*)
            docker+=("tests/$f") ;;
        *) files+=("tests/$f") ;;
    esac
done

pytest_group() { # name files...
    local name=$1
    shift
    [ $# -gt 0 ] || return 0
    local start rc
    start=$(now)
    (. "$CACHE/env.sh" && "$CACHE/venv/bin/python" -m pytest -q -p no:cacheprovider "$@") \
        > "$LOGS/$name.log" 2>&1
    rc=$?
    record "pytest:$name" "$start" "$rc"
    echo "=== pytest:$name ($*)" >&2
    cat "$LOGS/$name.log" >&2
    return "$rc"
}

integration() {
    local start pids=()
    start=$(now)
    pytest_group deployment "${deployment[@]}" &
    pids+=($!)
    { pytest_group docker "${docker[@]}"; pytest_group files "${files[@]}"; } &
    pids+=($!)
    local rc=0 pid
    for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
    # The subshells recorded their own times; their failures count here.
    [ "$rc" = 0 ] || failed=1
    record "integration-wall" "$start" "$rc"
}

total_start=$(now)
if [ "$mode" = all ]; then
    phase env bash tests/env/up.sh || { record total "$total_start" 1; exit 1; }
fi
phase build "$MAKE" --no-print-directory build || { record total "$total_start" 1; exit 1; }
if [ "$mode" = all ]; then
    phase unit "$MAKE" --no-print-directory unit
    phase lint "$MAKE" --no-print-directory lint
    # ansible-test sanity on the assembled collection, where the Makefile has it.
    if grep -q '^sanity:' Makefile; then
        phase sanity "$MAKE" --no-print-directory sanity
    fi
fi
integration
record total "$total_start" "$failed"
exit "$failed"
