#!/usr/bin/env bash
# Mutation testing of the numerical and training modules with cargo-mutants, and a summary of
# the outcomes per file (the figures in the README and docs/mutants.md).
#
#   scripts/mutants.sh [OUT] [cargo-mutants options...]   # e.g. scripts/mutants.sh target/m --iterate
#   scripts/mutants.sh --summary OUT                       # only summarise OUT/mutants.out
#
# Not part of .ci/run: a full run is about 760 mutants, 70 minutes on 2 cores. Install the tool
# with `cargo install cargo-mutants --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."

summary() {
    python3 - "$1/mutants.out/outcomes.json" <<'PY'
import collections, json, sys
data = json.load(open(sys.argv[1]))
counts = collections.defaultdict(collections.Counter)
for outcome in data["outcomes"]:
    mutant = outcome["scenario"]
    if not isinstance(mutant, dict) or "Mutant" not in mutant:
        continue  # the unmutated baseline
    counts[mutant["Mutant"]["file"]][outcome["summary"]] += 1
kinds = ["CaughtMutant", "MissedMutant", "Timeout", "Unviable"]
print("| file | caught | missed | timeout | unviable |")
print("|---|---:|---:|---:|---:|")
total = collections.Counter()
for file in sorted(counts):
    total.update(counts[file])
    print(f"| `{file}` | " + " | ".join(str(counts[file][k]) for k in kinds) + " |")
print("| total | " + " | ".join(str(total[k]) for k in kinds) + " |")
PY
}

if [ "${1:-}" = "--summary" ]; then
    summary "$2"
    exit 0
fi
out=${1:-target/mutants}
shift || true
status=0
cargo mutants --no-shuffle -j 2 \
    -f src/softmax.rs -f src/loss.rs -f src/train.rs -f src/optim.rs \
    -f src/convex.rs -f src/convex/allowance.rs -f src/solver.rs -f src/average.rs \
    -o "$out" "$@" || status=$?
# cargo-mutants exits 2 when some mutant was missed, 3 on a timeout: still summarise.
summary "$out"
[ "$status" -le 3 ] || exit "$status"
