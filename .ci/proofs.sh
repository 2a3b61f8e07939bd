#!/usr/bin/env bash
# The machine-checked proofs (proofs/README.md): installs Coq 8.16 and the Mathematical
# Components libraries from Debian 12 when they are missing, checks every proof from scratch,
# prints the axioms each main theorem rests on, and fails on any axiom outside the allow-list
# below or on an unfinished proof in the sources.
#
# usage: bash .ci/proofs.sh        (from anywhere)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/proofs"

step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "proofs: $*" >&2
    exit 1
}

# The classical axioms of mathcomp-analysis itself (mathcomp.classical.boolp): every theorem
# about `expR` and `ln` depends on them. The reals are any `realType`, so no axiom about them.
ALLOWED=(
    boolp.propositional_extensionality
    boolp.functional_extensionality_dep
    boolp.constructive_indefinite_description
)

have_coq() {
    command -v coqc >/dev/null 2>&1 || return 1
    local lib
    lib="$(coqc -where)/user-contrib/mathcomp"
    [ -f "$lib/analysis/exp.vo" ] && [ -f "$lib/algebra_tactics/ring.vo" ]
}

step "Coq and mathcomp-analysis"
if have_coq; then
    echo "present: $(coqc --version | head -n 1)"
else
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        coq libcoq-mathcomp-analysis libcoq-mathcomp-algebra-tactics
    have_coq || fail "coqc or the mathcomp libraries are still missing after apt-get install"
    coqc --version | head -n 1
fi

step "no unfinished proof, no new axiom and no disabled check in the sources"
if grep -nwE 'Admitted|admit|give_up|Abort|Axiom|Axioms|Parameter|Parameters|Conjecture' *.v; then
    fail "the lines above leave a statement unproved or assume it"
fi
if grep -nE 'Unset (Guard|Positivity|Universe) Checking|bypass_check|Type ?In ?Type' *.v; then
    fail "the lines above switch off a check of the kernel"
fi

step "check every proof"
start=$SECONDS
make clean >/dev/null
make
echo "checked in $((SECONDS - start)) s"

step "axioms of the main theorems (Print Assumptions)"
theorems=$(sed -n 's/^Print Assumptions \([A-Za-z0-9_]*\)\.$/\1/p' Assumptions.v)
cat assumptions.txt
echo
awk -v theorems="$theorems" -v allowed="${ALLOWED[*]}" '
    function flush() {
        if (block) printf "%-28s %s\n", name[block] ":", (list == "" ? "no axiom" : list)
        list = ""
    }
    BEGIN {
        nt = split(theorems, name, "\n")
        na = split(allowed, a, " ")
        for (i = 1; i <= na; i++) ok[a[i]] = 1
    }
    /^Axioms:$/ || /^Closed under the global context$/ { flush(); block++; next }
    /^[ \t]/ { next }
    {
        id = $1
        sub(/:$/, "", id)
        if (id in ok) list = list " " id
        else { list = list " " id " (NOT ALLOWED)"; bad = 1 }
    }
    END {
        flush()
        if (block != nt) { printf "expected %d Print Assumptions blocks, found %d\n", nt, block; exit 1 }
        exit bad
    }
' assumptions.txt || fail "an axiom outside the allow-list, or output not understood (listed above)"
echo "every axiom is on the allow-list: ${ALLOWED[*]}"
