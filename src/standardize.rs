//! Online feature standardisation (Welford), fitted on the device one sample at a time.

use crate::error::{Error, Result};
use crate::math::Float;

/// Running mean and variance of each of `F` features, and the transform x' = (x − mean) / std.
///
/// Welford's update keeps the running mean and the sum of squared deviations M2, which is
/// numerically stable where the textbook Σx² − (Σx)²/n cancels. The standard deviation is the
/// population one (M2 / n, like `numpy.std`), and a feature whose deviation is 0 is divided
/// by 1, so constant features map to 0 instead of NaN. Before any update the transform is the
/// identity.
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
        if !x.iter().all(|v| v.is_finite()) {
            return Err(Error::NonFiniteFeature);
        }
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
        let scale = self.scale();
        for ((xi, &mean), &s) in x.iter_mut().zip(self.mean.iter()).zip(scale.iter()) {
            *xi = (*xi - mean) / s;
        }
    }
}
