#!/usr/bin/env bash
# `make test` (all), `make test-full` (full: all, then the test_full_*.py tier)
# and `make integration`: runs the phases, times each, and
# prints the times at the end. `run.sh integration tests/test_x.py ...` runs
# only those files (still grouped). A failing phase does not stop the later ones
# (CI sees every failure in one run) unless they depend on it: no environment,
# no tests; no build, no integration tests.
#
# The pytest suites run as groups, two sides at a time (the machines have 2
# cores): on one side the deployment group, since its files create the
# deployment's containers (haproxy, mariadb, ...) and bind its loopback ports,
# then the nodes group (systemd nodes, toolbox and image containers, which
# bind no ports); on the other side the docker and files groups, which use
# unique names and free ports. The split keeps the two sides about equally
# long. A new test file that deploys belongs to the deployment group: name it
# test_deploy*.py or test_roles*.py.
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

# The groups: deployment is everything named test_deploy*/test_roles*; nodes
# the tests that boot systemd nodes or service images; the docker group the
# Docker API modules; files everything else (new files land
# there, so nothing is left out). Files given after the mode narrow the run.
# The heaviest tiers are files named test_full_*.py: only `full` (make
# test-full) runs them, alone, after the rest, unless files are named.
if [ $# -gt 0 ]; then
    all_files=("${@#tests/}")
elif [ "$mode" = full ]; then
    mapfile -t all_files < <(cd tests && ls test_*.py)
else
    mapfile -t all_files < <(cd tests && ls test_*.py | grep -v '^test_full_')
fi
deployment=() nodes=() docker=() files=() full=()
for f in "${all_files[@]}"; do
    case $f in
        test_full_*) full+=("tests/$f") ;;
        test_deploy*|test_roles*) deployment+=("tests/$f") ;;
        test_systemd_node*|test_kolla_container_systemd*|test_kolla_container_podman_systemd*|test_kolla_toolbox*|test_images*)
            nodes+=("tests/$f") ;;
        test_kolla_docker*|test_kolla_container*|test_docker_*|test_reliability_docker*|test_isolation*)
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
    # Each side runs its two groups in turn and fails if either failed (a
    # list's status alone would be its last group's).
    ( rc=0; pytest_group deployment "${deployment[@]}" || rc=1
      pytest_group nodes "${nodes[@]}" || rc=1; exit "$rc" ) &
    pids+=($!)
    ( rc=0; pytest_group docker "${docker[@]}" || rc=1
      pytest_group files "${files[@]}" || rc=1; exit "$rc" ) &
    pids+=($!)
    local rc=0 pid
    for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
    # The subshells recorded their own times; their failures count here.
    [ "$rc" = 0 ] || failed=1
    record "integration-wall" "$start" "$rc"
    # The full tier uses the whole machine: on its own, after both sides.
    pytest_group full "${full[@]}" || failed=1
}

total_start=$(now)
# The build comes first: the environment's images carry the kolla_set_configs
# binary, and the workspace build is the one whose bytes they are labelled with
# (a `-p` build of the crate alone can unify features differently, and a changed
# binary means rebuilt images).
phase build "$MAKE" --no-print-directory build || { record total "$total_start" 1; exit 1; }
if [ "$mode" = all ] || [ "$mode" = full ]; then
    phase env bash tests/env/up.sh || { record total "$total_start" 1; exit 1; }
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
