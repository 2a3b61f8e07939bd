#!/usr/bin/env python3
"""tinysoftmax beside its peers, timed in one run on the same data and the same objective.

Data: data/digits.csv (1797 x 64, 10 classes), each column standardised in f64 with the
population std (std 0 -> 1) and rounded to f32, as examples/common/dataset.rs does; every peer
gets those values widened to f64.

Objective (the crate's): P(W, b) = (1/n) sum_i CE(W x_i + b, y_i) + (lambda/2)(|W|^2 + |b|^2).
scikit-learn minimises C * sum_i CE + (1/2)|W|^2 and leaves the intercept unpenalised; with
C = 1/(n lambda), fit_intercept=False and a constant feature 1 appended to X (its weight is the
bias, now penalised), its objective is n*C times P: the same minimiser, the same P*. SciPy's
L-BFGS-B minimises P itself, from a NumPy objective and gradient.

Stopping: tinysoftmax stops when its own certificate proves P - P* <= 1e-6 P*. The peers have
no certificate; each is given the loosest tolerance from a list (1e-2, 1e-3, ...) at which its
result is within 1e-6 P* of the reference optimum P* (known in advance, which the peers
would not know in practice), and that setting is timed. Every time is the median of --repeat
runs; the peers run single-threaded (OMP/OpenBLAS/MKL threads = 1).

Our timings come from `cargo run --release --example speed`, started by this script before
and after the peers (each our time is the mean of those two medians), so both sides are
measured in the same run on the same machine. Ratios are ours / theirs (< 1: faster). Each is
given for three builds: the portable one (baseline x86-64, SSE2, no features); one with the
`std` feature, whose full-batch passes switch to AVX2 at run time when the CPU has it, as
NumPy's BLAS does (in target/with-std); and one for this CPU's own features
(`RUSTFLAGS="-C target-cpu=native"`, in target/cpu-native). All three compute the same bits
(`.ci/run` checks the firmware-parity fingerprints); this script also stops if their reports
differ.

Install the peers (not needed by the crate or its CI):
    python3 -m pip install numpy scipy scikit-learn        # PyTorch is not used
Run from the repository root:
    python3 bench/benches/peers.py [--repeat 7]
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Reference optima (examples/common/dataset.rs, module `optimum`).
P_STAR = {0.01: 0.271_278_689_770, 0.001: 0.087_528_983_270}
GAP = 1e-6
CLASSES = 10
TOLERANCES = [10.0 ** -k for k in range(2, 15)]


def load():
    raw = np.loadtxt(os.path.join(ROOT, "data", "digits.csv"), delimiter=",")
    y = raw[:, 0].astype(int)
    x = raw[:, 1:]
    mean = x.mean(axis=0)
    std = np.sqrt(((x - mean) ** 2).mean(axis=0))
    std[std == 0] = 1.0
    x = ((x - mean) / std).astype(np.float32).astype(np.float64)
    return x, y


def median_time(repeat, f):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


class Problem:
    """P and its derivatives in NumPy, theta = [W | b] as a C x (F + 1) matrix."""

    def __init__(self, x, y, lam):
        self.x1 = np.hstack([x, np.ones((x.shape[0], 1))])
        self.y = y
        self.n = x.shape[0]
        self.lam = lam
        self.rows = np.arange(self.n)

    def probabilities(self, theta):
        z = self.x1 @ theta.T
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        return z, e / s, np.log(s)

    def fun_grad(self, flat):
        theta = flat.reshape(CLASSES, -1)
        z, p, log_s = self.probabilities(theta)
        loss = np.mean(log_s[:, 0] - z[self.rows, self.y])
        p[self.rows, self.y] -= 1.0
        grad = p.T @ self.x1 / self.n + self.lam * theta
        return loss + 0.5 * self.lam * np.sum(theta * theta), grad.ravel()

    def objective(self, theta):
        return self.fun_grad(theta.ravel())[0]

    def hvp(self, p, v):
        """With the probabilities p at theta cached (as Newton-CG does)."""
        u = self.x1 @ v.T
        hu = p * u - p * np.sum(p * u, axis=1, keepdims=True)
        return hu.T @ self.x1 / self.n + self.lam * v


def scipy_lbfgs(problem, tol):
    res = scipy.optimize.minimize(
        problem.fun_grad,
        np.zeros(CLASSES * problem.x1.shape[1]),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": tol, "ftol": tol * 1e-3, "maxiter": 100_000},
    )
    return res.x.reshape(CLASSES, -1), res.nit


def sklearn_fit(problem, tol, solver):
    model = LogisticRegression(
        C=1.0 / (problem.n * problem.lam),
        fit_intercept=False,
        solver=solver,
        tol=tol,
        max_iter=100_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(problem.x1, problem.y)
    return model.coef_, int(np.max(model.n_iter_))


def peer_runs(problem, repeat):
    """For each peer, the loosest tolerance reaching the gap, timed: name -> (s, iterations)."""
    p_star = P_STAR[problem.lam]
    runs = {
        "scipy L-BFGS-B": lambda tol: scipy_lbfgs(problem, tol),
        "scikit-learn lbfgs": lambda tol: sklearn_fit(problem, tol, "lbfgs"),
        "scikit-learn newton-cg": lambda tol: sklearn_fit(problem, tol, "newton-cg"),
    }
    out = {}
    for name, run in runs.items():
        for tol in TOLERANCES:
            theta, _ = run(tol)
            gap = (problem.objective(theta) - p_star) / p_star
            if gap <= GAP:
                seconds, (_, iterations) = median_time(repeat, lambda: run(tol))
                out[name] = (seconds, iterations, tol)
                break
        else:
            out[name] = (float("nan"), 0, float("nan"))
    return out


def newton_cg_work(problem):
    """Passes a truncated Newton method needs here: SciPy's Newton-CG on the same objective,
    with the loosest xtol reaching the gap, counting objective+gradient evaluations and
    Hessian-vector products (each a full pass over the data when, as in tinysoftmax, the
    probabilities are not cached between products)."""
    p_star = P_STAR[problem.lam]
    for tol in TOLERANCES:
        counts = {"fg": 0, "hvp": 0}

        def fg(flat):
            counts["fg"] += 1
            return problem.fun_grad(flat)

        def hessp(flat, v):
            counts["hvp"] += 1
            _, p, _ = problem.probabilities(flat.reshape(CLASSES, -1))
            return problem.hvp(p, v.reshape(CLASSES, -1)).ravel()

        res = scipy.optimize.minimize(
            fg, np.zeros(CLASSES * problem.x1.shape[1]), jac=True, hessp=hessp,
            method="Newton-CG", options={"xtol": tol, "maxiter": 1000},
        )
        if (problem.objective(res.x) - p_star) / p_star <= GAP:
            return res.nit, counts["fg"], counts["hvp"], tol
    return 0, 0, 0, float("nan")


# The builds of ours that are timed: name, extra cargo arguments, extra environment.
BUILDS = (
    ("portable", [], {}),
    ("std", ["--features", "std"], {"CARGO_TARGET_DIR": os.path.join(ROOT, "target", "with-std")}),
    (
        "native",
        [],
        {"RUSTFLAGS": "-C target-cpu=native", "CARGO_TARGET_DIR": os.path.join(ROOT, "target", "cpu-native")},
    ),
)


def ours(repeat, build):
    """`examples/speed.rs` in one of BUILDS: for the baseline x86-64 (portable), with the `std`
    feature (the full-batch passes switch to AVX2 at run time when the CPU has it), or for this
    CPU's own features (`-C target-cpu=native`). The same bits in all three, which CI checks."""
    _, cargo_args, extra_env = next(b for b in BUILDS if b[0] == build)
    cmd = ["cargo", "run", "--quiet", "--release", *cargo_args, "--example", "speed", "--", "--repeat", str(repeat)]
    env = dict(os.environ, **extra_env)
    text = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    result = {}
    for line in text.splitlines():
        name, seconds, count, detail = line.split("\t")
        result[name] = (float(seconds), int(count), detail)
    return result


def fmt(seconds):
    if seconds != seconds:
        return "-"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    x, y = load()
    n = x.shape[0]

    # Ours before and after the peers, averaged: a change of the machine's load during the
    # run then weighs on both sides alike.
    first = {build: ours(args.repeat, build) for build, _, _ in BUILDS}
    rows = []

    pending = []

    def row(work, our_name, peer, peer_seconds, peer_note=""):
        pending.append((work, our_name, peer, peer_seconds, peer_note))

    def emit(work, our_name, peer, peer_seconds, peer_note=""):
        times = [mine[build][our_name][0] for build, _, _ in BUILDS]
        count = mine["portable"][our_name][1]
        ours_text = " / ".join(fmt(t) for t in times) + (f" ({count} it.)" if count > 1 else "")
        ratios = " / ".join(f"{t / peer_seconds:.2f}" for t in times)
        rows.append((work, ours_text, f"{peer}{peer_note}", fmt(peer_seconds), ratios))

    # One full-batch pass at a model near the optimum.
    problem = Problem(x, y, 0.01)
    flat, _ = scipy_lbfgs(problem, 1e-3)
    theta = flat
    v = np.random.default_rng(1).standard_normal(theta.shape)
    t_grad, _ = median_time(args.repeat * 5, lambda: problem.fun_grad(theta.ravel()))
    _, p, _ = problem.probabilities(theta)
    t_hvp, _ = median_time(args.repeat * 5, lambda: problem.hvp(p, v))
    t_hvp_full, _ = median_time(
        args.repeat * 5, lambda: problem.hvp(problem.probabilities(theta)[1], v)
    )
    w, b = theta[:, :-1].copy(), theta[:, -1].copy()
    x32, w32, b32 = x.astype(np.float32), w.astype(np.float32), b.astype(np.float32)
    t_pred64, _ = median_time(args.repeat * 5, lambda: np.argmax(x @ w.T + b, axis=1))
    t_pred32, _ = median_time(args.repeat * 5, lambda: np.argmax(x32 @ w32.T + b32, axis=1))
    for ty in ("f64", "f32"):
        row(f"objective + gradient, one pass, {ty}", f"gradient_{ty}", "NumPy f64", t_grad)
        row(f"Hessian-vector product, {ty}", f"hessian_vector_product_{ty}", "NumPy f64, with softmax", t_hvp_full)
        row(f"Hessian-vector product, {ty}", f"hessian_vector_product_{ty}", "NumPy f64, softmax cached", t_hvp)
    row("batch predict (1797 samples), f64", "predict_f64", "NumPy argmax(X@W.T+b)", t_pred64)
    row("batch predict (1797 samples), f32", "predict_f32", "NumPy argmax(X@W.T+b), f32", t_pred32)

    work_notes = []
    for lam in (0.01, 0.001):
        problem = Problem(x, y, lam)
        peers = peer_runs(problem, args.repeat)
        outer, passes, products, tol = newton_cg_work(problem)
        work_notes.append(
            f"λ = {lam}: SciPy Newton-CG (xtol {tol:.0e}) needs {outer} iterations, {passes} "
            f"objective+gradient passes and {products} Hessian-vector products; "
            f"tinysoftmax L-BFGS (f64) {first['portable'][f'lbfgs8_f64_lambda_{lam}'][1]} iterations, "
            f"Newton-CG (f64) {first['portable'][f'newton_f64_lambda_{lam}'][1]} iterations"
        )
        for ty in ("f64", "f32"):
            for solver in ("lbfgs8", "newton", "accelerated"):
                key = f"{solver}_{ty}_lambda_{lam}"
                certified = first["portable"][key][2].startswith("certified")
                label = {"lbfgs8": "L-BFGS (M = 8)", "newton": "Newton-CG", "accelerated": "accelerated gradient"}[solver]
                work = f"certified 1e-6 rel., λ = {lam}, {label}, {ty}" + ("" if certified else " (NOT certified)")
                for peer, (seconds, iterations, tol) in peers.items():
                    row(work, key, peer, seconds, f" ({iterations} it., tol {tol:.0e})")
        del problem

    second = {build: ours(args.repeat, build) for build, _, _ in BUILDS}
    mine = {
        build: {
            name: ((seconds + second[build][name][0]) / 2, count, detail)
            for name, (seconds, count, detail) in first[build].items()
        }
        for build, _, _ in BUILDS
    }
    for build, _, _ in BUILDS:
        for name, (_, count, detail) in mine[build].items():
            if (count, detail) != mine["portable"][name][1:]:
                raise SystemExit(
                    f"{name}: the {build} build reports {detail!r}, the portable one {mine['portable'][name][2]!r}"
                )
    for args_row in pending:
        emit(*args_row)

    print(f"date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}")
    print(f"peers: numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, single-threaded")
    print(f"command: python3 bench/benches/peers.py --repeat {args.repeat}  (n = {n})")
    print()
    print("| work | tinysoftmax, portable / `std` / native build | peer | peer time | ratio, portable / `std` / native |")
    print("|---|---:|---|---:|---:|")
    for work, ours_text, peer, peer_text, ratios in rows:
        print(f"| {work} | {ours_text} | {peer} | {peer_text} | {ratios} |")
    print()
    for note in work_notes:
        print(note)
    print()
    for name, (_, _, detail) in mine["portable"].items():
        runs = ", ".join(
            f"{build} {fmt(first[build][name][0])} and {fmt(second[build][name][0])}" for build, _, _ in BUILDS
        )
        print(f"{name}: before and after the peers: {runs}; {detail}")

if __name__ == "__main__":
    main()
