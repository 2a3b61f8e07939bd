//! The quantised model every `iris` firmware derives from the model it trained, shared with
//! `tests/firmware_parity.rs` by `#[path]` like `recipe.rs`.
//!
//! The device quantises its float model (`Quantized::new`, in f64: in software on a core
//! without an FPU), then predicts all 150 rows from integer readings in millimetres, as a
//! sensor would deliver them (raw feature in cm = 0.1 · reading), and compares with the float
//! model on the same rows: how often the two agree, how often the integer margin proves that
//! they agree (`Quantized::predict_certified`), and how often the quantised model is right.

use tinysoftmax::quant::Quantized;
use tinysoftmax::{Classifier, Result, Standardizer};

use crate::recipe::{CLASSES, FEATURES};

/// The input scale: a reading of 1 is 0.1 cm.
pub const INPUT_SCALE: f32 = 0.1;

/// How the quantised model compares with the float model.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The quantised model.
    pub model: Quantized<FEATURES, CLASSES>,
    /// Rows where the quantised prediction equals the float prediction.
    pub agree: u32,
    /// Rows whose prediction `predict_certified` proves equal to the float model's.
    pub certified: u32,
    /// Certified rows where the two predictions nevertheless differ (the theorem says none).
    pub certified_but_different: u32,
    /// Rows the quantised model predicts correctly.
    pub correct: u32,
    /// Rows compared.
    pub total: u32,
}

impl Comparison {
    /// Whether no certified prediction differs and at least 99 % agree.
    #[must_use]
    pub fn passes(&self) -> bool {
        self.certified_but_different == 0 && self.agree * 100 >= self.total * 99
    }
}

/// A length in cm (one decimal, positive) as a reading in mm.
#[must_use]
pub fn reading(cm: f32) -> i16 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "iris lengths are below 8 cm: the rounded value fits"
    )]
    let mm = (cm * 10.0 + 0.5) as i16;
    mm
}

/// Quantises `model` (trained on `standardizer`'s output) and compares it with the float model
/// on the raw rows.
///
/// # Errors
///
/// As `Quantized::new` (none on iris).
pub fn compare<const N: usize>(
    model: &Classifier<FEATURES, CLASSES>,
    standardizer: &Standardizer<FEATURES>,
    raw: &[[f32; FEATURES]; N],
    labels: &[u8; N],
) -> Result<Comparison> {
    let quantized = Quantized::new(model, standardizer, INPUT_SCALE)?;
    let mut c = Comparison {
        model: quantized,
        agree: 0,
        certified: 0,
        certified_but_different: 0,
        correct: 0,
        total: 0,
    };
    for (x, &label) in raw.iter().zip(labels) {
        let float = model.predict(&standardizer.transform(x));
        let (predicted, certified) = c.model.predict_certified(&x.map(reading));
        c.agree += u32::from(predicted == float);
        c.certified += u32::from(certified);
        c.certified_but_different += u32::from(certified && predicted != float);
        c.correct += u32::from(predicted.index() == usize::from(label));
        c.total += 1;
    }
    Ok(c)
}
