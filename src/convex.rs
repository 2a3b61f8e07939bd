// The module documentation (the objective, the convexity proof step by step, the certificate)
// is in `convex.md` beside this file, so that it reads as one document in the source too.
#![doc = include_str!("convex.md")]

use crate::data::Sample;
use crate::error::{Error, Result};
use crate::loss::CrossEntropy;
use crate::math::{Float, dot2, from_count, max_abs};
use crate::model::{Classifier, dot};
use crate::objective::Objective;
use crate::softmax::{Compensated, softmax};

/// Checks λ, the sample count and the samples' features, as every full-batch function does;
/// returns n as a float.
fn batch_size<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    lambda: T,
) -> Result<T> {
    if !(lambda.is_finite() && lambda >= T::ZERO) {
        return Err(Error::WeightDecay);
    }
    for s in samples {
        s.check()?;
    }
    match u32::try_from(samples.len()) {
        Ok(0) => Err(Error::NoSamples),
        Ok(n) => Ok(T::from_u32(n)),
        Err(_) => Ok(T::from_u32(u32::MAX)),
    }
}

/// As [`batch_size`], and λ > 0: the strong convexity that certificates and the solver need;
/// λ must also be at least the smallest normal number (the floor of [`certify`]).
pub(crate) fn strongly_convex_batch<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    lambda: T,
) -> Result<T> {
    let n = batch_size(samples, lambda)?;
    if lambda == T::ZERO {
        return Err(Error::NeedsWeightDecay);
    }
    if lambda < T::MIN_POSITIVE {
        return Err(Error::WeightDecayTooSmall);
    }
    Ok(n)
}

/// (λ/2)(‖W‖² + ‖b‖²); exactly 0 for λ = 0, even where ‖θ‖² overflows. Where ‖θ‖² alone
/// overflows, (λ‖θ‖)·‖θ‖/2 from the scaled norm, so that the result is +∞ only where it is
/// beyond the range (within a few units of roundoff).
fn penalty<const F: usize, const C: usize, T: Float>(model: &Classifier<F, C, T>, lambda: T) -> T {
    if lambda == T::ZERO {
        return T::ZERO;
    }
    let squared = model.norm_squared();
    if squared.is_finite() {
        lambda * T::HALF * squared
    } else {
        let norm = parameter_norm(model);
        lambda * norm * norm * T::HALF
    }
}

/// The full-batch objective P(θ) (see the [module docs](self)).
///
/// Sums are compensated: their error is 2u of the result plus a second-order n·u²·Σ|terms|,
/// so it does not grow with n until n approaches 1/u.
///
/// # Errors
///
/// [`Error::NoSamples`] for an empty slice; [`Error::WeightDecay`] unless λ is finite and ≥ 0;
/// [`Error::NonFiniteFeature`] for a NaN or infinite feature; [`Error::NonFiniteParameter`]
/// for a NaN or infinite parameter; [`Error::NonFiniteLogit`] when a logit overflows
/// (parameters or features too large). Where the exact P exceeds the largest float, the
/// result is +∞ (a loss or a penalty beyond the range); ‖θ‖² overflowing on its own does not
/// make it so (the penalty is then computed as (λ‖θ‖)·‖θ‖/2).
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::objective, loss::CrossEntropy, Objective};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let model = Classifier::new([[1.0], [0.0]], [0.0, 0.0]);
/// let p = objective(&model, &data, &Objective::new(0.5)?)?;
/// // Both samples have logit margin 1: CE = ln(1 + e^-1); the penalty is (0.5/2)·1.
/// let expected = (1.0 + (-1.0_f64).exp()).ln() + 0.25;
/// assert!((p - expected).abs() < 4.0 * f64::EPSILON);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn objective<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<T> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = batch_size(samples, lambda)?;
    let mut total = Compensated::new();
    for s in samples {
        total.add(loss.loss(&model.finite_logits(&s.features)?, s.label));
    }
    Ok(total.total() / n + penalty(model, lambda))
}

/// A compensated accumulator shaped like a classifier's parameters (W stored as the model
/// stores it, feature-major).
struct Accumulator<const F: usize, const C: usize, T> {
    columns: [[Compensated<T>; C]; F],
    bias: [Compensated<T>; C],
}

impl<const F: usize, const C: usize, T: Float> Accumulator<F, C, T> {
    fn new() -> Self {
        Self {
            columns: [[Compensated::new(); C]; F],
            bias: [Compensated::new(); C],
        }
    }

    /// Adds the outer product δ·(x, 1)ᵀ.
    fn add_outer(&mut self, delta: &[T; C], x: &[T; F]) {
        for (column, &xf) in self.columns.iter_mut().zip(x.iter()) {
            for (acc, &d) in column.iter_mut().zip(delta.iter()) {
                acc.add(d * xf);
            }
        }
        for (b, &d) in self.bias.iter_mut().zip(delta.iter()) {
            b.add(d);
        }
    }

    /// (sum / n) + λ·θ, as a parameter-shaped value.
    fn finish(&self, n: T, lambda: T, theta: &Classifier<F, C, T>) -> Classifier<F, C, T> {
        let mut out = Classifier::zeros();
        let sums = self.columns.iter().flatten().chain(self.bias.iter());
        for ((o, a), t) in out.params_mut().zip(sums).zip(theta.params()) {
            *o = a.total() / n + lambda * t;
        }
        out
    }
}

/// The full-batch objective P(θ) and its gradient ∇P(θ), shaped like the model.
///
/// ∇\_W P = (1/n) Σ_i w_{y_i} δ_i x_iᵀ + λW and ∇\_b P = (1/n) Σ_i w_{y_i} δ_i + λb, with δ_i the
/// loss gradient in the logits. The sums are compensated.
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::gradient, loss::CrossEntropy, Objective};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(1)?)];
/// let (p, g) = gradient(&Classifier::zeros(), &data, &Objective::new(0.0)?)?;
/// assert_eq!(p, core::f64::consts::LN_2);
/// assert_eq!(g.weights(), [[1.0], [-1.0]]);
/// assert_eq!(g.bias(), &[0.5, -0.5]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn gradient<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<(T, Classifier<F, C, T>)> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = batch_size(samples, lambda)?;
    let (total, acc) = full_pass(samples, loss, |x| model.finite_logits(x), |_, _, _| {})?;
    let p = total / n + penalty(model, lambda);
    Ok((p, acc.finish(n, lambda, model)))
}

/// One pass over the samples with the given logits: the compensated loss sum and gradient
/// accumulator, calling `each(sample, logits, δ)` on the way.
fn full_pass<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    logits: impl Fn(&[T; F]) -> Result<[T; C]>,
    mut each: impl FnMut(&Sample<F, C, T>, &[T; C], &[T; C]),
) -> Result<(T, Accumulator<F, C, T>)> {
    let mut total = Compensated::new();
    let mut acc = Accumulator::new();
    for s in samples {
        let z = logits(&s.features)?;
        let (l, delta) = loss.loss_with_grad(&z, s.label);
        total.add(l);
        acc.add_outer(&delta, &s.features);
        each(s, &z, &delta);
    }
    Ok((total.total(), acc))
}

/// The Hessian-vector product ∇²P(θ)·v, for a direction `v` shaped like the model.
///
/// For each sample, with p = softmax(z_i) and u = V x_i + c (the direction's logits), the
/// logit Hessian diag(p) − ppᵀ applied to u is p ⊙ u − p·(pᵀu); the product is
/// (1/n) Σ_i w_{y_i} (H_i u) (x_i, 1)ᵀ + λv. Label smoothing adds only a linear term to the
/// loss, so it does not change the Hessian.
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::hessian_vector_product, loss::CrossEntropy, Objective};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?)];
/// let v = Classifier::new([[1.0], [-1.0]], [0.0, 0.0]);
/// let hv = hessian_vector_product(&Classifier::zeros(), &data, &Objective::new(0.0)?, &v)?;
/// // p = (½, ½), u = (1, −1): Hu = (½, −½).
/// assert_eq!(hv.weights(), [[0.5], [-0.5]]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn hessian_vector_product<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    v: &Classifier<F, C, T>,
) -> Result<Classifier<F, C, T>> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = batch_size(samples, lambda)?;
    let mut acc = Accumulator::new();
    for s in samples {
        let p = softmax(&model.finite_logits(&s.features)?);
        let u = v.logits(&s.features);
        let pu = dot(&p, &u);
        let w = loss.class_weights()[s.label.index()];
        let mut hu = p;
        for (h, &uj) in hu.iter_mut().zip(u.iter()) {
            *h = w * (*h * uj - *h * pu);
        }
        acc.add_outer(&hu, &s.features);
    }
    Ok(acc.finish(n, lambda, v))
}

/// An upper bound L on the Lipschitz constant of ∇P: ½·(1/n)Σ_i w_{y_i}‖(x_i, 1)‖² + λ.
///
/// The logit Hessian diag(p) − ppᵀ has spectral norm ≤ ½, and each sample's parameter
/// Hessian is that matrix ⊗ x̃x̃ᵀ (x̃ = (x, 1)), of norm ≤ ½‖x̃‖²; averaging over samples and
/// adding λ gives the bound. It is never larger than the textbook ½·max_i ‖x̃_i‖² + λ. Gradient
/// descent with step 1/L decreases P at every step.
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Label, Sample, convex::smoothness, loss::CrossEntropy, Objective};
/// let data = [Sample::new([1.0_f64, 1.0], Label::<2>::new(0)?), Sample::new([0.0, 0.0], Label::new(1)?)];
/// assert_eq!(smoothness(&data, &Objective::new(0.1)?)?, 0.5 * (3.0 + 1.0) / 2.0 + 0.1);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn smoothness<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<T> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = batch_size(samples, lambda)?;
    let mut total = Compensated::new();
    for s in samples {
        let w = loss.class_weights()[s.label.index()];
        total.add(w * (dot(&s.features, &s.features) + T::ONE));
    }
    Ok(T::HALF * total.total() / n + lambda)
}

/// What a full-batch gradient proves about a model (see [`certify`]).
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::certify, loss::CrossEntropy, Objective};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(0)?), Sample::new([-2.0], Label::new(1)?)];
/// let cert = certify(&Classifier::zeros(), &data, &Objective::new(0.5)?)?;
/// // The zero model is not optimal here: its gradient is 1 in the weight of each class.
/// assert!(cert.gradient_norm > 1.0 && cert.gap >= cert.gradient_norm.powi(2) / 1.0);
/// assert!(cert.distance >= cert.gradient_norm / 0.5);
/// assert!(cert.gradient_error > 0.0 && cert.gradient_error < 1e-12);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Certificate<T = f32> {
    /// P(θ), the objective at the model.
    pub objective: T,
    /// ‖∇P(θ)‖ as computed.
    pub gradient_norm: T,
    /// An upper bound on ‖ĝ − ∇P(θ)‖, the rounding error of the computed gradient ĝ whose
    /// norm is `gradient_norm`.
    pub gradient_error: T,
    /// Guaranteed upper bound on P(θ) − P*: b² / (2λ), rounded up, where b ≥ ‖∇P(θ)‖ is
    /// `gradient_norm + gradient_error` widened by the rounding of the norm itself.
    pub gap: T,
    /// Guaranteed upper bound on ‖θ − θ*‖: b / λ, rounded up.
    pub distance: T,
}

/// One line: the objective, the certified gap and distance, and the gradient norm with its
/// rounding allowance.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample, convex::certify};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?)];
/// let cert = certify(&Classifier::zeros(), &data, &Objective::new(1.0)?)?;
/// let line = cert.to_string();
/// assert!(line.starts_with("P = 0.693147180559945"), "{line}");
/// assert!(line.contains("P - P* <= 5.0"), "{line}"); // ‖∇P‖ = 1, λ = 1: gap ½
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
impl<T: Float + core::fmt::LowerExp + core::fmt::Display> core::fmt::Display for Certificate<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "P = {}, P - P* <= {:e}, |theta - theta*| <= {:e} (|grad P| = {:e} +- {:e})",
            self.objective, self.gap, self.distance, self.gradient_norm, self.gradient_error
        )
    }
}

/// Certifies how far a model is from the unique optimum of a λ-strongly convex objective.
///
/// Strong convexity gives P(θ) − P* ≤ ‖∇P(θ)‖²/(2λ) and ‖θ − θ*‖ ≤ ‖∇P(θ)‖/λ (Step 5 of
/// the [module docs](self)). The computed gradient carries rounding error; the certificate adds
/// a bound on it before squaring, so the bound it reports is a guarantee, not an estimate, for
/// every input it accepts, down to the subnormal range ("Step 5 in floating point" in the
/// module docs derives the bound term by term and names the test that needs each term).
///
/// To keep that bound small, the certificate computes the logits with a compensated dot
/// product (Dot2: error-free products and sums, as accurate as twice the working precision),
/// then the gradient with compensated sums, and every norm scaled by its largest entry. In
/// short, with x̃ = (x, 1), a = max_c (Σ_f |W_cf x_f| + |b_c|), γ_k = k·u/(1 − k·u), ω the
/// smallest subnormal and d = C(F + 1), the allowance is
///
/// ```text
/// E = (1/n)Σ_i ‖x̃_i‖·[ (16 + 2n·u)·u‖δ_i‖ + w_{y_i}·(½√C·(u·max|z_i| + γ_{F+1}²·a_i + 5F·ω) + 8u·ε)
///                      + √C·(4w_{y_i} + 1)·ω ]  +  ω  +  2u·(‖∇P‖ + λ‖θ‖)  +  3/2·√d·ω,
/// ```
///
/// evaluated with every product rounded up past underflow and widened by (1 + 40u) for its own
/// roundings; then b = (‖∇P‖ + E + ω)(1 + 10u), the distance b/λ and the gap b²/(2λ) (computed
/// as (b/λ)·b/2 for b ≤ 1, so that b·b cannot underflow), each rounded up.
///
/// Plainly computed logits would leave γ_{F+1}·a in place of u·|z| + γ_{F+1}²·a: on the digits
/// data (64 features) the `f32` certificate could then prove no gap below 8e-6 (3e-5 of P*);
/// with Dot2 it proves 4e-9. The certificate costs a few gradient passes.
///
/// # Errors
///
/// [`Error::WeightDecay`] unless λ is finite and ≥ 0, [`Error::NeedsWeightDecay`] for λ = 0,
/// [`Error::WeightDecayTooSmall`] for 0 < λ below the smallest normal number (2^-126 ≈ 1.2e-38
/// in `f32`: a documented floor, see the module docs); [`Error::NoSamples`] for no samples;
/// [`Error::NonFiniteFeature`] for a NaN or infinite feature; [`Error::NonFiniteParameter`]
/// for a NaN or infinite parameter; [`Error::NonFiniteLogit`] when a logit overflows (as in
/// [`objective`]); [`Error::Overflow`] when the computation overflows otherwise (features
/// beyond about 8e34 in `f32`, where the error-free products overflow, or a P beyond the
/// largest float). Where only the bound
/// overflows, the gap or distance is +∞, which is still true: features near 1e19 in `f32`
/// make ‖∇P‖² overflow, and the certificate then proves nothing about the gap (its distance
/// may still be finite). [`minimize`](crate::solver::minimize) turns a final gap of +∞ into
/// [`Error::Overflow`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample, convex::certify};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let c = certify(&Classifier::zeros(), &data, &Objective::new(0.1)?)?;
/// assert!(c.gap >= c.gradient_norm * c.gradient_norm / 0.2);
/// // λ below the smallest normal number is refused.
/// let tiny = certify(&Classifier::zeros(), &data, &Objective::new(1e-310)?);
/// assert_eq!(tiny, Err(tinysoftmax::Error::WeightDecayTooSmall));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn certify<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<Certificate<T>> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = strongly_convex_batch(samples, lambda)?;
    if !model.params().all(Float::is_finite) {
        return Err(Error::NonFiniteParameter);
    }
    let allowance = Allowance::new::<F, C>(n, loss.label_smoothing());
    let mut per_sample = Compensated::new();
    let logits = |x: &[T; F]| {
        let z = accurate_logits(model, x);
        if z.iter().all(|v| v.is_finite()) {
            Ok(z)
        } else {
            // The logit itself overflows (as in `objective`), or only Dot2's error-free
            // products do.
            model.finite_logits(x).and(Err(Error::Overflow))
        }
    };
    let (total, acc) = full_pass(samples, loss, logits, |s, z, delta| {
        let weight = loss.class_weights()[s.label.index()];
        per_sample.add(allowance.sample(model, weight, &s.features, z, delta));
    })?;
    let objective = total / n + penalty(model, lambda);
    if !objective.is_finite() {
        // P beyond the largest float: no certificate states it.
        return Err(Error::Overflow);
    }
    let grad = acc.finish(n, lambda, model);
    let gradient_norm = parameter_norm(&grad);
    let gradient_error = allowance.total(per_sample.total(), gradient_norm, lambda, model);
    let (distance, gap) = allowance.outward(gradient_norm, gradient_error, lambda);
    if gap.is_nan() {
        return Err(Error::Overflow);
    }
    Ok(Certificate {
        objective,
        gradient_norm,
        gradient_error,
        gap,
        distance,
    })
}

/// a·b for a, b ≥ 0, never below a·b·(1 − u)², also where the product underflows: an
/// underflowing product loses at most half a unit ω of the smallest subnormal, and one ω is
/// added (an addition to a subnormal is exact).
#[inline]
fn mul_up<T: Float>(a: T, b: T) -> T {
    a * b + smallest_subnormal::<T>()
}

/// ω, the smallest positive subnormal number (2^-149 in `f32`, 2^-1074 in `f64`): exactly
/// 2u times the smallest normal number.
#[inline]
fn smallest_subnormal<T: Float>() -> T {
    T::MIN_POSITIVE * (T::UNIT_ROUNDOFF + T::UNIT_ROUNDOFF)
}

/// The terms of [`certify`]'s rounding allowance (see its docs for what each one covers).
struct Allowance<T> {
    u: T,
    /// ω, the smallest subnormal.
    omega: T,
    n: T,
    /// (16 + 2n·u)·u: the per-term rounding, and the second-order term of compensated
    /// summation over n samples.
    delta_factor: T,
    gamma_squared: T,
    /// 5F·ω: the error-free products of a Dot2 logit that underflow.
    logit_underflow: T,
    half_root_c: T,
    root_c: T,
    /// 8u·ε: label smoothing's cancellation.
    smoothing: T,
    /// 3/2·√(C(F + 1))·ω: the products δ_c·x_f, the division by n and λθ, where they underflow.
    parameter_underflow: T,
}

impl<T: Float> Allowance<T> {
    fn new<const F: usize, const C: usize>(n: T, smoothing: T) -> Self {
        let u = T::UNIT_ROUNDOFF;
        let omega = smallest_subnormal::<T>();
        let k = from_count::<T>(F + 1) * u;
        let gamma = k / (T::ONE - k);
        let classes = from_count::<T>(C);
        let d = from_count::<T>(C) * from_count::<T>(F + 1);
        let three_halves = T::ONE + T::HALF;
        Self {
            u,
            omega,
            n,
            delta_factor: (T::from_u32(16) + (T::ONE + T::ONE) * n * u) * u,
            // (1 + γ): a itself is a plain sum of F + 1 terms, computed within γ_{F+1}.
            gamma_squared: gamma * gamma * (T::ONE + gamma),
            logit_underflow: T::from_u32(5) * from_count::<T>(F) * omega,
            half_root_c: T::HALF * classes.sqrt(),
            root_c: classes.sqrt(),
            smoothing: mul_up(T::from_u32(8) * u, smoothing),
            parameter_underflow: mul_up(three_halves * d.sqrt(), omega),
        }
    }

    /// ‖x̃‖·((16 + 2n·u)·u‖δ‖ + w·(½√C·(u·max|z| + γ_{F+1}²·a + 5F·ω) + 8u·ε) + √C·(4w + 1)·ω)
    /// for one sample, every product rounded up with [`mul_up`].
    fn sample<const F: usize, const C: usize>(
        &self,
        model: &Classifier<F, C, T>,
        weight: T,
        x: &[T; F],
        z: &[T; C],
        delta: &[T; C],
    ) -> T {
        let one = [T::ONE];
        let x_norm = scaled_norm(|| x.iter().chain(one.iter()).copied());
        let delta_norm = scaled_norm(|| delta.iter().copied());
        let logit_error = mul_up(self.u, max_abs(z.iter()))
            + mul_up(self.gamma_squared, logit_magnitude(model, x))
            + self.logit_underflow;
        let weighted = mul_up(
            weight,
            mul_up(self.half_root_c, logit_error) + self.smoothing,
        );
        let subnormal = mul_up(self.root_c * (T::from_u32(4) * weight + T::ONE), self.omega);
        let delta_error = mul_up(self.delta_factor, delta_norm) + weighted + subnormal;
        mul_up(x_norm, delta_error)
    }

    /// The allowance E from the compensated sum of the per-sample terms: their mean, plus
    /// 2u·(‖∇P‖ + λ‖θ‖) and the underflow of the parameter-shaped steps, widened by (1 + 40u)
    /// for its own roundings (at most 32 between any exact term and E).
    fn total<const F: usize, const C: usize>(
        &self,
        per_sample: T,
        gradient_norm: T,
        lambda: T,
        model: &Classifier<F, C, T>,
    ) -> T {
        let two_u = self.u + self.u;
        // ‖θ‖ may be low by ω/2 (its scale subnormal), and λ may be large.
        let penalty_norm = mul_up(lambda, parameter_norm(model) + self.omega);
        let sum = (per_sample / self.n + self.omega)
            + mul_up(two_u, gradient_norm + penalty_norm)
            + self.parameter_underflow;
        mul_up(sum, T::ONE + T::from_u32(40) * self.u)
    }

    /// The bound b on the exact ‖∇P‖ from the computed norm and the allowance, and from it the
    /// distance b/λ and the gap b²/(2λ), each rounded outward (λ ≥ the smallest normal).
    fn outward(&self, gradient_norm: T, gradient_error: T, lambda: T) -> (T, T) {
        let (u, omega) = (self.u, self.omega);
        // The norm's own rounding: 4u of it, and ω/2 where its final product underflows.
        let bound = mul_up(
            gradient_norm + gradient_error + omega,
            T::ONE + T::from_u32(10) * u,
        );
        // b/λ may underflow (λ large): ω/2, and ω more for the rounding up.
        let distance = mul_up(bound / lambda, T::ONE + T::from_u32(4) * u) + omega;
        // b ≤ 1: b/λ first (b·b would underflow); b > 1: b·b first (b/λ could overflow where the
        // gap does not; 2λ could overflow). Either way three roundings that can underflow, whose
        // loss (ω/2 each, the first multiplied by b ≤ 1) the rounding up covers with 3ω.
        let product = if bound <= T::ONE {
            (bound / lambda) * bound * T::HALF
        } else {
            bound * bound / lambda * T::HALF
        };
        let gap = mul_up(product, T::ONE + T::from_u32(6) * u) + omega + omega;
        (distance, gap)
    }
}

/// ‖v‖ of the values `values()` yields, from a compensated sum of squares scaled by the
/// largest |v_i| so that no square underflows or overflows: within 4 units of roundoff, plus
/// ω/2 where the final product by the scale underflows.
fn scaled_norm<T: Float, I: Iterator<Item = T>>(values: impl Fn() -> I) -> T {
    let scale = values().fold(T::ZERO, |m, v| m.max_nan(v.abs()));
    if scale == T::ZERO || !scale.is_finite() {
        return scale;
    }
    let mut sum = Compensated::new();
    for v in values() {
        let r = v / scale;
        sum.add(r * r);
    }
    scale * sum.total().sqrt()
}

/// ‖θ‖ over all parameters (summed in the order of W's rows, then b), with [`scaled_norm`].
fn parameter_norm<const F: usize, const C: usize, T: Float>(theta: &Classifier<F, C, T>) -> T {
    scaled_norm(|| theta.params_by_row())
}

/// The logits W x + b, each from a compensated dot product (see [`certify`]).
fn accurate_logits<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> [T; C] {
    let (columns, bias) = model.parts();
    let mut z = *bias;
    for (c, zc) in z.iter_mut().enumerate() {
        let row = columns.iter().filter_map(|column| column.get(c).copied());
        *zc = dot2(row.zip(x.iter().copied()), *zc);
    }
    z
}

/// max_c (Σ_f |W_cf x_f| + |b_c|): the scale of the rounding error of the logits.
fn logit_magnitude<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> T {
    let (columns, bias) = model.parts();
    bias.iter().enumerate().fold(T::ZERO, |acc, (c, &b)| {
        let row = columns.iter().filter_map(|column| column.get(c).copied());
        let sum = row
            .zip(x.iter())
            .fold(b.abs(), |s, (w, &xf)| s + (w * xf).abs());
        acc.max_nan(sum)
    })
}
