#!/usr/bin/env bash
# Firmware examples under QEMU: installs what they need on a fresh Debian 12 machine, builds
# every firmware, runs each under a timeout, checks its exit status and printed result, and
# requires the weights' fingerprint each prints last to equal the host's (bit-identical
# training on x86-64, Cortex-M4F, Cortex-M3, Cortex-M0 and RV32IMC), and the quantised iris
# model's agreement line and fingerprint to equal the host's too. The `predict` firmware
# (Cortex-M4F and M3) runs the model the host tool wrote and must reproduce the host's
# probabilities bit for bit, and decode checkpoint bytes written on the host to the host's
# bits. The `resume` firmware (every core) saves a checkpoint, resets the system, and must
# boot a second time, find the checkpoint with the host's CRC, and end with the fingerprint of
# the uninterrupted iris run. The `lbfgs` firmware (every core) solves iris with the full-batch
# L-BFGS solver and the accelerated gradient method, must print the host's `solved` and
# `accelerated` lines (certified, same iterations, objective and gap bits) and report each
# solver's peak stack. Ends with the footprint
# table (scripts/footprint.sh, a few seconds; FIRMWARE_FOOTPRINT=0 skips it) and the
# instructions of each solver in the lbfgs firmware.
#
# Keeps what it measured in target/firmware-report/ (the host's fingerprints, every firmware's
# output, the footprint tables), from which scripts/readme-tables.sh writes the docs.
#
# usage: bash .ci/firmware.sh        (from anywhere)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "firmware: $*" >&2
    exit 1
}

report="$root/target/firmware-report"
rm -rf "$report"
mkdir -p "$report"

step "toolchain: embedded targets and llvm-tools"
rustup target add thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf \
    riscv32imc-unknown-none-elf
rustup component add llvm-tools

step "QEMU"
if qemu-system-arm --version >/dev/null 2>&1 && qemu-system-riscv32 --version >/dev/null 2>&1; then
    echo "present: $(qemu-system-arm --version | head -n 1)"
else
    # Debian 12's own QEMU 7.2 conflicts with the qemu-utils from bookworm-backports that these
    # machines carry; install QEMU from backports, reusing the URI of the existing Debian source.
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1' /etc/apt/sources.list.d/debian.sources |
        sed 's/^Suites:.*/Suites: bookworm-backports/' |
        $sudo tee /etc/apt/sources.list.d/backports.sources >/dev/null
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -t bookworm-backports qemu-system-arm qemu-system-misc
    qemu-system-arm --version | head -n 1
fi

step "host: the recipes and their fingerprints (tests/firmware_parity.rs)"
host_log=$(mktemp)
trap 'rm -f "$host_log"' EXIT
cargo test --test firmware_parity -- --nocapture --test-threads=1 | tee "$host_log"
cp "$host_log" "$report/host.txt"
# host_value DEMO WORD N: the N-th field after "firmware-parity DEMO WORD" in the host log (the
# phrase may follow the test harness's "test ... " on the same line: looked for anywhere).
host_value() {
    awk -v demo="$1" -v word="$2" -v n="$3" '{ for (i = 1; i + 2 + n <= NF; i++)
        if ($i == "firmware-parity" && $(i + 1) == demo && $(i + 2) == word) print $(i + 2 + n) }' \
        "$host_log"
}
host_demos=(iris online resume predict lbfgs)
declare -A expected
for demo in "${host_demos[@]}"; do
    expected[$demo]=$(host_value "$demo" fingerprint 1)
    [[ ${expected[$demo]} =~ ^[0-9a-f]{16}$ ]] || fail "no host fingerprint for $demo"
done
# The quantised iris model: the host's agreement line and fingerprint, which every iris
# firmware must print word for word.
# (The test harness may print "test NAME ... " in front of a test's first line.)
quantized_lines=$(sed -n 's/^.*firmware-parity iris quantized /quantized /p' "$host_log")
[ "$(grep -c '^quantized agreement ' <<<"$quantized_lines")" -eq 1 ] &&
    [[ $(grep '^quantized fingerprint ' <<<"$quantized_lines") =~ ^quantized\ fingerprint\ [0-9a-f]{16}$ ]] ||
    fail "no quantised iris lines from the host"
# The resumed run ends where the uninterrupted one does (tests/firmware_parity.rs asserts it).
[ "${expected[resume]}" = "${expected[iris]}" ] || fail "host: resumed and iris fingerprints differ"
# The L-BFGS run, the accelerated one and Newton-CG's: the host's lines, which must say they
# were certified, and which every lbfgs firmware must print word for word.
lbfgs_lines=$(sed -n 's/^.*firmware-parity lbfgs \(solved\|accelerated\|newton\) /\1 /p' "$host_log")
[[ $(grep -c '^solved certified after [0-9]* iterations, ' <<<"$lbfgs_lines") -eq 1 &&
    $(grep -c '^accelerated certified after [0-9]* iterations, ' <<<"$lbfgs_lines") -eq 1 &&
    $(grep -c '^newton certified after [0-9]* iterations, ' <<<"$lbfgs_lines") -eq 1 &&
    $(wc -l <<<"$lbfgs_lines") -eq 3 ]] || fail "no certified L-BFGS, accelerated and Newton-CG lines from the host"
checkpoint_crc=$(host_value resume checkpoint 4)
probabilities=$(host_value predict accuracy 3)
[[ $probabilities =~ ^[0-9a-f]{16}$ ]] || fail "no host probabilities hash"
sklearn_fingerprint=$(host_value predict sklearn 1)
[[ $sklearn_fingerprint =~ ^[0-9a-f]{16}$ ]] || fail "no host fingerprint of the sklearn checkpoint"
[[ $checkpoint_crc =~ ^[0-9a-f]{8}$ ]] || fail "no host checkpoint CRC"

semihosting="-nographic -semihosting-config enable=on,target=native"
# crate | target | QEMU command line | core | firmware
boards=(
    "qemu-cortex-m4|thumbv7em-none-eabihf|qemu-system-arm -machine mps2-an386|Cortex-M4F|iris online resume predict lbfgs"
    "qemu-cortex-m4|thumbv7m-none-eabi|qemu-system-arm -machine mps2-an385|Cortex-M3|iris online resume predict lbfgs"
    "qemu-cortex-m0|thumbv6m-none-eabi|qemu-system-arm -machine microbit|Cortex-M0|iris online resume lbfgs"
    "qemu-riscv32|riscv32imc-unknown-none-elf|qemu-system-riscv32 -machine virt -bios none|RV32IMC|iris online resume lbfgs"
)

step "firmware crates: format and lints"
for crate in qemu-cortex-m4 qemu-cortex-m0 qemu-riscv32 qemu-footprint; do
    (cd "examples/$crate" && cargo fmt --check)
done
for board in "${boards[@]}"; do
    IFS='|' read -r crate target _ _ <<<"$board"
    (cd "examples/$crate" && cargo clippy --locked --release --bins --target "$target" -- -D warnings)
done
(cd examples/qemu-footprint &&
    cargo clippy --locked --release --bins --target thumbv7em-none-eabihf -- -D warnings)

summary=()
for board in "${boards[@]}"; do
    IFS='|' read -r crate target qemu core demos <<<"$board"
    step "$core: build examples/$crate for $target"
    (cd "examples/$crate" && cargo build --locked --release --bins --target "$target")
    for demo in $demos; do
        elf="target/firmware/$target/release/$demo"
        step "$core: run $demo"
        log=$(mktemp)
        status=0
        # shellcheck disable=SC2086 # $qemu and $semihosting are command lines
        timeout 60 $qemu $semihosting -kernel "$elf" >"$log" 2>&1 || status=$?
        cat "$log"
        cp "$log" "$report/$core-$demo.txt"
        last=$(tail -n 1 "$log")
        passed=$(grep -c '^result pass$' "$log" || true)
        missing=""
        if [ "$demo" = iris ]; then
            while read -r line; do
                grep -qxF "$line" "$log" || missing="$line"
            done <<<"$quantized_lines"
        fi
        if [ "$demo" = resume ]; then
            # Two boots; the second verifies the checkpoint the first saved, byte for byte the
            # host's (same CRC), before the reset.
            grep -q '^resume: boot 2$' "$log" || fail "$core resume did not boot a second time"
            grep -q "^boot 2: checkpoint sequence 2 verified: epoch 100, step 15000, crc $checkpoint_crc\$" \
                "$log" || fail "$core resume: no verified checkpoint with the host's CRC $checkpoint_crc"
        fi
        if [ "$demo" = predict ]; then
            grep -q "^probabilities $probabilities\$" "$log" ||
                fail "$core predict: probabilities differ from the host's $probabilities"
            # Checkpoint bytes written on the host decode to the host's bits.
            grep -q "^sklearn checkpoint decoded: .* fingerprint $sklearn_fingerprint\$" "$log" ||
                fail "$core predict: the sklearn checkpoint does not decode to $sklearn_fingerprint"
        fi
        if [ "$demo" = lbfgs ]; then
            while read -r line; do
                grep -qxF "$line" "$log" || fail "$core lbfgs did not print the host's '$line'"
            done <<<"$lbfgs_lines"
            [ "$(grep -cE '^stack [0-9]+ bytes for [a-zA-Z:<>0-9]+::minimize, samples [0-9]+ bytes(, probabilities [0-9]+ bytes)?$' "$log")" -eq 3 ] ||
                fail "$core lbfgs: no measured stack for the three solvers"
        fi
        rm -f "$log"
        [ "$status" -eq 0 ] || fail "$core $demo exited with status $status (124: timeout)"
        [ "$passed" -eq 1 ] || fail "$core $demo did not print 'result pass'"
        [ "$last" = "fingerprint ${expected[$demo]}" ] ||
            fail "$core $demo: last line '$last', host has fingerprint ${expected[$demo]}"
        [ -z "$missing" ] || fail "$core $demo did not print the host's '$missing'"
        summary+=("$core $demo: ${last#fingerprint } (host ${expected[$demo]}) ok")
        if [ "$demo" = iris ]; then
            summary+=("$core iris, $(grep '^quantized fingerprint' <<<"$quantized_lines") (as the host) ok")
        fi
        if [ "$demo" = lbfgs ]; then
            while read -r line; do
                summary+=("$core lbfgs, $line (as the host) ok")
            done <<<"$lbfgs_lines"
        fi
    done
done

step "Cortex-M4F: iris logging through defmt"
(cd examples/qemu-cortex-m4 &&
    cargo clippy --locked --release --features defmt --bin iris-defmt -- -D warnings &&
    cargo build --locked --release --features defmt --bin iris-defmt)
elf=target/firmware/thumbv7em-none-eabihf/release/iris-defmt
frames=$(mktemp)
status=0
# shellcheck disable=SC2086 # $semihosting is a command line
timeout 60 qemu-system-arm -machine mps2-an386 $semihosting -kernel "$elf" >"$frames" || status=$?
[ "$status" -eq 0 ] || fail "Cortex-M4F iris-defmt exited with status $status (124: timeout)"
[ -s "$frames" ] || fail "Cortex-M4F iris-defmt logged nothing"
if command -v defmt-print >/dev/null 2>&1; then
    # Decoding needs the host tool (`cargo install defmt-print --locked`, about 4 minutes to
    # build), so CI decodes only where it is already installed.
    decoded=$(defmt-print -e "$elf" <"$frames")
    echo "$decoded"
    echo "$decoded" >"$report/Cortex-M4F-iris-defmt.txt"
    grep -q '^result pass$' <<<"$decoded" || fail "iris-defmt did not log 'result pass'"
    hex=$(sed -n 's/^fingerprint 0x\([0-9a-f]*\)$/\1/p' <<<"$decoded")
    hex=$(printf '%16s' "$hex" | tr ' ' 0) # defmt drops leading zeros
    [ "$hex" = "${expected[iris]}" ] ||
        fail "iris-defmt fingerprint $hex differs from the host's ${expected[iris]}"
    summary+=("Cortex-M4F iris-defmt: ${expected[iris]} (decoded) ok")
else
    summary+=("Cortex-M4F iris-defmt: exit status 0, $(wc -c <"$frames") bytes of defmt frames (defmt-print not installed: not decoded)")
fi
rm -f "$frames"

step "fingerprints"
printf '%s\n' "${summary[@]}"

if [ "${FIRMWARE_FOOTPRINT:-1}" != 0 ]; then
    step "footprint (scripts/footprint.sh)"
    scripts/footprint.sh | tee "$report/footprint.md"

    # The lbfgs firmware once more, under the instruction-counting plugin footprint.sh has just
    # built: the firmware calls each solver between the probes' markers, so the plugin reports
    # one window per solver (L-BFGS, the accelerated method, then Newton-CG).
    step "lbfgs: instructions of each solver"
    plugin=target/qemu-plugin/insn-window.so
    nm="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-nm"
    for board in "${boards[@]}"; do
        IFS='|' read -r _ target qemu core _ <<<"$board"
        elf="target/firmware/$target/release/lbfgs"
        # Thumb function symbols have bit 0 set; the code starts one byte lower.
        start=$("$nm" "$elf" | awk '$3 == "__bench_start" { print $1 }')
        stop=$("$nm" "$elf" | awk '$3 == "__bench_stop" { print $1 }')
        start=$(printf '%x' $((0x$start & ~1)))
        stop=$(printf '%x' $((0x$stop & ~1)))
        log=$(mktemp)
        # shellcheck disable=SC2086 # $qemu and $semihosting are command lines
        timeout 60 $qemu $semihosting -plugin "$plugin,mark=$start,end=$stop" -d plugin \
            -D "$log" -kernel "$elf" >/dev/null || fail "$core lbfgs failed under the plugin"
        awk '$1 == "insn-window" && $2 == 1 { printf "instructions Lbfgs %d\n", $3 }
             $1 == "insn-window" && $2 == 2 { printf "instructions accelerated %d\n", $3 }
             $1 == "insn-window" && $2 == 3 { printf "instructions newton %d\n", $3 }' \
            "$log" | tee "$report/$core-lbfgs-instructions.txt"
        rm -f "$log"
        [ "$(grep -c '^instructions ' "$report/$core-lbfgs-instructions.txt")" -eq 3 ] ||
            fail "$core lbfgs: no instruction count for the three solvers"
    done
fi
