//! Full-batch minimisation to a certified optimum.
//!
//! The regularised objective P of [`convex`](crate::convex) is λ-strongly convex and L-smooth,
//! so it has one minimiser θ* and "minimised" has a precise meaning: P(θ) − P* ≤ ε. The
//! certificate of [`convex::certify`] proves such a bound from one full-batch gradient;
//! [`minimize`] runs accelerated gradient descent until that proof succeeds, and a [`Report`]
//! never claims more than the certificate shows.
//!
//! # The method
//!
//! Nesterov's accelerated gradient with the fixed step 1/L (L from [`convex::smoothness`], an
//! upper bound computed from the data, so no line search is needed):
//!
//! ```text
//! x⁺ = y − ∇P(y)/L
//! y⁺ = x⁺ + β_k (x⁺ − x)        β_k = min(k/(k+3), (√κ − 1)/(√κ + 1)),  κ = L/λ
//! ```
//!
//! k counts the steps since the last restart. The momentum grows as in FISTA and is capped at
//! the value that is optimal for a λ-strongly convex, L-smooth function. The gradient restart
//! of O'Donoghue and Candès (2015) sets k = 0 (no momentum) whenever ∇P(y)·(x⁺ − x) > 0, that
//! is, when the momentum points uphill. Without restarts, the capped momentum needs
//! O(√κ · ln(1/ε)) gradient evaluations to reach a gap ε; restarting at these adaptive points
//! has no proven rate, but measured on iris and digits it never needed more iterations than
//! the fixed schedule, and often fewer.
//!
//! Before the first step the starting point is centred: the mean over classes is subtracted
//! from every column of W and from b. The data term does not change (softmax is invariant to
//! adding the same amount to every logit), the penalty can only fall, and the optimum itself
//! has zero class sums (Step 3 of [`convex`](crate::convex)), so this removes at once the
//! components along which P has curvature only λ, the slowest directions for any first-order
//! method.
//!
//! The iterate that is certified and returned is y, the point where the last gradient was
//! computed: its gradient gives a cheap estimate ‖∇P(y)‖²/(2λ) of the gap at no extra cost, and
//! only when that estimate meets the tolerance is the full certificate (two more passes over the
//! data) computed.
//!
//! # Memory
//!
//! No heap. [`minimize`] holds three parameter-shaped values on the stack (the iterates x and y
//! and the gradient) and calls [`convex::gradient`], whose compensated accumulator and result
//! take three more (and a block of 8 logit gradients, 8·C values): about
//! 6·(C·F + C)·`size_of::<T>()` bytes, for example 15.6 KB for 64 features, 10 classes and
//! `f32` (31.2 KB in `f64`), and 360 bytes for iris (4 features, 3 classes) in `f32`.
//!
//! # Which solver
//!
//! [`Lbfgs`](crate::lbfgs::Lbfgs) takes the same arguments, stops by the same certificate and
//! returns the same [`Report`], in 3 to 25 times fewer passes over the data on iris and digits
//! (measured in [`lbfgs`](crate::lbfgs)); it is the default choice when its history, 2·M
//! parameter-shaped values, fits the stack. [`minimize`] needs no history and no line search
//! (one pass per iteration, always): use it when the stack is the limit, such as a large model
//! on a microcontroller.
//!
//! [`convex::certify`]: crate::convex::certify
//! [`convex::smoothness`]: crate::convex::smoothness
//! [`convex::gradient`]: crate::convex::gradient

use core::fmt;

use crate::convex::{
    Certificate, certify, certify_gradient, gradient_in_model_shape, smoothness,
    strongly_convex_batch,
};
use crate::data::Sample;
use crate::error::{Error, Result};
use crate::math::sealed::Sealed;
use crate::math::{Float, from_count};
use crate::model::Classifier;
use crate::objective::Objective;

/// How close to the optimum a run must be proven to be.
///
/// ```
/// use tinysoftmax::solver::Tolerance;
/// // A gap of 0.01 on an objective of 1.0 is 1 % of P* ≥ 0.99.
/// assert!(Tolerance::Relative(0.011).is_met(1.0, 0.01));
/// assert!(!Tolerance::Relative(0.01).is_met(1.0, 0.01));
/// assert!(Tolerance::Absolute(0.01).is_met(1.0, 0.01));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Tolerance<T = f32> {
    /// P(θ) − P* ≤ ε.
    Absolute(T),
    /// P(θ) − P* ≤ ε·P*. A certified gap g gives P* ≥ P(θ) − g, so the test is
    /// g ≤ ε·(P(θ) − g). P(θ) is the computed objective: its rounding (a few units of roundoff,
    /// relative) changes ε by the same relative amount.
    Relative(T),
}

impl<T: Float> Tolerance<T> {
    /// Checks that ε is finite and > 0.
    pub(crate) fn check(self) -> Result<Self> {
        match self {
            Self::Absolute(e) | Self::Relative(e) if e.is_finite() && e > T::ZERO => Ok(self),
            _ => Err(Error::Tolerance),
        }
    }

    /// Whether a proven bound `gap` on P(θ) − P*, at a model whose objective is `objective`,
    /// meets the tolerance. NaN never does.
    ///
    /// ```
    /// use tinysoftmax::solver::Tolerance;
    /// assert!(!Tolerance::Absolute(1.0_f32).is_met(0.5, f32::NAN));
    /// ```
    #[must_use]
    pub fn is_met(self, objective: T, gap: T) -> bool {
        match self {
            Self::Absolute(e) => gap <= e,
            Self::Relative(e) => gap <= e * (objective - gap),
        }
    }
}

/// When [`minimize`] stops: at a certified tolerance, or after a budget of gradient steps.
///
/// ```
/// use tinysoftmax::solver::{Stop, Tolerance};
/// let stop = Stop::new(Tolerance::Relative(1e-6_f32), 500);
/// assert_eq!(stop, Stop { tolerance: Tolerance::Relative(1e-6), max_iterations: 500 });
/// assert_eq!(Stop::<f32>::default(), Stop::new(Tolerance::Relative(1e-6), 10_000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stop<T = f32> {
    /// The gap to certify.
    pub tolerance: Tolerance<T>,
    /// The most gradient steps to take (each is one pass over the data).
    pub max_iterations: u32,
}

impl<T> Stop<T> {
    /// Stop at `tolerance`, or after `max_iterations` gradient steps.
    ///
    /// ```
    /// use tinysoftmax::solver::{Stop, Tolerance};
    /// assert_eq!(Stop::new(Tolerance::Absolute(1e-9_f64), 100).max_iterations, 100);
    /// ```
    #[must_use]
    pub const fn new(tolerance: Tolerance<T>, max_iterations: u32) -> Self {
        Self {
            tolerance,
            max_iterations,
        }
    }
}

impl<T: Float> Default for Stop<T> {
    /// A relative gap of 1e-6 (P − P* ≤ 1e-6·P*), within 10 000 gradient steps.
    fn default() -> Self {
        Self::new(Tolerance::Relative(T::from_f64(1e-6)), 10_000)
    }
}

/// The outcome of a run: how much work it did and what it proved.
///
/// Its `Display` says "certified" only when the certificate meets the requested tolerance;
/// otherwise it says "not certified" and gives the bound the run did prove.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, loss::CrossEntropy, Objective};
/// use tinysoftmax::solver::{Stop, Tolerance, minimize};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let mut model = Classifier::zeros();
/// let stop = Stop { tolerance: Tolerance::Absolute(1e-12), max_iterations: 1 };
/// let report = minimize(&mut model, &data, &Objective::new(0.1)?, stop)?;
/// assert!(!report.certified);
/// assert!(report.to_string().starts_with("not certified"));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Report<T = f32> {
    /// Steps taken: gradient steps for [`minimize`], epochs for
    /// [`train_until_certified`](crate::average::train_until_certified).
    pub iterations: u32,
    /// The certificate of the returned model: from [`certify`], or in `f64` from the full-batch
    /// solvers, when it proves the tolerance, from [`certify_plain`], which they take from
    /// their own last gradient at almost no cost.
    ///
    /// [`certify`]: crate::convex::certify
    /// [`certify_plain`]: crate::convex::certify_plain
    pub certificate: Certificate<T>,
    /// `true` when the certificate meets the requested tolerance.
    pub certified: bool,
}

impl<T: Float> Report<T> {
    /// A report whose `certified` flag is decided by `tolerance`.
    pub(crate) fn new(
        iterations: u32,
        certificate: Certificate<T>,
        tolerance: Tolerance<T>,
    ) -> Self {
        let certified = tolerance.is_met(certificate.objective, certificate.gap);
        Self {
            iterations,
            certificate,
            certified,
        }
    }

    /// P(θ) of the returned model (the certificate's objective).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Sample, loss::CrossEntropy, Objective};
    /// use tinysoftmax::solver::{Stop, Tolerance, minimize};
    /// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?)];
    /// let stop = Stop { tolerance: Tolerance::Absolute(1e-20), max_iterations: 0 };
    /// let report = minimize(&mut Classifier::zeros(), &data, &Objective::new(1.0)?, stop)?;
    /// assert_eq!(report.objective(), core::f64::consts::LN_2);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn objective(&self) -> T {
        self.certificate.objective
    }
}

impl<T: Float + fmt::LowerExp> fmt::Display for Report<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = if self.certified {
            "certified"
        } else {
            "not certified"
        };
        write!(
            f,
            "{status}: P - P* <= {:e} after {} iterations (P = {})",
            self.certificate.gap, self.iterations, self.certificate.objective
        )
    }
}

/// Minimises P(θ) = (1/n) Σ_i w_{y_i} ℓ(W x_i + b, y_i) + (λ/2)(‖W‖² + ‖b‖²) from the model's
/// current parameters, until [`certify`] proves the requested gap or the step budget is spent.
///
/// Accelerated gradient descent (see the [module docs](self)); each iteration is one pass over
/// the samples, and the final certificate two more. On success the model holds the returned
/// point, whether certified or not: check [`Report::certified`]. The result is deterministic
/// and the same on every target. There is no PyTorch or NumPy equivalent; the nearest is
/// scikit-learn's `LogisticRegression(C = 1/(nλ)).fit` with a tolerance on the gradient.
///
/// # Errors
///
/// [`Error::Tolerance`] for a tolerance that is not finite and > 0; [`Error::WeightDecay`]
/// unless λ is finite and ≥ 0, [`Error::NeedsWeightDecay`] for λ = 0,
/// [`Error::WeightDecayTooSmall`] for λ below the smallest normal number (the floor of
/// [`certify`]); [`Error::NoSamples`] for no samples;
/// [`Error::NonFiniteFeature`] for a NaN or infinite feature; [`Error::NonFiniteParameter`]
/// for a NaN or infinite parameter at the start; [`Error::NonFiniteLogit`] when a logit
/// overflows at the start, [`Error::Overflow`] when P does (parameters too large), and
/// [`Error::NonFiniteUpdate`] when either happens later in the run; [`Error::Overflow`] when
/// the smoothness bound or the certificate overflows, or when the budget is spent with a
/// certified gap of +∞ (features so large, e.g. one at 1e18 in `f32`, that ‖∇P‖² overflows:
/// the step 1/L is then tiny and no number of iterations helps; standardise the features).
/// In every error case the model is unchanged.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, loss::CrossEntropy, Objective};
/// use tinysoftmax::solver::{Stop, Tolerance, minimize};
/// let data = [
///     Sample::new([1.0_f64, 0.5], Label::<3>::new(0)?),
///     Sample::new([-1.0, 0.5], Label::new(1)?),
///     Sample::new([0.0, -1.0], Label::new(2)?),
/// ];
/// let mut model = Classifier::zeros();
/// let stop = Stop { tolerance: Tolerance::Absolute(1e-12), max_iterations: 1000 };
/// let report = minimize(&mut model, &data, &Objective::new(0.1)?, stop)?;
/// assert!(report.certified && report.certificate.gap <= 1e-12);
/// assert_eq!(model.accuracy(&data), 1.0);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn minimize<const F: usize, const C: usize, T: Float>(
    model: &mut Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    stop: Stop<T>,
) -> Result<Report<T>> {
    let lambda = objective.lambda();
    let (tolerance, smooth, start) = prepare(model, samples, objective, stop)?;
    let mut run = Accelerated::new(start, smooth, lambda);
    let mut certifier = Certifier::new(tolerance);
    let mut iterations = 0;
    loop {
        let (p, g) = match gradient_in_model_shape(&run.y, samples, objective) {
            // The start was good (its gradient finite): the run itself left the finite range.
            Err(Error::NonFiniteLogit) if iterations > 0 => {
                return Err(Error::NonFiniteUpdate);
            }
            result => result?,
        };
        if !p.is_finite() {
            // P beyond the range (parameters too large): at the start, or reached by the run.
            return Err(if iterations == 0 {
                Error::Overflow
            } else {
                Error::NonFiniteUpdate
            });
        }
        if let Some(report) = certifier.check(&run.y, p, &g, samples, objective, iterations)? {
            *model = run.y;
            return Ok(report);
        }
        if iterations >= stop.max_iterations {
            break;
        }
        run.step(&g);
        iterations += 1;
    }
    let report = certifier.finish(&run.y, samples, objective, iterations)?;
    *model = run.y;
    Ok(report)
}

/// From this width (`f64`, not `f32`) the solvers try [`certify_plain`] before [`certify`]:
/// its allowance, about 2γ_{F+1}·a per logit, is then negligible beside any gap worth asking
/// for, and from the solver's own gradient it costs only a pass over the features. A constant
/// of the type, so that `f32` code, on the device too, does not carry the branch.
const PLAIN_FIRST_FROM_BYTES: usize = 8;

/// A plain certificate whose allowance is at most this share of ‖ĝ‖ fell short through the
/// gradient, not through rounding: [`certify`] is not tried then.
const PLAIN_IS_ENOUGH: f64 = 1e-3;

/// The stopping rule every full-batch solver shares: the cheap estimate ‖∇P‖²/(2λ) from the
/// gradient the solver has anyway, and the full certificate only when that estimate meets the
/// tolerance (and, after a certificate fell short, only after the estimate fell fourfold).
pub(crate) struct Certifier<T> {
    tolerance: Tolerance<T>,
    trigger: T,
}

impl<T: Float> Certifier<T> {
    pub(crate) fn new(tolerance: Tolerance<T>) -> Self {
        Self {
            tolerance,
            trigger: T::INFINITY,
        }
    }

    /// The report if `model`, with objective `p` and gradient `g`, is certified.
    pub(crate) fn check<const F: usize, const C: usize>(
        &mut self,
        model: &Classifier<F, C, T>,
        p: T,
        g: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        iterations: u32,
    ) -> Result<Option<Report<T>>> {
        let lambda = objective.lambda();
        let estimate = g.norm_squared() / (lambda + lambda);
        if estimate <= self.trigger && self.tolerance.is_met(p, estimate) {
            if <T as Sealed>::BYTES >= PLAIN_FIRST_FROM_BYTES {
                // The solver's own P and ĝ: the plain certificate costs only its allowance.
                let plain = certify_gradient(model, samples, objective, p, g)?;
                if self.tolerance.is_met(plain.objective, plain.gap) {
                    return Ok(Some(Report::new(iterations, plain, self.tolerance)));
                }
                if plain.gradient_error <= plain.gradient_norm * T::from_f64(PLAIN_IS_ENOUGH) {
                    // The gradient itself, not its rounding, keeps the proof short: the
                    // compensated logits would move the gap by less than 0.2 %.
                    self.trigger = estimate / T::from_u32(4);
                    return Ok(None);
                }
            }
            let certificate = certify(model, samples, objective)?;
            if self
                .tolerance
                .is_met(certificate.objective, certificate.gap)
            {
                return Ok(Some(Report::new(iterations, certificate, self.tolerance)));
            }
            // Rounding keeps the proof short of the tolerance: retry only after progress.
            self.trigger = estimate / T::from_u32(4);
        }
        Ok(None)
    }

    /// The report of a final certificate, certified or not; [`Error::Overflow`] when the gap
    /// is +∞ (‖∇P‖² overflowed: a proof of nothing, which on data this badly scaled does not
    /// change however long the run).
    pub(crate) fn report(&self, certificate: Certificate<T>, iterations: u32) -> Result<Report<T>> {
        if !certificate.gap.is_finite() {
            return Err(Error::Overflow);
        }
        Ok(Report::new(iterations, certificate, self.tolerance))
    }

    /// [`report`](Self::report) of the final model's certificate.
    pub(crate) fn finish<const F: usize, const C: usize>(
        &self,
        model: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        iterations: u32,
    ) -> Result<Report<T>> {
        self.report(certify(model, samples, objective)?, iterations)
    }
}

/// What the full-batch solvers check and where they start: a valid tolerance, λ and samples
/// (λ > 0 and above the certificate's floor), a finite smoothness bound L (returned), and the
/// model centred over the classes.
pub(crate) fn prepare<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    stop: Stop<T>,
) -> Result<(Tolerance<T>, T, Classifier<F, C, T>)> {
    let tolerance = stop.tolerance.check()?;
    strongly_convex_batch(samples, objective.lambda())?;
    let smooth = smoothness(samples, objective)?;
    if !smooth.is_finite() {
        return Err(Error::Overflow);
    }
    let mut start = model.clone();
    center(&mut start);
    Ok((tolerance, smooth, start))
}

/// Subtracts the mean over classes from every column of W and from b.
fn center<const F: usize, const C: usize, T: Float>(model: &mut Classifier<F, C, T>) {
    let classes = from_count::<T>(C);
    let (weights, bias) = model.parts_mut();
    for column in weights.iter_mut() {
        let mean = column.iter().fold(T::ZERO, |acc, &w| acc + w) / classes;
        for w in column.iter_mut() {
            *w -= mean;
        }
    }
    let mean = bias.iter().fold(T::ZERO, |acc, &b| acc + b) / classes;
    for b in bias.iter_mut() {
        *b -= mean;
    }
}

/// The state of accelerated gradient descent: the last gradient-step iterate x, the
/// extrapolated point y where the next gradient is taken, and the steps since a restart.
struct Accelerated<const F: usize, const C: usize, T> {
    x: Classifier<F, C, T>,
    y: Classifier<F, C, T>,
    step: T,
    max_momentum: T,
    since_restart: u32,
}

impl<const F: usize, const C: usize, T: Float> Accelerated<F, C, T> {
    fn new(start: Classifier<F, C, T>, smooth: T, lambda: T) -> Self {
        let r = (lambda / smooth).sqrt(); // 1/√κ ∈ (0, 1]
        Self {
            y: start.clone(),
            x: start,
            step: T::ONE / smooth,
            max_momentum: (T::ONE - r) / (T::ONE + r),
            since_restart: 0,
        }
    }

    /// The momentum for the next step: k/(k+3), capped at the strongly convex value.
    fn momentum(&self) -> T {
        let k = T::from_u32(self.since_restart);
        let fista = k / (k + T::from_u32(3));
        if fista < self.max_momentum {
            fista
        } else {
            self.max_momentum
        }
    }

    /// One step from the gradient `g` at y: x⁺ = y − g/L, then y⁺ = x⁺ + β(x⁺ − x), with the
    /// momentum reset when ∇P(y)·(x⁺ − x) > 0.
    fn step(&mut self, g: &Classifier<F, C, T>) {
        let h = self.step;
        let mut uphill = T::ZERO;
        for_each_param(&mut self.x, &mut self.y, g, |x, y, gi| {
            uphill += gi * ((*y - h * gi) - *x);
        });
        let beta = if uphill > T::ZERO {
            self.since_restart = 0;
            T::ZERO
        } else {
            let beta = self.momentum();
            self.since_restart = self.since_restart.saturating_add(1);
            beta
        };
        for_each_param(&mut self.x, &mut self.y, g, |x, y, gi| {
            let next = *y - h * gi;
            *y = next + beta * (next - *x);
            *x = next;
        });
    }
}

/// Calls `f(x, y, g)` for every parameter, in storage order.
fn for_each_param<const F: usize, const C: usize, T: Float>(
    x: &mut Classifier<F, C, T>,
    y: &mut Classifier<F, C, T>,
    g: &Classifier<F, C, T>,
    mut f: impl FnMut(&mut T, &mut T, T),
) {
    for ((xi, yi), gi) in x.params_mut().zip(y.params_mut()).zip(g.params()) {
        f(xi, yi, gi);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::convex::certify_plain;
    use crate::data::Label;
    use crate::loss::CrossEntropy;

    fn data() -> [Sample<2, 3, f64>; 4] {
        let s = |x: [f64; 2], y| Sample::new(x, Label::new(y).unwrap());
        [
            s([1.0, 0.5], 0),
            s([-1.0, 0.5], 1),
            s([0.0, -1.0], 2),
            s([0.5, 0.5], 1),
        ]
    }

    fn stop(eps: f64, max_iterations: u32) -> Stop<f64> {
        Stop {
            tolerance: Tolerance::Absolute(eps),
            max_iterations,
        }
    }

    #[test]
    fn bad_arguments_leave_the_model_unchanged() {
        let ce = CrossEntropy::new();
        let start = Classifier::new([[1.0, 2.0], [0.0, 0.0], [-1.0, 0.5]], [0.1, 0.2, 0.3]);
        let mut model = start.clone();
        let d = data();
        let bad_tol = Stop {
            tolerance: Tolerance::Relative(f64::NAN),
            max_iterations: 5,
        };
        assert_eq!(
            minimize(
                &mut model,
                &d,
                &Objective::from_parts(ce, 0.1).unwrap(),
                bad_tol
            ),
            Err(Error::Tolerance)
        );
        let zero_lambda = minimize(
            &mut model,
            &d,
            &Objective::from_parts(ce, 0.0).unwrap(),
            stop(1e-9, 5),
        );
        assert_eq!(zero_lambda, Err(Error::NeedsWeightDecay));
        let empty = minimize(
            &mut model,
            &[],
            &Objective::from_parts(ce, 0.1).unwrap(),
            stop(1e-9, 5),
        );
        assert_eq!(empty, Err(Error::NoSamples));
        let mut nan = d;
        nan[2].features[1] = f64::NAN;
        let nan_run = minimize(
            &mut model,
            &nan,
            &Objective::from_parts(ce, 0.1).unwrap(),
            stop(1e-9, 5),
        );
        assert_eq!(nan_run, Err(Error::NonFiniteFeature));
        let mut huge = Classifier::new([[1e300, 1e300], [0.0; 2], [0.0; 2]], [0.0; 3]);
        let huge_run = minimize(
            &mut huge,
            &d,
            &Objective::from_parts(ce, 0.1).unwrap(),
            stop(1e-9, 5),
        );
        // λ‖θ‖²/2 is beyond the range: P is not finite (the parameters and logits are).
        assert_eq!(huge_run, Err(Error::Overflow));
        let mut nan = Classifier::new([[f64::NAN, 0.0], [0.0; 2], [0.0; 2]], [0.0; 3]);
        let nan_run = minimize(
            &mut nan,
            &d,
            &Objective::from_parts(ce, 0.1).unwrap(),
            stop(1e-9, 5),
        );
        assert_eq!(nan_run, Err(Error::NonFiniteParameter));
        assert_eq!(model, start);
    }

    #[test]
    fn the_step_uses_the_documented_smoothness_bound() {
        // L = ½·(1/n)·Σ_i w_{y_i}(‖x_i‖² + 1) + λ (`convex::smoothness`), summed here term by
        // term: a dozen roundings of positive terms, so within 8 ε relative of each other.
        let d = data();
        let weights = [1.0, 2.0, 0.5];
        let ce = CrossEntropy::new().with_class_weights(weights).unwrap();
        let objective = Objective::from_parts(ce, 0.1).unwrap();
        let (_, smooth, _) = prepare(&Classifier::zeros(), &d, &objective, stop(1e-6, 10)).unwrap();
        let sum: f64 = d
            .iter()
            .map(|s| {
                let [a, b] = s.features;
                weights[s.label.index()] * (a * a + b * b + 1.0)
            })
            .sum();
        let expected = 0.5 * sum / 4.0 + 0.1;
        assert!((smooth - expected).abs() <= 8.0 * f64::EPSILON * expected);
    }

    #[test]
    fn budget_exhaustion_is_reported_as_not_certified() {
        let mut model = Classifier::zeros();
        let r = minimize(
            &mut model,
            &data(),
            &Objective::new(0.01).unwrap(),
            stop(1e-14, 3),
        )
        .unwrap();
        assert_eq!(r.iterations, 3);
        assert!(!r.certified && r.certificate.gap > 1e-14);
        let cert = certify(&model, &data(), &Objective::new(0.01).unwrap()).unwrap();
        assert_eq!(cert, r.certificate);
    }

    #[test]
    fn certified_run_meets_its_tolerance_and_matches_a_fresh_certificate() {
        let mut model = Classifier::zeros();
        let ce = CrossEntropy::new();
        let r = minimize(
            &mut model,
            &data(),
            &Objective::from_parts(ce, 0.01).unwrap(),
            stop(1e-13, 10_000),
        )
        .unwrap();
        assert!(r.certified && r.certificate.gap <= 1e-13);
        // In f64 the plain certificate proves the tolerance, and is the one reported.
        let objective = Objective::from_parts(ce, 0.01).unwrap();
        assert_eq!(
            certify_plain(&model, &data(), &objective).unwrap(),
            r.certificate
        );
        let full = certify(&model, &data(), &objective).unwrap();
        assert!(full.gradient_error < r.certificate.gradient_error && full.gap <= 1e-13);
        // A second run from the optimum certifies at once.
        let again = minimize(
            &mut model,
            &data(),
            &Objective::from_parts(ce, 0.01).unwrap(),
            stop(1e-13, 10_000),
        )
        .unwrap();
        assert_eq!(again.iterations, 0);
    }

    #[test]
    fn a_shifted_start_is_centred_first() {
        // Adding the same amount to every class changes no prediction; centring removes it, so
        // the run from the shifted start is the run from zero, step for step.
        let ce = CrossEntropy::new();
        let mut from_zero = Classifier::zeros();
        let a = minimize(
            &mut from_zero,
            &data(),
            &Objective::from_parts(ce, 0.01).unwrap(),
            stop(1e-12, 10_000),
        )
        .unwrap();
        let mut shifted = Classifier::new([[1.0, -2.0]; 3], [0.5; 3]);
        let b = minimize(
            &mut shifted,
            &data(),
            &Objective::from_parts(ce, 0.01).unwrap(),
            stop(1e-12, 10_000),
        )
        .unwrap();
        assert!(a.certified && b.certified);
        assert_eq!(a.iterations, b.iterations);
        assert_eq!(from_zero, shifted);
    }

    #[test]
    fn restart_resets_the_momentum() {
        let mut run = Accelerated::new(Classifier::<1, 2, f64>::zeros(), 1.0, 0.01);
        let g = Classifier::new([[1.0], [-1.0]], [0.0, 0.0]);
        run.step(&g);
        run.step(&g);
        assert_eq!(run.since_restart, 2);
        assert_ne!(run.x, run.y);
        // The momentum moves w₀ down by ¼; a small gradient with ∂P/∂w₀ < 0 says that this
        // move goes uphill: ∇P(y)·(x⁺ − x) > 0.
        let back = Classifier::new([[-0.01], [0.01]], [0.0, 0.0]);
        run.step(&back);
        assert_eq!(run.since_restart, 0);
        assert_eq!(run.x, run.y);
    }

    #[test]
    fn momentum_is_capped_by_the_condition_number() {
        let mut run = Accelerated::new(Classifier::<1, 2, f64>::zeros(), 100.0, 1.0);
        assert_eq!(run.momentum(), 0.0);
        run.since_restart = 1_000_000;
        // κ = 100: (10 − 1)/(10 + 1).
        assert!((run.momentum() - 9.0 / 11.0).abs() <= 2.0 * f64::EPSILON);
    }
}
