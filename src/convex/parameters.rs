//! [`Parameters`]: a vector in the parameter space of a classifier.

use crate::data::Label;
use crate::math::Float;
use crate::model::Classifier;

/// A vector in the parameter space of a `Classifier<F, C, T>`: a gradient, a Hessian-vector
/// product, a direction, a difference of two models. It has a model's shape (a C × F matrix
/// and C biases) but is not a model: it cannot predict.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample, convex::{Parameters, gradient}};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(1)?)];
/// let (_, g) = gradient(&Classifier::zeros(), &data, &Objective::new(0.0)?)?;
/// assert_eq!(g, Parameters::new([[1.0], [-1.0]], [0.5, -0.5]));
/// assert_eq!(g.norm(), 2.5_f64.sqrt());
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Parameters<const F: usize, const C: usize, T = f32>(Classifier<F, C, T>);

impl<const F: usize, const C: usize, T: Float> Parameters<F, C, T> {
    /// A vector from its weight part (C rows of F) and its bias part.
    ///
    /// ```
    /// let v = tinysoftmax::convex::Parameters::<1, 2>::new([[1.0], [2.0]], [3.0, 4.0]);
    /// assert_eq!(v.bias(), &[3.0, 4.0]);
    /// ```
    #[must_use]
    pub const fn new(weights: [[T; F]; C], bias: [T; C]) -> Self {
        Self(Classifier::new(weights, bias))
    }

    /// The zero vector.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::convex::Parameters::<2, 2>::zeros().norm(), 0.0);
    /// ```
    #[must_use]
    pub const fn zeros() -> Self {
        Self(Classifier::zeros())
    }

    /// A model's parameters as a vector (for a direction, or the difference of two models).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, convex::Parameters};
    /// let m = Classifier::<1, 2>::new([[3.0], [0.0]], [4.0, 0.0]);
    /// assert_eq!(Parameters::of(&m).norm(), 5.0);
    /// ```
    #[must_use]
    pub fn of(model: &Classifier<F, C, T>) -> Self {
        Self(model.clone())
    }

    /// The weight part, C rows of F.
    ///
    /// ```
    /// let v = tinysoftmax::convex::Parameters::<1, 2>::new([[1.0], [2.0]], [0.0; 2]);
    /// assert_eq!(v.weights(), [[1.0], [2.0]]);
    /// ```
    #[must_use]
    pub const fn weights(&self) -> [[T; F]; C] {
        self.0.weights()
    }

    /// The weight part transposed, F rows of C.
    ///
    /// ```
    /// let v = tinysoftmax::convex::Parameters::<2, 2>::new([[1.0, 2.0], [3.0, 4.0]], [0.0; 2]);
    /// assert_eq!(v.columns(), [[1.0, 3.0], [2.0, 4.0]]);
    /// ```
    #[must_use]
    pub const fn columns(&self) -> [[T; C]; F] {
        self.0.columns()
    }

    /// The entry of class c, feature f of the weight part, or `None` when f ≥ F.
    ///
    /// ```
    /// use tinysoftmax::{Label, convex::Parameters};
    /// let v = Parameters::<1, 2>::new([[1.0], [2.0]], [0.0; 2]);
    /// assert_eq!(v.weight(Label::new(1)?, 0), Some(2.0));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self, class: Label<C>, feature: usize) -> Option<T> {
        self.0.weight(class, feature)
    }

    /// The bias part.
    ///
    /// ```
    /// let v = tinysoftmax::convex::Parameters::<1, 2>::new([[1.0], [2.0]], [3.0, 4.0]);
    /// assert_eq!(v.bias(), &[3.0, 4.0]);
    /// ```
    #[must_use]
    pub const fn bias(&self) -> &[T; C] {
        self.0.bias()
    }

    /// The Euclidean norm, scaled by the largest entry so that no square underflows or
    /// overflows (within a few units of roundoff).
    ///
    /// ```
    /// let v = tinysoftmax::convex::Parameters::<1, 2, f32>::new([[3e30], [0.0]], [4e30, 0.0]);
    /// assert_eq!(v.norm(), 5e30);
    /// ```
    #[must_use]
    pub fn norm(&self) -> T {
        super::parameter_norm(&self.0)
    }

    /// Wraps values computed in a model's shape.
    pub(crate) const fn from_model(model: Classifier<F, C, T>) -> Self {
        Self(model)
    }

    /// The values in a model's shape, for the crate's own arithmetic.
    pub(crate) const fn as_model(&self) -> &Classifier<F, C, T> {
        &self.0
    }
}
