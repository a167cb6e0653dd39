#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 120) with the nightly
# toolchain; the corpus in fuzz/corpus/<target> grows and is kept in git.
# Separate from `make test`: fuzzing is open-ended and needs nightly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SECONDS_EACH=${1:-120}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in $(cargo +nightly fuzz list); do
    mkdir -p "corpus/$target"
    echo "== $target for ${SECONDS_EACH}s"
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$SECONDS_EACH" -max_len=4096
done
