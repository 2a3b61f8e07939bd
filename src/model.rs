//! The linear softmax classifier: logits z = W x + b.

use crate::data::{Label, Sample};
use crate::error::{Error, Result};
use crate::loss::cross_entropy;
use crate::math::Float;
use crate::softmax::{argmax, softmax_in_place};

/// A softmax classifier (multinomial logistic regression) on `F` features and `C` classes.
///
/// Parameters: `weights: [[T; F]; C]`, row c being the weight vector of class c stored
/// contiguously (row-major C × F, the layout of PyTorch's `nn.Linear(F, C).weight`), and
/// `bias: [T; C]`. The model holds only parameters; optimiser state lives in
/// [`Trainer`](crate::train::Trainer). Its memory is (C·F + C)·`size_of::<T>()` bytes, and the
/// constructors are `const fn`, so a model can live in a `static` or in flash.
///
/// `C < 2`, `C > 65536` and `F = 0` are compile errors:
///
/// ```compile_fail
/// let m = tinysoftmax::Classifier::<4, 1>::zeros();
/// ```
///
/// ```compile_fail
/// let m = tinysoftmax::Classifier::<0, 3>::zeros();
/// ```
///
/// ```
/// use tinysoftmax::{Classifier, Label};
/// static MODEL: Classifier<2, 2> = Classifier::new([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]);
/// assert_eq!(MODEL.predict(&[3.0, 1.0]), Label::new(0)?);
/// assert_eq!(MODEL.logits(&[3.0, 1.0]), [3.0, 1.0]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Classifier<const F: usize, const C: usize, T = f32> {
    weights: [[T; F]; C],
    bias: [T; C],
}

impl<const F: usize, const C: usize, T: Float> Default for Classifier<F, C, T> {
    fn default() -> Self {
        Self::zeros()
    }
}

impl<const F: usize, const C: usize, T: Float> Classifier<F, C, T> {
    const SIZES_ARE_VALID: () = {
        assert!(C >= 2, "a classifier needs at least 2 classes");
        assert!(C <= 65_536, "a label holds at most 65536 classes");
        assert!(F >= 1, "a classifier needs at least 1 feature");
    };

    /// A model from its parameters.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<1, 2, f64>::new([[1.0], [-1.0]], [0.5, 0.0]);
    /// assert_eq!(m.bias(), &[0.5, 0.0]);
    /// ```
    #[must_use]
    pub const fn new(weights: [[T; F]; C], bias: [T; C]) -> Self {
        let () = Self::SIZES_ARE_VALID;
        Self { weights, bias }
    }

    /// The all-zero model (uniform predictions), the usual start of training.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<3, 4>::zeros();
    /// assert_eq!(m.probabilities(&[1.0, 2.0, 3.0]), [0.25; 4]);
    /// ```
    #[must_use]
    pub const fn zeros() -> Self {
        Self::new([[T::ZERO; F]; C], [T::ZERO; C])
    }

    /// The weights, one row per class.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::Classifier::<2, 2>::zeros().weights(), &[[0.0; 2]; 2]);
    /// ```
    #[must_use]
    pub const fn weights(&self) -> &[[T; F]; C] {
        &self.weights
    }

    /// The biases, one per class.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::Classifier::<2, 2>::zeros().bias(), &[0.0; 2]);
    /// ```
    #[must_use]
    pub const fn bias(&self) -> &[T; C] {
        &self.bias
    }

    /// Both parameter arrays, mutable (crate-internal: updates go through checked steps).
    pub(crate) fn parts_mut(&mut self) -> (&mut [[T; F]; C], &mut [T; C]) {
        (&mut self.weights, &mut self.bias)
    }

    /// The logits z_c = Σ_f W_cf x_f + b_c (summed in feature order, no fused multiply-add, so
    /// the bits are the same on every target).
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<2, 2>::new([[1.0, 2.0], [0.0, -1.0]], [0.5, 0.0]);
    /// assert_eq!(m.logits(&[1.0, 1.0]), [3.5, -1.0]);
    /// ```
    #[must_use]
    pub fn logits(&self, x: &[T; F]) -> [T; C] {
        let mut z = self.bias;
        for (zc, row) in z.iter_mut().zip(self.weights.iter()) {
            *zc = dot(row, x) + *zc;
        }
        z
    }

    /// The logits, or [`Error::NonFiniteLogit`] if one overflowed (training and the
    /// full-batch functions refuse such a sample rather than compute with ±∞).
    pub(crate) fn finite_logits(&self, x: &[T; F]) -> Result<[T; C]> {
        let z = self.logits(x);
        all_finite(&z)?;
        Ok(z)
    }

    /// The class probabilities softmax(W x + b).
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let p = m.probabilities(&[0.0]);
    /// assert_eq!(p, [0.5, 0.5]);
    /// ```
    #[must_use]
    pub fn probabilities(&self, x: &[T; F]) -> [T; C] {
        let mut z = self.logits(x);
        softmax_in_place(&mut z);
        z
    }

    /// The most probable class (the first on ties).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// assert_eq!(m.predict(&[-2.0]), Label::new(1)?);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn predict(&self, x: &[T; F]) -> Label<C> {
        Label::from_argmax(argmax(&self.logits(x)))
    }

    /// The cross-entropy of one sample, −ln p_y (see [`cross_entropy`]).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 2, f64>::zeros();
    /// assert_eq!(m.loss(&[1.0], Label::new(0)?), core::f64::consts::LN_2);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn loss(&self, x: &[T; F], y: Label<C>) -> T {
        cross_entropy(&self.logits(x), y)
    }

    /// The fraction of samples whose label is predicted (0 for no samples).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Sample};
    /// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let data = [Sample::new([1.0], Label::new(0)?), Sample::new([1.0], Label::new(1)?)];
    /// assert_eq!(m.accuracy(&data), 0.5);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn accuracy(&self, samples: &[Sample<F, C, T>]) -> T {
        let mut correct = 0_u32;
        let mut total = 0_u32;
        for s in samples {
            correct = correct.saturating_add(u32::from(self.predict(&s.features) == s.label));
            total = total.saturating_add(1);
        }
        if total == 0 {
            T::ZERO
        } else {
            T::from_u32(correct) / T::from_u32(total)
        }
    }

    /// ‖W‖² + ‖b‖², the squared Euclidean norm of all parameters.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<1, 2>::new([[3.0], [0.0]], [4.0, 0.0]);
    /// assert_eq!(m.norm_squared(), 25.0);
    /// ```
    #[must_use]
    pub fn norm_squared(&self) -> T {
        let rows = self
            .weights
            .iter()
            .fold(T::ZERO, |acc, row| acc + dot(row, row));
        rows + dot(&self.bias, &self.bias)
    }

    /// A 64-bit FNV-1a hash of the parameters' bits, weights row by row then biases.
    ///
    /// Two models have the same fingerprint when their parameters are (almost surely)
    /// bit-identical: the way to compare a model trained on a device with one trained on the
    /// host.
    ///
    /// ```
    /// use tinysoftmax::Classifier;
    /// let a = Classifier::<2, 2>::zeros();
    /// let b = Classifier::<2, 2>::new([[0.0, -0.0], [0.0, 0.0]], [0.0, 0.0]);
    /// assert_ne!(a.fingerprint(), b.fingerprint()); // −0.0 and 0.0 differ in their bits
    /// assert_eq!(a.fingerprint(), Classifier::<2, 2>::zeros().fingerprint());
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let values = self.weights.iter().flatten().chain(self.bias.iter());
        values.fold(OFFSET, |hash, v| {
            v.to_bits_u64()
                .to_le_bytes()
                .iter()
                .fold(hash, |h, &byte| (h ^ u64::from(byte)).wrapping_mul(PRIME))
        })
    }
}

/// Σ a_i b_i in index order.
#[inline]
pub(crate) fn dot<T: Float, const N: usize>(a: &[T; N], b: &[T; N]) -> T {
    a.iter()
        .zip(b.iter())
        .fold(T::ZERO, |acc, (&ai, &bi)| acc + ai * bi)
}

/// `Ok` if every logit is finite, else [`Error::NonFiniteLogit`] (training and the full-batch
/// functions refuse such a sample rather than compute with ±∞).
#[inline]
pub(crate) fn all_finite<T: Float, const C: usize>(z: &[T; C]) -> Result<()> {
    if z.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFiniteLogit)
    }
}
