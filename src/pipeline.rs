//! Prediction from raw readings: a frozen [`Scaler`] in front of a [`Classifier`].
//!
//! A model trained on standardised features must see every reading standardised the same way;
//! a [`Pipeline`] keeps the two together so they cannot drift apart, like scikit-learn's
//! `make_pipeline(StandardScaler(), LogisticRegression())`. It adds nothing to the arithmetic:
//! each method is the classifier's, applied to [`Scaler::transform`] of the reading, bit for bit.

use crate::data::Label;
use crate::math::Float;
use crate::model::Classifier;
use crate::standardize::Scaler;

/// A [`Scaler`] and a [`Classifier`] that predict from raw (unstandardised) readings.
///
/// Each prediction standardises the reading (F subtractions and F divisions, see
/// [`Scaler::transform`]) and then runs the classifier on the result. Memory: the two parts,
/// 2F + C·F + C floats. [`new`](Self::new) is `const fn`, so a pipeline of constants exported
/// from scikit-learn can be a `static` in flash.
///
/// Non-finite readings are not an error, as for [`Classifier::predict`], which is infallible:
/// they propagate. A NaN feature makes every logit and every probability NaN, and `predict`
/// then returns class 0 (its argmax counts a NaN as the largest, like `torch.argmax`); a ±∞
/// feature gives infinite or NaN logits. Firmware whose sensors can glitch checks the reading
/// first (`raw.iter().all(|v| v.is_finite())`) and treats a bad one as "no prediction".
///
/// ```
/// use tinysoftmax::{Classifier, Label, Pipeline, Scaler};
/// // A scikit-learn StandardScaler (`mean_`, `scale_`) and LogisticRegression (`coef_`,
/// // `intercept_`), exported as constants.
/// static MODEL: Pipeline<2, 2> = Pipeline::new(
///     match Scaler::new_f32([20.0, 0.5], [4.0, 0.25]) {
///         Ok(s) => s,
///         Err(_) => panic!("invalid scaler constants"),
///     },
///     Classifier::new([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0]),
/// );
/// let raw = [28.0, 0.5]; // standardised: [2.0, 0.0]
/// assert_eq!(MODEL.logits(&raw), [2.0, -2.0]);
/// assert_eq!(MODEL.predict(&raw), Label::new(0)?);
/// assert_eq!(MODEL.predict(&[12.0, 0.5]), Label::new(1)?);
/// // NaN propagates.
/// assert!(MODEL.probabilities(&[f32::NAN, 0.5]).iter().all(|p| p.is_nan()));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pipeline<const F: usize, const C: usize, T = f32> {
    scaler: Scaler<F, T>,
    classifier: Classifier<F, C, T>,
}

impl<const F: usize, const C: usize, T: Float> Pipeline<F, C, T> {
    /// Puts `scaler` in front of `classifier`, which was trained on features standardised by it.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Pipeline, Standardizer};
    /// let mut s = Standardizer::<1, f64>::new();
    /// s.update_all(&[[1.0], [3.0]])?;
    /// let p = Pipeline::new(s.freeze(), Classifier::<1, 2, f64>::new([[1.0], [-1.0]], [0.0; 2]));
    /// assert_eq!(p.logits(&[3.0]), [1.0, -1.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn new(scaler: Scaler<F, T>, classifier: Classifier<F, C, T>) -> Self {
        Self { scaler, classifier }
    }

    /// The scaler applied to each reading.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Pipeline, Scaler};
    /// let p = Pipeline::new(Scaler::new_f32([1.0], [2.0])?, Classifier::<1, 2>::zeros());
    /// assert_eq!(p.scaler().scale(), &[2.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn scaler(&self) -> &Scaler<F, T> {
        &self.scaler
    }

    /// The classifier, which sees standardised features.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Pipeline, Scaler};
    /// let p = Pipeline::new(Scaler::new_f32([1.0], [2.0])?, Classifier::<1, 2>::zeros());
    /// assert_eq!(p.classifier(), &Classifier::zeros());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn classifier(&self) -> &Classifier<F, C, T> {
        &self.classifier
    }

    /// The classifier, mutably: to keep training it on the device, on readings standardised by
    /// [`scaler`](Self::scaler) (which stays fixed, since the weights depend on it).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, Pipeline, Scaler};
    /// use tinysoftmax::{optim::Sgd, train::Trainer};
    /// let mut p = Pipeline::new(Scaler::new_f32([10.0], [5.0])?, Classifier::<1, 2>::zeros());
    /// let mut trainer = Trainer::new(Sgd::new(0.5)?, Objective::new(0.0)?)?;
    /// let raw = [20.0];
    /// let x = p.scaler().transform(&raw);
    /// trainer.step_on(p.classifier_mut(), &x, Label::new(1)?)?;
    /// assert_eq!(p.predict(&raw), Label::new(1)?);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn classifier_mut(&mut self) -> &mut Classifier<F, C, T> {
        &mut self.classifier
    }

    /// The logits of a raw reading: [`Classifier::logits`] of [`Scaler::transform`]`(raw)`.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Pipeline, Scaler};
    /// let p = Pipeline::new(
    ///     Scaler::new_f64([1.0, 1.0], [2.0, 4.0])?,
    ///     Classifier::<2, 2, f64>::new([[1.0, 1.0], [0.0, 0.0]], [0.0, 0.5]),
    /// );
    /// assert_eq!(p.logits(&[3.0, 5.0]), [2.0, 0.5]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn logits(&self, raw: &[T; F]) -> [T; C] {
        self.classifier.logits(&self.scaler.transform(raw))
    }

    /// The class probabilities of a raw reading: [`Classifier::probabilities`] of
    /// [`Scaler::transform`]`(raw)`.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Pipeline, Scaler};
    /// let p = Pipeline::new(
    ///     Scaler::new_f64([3.0], [2.0])?,
    ///     Classifier::<1, 2, f64>::new([[1.0], [-1.0]], [0.0, 0.0]),
    /// );
    /// assert_eq!(p.probabilities(&[3.0]), [0.5, 0.5]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn probabilities(&self, raw: &[T; F]) -> [T; C] {
        self.classifier.probabilities(&self.scaler.transform(raw))
    }

    /// The most probable class of a raw reading (the first on ties): [`Classifier::predict`]
    /// of [`Scaler::transform`]`(raw)`.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Pipeline, Scaler};
    /// let p = Pipeline::new(
    ///     Scaler::new_f32([100.0], [10.0])?,
    ///     Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]),
    /// );
    /// assert_eq!(p.predict(&[90.0]), Label::new(1)?);
    /// assert_eq!(p.predict(&[110.0]), Label::new(0)?);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn predict(&self, raw: &[T; F]) -> Label<C> {
        self.classifier.predict(&self.scaler.transform(raw))
    }
}
