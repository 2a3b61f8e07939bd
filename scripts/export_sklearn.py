#!/usr/bin/env python3
"""Export a fitted scikit-learn StandardScaler + multinomial LogisticRegression (or a PyTorch
nn.Linear with the scaler's statistics) into tinysoftmax's checkpoint format.

The checkpoint (kind 5 of src/format.rs) holds the standardiser, the model and fresh optimiser
state; tinysoftmax reads it with `Checkpoint::<F, C, T>::decode`, and `tinysoftmax to-rust`
turns an f32 one into Rust source for a device.

    python3 scripts/export_sklearn.py                  # regenerates the test fixtures below
    python3 scripts/export_sklearn.py --csv my.csv --lambda 0.001 --dtype f32 --out my.tsmx

Without --out it fits iris (data/iris.csv) at λ = 0.01 and writes the fixtures of
tests/sklearn.rs: tests/fixtures/sklearn_iris_f64.tsmx, tests/fixtures/sklearn_iris_f32.tsmx
and tests/fixtures/sklearn_iris_proba.csv (scikit-learn's predict_proba for every row, 17
significant digits).

The objectives differ in one term: tinysoftmax minimises
    (1/n) Σ CE + (λ/2)(‖W‖² + ‖b‖²),
scikit-learn's LogisticRegression(C) minimises  Σ CE + (1/(2C))‖W‖²  and leaves the intercept
unpenalised. With C = 1/(nλ) the two agree except for the (λ/2)‖b‖² term, so the fitted model is
not tinysoftmax's optimum: `convex::certify` on it bounds its distance to tinysoftmax's optimum,
and that gap is mostly the intercept's penalty, not an optimisation error.

PyTorch: for a trained `layer = nn.Linear(F, C)` on features standardised with a scaler,
    export(layer.weight.detach().numpy(), layer.bias.detach().numpy(),
           scaler.mean_, scaler.var_, scaler.n_samples_seen_, "f32", "model.tsmx")
(the weight of nn.Linear has the shape (C, F), like `coef_`).
"""

import argparse
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MAGIC = b"TSMX"
VERSION = 1
KIND_CHECKPOINT = 5


def checkpoint_bytes(weight, bias, mean, var, count, dtype):
    """The encoded checkpoint: header, payload (standardiser, model, zero SGD state, generator
    state 0), CRC-32 (zlib's, the same CRC-32/ISO-HDLC)."""
    weight = np.asarray(weight, dtype=np.float64)
    classes, features = weight.shape
    size, code = {"f32": (4, "<f"), "f64": (8, "<d")}[dtype]

    def values(xs):
        xs = np.asarray(xs, dtype=np.float64).ravel()
        if not np.all(np.isfinite(xs)):
            raise ValueError("non-finite value")
        return b"".join(struct.pack(code, float(x)) for x in xs)

    # Welford's M2 is the population variance times the count.
    m2 = np.asarray(var, dtype=np.float64) * count
    standardizer = struct.pack("<I", int(count)) + values(mean) + values(m2)
    model = values(weight) + values(bias)  # W as C rows of F, then b
    zeros = np.zeros(classes * features + classes)
    sgd_state = struct.pack("<I", 0) + values([0.0]) + values(zeros)
    payload = standardizer + model + sgd_state + struct.pack("<Q", 0)
    header = MAGIC + struct.pack("<HBBIII", VERSION, KIND_CHECKPOINT, size, features, classes,
                                 len(payload))
    record = header + payload
    return record + struct.pack("<I", zlib.crc32(record))


def export(weight, bias, mean, var, count, dtype, path):
    """Writes the checkpoint of a linear model on standardised features to `path`."""
    data = checkpoint_bytes(weight, bias, mean, var, count, dtype)
    Path(path).write_bytes(data)
    print(f"wrote {path} ({len(data)} bytes)")


def read_csv(path):
    labels, rows = [], []
    for line in Path(path).read_text().splitlines():
        fields = [f.strip() for f in line.split(",")]
        if not line.strip():
            continue
        try:
            label = int(fields[0])
        except ValueError:
            continue  # a header
        labels.append(label)
        rows.append([float(f) for f in fields[1:]])
    return np.array(rows), np.array(labels)


def fit(x, y, lam):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)  # population standard deviation, like Standardizer
    n = len(y)
    clf = LogisticRegression(C=1.0 / (n * lam), tol=1e-12, max_iter=100_000)
    clf.fit(scaler.transform(x), y)
    return scaler, clf


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", default=str(ROOT / "data/iris.csv"))
    p.add_argument("--lambda", dest="lam", type=float, default=0.01)
    p.add_argument("--dtype", choices=["f32", "f64"], default="f32")
    p.add_argument("--out", help="checkpoint to write (default: the test fixtures)")
    args = p.parse_args()
    x, y = read_csv(args.csv)
    scaler, clf = fit(x, y, args.lam)
    if clf.coef_.shape[0] != len(np.unique(y)):
        sys.exit("expected one row of coef_ per class (multinomial)")
    n = int(scaler.n_samples_seen_)
    if args.out:
        export(clf.coef_, clf.intercept_, scaler.mean_, scaler.var_, n, args.dtype, args.out)
        return
    fixtures = ROOT / "tests/fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    for dtype in ("f64", "f32"):
        export(clf.coef_, clf.intercept_, scaler.mean_, scaler.var_, n, dtype,
               fixtures / f"sklearn_iris_{dtype}.tsmx")
    proba = clf.predict_proba(scaler.transform(x))
    lines = [",".join(f"{v:.17g}" for v in row) for row in proba]
    (fixtures / "sklearn_iris_proba.csv").write_text("\n".join(lines) + "\n")
    print(f"wrote {fixtures / 'sklearn_iris_proba.csv'} ({len(lines)} rows)")


if __name__ == "__main__":
    main()
