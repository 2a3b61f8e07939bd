//! The softmax family: `logsumexp`, `softmax`, `log_softmax` and `argmax`, all from one kernel.
//!
//! # The kernel
//!
//! Let k = argmax z, m = z_k, s = Σ_{j≠k} exp(z_j − m) and L = ln_1p(s). Then
//!
//! ```text
//! logsumexp(z)     = m + L
//! log_softmax(z)_j = (z_j − m) − L
//! softmax(z)_j     = exp(z_j − m) / (1 + s)
//! ```
//!
//! The textbook form `(z − m) − ln Σ exp(z − m)` rounds the sum, which is 1 + s, before taking
//! the logarithm: once s falls below the unit roundoff the logarithm returns 0 and every small
//! loss and log-probability near 0 is lost. Taking `ln_1p(s)` keeps s itself, so the result
//! keeps full relative accuracy however confident the prediction.
//!
//! Three further steps keep the error near the rounding of the result:
//!
//! - the shift z_j − m is computed error-free (TwoSum, `hi + lo`) and the exponential is
//!   corrected by `exp(hi)·(1 + lo)`; a plain rounded shift of size 80 would otherwise cost
//!   80 ULP in exp(z_j − m);
//! - s is summed with compensation (Kahan–Babuška–Neumaier), so the error does not grow with the
//!   number of classes;
//! - exponentials below the normal range are computed scaled by 2^64 and summed apart, so that
//!   many tiny terms (a confident prediction over many classes) keep their relative accuracy.
//!
//! Measured in `f32` against an `f64` reference (`tests/accuracy.rs`, the README's accuracy
//! table): `softmax`, `log_softmax` and the cross-entropy and its gradient within 4 ULP;
//! `logsumexp` within 2 ULP of |max z| + ln_1p(s), which is its result when max z ≥ 0. When
//! max z < 0 and the result is near 0, the final addition m + L cancels and the relative error of
//! `logsumexp` is unbounded (as for every formula that starts from the rounded logits).
//!
//! # Special values
//!
//! - NaN anywhere gives NaN results (`argmax` treats NaN as the maximum, like `torch.argmax`).
//! - −∞ entries are masked classes: probability 0, log-probability −∞.
//! - All entries −∞: `logsumexp` is −∞; `softmax` and `log_softmax` are NaN (0/0).
//! - A +∞ entry: `logsumexp` is +∞; `softmax` and `log_softmax` are NaN.
//! - Finite input gives finite `logsumexp` and `log_softmax` unless the true value overflows
//!   (|z| near the largest float), and always a finite `softmax`.

use crate::math::{Float, exp_corrected, exp_each, two_diff, two_sum};

/// The position and value of the maximum logit: the shift every function here subtracts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shift<T> {
    /// Index of the first maximum (or of the first NaN).
    pub k: usize,
    /// The maximum value.
    pub m: T,
}

/// Finds the first maximum; a NaN counts as the maximum.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn shift_by_max<T: Float, const N: usize>(z: &[T; N]) -> Shift<T> {
    const { assert!(N >= 1, "a softmax needs at least one entry") };
    let mut shift = Shift { k: 0, m: z[0] };
    for (j, &v) in z.iter().enumerate().skip(1) {
        if shift.m.is_nan() {
            break;
        }
        if v.is_nan() || v > shift.m {
            shift = Shift { k: j, m: v };
        }
    }
    shift
}

/// A compensated (Kahan–Babuška–Neumaier) sum of non-negative terms.
#[derive(Clone, Copy)]
pub(crate) struct Compensated<T> {
    sum: T,
    carry: T,
}

impl<T: Float> Compensated<T> {
    pub(crate) const fn new() -> Self {
        Self {
            sum: T::ZERO,
            carry: T::ZERO,
        }
    }

    /// A sum and its carry, as [`Accumulator`](crate::convex)'s arrays keep them.
    pub(crate) const fn from_parts(sum: T, carry: T) -> Self {
        Self { sum, carry }
    }

    /// Adds x: the rounded sum, and its exact rounding error (Neumaier's Fast2Sum on the
    /// larger operand) to the carry. The branch-free TwoSum (`math::two_sum`) finds the same
    /// error bit for bit; the full-batch accumulators use it so that sums side by side
    /// vectorise, while single sums keep the cheaper form (fewer operations on soft-float cores).
    #[inline]
    pub(crate) fn add(&mut self, x: T) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.carry += (self.sum - t) + x;
        } else {
            self.carry += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The sum; ±∞ or NaN as soon as a term or a partial sum is (the carry of an infinite sum
    /// is meaningless and is dropped).
    #[inline]
    pub(crate) fn total(self) -> T {
        if self.sum.is_finite() {
            self.sum + self.carry
        } else {
            self.sum
        }
    }
}

/// 2^32 and 2^-64: the scaling that keeps exponentials below the normal range exact enough.
const HALF_SCALE: f64 = 4_294_967_296.0;
const INV_SCALE: f64 = 5.421_010_862_427_522e-20;

/// Σ exp(z_j − m) over the non-maximal entries, accumulated so that terms below the normal
/// range keep their relative accuracy.
///
/// A subnormal exp(z_j − m) is rounded to a multiple of the smallest subnormal, an absolute error
/// that, over C − 1 such terms, can reach hundreds of ULP of a small but normal sum. Such terms
/// are therefore computed scaled: exp((z_j − m)/2)·2^32, squared, is exp(z_j − m)·2^64, a normal
/// number; they are summed apart and scaled back once at the end.
#[derive(Clone, Copy)]
pub(crate) struct ShiftedSum<T> {
    normal: Compensated<T>,
    scaled: Compensated<T>,
}

impl<T: Float> ShiftedSum<T> {
    pub(crate) const fn new() -> Self {
        Self {
            normal: Compensated::new(),
            scaled: Compensated::new(),
        }
    }

    /// exp(z_j − m), with an error-free shift (0 for a masked −∞ entry); adds it to the sum
    /// when `include`.
    #[inline]
    pub(crate) fn exp(&mut self, zj: T, m: T, include: bool) -> T {
        let (hi, lo) = two_diff(zj, m);
        self.exp_split(hi, lo, include)
    }

    /// e^(hi + lo) for a shift given as an unevaluated pair (|lo| ≤ ½ ULP of `hi`, as
    /// [`two_diff`] leaves it), added to the sum when `include`: [`exp`](Self::exp) after its
    /// subtraction.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn exp_split(&mut self, hi: T, lo: T, include: bool) -> T {
        if hi >= T::LN_MIN_POSITIVE {
            let e = exp_corrected(hi, lo);
            if include {
                self.normal.add(e);
            }
            e
        } else {
            // Below the normal range (or −∞, or NaN): scaled by 2^64.
            let root = exp_corrected(hi * T::HALF, lo * T::HALF) * T::from_f64(HALF_SCALE);
            let t = root * root;
            if include {
                self.scaled.add(t);
            }
            t * T::from_f64(INV_SCALE)
        }
    }

    /// The sum s.
    #[inline]
    pub(crate) fn total(self) -> T {
        self.normal.total() + self.scaled.total() * T::from_f64(INV_SCALE)
    }
}

/// s = Σ_{j≠k} exp(z_j − m), read-only.
#[inline]
pub(crate) fn sum_shifted_exp<T: Float, const N: usize>(z: &[T; N], shift: Shift<T>) -> T {
    let mut acc = ShiftedSum::new();
    for (j, &v) in z.iter().enumerate() {
        if j != shift.k {
            acc.exp(v, shift.m, true);
        }
    }
    acc.total()
}

/// exp(z_j − m) for every j and s = Σ_{j≠k} exp(z_j − m), bit for bit as
/// [`exp_shifted_general`], where every z_j − m is at least ln of the smallest normal number;
/// `None` otherwise (a NaN among the differences included). That loop's branches all go one
/// way here: each exp(hi_j + lo_j) of the error-free shift hi_j + lo_j is normal, so its
/// correction e_j·lo_j is applied, and the compensated sum's Fast2Sum on the larger operand
/// finds the same error as the branch-free TwoSum used here. The exponentials come four at a
/// time from [`exp_each`]; the host vectorises all of it across the entries.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn normal_shifted_exps<T: Float, const N: usize>(
    z: &[T; N],
    shift: Shift<T>,
) -> Option<([T; N], T)> {
    let mut hi = [T::ZERO; N];
    let mut lo = [T::ZERO; N];
    for ((h, l), &v) in hi.iter_mut().zip(lo.iter_mut()).zip(z) {
        (*h, *l) = two_diff(v, shift.m);
    }
    // False for a NaN. A finite hi_j (here in [ln MIN_POSITIVE, 0]) has a finite lo_j.
    if !hi.iter().all(|&h| h >= T::LN_MIN_POSITIVE) {
        return None;
    }
    let mut e = exp_each(&hi);
    for (ej, &l) in e.iter_mut().zip(lo.iter()) {
        *ej = *ej + *ej * l;
    }
    let (mut sum, mut carry) = (T::ZERO, T::ZERO);
    for (j, &ej) in e.iter().enumerate() {
        if j != shift.k {
            let (t, error) = two_sum(sum, ej);
            sum = t;
            carry += error;
        }
    }
    Some((e, sum + carry))
}

/// Replaces each z_j by exp(z_j − m) and returns s = Σ_{j≠k} exp(z_j − m).
///
/// Sums in the same order as [`sum_shifted_exp`], so both give the same s bit for bit. On the
/// host, where every exponential is normal, through [`normal_shifted_exps`] (the same bits;
/// bare-metal targets keep the one general loop, in less flash).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn exp_shifted_in_place<T: Float, const N: usize>(z: &mut [T; N], shift: Shift<T>) -> T {
    if !cfg!(target_os = "none")
        && let Some((e, s)) = normal_shifted_exps(z, shift)
    {
        *z = e;
        return s;
    }
    exp_shifted_general(z, shift)
}

/// [`exp_shifted_in_place`] one entry at a time, through every branch of [`ShiftedSum`]: the
/// path of bare-metal targets, and of the host for logits it does not take the other way.
#[inline]
pub(crate) fn exp_shifted_general<T: Float, const N: usize>(z: &mut [T; N], shift: Shift<T>) -> T {
    let mut acc = ShiftedSum::new();
    for (j, v) in z.iter_mut().enumerate() {
        *v = acc.exp(*v, shift.m, j != shift.k);
    }
    acc.total()
}

/// Index of the largest entry (the first one on ties); a NaN counts as the largest.
///
/// Equals `torch.argmax(z)` / `numpy.argmax(z)`. `N = 0` is a compile error:
///
/// ```compile_fail
/// let _ = tinysoftmax::softmax::argmax::<f32, 0>(&[]);
/// ```
///
/// ```
/// use tinysoftmax::softmax::argmax;
/// assert_eq!(argmax(&[0.5_f32, 2.0, 2.0, -1.0]), 1);
/// assert_eq!(argmax(&[0.5_f32, f32::NAN, 3.0]), 1);
/// ```
#[must_use]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub fn argmax<T: Float, const N: usize>(z: &[T; N]) -> usize {
    shift_by_max(z).k
}

/// ln Σ_j exp(z_j), without overflow or loss of small terms.
///
/// Computed as m + ln_1p(s) (see the [module docs](self)); equals `torch.logsumexp(z, 0)` /
/// `scipy.special.logsumexp(z)`. Bounds: max z ≤ logsumexp(z) ≤ max z + ln N.
///
/// Error: within 2 ULP of |max z| + ln_1p(s) (measured), so within 2 ULP of the result when
/// max z ≥ 0; for max z < 0 and a result near 0 the final addition cancels (see the
/// [module docs](self)).
///
/// Special values: NaN in gives NaN; all −∞ gives −∞; a +∞ entry gives +∞.
///
/// ```
/// use tinysoftmax::softmax::logsumexp;
/// let z = [1000.0_f32, 1000.0];
/// assert_eq!(logsumexp(&z), 1000.0 + core::f32::consts::LN_2);
/// // The small term is kept: ln(1 + e^-30) ≈ 9.357623e-14.
/// let lse = logsumexp(&[0.0_f32, -30.0]);
/// assert!((lse - 9.357_623e-14).abs() <= 1e-19);
/// assert_eq!(logsumexp(&[f32::NEG_INFINITY; 3]), f32::NEG_INFINITY);
/// ```
#[must_use]
pub fn logsumexp<T: Float, const N: usize>(z: &[T; N]) -> T {
    let shift = shift_by_max(z);
    if shift.m == T::NEG_INFINITY || shift.m == T::INFINITY {
        return shift.m;
    }
    shift.m + sum_shifted_exp(z, shift).ln_1p()
}

/// The probabilities exp(z_j) / Σ exp(z), in [0, 1] and summing to 1 (to rounding).
///
/// Equals `torch.softmax(z, 0)`. Masked (−∞) entries get exactly 0. A copy of `z` goes
/// through [`softmax_in_place`].
///
/// ```
/// use tinysoftmax::softmax::softmax;
/// let p = softmax(&[0.0_f32, 0.0, f32::NEG_INFINITY]);
/// assert_eq!(p, [0.5, 0.5, 0.0]);
/// let p = softmax(&[3.0e38_f32, -3.0e38]);
/// assert_eq!(p, [1.0, 0.0]);
/// ```
#[must_use]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub fn softmax<T: Float, const N: usize>(z: &[T; N]) -> [T; N] {
    let mut out = *z;
    softmax_in_place(&mut out);
    out
}

/// [`softmax`], overwriting the logits with the probabilities.
///
/// ```
/// use tinysoftmax::softmax::softmax_in_place;
/// let mut z = [1.0_f64, 1.0, 1.0, 1.0];
/// softmax_in_place(&mut z);
/// assert_eq!(z, [0.25; 4]);
/// ```
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub fn softmax_in_place<T: Float, const N: usize>(z: &mut [T; N]) {
    let shift = shift_by_max(z);
    if shift.m == T::NEG_INFINITY || shift.m == T::INFINITY {
        z.fill(T::NAN);
        return;
    }
    let denominator = T::ONE + exp_shifted_in_place(z, shift);
    for v in z.iter_mut() {
        *v = *v / denominator;
    }
}

/// The log-probabilities z_j − logsumexp(z), computed as (z_j − m) − ln_1p(s).
///
/// Equals `torch.log_softmax(z, 0)`. Keeps full relative accuracy for log-probabilities near 0
/// (confident predictions), where `ln(softmax(z))` and the textbook form return 0. Masked
/// entries get −∞.
///
/// ```
/// use tinysoftmax::softmax::log_softmax;
/// let lp = log_softmax(&[0.0_f32, -40.0]);
/// // log p_0 = −ln(1 + e^-40) ≈ −4.248354e-18: not rounded to 0.
/// assert!((lp[0] + 4.248_354e-18).abs() <= 1e-24);
/// assert_eq!(lp[1], -40.0 + lp[0]);
/// ```
#[must_use]
pub fn log_softmax<T: Float, const N: usize>(z: &[T; N]) -> [T; N] {
    let mut out = *z;
    log_softmax_in_place(&mut out);
    out
}

/// [`log_softmax`], overwriting the logits with the log-probabilities.
///
/// ```
/// use tinysoftmax::softmax::log_softmax_in_place;
/// let mut z = [2.0_f32, 2.0];
/// log_softmax_in_place(&mut z);
/// assert_eq!(z, [-core::f32::consts::LN_2; 2]);
/// ```
pub fn log_softmax_in_place<T: Float, const N: usize>(z: &mut [T; N]) {
    let shift = shift_by_max(z);
    if shift.m == T::NEG_INFINITY || shift.m == T::INFINITY {
        z.fill(T::NAN);
        return;
    }
    let l = sum_shifted_exp(z, shift).ln_1p();
    for v in z.iter_mut() {
        *v = (*v - shift.m) - l;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::rng::SplitMix64;

    const NEG_INF: f32 = f32::NEG_INFINITY;

    /// The host's path of [`exp_shifted_in_place`] (through `exp_each`) gives the general
    /// path's bits: random logits over spreads from 0 to 128, with ties, signed zeros,
    /// infinities, NaN and differences past ln of the smallest normal in some of them. The
    /// normal path must be taken in most cases and the general one in some.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "small test counts and random bits"
    )]
    fn in_place_paths_agree<T: Float, const N: usize>(specials: &[T], rng: &mut SplitMix64) {
        let (mut normal, cases) = (0, if cfg!(miri) { 30 } else { 20_000 });
        for case in 0..cases {
            let spread = f64::from(rng.below(1 << 10)) / 8.0;
            let mut z: [T; N] = core::array::from_fn(|_| {
                T::from_f64((f64::from(rng.below(1 << 20)) / f64::from(1 << 20) - 0.5) * spread)
            });
            if case % 5 == 0 {
                z[N - 1] = z[0];
            }
            if case % 7 == 0 {
                z[rng.below(N as u32) as usize] =
                    specials[rng.below(specials.len() as u32) as usize];
            }
            let shift = shift_by_max(&z);
            let (mut fast, mut general) = (z, z);
            let s_fast = exp_shifted_in_place(&mut fast, shift);
            let s_general = exp_shifted_general(&mut general, shift);
            assert_eq!(s_fast.to_bits_u64(), s_general.to_bits_u64(), "{z:?}");
            for (a, b) in fast.iter().zip(general.iter()) {
                assert_eq!(a.to_bits_u64(), b.to_bits_u64(), "{z:?}");
            }
            let lowest = z
                .iter()
                .fold(T::INFINITY, |a, &b| if b < a { b } else { a });
            normal += usize::from(lowest - shift.m >= T::LN_MIN_POSITIVE);
        }
        assert!(normal > cases / 2 && normal < cases, "{normal} of {cases}");
    }

    #[test]
    fn the_hosts_path_has_the_general_paths_bits() {
        let mut rng = SplitMix64::new(77);
        let f32s = [
            f32::NAN,
            f32::INFINITY,
            NEG_INF,
            -0.0,
            3.0e38,
            -3.0e38,
            -87.4,
            87.3,
            100.0,
        ];
        let f64s = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            1.7e308,
            -708.4,
            709.0,
        ];
        in_place_paths_agree::<f32, 10>(&f32s, &mut rng);
        in_place_paths_agree::<f32, 3>(&f32s, &mut rng);
        in_place_paths_agree::<f64, 10>(&f64s, &mut rng);
        in_place_paths_agree::<f64, 2>(&f64s, &mut rng);
    }

    #[test]
    fn all_equal_logits_are_uniform() {
        let z = [7.5_f32; 5];
        assert_eq!(softmax(&z), [0.2; 5]);
        assert_eq!(logsumexp(&z), 7.5 + libm::logf(5.0));
    }

    #[test]
    fn masked_entries() {
        let z = [NEG_INF, 1.0, NEG_INF];
        assert_eq!(softmax(&z), [0.0, 1.0, 0.0]);
        assert_eq!(log_softmax(&z), [NEG_INF, 0.0, NEG_INF]);
        assert_eq!(logsumexp(&z), 1.0);
    }

    #[test]
    fn all_masked() {
        assert_eq!(logsumexp(&[NEG_INF; 2]), NEG_INF);
        assert!(softmax(&[NEG_INF; 2]).iter().all(|p| p.is_nan()));
        assert!(log_softmax(&[NEG_INF; 2]).iter().all(|p| p.is_nan()));
    }

    #[test]
    fn nan_propagates() {
        let z = [0.0_f32, f32::NAN, 1.0];
        assert!(logsumexp(&z).is_nan());
        assert!(softmax(&z).iter().all(|p| p.is_nan()));
        assert!(log_softmax(&z).iter().all(|p| p.is_nan()));
        assert_eq!(argmax(&z), 1);
    }

    #[test]
    fn positive_infinity() {
        let z = [0.0_f32, f32::INFINITY];
        assert_eq!(logsumexp(&z), f32::INFINITY);
        assert_eq!(
            logsumexp(&[f32::INFINITY, 1.0, f32::INFINITY]),
            f32::INFINITY
        );
        assert!(softmax(&z).iter().all(|p| p.is_nan()));
        assert!(log_softmax(&z).iter().all(|p| p.is_nan()));
    }

    #[test]
    fn huge_finite_logits_stay_finite() {
        let z = [3.0e38_f32, -3.0e38, 3.0e38];
        assert_eq!(softmax(&z), [0.5, 0.0, 0.5]);
        let lse = logsumexp(&z);
        assert!(lse.is_finite() && lse == 3.0e38);
        let lp = log_softmax(&z);
        assert_eq!(lp[0], -core::f32::consts::LN_2);
        // −6e38 overflows: the true value is below −f32::MAX.
        assert_eq!(lp[1], NEG_INF);
    }

    #[test]
    fn single_entry() {
        assert_eq!(softmax(&[-4.0_f32]), [1.0]);
        assert_eq!(log_softmax(&[-4.0_f32]), [0.0]);
        assert_eq!(logsumexp(&[-4.0_f32]), -4.0);
    }

    #[test]
    fn compensated_sum_keeps_infinity() {
        let mut acc = Compensated::new();
        for x in [1.0_f32, f32::INFINITY, 2.0] {
            acc.add(x);
        }
        assert_eq!(acc.total(), f32::INFINITY);
        let mut overflow = Compensated::new();
        overflow.add(f32::MAX);
        overflow.add(f32::MAX);
        assert_eq!(overflow.total(), f32::INFINITY);
    }

    #[test]
    fn compensated_sum_of_many_small_terms() {
        // The shape of s for C = 1000 with one runner-up: 1 + 998 small terms.
        let small = 3.0e-5_f32;
        let exact = 1.0 + 998.0 * f64::from(small);
        let (mut acc, mut naive) = (Compensated::new(), 1.0_f32);
        acc.add(1.0_f32);
        for _ in 0..998 {
            acc.add(small);
            naive += small;
        }
        let ulp = exact * f64::from(f32::EPSILON);
        assert!(
            (f64::from(acc.total()) - exact).abs() <= ulp,
            "{} vs {exact}",
            acc.total()
        );
        // The uncompensated sum is far off: the test would catch a plain sum.
        assert!((f64::from(naive) - exact).abs() > 20.0 * ulp);
    }

    #[test]
    fn many_subnormal_terms_keep_relative_accuracy() {
        // 999 terms exp(−93.55) ≈ 2.35e-41 each, all subnormal; their sum 2.351339723e-38 is
        // normal. Rounding each term to the subnormal grid would cost ~240 ULP of the loss.
        let mut z = [-93.55_f32; 1000];
        z[0] = 0.0;
        let exact = 999.0 * (f64::from(-93.55_f32)).exp();
        let got = f64::from(logsumexp(&z));
        let ulp = f64::from(f32::EPSILON) * exact;
        assert!((got - exact).abs() <= 4.0 * ulp, "{got:e} vs {exact:e}");
        let p = softmax(&z);
        assert!((f64::from(p[1]) * 999.0 - exact).abs() <= 999.0 * f64::from(f32::from_bits(1)));
    }

    #[test]
    fn in_place_and_by_value_agree_bitwise() {
        let z = [0.3_f32, -2.0, 5.5, 5.5, -80.0];
        let mut a = z;
        softmax_in_place(&mut a);
        assert_eq!(a, softmax(&z));
        let mut b = z;
        log_softmax_in_place(&mut b);
        assert_eq!(b, log_softmax(&z));
    }
}
