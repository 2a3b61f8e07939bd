#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/seeds/<target>/), a few small inputs each
that reach the interesting paths at once: run from anywhere, `python3 fuzz/make-seeds.py`.
The byte encodings are those of fuzz/src/lib.rs (Input) and of the targets' own decoding."""
import os, struct, zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")

def f32_bits(v):  # Input::f32_bits
    return struct.pack("<f", v)

def f32(v):  # Input::f32, the raw-bits form (odd tag)
    return b"\x01" + struct.pack("<f", v)

def moderate(v):  # Input::f32, the moderate form (even tag): an i16 over 256
    return b"\x00" + struct.pack("<h", round(v * 256))

def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

SIZES = [2, 3, 4, 5, 7, 10, 16, 32, 100, 255, 1000]
# loss: size index, label (u16), logits as bits.
inf, nan = float("inf"), float("nan")
cases = {
    "three": (1, 0, [2.0, 0.0, -1.0]),
    "confident": (0, 1, [60.0, -60.0]),
    "tiny-margin": (5, 3, [1e-30 * i for i in range(10)]),
    "huge": (1, 2, [3e38, -3e38, 1e38]),
    "masked": (2, 1, [-inf, 0.5, -inf, 1.0]),
    "plus-inf": (1, 0, [inf, 0.0, 0.0]),
    "nan": (1, 2, [0.0, nan, 1.0]),
    "all-masked": (0, 0, [-inf, -inf]),
    "subnormal": (1, 1, [1e-45, -1e-45, 0.0]),
}
for name, (size, y, z) in cases.items():
    write("loss", name, bytes([size]) + struct.pack("<H", y) + b"".join(f32_bits(v) for v in z))

# train: configuration, model, samples, rng seed, operations (see fuzz_targets/train.rs).
def trainer(schedule=b"\x00", momentum=b"\x00", lam=0.01):
    return (moderate(0.1) + schedule + momentum + b"\x00" + b"\x00" + b"\x00" + moderate(lam))

model = b"".join(moderate(0.0) for _ in range(12))
samples = bytes([3]) + b"".join(
    b"".join(moderate(v) for v in x) + bytes([y])
    for x, y in [((1.0, 0.5, -1.0), 0), ((-1.0, 0.5, 0.0), 1), ((0.0, -1.0, 2.0), 7)]
)
ops = bytes([0, 0, 0, 1, 1, 2, 0, 2])
write("train", "plain", trainer() + model + samples + b"\x05\x00\x00\x00" + ops)
write("train", "nesterov-step-decay",
      trainer(b"\x02" + b"\x01\x00\x00\x00" + moderate(0.5), b"\x02" + moderate(0.9)) + model + samples + b"\x01\x00\x00\x00" + ops)
nan_model = f32(nan) + b"".join(moderate(0.0) for _ in range(11))
write("train", "nan-model", trainer() + nan_model + samples + b"\x02\x00\x00\x00" + ops)
huge_sample = bytes([1]) + f32(3e38) + moderate(1.0) + moderate(1.0) + b"\x00"
write("train", "huge-sample", trainer() + model + huge_sample + b"\x03\x00\x00\x00" + ops)

# numerics: selector, then the part's inputs.
xs = b"".join(moderate(v) for v in (1.0, -0.5, 0.25, 2.0))
small_model = b"".join(moderate(v) for v in (0.5, -0.25, 1.0, 0.0, -1.0, 0.75, 0.1, 0.0, -0.1))
write("numerics", "standardizer", b"\x00\x06" + b"".join(moderate(v) for v in (1.0, 2.0, 3.0, 4.0) * 6))
write("numerics", "replay", b"\x01\x07\x00\x00\x00\x08" + (b"\x01" + xs[:6] + b"\x00") * 8)
write("numerics", "averaged", b"\x02\x01\x03" + small_model * 3)
write("numerics", "certificate", b"\x03" + small_model + moderate(0.1) + moderate(1.0) + moderate(0.1) + xs)
write("numerics", "certificate-subnormal-lambda", b"\x03" + small_model + f32(2e-38) + moderate(1.0) + moderate(0.0) + xs)
write("numerics", "solver", b"\x04" + small_model + moderate(0.1) + b"\x03" + (b"\x00" + xs[:6]) * 3 + b"\x01" + moderate(0.01) + b"\x1f")

# decode: kind, mode, then bytes. Mode 2: a valid header, the payload from the input.
payload = b"".join(struct.pack("<f", 0.25 * i) for i in range(64))
for kind in range(6):
    write("decode", f"kind{kind}-header", bytes([kind, 2]) + payload)
# Mode 0, a whole valid record: Classifier<4, 3> f32 (kind byte 1 in the header).
def record(kind_byte, features, classes, body):
    covered = b"TSMX" + struct.pack("<HBBIII", 1, kind_byte, 4, features, classes, len(body)) + body
    return covered + struct.pack("<I", zlib.crc32(covered))
model_body = b"".join(struct.pack("<f", 0.5 * i - 3) for i in range(15))
write("decode", "kind0-record", bytes([0, 0]) + record(1, 4, 3, model_body))
# Store (kind 6), sealed slot A holding that record.
rec = record(1, 4, 3, model_body)
write("decode", "store-sealed", bytes([6, 1]) + struct.pack("<II", 7, len(rec)) + b"\x00" * 8 + rec)
