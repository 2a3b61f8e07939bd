//! The float trait and every transcendental the crate uses.
//!
//! This is the only file that calls `libm`. Transcendentals are never reached through method
//! syntax (`x.exp()`), because on the host that silently resolves to the standard library's
//! function: host tests would then test something other than what ships, and host and device
//! results would differ. `libm` gives the same bits on every target.

pub(crate) mod sealed {
    /// Crate-internal operations on the float types; also seals [`Float`](super::Float).
    pub trait Sealed: Sized {
        /// The unsigned integer of the same width.
        type Key: Copy + Ord + Default;
        /// ln of the smallest positive normal value: below it, eˣ is subnormal.
        const LN_MIN_POSITIVE: Self;
        /// Veltkamp's splitting constant 2^⌈p/2⌉ + 1 (p: significand bits).
        const SPLITTER: Self;
        /// |x| as an integer that orders like |x|; ±∞ and NaN order above every finite value.
        /// The bits shifted left by one (the sign shifted out), which a Cortex-M compares in
        /// one instruction with the shift folded in, where clearing the sign costs one more.
        fn magnitude_key(self) -> Self::Key;
        /// The non-negative value with the given magnitude key.
        fn from_magnitude_key(key: Self::Key) -> Self;
        /// Bytes of one value in the binary format (`format`): 4 or 8.
        const BYTES: usize;
        /// The value with the given IEEE bits (the low `BYTES` bytes of `bits`).
        fn from_bits_u64(bits: u64) -> Self;
    }
    impl Sealed for f32 {
        type Key = u32;
        // −126·ln 2 = −87.336544…, rounded to the nearest f32, which is just below it: the
        // exponentials of the few shifts in between land a hair under the normal range and
        // are rounded with an absolute error of at most 2^-150, one ULP of the smallest normal.
        const LN_MIN_POSITIVE: Self = -87.336_55;
        const SPLITTER: Self = 4097.0; // 2^12 + 1
        #[inline]
        fn magnitude_key(self) -> u32 {
            self.to_bits() << 1
        }
        #[inline]
        fn from_magnitude_key(key: u32) -> Self {
            f32::from_bits(key >> 1)
        }
        const BYTES: usize = 4;
        #[inline]
        fn from_bits_u64(bits: u64) -> Self {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "the low 32 bits are the value"
            )]
            let low = bits as u32;
            f32::from_bits(low)
        }
    }
    impl Sealed for f64 {
        type Key = u64;
        const LN_MIN_POSITIVE: Self = -708.396_418_532_264; // −1022·ln 2, rounded up
        const SPLITTER: Self = 134_217_729.0; // 2^27 + 1
        #[inline]
        fn magnitude_key(self) -> u64 {
            self.to_bits() << 1
        }
        #[inline]
        fn from_magnitude_key(key: u64) -> Self {
            f64::from_bits(key >> 1)
        }
        const BYTES: usize = 8;
        #[inline]
        fn from_bits_u64(bits: u64) -> Self {
            f64::from_bits(bits)
        }
    }
}

/// The largest |x| over `values`, computed on the bit patterns (cheap on soft-float cores); NaN
/// or ∞ anywhere gives a non-finite result.
#[inline]
pub(crate) fn max_abs<'a, T: Float + 'a>(values: impl Iterator<Item = &'a T>) -> T {
    T::from_magnitude_key(values.fold(T::Key::default(), |key, v| key.max(v.magnitude_key())))
}

/// The floating-point types the crate computes in: `f32` (what ships) and `f64` (for reference
/// and convexity testing).
///
/// The trait is sealed: it cannot be implemented outside this crate, so new methods can be
/// added without a breaking change. Its methods route every transcendental through `libm`, so
/// results are bit-identical on the host and on a microcontroller.
///
/// ```
/// use tinysoftmax::Float;
/// assert_eq!(<f32 as Float>::ONE + <f32 as Float>::ONE, 2.0);
/// assert_eq!(Float::ln_1p(0.0_f64), 0.0);
/// ```
pub trait Float:
    sealed::Sealed
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + core::fmt::Debug
    + core::fmt::Display
    + core::fmt::LowerExp
    + core::ops::Add<Output = Self>
    + core::ops::Sub<Output = Self>
    + core::ops::Mul<Output = Self>
    + core::ops::Div<Output = Self>
    + core::ops::Neg<Output = Self>
    + core::ops::AddAssign
    + core::ops::SubAssign
    + core::ops::MulAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// ½.
    const HALF: Self;
    /// +∞.
    const INFINITY: Self;
    /// −∞.
    const NEG_INFINITY: Self;
    /// Not a number.
    const NAN: Self;
    /// The largest finite value.
    const MAX: Self;
    /// Unit roundoff u = 2^-p (half the machine epsilon): 2^-24 for `f32`, 2^-53 for `f64`.
    const UNIT_ROUNDOFF: Self;
    /// The smallest positive normal value.
    const MIN_POSITIVE: Self;

    /// eˣ, within 1 ULP (`libm`).
    #[must_use]
    fn exp(self) -> Self;
    /// ln(1 + x), accurate for small x (`libm`).
    #[must_use]
    fn ln_1p(self) -> Self;
    /// Natural logarithm (`libm`).
    #[must_use]
    fn ln(self) -> Self;
    /// Square root, correctly rounded (`libm`).
    #[must_use]
    fn sqrt(self) -> Self;
    /// |x|.
    #[must_use]
    fn abs(self) -> Self;
    /// `true` unless the value is ±∞ or NaN.
    fn is_finite(self) -> bool;
    /// `true` for NaN.
    fn is_nan(self) -> bool;
    /// The larger of two values; NaN if either is NaN.
    #[must_use]
    fn max_nan(self, other: Self) -> Self;
    /// Conversion from `f64`, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Exact conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Conversion from an integer count, rounding to nearest.
    fn from_u32(n: u32) -> Self;
    /// The raw bits, widened to `u64` (for hashing weights bit for bit).
    fn to_bits_u64(self) -> u64;
}

macro_rules! impl_float {
    ($t:ty, $bits:ty, $exp:path, $log1p:path, $ln:path, $sqrt:path, $fabs:path, $u:expr) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;
            const INFINITY: Self = <$t>::INFINITY;
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            const NAN: Self = <$t>::NAN;
            const MAX: Self = <$t>::MAX;
            const UNIT_ROUNDOFF: Self = $u;
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;

            #[inline]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline]
            fn ln_1p(self) -> Self {
                $log1p(self)
            }
            #[inline]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                $fabs(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn max_nan(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    Self::NAN
                } else if other > self {
                    other
                } else {
                    self
                }
            }
            #[inline]
            #[allow(clippy::cast_possible_truncation)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[inline]
            #[allow(clippy::cast_lossless)]
            fn from_u32(n: u32) -> Self {
                n as $t
            }
            #[inline]
            fn to_bits_u64(self) -> u64 {
                u64::from(<$t>::to_bits(self))
            }
        }
    };
}

impl_float!(
    f32,
    u32,
    libm::expf,
    libm::log1pf,
    libm::logf,
    libm::sqrtf,
    libm::fabsf,
    5.960_464_5e-8
);
impl_float!(
    f64,
    u64,
    libm::exp,
    libm::log1p,
    libm::log,
    libm::sqrt,
    libm::fabs,
    1.110_223_024_625_156_5e-16
);

/// `x` rounded to the nearest integer, halves away from zero.
#[inline]
pub(crate) fn round(x: f64) -> f64 {
    libm::round(x)
}

/// A count (a size or a number of items) as a float, saturating at `u32::MAX`.
#[inline]
pub(crate) fn from_count<T: Float>(n: usize) -> T {
    T::from_u32(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Error-free difference: `a − b = hi + lo` exactly (Knuth's TwoSum), for finite `hi`.
///
/// Used to shift logits by their maximum without losing the low bits of the difference.
#[inline]
pub(crate) fn two_diff<T: Float>(a: T, b: T) -> (T, T) {
    let hi = a - b;
    let bb = hi - a;
    let lo = (a - (hi - bb)) + (-b - bb);
    (hi, lo)
}

/// Error-free sum: `a + b = hi + lo` exactly (Knuth's TwoSum, no branch), for finite `hi`.
#[inline]
pub(crate) fn two_sum<T: Float>(a: T, b: T) -> (T, T) {
    let hi = a + b;
    let bb = hi - a;
    let lo = (a - (hi - bb)) + (b - bb);
    (hi, lo)
}

/// Error-free product without a fused multiply-add: `a·b = hi + lo` exactly (Dekker's
/// TwoProduct with Veltkamp's splitting), provided no factor exceeds `MAX / 4097` (about
/// 2^-12 of the largest float; beyond it the split overflows to NaN) and no partial product
/// underflows (then `lo` misses at most half a unit of the smallest subnormal).
#[inline]
pub(crate) fn two_product<T: Float>(a: T, b: T) -> (T, T) {
    let hi = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
    (hi, lo)
}

/// Veltkamp's split of `a` into two halves of at most ⌊p/2⌋ significant bits each.
#[inline]
fn split<T: Float>(a: T) -> (T, T) {
    let c = T::SPLITTER * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// Σ a_i b_i + start with the compensated dot product Dot2 (Ogita, Rump and Oishi, 2005): the
/// result is as accurate as if computed in twice the precision and then rounded,
/// |error| ≤ u·|result| + γ_n²·(|start| + Σ|a_i b_i|), n the number of terms.
#[inline]
#[cfg(test)]
pub(crate) fn dot2<T: Float>(pairs: impl Iterator<Item = (T, T)>, start: T) -> T {
    let mut sum = start;
    let mut carry = T::ZERO;
    for (ai, bi) in pairs {
        dot2_step(&mut sum, &mut carry, ai, bi);
    }
    sum + carry
}

/// One term of [`dot2`]: adds a·b to the running sum, and the errors of the product and of
/// the addition to the carry.
#[inline]
pub(crate) fn dot2_step<T: Float>(sum: &mut T, carry: &mut T, a: T, b: T) {
    let (p, p_err) = two_product(a, b);
    let (s, s_err) = two_diff(*sum, -p);
    *sum = s;
    *carry += p_err + s_err;
}

/// e^(hi + lo) for a small correction `lo` (|lo| ≤ ½ ULP of `hi`): e^hi · (1 + lo).
///
/// The correction is skipped where it is not finite (`hi` overflowed to −∞ or is NaN), so the
/// result is exactly `exp(hi)` there.
#[inline]
pub(crate) fn exp_corrected<T: Float>(hi: T, lo: T) -> T {
    let e = hi.exp();
    if lo.is_finite() && e.is_finite() {
        e + e * lo
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn two_diff_is_exact() {
        let (a, b) = (1.0e8_f32, 2.718_281_7_f32);
        let (hi, lo) = two_diff(a, b);
        assert_eq!(f64::from(hi) + f64::from(lo), f64::from(a) - f64::from(b));
        assert!(lo != 0.0);
    }

    #[test]
    fn two_sum_is_exact_and_matches_the_branching_form() {
        let values = [
            1.0_f32, -1.0, 3.0e-8, 1.0e30, -7.5, 0.1, 1.0e-40, -2.0e-38, 0.0,
        ];
        for &a in &values {
            for &b in &values {
                let (hi, lo) = two_sum(a, b);
                assert_eq!(f64::from(hi) + f64::from(lo), f64::from(a) + f64::from(b));
                // Neumaier's form: the same error, bit for bit.
                let branch = if a.abs() >= b.abs() {
                    (a - hi) + b
                } else {
                    (b - hi) + a
                };
                assert_eq!(lo.to_bits(), branch.to_bits(), "{a} + {b}");
            }
        }
    }

    #[test]
    fn two_product_is_exact() {
        let (a, b) = (1.000_000_1_f32, 0.999_999_9_f32);
        let (hi, lo) = two_product(a, b);
        assert_eq!(f64::from(hi) + f64::from(lo), f64::from(a) * f64::from(b));
        assert!(lo != 0.0);
    }

    #[test]
    fn dot2_survives_cancellation() {
        // 1e8·1 + 1·1 − 1e8·1: the plain f32 sum loses the middle term.
        let a = [1.0e8_f32, 1.0, -1.0e8];
        let b = [1.0_f32, 1.0, 1.0];
        assert_eq!(dot2(a.into_iter().zip(b), 0.5), 1.5);
        let plain = a.iter().zip(b.iter()).fold(0.5_f32, |s, (x, y)| s + x * y);
        assert_ne!(plain, 1.5);
    }

    #[test]
    fn exp_corrected_handles_overflowed_difference() {
        let (hi, lo) = two_diff(-3.0e38_f32, 3.0e38_f32);
        assert_eq!(hi, f32::NEG_INFINITY);
        assert_eq!(exp_corrected(hi, lo), 0.0);
    }

    #[test]
    fn unit_roundoff_matches_epsilon() {
        assert_eq!(<f32 as Float>::UNIT_ROUNDOFF, f32::EPSILON / 2.0);
        assert_eq!(<f64 as Float>::UNIT_ROUNDOFF, f64::EPSILON / 2.0);
    }

    #[test]
    fn max_nan_propagates() {
        assert!(Float::max_nan(1.0_f32, f32::NAN).is_nan());
        assert!(Float::max_nan(f32::NAN, 1.0_f32).is_nan());
        assert_eq!(Float::max_nan(1.0_f32, 2.0), 2.0);
    }
}
