//! Stochastic gradient descent: its validated configuration [`Sgd`] and its state
//! [`SgdState`].
//!
//! The configuration is a small `Copy` value checked once, at construction; the state holds the
//! momentum buffers and the step count, sized by the model's const generics; the model holds
//! only parameters. One step with gradient g of the per-sample objective
//! CE(θ) + (λ/2)‖θ‖², learning rate η_t and momentum μ:
//!
//! ```text
//! g  = ∇CE + λθ              (λ: the same L2 coefficient as in the objective, bias included)
//! none:      θ ← θ − η_t g
//! classic:   v ← μv + g;  θ ← θ − η_t v             (torch.optim.SGD, nesterov=False)
//! Nesterov:  v ← μv + g;  θ ← θ − η_t (g + μv)      (torch.optim.SGD, nesterov=True)
//! ```
//!
//! Gradient-norm clipping rescales the data part ∇CE (not the λθ term) to norm at most the
//! given bound, like `torch.nn.utils.clip_grad_norm_` applied before a weight-decaying
//! optimiser.

use crate::error::{Error, Result};
use crate::math::Float;

/// How the learning rate changes with the step count t (starting at 0).
///
/// ```
/// use tinysoftmax::optim::{Schedule, Sgd};
/// let sgd = Sgd::<f64>::new(0.5)?.with_schedule(Schedule::InverseTime)?;
/// let lambda = 0.1;
/// assert_eq!(sgd.learning_rate_at(0, lambda), 0.5);
/// assert_eq!(sgd.learning_rate_at(40, lambda), 0.5 / (1.0 + 0.5 * 0.1 * 40.0));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Schedule<T = f32> {
    /// η_t = η₀.
    Constant,
    /// η_t = η₀ / (1 + η₀ λ t), with λ the objective's: the rate for λ-strongly convex
    /// objectives, which makes SGD converge to the optimum (needs λ > 0). Equivalent to
    /// 1 / (λ (t + t₀)) with t₀ = 1 / (η₀ λ).
    InverseTime,
    /// η_t = η₀ · factor^⌊t / period⌋.
    StepDecay {
        /// Steps between decays (> 0).
        period: u32,
        /// Multiplier applied every `period` steps, in (0, 1].
        factor: T,
    },
}

/// The momentum variant and its coefficient μ ∈ [0, 1).
///
/// ```
/// use tinysoftmax::optim::{Momentum, Sgd};
/// assert!(Sgd::<f32>::new(0.1)?.with_momentum(Momentum::Nesterov(0.9)).is_ok());
/// assert!(Sgd::<f32>::new(0.1)?.with_momentum(Momentum::Classic(1.0)).is_err());
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Momentum<T = f32> {
    /// Plain SGD.
    None,
    /// Heavy-ball momentum (PyTorch's default form).
    Classic(T),
    /// Nesterov momentum (PyTorch's `nesterov=True` form).
    Nesterov(T),
}

/// A validated SGD configuration: learning rate, schedule, momentum and clipping. The L2
/// coefficient λ (weight decay) belongs to the [`Objective`](crate::Objective), which the
/// [`Trainer`](crate::train::Trainer) pairs with this.
///
/// Build it with [`new`](Self::new) and the `with_*` builders, or, for a `const` or `static`
/// configuration, with the `const fn` `new_f32` / `new_f64` (for `f32` and `f64`),
/// where a bad configuration is a compile error:
///
/// ```
/// use tinysoftmax::optim::{Momentum, Schedule, Sgd};
/// let sgd = Sgd::<f32>::new(0.05)?
///     .with_momentum(Momentum::Classic(0.9))?
///     .with_schedule(Schedule::StepDecay { period: 100, factor: 0.5 })?
///     .with_clip_norm(5.0)?;
/// assert_eq!(sgd.learning_rate_at(250, 0.0), 0.05 * 0.25);
///
/// static SGD: Sgd = match Sgd::new_f32(0.05, Schedule::Constant, Momentum::Classic(0.9), None) {
///     Ok(sgd) => sgd,
///     Err(_) => panic!("invalid SGD configuration"),
/// };
/// assert_eq!(SGD.momentum(), Momentum::Classic(0.9));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
///
/// ```compile_fail
/// use tinysoftmax::optim::{Momentum, Schedule, Sgd};
/// static SGD: Sgd = match Sgd::new_f32(-0.05, Schedule::Constant, Momentum::None, None) {
///     Ok(sgd) => sgd,
///     Err(_) => panic!("invalid SGD configuration"),
/// };
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sgd<T = f32> {
    learning_rate: T,
    schedule: Schedule<T>,
    momentum: Momentum<T>,
    clip_norm: Option<T>,
}

macro_rules! const_constructor {
    ($t:ty, $name:ident) => {
        impl Sgd<$t> {
            /// The whole configuration at once, as a `const fn` for this float type (for a `const` or `static`
            /// configuration; see the type's docs). Validates exactly as [`new`](Self::new) and
            /// the `with_*` builders do.
            ///
            /// # Errors
            ///
            /// As [`new`](Self::new), [`with_schedule`](Self::with_schedule),
            /// [`with_momentum`](Self::with_momentum) and
            /// [`with_clip_norm`](Self::with_clip_norm).
            ///
            /// ```
            /// use tinysoftmax::{Error, optim::{Momentum, Schedule, Sgd}};
            /// let a = Sgd::new_f64(0.1, Schedule::InverseTime, Momentum::Classic(0.9), Some(1.0))?;
            /// let b = Sgd::<f64>::new(0.1)?
            ///     .with_schedule(Schedule::InverseTime)?
            ///     .with_momentum(Momentum::Classic(0.9))?
            ///     .with_clip_norm(1.0)?;
            /// assert_eq!(a, b);
            /// assert_eq!(
            ///     Sgd::new_f32(0.1, Schedule::Constant, Momentum::Nesterov(1.0), None),
            ///     Err(Error::Momentum)
            /// );
            /// # Ok::<(), Error>(())
            /// ```
            pub const fn $name(
                learning_rate: $t,
                schedule: Schedule<$t>,
                momentum: Momentum<$t>,
                clip_norm: Option<$t>,
            ) -> Result<Self> {
                if !(learning_rate.is_finite() && learning_rate > 0.0) {
                    return Err(Error::LearningRate);
                }
                if let Schedule::StepDecay { period, factor } = schedule {
                    if period == 0 || !(factor > 0.0 && factor <= 1.0) {
                        return Err(Error::StepDecay);
                    }
                }
                if let Momentum::Classic(mu) | Momentum::Nesterov(mu) = momentum {
                    if !(mu >= 0.0 && mu < 1.0) {
                        return Err(Error::Momentum);
                    }
                }
                if let Some(max_norm) = clip_norm {
                    if !(max_norm.is_finite() && max_norm > 0.0) {
                        return Err(Error::ClipNorm);
                    }
                }
                Ok(Self {
                    learning_rate,
                    schedule,
                    momentum,
                    clip_norm,
                })
            }
        }
    };
}

const_constructor!(f32, new_f32);
const_constructor!(f64, new_f64);

impl<T: Float> Sgd<T> {
    /// Plain SGD with initial learning rate η₀, constant.
    ///
    /// # Errors
    ///
    /// [`Error::LearningRate`] unless η₀ is finite and > 0.
    ///
    /// ```
    /// use tinysoftmax::{Error, optim::Sgd};
    /// assert!(Sgd::<f32>::new(0.1).is_ok());
    /// assert_eq!(Sgd::<f32>::new(f32::NAN), Err(Error::LearningRate));
    /// assert_eq!(Sgd::<f64>::new(0.0), Err(Error::LearningRate));
    /// ```
    pub fn new(learning_rate: T) -> Result<Self> {
        if learning_rate.is_finite() && learning_rate > T::ZERO {
            Ok(Self {
                learning_rate,
                schedule: Schedule::Constant,
                momentum: Momentum::None,
                clip_norm: None,
            })
        } else {
            Err(Error::LearningRate)
        }
    }

    /// Sets the learning-rate schedule.
    ///
    /// # Errors
    ///
    /// [`Error::StepDecay`] for a step decay with period 0 or a factor outside (0, 1].
    /// ([`Schedule::InverseTime`] needs λ > 0, which [`Trainer::new`](crate::train::Trainer::new)
    /// checks.)
    ///
    /// ```
    /// use tinysoftmax::{Error, optim::{Schedule, Sgd}};
    /// let sgd = Sgd::<f32>::new(0.1)?;
    /// assert!(sgd.with_schedule(Schedule::InverseTime).is_ok());
    /// let bad = Schedule::StepDecay { period: 0, factor: 0.5 };
    /// assert_eq!(sgd.with_schedule(bad), Err(Error::StepDecay));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn with_schedule(self, schedule: Schedule<T>) -> Result<Self> {
        match schedule {
            Schedule::StepDecay { period, factor }
                if period == 0 || !(factor > T::ZERO && factor <= T::ONE) =>
            {
                Err(Error::StepDecay)
            }
            _ => Ok(Self { schedule, ..self }),
        }
    }

    /// Sets the momentum variant.
    ///
    /// # Errors
    ///
    /// [`Error::Momentum`] unless μ ∈ [0, 1).
    ///
    /// ```
    /// use tinysoftmax::{Error, optim::{Momentum, Sgd}};
    /// let sgd = Sgd::<f64>::new(0.1)?;
    /// assert_eq!(sgd.with_momentum(Momentum::Nesterov(f64::NAN)), Err(Error::Momentum));
    /// assert_eq!(sgd.with_momentum(Momentum::Classic(0.9))?.momentum(), Momentum::Classic(0.9));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn with_momentum(self, momentum: Momentum<T>) -> Result<Self> {
        match momentum {
            Momentum::Classic(mu) | Momentum::Nesterov(mu) if !(mu >= T::ZERO && mu < T::ONE) => {
                Err(Error::Momentum)
            }
            _ => Ok(Self { momentum, ..self }),
        }
    }

    /// Clips each sample's loss gradient to Euclidean norm ≤ `max_norm` (see the
    /// [module docs](self)).
    ///
    /// # Errors
    ///
    /// [`Error::ClipNorm`] unless `max_norm` is finite and > 0.
    ///
    /// ```
    /// use tinysoftmax::{Error, optim::Sgd};
    /// assert_eq!(Sgd::<f32>::new(0.1)?.with_clip_norm(1.0)?.clip_norm(), Some(1.0));
    /// assert_eq!(Sgd::<f32>::new(0.1)?.with_clip_norm(0.0), Err(Error::ClipNorm));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn with_clip_norm(self, max_norm: T) -> Result<Self> {
        if max_norm.is_finite() && max_norm > T::ZERO {
            Ok(Self {
                clip_norm: Some(max_norm),
                ..self
            })
        } else {
            Err(Error::ClipNorm)
        }
    }

    /// The initial learning rate η₀.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::optim::Sgd::<f32>::new(0.1)?.learning_rate(), 0.1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn learning_rate(&self) -> T {
        self.learning_rate
    }

    /// The learning-rate schedule.
    ///
    /// ```
    /// use tinysoftmax::optim::{Schedule, Sgd};
    /// assert_eq!(Sgd::<f32>::new(0.1)?.schedule(), Schedule::Constant);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn schedule(&self) -> Schedule<T> {
        self.schedule
    }

    /// The momentum variant.
    ///
    /// ```
    /// use tinysoftmax::optim::{Momentum, Sgd};
    /// assert_eq!(Sgd::<f32>::new(0.1)?.momentum(), Momentum::None);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn momentum(&self) -> Momentum<T> {
        self.momentum
    }

    /// The clipping norm, if any.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::optim::Sgd::<f32>::new(0.1)?.clip_norm(), None);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn clip_norm(&self) -> Option<T> {
        self.clip_norm
    }

    /// The learning rate η_t at step t, for an objective with L2 coefficient `lambda` (only
    /// [`Schedule::InverseTime`] depends on it).
    ///
    /// ```
    /// use tinysoftmax::optim::{Schedule, Sgd};
    /// let sgd = Sgd::<f64>::new(1.0)?.with_schedule(Schedule::StepDecay { period: 10, factor: 0.5 })?;
    /// assert_eq!(sgd.learning_rate_at(9, 0.0), 1.0);
    /// assert_eq!(sgd.learning_rate_at(10, 0.0), 0.5);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn learning_rate_at(&self, t: u32, lambda: T) -> T {
        let eta = self.learning_rate;
        match self.schedule {
            Schedule::Constant => eta,
            Schedule::InverseTime => eta / (T::ONE + eta * lambda * T::from_u32(t)),
            Schedule::StepDecay { period, factor } => {
                eta * powi(factor, t.checked_div(period).unwrap_or(0))
            }
        }
    }

    pub(crate) fn momentum_coefficient(&self) -> T {
        match self.momentum {
            Momentum::None => T::ZERO,
            Momentum::Classic(mu) | Momentum::Nesterov(mu) => mu,
        }
    }
}

/// base^n by repeated squaring (exact for the small integer powers of a schedule).
fn powi<T: Float>(mut base: T, mut n: u32) -> T {
    let mut acc = T::ONE;
    while n > 0 {
        if n & 1 == 1 {
            acc *= base;
        }
        base = base * base;
        n >>= 1;
    }
    acc
}

/// SGD's state: the momentum buffers (same shape as the model) and the step count.
///
/// Its memory is (C·F + C)·`size_of::<T>()` + 8 bytes (step count and velocity bound, for `f32`), like the model's.
///
/// ```
/// let state = tinysoftmax::optim::SgdState::<4, 3>::new();
/// assert_eq!(state.steps(), 0);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SgdState<const F: usize, const C: usize, T = f32> {
    pub(crate) velocity_weights: [[T; C]; F],
    pub(crate) velocity_bias: [T; C],
    /// An upper bound on every |velocity| (lets a step skip its finiteness check pass).
    pub(crate) velocity_bound: T,
    pub(crate) steps: u32,
}

impl<const F: usize, const C: usize, T: Float> Default for SgdState<F, C, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const F: usize, const C: usize, T: Float> SgdState<F, C, T> {
    /// Zero velocity, no steps taken.
    ///
    /// ```
    /// let s = tinysoftmax::optim::SgdState::<2, 2, f64>::new();
    /// assert_eq!(s.steps(), 0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            velocity_weights: [[T::ZERO; C]; F],
            velocity_bias: [T::ZERO; C],
            velocity_bound: T::ZERO,
            steps: 0,
        }
    }

    /// Steps taken so far (saturating at `u32::MAX`); drives the learning-rate schedule.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::optim::SgdState::<2, 2>::new().steps(), 0);
    /// ```
    #[must_use]
    pub const fn steps(&self) -> u32 {
        self.steps
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn powi_small_powers_are_exact() {
        assert_eq!(powi(0.5_f64, 10), 1.0 / 1024.0);
        assert_eq!(powi(3.0_f32, 0), 1.0);
        assert_eq!(powi(3.0_f32, 5), 243.0);
    }
}
