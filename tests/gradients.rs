//! Finite-difference checks of every gradient the crate computes, in `f64`.
//!
//! # The error model of a central difference
//!
//! For a coordinate θ_i and step h, the central difference D = (f(θ + h·e_i) − f(θ − h·e_i)) / 2h
//! differs from ∂f/∂θ_i by
//!
//! - truncation: D − f' = h²/12·(f'''(ξ₁) + f'''(ξ₂)), at most M₃·h²/6, where M₃ bounds
//!   |∂³f/∂θ_i³| near θ;
//! - rounding: each evaluation of f is wrong by at most ε, so the difference is wrong by at most
//!   2ε and D by ε/h; the subtraction adds u·|f(θ+h) − f(θ−h)| ≈ 2hu·|f'|, i.e. 2u·|f'| after
//!   the division (which is exact: h is a power of two).
//!
//! The step minimising M₃h²/6 + ε/h is h = (3ε/M₃)^(1/3); each check rounds it to a power of
//! two, keeps every θ_i on a grid of 2⁻³⁰ (so θ_i ± h is exact), and asserts
//! |D − g_i| ≤ M₃h²/6 + ε/h + 2u·|g_i|.
//!
//! Every loss here is w·lse(z) + (linear in z) [+ (λ/2)‖θ‖², whose third derivative is 0], and
//! along a logit direction a·e_j the third derivative of lse is a³·p_j(1 − p_j)(1 − 2p_j),
//! at most |a|³/(6√3). So M₃ = w·|a|³/(6√3), with a = x_f for a weight W_cf and a = 1 for a
//! logit or a bias.
//!
//! ε comes from the accuracy model of `tests/common/accuracy.rs` run in `f64`: the losses are
//! sums of non-negative terms each within 16u relative (cross-entropy 8u, smoothing and
//! weighting a few roundings more), so ε = 16u·(|f| + 1) (the 1 covers the change of f over
//! ±h); when the logits are computed from parameters, each logit z_c = Σ_f W_cf x_f + b_c is
//! also wrong by up to (F + 1)u·S_c, S_c = Σ_f |W_cf x_f| + |b_c|, which moves the loss by at
//! most ‖∇_z‖₁·max_c (F + 1)u·S_c ≤ 2w(F + 1)u·max_c S_c.

#![allow(
    clippy::unwrap_used,
    reason = "helpers of a test crate fail the test by panicking"
)]

use tinysoftmax::Objective;
use tinysoftmax::convex::{Parameters, gradient, objective};
use tinysoftmax::loss::{
    CrossEntropy, cross_entropy, cross_entropy_with_grad, soft_cross_entropy,
    soft_cross_entropy_with_grad,
};
use tinysoftmax::optim::Sgd;
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Label, Sample, SplitMix64};

/// Unit roundoff of `f64`.
const U: f64 = f64::EPSILON / 2.0;

/// max |p(1 − p)(1 − 2p)| over p ∈ [0, 1] = 1/(6√3): the bound on lse''' along a unit logit.
const LSE_THIRD: f64 = 0.096_225_044_864_937_63;

/// Grid of the parameters and logits (2⁻³⁰), so that θ ± h is exact for h ≥ 2⁻³⁰ and |θ| < 8.
const GRID: f64 = 1_073_741_824.0;

fn on_grid(x: f64) -> f64 {
    (x * GRID).round() / GRID
}

fn uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
    on_grid(lo + (hi - lo) * unit)
}

/// The finite-difference step from the error model: (3ε/M₃)^(1/3), rounded to a power of two.
fn step(m3: f64, eps: f64) -> f64 {
    let h = (3.0 * eps / m3).cbrt();
    2.0_f64.powf(h.log2().round())
}

/// The largest |D − g_i| / tolerance over the coordinates (with the step and tolerance of the
/// module docs), and the coordinate where it occurs. `m3[i]` bounds the third derivative along
/// coordinate i; `eps` bounds the evaluation error of f near θ.
fn difference_ratio(
    theta: &[f64],
    f: impl Fn(&[f64]) -> f64,
    grad: &[f64],
    m3: &[f64],
    eps: f64,
) -> (f64, usize) {
    assert_eq!(theta.len(), grad.len());
    let mut worst = (0.0, 0);
    for i in 0..theta.len() {
        let h = step(m3[i], eps);
        let mut t = theta.to_vec();
        t[i] = theta[i] + h;
        assert_eq!(t[i] - theta[i], h, "θ_{i} + h is not exact");
        let plus = f(&t);
        t[i] = theta[i] - h;
        assert_eq!(theta[i] - t[i], h, "θ_{i} − h is not exact");
        let minus = f(&t);
        let d = (plus - minus) / (2.0 * h);
        let tolerance = m3[i] * h * h / 6.0 + eps / h + 2.0 * U * grad[i].abs();
        // NaN compares as not below: a NaN difference or gradient is reported as infinite.
        let ratio = (d - grad[i]).abs() / tolerance;
        let ratio = if ratio <= f64::MAX {
            ratio
        } else {
            f64::INFINITY
        };
        if ratio > worst.0 {
            worst = (ratio, i);
        }
    }
    worst
}

/// Asserts `grad` = ∇f(θ) within the tolerance; returns the largest error / tolerance.
fn check_gradient(
    name: &str,
    theta: &[f64],
    f: impl Fn(&[f64]) -> f64,
    grad: &[f64],
    m3: &[f64],
    eps: f64,
) -> f64 {
    let (ratio, i) = difference_ratio(theta, f, grad, m3, eps);
    assert!(
        ratio <= 1.0,
        "{name}, coordinate {i}: error {ratio:.3e} × tolerance (analytic {:e})",
        grad[i]
    );
    ratio
}

/// Random logits in [−8, 8] on the grid.
fn logits<const C: usize>(rng: &mut SplitMix64) -> [f64; C] {
    core::array::from_fn(|_| uniform(rng, -8.0, 8.0))
}

fn label<const C: usize>(rng: &mut SplitMix64) -> Label<C> {
    Label::new(rng.below(u32::try_from(C).unwrap()) as usize).unwrap()
}

fn loss_eps(f: f64) -> f64 {
    16.0 * U * (f.abs() + 1.0)
}

fn check_cross_entropy<const C: usize>(rng: &mut SplitMix64) -> f64 {
    let z = logits::<C>(rng);
    let y = label::<C>(rng);
    let (loss, grad) = cross_entropy_with_grad(&z, y);
    // The fused loss is the plain one.
    assert_eq!(loss, cross_entropy(&z, y));
    let f = |t: &[f64]| cross_entropy(&<[f64; C]>::try_from(t).unwrap(), y);
    check_gradient(
        "cross_entropy_with_grad",
        &z,
        f,
        &grad,
        &[LSE_THIRD; C],
        loss_eps(loss),
    )
}

#[test]
fn cross_entropy_gradient() {
    let mut rng = SplitMix64::new(1);
    let mut worst: f64 = 0.0;
    for _ in 0..100 {
        worst = worst.max(check_cross_entropy::<2>(&mut rng));
        worst = worst.max(check_cross_entropy::<3>(&mut rng));
        worst = worst.max(check_cross_entropy::<10>(&mut rng));
    }
    println!("cross_entropy_with_grad: worst error / tolerance = {worst:.3}");
}

fn check_soft<const C: usize>(rng: &mut SplitMix64, normalised: bool) -> f64 {
    let z = logits::<C>(rng);
    let mut q: [f64; C] = core::array::from_fn(|_| uniform(rng, 0.0, 1.0));
    if normalised {
        let total: f64 = q.iter().sum();
        for v in &mut q {
            *v /= total;
        }
    }
    let (loss, grad) = soft_cross_entropy_with_grad(&z, &q);
    let plain = soft_cross_entropy(&z, &q);
    assert!((loss - plain).abs() <= loss_eps(loss), "{loss} vs {plain}");
    let mass: f64 = q.iter().sum();
    let f = |t: &[f64]| soft_cross_entropy(&<[f64; C]>::try_from(t).unwrap(), &q);
    check_gradient(
        "soft_cross_entropy_with_grad",
        &z,
        f,
        &grad,
        &[mass * LSE_THIRD; C],
        loss_eps(loss),
    )
}

#[test]
fn soft_cross_entropy_gradient() {
    let mut rng = SplitMix64::new(2);
    let mut worst: f64 = 0.0;
    for i in 0..100 {
        // Probability targets, and (the formula holds for any q ≥ 0) unnormalised ones.
        let normalised = i % 2 == 0;
        worst = worst.max(check_soft::<2>(&mut rng, normalised));
        worst = worst.max(check_soft::<5>(&mut rng, normalised));
    }
    println!("soft_cross_entropy_with_grad: worst error / tolerance = {worst:.3}");
}

const WEIGHTS: [f64; 4] = [0.5, 1.0, 2.0, 1.5];

fn weighted_smoothed(smoothing: f64) -> CrossEntropy<4, f64> {
    CrossEntropy::new()
        .with_class_weights(WEIGHTS)
        .unwrap()
        .with_label_smoothing(smoothing)
        .unwrap()
}

#[test]
fn weighted_smoothed_cross_entropy_gradient() {
    let mut rng = SplitMix64::new(3);
    let mut worst: f64 = 0.0;
    for smoothing in [0.0, 0.1, 0.5, 1.0] {
        let ce = weighted_smoothed(smoothing);
        for _ in 0..50 {
            let z = logits::<4>(&mut rng);
            let y = label::<4>(&mut rng);
            let (loss, grad) = ce.loss_with_grad(&z, y);
            assert!((loss - ce.loss(&z, y)).abs() <= loss_eps(loss));
            let f = |t: &[f64]| ce.loss(&<[f64; 4]>::try_from(t).unwrap(), y);
            let m3 = [WEIGHTS[y.index()] * LSE_THIRD; 4];
            let name = format!("CrossEntropy::loss_with_grad, smoothing {smoothing}");
            worst = worst.max(check_gradient(&name, &z, f, &grad, &m3, loss_eps(loss)));
        }
    }
    println!("CrossEntropy::loss_with_grad: worst error / tolerance = {worst:.3}");
}

const F: usize = 3;
const C: usize = 4;

/// Parameters flattened as W row by row, then b.
fn flatten(m: &Classifier<F, C, f64>) -> Vec<f64> {
    flatten_parts(m.weights(), m.bias())
}

/// A parameter-space vector flattened the same way.
fn flatten_vec(v: &Parameters<F, C, f64>) -> Vec<f64> {
    flatten_parts(v.weights(), v.bias())
}

fn flatten_parts(weights: [[f64; F]; C], bias: &[f64; C]) -> Vec<f64> {
    weights
        .iter()
        .flatten()
        .chain(bias.iter())
        .copied()
        .collect()
}

fn unflatten(t: &[f64]) -> Classifier<F, C, f64> {
    let weights = core::array::from_fn(|c| core::array::from_fn(|f| t[c * F + f]));
    let bias = core::array::from_fn(|c| t[C * F + c]);
    Classifier::new(weights, bias)
}

fn random_model(rng: &mut SplitMix64) -> Classifier<F, C, f64> {
    let t: Vec<f64> = (0..C * F + C).map(|_| uniform(rng, -1.0, 1.0)).collect();
    unflatten(&t)
}

fn random_sample(rng: &mut SplitMix64) -> Sample<F, C, f64> {
    Sample::new(
        core::array::from_fn(|_| uniform(rng, -2.0, 2.0)),
        label::<C>(rng),
    )
}

/// M₃ per parameter for a loss of weight `w`: w·|x_f|³/(6√3) for W_cf, w/(6√3) for b_c.
fn parameter_m3(x_max: &[f64; F], w: f64) -> Vec<f64> {
    let mut m3 = Vec::with_capacity(C * F + C);
    for _ in 0..C {
        m3.extend(x_max.iter().map(|x| w * LSE_THIRD * x.abs().powi(3)));
    }
    m3.extend([w * LSE_THIRD; C]);
    m3
}

/// max_c (F + 1)·u·S_c, the rounding bound of the logits W x + b.
fn logit_error(m: &Classifier<F, C, f64>, x: &[f64; F]) -> f64 {
    let s = m
        .weights()
        .iter()
        .zip(m.bias())
        .map(|(row, b)| row.iter().zip(x).map(|(w, x)| (w * x).abs()).sum::<f64>() + b.abs())
        .fold(0.0, f64::max);
    (F as f64 + 1.0) * U * s
}

/// ∂ Classifier::loss / ∂(W, b) = δ·(x, 1)ᵀ with δ the logit gradient.
#[test]
fn classifier_loss_gradient_is_outer_product() {
    let mut rng = SplitMix64::new(4);
    let mut worst: f64 = 0.0;
    for _ in 0..40 {
        let model = random_model(&mut rng);
        let s = random_sample(&mut rng);
        let (loss, delta) = cross_entropy_with_grad(&model.logits(&s.features), s.label);
        assert_eq!(loss, model.loss(&s.features, s.label));
        let mut grad: Vec<f64> = delta
            .iter()
            .flat_map(|d| s.features.iter().map(move |x| d * x))
            .collect();
        grad.extend(delta);
        let f = |t: &[f64]| unflatten(t).loss(&s.features, s.label);
        let eps = loss_eps(loss) + 2.0 * logit_error(&model, &s.features);
        let m3 = parameter_m3(&s.features, 1.0);
        let r = check_gradient("Classifier::loss", &flatten(&model), f, &grad, &m3, eps);
        worst = worst.max(r);
    }
    println!("Classifier::loss: worst error / tolerance = {worst:.3}");
}

/// ½‖θ‖², summed here (not by the crate).
fn half_norm_squared(t: &[f64]) -> f64 {
    0.5 * t.iter().map(|v| v * v).sum::<f64>()
}

/// convex::gradient is the gradient of convex::objective, with λ > 0, class weights and label
/// smoothing.
#[test]
fn full_batch_gradient() {
    let mut rng = SplitMix64::new(5);
    let lambda = 0.1;
    let mut worst: f64 = 0.0;
    for smoothing in [0.0, 0.2] {
        let ce = weighted_smoothed(smoothing);
        let data: Vec<Sample<F, C, f64>> = (0..12).map(|_| random_sample(&mut rng)).collect();
        let model = random_model(&mut rng);
        let (p, g) = gradient(&model, &data, &Objective::from_parts(ce, lambda).unwrap()).unwrap();
        assert_eq!(
            p,
            objective(&model, &data, &Objective::from_parts(ce, lambda).unwrap()).unwrap()
        );
        let f = |t: &[f64]| {
            objective(
                &unflatten(t),
                &data,
                &Objective::from_parts(ce, lambda).unwrap(),
            )
            .unwrap()
        };
        let w_max = WEIGHTS.iter().copied().fold(0.0, f64::max);
        let x_max: [f64; F] =
            core::array::from_fn(|f| data.iter().map(|s| s.features[f].abs()).fold(0.0, f64::max));
        let logits = data
            .iter()
            .map(|s| logit_error(&model, &s.features))
            .fold(0.0, f64::max);
        let theta = flatten(&model);
        // Loss terms, logit rounding, and the penalty λ/2·‖θ‖² summed over C·F + C squares.
        let eps = loss_eps(p)
            + 2.0 * w_max * logits
            + (C * F + C + 2) as f64 * U * lambda * half_norm_squared(&theta);
        let m3 = parameter_m3(&x_max, w_max);
        let r = check_gradient("convex::gradient", &theta, f, &flatten_vec(&g), &m3, eps);
        worst = worst.max(r);
    }
    println!("convex::gradient: worst error / tolerance = {worst:.3}");
}

/// One plain SGD step moves θ by −η·∇(ℓ(θ) + λ/2‖θ‖²) for that sample's loss ℓ.
#[test]
fn trainer_step_is_minus_eta_gradient() {
    let mut rng = SplitMix64::new(6);
    let (eta, lambda) = (0.125, 0.05);
    let ce = weighted_smoothed(0.1);
    for _ in 0..20 {
        let mut model = random_model(&mut rng);
        let s = random_sample(&mut rng);
        let before = flatten(&model);
        let mut trainer = Trainer::new(
            Sgd::new(eta).unwrap(),
            Objective::from_parts(ce, lambda).unwrap(),
        )
        .unwrap();
        let loss = trainer.step(&mut model, &s).unwrap();
        assert_eq!(
            loss,
            ce.loss(&unflatten(&before).logits(&s.features), s.label)
        );
        let after = flatten(&model);

        // The regularised per-sample loss and its gradient by central differences.
        let f = |t: &[f64]| {
            ce.loss(&unflatten(t).logits(&s.features), s.label) + lambda * half_norm_squared(t)
        };
        let w = WEIGHTS[s.label.index()];
        let f0 = f(&before);
        let eps = loss_eps(f0)
            + 2.0 * w * logit_error(&unflatten(&before), &s.features)
            + (C * F + C + 2) as f64 * U * lambda * half_norm_squared(&before);
        let m3 = parameter_m3(&s.features, w);
        // The same regularised gradient from the crate's full-batch code on this one sample.
        let (_, g) = gradient(
            &unflatten(&before),
            &[s],
            &Objective::from_parts(ce, lambda).unwrap(),
        )
        .unwrap();
        let g = flatten_vec(&g);
        check_gradient("regularised sample loss", &before, f, &g, &m3, eps);

        for i in 0..before.len() {
            let moved = after[i] - before[i];
            // Rounding of θ − η·g and of the difference (2u each, of |θ| + |θ'|), and of the
            // step's own g (computed as δ_c·x_f + λθ, 16u of |δ_c x_f| + λ|θ| ≤ |g| + 2λ|θ|).
            let rounding = 2.0 * U * (before[i].abs() + after[i].abs())
                + 16.0 * U * eta * (g[i].abs() + 2.0 * lambda * before[i].abs());
            let err = (moved + eta * g[i]).abs();
            assert!(
                err <= rounding,
                "parameter {i}: moved {moved:e}, −η·g = {:e}",
                -eta * g[i]
            );
        }
    }
}

/// The check can fail: a gradient that is right only to `f32` precision (relative error up to
/// 2⁻²⁴), or whose smoothing term uses the wrong class count, is rejected.
#[test]
fn checker_rejects_slightly_wrong_gradients() {
    let mut rng = SplitMix64::new(7);
    let mut worst_f32: f64 = 0.0;
    for _ in 0..20 {
        let z = logits::<4>(&mut rng);
        let y = label::<4>(&mut rng);
        let (loss, grad) = cross_entropy_with_grad(&z, y);
        #[expect(
            clippy::cast_possible_truncation,
            reason = "rounding to f32 is the point"
        )]
        let rounded = grad.map(|g| f64::from(g as f32));
        let f = |t: &[f64]| cross_entropy(&<[f64; 4]>::try_from(t).unwrap(), y);
        let (ratio, _) = difference_ratio(&z, f, &rounded, &[LSE_THIRD; 4], loss_eps(loss));
        worst_f32 = worst_f32.max(ratio);
    }
    assert!(worst_f32 > 2.0, "f32-rounded gradient passed: {worst_f32}");

    // Smoothing ε/C applied as ε/(C − 1): off by ε/12 = 0.0083 per component.
    let ce = weighted_smoothed(0.1);
    let z = logits::<4>(&mut rng);
    let y = label::<4>(&mut rng);
    let (loss, mut grad) = ce.loss_with_grad(&z, y);
    let w = WEIGHTS[y.index()];
    for g in &mut grad {
        *g += w * 0.1 * (1.0 / 4.0 - 1.0 / 3.0);
    }
    let f = |t: &[f64]| ce.loss(&<[f64; 4]>::try_from(t).unwrap(), y);
    let (ratio, _) = difference_ratio(&z, f, &grad, &[w * LSE_THIRD; 4], loss_eps(loss));
    assert!(ratio > 1e3, "{ratio}");
}
