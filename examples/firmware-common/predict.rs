//! Inference with the model the host tool trained and certified (`iris_model.rs`, written by
//! `tinysoftmax train data/iris.csv --lambda 0.01 --rust examples/firmware-common/iris_model.rs`)
//! on the raw iris rows: the `predict` firmware and `tests/firmware_parity.rs` run this same
//! code and must agree bit for bit.

use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::iris_model::{MODEL, STANDARDIZER};
use tinysoftmax::format::{Checkpoint, Record};
use tinysoftmax::{Classifier, Result, Standardizer};

/// A checkpoint written on the host by `scripts/export_sklearn.py` (scikit-learn's iris model
/// in f32), as bytes: decoding it on the device must give the host's bits.
pub const SKLEARN_CHECKPOINT: &[u8] = include_bytes!("../../tests/fixtures/sklearn_iris_f32.tsmx");

/// The fingerprint of the model in [`SKLEARN_CHECKPOINT`] and its accuracy on the raw rows.
///
/// # Errors
///
/// Any error of decoding (none is expected: the bytes are checked by `tests/sklearn.rs`).
pub fn sklearn() -> Result<(u64, f32)> {
    let checkpoint = Checkpoint::<4, 3>::decode(SKLEARN_CHECKPOINT)?;
    let (accuracy, _) = accuracy_and_hash(&checkpoint.standardizer, &checkpoint.model);
    Ok((checkpoint.model.fingerprint(), accuracy))
}

/// The training accuracy the host tool reported for this model (0.96); less is a failure.
pub const MIN_ACCURACY: f32 = 0.96;

/// Accuracy of the host tool's model on the raw rows and an FNV-1a hash of every probability's
/// bits, row by row.
pub fn evaluate() -> (f32, u64) {
    accuracy_and_hash(&STANDARDIZER, &MODEL)
}

fn accuracy_and_hash(standardizer: &Standardizer<4>, model: &Classifier<4, 3>) -> (f32, u64) {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut correct = 0_u32;
    for (x, &label) in FEATURES.iter().zip(LABELS.iter()) {
        let z = standardizer.transform(x);
        if model.predict(&z).index() == usize::from(label) {
            correct += 1;
        }
        for p in model.probabilities(&z) {
            for byte in p.to_bits().to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
            }
        }
    }
    (correct as f32 / ROWS as f32, hash)
}
