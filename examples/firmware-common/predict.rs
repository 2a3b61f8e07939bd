//! Inference with the model the host tool trained and certified (`iris_model.rs`, written by
//! `tinysoftmax train data/iris.csv --lambda 0.01 --rust examples/firmware-common/iris_model.rs`)
//! on the raw iris rows: the `predict` firmware and `tests/firmware_parity.rs` run this same
//! code and must agree bit for bit.

use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::iris_model::{MODEL, STANDARDIZER};

/// The training accuracy the host tool reported for this model (0.96); less is a failure.
pub const MIN_ACCURACY: f32 = 0.96;

/// Accuracy on the raw rows and an FNV-1a hash of every probability's bits, row by row.
pub fn evaluate() -> (f32, u64) {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut correct = 0_u32;
    for (x, &label) in FEATURES.iter().zip(LABELS.iter()) {
        let z = STANDARDIZER.transform(x);
        if MODEL.predict(&z).index() == usize::from(label) {
            correct += 1;
        }
        for p in MODEL.probabilities(&z) {
            for byte in p.to_bits().to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
            }
        }
    }
    (correct as f32 / ROWS as f32, hash)
}
