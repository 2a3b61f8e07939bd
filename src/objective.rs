//! The training objective as one value: the loss configuration and the L2 coefficient λ.
//!
//! ```text
//! P(W, b) = (1/n) Σ_i CE(W x_i + b, y_i) + (λ/2)(‖W‖² + ‖b‖²)
//! ```
//!
//! (CE with its class weights and label smoothing, see [`CrossEntropy`].) The same value drives
//! SGD ([`Trainer::new`](crate::train::Trainer::new): λ is its weight decay), the full-batch
//! functions of [`convex`](crate::convex), the certificate and the solver, so a model is
//! trained and certified on the same objective by construction.

use crate::error::{Error, Result};
use crate::loss::CrossEntropy;
use crate::math::Float;

/// The regularised objective: a [`CrossEntropy`] configuration and λ ≥ 0.
///
/// `new_f32` / `new_f64` is a `const fn` for `f32` and `f64`, so an objective can be a
/// `const` or a `static`, and a bad one is a compile error there:
///
/// ```
/// use tinysoftmax::{Objective, loss::CrossEntropy};
/// const OBJECTIVE: Objective<3> = match Objective::new_f32(0.01) {
///     Ok(objective) => objective,
///     Err(_) => panic!("λ must be finite and >= 0"),
/// };
/// assert_eq!(OBJECTIVE.lambda(), 0.01);
/// assert_eq!(OBJECTIVE.loss(), &CrossEntropy::new());
/// ```
///
/// ```compile_fail
/// use tinysoftmax::Objective;
/// const OBJECTIVE: Objective<3> = match Objective::new_f32(-1.0) {
///     Ok(objective) => objective,
///     Err(_) => panic!("λ must be finite and >= 0"),
/// };
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Objective<const C: usize, T = f32> {
    loss: CrossEntropy<C, T>,
    lambda: T,
}

macro_rules! const_constructor {
    ($t:ty, $name:ident) => {
        impl<const C: usize> Objective<C, $t> {
            /// [`new`](Self::new) as a `const fn`, for a `const` or `static` objective (see the
            /// type's docs).
            ///
            /// # Errors
            ///
            /// [`Error::WeightDecay`] unless λ is finite and ≥ 0.
            ///
            /// ```
            /// use tinysoftmax::{Error, Objective};
            /// assert_eq!(Objective::<2>::new_f32(0.1)?, Objective::new(0.1)?);
            /// assert_eq!(Objective::<2, f64>::new_f64(f64::NAN), Err(Error::WeightDecay));
            /// # Ok::<(), Error>(())
            /// ```
            pub const fn $name(lambda: $t) -> Result<Self> {
                if lambda.is_finite() && lambda >= 0.0 {
                    Ok(Self {
                        loss: CrossEntropy::new(),
                        // −0.0 is stored as +0.0 (see `from_parts`).
                        lambda: if lambda == 0.0 { 0.0 } else { lambda },
                    })
                } else {
                    Err(Error::WeightDecay)
                }
            }
        }
    };
}

const_constructor!(f32, new_f32);
const_constructor!(f64, new_f64);

impl<const C: usize, T: Float> Objective<C, T> {
    /// Plain cross-entropy plus (λ/2)‖θ‖².
    ///
    /// # Errors
    ///
    /// [`Error::WeightDecay`] unless λ is finite and ≥ 0.
    ///
    /// ```
    /// use tinysoftmax::{Error, Objective};
    /// assert_eq!(Objective::<2>::new(0.1)?.lambda(), 0.1);
    /// assert_eq!(Objective::<2, f64>::new(f64::NAN), Err(Error::WeightDecay));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(lambda: T) -> Result<Self> {
        Self::from_parts(CrossEntropy::new(), lambda)
    }

    /// An objective from a loss configuration and λ.
    ///
    /// # Errors
    ///
    /// [`Error::WeightDecay`] unless λ is finite and ≥ 0. λ = −0.0 is accepted as +0.0.
    ///
    /// ```
    /// use tinysoftmax::{Error, Float, Objective, loss::CrossEntropy};
    /// assert_eq!(Objective::<2>::new(-0.0)?.lambda().to_bits(), 0.0_f32.to_bits());
    /// fn objective<T: Float>(lambda: T) -> Result<Objective<2, T>, Error> {
    ///     Objective::new(lambda)
    /// }
    /// assert_eq!(objective(0.5_f64)?.lambda(), 0.5);
    /// assert_eq!(objective(-0.5_f32), Err(Error::WeightDecay));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_parts(loss: CrossEntropy<C, T>, lambda: T) -> Result<Self> {
        if lambda.is_finite() && lambda >= T::ZERO {
            // −0.0 compares equal to 0 and is accepted; it is stored as +0.0, so that an
            // objective built from either zero behaves and serialises the same, bit for bit.
            let lambda = if lambda == T::ZERO { T::ZERO } else { lambda };
            Ok(Self { loss, lambda })
        } else {
            Err(Error::WeightDecay)
        }
    }

    /// The same λ with another loss configuration (class weights, label smoothing).
    ///
    /// ```
    /// use tinysoftmax::{Objective, loss::CrossEntropy};
    /// let loss = CrossEntropy::<2>::new().with_label_smoothing(0.1)?;
    /// let objective = Objective::new(0.01)?.with_loss(loss);
    /// assert_eq!(objective.loss().label_smoothing(), 0.1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn with_loss(self, loss: CrossEntropy<C, T>) -> Self {
        Self {
            loss,
            lambda: self.lambda,
        }
    }

    /// The loss configuration.
    ///
    /// ```
    /// use tinysoftmax::Objective;
    /// assert_eq!(tinysoftmax::Objective::<2>::new(0.1)?.loss().label_smoothing(), 0.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn loss(&self) -> &CrossEntropy<C, T> {
        &self.loss
    }

    /// λ, the L2 coefficient (SGD's weight decay).
    ///
    /// ```
    /// assert_eq!(tinysoftmax::Objective::<2, f64>::new(0.5)?.lambda(), 0.5);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn lambda(&self) -> T {
        self.lambda
    }
}
