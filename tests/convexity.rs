//! The convexity of the softmax cross-entropy, checked inequality by inequality on the crate's
//! own functions. The proof these tests follow is in the docs of `tinysoftmax::convex`; each of
//! its steps names the tests below that check it.
//!
//! # The checker
//!
//! One generic checker — [`jensen`], [`first_order`] and [`monotone`] — takes a [`Problem`]:
//! closures for the value and the gradient over a flat parameter vector (each also returning a
//! bound on its own rounding error), the working precision, and the claimed strong-convexity
//! modulus μ and smoothness constant L. Each check returns an [`Excess`]: how far the measured
//! quantity lies below `lower − tol` and above `upper + tol`. Both are ≤ 0 when the inequality
//! holds; a NaN anywhere makes [`Excess::holds`] false. The same checker runs on the crate's
//! functions (where it must find nothing) and on a one-hidden-layer network and on deliberately
//! broken gradients (where it must find the violation).
//!
//! # Error model
//!
//! u is the unit roundoff of the type the crate computes in (2⁻²⁴ for `f32`, 2⁻⁵³ for `f64`)
//! and γ_k = k·u/(1 − k·u), the bound for k chained roundings. The crate's kernels use libm
//! (`exp`, `log1p` within 1 ULP = 2u relative), an error-free shift by the maximum and
//! compensated sums (error 2u of the sum plus O(n·u²) of the sum of magnitudes). Counting the
//! roundings of each kernel:
//!
//! - a shifted exponential exp(z_j − m): 3u; the sum s of them: 5u; ln_1p(s): 7u; the
//!   cross-entropy (m − z_y) + ln_1p(s), both terms ≥ 0: **8u** of its value; with label
//!   smoothing ε and a class weight: **12u** of its value;
//! - a probability e_j/(1 + s): 10u; the logit gradient p − e_y: **12u** of each component
//!   (p_y − 1 has |p_y − 1| ≥ ½ when y is not the argmax; otherwise it is −s/(1 + s));
//!   after smoothing, weighting and the product with x_f: **17u** of (|δ_j| + 2ε)·w·|x_f|;
//! - the gradient and Hessian-vector product sum their terms in blocks of 8 samples, each
//!   block as two plain half sums of 4 (4 more roundings: **γ₄** of each term's magnitude),
//!   the block totals compensated;
//! - the logits W x + b (a dot product of F terms plus the bias): γ_{F+1}·a with
//!   a = max_c Σ_f |W_cf x_f| + |b_c|; through the loss, whose logit gradient has ℓ1 norm at most
//!   2(1 + ε)·w, and through the logit gradient, whose Jacobian diag(p) − ppᵀ has row sums of
//!   magnitude at most ½.
//!
//! [`Setup::value_error`], [`Setup::gradient_error`] and [`Setup::hvp_error`] add these up over
//! the samples; the checker adds the f64 rounding of its own arithmetic and the effect of
//! rounding the convex combination θa + (1 − θ)b to the working precision (the point actually
//! evaluated moves by a computed distance ρ, so P moves by at most (‖∇P‖ + e_g)·ρ + (L/2)·ρ²).
//! No tolerance below is a free constant.

#![expect(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "test code: a failed unwrap is the failure report; f64 → f32 casts are the intended rounding"
)]

use proptest::prelude::*;
use tinysoftmax::Objective;
use tinysoftmax::convex::{self, Parameters};
use tinysoftmax::loss::{CrossEntropy, cross_entropy, cross_entropy_with_grad};
use tinysoftmax::softmax::softmax;
use tinysoftmax::{Classifier, Float, Label, Sample, SplitMix64};

/// Unit roundoff of f64, the precision of the checker's own arithmetic.
const U64: f64 = f64::EPSILON / 2.0;

/// γ_k = k·u / (1 − k·u): the relative error bound of k chained roundings.
fn gamma(k: f64, u: f64) -> f64 {
    k * u / (1.0 - k * u)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn sub(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

fn abs_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x * y).abs()).sum()
}

// ------------------------------------------------------------------------------------------
// The checker
// ------------------------------------------------------------------------------------------

/// P(x) and a bound on the rounding error of the computed value.
type Value<'a> = Box<dyn Fn(&[f64]) -> (f64, f64) + 'a>;
/// ∇P(x) and a bound on the ℓ2 norm of the rounding error of the computed gradient.
type Gradient<'a> = Box<dyn Fn(&[f64]) -> (Vec<f64>, f64) + 'a>;

/// A function on a flat parameter vector, with the claims the checker tests.
struct Problem<'a> {
    value: Value<'a>,
    gradient: Gradient<'a>,
    /// Rounds a coordinate to the working precision (the identity in f64).
    round: fn(f64) -> f64,
    /// Claimed strong-convexity modulus (0 for plain convexity).
    mu: f64,
    /// Claimed smoothness constant (∞ when none is claimed: only lower bounds are checked).
    l: f64,
}

impl Problem<'_> {
    fn rounded(&self, x: &[f64]) -> Vec<f64> {
        x.iter().map(|&v| (self.round)(v)).collect()
    }

    /// (L/2)·ρ² with the convention that it is 0 for ρ = 0 even when L = ∞.
    fn curvature_term(&self, rho: f64) -> f64 {
        if rho == 0.0 {
            0.0
        } else {
            self.l / 2.0 * rho * rho
        }
    }

    /// The finite part of the bounds, for the f64 rounding of the checker's own arithmetic.
    fn bound_magnitude(&self, q: f64) -> f64 {
        self.mu * q + if self.l.is_finite() { self.l * q } else { 0.0 }
    }
}

/// How far a measured quantity lies outside [lower − tol, upper + tol] (≤ 0 on each side when
/// it does not).
#[derive(Clone, Copy, Debug)]
struct Excess {
    below: f64,
    above: f64,
}

impl Excess {
    fn new(measured: f64, lower: f64, upper: f64, tol: f64) -> Self {
        Self {
            below: (lower - tol) - measured,
            above: measured - (upper + tol),
        }
    }

    /// Both sides hold; false for NaN.
    fn holds(self) -> bool {
        self.below <= 0.0 && self.above <= 0.0
    }

    /// A finite violation that the error model cannot explain.
    fn violated(self) -> bool {
        (self.below.is_finite() && self.below > 0.0) || (self.above.is_finite() && self.above > 0.0)
    }
}

/// a + b = s + e exactly (TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// θa + (1 − θ)b rounded to f64, and an upper bound on its distance from the exact value.
///
/// The rounding errors of the products and of the sum are recovered exactly (fused
/// multiply-add and TwoSum), so the distance is 0 whenever the combination is exact.
fn combination(theta: f64, a: &[f64], b: &[f64]) -> (Vec<f64>, f64) {
    let (omega, omega_err) = two_sum(1.0, -theta);
    let mut point = Vec::with_capacity(a.len());
    let mut missed = 0.0_f64;
    for (&x, &y) in a.iter().zip(b) {
        let p1 = theta * x;
        let e1 = theta.mul_add(x, -p1);
        let p2 = omega * y;
        let e2 = omega.mul_add(y, -p2);
        let (s, e3) = two_sum(p1, p2);
        let r = e1.abs() + e2.abs() + e3.abs() + (omega_err * y).abs();
        missed += r * r;
        point.push(s);
    }
    (point, missed.sqrt() * (1.0 + 8.0 * U64))
}

/// Jensen, two-sided: (μ/2)θ(1−θ)‖Δ‖² ≤ θP(a) + (1−θ)P(b) − P(θa + (1−θ)b) ≤ (L/2)θ(1−θ)‖Δ‖².
fn jensen(p: &Problem, a: &[f64], b: &[f64], theta: f64) -> Excess {
    let (a, b) = (p.rounded(a), p.rounded(b));
    let (exact, exact_err) = combination(theta, &a, &b);
    let mid = p.rounded(&exact);
    let rho = norm(&sub(&mid, &exact)) * (1.0 + 4.0 * U64) + exact_err;
    let ((pa, ea), (pb, eb), (pm, em)) = ((p.value)(&a), (p.value)(&b), (p.value)(&mid));
    let (gm, egm) = (p.gradient)(&mid);
    let gap = theta * pa + (1.0 - theta) * pb - pm;
    let q = theta * (1.0 - theta) * dot(&sub(&a, &b), &sub(&a, &b)) / 2.0;
    let moved = if rho == 0.0 {
        0.0
    } else {
        (norm(&gm) + egm) * rho
    } + p.curvature_term(rho);
    let arithmetic = 8.0 * U64 * (pa.abs() + pb.abs() + pm.abs())
        + 4.0 * (a.len() as f64 + 4.0) * U64 * p.bound_magnitude(q);
    let tol = theta * ea + (1.0 - theta) * eb + em + moved + arithmetic;
    Excess::new(gap, p.mu * q, p.l * q, tol)
}

/// First-order condition, two-sided: (μ/2)‖Δ‖² ≤ P(b) − P(a) − ⟨∇P(a), Δ⟩ ≤ (L/2)‖Δ‖², Δ = b − a.
fn first_order(p: &Problem, a: &[f64], b: &[f64]) -> Excess {
    let (a, b) = (p.rounded(a), p.rounded(b));
    let delta = sub(&b, &a);
    let ((pa, ea), (pb, eb), (ga, ega)) = ((p.value)(&a), (p.value)(&b), (p.gradient)(&a));
    let remainder = pb - pa - dot(&ga, &delta);
    let q = dot(&delta, &delta) / 2.0;
    let d = a.len() as f64;
    let arithmetic = 4.0 * U64 * (pa.abs() + pb.abs())
        + 2.0 * (d + 4.0) * U64 * (abs_dot(&ga, &delta) + p.bound_magnitude(q));
    let tol = ea + eb + ega * norm(&delta) + arithmetic;
    Excess::new(remainder, p.mu * q, p.l * q, tol)
}

/// Gradient monotonicity: μ‖Δ‖² ≤ ⟨∇P(a) − ∇P(b), a − b⟩ ≤ L‖Δ‖².
fn monotone(p: &Problem, a: &[f64], b: &[f64]) -> Excess {
    let (a, b) = (p.rounded(a), p.rounded(b));
    let delta = sub(&a, &b);
    let ((ga, ega), (gb, egb)) = ((p.gradient)(&a), (p.gradient)(&b));
    let dg = sub(&ga, &gb);
    let q = dot(&delta, &delta);
    let d = a.len() as f64;
    let arithmetic = 2.0 * (d + 4.0) * U64 * (abs_dot(&dg, &delta) + p.bound_magnitude(q))
        + 2.0 * U64 * (abs_dot(&ga, &delta) + abs_dot(&gb, &delta));
    let tol = (ega + egb) * norm(&delta) + arithmetic;
    Excess::new(dot(&dg, &delta), p.mu * q, p.l * q, tol)
}

// ------------------------------------------------------------------------------------------
// The crate's functions as problems
// ------------------------------------------------------------------------------------------

fn round_f32(x: f64) -> f64 {
    f64::from(x as f32)
}

fn round_f64(x: f64) -> f64 {
    x
}

fn round_of<T: Float>() -> fn(f64) -> f64 {
    if T::UNIT_ROUNDOFF.to_f64() == U64 {
        round_f64
    } else {
        round_f32
    }
}

fn to_array<T: Float, const N: usize>(x: &[f64]) -> [T; N] {
    core::array::from_fn(|i| T::from_f64(x[i]))
}

fn to_vec<T: Float>(x: &[T]) -> Vec<f64> {
    x.iter().map(|v| v.to_f64()).collect()
}

/// The cross-entropy CE(·, y) in the logits, computed in T: μ = 0, L = ½.
fn logits_problem<T: Float, const C: usize>(y: Label<C>) -> Problem<'static> {
    let u = T::UNIT_ROUNDOFF.to_f64();
    Problem {
        value: Box::new(move |z| {
            let v = cross_entropy(&to_array::<T, C>(z), y).to_f64();
            (v, gamma(9.0, u) * v.abs())
        }),
        gradient: Box::new(move |z| {
            let (_, g) = cross_entropy_with_grad(&to_array::<T, C>(z), y);
            let g = to_vec(&g);
            let e = gamma(13.0, u) * norm(&g);
            (g, e)
        }),
        round: round_of::<T>(),
        mu: 0.0,
        l: 0.5,
    }
}

/// max_c Σ_f |W_cf x_f| + |b_c|: the magnitude of the sums that form the logits.
fn logit_magnitude<const F: usize, const C: usize>(m: &Classifier<F, C, f64>, x: &[f64; F]) -> f64 {
    m.weights()
        .iter()
        .zip(m.bias())
        .map(|(row, b)| abs_dot(row, x) + b.abs())
        .fold(0.0, f64::max)
}

/// The rounding of the logits and its reach.
///
/// Returns Δ = γ_{F+1}·a, the bound on each computed logit's error, and an upper bound on
/// 1 − p_y over the ball of radius Δ around the logits. The second is what turns the
/// perturbation into a relative one for confident predictions: the logit gradient of CE has ℓ1
/// norm 2(1 − p_y) ≤ 2·CE, so CE grows at most like e^{2Δ} across the ball (Grönwall), and the
/// Jacobian diag(p) − ppᵀ of the gradient has row sums 2p_j(1 − p_j) ≤ min(½, 2(1 − p_y)).
/// CE itself comes from the f64 kernel, widened by its own f64 error (the same model in U64).
fn logit_error<const F: usize, const C: usize>(
    m: &Classifier<F, C, f64>,
    x: &[f64; F],
    z: &[f64; C],
    y: Label<C>,
    u: f64,
) -> (f64, f64) {
    let a = logit_magnitude(m, x);
    let shift = gamma(F as f64 + 1.0, u) * a;
    let shift64 = gamma(F as f64 + 1.0, U64) * a;
    let ce = cross_entropy(z, y) * (1.0 + gamma(13.0, U64));
    let miss = (ce * (2.0 * (shift + shift64)).exp()).min(1.0);
    (shift, miss)
}

/// ‖(x, 1)‖.
fn augmented_norm<const F: usize>(x: &[f64; F]) -> f64 {
    (dot(x, x) + 1.0).sqrt()
}

/// A data set, a loss and λ, in the working type T and exactly in f64 (for the error model).
struct Setup<const F: usize, const C: usize, T> {
    data: Vec<Sample<F, C, T>>,
    data64: Vec<Sample<F, C, f64>>,
    loss: CrossEntropy<C, T>,
    loss64: CrossEntropy<C, f64>,
    lambda: T,
}

impl<const F: usize, const C: usize, T: Float> Setup<F, C, T> {
    const DIM: usize = C * F + C;

    /// `data` is rounded to T; class weights and smoothing likewise.
    fn new(data: &[([f64; F], usize)], weights: [f64; C], smoothing: f64, lambda: f64) -> Self {
        let data: Vec<Sample<F, C, T>> = data
            .iter()
            .map(|(x, y)| Sample::new(to_array(x), Label::new(*y).unwrap()))
            .collect();
        let data64 = data
            .iter()
            .map(|s| Sample::new(to_array(&to_vec(&s.features)), s.label))
            .collect();
        let loss = CrossEntropy::new()
            .with_class_weights(to_array(&weights))
            .unwrap()
            .with_label_smoothing(T::from_f64(smoothing))
            .unwrap();
        let loss64 = CrossEntropy::new()
            .with_class_weights(to_array(&to_vec(loss.class_weights())))
            .unwrap()
            .with_label_smoothing(loss.label_smoothing().to_f64())
            .unwrap();
        Self {
            data,
            data64,
            loss,
            loss64,
            lambda: T::from_f64(lambda),
        }
    }

    fn u() -> f64 {
        T::UNIT_ROUNDOFF.to_f64()
    }

    fn n(&self) -> f64 {
        self.data.len() as f64
    }

    fn model<U: Float>(theta: &[f64]) -> Classifier<F, C, U> {
        let weights = core::array::from_fn(|c| to_array(&theta[c * F..(c + 1) * F]));
        Classifier::new(weights, to_array(&theta[C * F..]))
    }

    fn flat<U: Float>(m: &Classifier<F, C, U>) -> Vec<f64> {
        Self::flat_parts(m.weights(), m.bias())
    }

    fn flat_vec<U: Float>(v: &Parameters<F, C, U>) -> Vec<f64> {
        Self::flat_parts(v.weights(), v.bias())
    }

    fn flat_parts<U: Float>(weights: [[U; F]; C], bias: &[U; C]) -> Vec<f64> {
        let mut v: Vec<f64> = weights.iter().flat_map(|r| to_vec(r)).collect();
        v.extend(to_vec(bias));
        v
    }

    /// The smoothness bound of `convex::smoothness`, widened by its own rounding (γ_{F+6}:
    /// the squared norm, the weight, the compensated sum, the scaling and the addition of λ).
    fn smoothness(&self) -> f64 {
        let l = convex::smoothness(
            &self.data,
            &Objective::from_parts(self.loss, self.lambda).unwrap(),
        )
        .unwrap()
        .to_f64();
        l * (1.0 + gamma(F as f64 + 6.0, Self::u()))
    }

    /// Bound on |P̂(θ) − P(θ)| (see the file's error model).
    fn value_error(&self, theta: &[f64], computed: f64) -> f64 {
        let u = Self::u();
        let m = Self::model::<f64>(theta);
        let eps = self.loss64.label_smoothing();
        let (mut per_sample, mut losses) = (0.0, 0.0);
        for s in &self.data64 {
            let w = self.loss64.class_weights()[s.label.index()];
            let z = m.logits(&s.features);
            let l = self.loss64.loss(&z, s.label).abs();
            losses += l;
            let (shift, miss) = logit_error::<F, C>(&m, &s.features, &z, s.label, u);
            per_sample += gamma(13.0, u) * l + 2.0 * w * (miss + eps) * shift;
        }
        let n = self.n();
        let penalty = self.lambda.to_f64() / 2.0 * dot(theta, theta);
        (1.0 + gamma(4.0, u)) * per_sample / n
            + (3.0 * u + 4.0 * n * u * u) * losses / n
            + gamma(Self::DIM as f64 + 3.0, u) * penalty
            + u * computed.abs()
    }

    /// Bound on ‖∇̂P(θ) − ∇P(θ)‖ (see the file's error model).
    fn gradient_error(&self, theta: &[f64], computed_norm: f64) -> f64 {
        let u = Self::u();
        let m = Self::model::<f64>(theta);
        let eps = self.loss64.label_smoothing();
        let root_c = (C as f64).sqrt();
        let n = self.n();
        let mut per_sample = 0.0;
        for s in &self.data64 {
            let w = self.loss64.class_weights()[s.label.index()];
            let z = m.logits(&s.features);
            let (_, d0) = cross_entropy_with_grad(&z, s.label);
            let delta = norm(&d0) + 2.0 * eps * root_c;
            let (shift, miss) = logit_error::<F, C>(&m, &s.features, &z, s.label, u);
            per_sample += w
                * augmented_norm(&s.features)
                * ((gamma(21.0, u) + 4.0 * n * u * u) * delta
                    + (0.5_f64).min(2.0 * miss) * root_c * shift);
        }
        (1.0 + gamma(2.0, u)) * per_sample / n
            + gamma(4.0, u) * (computed_norm + self.lambda.to_f64() * norm(theta))
    }

    /// Bound on ‖Ĥv − Hv‖ for the Hessian-vector product: per sample, with b the magnitude of
    /// the direction's logit sums, (2F + C + 42 + √C)·u·b·w·‖(x, 1)‖ (p to 10u, the direction's
    /// logits to γ_{F+1}·b, pᵀu to γ_C, the differences, the weight, the outer product and the
    /// block sum), then the compensated sums and λv as for the gradient.
    fn hvp_error(&self, v: &[f64], computed_norm: f64) -> f64 {
        let u = Self::u();
        let dir = Self::model::<f64>(v);
        let root_c = (C as f64).sqrt();
        let n = self.n();
        let k = 2.0 * F as f64 + C as f64 + 42.0 + root_c;
        let mut per_sample = 0.0;
        for s in &self.data64 {
            let w = self.loss64.class_weights()[s.label.index()];
            let b = logit_magnitude(&dir, &s.features);
            per_sample +=
                w * augmented_norm(&s.features) * b * (gamma(k, u) + 2.0 * n * u * u * root_c);
        }
        (1.0 + gamma(2.0, u)) * per_sample / n
            + gamma(4.0, u) * (computed_norm + self.lambda.to_f64() * norm(v))
    }

    fn value(&self, theta: &[f64]) -> (f64, f64) {
        let m = Self::model::<T>(theta);
        let p = convex::objective(
            &m,
            &self.data,
            &Objective::from_parts(self.loss, self.lambda).unwrap(),
        )
        .unwrap()
        .to_f64();
        (p, self.value_error(theta, p))
    }

    fn gradient(&self, theta: &[f64]) -> (Vec<f64>, f64) {
        let m = Self::model::<T>(theta);
        let (_, g) = convex::gradient(
            &m,
            &self.data,
            &Objective::from_parts(self.loss, self.lambda).unwrap(),
        )
        .unwrap();
        let g = Self::flat_vec(&g);
        let e = self.gradient_error(theta, norm(&g));
        (g, e)
    }

    fn hvp(&self, theta: &[f64], v: &[f64]) -> (Vec<f64>, f64) {
        let (m, dir) = (
            Self::model::<T>(theta),
            Parameters::of(&Self::model::<T>(v)),
        );
        let hv = convex::hessian_vector_product(
            &m,
            &self.data,
            &Objective::from_parts(self.loss, self.lambda).unwrap(),
            &dir,
        );
        let hv = Self::flat_vec(&hv.unwrap());
        let e = self.hvp_error(v, norm(&hv));
        (hv, e)
    }

    /// The objective P as a problem for the checker: μ = λ, L = `convex::smoothness`.
    fn problem(&self) -> Problem<'_> {
        Problem {
            value: Box::new(|t| self.value(t)),
            gradient: Box::new(|t| self.gradient(t)),
            round: round_of::<T>(),
            mu: self.lambda.to_f64(),
            l: self.smoothness(),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Strategies: random and adversarial inputs
// ------------------------------------------------------------------------------------------

/// Logits: moderate, huge (up to 1e30), near-ties, or one dominant entry.
fn logits<const C: usize>() -> impl Strategy<Value = Vec<f64>> {
    let moderate = prop::collection::vec(-10.0..10.0_f64, C);
    let huge = (prop::collection::vec(-1.0..1.0_f64, C), 0..31_i32)
        .prop_map(|(v, e)| v.iter().map(|x| x * 10f64.powi(e)).collect());
    let ties = (-50.0..50.0_f64, prop::collection::vec(-1e-6..1e-6_f64, C))
        .prop_map(|(c, v)| v.iter().map(|x| c + x).collect());
    let dominant = (
        0..C,
        20.0..500.0_f64,
        prop::collection::vec(-1.0..1.0_f64, C),
    )
        .prop_map(|(k, big, mut v)| {
            v[k] += big;
            v
        });
    prop_oneof![moderate, huge, ties, dominant]
}

/// θ ∈ [0, 1], with the endpoints and ½ drawn often.
fn weight() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), Just(0.5), 0.0..=1.0_f64]
}

/// A random classification problem for the full objective.
#[derive(Clone, Debug)]
struct Case<const F: usize, const C: usize> {
    data: Vec<([f64; F], usize)>,
    weights: [f64; C],
    smoothing: f64,
    lambda: f64,
    a: Vec<f64>,
    b: Vec<f64>,
}

fn case<const F: usize, const C: usize>() -> impl Strategy<Value = Case<F, C>> {
    let d = C * F + C;
    let sample = (prop::collection::vec(-1.0..1.0_f64, F), 0..C);
    (
        prop::collection::vec(sample, 1..12),
        prop_oneof![Just(1.0), Just(10.0), Just(1000.0)],
        prop_oneof![
            Just(None),
            prop::collection::vec(0.05..3.0_f64, C).prop_map(Some)
        ],
        prop_oneof![Just(0.0), Just(0.1), Just(1.0)],
        prop_oneof![Just(0.0), Just(1e-3), Just(0.1), Just(1.0)],
        prop_oneof![Just(0.1), Just(1.0), Just(30.0)],
        prop::collection::vec(-1.0..1.0_f64, d),
        prop::collection::vec(-1.0..1.0_f64, d),
    )
        .prop_map(
            move |(rows, scale, weights, smoothing, lambda, pscale, a, b)| Case {
                data: rows
                    .into_iter()
                    .map(|(x, y)| (core::array::from_fn(|f| x[f] * scale), y))
                    .collect(),
                weights: weights.map_or([1.0; C], |w| core::array::from_fn(|c| w[c])),
                smoothing,
                lambda,
                a: a.iter().map(|v| v * pscale).collect(),
                b: b.iter().map(|v| v * pscale).collect(),
            },
        )
}

fn setup<const F: usize, const C: usize, T: Float>(c: &Case<F, C>) -> Setup<F, C, T> {
    Setup::new(&c.data, c.weights, c.smoothing, c.lambda)
}

// ------------------------------------------------------------------------------------------
// Step 1: CE is convex in the logits (μ = 0, L = ½)
// ------------------------------------------------------------------------------------------

macro_rules! logit_properties {
    ($name:ident, $t:ty, $c:literal) => {
        mod $name {
            use super::*;
            proptest! {
                #[test]
                fn jensen_two_sided(a in logits::<$c>(), b in logits::<$c>(), y in 0..$c as usize, theta in weight()) {
                    let p = logits_problem::<$t, $c>(Label::new(y).unwrap());
                    let e = jensen(&p, &a, &b, theta);
                    prop_assert!(e.holds(), "{e:?}");
                }

                #[test]
                fn first_order_two_sided(a in logits::<$c>(), b in logits::<$c>(), y in 0..$c as usize) {
                    let p = logits_problem::<$t, $c>(Label::new(y).unwrap());
                    let e = first_order(&p, &a, &b);
                    prop_assert!(e.holds(), "{e:?}");
                }

                #[test]
                fn gradient_monotone(a in logits::<$c>(), b in logits::<$c>(), y in 0..$c as usize) {
                    let p = logits_problem::<$t, $c>(Label::new(y).unwrap());
                    let e = monotone(&p, &a, &b);
                    prop_assert!(e.holds(), "{e:?}");
                }
            }
        }
    };
}

logit_properties!(logits_f64_c2, f64, 2);
logit_properties!(logits_f64_c7, f64, 7);
logit_properties!(logits_f32_c3, f32, 3);
logit_properties!(logits_f32_c10, f32, 10);

/// The logit Hessian diag(p) − ppᵀ at z applied to u, through `convex::hessian_vector_product`:
/// one sample at x = 0, so the logits are the bias and the bias block of the product is Hu.
/// Returns Hu and a bound on its error (the HVP error model with F = 1, x = 0, n = 1).
fn logit_hessian_times<T: Float, const C: usize>(z: &[f64], u: &[f64]) -> (Vec<f64>, f64) {
    let data = [Sample::new([T::ZERO], Label::<C>::new(0).unwrap())];
    let model = Classifier::new([[T::ZERO]; C], to_array(z));
    let dir = Parameters::new([[T::ZERO]; C], to_array(u));
    let loss = CrossEntropy::new();
    let hv = convex::hessian_vector_product(
        &model,
        &data,
        &Objective::from_parts(loss, T::ZERO).unwrap(),
        &dir,
    )
    .unwrap();
    assert_eq!(hv.weights(), [[T::ZERO]; C]);
    let hu = to_vec(hv.bias());
    let setup = Setup::<1, C, T> {
        data: data.to_vec(),
        data64: vec![Sample::new([0.0], Label::new(0).unwrap())],
        loss,
        loss64: CrossEntropy::new(),
        lambda: T::ZERO,
    };
    let mut v = vec![0.0; C];
    v.extend_from_slice(u);
    let e = setup.hvp_error(&v, norm(&hu));
    (hu, e)
}

/// Var_p(u) = Σ_j p_j (u_j − pᵀu)², in f64 from the f64 softmax, with a bound on its error
/// (p to 10u, the mean to γ_C, each square and product to 3u, the sum to γ_C).
fn variance(z: &[f64], u: &[f64]) -> (f64, f64) {
    let p: Vec<f64> = match z.len() {
        2 => softmax(&to_array::<f64, 2>(z)).to_vec(),
        5 => softmax(&to_array::<f64, 5>(z)).to_vec(),
        _ => unreachable!("sizes used below"),
    };
    let mean = dot(&p, u);
    let var = p
        .iter()
        .zip(u)
        .map(|(pj, uj)| pj * (uj - mean) * (uj - mean))
        .sum::<f64>();
    let scale: f64 = p
        .iter()
        .zip(u)
        .map(|(pj, uj)| pj * (uj.abs() + mean.abs()).powi(2))
        .sum();
    (var, gamma(2.0 * z.len() as f64 + 20.0, U64) * scale)
}

macro_rules! logit_hessian_properties {
    ($name:ident, $t:ty) => {
        mod $name {
            use super::*;
            proptest! {
                /// Lemma 1: uᵀ(diag(p) − ppᵀ)u = Var_p(u) ∈ [0, ½‖u‖²], and ‖Hu‖ ≤ ½‖u‖.
                #[test]
                fn quadratic_form_is_variance(z in logits::<5>(), u in prop::collection::vec(-4.0..4.0_f64, 5)) {
                    let round = round_of::<$t>();
                    let z: Vec<f64> = z.iter().map(|&v| round(v)).collect();
                    let u: Vec<f64> = u.iter().map(|&v| round(v)).collect();
                    let (hu, e) = logit_hessian_times::<$t, 5>(&z, &u);
                    let q = dot(&u, &hu);
                    let tol = e * norm(&u) + 8.0 * U64 * abs_dot(&u, &hu);
                    let (var, var_err) = variance(&z, &u);
                    prop_assert!(q >= -tol, "uᵀHu = {q} < 0 beyond {tol}");
                    prop_assert!((q - var).abs() <= tol + var_err, "uᵀHu = {q}, Var = {var}");
                    prop_assert!(q <= 0.5 * dot(&u, &u) * (1.0 + 8.0 * U64) + tol);
                    prop_assert!(norm(&hu) <= 0.5 * norm(&u) * (1.0 + 8.0 * U64) + e);
                }

                /// Lemma 2: diag(p) − ppᵀ is symmetric, weakly diagonally dominant (with
                /// equality), its rows sum to 0 (H·1 = 0: shift invariance) and its diagonal is
                /// at most ¼, so by Gershgorin its eigenvalues lie in [0, ½].
                #[test]
                fn diagonally_dominant(z in logits::<5>()) {
                    let round = round_of::<$t>();
                    let z: Vec<f64> = z.iter().map(|&v| round(v)).collect();
                    let mut cols = Vec::new();
                    let mut err = 0.0_f64;
                    for k in 0..5 {
                        let mut e_k = vec![0.0; 5];
                        e_k[k] = 1.0;
                        let (col, e) = logit_hessian_times::<$t, 5>(&z, &e_k);
                        err = err.max(e);
                        cols.push(col);
                    }
                    for j in 0..5 {
                        let off: f64 = (0..5).filter(|&k| k != j).map(|k| cols[k][j].abs()).sum();
                        let row_sum: f64 = (0..5).map(|k| cols[k][j]).sum();
                        let slack = 5.0 * err + 8.0 * U64 * (off + cols[j][j].abs());
                        prop_assert!(cols[j][j] - off >= -slack, "row {j}: {} < {off}", cols[j][j]);
                        prop_assert!(row_sum.abs() <= slack, "row {j} sums to {row_sum}");
                        prop_assert!(cols[j][j] <= 0.25 + err, "H_jj = {}", cols[j][j]);
                        for k in 0..5 {
                            prop_assert!((cols[k][j] - cols[j][k]).abs() <= 2.0 * err);
                        }
                    }
                    let (h1, e1) = logit_hessian_times::<$t, 5>(&z, &[1.0; 5]);
                    prop_assert!(norm(&h1) <= e1, "H·1 = {h1:?}");
                }

                /// The gradient p − e_y sums to 0 (to the rounding of 12u per component).
                #[test]
                fn gradient_sums_to_zero(z in logits::<7>(), y in 0..7_usize) {
                    let (_, g) = cross_entropy_with_grad(&to_array::<$t, 7>(&z), Label::new(y).unwrap());
                    let g = to_vec(&g);
                    let total: f64 = g.iter().sum();
                    let size: f64 = g.iter().map(|v| v.abs()).sum();
                    let u = <$t as Float>::UNIT_ROUNDOFF.to_f64();
                    // Components below the normal range are each rounded to the subnormal grid
                    // (half a unit of the smallest subnormal each): an absolute allowance.
                    let tiny = 2.0 * u * <$t as Float>::MIN_POSITIVE.to_f64();
                    let bound = (gamma(13.0, u) + gamma(7.0, U64)) * size + 7.0 * tiny;
                    prop_assert!(total.abs() <= bound, "Σ = {total}");
                }

                /// CE(z + t·1) = CE(z) bit for bit when z + t is exact (z and t on a grid of
                /// 2^-10 with |z + t| < 2^13, which needs 23 significant bits).
                #[test]
                fn shift_invariance_exact(z in prop::collection::vec(-(1 << 20)..(1 << 20), 4),
                                          t in -(1 << 22)..(1 << 22), y in 0..4_usize) {
                    let grid = |k: i32| f64::from(k) / 1024.0;
                    let z: Vec<f64> = z.iter().map(|&k| grid(k)).collect();
                    let shifted: Vec<f64> = z.iter().map(|&v| v + grid(t)).collect();
                    let y = Label::new(y).unwrap();
                    let (a, b) = (to_array::<$t, 4>(&z), to_array::<$t, 4>(&shifted));
                    prop_assert_eq!(to_vec(&b), shifted.clone(), "the shift is exact");
                    prop_assert_eq!(cross_entropy(&a, y).to_f64(), cross_entropy(&b, y).to_f64());
                    prop_assert_eq!(cross_entropy_with_grad(&a, y).1, cross_entropy_with_grad(&b, y).1);
                }

                /// CE(z + t·1) = CE(z) for any z and t, up to the rounding of z + t (moving the
                /// logits by d changes CE by at most ‖∇CE‖₁·‖d‖∞ ≤ 2‖d‖∞) and of the two values.
                #[test]
                fn shift_invariance(z in logits::<4>(), t in prop_oneof![-1e3..1e3_f64, -1e20..1e20_f64], y in 0..4_usize) {
                    let round = round_of::<$t>();
                    let z: Vec<f64> = z.iter().map(|&v| round(v)).collect();
                    let t = round(t);
                    let mut moved = 0.0_f64;
                    let shifted: Vec<f64> = z.iter().map(|&v| {
                        let (s, e) = two_sum(v, t);
                        let r = round(s);
                        moved = moved.max((r - s).abs() + e.abs());
                        r
                    }).collect();
                    let p = logits_problem::<$t, 4>(Label::new(y).unwrap());
                    let ((a, ea), (b, eb)) = ((p.value)(&z), (p.value)(&shifted));
                    prop_assert!((a - b).abs() <= ea + eb + 2.0 * moved * (1.0 + 4.0 * U64), "{a} vs {b}");
                }
            }
        }
    };
}

logit_hessian_properties!(logit_hessian_f64, f64);
logit_hessian_properties!(logit_hessian_f32, f32);

/// The bound ‖diag(p) − ppᵀ‖ ≤ ½ is attained: p = (½, ½), u = (1, −1) gives Hu = ½u.
#[test]
fn logit_hessian_norm_half_is_attained() {
    for t in [0.0, 3.5, -1e6] {
        let (hu, _) = logit_hessian_times::<f64, 2>(&[t, t], &[1.0, -1.0]);
        assert_eq!(hu, [0.5, -0.5]);
        let (hu, _) = logit_hessian_times::<f32, 2>(&[t, t], &[1.0, -1.0]);
        assert_eq!(hu, [0.5, -0.5]);
    }
}

// ------------------------------------------------------------------------------------------
// Steps 2–4: the objective P in (W, b): convex, λ-strongly convex, L-smooth
// ------------------------------------------------------------------------------------------

macro_rules! objective_properties {
    ($name:ident, $t:ty, $f:literal, $c:literal) => {
        mod $name {
            use super::*;
            proptest! {
                #[test]
                fn jensen_two_sided(c in case::<$f, $c>(), theta in weight()) {
                    let s = setup::<$f, $c, $t>(&c);
                    let e = jensen(&s.problem(), &c.a, &c.b, theta);
                    prop_assert!(e.holds(), "{e:?}");
                }

                #[test]
                fn first_order_two_sided(c in case::<$f, $c>()) {
                    let s = setup::<$f, $c, $t>(&c);
                    let e = first_order(&s.problem(), &c.a, &c.b);
                    prop_assert!(e.holds(), "{e:?}");
                }

                #[test]
                fn gradient_monotone(c in case::<$f, $c>()) {
                    let s = setup::<$f, $c, $t>(&c);
                    let e = monotone(&s.problem(), &c.a, &c.b);
                    prop_assert!(e.holds(), "{e:?}");
                }

                /// λ‖v‖² ≤ vᵀ∇²P(θ)v ≤ L‖v‖² with the analytic Hessian-vector product.
                #[test]
                fn hessian_two_sided(c in case::<$f, $c>()) {
                    let s = setup::<$f, $c, $t>(&c);
                    let p = s.problem();
                    let (theta, v) = (p.rounded(&c.a), p.rounded(&c.b));
                    let (hv, e) = s.hvp(&theta, &v);
                    let q = dot(&v, &hv);
                    let vv = dot(&v, &v);
                    let tol = e * norm(&v) + 2.0 * (v.len() as f64 + 4.0) * U64 * (abs_dot(&v, &hv) + (p.mu + p.l) * vv);
                    prop_assert!(q >= p.mu * vv - tol, "vᵀHv = {q} < λ‖v‖² = {}", p.mu * vv);
                    prop_assert!(q <= p.l * vv + tol, "vᵀHv = {q} > L‖v‖² = {}", p.l * vv);
                }
            }
        }
    };
}

objective_properties!(objective_f64_f3_c4, f64, 3, 4);
objective_properties!(objective_f64_f5_c2, f64, 5, 2);
objective_properties!(objective_f32_f3_c4, f32, 3, 4);
objective_properties!(objective_f32_f5_c2, f32, 5, 2);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The analytic Hessian-vector product equals the central difference of the analytic
    /// gradient, (∇P(θ + hv) − ∇P(θ − hv))/(2h), within the difference's truncation error and
    /// the rounding of both.
    ///
    /// Truncation: h²/6 · sup‖D⁴P[v, v, v, ·]‖. Per sample, with u = V x̃ and b = ‖u‖∞, the third
    /// derivative of p along u is p_j[(u_j − ū)³ − 3Var_p(u)(u_j − ū) − E_p(u − ū)³], of ℓ1 norm
    /// ≤ 9b³, so the bound is (h²/6)·(1/n)Σ w·9b³·‖x̃‖. Rounding: the two gradient errors and
    /// the rounding of θ ± hv (moving the gradient by ≤ L·ρ), divided by 2h. h minimises the
    /// sum: h = (3·E/M)^(1/3).
    #[test]
    fn hvp_matches_gradient_differences(c in case::<3, 4>()) {
        let s = setup::<3, 4, f64>(&c);
        let (theta, v) = (c.a.clone(), c.b.clone());
        let dir = Setup::<3, 4, f64>::model::<f64>(&v);
        let third: f64 = s.data64.iter().map(|x| {
            let w = s.loss64.class_weights()[x.label.index()];
            w * 9.0 * logit_magnitude(&dir, &x.features).powi(3) * augmented_norm(&x.features)
        }).sum::<f64>() / s.n();
        let (_, e0) = s.gradient(&theta);
        let l = s.smoothness();
        // A zero gradient error and a zero direction (v = 0) would make h = 0 and the difference
        // 0/0; any h then bounds the same zero.
        let h = (3.0 * e0.max(f64::MIN_POSITIVE) / third.max(f64::MIN_POSITIVE)).cbrt().min(1.0);
        let plus: Vec<f64> = theta.iter().zip(&v).map(|(t, d)| t + h * d).collect();
        let minus: Vec<f64> = theta.iter().zip(&v).map(|(t, d)| t - h * d).collect();
        let rho = 2.0 * U64 * (norm(&theta) + h * norm(&v));
        let ((gp, ep), (gm, em)) = (s.gradient(&plus), s.gradient(&minus));
        let fd: Vec<f64> = gp.iter().zip(&gm).map(|(a, b)| (a - b) / (2.0 * h)).collect();
        let (hv, ehv) = s.hvp(&theta, &v);
        let tol = h * h / 6.0 * third + (ep + em + 2.0 * l * rho) / (2.0 * h) + ehv
            + 4.0 * U64 * norm(&fd);
        let diff = norm(&sub(&fd, &hv));
        prop_assert!(diff <= tol, "‖FD − Hv‖ = {diff} > {tol} (h = {h})");
    }
}

/// `convex::smoothness` (the mean form) is never above the textbook ½·max‖(x, 1)‖² + λ, and the
/// logit Hessian bound it rests on is the ½ of Lemma 3.
#[test]
fn smoothness_is_at_most_the_textbook_bound() {
    let mut rng = SplitMix64::new(7);
    for _ in 0..50 {
        let data: Vec<([f64; 3], usize)> = (0..10)
            .map(|_| {
                let x = core::array::from_fn(|_| 10.0 * (unit(&mut rng) - 0.5));
                (x, rng.below(4) as usize)
            })
            .collect();
        let s = Setup::<3, 4, f64>::new(&data, [1.0; 4], 0.0, 0.01);
        let textbook = 0.5
            * s.data64
                .iter()
                .map(|x| augmented_norm(&x.features).powi(2))
                .fold(0.0, f64::max)
            + 0.01;
        let l =
            convex::smoothness(&s.data, &Objective::from_parts(s.loss, s.lambda).unwrap()).unwrap();
        assert!(
            l.is_finite() && l <= textbook * (1.0 + gamma(8.0, U64)),
            "{l} > {textbook}"
        );
    }
}

/// A uniform draw from [0, 1).
fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut SplitMix64) -> f64 {
    let (a, b) = (unit(rng).max(f64::MIN_POSITIVE), unit(rng));
    (-2.0 * a.ln()).sqrt() * (core::f64::consts::TAU * b).cos()
}

/// Random data labelled by a linear teacher (argmax of its logits): linearly separable.
fn separable_data<const F: usize, const C: usize>(
    rng: &mut SplitMix64,
    n: usize,
    teacher: &Classifier<F, C, f64>,
) -> Vec<([f64; F], usize)> {
    (0..n)
        .map(|_| {
            let x: [f64; F] = core::array::from_fn(|_| normal(rng));
            (x, teacher.predict(&x).index())
        })
        .collect()
}

fn random_vector(rng: &mut SplitMix64, d: usize, scale: f64) -> Vec<f64> {
    (0..d).map(|_| scale * normal(rng)).collect()
}

/// Step 3: without the penalty, P is constant along D = (1·sᵀ, r·1) (adding s·x + r to every
/// logit), and its gradient is orthogonal to D; so a minimiser, if any, is never unique. With
/// λ > 0 the change along D is exactly the penalty's, λt⟨θ, D⟩ + (λ/2)t²‖D‖².
#[test]
fn shift_direction_is_flat_without_penalty() {
    let mut rng = SplitMix64::new(11);
    for lambda in [0.0, 0.1] {
        for _ in 0..20 {
            let data: Vec<([f64; 3], usize)> = (0..15)
                .map(|_| {
                    (
                        core::array::from_fn(|_| normal(&mut rng)),
                        rng.below(4) as usize,
                    )
                })
                .collect();
            let s = Setup::<3, 4, f64>::new(&data, [1.0; 4], 0.0, lambda);
            let theta = random_vector(&mut rng, 16, 1.0);
            let (shift, r) = (random_vector(&mut rng, 3, 1.0), normal(&mut rng));
            let mut d = Vec::new();
            for _ in 0..4 {
                d.extend_from_slice(&shift);
            }
            d.extend_from_slice(&[r; 4]);
            let t = 3.0 * normal(&mut rng);
            let moved: Vec<f64> = theta.iter().zip(&d).map(|(a, b)| a + t * b).collect();
            let ((p0, e0), (p1, e1)) = (s.value(&theta), s.value(&moved));
            let penalty = lambda * t * dot(&theta, &d) + lambda / 2.0 * t * t * dot(&d, &d);
            let tol = e0
                + e1
                + 8.0 * U64 * (p0.abs() + p1.abs() + penalty.abs())
                + 2.0
                    * U64
                    * (norm(&theta) + t.abs() * norm(&d))
                    * (norm(&s.gradient(&moved).0) + 1.0);
            assert!((p1 - p0 - penalty).abs() <= tol, "{p1} − {p0} ≠ {penalty}");
            if lambda == 0.0 {
                let (g, eg) = s.gradient(&theta);
                let along = dot(&g, &d);
                assert!(
                    along.abs() <= eg * norm(&d) + 8.0 * U64 * abs_dot(&g, &d),
                    "⟨∇P, D⟩ = {along}"
                );
            }
        }
    }
}

/// Step 3: on separable data without the penalty, P(2^k·θ_sep) decreases strictly towards the
/// infimum 0 and never reaches it, with a non-zero gradient at every point: no minimiser.
#[test]
fn separable_data_has_no_minimiser() {
    let mut rng = SplitMix64::new(5);
    let teacher = Setup::<2, 3, f64>::model::<f64>(&random_vector(&mut rng, 9, 1.0));
    let data = separable_data(&mut rng, 40, &teacher);
    let s = Setup::<2, 3, f64>::new(&data, [1.0; 3], 0.0, 0.0);
    let mut theta = Setup::<2, 3, f64>::flat(&teacher);
    let mut previous = f64::INFINITY;
    for _ in 0..12 {
        let (p, e) = s.value(&theta);
        let (g, eg) = s.gradient(&theta);
        assert!(
            p > e && p.is_finite(),
            "P = {p} is not above 0 beyond its error {e}"
        );
        assert!(p + e < previous, "P = {p} did not decrease from {previous}");
        assert!(norm(&g) > eg, "‖∇P‖ = {} within its error {eg}", norm(&g));
        previous = p - e;
        for v in &mut theta {
            *v *= 2.0;
        }
    }
}

// ------------------------------------------------------------------------------------------
// Step 6 and the checker's power: it finds what is not convex
// ------------------------------------------------------------------------------------------

/// A one-hidden-layer network z = V·tanh(A·x̃) + c, x̃ = (x, 1), with H hidden units, as a flat
/// vector (A row by row, then V row by row, then c). Returns the mean cross-entropy over the
/// data and a bound on its rounding error: the same computation on magnitudes, times γ_k with
/// k = F + H + 20 (the two dot products, tanh within 2 ULP, the logit perturbation through CE's
/// gradient of ℓ1 norm ≤ 2, and CE's own 9u).
fn network_loss<const F: usize, const C: usize>(
    theta: &[f64],
    hidden: usize,
    data: &[([f64; F], usize)],
) -> (f64, f64) {
    let (a, rest) = theta.split_at(hidden * (F + 1));
    let (v, c) = rest.split_at(C * hidden);
    let (mut total, mut magnitude) = (0.0, 0.0);
    for (x, y) in data {
        let xt: Vec<f64> = x.iter().copied().chain([1.0]).collect();
        let pre: Vec<f64> = a.chunks(F + 1).map(|row| dot(row, &xt)).collect();
        let pre_abs: Vec<f64> = a.chunks(F + 1).map(|row| abs_dot(row, &xt)).collect();
        let h: Vec<f64> = pre.iter().map(|p| p.tanh()).collect();
        let z: [f64; C] =
            core::array::from_fn(|k| dot(&v[k * hidden..(k + 1) * hidden], &h) + c[k]);
        let z_abs = (0..C)
            .map(|k| {
                let row = &v[k * hidden..(k + 1) * hidden];
                let through: f64 = row
                    .iter()
                    .zip(&pre_abs)
                    .map(|(w, p)| w.abs() * (1.0 + p))
                    .sum();
                through + c[k].abs()
            })
            .fold(0.0, f64::max);
        let ce = cross_entropy(&z, Label::new(*y).unwrap());
        total += ce;
        magnitude += ce + 2.0 * z_abs;
    }
    let n = data.len() as f64;
    let k = F as f64 + hidden as f64 + 20.0;
    (
        total / n,
        gamma(k, U64) * magnitude / n + 2.0 * U64 * total / n,
    )
}

/// The network's loss as a problem for the checker, claiming plain convexity (μ = 0) and no
/// smoothness constant. No gradient is claimed either (an infinite error bound), so the checker
/// can only flag Jensen at points where θa + (1 − θ)b is exact — which it reports itself.
fn network_problem<const F: usize, const C: usize>(
    hidden: usize,
    data: &[([f64; F], usize)],
) -> Problem<'_> {
    Problem {
        value: Box::new(move |t| network_loss::<F, C>(t, hidden, data)),
        gradient: Box::new(|t| (vec![0.0; t.len()], f64::INFINITY)),
        round: round_f64,
        mu: 0.0,
        l: f64::INFINITY,
    }
}

/// Negates the hidden layer (A, V) and keeps c: tanh is odd, so the loss is unchanged.
fn mirrored<const F: usize, const C: usize>(theta: &[f64], hidden: usize) -> Vec<f64> {
    let split = hidden * (F + 1) + C * hidden;
    theta
        .iter()
        .enumerate()
        .map(|(i, &t)| if i < split { -t } else { t })
        .collect()
}

/// Step 6, the example in the docs: two samples (x = 1, class 0) and (x = −1, class 1), one
/// tanh unit, logits (v·tanh(a·x), 0). (a, v) = (1, 2) and (−1, −2) both have loss
/// ln(1 + e^{−2 tanh 1}) ≈ 0.1972, their midpoint (0, 0) has ln 2 ≈ 0.6931: Jensen fails by
/// 0.4959, and the checker says so.
#[test]
fn hidden_layer_docs_example() {
    let data = [([1.0], 0), ([-1.0], 1)];
    let a = [1.0, 0.0, 2.0, 0.0, 0.0, 0.0]; // A = (1, 0), V = (2; 0), c = (0, 0)
    let b = mirrored::<1, 2>(&a, 1);
    let p = network_problem::<1, 2>(1, &data);
    let expected = (-2.0 * 1.0_f64.tanh()).exp().ln_1p();
    let ((pa, ea), (pb, eb)) = ((p.value)(&a), (p.value)(&b));
    let (pm, em) = (p.value)(&[0.0; 6]);
    assert!(
        (pa - expected).abs() <= ea && (pb - expected).abs() <= eb,
        "{pa} {pb}"
    );
    assert!((pm - core::f64::consts::LN_2).abs() <= em, "{pm}");
    assert!((0.1972..0.1973).contains(&pa) && (pm - pa - 0.4959).abs() < 1e-4);
    let e = jensen(&p, &a, &b, 0.5);
    assert!(e.violated() && e.below > 0.49, "{e:?}");
}

/// Step 6 and the checker can fail (a): a one-hidden-layer network built to mimic a good
/// linear model (A = ⅛·[W b], V = 8·I, so V·tanh(A x̃) ≈ W x + b) and its mirror image
/// (−A, −V) have the same loss, while every point between them is a smaller network; the same
/// Jensen checker that passes on the crate's objective flags θ = ¼, ½ and ¾. The grid of 2⁻²⁰
/// makes every combination exact, so the checker's tolerance is its error model alone.
#[test]
fn hidden_layer_violates_jensen() {
    let mut rng = SplitMix64::new(3);
    let teacher: Vec<f64> = random_vector(&mut rng, 12, 2.0)
        .iter()
        .map(|v| (v * 1_048_576.0).round() / 1_048_576.0)
        .collect();
    let linear = Setup::<2, 4, f64>::model::<f64>(&teacher);
    let data = separable_data(&mut rng, 60, &linear);
    let mut net = Vec::new();
    for (row, b) in linear.weights().iter().zip(linear.bias()) {
        net.extend(row.iter().chain([b]).map(|w| w / 8.0));
    }
    for k in 0..4 {
        net.extend((0..4).map(|j| if j == k { 8.0 } else { 0.0 }));
    }
    net.extend([0.0; 4]);
    let mirror = mirrored::<2, 4>(&net, 4);
    let p = network_problem::<2, 4>(4, &data);
    let (pa, _) = (p.value)(&net);
    assert!(
        pa < 0.5 * 4.0_f64.ln(),
        "the network fits the data: loss {pa}"
    );
    for theta in [0.25, 0.5, 0.75] {
        let e = jensen(&p, &net, &mirror, theta);
        assert!(e.violated(), "θ = {theta}: {e:?}");
    }
    // The crate's objective on the same data passes the same check between the corresponding
    // linear models (W, b) and (−W, −b).
    let s = Setup::<2, 4, f64>::new(&data, [1.0; 4], 0.0, 0.0);
    let negated: Vec<f64> = teacher.iter().map(|v| -v).collect();
    for theta in [0.25, 0.5, 0.75] {
        assert!(jensen(&s.problem(), &teacher, &negated, theta).holds());
    }
}

/// A gradient deliberately broken in one of three ways, on the crate's objective.
#[derive(Clone, Copy, Debug)]
enum Broken {
    /// −∇P.
    SignFlipped,
    /// p_y in place of p_y − 1 for the true class: adds (1/n)Σ_i w_{y_i} e_{y_i} x̃_iᵀ.
    ProbabilityForResidual,
    /// ∇P − λθ: the penalty's gradient left out.
    PenaltyMissing,
}

fn broken_problem<const F: usize, const C: usize>(
    s: &Setup<F, C, f64>,
    kind: Broken,
) -> Problem<'_> {
    let mut p = s.problem();
    p.gradient = Box::new(move |t| {
        let (mut g, e) = s.gradient(t);
        match kind {
            Broken::SignFlipped => g.iter_mut().for_each(|v| *v = -*v),
            Broken::ProbabilityForResidual => {
                for x in &s.data64 {
                    let c = x.label.index();
                    let w = s.loss64.class_weights()[c] / s.n();
                    for (f, xf) in x.features.iter().enumerate() {
                        g[c * F + f] += w * xf;
                    }
                    g[C * F + c] += w;
                }
            }
            Broken::PenaltyMissing => {
                g.iter_mut().zip(t).for_each(|(v, ti)| *v -= s.lambda * ti);
            }
        }
        (g, e)
    });
    p
}

/// The checker can fail (b): on random pairs (a, a + h·v), the first-order and monotonicity
/// checks flag each broken gradient on every pair, and never the crate's own. A wrong gradient
/// shifts the first-order remainder by a term linear in h, which outgrows the quadratic window
/// [(μ/2)h², (L/2)h²] as h falls; monotonicity sees a sign flip at any h, but not a constant
/// offset (the probability-for-residual bug), which cancels in ∇P(a) − ∇P(b).
#[test]
fn broken_gradients_are_detected() {
    let mut rng = SplitMix64::new(17);
    let data: Vec<([f64; 3], usize)> = (0..20)
        .map(|_| {
            (
                core::array::from_fn(|_| normal(&mut rng)),
                rng.below(4) as usize,
            )
        })
        .collect();
    let s = Setup::<3, 4, f64>::new(&data, [1.0; 4], 0.0, 0.1);
    let sound = s.problem();
    let kinds = [
        Broken::SignFlipped,
        Broken::ProbabilityForResidual,
        Broken::PenaltyMissing,
    ];
    let broken: Vec<Problem> = kinds.iter().map(|&k| broken_problem(&s, k)).collect();
    for _ in 0..16 {
        let a = random_vector(&mut rng, 16, 1.0);
        let v = random_vector(&mut rng, 16, 1.0);
        let v: Vec<f64> = v.iter().map(|x| x / norm(&v)).collect();
        let mut flagged = [false; 3];
        for h in [1.0, 1e-2, 1e-4] {
            let b: Vec<f64> = a.iter().zip(&v).map(|(x, d)| x + h * d).collect();
            assert!(first_order(&sound, &a, &b).holds() && first_order(&sound, &b, &a).holds());
            assert!(monotone(&sound, &a, &b).holds());
            for (k, p) in broken.iter().enumerate() {
                let checks = [
                    first_order(p, &a, &b),
                    first_order(p, &b, &a),
                    monotone(p, &a, &b),
                ];
                flagged[k] |= checks.iter().any(|e| e.violated());
            }
            assert!(
                monotone(&broken[0], &a, &b).violated(),
                "sign flip, h = {h}"
            );
            assert!(
                monotone(&broken[1], &a, &b).holds(),
                "a constant offset cancels"
            );
        }
        assert_eq!(flagged, [true; 3], "{kinds:?}");
    }
}

/// The two-sided bounds are sharp, and the checker resolves them: along the shift direction D
/// (Step 3) the data term is flat, so the Jensen gap is exactly (λ/2)θ(1−θ)‖Δ‖²; and the logit
/// Hessian bound ½ is attained at p = (½, ½), u = (1, −1) (Lemma 3), so for a short step the
/// gap is (½/2)θ(1−θ)‖Δ‖² to first order. Claims 1% stronger (μ = 1.01λ, L = 0.99·½) are
/// refuted by the same checker.
#[test]
fn bounds_are_attained_and_stronger_claims_refuted() {
    let mut rng = SplitMix64::new(23);
    let data: Vec<([f64; 3], usize)> = (0..15)
        .map(|_| {
            (
                core::array::from_fn(|_| normal(&mut rng)),
                rng.below(4) as usize,
            )
        })
        .collect();
    let s64 = Setup::<3, 4, f64>::new(&data, [1.0; 4], 0.0, 0.1);
    let s32 = Setup::<3, 4, f32>::new(&data, [1.0; 4], 0.0, 0.1);
    let a: Vec<f64> = random_vector(&mut rng, 16, 1.0)
        .iter()
        .map(|&v| round_f32(v))
        .collect();
    let mut b = a.clone();
    // Δ = ½·(1…1): every W column and b shifted alike.
    for v in &mut b {
        *v += 0.5;
    }
    for problem in [s64.problem(), s32.problem()] {
        let lambda = problem.mu;
        assert!(jensen(&problem, &a, &b, 0.5).holds());
        let mut stronger = problem;
        stronger.mu = 1.01 * lambda;
        let e = jensen(&stronger, &a, &b, 0.5);
        assert!(e.violated(), "μ = 1.01λ not refuted: {e:?}");
    }
    let mut logits = logits_problem::<f64, 2>(Label::new(0).unwrap());
    let (z, z2) = ([3.0, 3.0], [3.0 + 1e-3, 3.0 - 1e-3]);
    assert!(jensen(&logits, &z, &z2, 0.5).holds());
    logits.l = 0.99 * 0.5;
    let e = jensen(&logits, &z, &z2, 0.5);
    assert!(e.violated(), "L = 0.99·½ not refuted: {e:?}");
}
