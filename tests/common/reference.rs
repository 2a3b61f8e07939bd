//! An `f64` reference for the softmax family on `f32` inputs, and the ULP measure.
//!
//! # Why `f64` is accurate enough
//!
//! Every `f32` is exactly an `f64`, so the inputs carry no error. With k the first maximum,
//! m = z_k, d_j = z_j − m, s = Σ_{j≠k} exp(d_j) and L = ln_1p(s), the reference evaluates
//!
//! ```text
//! CE(z, y)      = (m − z_y) + L          both terms ≥ 0
//! log_softmax_j = d_j − L                both terms ≤ 0
//! softmax_j     = exp(d_j) / (1 + s)
//! logsumexp     = m + L
//! ∂CE/∂z_j      = softmax_j − [j = y],   as −s/(1 + s) when y = k
//! ```
//!
//! in `f64` (unit roundoff u₆₄ = 2⁻⁵³):
//!
//! - d_j is exact when the exponents of z_j and m differ by at most 29 (24 + 29 = 53 bits).
//!   Otherwise the smaller of the two is below 2⁻²⁹ times the larger; for a term that matters
//!   (|d_j| ≤ 745, else exp(d_j) underflows even in `f64`) the larger is then below 2¹⁰, so
//!   the rounding of d_j is at most 2⁻⁴⁴ in absolute value, a relative error of 2⁻⁴⁴ in
//!   exp(d_j).
//! - exp, ln_1p from std are within 1 ULP (2u₆₄ relative); the sum of the non-negative terms
//!   is compensated (error ≤ 2u₆₄·s); ln_1p has condition number ≤ 1; the final additions
//!   and divisions add u₆₄ each. So every reference value above carries a relative error of
//!   at most about 8u₆₄ ≈ 9e-16, which is 1.5e-8 of an `f32` ULP (an `f32` ULP is at least
//!   2⁻²⁴ relative): the measured error is the crate's, to 8 digits.
//! - Exception: logsumexp = m + L cancels when m < 0 and L ≈ −m. Its reference error is
//!   8u₆₄·(|m| + L) absolute, and the crate's `f32` error is of order u₃₂·(|m| + L): the
//!   reference is still 2²⁹/8 times more accurate than what it measures, but neither is
//!   accurate relative to a result near 0. The accuracy suite therefore measures logsumexp
//!   against |m| + L (see `accuracy.rs`), and reports its plain ULP error only as information.
//! - Underflow: `f64` keeps full relative precision down to 2⁻¹⁰²² and underflows to 0 only
//!   below 2⁻¹⁰⁷⁴ (exp(d) for d < −745), far below the smallest `f32`, 2⁻¹⁴⁹ ≈ 1.4e-45. A
//!   term that loses precision or vanishes in `f64` is wrong by at most 2⁻¹⁰²², 2⁸⁷³ times
//!   less than one `f32` subnormal step, so `f32` inputs cannot reach an `f64` underflow that
//!   matters: the results it would affect round to 0 (or are unaffected) in `f32` as well.
//! - Overflow: |m − z_y| ≤ 2·f32::MAX ≈ 6.8e38 and |logsumexp| ≤ f32::MAX + ln C are far
//!   inside the `f64` range, so a result above f32::MAX is seen as such and rounds to ±∞
//!   exactly as IEEE rounding of the exact value would.
//!
//! Rounding the reference to `f32` only chooses the ULP unit of the measurement; the error
//! itself is measured against the unrounded `f64` value.

use tinysoftmax::SplitMix64;

/// The smallest positive `f32` (subnormal), 2⁻¹⁴⁹, as `f64`.
pub const MIN_SUBNORMAL: f64 = 1.401_298_464_324_817e-45;

/// Unit roundoff of `f32`, 2⁻²⁴.
pub const U32: f64 = 5.960_464_477_539_063e-8;

/// The `f64` softmax kernel of one logit vector (see the module docs).
#[derive(Clone, Debug)]
pub struct Kernel {
    /// Index of the first maximum.
    pub k: usize,
    /// The maximum logit.
    pub m: f64,
    /// d_j = z_j − m (−∞ for a masked entry).
    pub shifts: Vec<f64>,
    /// exp(d_j).
    pub exps: Vec<f64>,
    /// s = Σ_{j≠k} exp(d_j), compensated.
    pub s: f64,
    /// L = ln_1p(s).
    pub l: f64,
}

/// A compensated (Neumaier) sum in `f64`.
#[must_use]
pub fn neumaier_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut carry) = (0.0_f64, 0.0_f64);
    for x in values {
        let t = sum + x;
        carry += if sum.abs() >= x.abs() {
            (sum - t) + x
        } else {
            (x - t) + sum
        };
        sum = t;
    }
    sum + carry
}

impl Kernel {
    /// The kernel of `z`, which must hold at least one entry above −∞ and no NaN or +∞.
    #[must_use]
    pub fn new(z: &[f32]) -> Self {
        let mut k = 0;
        for (j, &v) in z.iter().enumerate() {
            if v > z[k] {
                k = j;
            }
        }
        let m = f64::from(z[k]);
        let shifts: Vec<f64> = z.iter().map(|&v| f64::from(v) - m).collect();
        let exps: Vec<f64> = shifts.iter().map(|d| d.exp()).collect();
        let s = neumaier_sum(
            exps.iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, &e)| e),
        );
        Self {
            k,
            m,
            shifts,
            exps,
            s,
            l: s.ln_1p(),
        }
    }

    /// CE(z, y) = (m − z_y) + L.
    #[must_use]
    pub fn cross_entropy(&self, y: usize) -> f64 {
        -self.shifts[y] + self.l
    }

    /// log_softmax(z)_j = d_j − L.
    #[must_use]
    pub fn log_softmax(&self, j: usize) -> f64 {
        self.shifts[j] - self.l
    }

    /// softmax(z)_j = exp(d_j) / (1 + s).
    #[must_use]
    pub fn softmax(&self, j: usize) -> f64 {
        self.exps[j] / (1.0 + self.s)
    }

    /// logsumexp(z) = m + L.
    #[must_use]
    pub fn logsumexp(&self) -> f64 {
        self.m + self.l
    }

    /// ∂CE(z, y)/∂z_j, with the cancellation-free −s/(1 + s) for j = y = k.
    #[must_use]
    pub fn gradient(&self, y: usize, j: usize) -> f64 {
        if j != y {
            self.softmax(j)
        } else if y == self.k {
            -self.s / (1.0 + self.s)
        } else {
            // p_y ≤ p_k ≤ ½ here, so p_y − 1 ∈ [−1, −½] does not cancel.
            self.softmax(j) - 1.0
        }
    }
}

/// One unit in the last place of the `f32` value `r`: 2^(e − 23) for a normal r in
/// [2^e, 2^(e+1)), and 2⁻¹⁴⁹ for a subnormal r or 0.
#[must_use]
pub fn ulp_f32(r: f32) -> f64 {
    let a = r.abs();
    if a < f32::MIN_POSITIVE {
        MIN_SUBNORMAL
    } else {
        let exponent = i32::try_from((a.to_bits() >> 23) & 0xff).unwrap_or(0) - 127;
        2.0_f64.powi(exponent - 23)
    }
}

/// |got − want| in ULP of `want` rounded to `f32` (units of 2⁻¹⁴⁹ where that is subnormal).
///
/// Returns +∞ for any mismatch of special values: a NaN `got` (or `want`) that the other does
/// not share, an infinite `want` (the exact value rounds beyond f32::MAX) that `got` does not
/// equal, and a non-finite `got` where `want` rounds to a finite value. A `want` of exactly 0
/// gives the error in units of 2⁻¹⁴⁹.
#[must_use]
pub fn ulp_error(got: f32, want: f64) -> f64 {
    let rounded = to_f32(want);
    if want.is_nan() || got.is_nan() {
        return if want.is_nan() && got.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if rounded.is_infinite() || got.is_infinite() {
        return if got == rounded { 0.0 } else { f64::INFINITY };
    }
    (f64::from(got) - want).abs() / ulp_f32(rounded)
}

/// `x` rounded to the nearest `f32` (overflowing to ±∞ beyond f32::MAX + ½ ULP).
#[must_use]
#[expect(
    clippy::cast_possible_truncation,
    reason = "rounding to f32 is the point"
)]
pub fn to_f32(x: f64) -> f32 {
    x as f32
}

/// A uniform `f64` in [0, 1) from the top 53 bits of the generator.
pub fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// A uniform `f64` in [lo, hi).
pub fn uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// A log-uniform `f64` in [lo, hi) (both > 0).
pub fn log_uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    uniform(rng, lo.ln(), hi.ln()).exp()
}

/// A uniform index below `n` (n ≥ 1, n ≤ u32::MAX).
pub fn index(rng: &mut SplitMix64, n: usize) -> usize {
    rng.below(u32::try_from(n).unwrap_or(u32::MAX)) as usize
}

/// `true` with probability `p`.
pub fn chance(rng: &mut SplitMix64, p: f64) -> bool {
    unit(rng) < p
}
