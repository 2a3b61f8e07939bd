#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for a bounded time, starting from the checked-in
# seed corpora (fuzz/seeds/), with libFuzzer on nightly. `FUZZ_SECONDS` per target (default 30:
# four targets, two minutes of fuzzing, plus about two minutes of cold build and the
# cargo-fuzz install). A finding fails the run; libFuzzer prints the input and the artefact
# path (fuzz/artifacts/<target>/), which then becomes a regression test in tests/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
rustup toolchain install nightly --profile minimal
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked --version 0.13.2

cargo +nightly fuzz build -O
for target in $(cargo +nightly fuzz list); do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    # The longest input of a target: C = 1024 logits of 4 bytes, with their header.
    cargo +nightly fuzz run -O "$target" "$corpus" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -max_len=4200 -print_final_stats=1 2>&1 |
        grep -E '^(stat::number_of_executed_units|Done)|ERROR|panicked|SUMMARY' || true
    # A crash makes libFuzzer write an artefact; fail on it.
    if compgen -G "fuzz/artifacts/$target/*" > /dev/null; then
        echo "fuzz target $target found a failing input (above, and in fuzz/artifacts/$target/)" >&2
        exit 1
    fi
done
