//! Limited-memory BFGS to a certified optimum: the full-batch solver for tight tolerances.
//!
//! [`Lbfgs::minimize`] minimises the same objective as [`solver::minimize`], stops by the same
//! rule (the certificate of [`convex::certify`] proves the requested [`Tolerance`]) and returns
//! the same [`Report`]. It differs only in the steps it takes to get there.
//!
//! # The method
//!
//! L-BFGS (Nocedal, 1980) with the last `M` pairs s_k = θ_{k+1} − θ_k, y_k = ∇P(θ_{k+1}) − ∇P(θ_k)
//! kept in a ring buffer. The direction d = −H∇P comes from the two-loop recursion with the
//! initial scaling H₀ = (s·y)/(y·y) of the newest pair (1/L before the first pair, L from
//! [`convex::smoothness`]). The step t along d starts at 1 and is accepted when
//! P(θ + t·d) ≤ P(θ) + 10⁻⁴·t·∇P(θ)·d (Armijo); otherwise it shrinks to the minimiser of the
//! quadratic through P(θ), ∇P(θ)·d and P(θ + t·d), kept within [t/10, t/2]. P is λ-strongly
//! convex, so every pair has s·y ≥ λ‖s‖² > 0 and H stays positive definite without a Wolfe
//! curvature test; a pair whose computed s·y is not positive (rounding, near the optimum) is
//! skipped. The start is centred as in [`solver::minimize`].
//!
//! When P no longer decreases in the working precision (three steps in a row leave it where it
//! was), the gradient's rounding is what stops
//! the run: in `f32` on digits at λ = 0.001 the plainly summed logits leave ‖∇P‖ stuck near
//! 5.8e-6, although the f32 point nearest the optimum has ‖∇P‖ ≈ 3.5e-9 (the optimum of the `f64`
//! run rounded to `f32`). The run then *polishes*: it goes on with the same history on the
//! certificate's own gradient, which is within the certificate's small allowance, accepting a
//! step where that gradient's slope along d is not positive (past the minimum on the line, the
//! step is shortened to the secant estimate), and stops when the tolerance is met, the budget
//! is spent or 4 steps in a row prove no smaller gap, keeping the point with the smallest proven
//! gap. Each polishing step costs one certificate, a few passes. On digits at λ = 0.001 this
//! takes the smallest gap the `f32` certificate proves from 8.4e-8 (9.5e-7 of P*) to 4.9e-11
//! (5.6e-10 of P*), and a certified 1e-7 of P* takes 61 iterations.
//!
//! Each iteration evaluates the objective and gradient once when the step 1 is accepted (as it
//! is on almost every iteration) and once more per shrink; the certificate costs a few passes
//! more, once, at the end (about 9 in `f32`; in `f64` almost none, since
//! [`convex::certify_plain`] proves the gap from the solver's own last gradient). Like [`solver::minimize`], the result is deterministic and the same
//! on every target: every sum over the parameters runs in storage order.
//!
//! # Which solver
//!
//! Iterations to a certified relative gap of 1e-6 from the zero model
//! (`cargo run --release --example speed`, 2026-11-30, shared 2-core x86-64 host; each
//! L-BFGS iteration is one pass over the data on almost every step, each accelerated one
//! exactly one):
//!
//! | data, λ, type | `Lbfgs` | [`solver::minimize`] |
//! |---|---:|---:|
//! | digits, 0.01, f64 / f32 | 24 (M = 8) / 24 | 398 / 430 |
//! | digits, 0.001, f64 / f32 | 51 (M = 8) / 51 | 1282 / not certified in 3000 |
//! | iris, 0.1, f32 | 9 (M = 4) | 28 |
//! | iris, 0.01, f32 | 20 (M = 4) | 109 |
//! | iris, 0.001, f32 | 35 (M = 4) | 337 |
//!
//! The history length matters little here: on digits in f64, M = 4, 8 and 16 need 24, 24 and
//! 24 iterations at λ = 0.01 and 54, 51 and 51 at λ = 0.001; in f32 at λ = 0.001, where the
//! gradient's rounding is felt, M = 4 needed 126 and M = 16 56.
//!
//! L-BFGS needs 3 to 25 times fewer passes than the accelerated method, on the tiny problem as
//! on the larger one; use it whenever its memory fits. [`solver::minimize`] keeps no history, takes no line search (every
//! iteration costs exactly one pass, so its time per iteration is fixed) and needs about a
//! quarter of the stack of `Lbfgs::<8>`: it is the choice when the stack is the limit, for
//! instance a large model on a microcontroller.
//!
//! [`NewtonCg`](crate::newton::NewtonCg) needs fewer iterations still (8 and 9 on digits) and
//! less time below λ = 0.01, for a buffer of one probability per sample and class; its module
//! docs compare the three solvers.
//!
//! # Memory
//!
//! No heap. `minimize` keeps 2·M parameter-shaped values of history, the iterate, its gradient,
//! the direction, the trial point and its gradient, and [`convex::gradient`] needs three more
//! while it runs: about (2·M + 8)·(C·F + C)·`size_of::<T>()` bytes of stack, plus M scalars.
//! With `M = 8`: 124.8 KB for digits (64 features, 10 classes) in `f64`, 62.4 KB in `f32`, and
//! 1 440 bytes for iris (4 features, 3 classes) in `f32` on a microcontroller. Each pair of
//! history costs 2·(C·F + C)·`size_of::<T>()` bytes: `M = 4` needs 83.2 KB (digits, `f64`),
//! 41.6 KB (digits, `f32`) and 960 bytes (iris, `f32`). [`solver::minimize`] needs about a
//! quarter of `Lbfgs::<8>`'s stack (6 parameter-shaped values instead of 24). Polishing holds
//! up to nine parameter-shaped values more (the certificate's accumulators and gradient, the
//! best point, the trial point and its gradient): 46.8 KB for digits in `f64`, 540 bytes for
//! iris in `f32`, which the device measurement below confirms.
//!
//! For a model as small as iris the frames of the passes, the line search and the certificate
//! outweigh the history: measured on the device by stack painting, `Lbfgs::<4>` on iris in
//! `f32`, certificate and polishing included, peaks at 2 816 bytes of stack on the Cortex-M4F
//! (2 632 to 2 852 bytes on the Cortex-M3, Cortex-M0 and RV32IMC), and [`solver::minimize`] at
//! 1 920 bytes (the `lbfgs` firmware, `bash .ci/firmware.sh`, QEMU 10.0.2, `opt-level = "s"`,
//! 2026-11-30; polishing added about 570 bytes when it was introduced: the certificate's
//! gradient, the best point and a trial beside the history). With its 3 000 bytes of samples it
//! runs in a 16 KiB part; the table, regenerated by CI, is in the [firmware
//! guide](crate::guide::firmware#the-full-batch-solver).
//!
//! [`solver::minimize`]: crate::solver::minimize
//! [`convex::certify`]: crate::convex::certify
//! [`convex::certify_plain`]: crate::convex::certify_plain
//! [`convex::smoothness`]: crate::convex::smoothness
//! [`convex::gradient`]: crate::convex::gradient
//! [`convex::hessian_vector_product`]: crate::convex::hessian_vector_product
//! [`Tolerance`]: crate::solver::Tolerance
//! [`Report`]: crate::solver::Report

use crate::convex::{Certificate, certify_with_gradient, gradient_in_model_shape};
use crate::data::Sample;
use crate::error::{Error, Result};
use crate::math::Float;
use crate::model::Classifier;
use crate::objective::Objective;
use crate::solver::{Certifier, Report, Stop, Tolerance, prepare};

/// Limited-memory BFGS keeping the last `M` steps (see the [module docs](self)).
///
/// `M = 0` is a compile error:
///
/// ```compile_fail
/// use tinysoftmax::{Classifier, Label, Objective, Sample, lbfgs::Lbfgs, solver::Stop};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0).unwrap())];
/// let _ = Lbfgs::<0>::minimize(&mut Classifier::zeros(), &data, &Objective::new(0.1).unwrap(), Stop::default());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lbfgs<const M: usize>;

/// Armijo's sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;
/// The most step shrinks in one line search before the run stops where it is.
const MAX_SHRINKS: u32 = 40;

impl<const M: usize> Lbfgs<M> {
    const HISTORY_IS_VALID: () = assert!(M >= 1, "L-BFGS needs a history of at least 1 pair");

    /// Minimises P(θ) = (1/n) Σ_i w_{y_i} ℓ(W x_i + b, y_i) + (λ/2)(‖W‖² + ‖b‖²) from the
    /// model's current parameters, until [`certify`](crate::convex::certify) proves the requested
    /// gap, the iteration budget is spent, or rounding stops the line search.
    ///
    /// `stop.max_iterations` counts L-BFGS iterations (each one pass over the data, plus one per
    /// shrink of the step) and polishing steps (each one certificate per trial point, see the
    /// [module docs](self)). On success the model holds the returned point, whether certified or
    /// not: check [`Report::certified`]. The nearest peer is scikit-learn's
    /// `LogisticRegression(C = 1/(nλ), solver="lbfgs")` with the intercept penalised.
    ///
    /// # Errors
    ///
    /// As [`solver::minimize`](crate::solver::minimize): [`Error::Tolerance`],
    /// [`Error::WeightDecay`], [`Error::NeedsWeightDecay`], [`Error::NoSamples`],
    /// [`Error::NonFiniteFeature`], [`Error::Overflow`], and [`Error::NonFiniteLogit`] when the
    /// objective is not finite at the start. In every error case the model is unchanged.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, Sample, lbfgs::Lbfgs};
    /// use tinysoftmax::solver::{Stop, Tolerance, minimize};
    /// let data = [
    ///     Sample::new([1.0_f64, 0.5], Label::<3>::new(0)?),
    ///     Sample::new([-1.0, 0.5], Label::new(1)?),
    ///     Sample::new([0.0, -1.0], Label::new(2)?),
    /// ];
    /// let objective = Objective::new(0.01)?;
    /// let stop = Stop::new(Tolerance::Absolute(1e-12), 1000);
    /// let mut model = Classifier::zeros();
    /// let report = Lbfgs::<4>::minimize(&mut model, &data, &objective, stop)?;
    /// assert!(report.certified && report.certificate.gap <= 1e-12);
    /// // Far fewer passes than the accelerated gradient method to the same proven gap.
    /// let slow = minimize(&mut Classifier::zeros(), &data, &objective, stop)?;
    /// assert!(slow.certified && 4 * report.iterations < slow.iterations);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn minimize<const F: usize, const C: usize, T: Float>(
        model: &mut Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        stop: Stop<T>,
    ) -> Result<Report<T>> {
        let () = Self::HISTORY_IS_VALID;
        descend(model, samples, objective, stop, |smooth| {
            History::<F, C, M, T>::new(T::ONE / smooth)
        })
    }
}

/// The full-batch solvers' loop: from the centred model, steps along `directions` (made from
/// the smoothness bound L) with [`line_search`], checked by the [`Certifier`] after every
/// step, then [`polish`] once P stops decreasing or the budget is spent. On success the model
/// holds the returned point; on error it is unchanged.
pub(crate) fn descend<const F: usize, const C: usize, T: Float, D: Directions<F, C, T>>(
    model: &mut Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    stop: Stop<T>,
    directions: impl FnOnce(T) -> D,
) -> Result<Report<T>> {
    let (tolerance, smooth, mut x) = prepare(model, samples, objective, stop)?;
    let mut directions = directions(smooth);
    let (mut p, mut g) = directions.gradient(&x, samples, objective)?;
    if !p.is_finite() {
        return Err(Error::NonFiniteLogit);
    }
    let mut certifier = Certifier::new(tolerance);
    let mut iterations = 0;
    let mut flat = 0;
    loop {
        if let Some(report) = certifier.check(&x, p, &g, samples, objective, iterations)? {
            *model = x;
            return Ok(report);
        }
        if iterations >= stop.max_iterations {
            break;
        }
        let (d, slope) = directions.descent(&x, (p, &g), smooth, true)?;
        let trials = (samples, objective, &mut directions);
        let Some((x_new, p_new, g_new)) = line_search(&x, p, &d, slope, trials)? else {
            break;
        };
        if p_new < p {
            flat = 0;
        } else {
            // P did not decrease in the working precision: after STALL such steps in a row,
            // polish from here.
            flat += 1;
            if flat >= STALL {
                break;
            }
        }
        directions.learn(&x_new, &x, &g_new, &g);
        (x, p, g) = (x_new, p_new, g_new);
        iterations += 1;
    }
    let budget = stop.max_iterations.saturating_sub(iterations);
    let (x, certificate, polished) = polish(
        x,
        &mut directions,
        samples,
        objective,
        budget,
        (tolerance, smooth),
    )?;
    let report = certifier.report(certificate, iterations + polished)?;
    *model = x;
    Ok(report)
}

/// Where a full-batch solver's steps come from: L-BFGS's history of pairs, or Newton-CG's
/// inner solve ([`NewtonCg`](crate::newton::NewtonCg)).
pub(crate) trait Directions<const F: usize, const C: usize, T: Float> {
    /// A descent direction d at `x`, whose objective and gradient are p and g, and its slope
    /// g·d < 0 (`smooth` is the bound L of [`convex::smoothness`](crate::convex::smoothness),
    /// for the fallback −g/L). `filled`: whether `x` was the last point whose
    /// [`gradient`](Self::gradient) was taken.
    fn descent(
        &mut self,
        x: &Classifier<F, C, T>,
        objective_and_gradient: (T, &Classifier<F, C, T>),
        smooth: T,
        filled: bool,
    ) -> Result<(Classifier<F, C, T>, T)>;

    /// The objective and gradient at `x`, for the solver's steps (the directions may note
    /// more of the pass).
    fn gradient(
        &mut self,
        x: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
    ) -> Result<(T, Classifier<F, C, T>)> {
        gradient_in_model_shape(x, samples, objective)
    }

    /// Takes note of the step from `x` to `x_new`, whose gradients are `g` and `g_new`.
    fn learn(
        &mut self,
        x_new: &Classifier<F, C, T>,
        x: &Classifier<F, C, T>,
        g_new: &Classifier<F, C, T>,
        g: &Classifier<F, C, T>,
    );
}

impl<const F: usize, const C: usize, const M: usize, T: Float> Directions<F, C, T>
    for History<F, C, M, T>
{
    fn descent(
        &mut self,
        _: &Classifier<F, C, T>,
        (_, g): (T, &Classifier<F, C, T>),
        smooth: T,
        _: bool,
    ) -> Result<(Classifier<F, C, T>, T)> {
        Ok(History::descent(self, g, smooth))
    }

    fn learn(
        &mut self,
        x_new: &Classifier<F, C, T>,
        x: &Classifier<F, C, T>,
        g_new: &Classifier<F, C, T>,
        g: &Classifier<F, C, T>,
    ) {
        self.push(x_new, x, g_new, g);
    }
}

/// Steps on the certificate's own gradient (L-BFGS's or Newton-CG's), once P no longer decreases in the working
/// precision ([`STALL`] steps in a row; when the budget is spent, none): the point with the
/// smallest proven gap, its certificate and the steps taken.
///
/// The solver's gradient comes from plainly summed logits, whose rounding (about F·u of
/// their magnitude) leaves it uncertain by more than f32 can resolve near the optimum: on
/// digits at λ = 0.001 it stalls at ‖∇P‖ ≈ 5.8e-6, where the f32 point nearest the optimum has
/// ‖∇P‖ ≈ 3.5e-9. The certificate's gradient ĝ is within its small `gradient_error`, so the
/// quasi-Newton steps go on with it. P cannot judge the steps (its changes are below its own
/// rounding); the slope can: along d, P is convex, so where ĝ(θ + t·d)·d ≤ 0 the step has not
/// passed the minimum on the line and P has decreased. A step that passes it is shortened to the
/// secant estimate of the minimum. The run stops when the tolerance is met, the budget is spent,
/// or [`POLISH_PATIENCE`] steps in a row prove no smaller gap; it returns the point with the
/// smallest proven gap. Each step costs a certificate, a few passes.
fn polish<const F: usize, const C: usize, T: Float>(
    mut x: Classifier<F, C, T>,
    directions: &mut impl Directions<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    budget: u32,
    (tolerance, smooth): (Tolerance<T>, T),
) -> Result<(Classifier<F, C, T>, Certificate<T>, u32)> {
    let (certificate, mut g) = certify_with_gradient(&x, samples, objective)?;
    let mut p = certificate.objective;
    let mut best = (x.clone(), certificate);
    let (mut steps, mut idle) = (0, 0);
    while steps < budget
        && idle < POLISH_PATIENCE
        && !tolerance.is_met(best.1.objective, best.1.gap)
    {
        let (d, slope) = directions.descent(&x, (p, &g), smooth, false)?;
        steps += 1;
        let Some((trial, c, g_new)) = slope_search(&x, &d, slope, samples, objective) else {
            break;
        };
        directions.learn(&trial, &x, &g_new, &g);
        idle += 1;
        if c.gap < best.1.gap {
            best = (trial.clone(), c);
            idle = 0;
        }
        (x, g, p) = (trial, g_new, c.objective);
    }
    Ok((best.0, best.1, steps))
}

/// The first of t = 1, then secant estimates of the minimum on the line, at which the
/// certificate's gradient has a slope ĝ·d ≤ 0 (or a smaller slope in magnitude than at t = 0):
/// the point, its certificate and gradient; `None` after [`POLISH_TRIALS`] trials.
fn slope_search<const F: usize, const C: usize, T: Float>(
    x: &Classifier<F, C, T>,
    d: &Classifier<F, C, T>,
    slope: T,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Option<(Classifier<F, C, T>, Certificate<T>, Classifier<F, C, T>)> {
    let tenth = T::from_f64(0.1);
    let mut t = T::ONE;
    for _ in 0..POLISH_TRIALS {
        let mut trial = x.clone();
        axpy(&mut trial, t, d);
        // A trial the certificate refuses (a parameter or logit that overflowed) is a step
        // too long.
        let Ok((c, g_new)) = certify_with_gradient(&trial, samples, objective) else {
            t *= T::HALF;
            continue;
        };
        let slope_new = dot(&g_new, d);
        if slope_new <= T::ZERO || slope_new < -slope {
            return Some((trial, c, g_new));
        }
        // Past the minimum: the secant through the two slopes, within [t/10, 9t/10].
        let secant = t * slope / (slope - slope_new);
        t = if !secant.is_finite() {
            T::HALF * t
        } else if secant < tenth * t {
            tenth * t
        } else if secant > t - tenth * t {
            t - tenth * t
        } else {
            secant
        };
    }
    None
}

/// Steps in a row that leave P where it was (in the working precision) before the run polishes.
const STALL: u32 = 3;

/// Trial points a polishing step evaluates before the run stops where it is.
const POLISH_TRIALS: u32 = 4;

/// Polishing steps in a row that may prove no smaller gap before the run stops.
const POLISH_PATIENCE: u32 = 4;

/// The point θ + t·d with the first t = 1, ½, … that satisfies Armijo's condition, its objective
/// and gradient (from [`Directions::gradient`], so that the last point evaluated is the one
/// returned); `None` when rounding keeps every trial from decreasing P enough.
#[expect(clippy::type_complexity, reason = "a private helper's plain result")]
fn line_search<const F: usize, const C: usize, T: Float>(
    x: &Classifier<F, C, T>,
    p: T,
    d: &Classifier<F, C, T>,
    slope: T,
    (samples, objective, directions): (
        &[Sample<F, C, T>],
        &Objective<C, T>,
        &mut impl Directions<F, C, T>,
    ),
) -> Result<Option<(Classifier<F, C, T>, T, Classifier<F, C, T>)>> {
    let armijo = T::from_f64(ARMIJO);
    let tenth = T::from_f64(0.1);
    let mut t = T::ONE;
    for _ in 0..MAX_SHRINKS {
        let mut trial = x.clone();
        axpy(&mut trial, t, d);
        let (p_new, g_new) = directions.gradient(&trial, samples, objective)?;
        if p_new.is_finite() && p_new <= p + armijo * t * slope {
            return Ok(Some((trial, p_new, g_new)));
        }
        // The minimiser of the quadratic through P(θ), the slope and P(θ + t·d), or t/2 when
        // P(θ + t·d) is not finite; within [t/10, t/2].
        let curvature = p_new - p - t * slope;
        let quadratic = -slope * t * t / (curvature + curvature);
        t = if quadratic.is_finite() && quadratic > tenth * t {
            if quadratic < T::HALF * t {
                quadratic
            } else {
                T::HALF * t
            }
        } else if quadratic.is_finite() {
            tenth * t
        } else {
            T::HALF * t
        };
    }
    Ok(None)
}

/// The last `M` pairs (s, y) with ρ = 1/(s·y), in a ring buffer, and the initial scaling H₀.
struct History<const F: usize, const C: usize, const M: usize, T> {
    s: [Classifier<F, C, T>; M],
    y: [Classifier<F, C, T>; M],
    rho: [T; M],
    /// Pairs stored (≤ M) and the slot of the newest.
    len: usize,
    newest: usize,
    scale: T,
}

impl<const F: usize, const C: usize, const M: usize, T: Float> History<F, C, M, T> {
    fn new(scale: T) -> Self {
        Self {
            s: core::array::from_fn(|_| Classifier::zeros()),
            y: core::array::from_fn(|_| Classifier::zeros()),
            rho: [T::ZERO; M],
            len: 0,
            newest: 0,
            scale,
        }
    }

    /// Stores s = x_new − x and y = g_new − g over the oldest pair, unless s·y ≤ 0 (then the
    /// oldest pair is dropped); H₀ becomes (s·y)/(y·y).
    fn push(
        &mut self,
        x_new: &Classifier<F, C, T>,
        x: &Classifier<F, C, T>,
        g_new: &Classifier<F, C, T>,
        g: &Classifier<F, C, T>,
    ) {
        let slot = if self.len == 0 {
            0
        } else {
            (self.newest + 1) % M
        };
        let (Some(s), Some(y), Some(rho)) = (
            self.s.get_mut(slot),
            self.y.get_mut(slot),
            self.rho.get_mut(slot),
        ) else {
            return;
        };
        difference(s, x_new, x);
        difference(y, g_new, g);
        let sy = dot(s, y);
        let yy = dot(y, y);
        let usable = sy > T::ZERO && yy > T::ZERO && sy.is_finite() && yy.is_finite();
        if !usable {
            // The slot held the oldest pair when the buffer was full: it is gone now.
            if self.len == M {
                self.len -= 1;
            }
            return;
        }
        *rho = T::ONE / sy;
        self.scale = sy / yy;
        self.newest = slot;
        self.len = (self.len + 1).min(M);
    }

    /// The slot of the pair k steps older than the newest.
    fn slot(&self, k: usize) -> usize {
        (self.newest + M - k) % M
    }

    /// A descent direction d and its slope g·d: the quasi-Newton one, or, when rounding made it
    /// useless (g·d not negative), −g/L from a history started afresh.
    fn descent(&mut self, g: &Classifier<F, C, T>, smooth: T) -> (Classifier<F, C, T>, T) {
        let d = self.direction(g);
        let slope = dot(g, &d);
        if slope.is_nan() || slope >= T::ZERO {
            *self = Self::new(T::ONE / smooth);
            let d = self.direction(g);
            let slope = dot(g, &d);
            return (d, slope);
        }
        (d, slope)
    }

    /// d = −H·g by the two-loop recursion.
    fn direction(&self, g: &Classifier<F, C, T>) -> Classifier<F, C, T> {
        let mut q = g.clone();
        let mut alpha = [T::ZERO; M];
        for i in (0..self.len).map(|k| self.slot(k)) {
            if let (Some(s), Some(y), Some(&rho), Some(a)) = (
                self.s.get(i),
                self.y.get(i),
                self.rho.get(i),
                alpha.get_mut(i),
            ) {
                *a = rho * dot(s, &q);
                axpy(&mut q, -*a, y);
            }
        }
        map_params(&mut q, |v| v * self.scale);
        for i in (0..self.len).rev().map(|k| self.slot(k)) {
            if let (Some(s), Some(y), Some(&rho), Some(&a)) =
                (self.s.get(i), self.y.get(i), self.rho.get(i), alpha.get(i))
            {
                let beta = rho * dot(y, &q);
                axpy(&mut q, a - beta, s);
            }
        }
        map_params(&mut q, |v| -v);
        q
    }
}

/// Σ a_i b_i over the parameters, in storage order.
pub(crate) fn dot<const F: usize, const C: usize, T: Float>(
    a: &Classifier<F, C, T>,
    b: &Classifier<F, C, T>,
) -> T {
    // In the order of `params` (weights, then biases), one sum: the same bits as a fold over
    // the chained parameters, without the chain's bookkeeping in the loop.
    let ((aw, ab), (bw, bb)) = (a.parts(), b.parts());
    let weights = aw.as_flattened().iter().zip(bw.as_flattened());
    let sum = weights.fold(T::ZERO, |acc, (&ai, &bi)| acc + ai * bi);
    ab.iter().zip(bb).fold(sum, |acc, (&ai, &bi)| acc + ai * bi)
}

/// x_i ← f(x_i) for every parameter, weights then biases, as two loops over contiguous slices
/// (see [`axpy`]).
pub(crate) fn map_params<const F: usize, const C: usize, T: Float>(
    x: &mut Classifier<F, C, T>,
    f: impl Fn(T) -> T,
) {
    let (weights, bias) = x.parts_mut();
    for v in weights.as_flattened_mut() {
        *v = f(*v);
    }
    for v in bias {
        *v = f(*v);
    }
}

/// y += a·x.
pub(crate) fn axpy<const F: usize, const C: usize, T: Float>(
    y: &mut Classifier<F, C, T>,
    a: T,
    x: &Classifier<F, C, T>,
) {
    // Weights and biases as two contiguous slices, so that each loop vectorises (one loop
    // over the chained parameters did not); element by element, the same values.
    let ((yw, yb), (xw, xb)) = (y.parts_mut(), x.parts());
    for (yi, &xi) in yw.as_flattened_mut().iter_mut().zip(xw.as_flattened()) {
        *yi += a * xi;
    }
    for (yi, &xi) in yb.iter_mut().zip(xb) {
        *yi += a * xi;
    }
}

/// out = a − b.
fn difference<const F: usize, const C: usize, T: Float>(
    out: &mut Classifier<F, C, T>,
    a: &Classifier<F, C, T>,
    b: &Classifier<F, C, T>,
) {
    // As in `axpy`: weights, then biases.
    let ((ow, ob), (aw, ab), (bw, bb)) = (out.parts_mut(), a.parts(), b.parts());
    let weights = aw.as_flattened().iter().zip(bw.as_flattened());
    for (o, (&ai, &bi)) in ow.as_flattened_mut().iter_mut().zip(weights) {
        *o = ai - bi;
    }
    for (o, (&ai, &bi)) in ob.iter_mut().zip(ab.iter().zip(bb)) {
        *o = ai - bi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convex::{certify, certify_plain};
    use crate::data::Label;
    use crate::solver::Tolerance;

    fn data() -> [Sample<2, 3, f64>; 4] {
        let s = |x: [f64; 2], y| Sample::new(x, Label::new(y).unwrap_or_else(|_| unreachable!()));
        [
            s([1.0, 0.5], 0),
            s([-1.0, 0.5], 1),
            s([0.0, -1.0], 2),
            s([0.5, 0.5], 1),
        ]
    }

    fn objective(lambda: f64) -> Objective<3, f64> {
        Objective::new(lambda).unwrap_or_else(|_| unreachable!())
    }

    fn stop(eps: f64, max_iterations: u32) -> Stop<f64> {
        Stop::new(Tolerance::Absolute(eps), max_iterations)
    }

    /// A polishing step that passes the minimum on its line threefold is shortened, by the
    /// secant through the two slopes, to that minimum: near the optimum P is nearly quadratic
    /// along the line, whose minimum lies at t = ⅓, where the slope all but vanishes (halving
    /// the step instead would stop at t = ½, with half the slope left).
    #[test]
    fn an_overshooting_polishing_step_is_shortened_to_the_minimum_on_its_line() {
        let (data, objective) = (data(), objective(0.01));
        let mut optimum = Classifier::zeros();
        let report = Lbfgs::<4>::minimize(&mut optimum, &data, &objective, stop(1e-15, 1000));
        assert!(report.is_ok_and(|r| r.certified));
        let mut x = optimum.clone();
        for (k, p) in x.params_mut().enumerate() {
            *p += 1e-3 * [1.0, -1.0, 0.5][k % 3];
        }
        let Ok((_, g)) = certify_with_gradient(&x, &data, &objective) else {
            unreachable!()
        };
        let mut d = optimum.clone();
        axpy(&mut d, -1.0, &x);
        for v in d.params_mut() {
            *v *= 3.0;
        }
        let slope = dot(&g, &d);
        assert!(slope < 0.0);
        let Some((trial, _, g_trial)) = slope_search(&x, &d, slope, &data, &objective) else {
            unreachable!()
        };
        let slope_trial = dot(&g_trial, &d);
        assert!(
            slope_trial.abs() <= 0.05 * slope.abs(),
            "{slope_trial:e} vs {slope:e}"
        );
        // The point is the secant's, near θ* (a third of the way), not the full step's.
        let mut off = trial.clone();
        axpy(&mut off, -1.0, &optimum);
        assert!(off.norm_squared().sqrt() < 2e-4, "{off:?}");
    }

    #[test]
    fn bad_arguments_leave_the_model_unchanged() {
        let start = Classifier::new([[1.0, 2.0], [0.0, 0.0], [-1.0, 0.5]], [0.1, 0.2, 0.3]);
        let mut model = start.clone();
        let d = data();
        let bad = Stop::new(Tolerance::Relative(f64::NAN), 5);
        let run = |m: &mut Classifier<2, 3, f64>, d: &[Sample<2, 3, f64>], lambda, stop| {
            Lbfgs::<3>::minimize(m, d, &objective(lambda), stop)
        };
        assert_eq!(run(&mut model, &d, 0.1, bad), Err(Error::Tolerance));
        assert_eq!(
            run(&mut model, &d, 0.0, stop(1e-9, 5)),
            Err(Error::NeedsWeightDecay)
        );
        assert_eq!(
            run(&mut model, &[], 0.1, stop(1e-9, 5)),
            Err(Error::NoSamples)
        );
        let mut nan = d;
        nan[2].features[1] = f64::NAN;
        assert_eq!(
            run(&mut model, &nan, 0.1, stop(1e-9, 5)),
            Err(Error::NonFiniteFeature)
        );
        let mut huge = Classifier::new([[1e300, 1e300], [0.0; 2], [0.0; 2]], [0.0; 3]);
        let copy = huge.clone();
        assert_eq!(
            run(&mut huge, &d, 0.1, stop(1e-9, 5)),
            Err(Error::NonFiniteLogit)
        );
        assert_eq!(huge, copy);
        assert_eq!(model, start);
    }

    #[test]
    fn a_spent_budget_is_reported_as_not_certified() {
        let mut model = Classifier::zeros();
        let r = Lbfgs::<3>::minimize(&mut model, &data(), &objective(0.01), stop(1e-14, 2));
        let r = r.unwrap_or_else(|_| unreachable!());
        assert_eq!(r.iterations, 2);
        assert!(!r.certified && r.certificate.gap > 1e-14);
        assert_eq!(
            certify(&model, &data(), &objective(0.01)),
            Ok(r.certificate)
        );
    }

    #[test]
    fn certifies_tight_gaps_and_restarts_at_the_optimum() {
        for history in 0..2 {
            let mut model = Classifier::zeros();
            let r = if history == 0 {
                Lbfgs::<1>::minimize(&mut model, &data(), &objective(0.01), stop(1e-13, 500))
            } else {
                Lbfgs::<16>::minimize(&mut model, &data(), &objective(0.01), stop(1e-13, 500))
            };
            let r = r.unwrap_or_else(|_| unreachable!());
            assert!(r.certified && r.certificate.gap <= 1e-13, "{r}");
            // In f64 the plain certificate proves the tolerance, and is the one reported.
            assert_eq!(
                certify_plain(&model, &data(), &objective(0.01)),
                Ok(r.certificate)
            );
            let again = Lbfgs::<4>::minimize(&mut model, &data(), &objective(0.01), stop(1e-13, 5));
            assert_eq!(again.map(|a| a.iterations), Ok(0));
        }
    }

    #[test]
    fn the_ring_buffer_keeps_the_newest_pairs() {
        let mut h = History::<1, 2, 2, f64>::new(1.0);
        let zero = Classifier::zeros();
        for k in 1..=3 {
            let s = Classifier::new([[f64::from(k)], [0.0]], [0.0; 2]);
            let y = Classifier::new([[2.0 * f64::from(k)], [0.0]], [0.0; 2]);
            h.push(&s, &zero, &y, &zero);
        }
        assert_eq!((h.len, h.slot(0), h.slot(1)), (2, 0, 1));
        assert_eq!(h.s[0].weights()[0][0], 3.0);
        assert_eq!(h.s[1].weights()[0][0], 2.0);
        // Every pair has y = 2s: H = ½ on that direction, so d = −g/2.
        let g = Classifier::new([[4.0], [0.0]], [0.0; 2]);
        assert_eq!(h.direction(&g).weights()[0][0], -2.0);
        // A pair with s·y ≤ 0 is refused, and the oldest pair, whose slot it took, dropped.
        let bad = Classifier::new([[-1.0], [0.0]], [0.0; 2]);
        h.push(&g, &zero, &bad, &zero);
        assert_eq!((h.len, h.newest), (1, 0));
        assert_eq!(h.direction(&g).weights()[0][0], -2.0);
    }
}
