//! The float trait and every transcendental the crate uses.
//!
//! This is the only file that calls `libm`. Transcendentals are never reached through method
//! syntax (`x.exp()`), because on the host that silently resolves to the standard library's
//! function: host tests would then test something other than what ships, and host and device
//! results would differ. `libm` gives the same bits on every target.
//!
//! The host's softmax kernels take exponentials four at a time: [`exp_each`] goes through
//! `libm`'s own steps and constants without its branches, so that the compiler can vectorise
//! them, and returns `libm`'s bits (its tests compare every `f32` and over a million `f64`
//! values).

pub(crate) mod sealed {
    use super::reduction_multiple;

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
        /// `libm`'s exp with its branches turned into selections, so that a loop over an array
        /// vectorises: the value, and whether x lies where these steps are the whole of
        /// `libm`'s exp (|x| below ln of the smallest normal, about 87.3 in `f32` and 708.4 in
        /// `f64`). There the value has the bits of [`Float::exp`](super::Float::exp);
        /// elsewhere it is meaningless.
        fn exp_steps(self) -> (Self, bool);
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
        #[inline]
        fn exp_steps(self) -> (Self, bool) {
            // The constants and steps of libm's expf (FreeBSD's e_expf.c): k = trunc(x/ln 2 ± ½),
            // r = x − k·ln 2 in two parts, a rational approximation of e^r, then 2^k.
            const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
            const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
            const INV_LN2: f32 = core::f32::consts::LOG2_E;
            const P1: f32 = f32::from_bits(0x3e2a_aa8f);
            const P2: f32 = f32::from_bits(0xbb35_5215);
            let x = self;
            let bits = x.to_bits();
            let hx = bits & 0x7fff_ffff;
            let sign = bits & 0x8000_0000;
            let k = reduction_multiple(
                x,
                INV_LN2,
                f32::from_bits(0x3f80_0000 | sign), // ±1 with the sign of x
                [hx > 0x3f85_1592, hx > 0x3eb1_7218], // |x| > 1.5·ln 2, |x| > ½·ln 2
                12_582_912.0,                       // 1.5·2^23
            );
            let hi = x - k * LN2_HI;
            let lo = k * LN2_LO;
            // |x| ≤ 2^-14: libm returns 1 + x, which the steps below give with r = 0
            // (there k = 0, lo = 0 and hi = x).
            let r = if hx > 0x3900_0000 { hi - lo } else { 0.0 };
            let rr = r * r;
            let c = r - rr * (P1 + rr * P2);
            let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
            // 2^k: k + 2^23 + 127 has the biased exponent k + 127 as its low bits.
            let scale = f32::from_bits((k + 8_388_735.0).to_bits().wrapping_sub(0x4b00_0000) << 23);
            (y * scale, hx < 0x42ae_ac50)
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
        #[inline]
        fn exp_steps(self) -> (Self, bool) {
            // The constants and steps of libm's exp (FreeBSD's e_exp.c), as for f32.
            const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
            const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
            const INV_LN2: f64 = core::f64::consts::LOG2_E;
            const P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e);
            const P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93);
            const P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c);
            const P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1);
            const P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0);
            let x = self;
            let bits = x.to_bits();
            // libm decides on the high word of |x|.
            let hx = (bits >> 32) as u32 & 0x7fff_ffff;
            let sign = bits & 0x8000_0000_0000_0000;
            let k = reduction_multiple(
                x,
                INV_LN2,
                f64::from_bits(0x3ff0_0000_0000_0000 | sign),
                [hx >= 0x3ff0_a2b2, hx > 0x3fd6_2e42], // |x| ≥ 1.5·ln 2, |x| > ½·ln 2
                6_755_399_441_055_744.0,               // 1.5·2^52
            );
            let hi = x - k * LN2_HI;
            let lo = k * LN2_LO;
            // |x| ≤ 2^-28: libm returns 1 + x, as r = 0 gives.
            let r = if hx > 0x3e30_0000 { hi - lo } else { 0.0 };
            let rr = r * r;
            let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
            let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
            let scale = f64::from_bits(
                (k + 4_503_599_627_371_519.0) // 2^52 + 1023
                    .to_bits()
                    .wrapping_sub(0x4330_0000_0000_0000)
                    << 52,
            );
            (y * scale, hx < 0x4086_232b)
        }
    }
}

/// libm's k for eˣ as a float: trunc(x·(1/ln 2) ± ½) (± the sign of x) where `far`, else
/// `unit` (±1 with the sign of x) where `near`, else 0; computed without a float-to-integer
/// conversion (Rust's saturating `as`, which the compiler did not vectorise here). `magic` is 1.5·2^(p−1):
/// t + magic − magic rounds t (|t| < 2^(p−2)) to the nearest integer, a step back towards 0
/// where that went past t makes it trunc(t).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn reduction_multiple<T: Float>(x: T, inv_ln2: T, unit: T, [far, near]: [bool; 2], magic: T) -> T {
    let t = inv_ln2 * x + unit * T::HALF;
    let nearest = (t + magic) - magic;
    let truncated = if nearest.abs() > t.abs() {
        nearest - unit
    } else {
        nearest
    };
    if far {
        truncated
    } else if near {
        unit
    } else {
        T::ZERO
    }
}

/// The steps of [`exp_each`] for four lanes, into `out` (as many as it holds); `true` if a lane
/// lies outside their range.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn exp_group<T: Float>(x: &[T; 4], out: &mut [T]) -> bool {
    let mut values = [T::ZERO; 4];
    let mut inside = [true; 4];
    for ((e, i), &v) in values.iter_mut().zip(inside.iter_mut()).zip(x) {
        (*e, *i) = v.exp_steps();
    }
    for (o, &e) in out.iter_mut().zip(values.iter()) {
        *o = e;
    }
    !inside.iter().all(|&i| i)
}

/// [`Float::exp`] of each entry, bit for bit, written so that the host computes several
/// entries at once: the branch-free steps of [`exp_steps`](sealed::Sealed::exp_steps) for
/// every entry, and `libm` for all of them again if one lies outside their range (none does in
/// the softmax of finite logits that stay within the normal range). Fewer than four entries go
/// to `libm` one at a time, which measured faster there (3 classes: 19 ns for
/// `cross_entropy_with_grad` instead of 23 ns).
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn exp_each<T: Float, const N: usize>(x: &[T; N]) -> [T; N] {
    let mut out = [T::ZERO; N];
    let mut by_libm = N < 4;
    if !by_libm {
        let (groups, rest) = x.as_chunks::<4>();
        let (out_groups, out_rest) = out.as_chunks_mut::<4>();
        for (o, v) in out_groups.iter_mut().zip(groups) {
            by_libm |= exp_group(v, o);
        }
        if !rest.is_empty() {
            // The last N mod 4 entries, padded with zeros.
            let mut last = [T::ZERO; 4];
            for (l, &v) in last.iter_mut().zip(rest) {
                *l = v;
            }
            by_libm |= exp_group(&last, out_rest);
        }
    }
    if by_libm {
        // Few entries, or one past the steps' range (rare in a softmax): all of them from
        // `libm`, which the steps equal where they apply.
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v.exp();
        }
    }
    out
}

/// The largest |x| over `values`, computed on the bit patterns (cheap on soft-float cores); NaN
/// or ∞ anywhere gives a non-finite result.
#[inline]
pub(crate) fn max_abs<'a, T: Float + 'a>(values: impl Iterator<Item = &'a T>) -> T {
    T::from_magnitude_key(values.fold(T::Key::default(), |key, v| key.max(v.magnitude_key())))
}

/// Running maxima kept side by side by [`largest_abs`] and [`largest_abs_checked`]: four
/// independent vector chains of four `f32` lanes on the host.
const MAX_LANES: usize = 16;

/// The largest |v| over `values`, for the host: [`MAX_LANES`] running maxima side by side,
/// each a float comparison, so that it vectorises (an integer comparison of the bits, as in
/// [`max_abs`], does not on baseline x86-64). A maximum does not depend on its order, so with
/// finite values this is `max_abs` exactly; a NaN is ignored (the result is then unspecified),
/// +∞ is kept.
#[inline]
pub(crate) fn largest_abs<T: Float>(values: &[T]) -> T {
    lane_maxima::<T, false>(values)
}

/// [`largest_abs`], and not finite when any value is not (NaN or ±∞): each lane also sums
/// v·0, which is ±0 for a finite v and NaN otherwise, and that sum is added to the maximum.
/// The same result as [`max_abs`] where that matters: exactly max|v| when every value is
/// finite, not finite when one is not.
#[inline]
pub(crate) fn largest_abs_checked<T: Float>(values: &[T]) -> T {
    lane_maxima::<T, true>(values)
}

/// [`largest_abs`], plus the lane sums of v·0 when `CHECKED` ([`largest_abs_checked`]).
#[inline]
fn lane_maxima<T: Float, const CHECKED: bool>(values: &[T]) -> T {
    let mut lanes = [T::ZERO; MAX_LANES];
    let mut poison = [T::ZERO; MAX_LANES];
    let mut chunks = values.chunks_exact(MAX_LANES);
    for chunk in &mut chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            let a = v.abs();
            *m = if a > *m { a } else { *m };
        }
        if CHECKED {
            for (p, &v) in poison.iter_mut().zip(chunk) {
                *p += v * T::ZERO;
            }
        }
    }
    let rest = chunks.remainder();
    let m = rest.iter().chain(lanes.iter()).fold(T::ZERO, |m, &v| {
        let a = v.abs();
        if a > m { a } else { m }
    });
    if CHECKED {
        m + rest.iter().fold(T::ZERO, |p, &v| p + v * T::ZERO)
            + poison.iter().fold(T::ZERO, |p, &v| p + v)
    } else {
        m
    }
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
#[cfg(test)]
pub(crate) fn two_product<T: Float>(a: T, b: T) -> (T, T) {
    two_product_of_halves(halves(a), halves(b))
}

/// [`two_product`] of two factors given with their halves, (a, a_hi, a_lo) from [`halves`]:
/// a caller that meets a factor many times splits it once.
#[inline]
pub(crate) fn two_product_of_halves<T: Float>(
    (a, ah, al): (T, T, T),
    (b, bh, bl): (T, T, T),
) -> (T, T) {
    let hi = a * b;
    let lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
    (hi, lo)
}

/// `a` with Veltkamp's split of it into two halves of at most ⌊p/2⌋ significant bits each:
/// (a, hi, lo) with hi + lo = a.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn halves<T: Float>(a: T) -> (T, T, T) {
    let c = T::SPLITTER * a;
    let hi = c - (c - a);
    (a, hi, a - hi)
}

/// Σ a_i b_i + start with the compensated dot product Dot2 (Ogita, Rump and Oishi, 2005): the
/// result is as accurate as if computed in twice the precision and then rounded,
/// |error| ≤ u·|result| + γ_n²·(|start| + Σ|a_i b_i|), n the number of terms.
#[cfg(test)]
pub(crate) fn dot2<T: Float>(pairs: impl Iterator<Item = (T, T)>, start: T) -> T {
    let mut sum = start;
    let mut carry = T::ZERO;
    for (ai, bi) in pairs {
        dot2_step(&mut sum, &mut carry, halves(ai), halves(bi));
    }
    sum + carry
}

/// One term of [`dot2`]: adds a·b to the running sum, and the errors of the product and of
/// the addition to the carry; the factors come with their [`halves`].
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn dot2_step<T: Float>(sum: &mut T, carry: &mut T, a: (T, T, T), b: (T, T, T)) {
    let (p, p_err) = two_product_of_halves(a, b);
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

    /// The vectorising maxima against `max_abs`, on every length from 0 to 40 (no full chunk,
    /// chunks and a remainder), values spread over the whole range with signed zeros and
    /// subnormals, and in one case in three a NaN or an infinity at a random place: with finite
    /// values both give `max_abs`'s bits; with a non-finite one `largest_abs_checked` is not
    /// finite (an infinity is also kept by `largest_abs`).
    #[test]
    fn vectorising_maxima_match_max_abs() {
        let mut rng = crate::rng::SplitMix64::new(43);
        let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN];
        let rounds = if cfg!(miri) { 3 } else { 300 };
        for round in 0..rounds {
            for len in 0..=40_usize {
                let mut values: std::vec::Vec<f32> = (0..len)
                    .map(|_| match rng.below(8) {
                        0 => -0.0,
                        1 => f32::from_bits(rng.below(0x0080_0000)),
                        _ => f32::from_bits(
                            rng.below(0xff00_0000) & 0x7f7f_ffff | (rng.below(2) << 31),
                        ),
                    })
                    .collect();
                let bad = len > 0 && round % 3 == 0;
                if bad {
                    let at = rng.below(u32::try_from(len).unwrap_or(1)) as usize;
                    values[at] = specials[rng.below(4) as usize];
                }
                let want = max_abs(values.iter());
                let checked = largest_abs_checked(&values);
                if bad {
                    assert!(!want.is_finite() && !checked.is_finite(), "{values:?}");
                    if values.iter().any(|v| v.is_infinite()) {
                        assert_eq!(largest_abs(&values), f32::INFINITY);
                    }
                } else {
                    assert_eq!(checked.to_bits(), want.to_bits(), "{values:?}");
                    assert_eq!(largest_abs(&values).to_bits(), want.to_bits(), "{values:?}");
                }
            }
        }
    }

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

    /// |x| where libm's exps change path (the high word of |x| for `f64`): 1 + x below the
    /// first, k = 0, k = ±1, k = trunc(x/ln 2 ± ½), and its special range from the last on.
    const F32_EDGES: [u32; 4] = [0x3900_0000, 0x3eb1_7218, 0x3f85_1592, 0x42ae_ac50];
    const F64_EDGES: [u32; 4] = [0x3e30_0000, 0x3fd6_2e42, 0x3ff0_a2b2, 0x4086_232b];

    /// `exp_steps` has `libm`'s bits wherever it says it applies, and says so exactly below
    /// libm's special range.
    fn check_f32(bits: u32) {
        let x = f32::from_bits(bits);
        let (e, inside) = sealed::Sealed::exp_steps(x);
        assert_eq!(inside, bits & 0x7fff_ffff < 0x42ae_ac50, "{x:e}");
        let want = libm::expf(x);
        assert!(
            !inside || e.to_bits() == want.to_bits(),
            "exp({x:e}) = {want:e}, the steps give {e:e}"
        );
    }

    fn check_f64(x: f64) {
        let (e, inside) = sealed::Sealed::exp_steps(x);
        let high = (x.to_bits() >> 32) as u32 & 0x7fff_ffff;
        assert_eq!(inside, high < 0x4086_232b, "{x:e}");
        let want = libm::exp(x);
        assert!(
            !inside || e.to_bits() == want.to_bits(),
            "exp({x:e}) = {want:e}, the steps give {e:e}"
        );
    }

    /// Every one of the 2^32 `f32` values, on two threads: about 16 s in a release build on
    /// two cores, hours in a debug one. `.ci/run` runs it with
    /// `cargo test --release --lib -- --ignored every_f32`.
    #[test]
    #[ignore = "2^32 inputs: run in a release build (.ci/run does)"]
    fn exp_steps_has_libms_bits_for_every_f32() {
        std::thread::scope(|scope| {
            scope.spawn(|| (0..=u32::MAX >> 1).for_each(check_f32));
            (u32::MAX / 2 + 1..=u32::MAX).for_each(check_f32);
        });
    }

    /// A spread of `f32` values, every value near each of libm's thresholds (both signs), and
    /// the shifts of a softmax, which must all take the steps (the point of them).
    #[test]
    fn exp_steps_has_libms_bits_for_f32() {
        let (stride, dense, window) = if cfg!(miri) {
            (16_777_259, 3_999_971, 3)
        } else {
            (65_521, 511, 400)
        };
        for bits in (0..=u32::MAX).step_by(stride) {
            check_f32(bits);
        }
        // Denser where the approximation's last coefficient decides roundings: 2^-11 ≤ |x| < 8.
        for bits in (0x3a00_0000..0x4100_0000).step_by(dense) {
            check_f32(bits);
            check_f32(bits | 0x8000_0000);
        }
        for edge in F32_EDGES {
            for bits in edge - window..=edge + window {
                check_f32(bits);
                check_f32(bits | 0x8000_0000);
            }
        }
        let steps = if cfg!(miri) { 50 } else { 100_000 };
        for i in 0..=steps {
            let x = <f32 as sealed::Sealed>::LN_MIN_POSITIVE * (i as f32 / steps as f32);
            assert!(
                sealed::Sealed::exp_steps(x).1 || x == <f32 as sealed::Sealed>::LN_MIN_POSITIVE,
                "{x}"
            );
            check_f32(x.to_bits());
        }
    }

    /// Random `f64` values: uniform over libm's range and a little beyond, over magnitudes
    /// from 2^-40 to 2^10, any bit pattern, and any low word beside each threshold's high word.
    #[test]
    fn exp_steps_has_libms_bits_for_f64() {
        let mut rng = crate::rng::SplitMix64::new(41);
        for _ in 0..if cfg!(miri) { 100 } else { 300_000 } {
            let u = rng.next_u64();
            let sign = u & (1 << 63);
            check_f64((u >> 11) as f64 / (1_u64 << 53) as f64 * 1440.0 - 720.0);
            check_f64(f64::from_bits(sign | ((983 + u % 51) << 52) | (u >> 12)));
            check_f64(f64::from_bits(u));
            let edge = F64_EDGES[(u % 4) as usize] + [0, 1, 2, 3, 4][((u >> 2) % 5) as usize] - 2;
            check_f64(f64::from_bits(sign | u64::from(edge) << 32 | (u >> 32)));
        }
    }

    /// `exp_each` of arrays of every length up to 10, each special value at each position:
    /// `libm`'s bits everywhere, through the steps or past their range.
    #[test]
    fn exp_each_has_libms_bits_everywhere() {
        fn run<T: Float, const N: usize>(specials: &[T], ordinary: impl Fn(usize) -> T) {
            for position in 0..N {
                for &special in specials {
                    let mut x: [T; N] = core::array::from_fn(&ordinary);
                    x[position] = special;
                    let e = exp_each(&x);
                    for (got, &xi) in e.iter().zip(&x) {
                        assert_eq!(got.to_bits_u64(), xi.exp().to_bits_u64(), "{xi:?} in {x:?}");
                    }
                }
            }
        }
        let f32s = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -100.0,
            88.5,
            89.0,
            -87.336_55,
            -87.3,
            0.0,
            -0.0,
            1.0e-30,
            -1.0e-5,
            -0.5,
            -1.0,
            -5.5,
            3.0,
        ];
        let f64s = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -750.0,
            -708.395,
            709.0,
            710.0,
            0.0,
            -1.0e-300,
            -0.4,
            -1.0,
            -30.5,
        ];
        let a = |i: usize| -1.7 * i as f32 + 0.3;
        let b = |i: usize| -2.9 * i as f64 + 0.6;
        run::<f32, 1>(&f32s, a);
        run::<f32, 3>(&f32s, a);
        run::<f32, 4>(&f32s, a);
        run::<f32, 5>(&f32s, a);
        run::<f32, 8>(&f32s, a);
        run::<f32, 10>(&f32s, a);
        run::<f64, 2>(&f64s, b);
        run::<f64, 7>(&f64s, b);
        run::<f64, 10>(&f64s, b);
    }
}
