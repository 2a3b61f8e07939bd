//! Feature standardisation x' = (x − mean) / scale: the online [`Standardizer`] (Welford),
//! fitted on the device one sample or one batch at a time, and the frozen [`Scaler`] that
//! applies fixed statistics.
//!
//! The two are separate types because they hold different things. A [`Standardizer`] holds the
//! running statistics (count, mean, sum of squared deviations M2) from which further updates
//! continue; its scale is derived from them, with a square root per feature. A [`Scaler`] holds
//! only a mean and a scale, from a fitted standardiser ([`Standardizer::freeze`]) or from known
//! values such as scikit-learn's `StandardScaler.mean_` and `.scale_`
//! ([`Scaler::new_f32`], [`Scaler::new_f64`], both `const fn`). A mean and a scale do not
//! determine a count or an M2 (scikit-learn's `scale_` is 1 for a constant feature, whatever its
//! variance was, and the number of samples behind it is not part of it), so no standardiser is
//! built from them: a [`Scaler`] cannot be updated.
//!
//! Both transform alike, (x − mean) / scale, a subtraction and a division per feature, and a
//! frozen scaler gives the same bits as the standardiser it was frozen from. It keeps the scale
//! itself rather than its reciprocal: multiplying by a rounded 1/scale would be cheaper on
//! soft-float cores but would differ from the division in the last bit for some inputs, and
//! scikit-learn's `transform` divides by `scale_` too.
//!
//! ```
//! use tinysoftmax::{Scaler, Standardizer};
//! let mut fitted = Standardizer::<2, f64>::new();
//! fitted.update_all(&[[1.0, 10.0], [3.0, 30.0]])?;
//! let frozen = fitted.freeze();
//! assert_eq!(frozen.mean(), &[2.0, 20.0]);
//! assert_eq!(frozen.scale(), &[1.0, 10.0]);
//! // The same numbers, known in advance (say, exported from scikit-learn).
//! assert_eq!(Scaler::new_f64([2.0, 20.0], [1.0, 10.0])?, frozen);
//! assert_eq!(frozen.transform(&[3.0, 0.0]), fitted.transform(&[3.0, 0.0]));
//! # Ok::<(), tinysoftmax::Error>(())
//! ```

use crate::data::check_features;
use crate::error::{Error, Result};
use crate::math::Float;

/// Running mean and variance of each of `F` features, and the transform x' = (x − mean) / std.
///
/// Welford's update keeps the running mean and the sum of squared deviations M2, which is
/// numerically stable where the textbook Σx² − (Σx)²/n cancels. The standard deviation is the
/// population one (M2 / n, like `numpy.std`), and a feature whose deviation is 0 is divided
/// by 1, so constant features map to 0 instead of NaN. Before any update the transform is the
/// identity. [`transform`](Self::transform) takes F square roots per call; once the statistics
/// stop changing, [`freeze`](Self::freeze) them into a [`Scaler`], which gives the same bits
/// without the square roots.
///
/// ```
/// use tinysoftmax::Standardizer;
/// let mut s = Standardizer::<2, f64>::new();
/// for x in [[1.0, 10.0], [2.0, 10.0], [3.0, 10.0]] {
///     s.update(&x)?;
/// }
/// assert_eq!(s.mean(), &[2.0, 10.0]);
/// assert_eq!(s.variance(), [2.0 / 3.0, 0.0]);
/// let t = s.transform(&[3.0, 10.0]);
/// assert!((t[0] - 1.224_744_871_391_589).abs() < 1e-15);
/// assert_eq!(t[1], 0.0);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Standardizer<const F: usize, T = f32> {
    pub(crate) count: u32,
    pub(crate) mean: [T; F],
    pub(crate) m2: [T; F],
}

impl<const F: usize, T: Float> Default for Standardizer<F, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const F: usize, T: Float> Standardizer<F, T> {
    /// A standardiser that has seen no data.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::Standardizer::<3>::new().count(), 0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            count: 0,
            mean: [T::ZERO; F],
            m2: [T::ZERO; F],
        }
    }

    /// A standardiser with the given statistics: the observation count, the running means and
    /// M2, the sums of squared deviations from the mean (what [`count`](Self::count),
    /// [`mean`](Self::mean) and [`sum_of_squares`](Self::sum_of_squares) return). For
    /// statistics computed elsewhere, e.g. a `const` written by the host tool; like
    /// [`Classifier::new`](crate::Classifier::new), it takes the values as given (bytes from
    /// outside are better read with [`format`](crate::format), which checks them).
    ///
    /// ```
    /// use tinysoftmax::Standardizer;
    /// static S: Standardizer<1, f64> = Standardizer::from_statistics(2, [2.0], [2.0]);
    /// assert_eq!(S.variance(), [1.0]);
    /// assert_eq!(S.transform(&[3.0]), [1.0]);
    /// ```
    #[must_use]
    pub const fn from_statistics(count: u32, mean: [T; F], m2: [T; F]) -> Self {
        Self { count, mean, m2 }
    }

    /// M2, the sum of squared deviations from the running mean of each feature (0 before any
    /// update); the variance is M2 / count.
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1, f64>::new();
    /// s.update(&[1.0])?;
    /// s.update(&[3.0])?;
    /// assert_eq!(s.sum_of_squares(), &[2.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn sum_of_squares(&self) -> &[T; F] {
        &self.m2
    }

    /// Adds one observation.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteFeature`] if a value is NaN or ±∞; [`Error::NonFiniteUpdate`] if the
    /// running mean or sum of squared deviations would overflow (finite values so large that
    /// their squared spread exceeds the largest float). Either way nothing is changed, so one
    /// glitched reading cannot spoil statistics gathered for days. After `u32::MAX`
    /// observations further ones are ignored (the statistics stop changing).
    ///
    /// ```
    /// use tinysoftmax::{Error, Standardizer};
    /// let mut s = Standardizer::<1>::new();
    /// assert_eq!(s.update(&[f32::NAN]), Err(Error::NonFiniteFeature));
    /// s.update(&[1.0])?;
    /// let before = s.clone();
    /// // (3e38 − 1)² overflows f32: rejected, and the statistics are untouched.
    /// assert_eq!(s.update(&[3.0e38]), Err(Error::NonFiniteUpdate));
    /// assert_eq!(s, before);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn update(&mut self, x: &[T; F]) -> Result<()> {
        check_features(x)?;
        let Some(count) = self.count.checked_add(1) else {
            return Ok(());
        };
        let n = T::from_u32(count);
        let (mut mean, mut m2) = (self.mean, self.m2);
        for ((&xi, mean), m2) in x.iter().zip(mean.iter_mut()).zip(m2.iter_mut()) {
            let delta = xi - *mean;
            *mean += delta / n;
            *m2 += delta * (xi - *mean);
        }
        let finite = mean.iter().chain(m2.iter()).all(|v| v.is_finite());
        if !finite {
            return Err(Error::NonFiniteUpdate);
        }
        (self.count, self.mean, self.m2) = (count, mean, m2);
        Ok(())
    }

    /// Adds a batch of observations in order, as [`update`](Self::update) one by one would
    /// (the same bits), but all or nothing: like scikit-learn's `partial_fit`, it continues
    /// from the statistics gathered so far.
    ///
    /// It takes anything that yields `&[T; F]`: a slice of feature arrays, or the features of a
    /// slice of [`Sample`](crate::Sample)s (second example). The statistics are updated in a
    /// copy (2F + 1 numbers on the stack) that replaces them only when every row is accepted.
    ///
    /// # Errors
    ///
    /// The first error [`update`](Self::update) returns, for the first row it rejects
    /// ([`Error::NonFiniteFeature`] or [`Error::NonFiniteUpdate`]); the standardiser is then
    /// unchanged, also by the rows before the bad one. To skip bad rows instead, call
    /// [`update`](Self::update) for each row.
    ///
    /// ```
    /// use tinysoftmax::{Error, Standardizer};
    /// let mut s = Standardizer::<2, f64>::new();
    /// s.update_all(&[[1.0, 4.0], [3.0, 8.0]])?;
    /// assert_eq!((s.count(), s.mean()), (2, &[2.0, 6.0]));
    /// let before = s.clone();
    /// assert_eq!(s.update_all(&[[5.0, 0.0], [f64::NAN, 0.0]]), Err(Error::NonFiniteFeature));
    /// assert_eq!(s, before);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    ///
    /// ```
    /// use tinysoftmax::{Label, Sample, Standardizer};
    /// let samples = [
    ///     Sample::new([1.0_f32, 0.0], Label::<2>::new(0)?),
    ///     Sample::new([3.0, 0.0], Label::new(1)?),
    /// ];
    /// let mut s = Standardizer::<2>::new();
    /// s.update_all(samples.iter().map(|sample| &sample.features))?;
    /// assert_eq!(s.mean(), &[2.0, 0.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn update_all<'a, I>(&mut self, rows: I) -> Result<()>
    where
        I: IntoIterator<Item = &'a [T; F]>,
        T: 'a,
    {
        let mut next = self.clone();
        for x in rows {
            next.update(x)?;
        }
        *self = next;
        Ok(())
    }

    /// How many observations have been added.
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1>::new();
    /// s.update(&[1.0])?;
    /// assert_eq!(s.count(), 1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The running mean of each feature (0 before any update).
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1>::new();
    /// s.update(&[4.0])?;
    /// assert_eq!(s.mean(), &[4.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn mean(&self) -> &[T; F] {
        &self.mean
    }

    /// The population variance M2 / n of each feature (0 before any update).
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1, f64>::new();
    /// s.update(&[1.0])?;
    /// s.update(&[3.0])?;
    /// assert_eq!(s.variance(), [1.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn variance(&self) -> [T; F] {
        let mut v = self.m2;
        if self.count > 0 {
            let n = T::from_u32(self.count);
            for vi in &mut v {
                *vi = *vi / n;
            }
        }
        v
    }

    /// The divisor of each feature: the population standard deviation, or 1 where it is 0.
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<2, f64>::new();
    /// s.update(&[1.0, 5.0])?;
    /// s.update(&[3.0, 5.0])?;
    /// assert_eq!(s.scale(), [1.0, 1.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn scale(&self) -> [T; F] {
        let mut s = self.variance();
        for si in &mut s {
            *si = if *si > T::ZERO { si.sqrt() } else { T::ONE };
        }
        s
    }

    /// x' = (x − mean) / scale, feature by feature.
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1, f64>::new();
    /// s.update(&[1.0])?;
    /// s.update(&[3.0])?;
    /// assert_eq!(s.transform(&[5.0]), [3.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn transform(&self, x: &[T; F]) -> [T; F] {
        let mut out = *x;
        self.transform_in_place(&mut out);
        out
    }

    /// [`transform`](Self::transform), overwriting `x`.
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1, f64>::new();
    /// s.update(&[1.0])?;
    /// s.update(&[3.0])?;
    /// let mut x = [1.0];
    /// s.transform_in_place(&mut x);
    /// assert_eq!(x, [-1.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn transform_in_place(&self, x: &mut [T; F]) {
        self.freeze().transform_in_place(x);
    }

    /// The current mean and [`scale`](Self::scale) as a [`Scaler`], which transforms to the
    /// same bits without a square root per reading.
    ///
    /// ```
    /// let mut s = tinysoftmax::Standardizer::<1, f64>::new();
    /// s.update_all(&[[1.0], [2.0]])?;
    /// let frozen = s.freeze();
    /// assert_eq!(frozen.scale(), &s.scale());
    /// assert_eq!(frozen.transform(&[0.3]), s.transform(&[0.3]));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn freeze(&self) -> Scaler<F, T> {
        Scaler {
            mean: self.mean,
            scale: self.scale(),
        }
    }
}

/// A frozen standardisation x' = (x − mean) / scale, with a fixed mean and scale per feature:
/// what a fitted [`Standardizer`] becomes once it stops learning, or what scikit-learn's
/// `StandardScaler` exports.
///
/// [`transform`](Self::transform) computes `(x[f] − mean[f]) / scale[f]`, in that order, for
/// each feature: F subtractions and F divisions, no square root. These are the two operations
/// of scikit-learn's dense `StandardScaler.transform` (`X -= mean_; X /= scale_`), so a
/// `Scaler<F, f64>` built from its `mean_` and `scale_` gives the same bits as it on the same
/// f64 input. With the constants rounded to f32 for a device, an f32 reading gives a result
/// within u·|mean| / scale + 3u·|x'| of that (to first order, u = 2⁻²⁴). For
/// `with_mean=False` pass a mean of zeros, for `with_std=False` a scale of ones. A scaler
/// frozen from a [`Standardizer`] gives exactly the bits of [`Standardizer::transform`].
///
/// Numerics: each output is the correctly rounded quotient of the correctly rounded
/// difference: within (1 + u)² − 1 ≈ 2u relative of (x − mean) / scale (u the unit roundoff),
/// plus half the smallest subnormal where the result is subnormal. NaN input gives NaN and ±∞
/// gives ±∞, feature by feature; a finite input gives ±∞ when
/// x − mean overflows or when a scale below 1 lifts the quotient above the largest float.
/// Memory: 2F floats. The constructors check that every mean is finite and every scale finite
/// and > 0, so no scale is 0 and a finite reading far from overflow maps to a finite one.
///
/// ```
/// use tinysoftmax::Scaler;
/// // `mean_` and `scale_` of a fitted scikit-learn `StandardScaler`, as f32 constants.
/// static SCALER: Scaler<2> = match Scaler::new_f32([5.75, 3.0], [0.75, 0.5]) {
///     Ok(s) => s,
///     Err(_) => panic!("invalid scaler constants"), // a compile error, never a run-time panic
/// };
/// assert_eq!(SCALER.transform(&[7.25, 2.0]), [2.0, -2.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Scaler<const F: usize, T = f32> {
    mean: [T; F],
    scale: [T; F],
}

/// The checked constructor for one float type (`const fn` needs a concrete type to compare
/// floats, so there is one per type, each named after it).
macro_rules! scaler_new {
    ($t:ty, $name:ident) => {
        impl<const F: usize> Scaler<F, $t> {
            #[doc = concat!("A scaler from a known mean and scale per feature, in `", stringify!($t), "`; `const`, so")]
            /// a scaler built from constants can be a `static` (see [`Scaler`]).
            ///
            /// The arguments are scikit-learn's `StandardScaler.mean_` and `.scale_`, or those
            /// of any standardisation (x − mean) / scale. Nothing is rounded or changed.
            ///
            /// # Errors
            ///
            /// [`Error::Scaler`] if a mean is NaN or ±∞, or a scale is NaN, ±∞, 0 or negative
            /// (a zero-variance feature needs scale 1, as scikit-learn's `scale_` has). In a
            /// `static` or `const`, matching the error with `panic!` makes bad constants a
            /// compile error:
            ///
            /// ```compile_fail
            #[doc = concat!("static S: tinysoftmax::Scaler<1, ", stringify!($t), "> = match tinysoftmax::Scaler::", stringify!($name), "([0.0], [0.0]) {")]
            ///     Ok(s) => s,
            ///     Err(_) => panic!("a scale of 0"),
            /// };
            /// ```
            ///
            /// ```
            /// use tinysoftmax::{Error, Scaler};
            #[doc = concat!("let s = Scaler::", stringify!($name), "([1.0, -2.0], [4.0, 0.5])?;")]
            /// assert_eq!(s.mean(), &[1.0, -2.0]);
            /// assert_eq!(s.scale(), &[4.0, 0.5]);
            #[doc = concat!("assert_eq!(Scaler::", stringify!($name), "([0.0], [0.0]), Err(Error::Scaler));")]
            #[doc = concat!("assert_eq!(Scaler::", stringify!($name), "([0.0], [-1.0]), Err(Error::Scaler));")]
            #[doc = concat!("assert_eq!(Scaler::", stringify!($name), "([", stringify!($t), "::NAN], [1.0]), Err(Error::Scaler));")]
            #[doc = concat!("assert_eq!(Scaler::", stringify!($name), "([0.0], [", stringify!($t), "::INFINITY]), Err(Error::Scaler));")]
            /// # Ok::<(), tinysoftmax::Error>(())
            /// ```
            pub const fn $name(mean: [$t; F], scale: [$t; F]) -> Result<Self> {
                let mut f = 0;
                while f < F {
                    let (m, s) = (mean[f], scale[f]);
                    if !(m.is_finite() && s.is_finite() && s > 0.0) {
                        return Err(Error::Scaler);
                    }
                    f += 1;
                }
                Ok(Self { mean, scale })
            }
        }
    };
}

scaler_new!(f32, new_f32);
scaler_new!(f64, new_f64);

impl<const F: usize, T: Float> Scaler<F, T> {
    /// The mean subtracted from each feature.
    ///
    /// ```
    /// let s = tinysoftmax::Scaler::new_f32([1.0, 2.0], [3.0, 4.0])?;
    /// assert_eq!(s.mean(), &[1.0, 2.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn mean(&self) -> &[T; F] {
        &self.mean
    }

    /// The divisor of each feature (finite and > 0).
    ///
    /// ```
    /// let s = tinysoftmax::Scaler::new_f32([1.0, 2.0], [3.0, 4.0])?;
    /// assert_eq!(s.scale(), &[3.0, 4.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn scale(&self) -> &[T; F] {
        &self.scale
    }

    /// x' = (x − mean) / scale, feature by feature.
    ///
    /// ```
    /// let s = tinysoftmax::Scaler::new_f64([1.0, 2.0], [2.0, 0.5])?;
    /// assert_eq!(s.transform(&[5.0, 1.0]), [2.0, -2.0]);
    /// assert!(s.transform(&[f64::NAN, 1.0])[0].is_nan());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn transform(&self, x: &[T; F]) -> [T; F] {
        let mut out = *x;
        self.transform_in_place(&mut out);
        out
    }

    /// [`transform`](Self::transform), overwriting `x`.
    ///
    /// ```
    /// let s = tinysoftmax::Scaler::new_f64([1.0], [2.0])?;
    /// let mut x = [0.0];
    /// s.transform_in_place(&mut x);
    /// assert_eq!(x, [-0.5]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn transform_in_place(&self, x: &mut [T; F]) {
        for ((xi, &mean), &scale) in x.iter_mut().zip(self.mean.iter()).zip(self.scale.iter()) {
            *xi = (*xi - mean) / scale;
        }
    }
}
