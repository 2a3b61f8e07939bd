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
/// let sgd = Sgd::<f64>::new(0.5, 0.1)?.with_schedule(Schedule::InverseTime)?;
/// assert_eq!(sgd.learning_rate_at(0), 0.5);
/// assert_eq!(sgd.learning_rate_at(40), 0.5 / (1.0 + 0.5 * 0.1 * 40.0));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Schedule<T = f32> {
    /// η_t = η₀.
    Constant,
    /// η_t = η₀ / (1 + η₀ λ t): the rate for λ-strongly convex objectives, which makes SGD
    /// converge to the optimum (needs λ > 0). Equivalent to 1 / (λ (t + t₀)) with
    /// t₀ = 1 / (η₀ λ).
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
/// assert!(Sgd::<f32>::new(0.1, 0.0)?.with_momentum(Momentum::Nesterov(0.9)).is_ok());
/// assert!(Sgd::<f32>::new(0.1, 0.0)?.with_momentum(Momentum::Classic(1.0)).is_err());
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Momentum<T = f32> {
    /// Plain SGD.
    None,
    /// Heavy-ball momentum.
    Classic(T),
    /// Nesterov's accelerated momentum.
    Nesterov(T),
}

/// A validated SGD configuration.
///
/// ```
/// use tinysoftmax::optim::{Momentum, Schedule, Sgd};
/// let sgd = Sgd::<f32>::new(0.05, 1e-3)?
///     .with_momentum(Momentum::Classic(0.9))?
///     .with_schedule(Schedule::StepDecay { period: 100, factor: 0.5 })?
///     .with_clip_norm(5.0)?;
/// assert_eq!(sgd.learning_rate_at(250), 0.05 * 0.25);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sgd<T = f32> {
    learning_rate: T,
    weight_decay: T,
    schedule: Schedule<T>,
    momentum: Momentum<T>,
    clip_norm: Option<T>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with initial learning rate η₀ and L2 coefficient λ (the objective's λ).
    ///
    /// # Errors
    ///
    /// [`Error::LearningRate`] unless η₀ is finite and > 0; [`Error::WeightDecay`] unless λ is
    /// finite and ≥ 0.
    ///
    /// ```
    /// use tinysoftmax::{Error, optim::Sgd};
    /// assert!(Sgd::<f32>::new(0.1, 0.01).is_ok());
    /// assert_eq!(Sgd::<f32>::new(0.1, -1.0), Err(Error::WeightDecay));
    /// assert_eq!(Sgd::<f32>::new(f32::NAN, 0.0), Err(Error::LearningRate));
    /// ```
    pub fn new(learning_rate: T, weight_decay: T) -> Result<Self> {
        if !(learning_rate.is_finite() && learning_rate > T::ZERO) {
            return Err(Error::LearningRate);
        }
        if !(weight_decay.is_finite() && weight_decay >= T::ZERO) {
            return Err(Error::WeightDecay);
        }
        Ok(Self {
            learning_rate,
            weight_decay,
            schedule: Schedule::Constant,
            momentum: Momentum::None,
            clip_norm: None,
        })
    }

    /// Sets the learning-rate schedule.
    ///
    /// # Errors
    ///
    /// [`Error::StepDecay`] for a zero period or a factor outside (0, 1];
    /// [`Error::NeedsWeightDecay`] for [`Schedule::InverseTime`] with λ = 0.
    ///
    /// ```
    /// use tinysoftmax::{Error, optim::{Schedule, Sgd}};
    /// let sgd = Sgd::<f32>::new(0.1, 0.0)?;
    /// assert_eq!(sgd.with_schedule(Schedule::InverseTime), Err(Error::NeedsWeightDecay));
    /// assert_eq!(sgd.with_schedule(Schedule::StepDecay { period: 0, factor: 0.5 }), Err(Error::StepDecay));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn with_schedule(self, schedule: Schedule<T>) -> Result<Self> {
        match schedule {
            Schedule::InverseTime if self.weight_decay == T::ZERO => Err(Error::NeedsWeightDecay),
            Schedule::StepDecay { period, factor }
                if period == 0 || !(factor > T::ZERO && factor <= T::ONE) =>
            {
                Err(Error::StepDecay)
            }
            _ => Ok(Self { schedule, ..self }),
        }
    }

    /// Sets the momentum.
    ///
    /// # Errors
    ///
    /// [`Error::Momentum`] unless μ ∈ [0, 1).
    ///
    /// ```
    /// use tinysoftmax::optim::{Momentum, Sgd};
    /// assert!(Sgd::<f32>::new(0.1, 0.0)?.with_momentum(Momentum::Classic(-0.1)).is_err());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn with_momentum(self, momentum: Momentum<T>) -> Result<Self> {
        match momentum {
            Momentum::Classic(mu) | Momentum::Nesterov(mu) if !(mu >= T::ZERO && mu < T::ONE) => {
                Err(Error::Momentum)
            }
            _ => Ok(Self { momentum, ..self }),
        }
    }

    /// Clips the data gradient ∇CE of each step to Euclidean norm at most `max_norm`.
    ///
    /// # Errors
    ///
    /// [`Error::ClipNorm`] unless `max_norm` is finite and > 0.
    ///
    /// ```
    /// use tinysoftmax::optim::Sgd;
    /// assert!(Sgd::<f32>::new(0.1, 0.0)?.with_clip_norm(0.0).is_err());
    /// # Ok::<(), tinysoftmax::Error>(())
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
    /// assert_eq!(tinysoftmax::optim::Sgd::<f32>::new(0.1, 0.0)?.learning_rate(), 0.1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn learning_rate(&self) -> T {
        self.learning_rate
    }

    /// The L2 coefficient λ.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::optim::Sgd::<f32>::new(0.1, 0.5)?.weight_decay(), 0.5);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn weight_decay(&self) -> T {
        self.weight_decay
    }

    /// The momentum setting.
    ///
    /// ```
    /// use tinysoftmax::optim::{Momentum, Sgd};
    /// assert_eq!(Sgd::<f32>::new(0.1, 0.0)?.momentum(), Momentum::None);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn momentum(&self) -> Momentum<T> {
        self.momentum
    }

    /// The gradient-clipping bound, if any.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::optim::Sgd::<f32>::new(0.1, 0.0)?.clip_norm(), None);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn clip_norm(&self) -> Option<T> {
        self.clip_norm
    }

    /// The learning rate η_t of step t (counting from 0).
    ///
    /// ```
    /// use tinysoftmax::optim::Sgd;
    /// assert_eq!(Sgd::<f32>::new(0.1, 0.0)?.learning_rate_at(1_000_000), 0.1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn learning_rate_at(&self, t: u32) -> T {
        let eta = self.learning_rate;
        match self.schedule {
            Schedule::Constant => eta,
            Schedule::InverseTime => eta / (T::ONE + eta * self.weight_decay * T::from_u32(t)),
            Schedule::StepDecay { period, factor } => {
                eta * powi(factor, t.checked_div(period).unwrap_or(0))
            }
        }
    }

    /// The momentum coefficient μ (0 without momentum).
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
