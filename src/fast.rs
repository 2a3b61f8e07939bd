//! An opt-in approximate softmax for inference (feature `fast`).
//!
//! These functions trade accuracy for speed on cores without a floating-point unit: they use
//! micromath's exponential approximation instead of `libm`. Measured instructions for the
//! softmax of 10 logits (`scripts/footprint.sh`, under QEMU, 2026-11-27):
//!
//! | core | exact (`softmax::softmax`) | `fast::softmax` | ratio |
//! |---|---:|---:|---:|
//! | Cortex-M0 (soft float) | 35 499 | 27 460 | 0.77 |
//! | RV32IMC (soft float) | 21 209 | 16 884 | 0.80 |
//! | Cortex-M4F (FPU) | 1 394 | 1 375 | 0.99 |
//!
//! On a core with an FPU it saves nothing: use the exact functions there. They exist only under the
//! `fast` feature, are named separately, and nothing else in the crate calls them: the
//! loss, its gradient, training and [`softmax`](crate::softmax::softmax) always use `libm`, and
//! enabling the feature does not change any of their results.
//!
//! **Measured error** (`tests/fast.rs`, against the exact `f64` softmax, logits in [−20, 20],
//! C from 2 to 64, 46 000 vectors): every probability within 5.3e-4 absolute and the largest
//! within 8.3e-4 relative; the test asserts the bound 1e-3 for both. Use it to rank classes or threshold confidences, never to train, and never
//! take its logarithm (relative error is unbounded for tiny probabilities).

use crate::data::Label;
use crate::model::Classifier;
use crate::softmax::shift_by_max;

/// Approximate softmax of `f32` logits, computed as exp(z_j − max z) / Σ with micromath's
/// `exp` (see the [module docs](self) for its measured error).
///
/// Special values: masked (−∞) entries get 0; NaN or all −∞ give NaN.
///
/// ```
/// use tinysoftmax::fast;
/// let p = fast::softmax(&[2.0_f32, 1.0, 0.1]);
/// let exact = tinysoftmax::softmax::softmax(&[2.0_f32, 1.0, 0.1]);
/// for (a, b) in p.iter().zip(exact.iter()) {
///     assert!((a - b).abs() <= 1e-3);
/// }
/// ```
#[must_use]
pub fn softmax<const N: usize>(z: &[f32; N]) -> [f32; N] {
    let shift = shift_by_max(z);
    if shift.m == f32::NEG_INFINITY || shift.m.is_nan() {
        return [f32::NAN; N];
    }
    let mut out = *z;
    let mut sum = 0.0_f32;
    for v in &mut out {
        let d = *v - shift.m;
        *v = if d == f32::NEG_INFINITY {
            0.0
        } else {
            micromath::F32Ext::exp(d)
        };
        sum += *v;
    }
    for v in &mut out {
        *v /= sum;
    }
    out
}

/// Approximate class probabilities of a model: [`softmax`] of its logits.
///
/// ```
/// use tinysoftmax::{Classifier, fast};
/// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
/// let p = fast::probabilities(&m, &[0.5]);
/// assert!((p[0] - 0.731_058_6).abs() <= 1e-3);
/// ```
#[must_use]
pub fn probabilities<const F: usize, const C: usize>(
    model: &Classifier<F, C, f32>,
    x: &[f32; F],
) -> [f32; C] {
    softmax(&model.logits(x))
}

/// The predicted class and its approximate probability.
///
/// The class is exactly [`Classifier::predict`]'s (it comes from the logits, not from the
/// approximation); only the confidence is approximate.
///
/// ```
/// use tinysoftmax::{Classifier, Label, fast};
/// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
/// let (y, p) = fast::predict_with_confidence(&m, &[2.0]);
/// assert_eq!(y, Label::new(0)?);
/// assert!((p - 0.982_013_8).abs() <= 1e-3);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[must_use]
pub fn predict_with_confidence<const F: usize, const C: usize>(
    model: &Classifier<F, C, f32>,
    x: &[f32; F],
) -> (Label<C>, f32) {
    let z = model.logits(x);
    let k = shift_by_max(&z).k;
    let p = softmax(&z);
    (Label::from_argmax(k), p.get(k).copied().unwrap_or(f32::NAN))
}
