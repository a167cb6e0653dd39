#!/usr/bin/env bash
# Benchmarks, one command: sets up the test environment (venv with
# kolla-ansible's reference plugins, Docker, registry, images), builds our
# binaries and the do-nothing floor module, then runs bench.py, which writes
# BENCHMARKS.md (or --out PATH). Arguments pass through to bench.py (e.g. --reps 3 --only floor).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tests/env/up.sh
make build >/dev/null
RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release --target x86_64-unknown-linux-gnu -p bench_noop
. "${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}/env.sh"

# The run measures a copy of the tree as it is now, binaries included: a run
# takes the best part of an hour, and roles or modules edited meanwhile must
# not change what it measures half-way (one did, and broke a run's deploy).
SNAP=$(mktemp -d "${TMPDIR:-/tmp}/kolla-rust-bench-tree.XXXXXX")
trap 'rm -rf "$SNAP"' EXIT
tar -C "$ROOT" --exclude=./.git --exclude=./target --exclude=./fuzz --exclude=./dist --exclude=./.ansible -cf - . \
    | tar -C "$SNAP" -xf -
RELEASE=target/x86_64-unknown-linux-gnu/release
mkdir -p "$SNAP/$RELEASE"
# make build's link from target/collections to the tree is relative: in the copy it names the copy.
cp -a "$ROOT/target/collections" "$SNAP/target/"
install -m 0755 "$ROOT/$RELEASE/bench_noop" "$SNAP/$RELEASE/bench_noop"
KOLLA_RUST_BENCH_SOURCE=$ROOT KOLLA_RUST_BENCH_OUT=${KOLLA_RUST_BENCH_OUT:-$ROOT/BENCHMARKS.md} \
    "$KOLLA_RUST_VENV/bin/python" "$SNAP/bench/bench.py" "$@"
