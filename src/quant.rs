// The module documentation (the integer model, the bound B(r) and its proof step by step) is in
// `quant.md` beside this file, so that it reads as one document in the source too.
#![doc = include_str!("quant.md")]

mod fold;

use crate::data::Label;
use crate::error::{Error, Result};
use crate::math::Float;
use crate::model::{Classifier, FNV_OFFSET, fnv1a};
use crate::standardize::Standardizer;
use fold::Folded;

/// |i16::MIN|: the largest magnitude of a reading.
const READING_MAGNITUDE: u64 = 1 << 15;
/// The largest shift s_f: |r_f|·2^{s_f} ≤ 2³¹ keeps a shifted reading within `i32`.
const MAX_SHIFT: u8 = 16;
/// The largest worst-case input mass Σ_f 2^{s_f}·2¹⁵ (step 3 of the derivation: it keeps the
/// folding error of the weights below 1/8 of a logit step).
const MAX_INPUT_MASS: u64 = 1 << 32;
/// The range of the logit exponent P, so that 2^{P−3} … 2^P·2⁴⁸ are normal, finite f64.
const MIN_EXPONENT: i32 = -999;
/// See [`MIN_EXPONENT`].
const MAX_EXPONENT: i32 = 900;
/// 2⁻⁵², twice the unit roundoff of f64: the bias error factor of step 2.
const TWO_U: f64 = 2.220_446_049_250_313e-16;
/// Folded weights below this magnitude (2⁻¹⁰⁰⁰) are quantised at the logit step, to 0.
const NEGLIGIBLE: f64 = 9.332_636_185_032_189e-302;

mod sealed {
    /// The integer operations of a weight type (crate-internal).
    pub trait Sealed: Copy {
        /// The largest stored magnitude (the range is symmetric: `i8` stores −127 … 127).
        const LIMIT: u32;
        /// ⌊log₂ LIMIT⌋.
        const LOG2_LIMIT: i32;
        /// Zero.
        const ZERO: Self;
        /// The value, widened.
        fn to_i32(self) -> i32;
        /// `v` if |v| ≤ LIMIT.
        fn from_i32(v: i32) -> Option<Self>;
    }
}

/// The integer type of a quantised model's weights: `i8` (the default) or `i16`.
///
/// The range is symmetric, −127 … 127 for `i8` and −32767 … 32767 for `i16`. The trait is
/// sealed. See the [module docs](self) for what the wider type buys (a smaller bound) and costs
/// (twice the flash).
///
/// ```
/// use tinysoftmax::quant::Quantized;
/// assert_eq!(core::mem::size_of::<Quantized<64, 10, i8>>(), 748);
/// assert_eq!(core::mem::size_of::<Quantized<64, 10, i16>>(), 1388);
/// ```
pub trait Weight: sealed::Sealed + Into<i32> + core::fmt::Debug + PartialEq + Eq {}

macro_rules! weight {
    ($t:ty, $limit:expr, $log2:expr) => {
        impl sealed::Sealed for $t {
            const LIMIT: u32 = $limit;
            const LOG2_LIMIT: i32 = $log2;
            const ZERO: Self = 0;
            fn to_i32(self) -> i32 {
                i32::from(self)
            }
            fn from_i32(v: i32) -> Option<Self> {
                if v.unsigned_abs() <= Self::LIMIT {
                    <$t>::try_from(v).ok()
                } else {
                    None
                }
            }
        }
        impl Weight for $t {}
    };
}
weight!(i8, 127, 6);
weight!(i16, 32_767, 14);

/// A softmax classifier in integers, derived from a float [`Classifier`] and the
/// [`Standardizer`] it was trained with, whose logits provably stay within a computed bound of
/// the float model's.
///
/// Input: integer readings r ∈ `i16`^F that stand for the raw features s·r (s, the input scale,
/// is chosen when the model is built: 1 for pixel counts, 0.1 for millimetres of a feature in
/// centimetres, the LSB of an ADC). The standardiser is folded into the weights and the bias,
/// so prediction is integer arithmetic only: shift each reading by its feature's exponent,
/// accumulate C dot products with the `W`-typed weights in `i32`, take the argmax. The model
/// never overflows for any input (checked when it is built), and its logits S_c, in units of
/// the logit step 2^P, satisfy |2^P·S_c − z_c| ≤ B(r) = 2^{P−1}·(T(r) + 2) with
/// T(r) = Σ_f 2^{s_f}·|r_f|, where z_c is the float model's logit (see the [module docs](self)
/// for the proof). Memory: C·F weights, F shift bytes, C `i32` biases and an `i16`, 748 bytes
/// for (64, 10) with `i8` weights.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Standardizer, quant::Quantized};
/// let model = Classifier::<2, 2>::new([[1.0, -1.0], [-1.0, 1.0]], [0.0, 0.25]);
/// let q: Quantized<2, 2> = Quantized::new(&model, &Standardizer::new(), 0.5)?;
/// let r = [6, 2]; // the raw features 0.5·r = [3, 1]
/// assert_eq!(q.predict(&r), model.predict(&[3.0, 1.0]));
/// let z = model.logits(&[3.0, 1.0]);
/// let s = q.logits(&r);
/// for (zc, sc) in z.iter().zip(s) {
///     let error = (f64::from(*zc) - q.logit_step() * f64::from(sc)).abs();
///     assert!(error <= q.bound(&r));
/// }
/// assert_eq!(q.predict_certified(&r), (Label::new(0)?, true));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Quantized<const F: usize, const C: usize, W = i8> {
    /// Row c holds the weights of class c.
    rows: [[W; F]; C],
    /// s_f: feature f's readings are multiplied by 2^{s_f} before they meet the weights.
    shifts: [u8; F],
    /// β_c, in logit steps.
    bias: [i32; C],
    /// P: one logit step is 2^P.
    exponent: i16,
}

impl<const F: usize, const C: usize, W: Weight> Quantized<F, C, W> {
    const SIZES_ARE_VALID: () = {
        assert!(C >= 2, "a classifier needs at least 2 classes");
        assert!(C <= 65_536, "a label holds at most 65536 classes");
        assert!(F >= 1, "a classifier needs at least 1 feature");
    };

    /// Quantises `model`, whose inputs are `standardizer.transform(x)` of raw features
    /// x = `input_scale`·r.
    ///
    /// Chooses, in this order (see the [module docs](self)): each feature's weight step, the
    /// smallest power of two that keeps its C folded weights within the weight range; the logit
    /// step 2^P, the finest that keeps every logit within `i32` for every input and the
    /// bound's allowances small; the shifts and the rounded weights and biases. Runs in f64
    /// (and so in software on a core without an FPU); [`predict`](Self::predict) does not.
    ///
    /// # Errors
    ///
    /// [`Error::InputScale`] if `input_scale` is not finite and > 0; [`Error::QuantizedRange`]
    /// if a parameter, a standardiser statistic or a folded weight is not finite, or no logit
    /// step up to 2⁹⁰⁰ fits (parameters or standardiser statistics of extreme magnitude).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, Standardizer, quant::Quantized};
    /// let model = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let identity = Standardizer::new();
    /// assert_eq!(Quantized::<1, 2>::new(&model, &identity, 0.0), Err(Error::InputScale));
    /// let q = Quantized::<1, 2>::new(&model, &identity, 1.0)?;
    /// assert_eq!((q.weights(), q.exponent()), ([[64], [-64]], -6)); // 1.0 = 64·2⁻⁶
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn new<T: Float>(
        model: &Classifier<F, C, T>,
        standardizer: &Standardizer<F, T>,
        input_scale: T,
    ) -> Result<Self> {
        let () = Self::SIZES_ARE_VALID;
        let folded = Folded::new(model, standardizer, input_scale)?;
        let natural = folded.natural_exponents::<W>();
        let mut exponent = folded.start(&natural);
        while exponent <= MAX_EXPONENT {
            if let Some(q) = folded.quantize(&natural, exponent) {
                return Ok(q);
            }
            exponent += 1;
        }
        Err(Error::QuantizedRange)
    }

    /// A model from its parts, as returned by the accessors of a model that [`new`](Self::new)
    /// built (for firmware that receives a quantised model without its float original).
    ///
    /// The bound of [`bound`](Self::bound) refers to the float model the parts came from.
    ///
    /// # Errors
    ///
    /// [`Error::QuantizedRange`] if a weight is outside the symmetric range, a shift exceeds
    /// 16, the exponent is outside −999 … 900, or some input could overflow an `i32` logit.
    ///
    /// ```
    /// use tinysoftmax::{Error, quant::Quantized};
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.logits(&[1, 1]), [3 - 4, -3 + 4 + 5]);
    /// assert_eq!(q.exponent(), -4);
    /// let overflow = Quantized::<2, 2>::from_parts([[127, 127], [0, 0]], [16, 0], [0, 0], 0);
    /// assert_eq!(overflow, Err(Error::QuantizedRange));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn from_parts(
        weights: [[W; F]; C],
        shifts: [u8; F],
        bias: [i32; C],
        exponent: i16,
    ) -> Result<Self> {
        let () = Self::SIZES_ARE_VALID;
        let q = Self {
            rows: weights,
            shifts,
            bias,
            exponent,
        };
        if q.fits() {
            Ok(q)
        } else {
            Err(Error::QuantizedRange)
        }
    }

    /// Whether the parts keep every logit of every input within `i32` and within the ranges
    /// the bound's proof assumes.
    fn fits(&self) -> bool {
        let exponent = i32::from(self.exponent);
        if !(MIN_EXPONENT..=MAX_EXPONENT).contains(&exponent) {
            return false;
        }
        let mut mass = 0_u64;
        for &s in &self.shifts {
            if s > MAX_SHIFT {
                return false;
            }
            mass = mass.saturating_add(READING_MAGNITUDE << s);
        }
        if mass > MAX_INPUT_MASS {
            return false;
        }
        self.rows.iter().zip(self.bias.iter()).all(|(row, &b)| {
            let mut worst = u64::from(b.unsigned_abs());
            for (&w, &s) in row.iter().zip(self.shifts.iter()) {
                let w = w.to_i32().unsigned_abs();
                if w > W::LIMIT {
                    return false;
                }
                worst = worst.saturating_add(u64::from(w) * (READING_MAGNITUDE << s));
            }
            worst <= i32::MAX.unsigned_abs().into()
        })
    }

    /// The weights as C rows of F integers (a copy).
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.weights(), [[3, -1], [-3, 1]]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn weights(&self) -> [[W; F]; C] {
        self.rows
    }

    /// The shift s_f of each feature: reading r_f enters the sums as r_f·2^{s_f}.
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.shifts(), [0, 2]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn shifts(&self) -> [u8; F] {
        self.shifts
    }

    /// The biases β_c, in logit steps.
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.bias(), [0, 5]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn bias(&self) -> [i32; C] {
        self.bias
    }

    /// The exponent P of the logit step 2^P.
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.exponent(), -4);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn exponent(&self) -> i16 {
        self.exponent
    }

    /// The logit step 2^P: the float model's logit z_c is about `logit_step() · logits(r)[c]`.
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.logit_step(), 0.0625);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn logit_step(&self) -> f64 {
        pow2(i32::from(self.exponent))
    }

    /// The readings shifted into the common unit: x_f = r_f·2^{s_f} (exact: |x_f| ≤ 2³¹).
    #[inline]
    fn shifted(&self, r: &[i16; F]) -> [i32; F] {
        let mut x = [0_i32; F];
        for ((xf, &rf), &s) in x.iter_mut().zip(r.iter()).zip(self.shifts.iter()) {
            // s ≤ 16 (checked when the model was made), so nothing is shifted out.
            *xf = i32::from(rf).wrapping_shl(u32::from(s));
        }
        x
    }

    /// S_c = β_c + Σ_f q_cf·x_f, one class at a time, each sum in a register.
    #[inline]
    fn accumulate(&self, x: &[i32; F]) -> [i32; C] {
        let mut z = self.bias;
        for (zc, row) in z.iter_mut().zip(self.rows.iter()) {
            let mut sum = *zc;
            for (&w, &xf) in row.iter().zip(x.iter()) {
                // No sum can overflow (checked when the model was made); wrapping operations
                // say so and emit no check.
                sum = sum.wrapping_add(w.to_i32().wrapping_mul(xf));
            }
            *zc = sum;
        }
        z
    }

    /// The integer logits S_c = β_c + Σ_f q_cf·r_f·2^{s_f}, in logit steps.
    ///
    /// Integer arithmetic only, exact: no sum can overflow for any reading (checked when the
    /// model was made), so the result does not depend on the order of the sums.
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.logits(&[2, -1]), [3 * 2 - 1 * -4, -3 * 2 + 1 * -4 + 5]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn logits(&self, r: &[i16; F]) -> [i32; C] {
        self.accumulate(&self.shifted(r))
    }

    /// The class with the largest integer logit (the first on ties).
    ///
    /// ```
    /// use tinysoftmax::{Label, quant::Quantized};
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.predict(&[2, -1]), Label::new(0)?);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn predict(&self, r: &[i16; F]) -> Label<C> {
        Label::from_argmax(top_two(&self.logits(r)).0)
    }

    /// The prediction, and whether its margin proves that the float model predicts the same.
    ///
    /// The proof (step 5 of the [module docs](self)), in integers: with M the integer margin
    /// between the top two logits and T(r) = Σ_f 2^{s_f}·|r_f|, M > T(r) + 2 implies that the
    /// float model's top logit is the same class, ahead by more than 0 (its exact logits, in
    /// real arithmetic on its parameters). `false` proves nothing either way.
    ///
    /// ```
    /// use tinysoftmax::{Label, quant::Quantized};
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// // Margin 10 − (−5) = 15 > T + 2 = 2 + 4 + 2.
    /// assert_eq!(q.predict_certified(&[2, -1]), (Label::new(0)?, true));
    /// // Logits [3, 2]: margin 1, T + 2 = 3, too small to prove anything.
    /// assert_eq!(q.predict_certified(&[1, 0]), (Label::new(0)?, false));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn predict_certified(&self, r: &[i16; F]) -> (Label<C>, bool) {
        let x = self.shifted(r);
        let (top, margin) = top_two(&self.accumulate(&x));
        let mass = input_mass(&x);
        let certified = u64::try_from(margin).is_ok_and(|m| m > mass.saturating_add(2));
        (Label::from_argmax(top), certified)
    }

    /// B(r) = 2^{P−1}·(T(r) + 2), T(r) = Σ_f 2^{s_f}·|r_f|: every logit of the float model is
    /// within B(r) of `logit_step()·logits(r)` (step 4 of the [module docs](self)).
    ///
    /// Exact (a small integer times a power of two). Hence the float model's prediction equals
    /// [`predict`](Self::predict) whenever its top logit leads the others by more than 2·B(r).
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let q = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// assert_eq!(q.bound(&[2, -1]), (2.0 + 4.0 + 2.0) / 32.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn bound(&self, r: &[i16; F]) -> f64 {
        let mass = input_mass(&self.shifted(r));
        (mass as f64 + 2.0) * pow2(i32::from(self.exponent) - 1)
    }

    /// A 64-bit FNV-1a hash of the parts: weights row by row, shifts, biases, exponent, each
    /// integer as little-endian bytes (weights widened to `i32`).
    ///
    /// Equal fingerprints mean (almost surely) identical models: the way to compare a model
    /// quantised on a device with one quantised on the host.
    ///
    /// ```
    /// use tinysoftmax::quant::Quantized;
    /// let a = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -4)?;
    /// let b = Quantized::<2, 2>::from_parts([[3, -1], [-3, 1]], [0, 2], [0, 5], -3)?;
    /// assert_ne!(a.fingerprint(), b.fingerprint());
    /// assert_eq!(a.fingerprint(), a.clone().fingerprint());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        let weights = self.rows.iter().flatten();
        let hash = weights.fold(FNV_OFFSET, |h, &w| fnv1a(h, &w.to_i32().to_le_bytes()));
        let hash = fnv1a(hash, &self.shifts);
        let hash = self
            .bias
            .iter()
            .fold(hash, |h, &b| fnv1a(h, &b.to_le_bytes()));
        fnv1a(hash, &self.exponent.to_le_bytes())
    }
}

/// T = Σ_f |x_f| = Σ_f 2^{s_f}·|r_f| (at most F·2³¹: no overflow in `u64` for F < 2³²).
#[inline]
fn input_mass<const F: usize>(x: &[i32; F]) -> u64 {
    x.iter()
        .fold(0_u64, |t, &xf| t.wrapping_add(u64::from(xf.unsigned_abs())))
}

/// The index of the largest entry (the first on ties) and its lead over the runner-up.
#[inline]
fn top_two<const C: usize>(z: &[i32; C]) -> (usize, i64) {
    let mut top = 0;
    let mut best = i32::MIN;
    let mut second = i64::from(i32::MIN) - 1;
    for (c, &v) in z.iter().enumerate() {
        if c == 0 || v > best {
            if c > 0 {
                second = i64::from(best);
            }
            (top, best) = (c, v);
        } else if i64::from(v) > second {
            second = i64::from(v);
        }
    }
    (top, i64::from(best) - second)
}

/// 2^e, for −1022 ≤ e ≤ 1023 (exact).
fn pow2(e: i32) -> f64 {
    let biased = u64::try_from(e.saturating_add(1023)).unwrap_or(0).min(2046);
    f64::from_bits(biased << 52)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn top_two_takes_the_first_of_ties_and_measures_the_lead() {
        assert_eq!(top_two(&[1, 5, 5, 2]), (1, 0));
        assert_eq!(top_two(&[7, 5, -3]), (0, 2));
        assert_eq!(top_two(&[i32::MIN, i32::MAX]), (1, i64::from(u32::MAX)));
        assert_eq!(top_two(&[i32::MIN, i32::MIN]), (0, 0));
        assert_eq!(top_two(&[-1, -9, 4]), (2, 5));
    }

    #[test]
    fn powers_of_two_are_exact() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(-3), 0.125);
        assert_eq!(pow2(10), 1024.0);
        assert_eq!(pow2(-1022), f64::MIN_POSITIVE);
        // From the bits (biased exponent 1023 + e): `powi`'s accuracy is unspecified, and
        // Miri rounds it differently.
        assert_eq!(NEGLIGIBLE, f64::from_bits((1023 - 1000) << 52));
        assert_eq!(TWO_U, f64::from_bits((1023 - 52) << 52));
    }

    #[test]
    fn the_worst_input_just_fits() -> Result<()> {
        // 127·2¹⁵·2⁹ = 2 130 706 432 ≤ i32::MAX; one more bias step of 2²⁴ would not fit.
        let q = Quantized::<1, 2>::from_parts([[127], [-127]], [9], [16_777_215, 0], 0)?;
        assert_eq!(
            q.logits(&[i16::MAX]),
            [127 * 32_767 * 512 + 16_777_215, -127 * 32_767 * 512]
        );
        assert_eq!(
            q.logits(&[i16::MIN]),
            [-127 * 32_768 * 512 + 16_777_215, 127 * 32_768 * 512]
        );
        let over = Quantized::<1, 2>::from_parts([[127], [-127]], [9], [16_777_216, 0], 0);
        assert_eq!(over, Err(Error::QuantizedRange));
        let i8_min = Quantized::<1, 2>::from_parts([[-128], [0]], [0], [0, 0], 0);
        assert_eq!(i8_min, Err(Error::QuantizedRange));
        let exponent = Quantized::<1, 2>::from_parts([[1], [0]], [0], [0, 0], -1000);
        assert_eq!(exponent, Err(Error::QuantizedRange));
        Ok(())
    }

    #[test]
    fn non_finite_models_have_no_quantised_form() {
        let identity = Standardizer::<1>::new();
        for bad in [f32::NAN, f32::INFINITY] {
            let m = Classifier::<1, 2>::new([[bad], [0.0]], [0.0; 2]);
            let q = Quantized::<1, 2>::new(&m, &identity, 1.0);
            assert_eq!(q, Err(Error::QuantizedRange));
            let m = Classifier::<1, 2>::new([[1.0], [0.0]], [bad, 0.0]);
            assert_eq!(
                Quantized::<1, 2>::new(&m, &identity, 1.0),
                Err(Error::QuantizedRange)
            );
        }
        let m = Classifier::<1, 2>::new([[1.0], [0.0]], [0.0; 2]);
        for bad in [f32::NAN, f32::INFINITY, -1.0, 0.0] {
            assert_eq!(
                Quantized::<1, 2>::new(&m, &identity, bad),
                Err(Error::InputScale)
            );
        }
    }

    /// A model quantised from f64 parameters: its parts rebuild it, and its logits are within
    /// the bound of the exact ones (for these small integers and dyadic parameters, f64 computes
    /// the reference z exactly).
    #[test]
    fn an_f64_model_rebuilds_from_its_parts_and_keeps_its_bound() -> Result<()> {
        let model = Classifier::<3, 3, f64>::new(
            [[0.75, -2.5, 0.0625], [-1.25, 0.5, 3.0], [0.0, 1.0, -0.375]],
            [0.5, -0.25, 0.0],
        );
        let mut standardizer = Standardizer::<3, f64>::new();
        for x in [[1.0, 2.0, 3.0], [3.0, 6.0, 11.0]] {
            standardizer.update(&x)?;
        }
        // mean [2, 4, 7], scale [1, 2, 4]; readings in units of 0.5.
        let q = Quantized::<3, 3>::new(&model, &standardizer, 0.5)?;
        let parts = (q.weights(), q.shifts(), q.bias(), q.exponent());
        assert_eq!(
            Quantized::from_parts(parts.0, parts.1, parts.2, parts.3)?,
            q
        );
        let rows = model.weights();
        for r in [
            [0, 0, 0],
            [4, 8, 14],
            [-7, 300, 12],
            [i16::MIN, i16::MAX, 5],
        ] {
            let x = standardizer.transform(&r.map(|v| 0.5 * f64::from(v)));
            let s = q.logits(&r);
            for c in 0..3 {
                let z = rows[c].iter().zip(&x).map(|(w, v)| w * v).sum::<f64>() + model.bias()[c];
                let error = (q.logit_step() * f64::from(s[c]) - z).abs();
                assert!(
                    error <= q.bound(&r),
                    "r = {r:?}, c = {c}: {error} > {}",
                    q.bound(&r)
                );
            }
        }
        Ok(())
    }

    #[test]
    fn the_zero_model_is_all_zeros() -> Result<()> {
        let m = Classifier::<3, 2>::zeros();
        let q = Quantized::<3, 2>::new(&m, &Standardizer::new(), 1.0)?;
        assert_eq!(
            (q.weights(), q.shifts(), q.bias()),
            ([[0; 3]; 2], [0; 3], [0; 2])
        );
        assert_eq!(q.predict(&[5, -3, 2]).index(), 0);
        Ok(())
    }
}
