//! Cross-entropy from logits, with its gradient in the logits, from the softmax kernel.
//!
//! With k = argmax z, m = z_k, s = Σ_{j≠k} exp(z_j − m) and L = ln_1p(s):
//!
//! ```text
//! CE(z, y)   = (m − z_y) + L                    both terms ≥ 0: no cancellation
//! ∂CE/∂z_j   = p_j − [j = y],  p_j = exp(z_j − m) / (1 + s)
//! ∂CE/∂z_y   = −s / (1 + s)            if y = k (no 1 − p cancellation)
//!            = p_y − 1 ∈ [−1, −½]      otherwise
//! ```
//!
//! The textbook `−ln softmax(z)_y` returns 0 and a zero gradient once the loss falls below
//! about 6e-8 in `f32`; this form keeps full relative accuracy down to the smallest normal
//! number. Every function here takes the **logits**, never probabilities (like
//! `torch.nn.functional.cross_entropy`, unlike `nll_loss`); passing probabilities gives a
//! wrong, much flatter loss.
//!
//! ![Error in ULP of the textbook cross-entropy and of this crate's against the logit margin](https://raw.githubusercontent.com/tinysoftmax/tinysoftmax/main/docs/figures/accuracy.svg)
//!
//! The largest error of [`cross_entropy`] and of the textbook form in `f32` (10 classes),
//! against an `f64` reference, as the margin between the true class and the next grows: the
//! textbook error grows tenfold per decade of loss until its result is 0 (dashed line), while
//! [`cross_entropy`] stays under its error budget. Drawn by `cargo run --release --manifest-path figures/Cargo.toml -- accuracy`.
//!
//! The `_with_grad` functions are fused: one pass over the logits computes both the loss and
//! the gradient, sharing the exponentials.
//!
//! Special values: NaN in gives NaN out, and so does +∞: a logit of +∞ gives a NaN loss and
//! an all-NaN gradient, in every function here (as [`softmax`](crate::softmax::softmax) gives
//! NaN probabilities; the exact limit depends on how the logits grow); a masked true class (z_y = −∞) gives loss +∞ with a
//! finite gradient, and so does any masked class under label smoothing (its target mass ε/C
//! is positive); a class weight of 0 gives loss 0; all logits −∞ gives NaN. For finite logits
//! the loss is finite unless its exact value exceeds the largest float (|z_j − z_y| near
//! 3.4e38 in `f32`), and the gradient is always finite.

use crate::data::Label;
use crate::error::{Error, Result};
use crate::math::{Float, from_count};
use crate::softmax::{
    Compensated, Shift, ShiftedSum, exp_shifted_in_place, normal_shifted_exps, shift_by_max,
    sum_shifted_exp,
};

/// The cross-entropy −ln softmax(z)_y of logits `z` for the class `y`.
///
/// Equals `torch.nn.functional.cross_entropy(z, y)` for one sample.
///
/// ```
/// use tinysoftmax::{Label, loss::cross_entropy};
/// let z = [2.0_f32, 0.0, 0.0];
/// let y = Label::new(0)?;
/// assert!((cross_entropy(&z, y) - 0.239_544_77).abs() < 1e-7);
/// // A confident prediction keeps its tiny loss: ln(1 + 2e^-60) ≈ 1.751302e-26.
/// let tiny = cross_entropy(&[60.0_f32, 0.0, 0.0], y);
/// assert!((tiny - 1.751_302e-26).abs() <= 1e-32);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[must_use]
pub fn cross_entropy<T: Float, const C: usize>(z: &[T; C], y: Label<C>) -> T {
    let shift = loss_shift(z);
    (shift.m - z[y.index()]) + sum_shifted_exp(z, shift).ln_1p()
}

/// [`cross_entropy`] and its gradient p − e_y in the logits, in one pass.
///
/// ```
/// use tinysoftmax::{Label, loss::cross_entropy_with_grad};
/// let (loss, grad) = cross_entropy_with_grad(&[0.0_f64, 0.0], Label::new(1)?);
/// assert_eq!(loss, core::f64::consts::LN_2);
/// assert_eq!(grad, [0.5, -0.5]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[must_use]
pub fn cross_entropy_with_grad<T: Float, const C: usize>(z: &[T; C], y: Label<C>) -> (T, [T; C]) {
    let (shift, s, grad) = fused_kernel(z, y);
    ((shift.m - z[y.index()]) + s.ln_1p(), grad)
}

/// The shift of every loss here: [`shift_by_max`], with a maximum of +∞ replaced by NaN, so
/// that a +∞ logit gives a NaN loss and a NaN gradient everywhere (the limit depends on how
/// the logits grow, and a NaN cannot be mistaken for a step to take).
#[inline]
fn loss_shift<T: Float, const C: usize>(z: &[T; C]) -> Shift<T> {
    let mut shift = shift_by_max(z);
    if shift.m == T::INFINITY {
        shift.m = T::NAN;
    }
    shift
}

/// One pass over the logits: the shift, s = Σ_{j≠k} exp(z_j − m), and the gradient p − e_y.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn fused_kernel<T: Float, const C: usize>(z: &[T; C], y: Label<C>) -> (Shift<T>, T, [T; C]) {
    kernel(z, |e, s, k| gradient_from_exps(e, s, k, y))
}

/// One pass over the logits: the shift, s = Σ_{j≠k} exp(z_j − m), and the probabilities p
/// (for finite logits, the bits of [`softmax`](crate::softmax::softmax), which takes the same
/// steps one exponential at a time).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn probability_kernel<T: Float, const C: usize>(z: &[T; C]) -> (Shift<T>, T, [T; C]) {
    kernel(z, |e, s, _| probabilities_from_exps(e, s))
}

/// The shift, s and `finish(exps, s, k)` applied to the exponentials exp(z_j − m).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn kernel<T: Float, const C: usize>(
    z: &[T; C],
    finish: impl Fn(&mut [T; C], T, usize) + Copy,
) -> (Shift<T>, T, [T; C]) {
    // Bare-metal targets take the general path only: the same bits in less flash (the normal
    // path gains nothing without SIMD).
    if cfg!(target_os = "none") {
        return general_kernel(z, finish);
    }
    normal_kernel(z, finish).unwrap_or_else(|| general_kernel(z, finish))
}

/// [`kernel`] for any logits.
#[inline]
fn general_kernel<T: Float, const C: usize>(
    z: &[T; C],
    finish: impl Fn(&mut [T; C], T, usize),
) -> (Shift<T>, T, [T; C]) {
    let shift = loss_shift(z);
    let mut e = *z;
    let s = exp_shifted_in_place(&mut e, shift);
    finish(&mut e, s, shift.k);
    (shift, s, e)
}

/// [`kernel`] where every z_j − m is finite and at least ln of the smallest normal number
/// (finite logits within about 87 of each other in `f32`, 708 in `f64`): the same operations in
/// the same order, so the same bits, arranged so that the host vectorises them across classes;
/// `None` for any other logits (a NaN or infinity among them, or an exponential below the normal
/// range), which take the general path.
///
/// The general path's branches all go one way here: the shift is the first maximum, and the
/// exponentials and their sum are [`normal_shifted_exps`]'s.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn normal_kernel<T: Float, const C: usize>(
    z: &[T; C],
    finish: impl Fn(&mut [T; C], T, usize),
) -> Option<(Shift<T>, T, [T; C])> {
    // The first maximum without `shift_by_max`'s NaN test per entry (which cost 7 % of a
    // full-batch pass): a NaN makes some difference NaN, and the path declines.
    let mut shift = Shift { k: 0, m: z[0] };
    for (j, &v) in z.iter().enumerate().skip(1) {
        if v > shift.m {
            shift = Shift { k: j, m: v };
        }
    }
    // A NaN or infinite logit makes some difference NaN or −∞, which the softmax declines.
    let (mut e, s) = normal_shifted_exps(z, shift)?;
    finish(&mut e, s, shift.k);
    Some((shift, s, e))
}

/// The softmax of finite logits, in the bits of [`softmax`](crate::softmax::softmax), through
/// the loss's kernel (on the host, its exponentials several at a time).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn probabilities<T: Float, const C: usize>(z: &[T; C]) -> [T; C] {
    probability_kernel(z).2
}

/// [`fused_kernel`] for logits given by their differences from a largest one, class `k`:
/// z_j − z_k = hi_j + lo_j, with hi_k = lo_k = 0, every hi_j + lo_j ≤ 0 and |lo_j| ≤ ½ ULP of
/// hi_j. The same operations once the shifts are formed: s = Σ_{j≠k} exp(hi_j + lo_j) and
/// p − e_y.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn split_kernel<T: Float, const C: usize>(
    hi: &[T; C],
    lo: &[T; C],
    k: usize,
    y: Label<C>,
) -> (T, [T; C]) {
    let mut acc = ShiftedSum::new();
    let mut grad = [T::ZERO; C];
    for (j, ((g, &h), &l)) in grad.iter_mut().zip(hi).zip(lo).enumerate() {
        *g = acc.exp_split(h, l, j != k);
    }
    let s = acc.total();
    gradient_from_exps(&mut grad, s, k, y);
    (s, grad)
}

/// Turns exp(z_j − m) into p_j, and p_y into p_y − 1 (see [`subtract_label`]).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn gradient_from_exps<T: Float, const C: usize>(e: &mut [T; C], s: T, k: usize, y: Label<C>) {
    probabilities_from_exps(e, s);
    subtract_label(e, s, k, y);
}

/// Turns p_y into p_y − 1 (as −s/(1 + s) when y is the largest class k, without
/// cancellation): the probabilities become the gradient p − e_y.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn subtract_label<T: Float, const C: usize>(p: &mut [T; C], s: T, k: usize, y: Label<C>) {
    p[y.index()] = if y.index() == k {
        -(s / (T::ONE + s))
    } else {
        p[y.index()] - T::ONE
    };
}

/// Divides exp(z_j − m) by 1 + s, giving the probabilities.
#[inline]
fn probabilities_from_exps<T: Float, const C: usize>(e: &mut [T; C], s: T) {
    let denominator = T::ONE + s;
    for v in e.iter_mut() {
        *v = *v / denominator;
    }
}

/// Sum over j of q_j · (lse − z_j), skipping q_j = 0 (so masked classes with no target mass
/// contribute 0, not 0·∞).
fn weighted_gaps<T: Float, const C: usize>(z: &[T; C], q: &[T; C], shift: Shift<T>, l: T) -> T {
    let mut acc = Compensated::new();
    for (&zj, &qj) in z.iter().zip(q.iter()) {
        if qj != T::ZERO {
            acc.add(qj * ((shift.m - zj) + l));
        }
    }
    acc.total()
}

/// mean_j (lse − z_j) = L + mean_j (m − z_j), every term ≥ 0 (+∞ if a class is masked).
fn mean_gap<T: Float, const C: usize>(z: &[T; C], shift: Shift<T>, l: T) -> T {
    let classes = from_count::<T>(C);
    let mut acc = Compensated::new();
    for &zj in z {
        let gap = shift.m - zj;
        // Divided one by one, so that the mean stays finite when the sum would overflow; a gap
        // that itself overflows (z_j far below m) is split (no cancellation there).
        acc.add(if gap.is_finite() {
            gap / classes
        } else {
            shift.m / classes - zj / classes
        });
    }
    l + acc.total()
}

/// The cross-entropy Σ_j q_j · (−ln softmax(z)_j) against soft targets `q`.
///
/// `q` is meant to be a probability vector (q ≥ 0, Σq = 1); it is not checked, and for any
/// other `q` the result is what the formula gives. Targets of exactly 0 contribute 0 even
/// where z_j = −∞. Equals `torch.nn.functional.cross_entropy(z, q)` with probability targets.
///
/// ```
/// use tinysoftmax::loss::soft_cross_entropy;
/// let z = [1.0_f64, 1.0];
/// assert_eq!(soft_cross_entropy(&z, &[0.3, 0.7]), core::f64::consts::LN_2);
/// ```
#[must_use]
pub fn soft_cross_entropy<T: Float, const C: usize>(z: &[T; C], q: &[T; C]) -> T {
    let shift = loss_shift(z);
    weighted_gaps(z, q, shift, sum_shifted_exp(z, shift).ln_1p())
}

/// [`soft_cross_entropy`] and its gradient (Σq)·p − q in the logits, in one pass.
///
/// ```
/// use tinysoftmax::loss::soft_cross_entropy_with_grad;
/// let (loss, grad) = soft_cross_entropy_with_grad(&[0.0_f64, 0.0], &[0.25, 0.75]);
/// assert_eq!(loss, core::f64::consts::LN_2);
/// assert_eq!(grad, [0.25, -0.25]);
/// ```
#[must_use]
pub fn soft_cross_entropy_with_grad<T: Float, const C: usize>(
    z: &[T; C],
    q: &[T; C],
) -> (T, [T; C]) {
    let shift = loss_shift(z);
    let mut grad = *z;
    let s = exp_shifted_in_place(&mut grad, shift);
    let loss = weighted_gaps(z, q, shift, s.ln_1p());
    probabilities_from_exps(&mut grad, s);
    let mut mass = Compensated::new();
    for &qj in q {
        mass.add(qj);
    }
    let mass = mass.total();
    for (g, &qj) in grad.iter_mut().zip(q.iter()) {
        *g = mass * *g - qj;
    }
    (loss, grad)
}

/// The cross-entropy used in training: class weights and label smoothing over a hard label.
///
/// With smoothing ε the target is q = (1 − ε)·e_y + ε/C, so
///
/// ```text
/// loss(z, y) = w_y · [ (1 − ε)·CE(z, y) + ε · mean_j (lse(z) − z_j) ]
/// grad(z, y) = w_y · [ (p − e_y) + ε·(e_y − 1/C) ]
/// ```
///
/// **Class weights** scale a sample's whole (smoothed) loss by the weight of its true class,
/// w_y; the smoothing part is not re-weighted per class (PyTorch instead weights each smoothing
/// term by w_j). Over a data set the training objective is the weighted **sum divided by the
/// number of samples n**, (1/n)·Σ_i w_{y_i}·loss_i, not by Σ_i w_{y_i} (PyTorch's
/// `reduction="mean"`): that keeps the meaning of λ independent of the weights, and is what a
/// per-sample SGD step estimates. With [`balanced_weights`](Self::balanced_weights), whose
/// mean over the data is 1, the two conventions coincide.
///
/// ```
/// use tinysoftmax::{Label, loss::CrossEntropy};
/// let ce = CrossEntropy::<2, f64>::new().with_class_weights([1.0, 3.0])?.with_label_smoothing(0.1)?;
/// let (loss, grad) = ce.loss_with_grad(&[0.0, 0.0], Label::new(1)?);
/// assert!((loss - 3.0 * core::f64::consts::LN_2).abs() < 1e-15);
/// assert!((grad[0] - 3.0 * 0.45).abs() < 1e-15 && (grad[1] + 3.0 * 0.45).abs() < 1e-15);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CrossEntropy<const C: usize, T = f32> {
    weights: [T; C],
    smoothing: T,
}

impl<const C: usize, T: Float> Default for CrossEntropy<C, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize, T: Float> CrossEntropy<C, T> {
    /// Plain cross-entropy: every class weight 1, no smoothing.
    ///
    /// ```
    /// let ce = tinysoftmax::loss::CrossEntropy::<3>::new();
    /// assert_eq!(ce.class_weights(), &[1.0; 3]);
    /// assert_eq!(ce.label_smoothing(), 0.0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            weights: [T::ONE; C],
            smoothing: T::ZERO,
        }
    }

    /// Sets the class weights w_0 … w_{C−1}.
    ///
    /// # Errors
    ///
    /// [`Error::ClassWeight`] if a weight is negative or not finite, or all are 0.
    ///
    /// ```
    /// use tinysoftmax::{Error, loss::CrossEntropy};
    /// assert!(CrossEntropy::<2>::new().with_class_weights([1.0, 2.0]).is_ok());
    /// assert_eq!(CrossEntropy::<2>::new().with_class_weights([0.0, 0.0]), Err(Error::ClassWeight));
    /// ```
    pub fn with_class_weights(self, weights: [T; C]) -> Result<Self> {
        let valid = weights.iter().all(|&w| w.is_finite() && w >= T::ZERO);
        if valid && weights.iter().any(|&w| w > T::ZERO) {
            Ok(Self { weights, ..self })
        } else {
            Err(Error::ClassWeight)
        }
    }

    /// Sets the label smoothing ε ∈ [0, 1] (PyTorch's `label_smoothing`).
    ///
    /// # Errors
    ///
    /// [`Error::LabelSmoothing`] if ε is outside [0, 1] or NaN.
    ///
    /// ```
    /// use tinysoftmax::loss::CrossEntropy;
    /// assert!(CrossEntropy::<2>::new().with_label_smoothing(0.1).is_ok());
    /// assert!(CrossEntropy::<2>::new().with_label_smoothing(f32::NAN).is_err());
    /// ```
    pub fn with_label_smoothing(self, epsilon: T) -> Result<Self> {
        if epsilon >= T::ZERO && epsilon <= T::ONE {
            Ok(Self {
                smoothing: epsilon,
                ..self
            })
        } else {
            Err(Error::LabelSmoothing)
        }
    }

    /// Weights n / (K·n_c) from per-class sample counts n_c, K the number of classes that have
    /// samples ("balanced", as in scikit-learn); classes with no samples get weight 0. Their
    /// mean over the data is 1.
    ///
    /// # Errors
    ///
    /// [`Error::NoSamples`] if every count is 0.
    ///
    /// ```
    /// use tinysoftmax::loss::CrossEntropy;
    /// let w = CrossEntropy::<2, f64>::balanced_weights(&[30, 10])?;
    /// assert_eq!(w, [40.0 / 60.0, 2.0]);
    /// // An absent class gets 0 and does not count: the mean over the 40 samples stays 1.
    /// let w = CrossEntropy::<3, f64>::balanced_weights(&[30, 10, 0])?;
    /// assert_eq!(w, [40.0 / 60.0, 2.0, 0.0]);
    /// assert_eq!((30.0 * w[0] + 10.0 * w[1]) / 40.0, 1.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn balanced_weights(counts: &[u32; C]) -> Result<[T; C]> {
        let total = counts.iter().fold(T::ZERO, |acc, &n| acc + T::from_u32(n));
        if total == T::ZERO {
            return Err(Error::NoSamples);
        }
        let present = counts.iter().fold(0_u32, |k, &n| k + u32::from(n > 0));
        let classes = T::from_u32(present);
        let mut weights = [T::ZERO; C];
        for (w, &n) in weights.iter_mut().zip(counts.iter()) {
            if n > 0 {
                *w = total / (classes * T::from_u32(n));
            }
        }
        Ok(weights)
    }

    /// The class weights.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::loss::CrossEntropy::<2>::new().class_weights(), &[1.0, 1.0]);
    /// ```
    #[must_use]
    pub const fn class_weights(&self) -> &[T; C] {
        &self.weights
    }

    /// The label smoothing ε.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::loss::CrossEntropy::<2>::new().label_smoothing(), 0.0);
    /// ```
    #[must_use]
    pub const fn label_smoothing(&self) -> T {
        self.smoothing
    }

    /// The weighted, smoothed loss of one sample (see the type's docs).
    ///
    /// ```
    /// use tinysoftmax::{Label, loss::{CrossEntropy, cross_entropy}};
    /// let z = [0.5_f32, -1.0, 2.0];
    /// let y = Label::new(2)?;
    /// assert_eq!(CrossEntropy::new().loss(&z, y), cross_entropy(&z, y));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn loss(&self, z: &[T; C], y: Label<C>) -> T {
        let shift = loss_shift(z);
        let l = sum_shifted_exp(z, shift).ln_1p();
        self.combine(z, y, shift, l)
    }

    /// [`loss`](Self::loss) and its gradient in the logits, in one pass.
    ///
    /// ```
    /// use tinysoftmax::{Label, loss::{CrossEntropy, cross_entropy_with_grad}};
    /// let z = [0.5_f32, -1.0, 2.0];
    /// let y = Label::new(0)?;
    /// assert_eq!(CrossEntropy::new().loss_with_grad(&z, y), cross_entropy_with_grad(&z, y));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub fn loss_with_grad(&self, z: &[T; C], y: Label<C>) -> (T, [T; C]) {
        let (shift, s, grad) = fused_kernel(z, y);
        self.weighted(z, y, shift, s, grad)
    }

    /// [`loss_with_grad`](Self::loss_with_grad) and the probabilities p = softmax(z) it takes
    /// the gradient from (the bits of [`softmax`](crate::softmax::softmax) for finite logits),
    /// from one kernel.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn loss_with_grad_and_probabilities(
        &self,
        z: &[T; C],
        y: Label<C>,
    ) -> (T, [T; C], [T; C]) {
        // The kernel's gradient holds p_j for j ≠ y; p_y is noted before it becomes p_y − 1,
        // divided as `probabilities_from_exps` divides it. (Taking the probabilities from the
        // kernel and subtracting the label afterwards made the gradient pass 25 % slower.)
        let p_y = core::cell::Cell::new(T::ZERO);
        let (shift, s, grad) = kernel(z, |e, s, k| {
            p_y.set(e[y.index()] / (T::ONE + s));
            gradient_from_exps(e, s, k, y);
        });
        let mut p = grad;
        p[y.index()] = p_y.get();
        let (l, grad) = self.weighted(z, y, shift, s, grad);
        (l, grad, p)
    }

    /// [`loss_with_grad`](Self::loss_with_grad) for logits given by their differences from a
    /// largest one, class `k`: z_j − z_k = hi_j + lo_j, with hi_k = lo_k = 0, every
    /// hi_j + lo_j ≤ 0 and |lo_j| ≤ ½ ULP of hi_j. The certificate passes its compensated
    /// logits this way, so that their rounding to the working precision does not move the
    /// gradient. The loss value is computed from the `hi` parts alone.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn loss_with_grad_split(
        &self,
        hi: &[T; C],
        lo: &[T; C],
        k: usize,
        y: Label<C>,
    ) -> (T, [T; C]) {
        let (s, grad) = split_kernel(hi, lo, k, y);
        self.weighted(hi, y, Shift { k, m: T::ZERO }, s, grad)
    }

    /// Smoothing and class weights applied to the kernel's s and p − e_y, with the loss.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn weighted(
        &self,
        z: &[T; C],
        y: Label<C>,
        shift: Shift<T>,
        s: T,
        mut grad: [T; C],
    ) -> (T, [T; C]) {
        let l = s.ln_1p();
        let w = self.weights[y.index()];
        let eps = self.smoothing;
        if eps == T::ZERO && w == T::ONE {
            // Plain cross-entropy, the common case: what `combine` gives, without its
            // arithmetic by 1 and 0 (1·a and a + 0 are exact for a ≥ 0, which the loss is).
            return ((shift.m - z[y.index()]) + l, grad);
        }
        if eps > T::ZERO {
            let uniform = eps / from_count::<T>(C);
            for g in &mut grad {
                *g -= uniform;
            }
            grad[y.index()] += eps;
        }
        if w != T::ONE {
            for g in &mut grad {
                *g *= w;
            }
        }
        (self.combine(z, y, shift, l), grad)
    }

    /// w_y · [(1 − ε)·CE + ε·mean_j(lse − z_j)], from the kernel's shift and L.
    /// A weight of 0 gives 0 and a coefficient of 0 skips its term, even where the term is +∞
    /// (a masked class), so that 0·∞ never makes a NaN.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn combine(&self, z: &[T; C], y: Label<C>, shift: Shift<T>, l: T) -> T {
        let weight = self.weights[y.index()];
        if weight == T::ZERO {
            return T::ZERO;
        }
        let eps = self.smoothing;
        let hard = if eps < T::ONE {
            (T::ONE - eps) * ((shift.m - z[y.index()]) + l)
        } else {
            T::ZERO
        };
        let soft = if eps > T::ZERO {
            eps * mean_gap(z, shift, l)
        } else {
            T::ZERO
        };
        weight * (hard + soft)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::rng::SplitMix64;

    /// Random logit vectors per kernel test: a few under Miri, which checks for undefined
    /// behaviour and byte order only.
    const CASES: usize = if cfg!(miri) { 40 } else { 20_000 };

    /// [`general_kernel`] with the one-at-a-time loop of every target (which the host's
    /// `exp_shifted_in_place` replaces where all exponentials are normal).
    fn one_at_a_time_kernel<T: Float, const C: usize>(
        z: &[T; C],
        y: Label<C>,
    ) -> (Shift<T>, T, [T; C]) {
        let shift = loss_shift(z);
        let mut grad = *z;
        let s = crate::softmax::exp_shifted_general(&mut grad, shift);
        gradient_from_exps(&mut grad, s, shift.k, y);
        (shift, s, grad)
    }

    /// The normal kernel is the general one, bit for bit, wherever it applies; it applies to
    /// ordinary logits and declines NaN, infinities and exponentials below the normal range.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_precision_loss,
        reason = "small test counts and random bits"
    )]
    fn kernels_agree<T: Float, const C: usize>(rng: &mut SplitMix64, specials: &[T]) -> usize {
        let mut taken = 0;
        for case in 0..CASES {
            let scale = T::from_f64(f64::from(rng.below(1 << 12)) / 8.0);
            let mut z = [T::ZERO; C];
            for v in &mut z {
                let r = T::from_f64((rng.next_u64() >> 11) as f64 / 2f64.powi(53) - 0.5);
                *v = r * scale;
            }
            // Ties, signed zeros, and the specials in some cases.
            if case % 5 == 0 {
                z[C - 1] = z[0];
            }
            if case % 7 == 0 {
                let pick = specials[rng.below(specials.len() as u32) as usize];
                z[rng.below(C as u32) as usize] = pick;
            }
            let y =
                Label::<C>::new(rng.below(C as u32) as usize).unwrap_or_else(|_| unreachable!());
            let general = one_at_a_time_kernel(&z, y);
            if let Some(normal) = normal_kernel(&z, |e, s, k| gradient_from_exps(e, s, k, y)) {
                taken += 1;
                assert_eq!(normal.0.k, general.0.k, "{z:?}");
                assert_eq!(
                    normal.0.m.to_f64().to_bits(),
                    general.0.m.to_f64().to_bits()
                );
                assert_eq!(
                    normal.1.to_f64().to_bits(),
                    general.1.to_f64().to_bits(),
                    "{z:?}"
                );
                for (a, b) in normal.2.iter().zip(general.2.iter()) {
                    assert_eq!(a.to_f64().to_bits(), b.to_f64().to_bits(), "{z:?}");
                }
            } else {
                let finite = z.iter().all(|v| v.is_finite());
                let m = z.iter().fold(T::NEG_INFINITY, |a, &b| a.max_nan(b));
                let lowest = z
                    .iter()
                    .fold(T::INFINITY, |a, &b| if b < a { b } else { a });
                assert!(!finite || lowest - m < T::LN_MIN_POSITIVE, "declined {z:?}");
            }
        }
        taken
    }

    #[test]
    fn normal_kernel_is_the_general_one_where_it_applies() {
        let mut rng = SplitMix64::new(31);
        let f32_specials = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            3.0e38,
            -3.0e38,
            -87.4,
            87.3,
        ];
        let f64_specials = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            1.7e308,
            -1.7e308,
            -708.4,
            708.3,
        ];
        for taken in [
            kernels_agree::<f32, 3>(&mut rng, &f32_specials),
            kernels_agree::<f32, 10>(&mut rng, &f32_specials),
            kernels_agree::<f64, 10>(&mut rng, &f64_specials),
            kernels_agree::<f64, 1>(&mut rng, &f64_specials),
        ] {
            // Both paths are exercised.
            assert!(taken > CASES / 10 && taken < CASES, "{taken}");
        }
    }

    const NEG_INF: f32 = f32::NEG_INFINITY;

    #[test]
    fn a_positive_infinite_logit_gives_nan_loss_and_gradient() {
        let inf = f32::INFINITY;
        let smoothed = CrossEntropy::<3>::new().with_label_smoothing(0.1).unwrap();
        let weighted = CrossEntropy::<3>::new()
            .with_class_weights([2.0, 1.0, 1.0])
            .unwrap();
        for z in [
            [inf, 0.0, 0.0],
            [0.0, inf, -1.0],
            [inf, inf, 0.0],
            [inf, NEG_INF, 0.0],
        ] {
            for y in 0..3 {
                let y = Label::new(y).unwrap();
                let results = [
                    cross_entropy_with_grad(&z, y),
                    smoothed.loss_with_grad(&z, y),
                    weighted.loss_with_grad(&z, y),
                    soft_cross_entropy_with_grad(&z, &[0.2, 0.3, 0.5]),
                ];
                for (loss, grad) in results {
                    assert!(
                        loss.is_nan() && grad.iter().all(|g| g.is_nan()),
                        "{z:?} {y:?}"
                    );
                }
                assert!(cross_entropy(&z, y).is_nan());
                assert!(smoothed.loss(&z, y).is_nan());
                assert!(soft_cross_entropy(&z, &[0.2, 0.3, 0.5]).is_nan());
            }
        }
    }

    #[test]
    fn zero_coefficients_never_make_nan() {
        let z = [NEG_INF, 0.0, 1.0];
        let y = Label::new(0).unwrap();
        let weightless = CrossEntropy::<3>::new()
            .with_class_weights([0.0, 1.0, 1.0])
            .unwrap();
        assert_eq!(weightless.loss(&z, y), 0.0);
        let (loss, grad) = weightless.loss_with_grad(&z, y);
        assert_eq!((loss, grad), (0.0, [0.0; 3]));
        // ε = 1: the hard term's coefficient is 0; the uniform target sees the masked class.
        let uniform = CrossEntropy::<3>::new().with_label_smoothing(1.0).unwrap();
        assert_eq!(uniform.loss(&z, Label::new(1).unwrap()), f32::INFINITY);
        assert!(uniform.loss(&[0.5, 0.0, 1.0], y).is_finite());
    }

    #[test]
    fn smoothing_term_stays_finite_when_its_sum_would_overflow() {
        // Four gaps of 1e38 sum past f32::MAX; their mean over five classes, 8e37, does not.
        let z = [1.0e38_f32, 0.0, 0.0, 0.0, 0.0];
        let ce = CrossEntropy::<5>::new().with_label_smoothing(0.1).unwrap();
        let loss = ce.loss(&z, Label::new(0).unwrap());
        let exact = 0.1 * 4.0 * 1.0e38 / 5.0;
        assert!(
            loss.is_finite() && (f64::from(loss) - exact).abs() <= 1e-6 * exact,
            "{loss}"
        );
        // One gap (6e38) beyond f32::MAX: the mean gap, 3e38, is still finite.
        let z = [3.0e38_f32, -3.0e38, 0.0, 0.0, 0.0];
        assert!(ce.loss(&z, Label::new(0).unwrap()).is_finite());
    }
}
