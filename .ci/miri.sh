#!/usr/bin/env bash
# The unit tests and a fast subset of the integration tests under Miri (nightly), on x86-64,
# on a 32-bit target (i686) and on a big-endian one (s390x); then the firmware-parity
# fingerprints on s390x must be those of the native host run, so that bit-identical training
# covers byte order too. About 7 minutes in all (401 s in the CI run of 2026-11-30 on a shared
# 2-core machine; 303 s on 2026-11-29, when each target's sysroot took 20 s, its unit tests
# 45 s, its edge tests a few seconds, the two parity tests on s390x 80 s).
#
# The parity tests are `online` (a stream trained sample by sample: a training fingerprint) and
# `predict` (every probability's bits hashed, and a checkpoint decoded from bytes). The iris
# recipe and its resumed twin (200 epochs and a certificate) take over ten minutes under Miri;
# their arithmetic is that of `online`.
#
# - `libm/force-soft-floats`: libm's x86 square root is inline assembly, which Miri cannot run;
#   its portable square root is correctly rounded too, so no value changes.
# - `-Zmiri-deterministic-floats`: Miri otherwise adds random error to the float intrinsics of
#   std (the crate's own math goes through libm, pure Rust, and is interpreted exactly).
# - `-Zmiri-disable-isolation`: the parity tests read data/iris.csv.
# - Skipped: the exhaustive loop-order test of `model` (two minutes alone under Miri; its
#   property is covered natively).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup toolchain install nightly --profile minimal --component miri,rust-src
export MIRIFLAGS="-Zmiri-deterministic-floats -Zmiri-disable-isolation"
features=(--features libm/force-soft-floats)
skip=(--skip both_loop_orders_give_the_same_bits)
parity_tests=(online_stream_learns host_trained_model_predicts)

fingerprints() { grep -o 'firmware-parity .*' | sort; }

cargo test --release --test firmware_parity -- --nocapture "${parity_tests[@]}" 2>&1 |
    fingerprints > target/parity-native.txt
if [ ! -s target/parity-native.txt ]; then
    echo "the native firmware-parity run printed no fingerprint" >&2
    exit 1
fi

for target in x86_64-unknown-linux-gnu i686-unknown-linux-gnu s390x-unknown-linux-gnu; do
    echo "--- Miri on $target"
    cargo +nightly miri setup --target "$target"
    cargo +nightly miri test --target "$target" "${features[@]}" --lib -- "${skip[@]}"
    cargo +nightly miri test --target "$target" "${features[@]}" --test edges
done

echo "--- Miri on s390x (big-endian): the firmware-parity fingerprints equal the native ones"
cargo +nightly miri test --target s390x-unknown-linux-gnu "${features[@]}" \
    --test firmware_parity -- --nocapture "${parity_tests[@]}" 2>&1 |
    fingerprints > target/parity-s390x.txt
if ! diff target/parity-native.txt target/parity-s390x.txt; then
    echo "fingerprints differ between the native run and big-endian s390x (above)" >&2
    exit 1
fi
echo "$(wc -l < target/parity-s390x.txt) firmware-parity lines identical on s390x and the host"
