#!/usr/bin/env bash
# Benchmarks, one command: sets up the test environment (venv with
# kolla-ansible's reference plugins, Docker, registry, images), builds our
# binaries and the do-nothing floor module, then runs bench.py, which writes
# BENCHMARKS.md. Arguments pass through to bench.py (e.g. --reps 3 --only floor).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tests/env/up.sh
make build >/dev/null
RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release --target x86_64-unknown-linux-gnu -p bench_noop
. "${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}/env.sh"
exec "$KOLLA_RUST_VENV/bin/python" bench/bench.py "$@"
