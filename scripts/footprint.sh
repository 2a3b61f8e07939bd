#!/usr/bin/env bash
# Footprint of tinysoftmax on three microcontroller cores, measured under QEMU: flash and static
# RAM of the library's share, peak stack of one prediction and one SGD step, and instructions
# executed per prediction and per step. Prints a markdown table on stdout.
#
# usage: scripts/footprint.sh        (from anywhere; a few seconds once the probes are built)
#
# Needs: rustup targets thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imc-unknown-none-elf,
# the llvm-tools component, qemu-system-arm and qemu-system-riscv32 (see .ci/firmware.sh), gcc.
#
# How:
# - The probes are the binaries of examples/qemu-footprint: an empty baseline, and
#   Classifier<4, 3> and Classifier<64, 10> built for inference only (predict), for training
#   (Trainer::step plus predict) and quantised (Quantized::predict and predict_certified). Model, input and optimiser state are statics, so they appear as
#   static RAM; the probes print only integers, without core::fmt.
# - Flash = .vector_table/.text/.init/.rodata/.eh_frame/.data (load image); static RAM =
#   .data/.bss/.uninit; both minus the baseline probe of the same target.
# - Stack: each probe paints the stack below its stack pointer, calls the function once and
#   reports the deepest word that changed (bytes, including the function's own frame).
# - Instructions: a QEMU TCG plugin (scripts/insn-window.c, compiled with gcc into
#   target/qemu-plugin/ on first use) counts the guest instructions between the probe's markers
#   __bench_start and __bench_stop; the probe's first, empty window is subtracted.
# - Ratios: the reference probes run a plain prediction and a plain SGD step with the library's
#   arithmetic and no checks (after checking them bit for bit against the library; exit status
#   3 otherwise); predict / reference and step / reference divide the library's counts by theirs.
# - Size or speed: the inference, training and reference probes are built a second time with
#   the `speed` profile (opt-level 3) for the last table.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
probes="$root/examples/qemu-footprint"
out="$root/target/firmware"
tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
size="$tools/llvm-size"
nm="$tools/llvm-nm"
[ -x "$size" ] || { echo "llvm-size missing: rustup component add llvm-tools" >&2; exit 1; }

plugin_dir="$root/target/qemu-plugin"
plugin="$plugin_dir/insn-window.so"
source="$root/scripts/insn-window.c"
if [ ! -f "$plugin" ] || [ "$source" -nt "$plugin" ]; then
    mkdir -p "$plugin_dir"
    gcc -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden -o "$plugin" "$source"
fi

# target | QEMU command | label
boards=(
    "thumbv7em-none-eabihf|qemu-system-arm -machine mps2-an386|Cortex-M4F (thumbv7em-none-eabihf, FPU)"
    "thumbv6m-none-eabi|qemu-system-arm -machine microbit|Cortex-M0 (thumbv6m-none-eabi, soft float)"
    "riscv32imc-unknown-none-elf|qemu-system-riscv32 -machine virt -bios none|RV32IMC (riscv32imc-unknown-none-elf, soft float)"
)

# Sum of the named sections' sizes in an ELF.
sections() {
    local elf=$1
    shift
    "$size" -A "$elf" | awk -v names=" $* " '
        index(names, " " $1 " ") { total += $2 } END { print total + 0 }'
}
flash() { sections "$1" .vector_table .text .init .init.rust .trap .rodata .srodata .eh_frame .data .sdata; }
ram() { sections "$1" .data .sdata .bss .sbss .uninit; }

# Runs a probe under QEMU with the plugin; prints "stack-predict N", "stack-step N",
# "insn-predict N", "insn-step N".
measure() {
    local elf=$1 qemu=$2 log start stop
    start=$("$nm" "$elf" | awk '$3 == "__bench_start" { print $1 }')
    stop=$("$nm" "$elf" | awk '$3 == "__bench_stop" { print $1 }')
    # Thumb function symbols have bit 0 set; the code starts one byte lower.
    start=$(printf '%x' $((0x$start & ~1)))
    stop=$(printf '%x' $((0x$stop & ~1)))
    log=$(mktemp)
    # shellcheck disable=SC2086 # $qemu is a command line
    if ! timeout 60 $qemu -nographic -semihosting-config enable=on,target=native \
        -plugin "$plugin,mark=$start,end=$stop" -d plugin -D "$log" -kernel "$elf"; then
        echo "footprint: probe $elf failed (stack window too small, fault or timeout)" >&2
        rm -f "$log"
        return 1
    fi
    awk '$1 == "insn-window" { n[$2] = $3 }
         END {
             if (!(3 in n)) { print "footprint: missing instruction windows" > "/dev/stderr"; exit 1 }
             printf "insn-predict %d\ninsn-step %d\n", n[2] - n[1], n[3] - n[1]
         }' "$log"
    rm -f "$log"
}

# a / b with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
declare -A float_predict=()

echo "| core | model | flash, inference (B) | flash, training (B) | static RAM, inference (B) | static RAM, training (B) | stack, predict (B) | stack, step (B) | instructions, predict | instructions, step | predict / reference | step / reference |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for board in "${boards[@]}"; do
    IFS='|' read -r target qemu label <<<"$board"
    (cd "$probes" && cargo build --quiet --release --bins --target "$target")
    dir="$out/$target/release"
    base_flash=$(flash "$dir/probe-baseline")
    base_ram=$(ram "$dir/probe-baseline")
    for model in 4x3 64x10; do
        infer="$dir/probe-infer-$model"
        train="$dir/probe-train-$model"
        declare -A m=()
        measure "$infer" "$qemu" >"$results"
        while read -r key value; do m[i-$key]=$value; done <"$results"
        measure "$train" "$qemu" >"$results"
        while read -r key value; do m[t-$key]=$value; done <"$results"
        measure "$dir/probe-reference-$model" "$qemu" >"$results"
        while read -r key value; do m[r-$key]=$value; done <"$results"
        float_predict[$target-$model]=${m[i-insn-predict]}
        printf '| %s | `Classifier<%s>` | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |\n' \
            "$label" "${model/x/, }" \
            $(($(flash "$infer") - base_flash)) $(($(flash "$train") - base_flash)) \
            $(($(ram "$infer") - base_ram)) $(($(ram "$train") - base_ram)) \
            "${m[i-stack-predict]}" "${m[t-stack-step]}" \
            "${m[i-insn-predict]}" "${m[t-insn-step]}" \
            "$(ratio "${m[i-insn-predict]}" "${m[r-insn-predict]}")" \
            "$(ratio "${m[t-insn-step]}" "${m[r-insn-step]}")"
        unset m
    done
done

echo
echo "Quantised inference (\`quant::Quantized\`, \`i8\` weights, model made from integer parts: no floating-point code linked): flash and static RAM of the library's share and the model, stack and instructions of one \`predict\` and one \`predict_certified\`, and how many times fewer instructions than the float \`predict\` above."
echo
echo "| core | model | flash (B) | static RAM (B) | stack, predict (B) | instructions, predict | instructions, certified predict | float / quantised predict |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for board in "${boards[@]}"; do
    IFS='|' read -r target qemu label <<<"$board"
    dir="$out/$target/release"
    base_flash=$(flash "$dir/probe-baseline")
    base_ram=$(ram "$dir/probe-baseline")
    for model in 4x3 64x10; do
        probe="$dir/probe-quant-$model"
        declare -A m=()
        measure "$probe" "$qemu" >"$results"
        while read -r key value; do m[$key]=$value; done <"$results"
        printf '| %s | `Quantized<%s>` | %d | %d | %d | %d | %d | %s |\n' \
            "${label%% (*}" "${model/x/, }" \
            $(($(flash "$probe") - base_flash)) $(($(ram "$probe") - base_ram)) \
            "${m[stack-predict]}" "${m[insn-predict]}" "${m[insn-step]}" \
            "$(awk -v a="${float_predict[$target-$model]}" -v b="${m[insn-predict]}" 'BEGIN { printf "%.1f", a / b }')"
        unset m
    done
done

echo
echo "Softmax of 10 logits, instructions: exact (\`softmax::softmax\`, libm) against the \`micromath\` fast path (\`fast::softmax\`)."
echo
echo "| core | exact | fast | fast / exact |"
echo "|---|---:|---:|---:|"
for board in "${boards[@]}"; do
    IFS='|' read -r target qemu label <<<"$board"
    declare -A m=()
    measure "$out/$target/release/probe-softmax-10" "$qemu" >"$results"
    while read -r key value; do m[$key]=$value; done <"$results"
    printf '| %s | %d | %d | %s |\n' "${label%% (*}" "${m[insn-predict]}" "${m[insn-step]}" \
        "$(awk -v a="${m[insn-step]}" -v b="${m[insn-predict]}" 'BEGIN { printf "%.2f", a / b }')"
    unset m
done

echo
echo 'Optimised for size (`opt-level = "s"`, the release profile of the tables above) or for speed (`opt-level = 3`): flash of the library'"'"'s share, instructions of one `predict` and one `Trainer::step`, and their ratios to the plain reference built with the same setting.'
echo
echo "| core | model | opt-level | flash, inference (B) | flash, training (B) | instructions, predict | instructions, step | predict / reference | step / reference |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
for board in "${boards[@]}"; do
    IFS='|' read -r target qemu label <<<"$board"
    (cd "$probes" && cargo build --quiet --profile speed --target "$target" \
        --bin probe-baseline --bin probe-infer-4x3 --bin probe-infer-64x10 \
        --bin probe-train-4x3 --bin probe-train-64x10 \
        --bin probe-reference-4x3 --bin probe-reference-64x10)
    for model in 4x3 64x10; do
        for profile in release speed; do
            dir="$out/$target/$profile"
            base=$(flash "$dir/probe-baseline")
            declare -A m=()
            for probe in infer train reference; do
                measure "$dir/probe-$probe-$model" "$qemu" >"$results"
                while read -r key value; do m[$probe-$key]=$value; done <"$results"
            done
            printf '| %s | `Classifier<%s>` | %s | %d | %d | %d | %d | %s | %s |\n' \
                "${label%% (*}" "${model/x/, }" "$([ "$profile" = release ] && echo '"s"' || echo 3)" \
                $(($(flash "$dir/probe-infer-$model") - base)) \
                $(($(flash "$dir/probe-train-$model") - base)) \
                "${m[infer-insn-predict]}" "${m[train-insn-step]}" \
                "$(ratio "${m[infer-insn-predict]}" "${m[reference-insn-predict]}")" \
                "$(ratio "${m[train-insn-step]}" "${m[reference-insn-step]}")"
            unset m
        done
    done
done
