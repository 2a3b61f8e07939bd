//! Averaging of SGD iterates, and SGD that runs until its average is certified optimal.
//!
//! With the inverse-time rate η_t = η₀/(1 + η₀λt) ([`Schedule::InverseTime`]) SGD on the
//! λ-strongly convex objective converges to the optimum θ*, but its iterates keep jittering at
//! a distance that shrinks only like √η_t. Their running average does not: Polyak–Ruppert
//! averaging cancels the jitter, and weighting later iterates more (weights ∝ t) also forgets
//! the early, far-away ones. For steps 2/(λ(t+1)) on samples drawn with replacement,
//! Lacoste-Julien, Schmidt and Bach (2012) prove E[P(θ̄_t)] − P* = O(1/(λt)) for this
//! t-weighted average; with the inverse-time rate (which tends to 1/(λt)) and shuffled epochs
//! used here that proof does not apply as it stands, and the rate is what the tests measure,
//! not a theorem. The certificate, not the rate, is what a run relies on.
//!
//! [`Averaged`] keeps that average in fixed memory (two models' worth), and
//! [`train_until_certified`] trains, averages, and checks the full-batch certificate of
//! [`convex::certify`] on the average every few epochs, stopping as soon as it proves the
//! requested gap.
//!
//! Measured, the averaged iterate approaches the optimum at about rate 1/t, so it certifies loose tolerances
//! (1e-3 relative) in tens of epochs, but tight ones only in very many; for those, data that
//! fits in memory is better served by the full-batch [`solver::minimize`].
//!
//! ![Certified bound and true gap against iterations on iris and digits](https://raw.githubusercontent.com/tinysoftmax/tinysoftmax/main/docs/figures/certificate.svg)
//!
//! Both, from zero in `f32` (λ = 0.01): the certified bound (solid) and the true gap (dashed)
//! of the averaged iterate after k epochs, and of the full-batch solver after k iterations.
//! Drawn by `cargo run --release --manifest-path figures/Cargo.toml -- certificate`.
//!
//! [`Schedule::InverseTime`]: crate::optim::Schedule::InverseTime
//! [`convex::certify`]: crate::convex::certify
//! [`solver::minimize`]: crate::solver::minimize

use crate::convex::certify;
use crate::data::Sample;
use crate::error::{Error, Result};
use crate::math::{Float, two_diff};
use crate::model::Classifier;
use crate::rng::SplitMix64;
use crate::softmax::Compensated;
use crate::solver::{Report, Tolerance};
use crate::train::Trainer;

/// How the iterates θ_1 … θ_t are weighted in their average.
///
/// ```
/// use tinysoftmax::{Classifier, average::{Averaged, Weighting}};
/// let mut avg = Averaged::<1, 2, f64>::new(Weighting::Linear);
/// avg.update(&Classifier::new([[3.0], [0.0]], [0.0, 0.0]));
/// avg.update(&Classifier::new([[0.0], [0.0]], [0.0, 0.0]));
/// assert_eq!(avg.model().weights()[0][0], 1.0); // (1·3 + 2·0) / 3
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Weighting {
    /// Every iterate weighs the same: θ̄_t = (1/t) Σ_s θ_s (Polyak–Ruppert; PyTorch's
    /// `torch.optim.swa_utils.AveragedModel` with its default average).
    Uniform,
    /// Iterate s weighs s: θ̄_t = Σ_s s·θ_s / (t(t+1)/2). Early iterates fade, which suits a
    /// start far from the optimum.
    Linear,
}

/// A running weighted average of model parameters, in the memory of two models.
///
/// Update t (counting from 1) computes θ̄ ← θ̄ + ρ_t (θ − θ̄) with ρ_t = 1/t ([`Weighting::Uniform`])
/// or 2/(t+1) ([`Weighting::Linear`]); the first update copies the model.
///
/// The average is kept as a pair (mean, carry), the carry holding the low-order bits that the
/// mean cannot: with a plain `mean += ρ·(θ − mean)`, once ρ·|θ − mean| falls below half an
/// ULP of the mean (ρ ≈ 2/t, so after about 10⁶ `f32` steps) the updates round to nothing and
/// the average stops moving. With the carry each update's rounding error is kept, and the
/// average is accurate to about one unit of roundoff of the parameters however long it runs.
/// Memory: 2·(C·F + C)·`size_of::<T>()` + 8 bytes.
///
/// ```
/// use tinysoftmax::{Classifier, average::{Averaged, Weighting}};
/// let mut avg = Averaged::<1, 2, f64>::new(Weighting::Uniform);
/// for w in [1.0, 2.0, 6.0] {
///     avg.update(&Classifier::new([[w], [-w]], [0.0, 0.0]));
/// }
/// assert_eq!(avg.count(), 3);
/// assert_eq!(avg.model().weights(), [[3.0], [-3.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Averaged<const F: usize, const C: usize, T = f32> {
    pub(crate) mean: Classifier<F, C, T>,
    /// The low-order part: the average is mean + carry, with |carry| ≤ ½ ULP of mean.
    pub(crate) carry: Classifier<F, C, T>,
    pub(crate) count: u32,
    pub(crate) weighting: Weighting,
}

impl<const F: usize, const C: usize, T: Float> Averaged<F, C, T> {
    /// An empty average (its model is zero until the first update).
    ///
    /// ```
    /// use tinysoftmax::average::{Averaged, Weighting};
    /// let avg = Averaged::<4, 3>::new(Weighting::Linear);
    /// assert_eq!(avg.count(), 0);
    /// ```
    #[must_use]
    pub const fn new(weighting: Weighting) -> Self {
        Self {
            mean: Classifier::zeros(),
            carry: Classifier::zeros(),
            count: 0,
            weighting,
        }
    }

    /// Adds one iterate to the average.
    ///
    /// The count saturates at `u32::MAX`, after which the weight ρ stays at its last value.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, average::{Averaged, Weighting}};
    /// let mut avg = Averaged::<1, 2>::new(Weighting::Uniform);
    /// avg.update(&Classifier::new([[2.0], [0.0]], [1.0, 0.0]));
    /// assert_eq!(avg.model().bias(), &[1.0, 0.0]);
    /// ```
    pub fn update(&mut self, model: &Classifier<F, C, T>) {
        self.count = self.count.saturating_add(1);
        let t = T::from_u32(self.count);
        let rho = match self.weighting {
            Weighting::Uniform => T::ONE / t,
            Weighting::Linear => (T::ONE + T::ONE) / (t + T::ONE),
        };
        let values = model.params();
        for ((m, c), v) in self
            .mean
            .params_mut()
            .zip(self.carry.params_mut())
            .zip(values)
        {
            (*m, *c) = if rho == T::ONE {
                (v, T::ZERO)
            } else {
                mix(*m, *c, v, rho)
            };
        }
    }

    /// Forgets every iterate so far: the next update starts a new average. Calling it after a
    /// burn-in period gives suffix (tail) averaging.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, average::{Averaged, Weighting}};
    /// let mut avg = Averaged::<1, 2>::new(Weighting::Uniform);
    /// avg.update(&Classifier::new([[5.0], [0.0]], [0.0, 0.0]));
    /// avg.restart();
    /// avg.update(&Classifier::new([[1.0], [0.0]], [0.0, 0.0]));
    /// assert_eq!(avg.model().weights()[0][0], 1.0);
    /// ```
    pub fn restart(&mut self) {
        self.count = 0;
    }

    /// The averaged model.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, average::{Averaged, Weighting}};
    /// assert_eq!(Averaged::<2, 2>::new(Weighting::Uniform).model(), &Classifier::zeros());
    /// ```
    #[must_use]
    pub const fn model(&self) -> &Classifier<F, C, T> {
        &self.mean
    }

    /// How many iterates the average holds (since the last [`restart`](Self::restart)).
    ///
    /// ```
    /// use tinysoftmax::average::{Averaged, Weighting};
    /// assert_eq!(Averaged::<2, 2>::new(Weighting::Uniform).count(), 0);
    /// ```
    #[must_use]
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// One epoch of SGD that adds every iterate to the average: shuffles `samples` (seeded,
    /// uniform, in place), then takes one [`Trainer::step`] per sample, updating the average
    /// after each. Returns the mean of the per-sample losses before each step.
    ///
    /// # Errors
    ///
    /// [`Error::NoSamples`] for an empty slice; otherwise the first failing step's error, with
    /// the steps before it (and their averaging) kept.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, SplitMix64, Sample, loss::CrossEntropy, optim::Sgd, train::Trainer, Objective};
    /// use tinysoftmax::average::{Averaged, Weighting};
    /// let mut data = [Sample::new([1.0_f32], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
    /// let mut model = Classifier::zeros();
    /// let mut trainer = Trainer::new(Sgd::new(0.5)?, Objective::new(0.1)?)?;
    /// let mut avg = Averaged::new(Weighting::Linear);
    /// avg.epoch(&mut trainer, &mut model, &mut data, &mut SplitMix64::new(1))?;
    /// assert_eq!(avg.count(), 2);
    /// assert_eq!(avg.model().accuracy(&data), 1.0);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn epoch(
        &mut self,
        trainer: &mut Trainer<F, C, T>,
        model: &mut Classifier<F, C, T>,
        samples: &mut [Sample<F, C, T>],
        rng: &mut SplitMix64,
    ) -> Result<T> {
        rng.shuffle(samples);
        let mut total = Compensated::new();
        let mut count = 0_u32;
        for sample in samples.iter() {
            total.add(trainer.step(model, sample)?);
            self.update(model);
            count = count.saturating_add(1);
        }
        if count == 0 {
            Err(Error::NoSamples)
        } else {
            Ok(total.total() / T::from_u32(count))
        }
    }
}

/// The pair (m′, c′) holding (m + c) + ρ·(v − (m + c)), with m′ = fl(m′ + c′).
///
/// The update is m + ρ(v − m) + (1 − ρ)c. The sum of m and the rounded increment is split
/// without error (TwoSum) and its low part carried, so an increment below half an ULP of m
/// (ρ ~ 1/t becomes tiny on long runs) still moves the average.
fn mix<T: Float>(m: T, c: T, v: T, rho: T) -> (T, T) {
    let increment = rho * (v - m);
    let (hi, lo) = two_diff(m, -increment);
    two_diff(hi, -(lo + (T::ONE - rho) * c))
}

/// When [`train_until_certified`] checks and stops.
///
/// ```
/// use tinysoftmax::{average::Plan, solver::Tolerance, Objective};
/// use tinysoftmax::{Classifier, Error, Label, SplitMix64, Sample, loss::CrossEntropy, train::Trainer};
/// use tinysoftmax::average::{Averaged, Weighting, train_until_certified};
/// use tinysoftmax::optim::Sgd;
/// let mut data = [Sample::new([1.0_f32], Label::<2>::new(0)?)];
/// let mut trainer = Trainer::new(Sgd::new(0.5)?, Objective::new(0.1)?)?;
/// let (mut model, mut avg) = (Classifier::zeros(), Averaged::new(Weighting::Uniform));
/// let never = Plan { tolerance: Tolerance::Relative(1e-3), check_every: 0, max_epochs: 200 };
/// let r = train_until_certified(&mut trainer, &mut model, &mut avg, &mut data, &mut SplitMix64::new(1), never);
/// assert_eq!(r, Err(Error::CheckPeriod));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Plan<T = f32> {
    /// The gap to certify for the averaged model.
    pub tolerance: Tolerance<T>,
    /// Epochs between certificates (each costs a few epochs' arithmetic); at least 1.
    pub check_every: u32,
    /// The most epochs to run; the average is always certified after the last one.
    pub max_epochs: u32,
}

impl<T> Plan<T> {
    /// Certify at `tolerance`, checking every `check_every` epochs, for at most `max_epochs`.
    ///
    /// ```
    /// use tinysoftmax::{average::Plan, solver::Tolerance};
    /// let plan = Plan::new(Tolerance::Relative(1e-3_f32), 5, 100);
    /// assert_eq!((plan.check_every, plan.max_epochs), (5, 100));
    /// ```
    #[must_use]
    pub const fn new(tolerance: Tolerance<T>, check_every: u32, max_epochs: u32) -> Self {
        Self {
            tolerance,
            check_every,
            max_epochs,
        }
    }
}

impl<T: Float> Default for Plan<T> {
    /// A relative gap of 1e-3, checked every epoch, within 1000 epochs (averaged SGD approaches
    /// P* at rate 1/t, so tight tolerances are the full-batch solver's job).
    ///
    /// ```
    /// use tinysoftmax::{average::Plan, solver::Tolerance};
    /// assert_eq!(Plan::<f32>::default(), Plan::new(Tolerance::Relative(1e-3), 1, 1000));
    /// ```
    fn default() -> Self {
        Self::new(Tolerance::Relative(T::from_f64(1e-3)), 1, 1000)
    }
}

/// Trains with SGD, averaging every iterate, until the full-batch certificate of the averaged
/// model meets the plan's tolerance or the epoch budget is spent; the model, the trainer and
/// the average keep their state, so a call can continue an earlier one.
///
/// The objective is the trainer's: its loss and its weight decay λ (which must be > 0). Every
/// `check_every` epochs, and after the last, [`certify`] is run on the averaged model; the
/// report's `iterations` counts the epochs run and its certificate is the last one computed.
/// A run that spends its budget reports `certified: false` with the bound it did prove. Use
/// [`Schedule::InverseTime`](crate::optim::Schedule::InverseTime): with a constant rate the
/// average approaches a point near, but not at, the optimum.
///
/// # Errors
///
/// [`Error::Tolerance`] for a tolerance that is not finite and > 0; [`Error::CheckPeriod`] for
/// `check_every` = 0; [`Error::NeedsWeightDecay`] when the trainer's λ is 0,
/// [`Error::WeightDecayTooSmall`] when it is below the smallest normal number;
/// [`Error::NoSamples`] for no samples; [`Error::NonFiniteFeature`] for a NaN or infinite
/// feature; a failing step's error as in [`Averaged::epoch`]; a failing certificate's error
/// as in [`certify`] ([`Error::Overflow`]). These checks come before any training, except
/// the last two, which can stop a run midway: the model, trainer and average then keep the
/// epochs already run.
///
/// ```
/// use tinysoftmax::{Classifier, Label, SplitMix64, Sample, loss::CrossEntropy, train::Trainer, Objective};
/// use tinysoftmax::average::{Averaged, Plan, Weighting, train_until_certified};
/// use tinysoftmax::optim::{Schedule, Sgd};
/// use tinysoftmax::solver::Tolerance;
/// let mut data = [
///     Sample::new([1.0_f64, 0.5], Label::<2>::new(0)?),
///     Sample::new([-1.0, 0.5], Label::new(1)?),
///     Sample::new([0.5, -1.0], Label::new(0)?),
/// ];
/// let sgd = Sgd::new(0.5)?.with_schedule(Schedule::InverseTime)?;
/// let mut trainer = Trainer::new(sgd, Objective::new(0.1)?)?;
/// let (mut model, mut avg) = (Classifier::zeros(), Averaged::new(Weighting::Linear));
/// let plan = Plan { tolerance: Tolerance::Relative(1e-3), check_every: 1, max_epochs: 10_000 };
/// let report = train_until_certified(&mut trainer, &mut model, &mut avg, &mut data, &mut SplitMix64::new(3), plan)?;
/// assert!(report.certified && report.iterations < 10_000);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn train_until_certified<const F: usize, const C: usize, T: Float>(
    trainer: &mut Trainer<F, C, T>,
    model: &mut Classifier<F, C, T>,
    average: &mut Averaged<F, C, T>,
    samples: &mut [Sample<F, C, T>],
    rng: &mut SplitMix64,
    plan: Plan<T>,
) -> Result<Report<T>> {
    let tolerance = plan.tolerance.check()?;
    if plan.check_every == 0 {
        return Err(Error::CheckPeriod);
    }
    let objective = *trainer.objective();
    // Fails early, before any training, for λ = 0 (or below the floor) or no samples.
    let mut certificate = certify(average.model(), samples, &objective)?;
    let period = plan.check_every;
    let mut epochs = 0_u32;
    while epochs < plan.max_epochs {
        average.epoch(trainer, model, samples, rng)?;
        epochs += 1;
        if epochs.is_multiple_of(period) || epochs == plan.max_epochs {
            certificate = certify(average.model(), samples, &objective)?;
            if tolerance.is_met(certificate.objective, certificate.gap) {
                break;
            }
        }
    }
    Ok(Report::new(epochs, certificate, tolerance))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::Objective;
    use crate::data::Label;
    use crate::optim::Sgd;

    #[test]
    fn linear_weights_match_the_closed_form() {
        let mut avg = Averaged::<1, 2, f64>::new(Weighting::Linear);
        for s in 1..=4 {
            let v = f64::from(s * s);
            avg.update(&Classifier::new([[v], [0.0]], [0.0, 0.0]));
        }
        // Σ s·s² / Σ s = (1 + 8 + 27 + 64) / 10.
        assert!((avg.model().weights()[0][0] - 10.0).abs() <= 8.0 * f64::EPSILON * 10.0);
    }

    #[test]
    fn mix_keeps_the_low_part_of_the_average() {
        // mix's contract: m' + c' = (m + c) + ρ(v − (m + c)), and m' = fl(m' + c'). Each of
        // its rounded operations (v − m, ρ·(v − m), 1 − ρ, (1 − ρ)·c and lo + …) errs by at
        // most u = 2^-24 relative on a term no larger than |v − m| + |c| (the two TwoDiffs are
        // exact), so the pair is within 5u(|v − m| + |c|) of the exact update. The carry c
        // (2^-30, far below half an ULP of m = 1) must therefore count, with its sign.
        let tiny = 2.0_f32.powi(-30);
        for (m, c, v) in [
            (1.0_f32, tiny, 1.0 + 2.0_f32.powi(-20)),
            (1.0, -tiny, 1.0 - 2.0_f32.powi(-21)),
            (-3.0, 3.0 * tiny, -3.0),
        ] {
            for rho in [1.0_f32 / 3.0, 0.5, 1.0e-3] {
                let (m2, c2) = mix(m, c, v, rho);
                let (m64, c64, v64) = (f64::from(m), f64::from(c), f64::from(v));
                let before = m64 + c64;
                let exact = before + f64::from(rho) * (v64 - before);
                let got = f64::from(m2) + f64::from(c2);
                let bound = 5.0 * 2.0_f64.powi(-24) * ((v64 - m64).abs() + c64.abs());
                assert!(
                    (got - exact).abs() <= bound,
                    "mix({m}, {c}, {v}, {rho}) = {got}, exact {exact}"
                );
                assert_eq!(m2 + c2, m2);
            }
        }
    }

    #[test]
    fn epoch_returns_the_mean_loss_before_each_step() {
        let label = |k| Label::<3>::new(k).unwrap();
        let mut data = [
            Sample::new([1.0_f64, 0.5], label(0)),
            Sample::new([-1.0, 2.0], label(1)),
            Sample::new([0.5, -1.0], label(2)),
        ];
        let mut trainer =
            Trainer::new(Sgd::new(0.5).unwrap(), Objective::new(0.1).unwrap()).unwrap();
        let (mut replay, mut replay_model) = (trainer.clone(), Classifier::zeros());
        let mut model = Classifier::zeros();
        let mut avg = Averaged::new(Weighting::Uniform);
        let mean = avg
            .epoch(&mut trainer, &mut model, &mut data, &mut SplitMix64::new(7))
            .unwrap();
        // `data` is left in the order the epoch visited it: replay the same steps.
        let mut total = 0.0;
        for sample in &data {
            total += replay.step(&mut replay_model, sample).unwrap();
        }
        assert_eq!(model, replay_model);
        let expected = total / 3.0;
        assert!((mean - expected).abs() <= 4.0 * f64::EPSILON * expected);
    }

    #[test]
    fn report_counts_the_epochs_run_and_checks_on_the_period() {
        let label = |k| Label::<2>::new(k).unwrap();
        let mut data = [
            Sample::new([1.0_f64, 0.5], label(0)),
            Sample::new([-1.0, 0.5], label(1)),
            Sample::new([0.5, -1.0], label(0)),
        ];
        let sgd = Sgd::new(0.5)
            .unwrap()
            .with_schedule(crate::optim::Schedule::InverseTime)
            .unwrap();
        let mut trainer = Trainer::new(sgd, Objective::new(0.1).unwrap()).unwrap();
        let (mut model, mut avg) = (Classifier::zeros(), Averaged::new(Weighting::Linear));
        let mut rng = SplitMix64::new(3);
        let plan = Plan::new(Tolerance::Relative(1e-2), 3, 1000);
        let r = train_until_certified(
            &mut trainer,
            &mut model,
            &mut avg,
            &mut data,
            &mut rng,
            plan,
        )
        .unwrap();
        // Certified at a check, so after a multiple of 3 epochs of 3 steps each.
        assert!(r.certified && r.iterations >= 3 && r.iterations.is_multiple_of(3));
        assert_eq!(trainer.state().steps(), 3 * r.iterations);
        assert_eq!(avg.count(), 3 * r.iterations);
        // An unreachable tolerance spends the whole budget, and the last epoch is certified
        // although 5 is not a multiple of the period.
        let (first, before) = (r.iterations, r.certificate);
        let plan = Plan::new(Tolerance::Absolute(1e-30), 4, 5);
        let r = train_until_certified(
            &mut trainer,
            &mut model,
            &mut avg,
            &mut data,
            &mut rng,
            plan,
        )
        .unwrap();
        assert_eq!((r.iterations, r.certified), (5, false));
        assert_eq!(trainer.state().steps(), 3 * (first + 5));
        assert_eq!(
            r.certificate,
            certify(avg.model(), &data, trainer.objective()).unwrap()
        );
        assert!(r.certificate != before);
    }

    #[test]
    fn zero_budget_certifies_the_current_average_without_training() {
        let mut data = [Sample::new([1.0_f64], Label::<2>::new(0).unwrap())];
        let mut trainer =
            Trainer::new(Sgd::new(0.1).unwrap(), Objective::new(0.1).unwrap()).unwrap();
        let mut model = Classifier::zeros();
        let mut avg = Averaged::new(Weighting::Uniform);
        let plan = Plan {
            tolerance: Tolerance::Absolute(1e-9),
            check_every: 1,
            max_epochs: 0,
        };
        let r = train_until_certified(
            &mut trainer,
            &mut model,
            &mut avg,
            &mut data,
            &mut SplitMix64::new(1),
            plan,
        )
        .unwrap();
        assert_eq!((r.iterations, r.certified), (0, false));
        assert_eq!(trainer.state().steps(), 0);
    }

    #[test]
    fn invalid_plans_are_rejected_before_training() {
        let mut data = [Sample::new([1.0_f64], Label::<2>::new(0).unwrap())];
        let mut model = Classifier::zeros();
        let mut avg = Averaged::new(Weighting::Uniform);
        let mut rng = SplitMix64::new(1);
        let plan = Plan {
            tolerance: Tolerance::Absolute(1e-3),
            check_every: 1,
            max_epochs: 5,
        };
        let mut no_decay =
            Trainer::new(Sgd::new(0.1).unwrap(), Objective::new(0.0).unwrap()).unwrap();
        let r = train_until_certified(
            &mut no_decay,
            &mut model,
            &mut avg,
            &mut data,
            &mut rng,
            plan,
        );
        assert_eq!(r, Err(Error::NeedsWeightDecay));
        let mut trainer =
            Trainer::new(Sgd::new(0.1).unwrap(), Objective::new(0.1).unwrap()).unwrap();
        let bad = Plan {
            tolerance: Tolerance::Relative(-1.0),
            ..plan
        };
        let r = train_until_certified(&mut trainer, &mut model, &mut avg, &mut data, &mut rng, bad);
        assert_eq!(r, Err(Error::Tolerance));
        let r = train_until_certified(&mut trainer, &mut model, &mut avg, &mut [], &mut rng, plan);
        assert_eq!(r, Err(Error::NoSamples));
        assert_eq!((trainer.state().steps(), avg.count()), (0, 0));
    }
}
