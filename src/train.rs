//! Training: one fused SGD step per sample, and epochs over a sample slice.
//!
//! A step computes the logits, the loss and its gradient δ in the logits, and then updates
//! every parameter directly from δ_c·x_f: the C × F gradient is never stored.
//!
//! Each step is atomic: a bad sample or a diverging learning rate returns an error and leaves
//! the model and the optimiser state bit-for-bit unchanged. Before writing anything the step
//! proves the update finite: first cheaply, from the largest magnitudes of the parameters, the
//! velocities (a bound kept in the state), δ and x; only when that bound comes within a factor
//! 2 of overflow does it compute every updated value once without writing, to check it
//! exactly. Measured with callgrind on x86-64, the cheap proof makes a 64 × 10 step 21 % cheaper
//! than always checking exactly (14.2k against 18.1k instructions; 25 % with Nesterov).
//!
//! On bare-metal targets the largest parameter magnitude the proof needs is read in the same
//! pass as the logits, and the input check shares its pass with max|x|, so that a step reads
//! each weight twice (logits, update) like a plain SGD step. On the host both maxima are float
//! comparisons in passes of their own, 16 lanes side by side, which vectorise where the fused
//! forms did not (the same values: a maximum does not depend on its order): the (64, 10) step
//! took 258–262 ns instead of 274–278 (criterion, `bench/benches/step.rs`, builds alternated).
//! The firmware guide's footprint table measures the step against such a plain step with the
//! same arithmetic on every core, and says what each check costs.

use crate::data::{Label, Sample};
use crate::error::{Error, Result};
use crate::math::{Float, largest_abs_checked, max_abs};
use crate::model::{Classifier, all_finite};
use crate::objective::Objective;
use crate::optim::{Momentum, Schedule, Sgd, SgdState};
use crate::rng::SplitMix64;
use crate::softmax::Compensated;

/// SGD on an [`Objective`]: the optimiser configuration, the objective (loss configuration and
/// λ, SGD's weight decay) and the optimiser state, which together train a [`Classifier`].
///
/// The model is passed to each call, so the trainer can be dropped after training and the
/// model kept (in inference-only firmware the trainer's code and memory disappear).
///
/// ```
/// use tinysoftmax::{Classifier, Label, SplitMix64, Sample, loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
/// let mut data = [
///     Sample::new([1.0_f32, 0.0], Label::<2>::new(0)?),
///     Sample::new([0.0, 1.0], Label::new(1)?),
/// ];
/// let mut model = Classifier::zeros();
/// let mut trainer = Trainer::new(Sgd::new(0.5)?, Objective::new(0.01)?)?;
/// let mut rng = SplitMix64::new(7);
/// let first = trainer.epoch(&mut model, &mut data, &mut rng)?;
/// let mut last = first;
/// for _ in 0..20 {
///     last = trainer.epoch(&mut model, &mut data, &mut rng)?;
/// }
/// assert!(last < first / 4.0);
/// assert_eq!(model.accuracy(&data), 1.0);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Trainer<const F: usize, const C: usize, T = f32> {
    sgd: Sgd<T>,
    objective: Objective<C, T>,
    state: SgdState<F, C, T>,
}

macro_rules! const_constructor {
    ($t:ty, $name:ident) => {
        impl<const F: usize, const C: usize> Trainer<F, C, $t> {
            /// [`new`](Self::new) as a `const fn`, so a trainer can be a `static` (and a bad
            /// pairing a compile error there).
            ///
            /// # Errors
            ///
            /// As [`new`](Self::new).
            ///
            /// ```
            /// use tinysoftmax::{Objective, optim::{Momentum, Schedule, Sgd}, train::Trainer};
            /// const TRAINER: Trainer<4, 3> = {
            ///     let sgd = Sgd::new_f32(0.5, Schedule::InverseTime, Momentum::None, None);
            ///     let objective = Objective::new_f32(0.01);
            ///     match (sgd, objective) {
            ///         (Ok(sgd), Ok(objective)) => match Trainer::new_f32(sgd, objective) {
            ///             Ok(trainer) => trainer,
            ///             Err(_) => panic!("inverse-time rate needs lambda > 0"),
            ///         },
            ///         _ => panic!("invalid configuration"),
            ///     }
            /// };
            /// assert_eq!(TRAINER.objective().lambda(), 0.01);
            /// ```
            pub const fn $name(sgd: Sgd<$t>, objective: Objective<C, $t>) -> Result<Self> {
                if matches!(sgd.schedule(), Schedule::InverseTime) && objective.lambda() == 0.0 {
                    return Err(Error::NeedsWeightDecay);
                }
                Ok(Self {
                    sgd,
                    objective,
                    state: SgdState::new(),
                })
            }
        }
    };
}

const_constructor!(f32, new_f32);
const_constructor!(f64, new_f64);

impl<const F: usize, const C: usize, T: Float> Trainer<F, C, T> {
    /// A trainer with fresh optimiser state, minimising `objective` with `sgd`.
    ///
    /// # Errors
    ///
    /// [`Error::NeedsWeightDecay`] for [`Schedule::InverseTime`] with λ = 0 (the schedule is
    /// defined by λ).
    ///
    /// ```
    /// use tinysoftmax::{Error, Objective, optim::{Schedule, Sgd}, train::Trainer};
    /// let t = Trainer::<4, 3>::new(Sgd::new(0.1)?, Objective::new(0.0)?)?;
    /// assert_eq!(t.state().steps(), 0);
    /// let decaying = Sgd::new(0.1)?.with_schedule(Schedule::InverseTime)?;
    /// assert!(Trainer::<4, 3>::new(decaying, Objective::new(0.01)?).is_ok());
    /// assert_eq!(
    ///     Trainer::<4, 3>::new(decaying, Objective::new(0.0)?).err(),
    ///     Some(Error::NeedsWeightDecay)
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(sgd: Sgd<T>, objective: Objective<C, T>) -> Result<Self> {
        if matches!(sgd.schedule(), Schedule::InverseTime) && objective.lambda() == T::ZERO {
            return Err(Error::NeedsWeightDecay);
        }
        Ok(Self {
            sgd,
            objective,
            state: SgdState::new(),
        })
    }

    /// A trainer that continues from saved optimiser state (momentum buffers, step count),
    /// e.g. the `state` of a [`Checkpoint`](crate::format::Checkpoint): with the same
    /// configuration, model and sample order, its steps are bit-identical to those of the
    /// trainer that produced the state.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, Sample, optim::Sgd, train::Trainer};
    /// let sample = Sample::new([1.0_f32, -1.0], Label::<2>::new(1)?);
    /// let (sgd, objective) = (Sgd::new(0.5)?, Objective::new(0.01)?);
    /// let (mut a, mut model_a) = (Trainer::new(sgd, objective)?, Classifier::zeros());
    /// a.step(&mut model_a, &sample)?;
    /// let (mut b, mut model_b) = (Trainer::from_state(sgd, objective, a.state().clone())?, model_a.clone());
    /// a.step(&mut model_a, &sample)?;
    /// b.step(&mut model_b, &sample)?;
    /// assert_eq!((model_a.fingerprint(), b.state().steps()), (model_b.fingerprint(), 2));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn from_state(
        sgd: Sgd<T>,
        objective: Objective<C, T>,
        state: SgdState<F, C, T>,
    ) -> Result<Self> {
        let fresh = Self::new(sgd, objective)?;
        Ok(Self { state, ..fresh })
    }

    /// The optimiser configuration.
    ///
    /// ```
    /// use tinysoftmax::{loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
    /// let t = Trainer::<1, 2>::new(Sgd::new(0.1)?, Objective::new(0.0)?)?;
    /// assert_eq!(t.sgd().learning_rate(), 0.1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn sgd(&self) -> &Sgd<T> {
        &self.sgd
    }

    /// The objective being minimised.
    ///
    /// ```
    /// use tinysoftmax::{Objective, optim::Sgd, train::Trainer};
    /// let t = Trainer::<1, 2>::new(Sgd::new(0.1)?, Objective::new(0.01)?)?;
    /// assert_eq!(t.objective().lambda(), 0.01);
    /// assert_eq!(t.objective().loss().label_smoothing(), 0.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn objective(&self) -> &Objective<C, T> {
        &self.objective
    }

    /// The learning rate of the next step.
    ///
    /// ```
    /// use tinysoftmax::{Objective, optim::{Schedule, Sgd}, train::Trainer};
    /// let sgd = Sgd::new(0.5)?.with_schedule(Schedule::InverseTime)?;
    /// let t = Trainer::<1, 2>::new(sgd, Objective::new(0.01)?)?;
    /// assert_eq!(t.learning_rate(), 0.5);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn learning_rate(&self) -> T {
        self.sgd
            .learning_rate_at(self.state.steps, self.objective.lambda())
    }

    /// The optimiser state (momentum buffers, step count).
    ///
    /// ```
    /// use tinysoftmax::{loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
    /// let t = Trainer::<1, 2>::new(Sgd::new(0.1)?, Objective::new(0.0)?)?;
    /// assert_eq!(t.state().steps(), 0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn state(&self) -> &SgdState<F, C, T> {
        &self.state
    }

    /// One SGD step on one sample; returns the sample's loss before the step.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteFeature`] for a NaN or infinite feature, [`Error::NonFiniteParameter`]
    /// when a model parameter is NaN or infinite, [`Error::NonFiniteLogit`] when the model's
    /// logits for this sample overflow, [`Error::LearningRateUnderflow`] when the schedule has
    /// decayed this step's rate below the smallest normal number (a [`Schedule::StepDecay`]
    /// with a small factor, after many periods: the run would go on with a rate of 0),
    /// [`Error::NonFiniteUpdate`] when the update would make a parameter or a velocity
    /// non-finite. In every error case the model and the optimiser state are unchanged, bit for
    /// bit.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, Label, Sample, loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
    /// let mut model = Classifier::<2, 2>::zeros();
    /// let mut trainer = Trainer::new(Sgd::new(0.1)?, Objective::new(0.0)?)?;
    /// let bad = Sample::new([1.0, f32::NAN], Label::new(0)?);
    /// assert_eq!(trainer.step(&mut model, &bad), Err(Error::NonFiniteFeature));
    /// assert_eq!(model, Classifier::zeros());
    /// let good = Sample::new([1.0, 2.0], Label::new(0)?);
    /// assert_eq!(trainer.step(&mut model, &good)?, core::f32::consts::LN_2);
    /// assert!(model.logits(&good.features)[0] > 0.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn step(&mut self, model: &mut Classifier<F, C, T>, sample: &Sample<F, C, T>) -> Result<T> {
        self.step_on(model, &sample.features, sample.label)
    }

    /// [`step`](Self::step) on features and a label held separately, so a caller with a
    /// reading in hand (or samples in flash) need not copy them into a [`Sample`]. Same result,
    /// bit for bit, and the same errors.
    ///
    /// # Errors
    ///
    /// As [`step`](Self::step).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, Sample, optim::Sgd, train::Trainer};
    /// let (x, y) = ([1.0_f32, 2.0], Label::<2>::new(1)?);
    /// let mut a = Classifier::zeros();
    /// let mut b = Classifier::zeros();
    /// let mut ta = Trainer::new(Sgd::new(0.1)?, Objective::new(0.01)?)?;
    /// let mut tb = ta.clone();
    /// ta.step_on(&mut a, &x, y)?;
    /// tb.step(&mut b, &Sample::new(x, y))?;
    /// assert_eq!(a, b);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn step_on(
        &mut self,
        model: &mut Classifier<F, C, T>,
        x: &[T; F],
        y: Label<C>,
    ) -> Result<T> {
        // One pass over x gives both its check and max|x| (NaN or ∞ make the maximum
        // non-finite); `logits_and_max_abs` gives the logits and max|θ| (on bare-metal targets
        // from one pass over the parameters).
        let x_max = if cfg!(target_os = "none") {
            max_abs(x.iter())
        } else {
            largest_abs_checked(x)
        };
        if !x_max.is_finite() {
            return Err(Error::NonFiniteFeature);
        }
        // Checked in place rather than through `finite_logits`: returning the array inside a
        // `Result` kept the step from inlining it (16 % more instructions on Cortex-M4F).
        let (z, theta) = model.logits_and_max_abs(x);
        if all_finite(&z).is_err() {
            // A non-finite logit for a finite x: a parameter that is not finite, or an overflow
            // (`theta` is not meant to tell them apart, see `logits_and_max_abs`).
            return Err(model.logit_error());
        }
        let (loss, mut delta) = self.objective.loss().loss_with_grad(&z, y);
        if let Some(max_norm) = self.sgd.clip_norm() {
            clip(&mut delta, x, max_norm);
        }
        let eta = self.learning_rate();
        if eta < T::MIN_POSITIVE {
            return Err(Error::LearningRateUnderflow);
        }
        let bound = self.update_bound(theta, &delta, x_max, eta);
        let surely_finite = bound.is_some();
        if !surely_finite && !self.visit::<false>(model, &delta, x, eta) {
            return Err(Error::NonFiniteUpdate);
        }
        self.visit::<true>(model, &delta, x, eta);
        self.state.velocity_bound = match bound {
            Some(velocity) => velocity,
            None => max_abs(
                self.state
                    .velocity_weights
                    .iter()
                    .flatten()
                    .chain(self.state.velocity_bias.iter()),
            ),
        };
        self.state.steps = self.state.steps.saturating_add(1);
        Ok(loss)
    }

    /// A cheap proof that the update is finite: bounds on |θ'| and |v'| from the magnitudes of
    /// θ, v, δ and x. Returns the new velocity bound when both stay below half the largest
    /// float, `None` when the exact check pass is needed.
    ///
    /// With D = max|δ|, X = max(max|x|, 1), Θ = max|θ| and V ≥ max|v|: |g| ≤ G = D·X + λΘ,
    /// |v'| ≤ V' = μV + G, |θ'| ≤ Θ + η(G + V'). Each computed quantity carries a relative
    /// rounding error of a few u, far inside the factor 2 of headroom; the new bound is widened
    /// by 8u for the rounding of v' itself.
    ///
    /// `theta` is max|θ| and `x_max` is max|x| (both exact maxima, as `max_abs` gives them).
    fn update_bound(&self, theta: T, delta: &[T; C], x_max: T, eta: T) -> Option<T> {
        let two = T::ONE + T::ONE;
        let d = max_abs(delta.iter());
        let x_max = x_max.max_nan(T::ONE);
        let g = d * x_max + self.objective.lambda() * theta;
        let v = self.sgd.momentum_coefficient() * self.state.velocity_bound + g;
        let limit = T::MAX / two;
        let theta_new = theta + eta * (g + v);
        // 8u first: v·8 alone overflows for v in (MAX/8, MAX/2), and the bound must stay finite.
        (theta_new < limit && v < limit).then(|| v + v * (T::from_u32(8) * T::UNIT_ROUNDOFF))
    }

    /// Computes every updated parameter and velocity; writes them if `WRITE`, otherwise only
    /// reports whether all are finite. Both passes do the same arithmetic in the same order.
    fn visit<const WRITE: bool>(
        &mut self,
        model: &mut Classifier<F, C, T>,
        delta: &[T; C],
        x: &[T; F],
        eta: T,
    ) -> bool {
        let lambda = self.objective.lambda();
        let (weights, bias) = model.parts_mut();
        let state = &mut self.state;
        let (vw, vb) = (&mut state.velocity_weights, &mut state.velocity_bias);
        // One loop per momentum variant: the variant is not re-examined per parameter, and plain
        // SGD never touches the velocity buffers.
        match self.sgd.momentum() {
            Momentum::None => sweep(weights, bias, vw, vb, delta, x, lambda, |theta, _, g| {
                store::<WRITE, T>(theta, *theta - eta * g)
            }),
            Momentum::Classic(mu) => {
                sweep(weights, bias, vw, vb, delta, x, lambda, |theta, v, g| {
                    let v_new = mu * *v + g;
                    store::<WRITE, T>(theta, *theta - eta * v_new) & store::<WRITE, T>(v, v_new)
                })
            }
            Momentum::Nesterov(mu) => {
                sweep(weights, bias, vw, vb, delta, x, lambda, |theta, v, g| {
                    let v_new = mu * *v + g;
                    store::<WRITE, T>(theta, *theta - eta * (g + mu * v_new))
                        & store::<WRITE, T>(v, v_new)
                })
            }
        }
    }

    /// Steps through `samples` in order; returns the mean of the losses before each step.
    ///
    /// # Errors
    ///
    /// [`Error::NoSamples`] for an empty slice; otherwise the first failing step's error, with
    /// the steps before it kept and the failing one not applied.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, Label, Sample, loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
    /// let mut model = Classifier::<1, 2>::zeros();
    /// let mut trainer = Trainer::new(Sgd::new(0.1)?, Objective::new(0.0)?)?;
    /// assert_eq!(trainer.sweep(&mut model, &[]), Err(Error::NoSamples));
    /// let data = [Sample::new([1.0], Label::new(1)?)];
    /// assert_eq!(trainer.sweep(&mut model, &data)?, core::f32::consts::LN_2);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn sweep(
        &mut self,
        model: &mut Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
    ) -> Result<T> {
        let mut total = Compensated::new();
        let mut count = 0_u32;
        for sample in samples {
            total.add(self.step(model, sample)?);
            count = count.saturating_add(1);
        }
        if count == 0 {
            Err(Error::NoSamples)
        } else {
            Ok(total.total() / T::from_u32(count))
        }
    }

    /// One epoch: shuffles `samples` in place (seeded, uniform, no extra memory), then
    /// [`sweep`](Self::sweep)s them.
    ///
    /// # Errors
    ///
    /// As [`sweep`](Self::sweep).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, SplitMix64, Sample, loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
    /// let mut data = [Sample::new([1.0_f32], Label::<2>::new(1)?), Sample::new([-1.0], Label::new(0)?)];
    /// let mut model = Classifier::zeros();
    /// let mut trainer = Trainer::new(Sgd::new(0.1)?, Objective::new(0.0)?)?;
    /// let loss = trainer.epoch(&mut model, &mut data, &mut SplitMix64::new(1))?;
    /// assert!(loss > 0.0 && loss <= core::f32::consts::LN_2);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn epoch(
        &mut self,
        model: &mut Classifier<F, C, T>,
        samples: &mut [Sample<F, C, T>],
        rng: &mut SplitMix64,
    ) -> Result<T> {
        rng.shuffle(samples);
        self.sweep(model, samples)
    }

    /// One epoch over samples that stay where they are (in flash, say): shuffles the index
    /// permutation `order` in place, then steps through `samples[order[0]]`,
    /// `samples[order[1]]`, …
    ///
    /// Start `order` as 0, 1, …, n − 1 and keep it between epochs: the samples are then visited
    /// in exactly the order [`epoch`](Self::epoch) would visit them after shuffling a copy in
    /// place with the same generator, so both give the same model, bit for bit. The
    /// permutation costs 4 bytes per sample of RAM instead of a copy of the data.
    ///
    /// # Errors
    ///
    /// [`Error::NoSamples`] for no samples; [`Error::Permutation`] when `order` is not as long
    /// as `samples` or holds an index out of range (checked before any step or shuffle, so
    /// nothing changes); otherwise as [`sweep`](Self::sweep).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, SplitMix64, Sample, optim::Sgd, train::Trainer};
    /// const fn label(i: usize) -> Label<2> {
    ///     match Label::new(i) {
    ///         Ok(y) => y,
    ///         Err(_) => panic!("label out of range"),
    ///     }
    /// }
    /// // In flash: never copied, never reordered.
    /// static DATA: [Sample<1, 2>; 3] = [
    ///     Sample::new([1.0], label(0)),
    ///     Sample::new([-1.0], label(1)),
    ///     Sample::new([2.0], label(0)),
    /// ];
    /// let mut trainer = Trainer::new(Sgd::new(0.1)?, Objective::new(0.01)?)?;
    /// let mut model = Classifier::zeros();
    /// let mut order = [0, 1, 2];
    /// let mut rng = SplitMix64::new(7);
    /// for _ in 0..20 {
    ///     trainer.epoch_indexed(&mut model, &DATA, &mut order, &mut rng)?;
    /// }
    /// assert_eq!(model.accuracy(&DATA), 1.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn epoch_indexed(
        &mut self,
        model: &mut Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        order: &mut [u32],
        rng: &mut SplitMix64,
    ) -> Result<T> {
        if samples.is_empty() {
            return Err(Error::NoSamples);
        }
        let in_range = |&i: &u32| usize::try_from(i).is_ok_and(|i| i < samples.len());
        if order.len() != samples.len() || !order.iter().all(in_range) {
            return Err(Error::Permutation);
        }
        rng.shuffle(order);
        let mut total = Compensated::new();
        let mut count = 0_u32;
        for &i in order.iter() {
            let sample = usize::try_from(i).ok().and_then(|i| samples.get(i));
            let sample = sample.ok_or(Error::Permutation)?;
            total.add(self.step(model, sample)?);
            count = count.saturating_add(1);
        }
        Ok(total.total() / T::from_u32(count))
    }
}

/// Writes `value` into `slot` if `WRITE`; otherwise only reports whether it is finite.
#[inline]
fn store<const WRITE: bool, T: Float>(slot: &mut T, value: T) -> bool {
    if WRITE {
        *slot = value;
        true
    } else {
        value.is_finite()
    }
}

/// Applies `rule(θ, v, g)` to every parameter θ, its velocity v and its gradient
/// g = δ_c·x_f + λθ (δ_c + λb for a bias), weights in storage order (feature by feature) and
/// then biases; returns whether every rule call did.
///
/// No early exit on a non-finite value: a branch-free `&` lets the compiler vectorise the
/// checking pass. The loop over the features does end at a NaN feature, which the step has
/// refused before either pass (so the writing pass never meets one): on the host that exit
/// keeps the compiler from vectorising across features with strided loads and stores, and the
/// C entries of a column stay together in vector registers instead (a (64, 10) step took
/// 345 ns with the strided form and 284 ns without; criterion, `bench/benches/step.rs`,
/// x86-64). Bare-metal targets, which do not vectorise, skip the test.
#[expect(
    clippy::too_many_arguments,
    reason = "the split borrows of model and state"
)]
#[inline]
fn sweep<T: Float, const F: usize, const C: usize>(
    columns: &mut [[T; C]; F],
    bias: &mut [T; C],
    velocity_columns: &mut [[T; C]; F],
    velocity_bias: &mut [T; C],
    delta: &[T; C],
    x: &[T; F],
    lambda: T,
    mut rule: impl FnMut(&mut T, &mut T, T) -> bool,
) -> bool {
    let mut ok = true;
    // Compiled out on bare-metal targets (not merely skipped), so that their code is what it
    // was at every opt-level.
    #[cfg(not(target_os = "none"))]
    if C < HOST_GROUPED_BELOW {
        return sweep_grouped(
            columns,
            bias,
            velocity_columns,
            velocity_bias,
            delta,
            x,
            lambda,
            rule,
        );
    }
    let columns = columns.iter_mut().zip(velocity_columns.iter_mut());
    for ((w_column, v_column), &xf) in columns.zip(x.iter()) {
        if !cfg!(target_os = "none") && xf.is_nan() {
            return false;
        }
        for ((w, v), &d) in w_column
            .iter_mut()
            .zip(v_column.iter_mut())
            .zip(delta.iter())
        {
            let g = d * xf + lambda * *w;
            ok &= rule(w, v, g);
        }
    }
    for ((b, vb), &d) in bias
        .iter_mut()
        .zip(velocity_bias.iter_mut())
        .zip(delta.iter())
    {
        let g = d + lambda * *b;
        ok &= rule(b, vb, g);
    }
    ok
}

/// Columns shorter than this (C < 16) are updated [`GROUP`] at a time on the host.
#[cfg(not(target_os = "none"))]
const HOST_GROUPED_BELOW: usize = 16;

/// Columns per group in [`sweep_grouped`].
#[cfg(not(target_os = "none"))]
const GROUP: usize = 4;

/// [`sweep`] on the host for short columns: the weights taken [`GROUP`] columns at a time as
/// one contiguous run of `GROUP·C` values, with the products δ_c·x_f of the group computed first.
/// Each entry gets the same operations as in `sweep` (g = δ_c·x_f + λ·w, then `rule`), so the
/// same bits; a run of 40 values fills whole vectors where a column of 10 left a remainder in
/// every column. A (64, 10) step took 248–250 ns instead of 258–269 ns, Nesterov's 308–309
/// instead of 320–330 (`bench/benches/step.rs`, the builds alternated, 2026-11-30).
#[cfg(not(target_os = "none"))]
#[expect(
    clippy::too_many_arguments,
    reason = "the split borrows of model and state"
)]
#[inline]
fn sweep_grouped<T: Float, const F: usize, const C: usize>(
    columns: &mut [[T; C]; F],
    bias: &mut [T; C],
    velocity_columns: &mut [[T; C]; F],
    velocity_bias: &mut [T; C],
    delta: &[T; C],
    x: &[T; F],
    lambda: T,
    mut rule: impl FnMut(&mut T, &mut T, T) -> bool,
) -> bool {
    let mut ok = true;
    // One group of up to GROUP columns (the last may be shorter): `None` at a NaN feature.
    let mut group = |w_group: &mut [T], v_group: &mut [T], x_group: &[T]| {
        // As in `sweep`: the exit keeps the compiler from strided loads across features.
        if x_group.iter().any(|v| v.is_nan()) {
            return None;
        }
        let mut products = [[T::ZERO; C]; GROUP];
        for (row, &xf) in products.iter_mut().zip(x_group) {
            for (p, &d) in row.iter_mut().zip(delta.iter()) {
                *p = d * xf;
            }
        }
        let mut ok = true;
        let entries = w_group.iter_mut().zip(v_group.iter_mut());
        for ((w, v), &dx) in entries.zip(products.as_flattened()) {
            let g = dx + lambda * *w;
            ok &= rule(w, v, g);
        }
        Some(ok)
    };
    let mut w_groups = columns.as_flattened_mut().chunks_exact_mut(GROUP * C);
    let mut v_groups = velocity_columns
        .as_flattened_mut()
        .chunks_exact_mut(GROUP * C);
    let mut x_groups = x.chunks_exact(GROUP);
    for ((w_group, v_group), x_group) in (&mut w_groups).zip(&mut v_groups).zip(&mut x_groups) {
        let Some(group_ok) = group(w_group, v_group, x_group) else {
            return false;
        };
        ok &= group_ok;
    }
    let rest = (w_groups.into_remainder(), v_groups.into_remainder());
    let Some(rest_ok) = group(rest.0, rest.1, x_groups.remainder()) else {
        return false;
    };
    ok &= rest_ok;
    let biases = bias.iter_mut().zip(velocity_bias.iter_mut());
    for ((b, vb), &d) in biases.zip(delta.iter()) {
        let g = d + lambda * *b;
        ok &= rule(b, vb, g);
    }
    ok
}

/// Rescales the logit gradient δ so that the parameter gradient δ·(x, 1)ᵀ has norm ≤ `max_norm`.
fn clip<T: Float, const F: usize, const C: usize>(delta: &mut [T; C], x: &[T; F], max_norm: T) {
    let norm = scaled_norm(delta.iter().copied())
        * scaled_norm(x.iter().copied().chain(core::iter::once(T::ONE)));
    if norm > max_norm {
        let scale = max_norm / norm;
        for d in delta.iter_mut() {
            *d *= scale;
        }
    }
}

/// ‖v‖₂ without overflow or underflow: max|v_i| · sqrt(Σ (v_i / max|v_i|)²).
pub(crate) fn scaled_norm<T: Float>(values: impl Iterator<Item = T> + Clone) -> T {
    let scale = values.clone().fold(T::ZERO, |m, v| m.max_nan(v.abs()));
    if scale == T::ZERO || !scale.is_finite() {
        return scale;
    }
    let sum = values.fold(T::ZERO, |acc, v| {
        let r = v / scale;
        acc + r * r
    });
    scale * sum.sqrt()
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::data::Label;
    use crate::loss::cross_entropy_with_grad;

    /// The host's grouped sweep gives every entry the bits of the per-column formula
    /// θ − η·(δ_c·x_f + λ·θ), with whole groups of four columns and a remainder (F = 7, C = 3;
    /// F = 64, C = 10), its velocity untouched by plain SGD; a rule failing on any one entry,
    /// or a NaN feature in a group or in the remainder, makes it return `false`.
    #[test]
    fn the_grouped_sweep_updates_every_entry_as_the_column_sweep_does() {
        fn check<const F: usize, const C: usize>() {
            let mut rng = crate::rng::SplitMix64::new(F as u64 * 31 + C as u64);
            let mut value = || (rng.next_u64() >> 40) as f32 / (1 << 24) as f32 - 0.5;
            let start: [[f32; C]; F] = core::array::from_fn(|_| core::array::from_fn(|_| value()));
            let bias: [f32; C] = core::array::from_fn(|_| value());
            let delta: [f32; C] = core::array::from_fn(|_| value());
            let x: [f32; F] = core::array::from_fn(|_| 4.0 * value());
            let (eta, lambda) = (0.3_f32, 0.01_f32);
            let (mut w, mut b) = (start, bias);
            let (mut vw, mut vb) = ([[7.0_f32; C]; F], [7.0_f32; C]);
            let ok = sweep_grouped(
                &mut w,
                &mut b,
                &mut vw,
                &mut vb,
                &delta,
                &x,
                lambda,
                |t, _, g| {
                    *t -= eta * g;
                    true
                },
            );
            assert!(ok);
            for f in 0..F {
                for c in 0..C {
                    let want = start[f][c] - eta * (delta[c] * x[f] + lambda * start[f][c]);
                    assert_eq!(w[f][c].to_bits(), want.to_bits(), "({f}, {c})");
                }
            }
            for c in 0..C {
                let want = bias[c] - eta * (delta[c] + lambda * bias[c]);
                assert_eq!(b[c].to_bits(), want.to_bits());
            }
            assert_eq!((vw, vb), ([[7.0; C]; F], [7.0; C]));
            // A rule that fails on one entry (in a group, in the remainder or a bias) fails
            // the sweep.
            for fail_at in [0, F * C - 1, F * C + C - 1] {
                let mut calls = 0;
                let (mut w, mut b) = (start, bias);
                let ok = sweep_grouped(
                    &mut w,
                    &mut b,
                    &mut vw,
                    &mut vb,
                    &delta,
                    &x,
                    lambda,
                    |_, _, _| {
                        calls += 1;
                        calls != fail_at + 1
                    },
                );
                assert!(!ok && calls == F * C + C, "fails at {fail_at}");
            }
            for nan_at in [0, F - 1] {
                let mut bad = x;
                bad[nan_at] = f32::NAN;
                let (mut w, mut b) = (start, bias);
                let ok = sweep_grouped(
                    &mut w,
                    &mut b,
                    &mut vw,
                    &mut vb,
                    &delta,
                    &bad,
                    lambda,
                    |_, _, _| true,
                );
                assert!(!ok, "NaN at {nan_at}");
            }
        }
        check::<7, 3>();
        check::<64, 10>();
    }

    /// Two steps on a sample with x = 0 move only the biases, with gradient g = p − e_y; the
    /// second step's velocity shows which momentum rule ran.
    fn two_steps(momentum: Momentum<f64>) -> [f64; 2] {
        let sgd = Sgd::new(0.5).unwrap().with_momentum(momentum).unwrap();
        let mut trainer = Trainer::new(sgd, Objective::new(0.0).unwrap()).unwrap();
        let mut model = Classifier::<1, 2, f64>::zeros();
        let sample = Sample::new([0.0], Label::new(1).unwrap());
        trainer.step(&mut model, &sample).unwrap();
        trainer.step(&mut model, &sample).unwrap();
        *model.bias()
    }

    /// The cached velocity bound v·(1 + 8u) stays finite for v just below the cheap check's
    /// limit of MAX/2 (it overflowed to +∞ when computed as (v·8)·u, for v in (MAX/8, MAX/2)).
    #[test]
    fn velocity_bound_stays_finite_near_the_limit() {
        // λ = 1 and bias 1e38: the gradient bound G = D·X + λΘ ≥ 1e38, within (MAX/8, MAX/2).
        let mut trainer =
            Trainer::new(Sgd::new(1e-30).unwrap(), Objective::new(1.0).unwrap()).unwrap();
        let mut model = Classifier::<1, 2>::new([[0.0], [0.0]], [1.0e38, 0.0]);
        let sample = Sample::new([0.0], Label::new(0).unwrap());
        trainer.step(&mut model, &sample).unwrap();
        let bound = trainer.state.velocity_bound;
        assert!(bound.is_finite() && bound >= 1.0e38, "{bound}");
    }

    #[test]
    fn momentum_rules_match_their_definitions() {
        let y = Label::new(1).unwrap();
        let (eta, mu) = (0.5, 0.9);
        let g1 = cross_entropy_with_grad(&[0.0, 0.0], y).1;
        let after = |b1: [f64; 2], v: [f64; 2], nesterov: bool| -> ([f64; 2], [f64; 2]) {
            let g2 = cross_entropy_with_grad(&b1, y).1;
            let v2 = [mu * v[0] + g2[0], mu * v[1] + g2[1]];
            let step = |j: usize| if nesterov { g2[j] + mu * v2[j] } else { v2[j] };
            ([b1[0] - eta * step(0), b1[1] - eta * step(1)], v2)
        };
        // Plain: b ← b − ηg twice.
        let b1 = [-eta * g1[0], -eta * g1[1]];
        let g2 = cross_entropy_with_grad(&b1, y).1;
        assert_eq!(
            two_steps(Momentum::None),
            [b1[0] - eta * g2[0], b1[1] - eta * g2[1]]
        );
        // Classic: v1 = g1, b1 = −ηg1; then v2 = μv1 + g2, b2 = b1 − ηv2.
        let b1 = [-eta * g1[0], -eta * g1[1]];
        assert_eq!(two_steps(Momentum::Classic(mu)), after(b1, g1, false).0);
        // Nesterov: v1 = g1, b1 = −η(g1 + μg1); then b2 = b1 − η(g2 + μv2).
        let b1 = [-eta * (g1[0] + mu * g1[0]), -eta * (g1[1] + mu * g1[1])];
        assert_eq!(two_steps(Momentum::Nesterov(mu)), after(b1, g1, true).0);
        // The three rules really differ.
        assert_ne!(
            two_steps(Momentum::Classic(mu)),
            two_steps(Momentum::Nesterov(mu))
        );
    }
}
