//! Each term of the allowance held against the error of the proof step that needs it.
//!
//! The terms that the end-to-end tests (`tests/certificate_soundness.rs`) can isolate are
//! checked there, on whole certificates against exact gaps. The others bound errors that the
//! rest of E always covers with room to spare in a whole certificate, so each is checked here
//! at its own step: the step's actual rounding error, computed exactly, against the term as
//! [`Allowance`] computes it. Removing the term makes its test fail; the module docs ("Which
//! test needs which term") list them.

#![expect(
    clippy::cast_possible_truncation,
    reason = "test values are rounded to f32 on purpose, and the exact sum fits i128"
)]

extern crate std;

use super::super::finish_entry;
use super::*;
use crate::data::Label;
use crate::loss::CrossEntropy;
use crate::rng::SplitMix64;

const U: f64 = f32::EPSILON as f64 / 2.0;
/// Random cases per sweep: a few under Miri, which checks these tests for undefined behaviour
/// and byte order only (their numerical claims are checked natively).
const CASES: u32 = if cfg!(miri) { 20 } else { 20_000 };
/// ω in `f32`, as an `f64`.
const OMEGA: f64 = 1.401_298_464_324_817e-45;

/// A value 2^e·m with e uniform in [lo, hi) and m uniform in [1, 2), rounded to `f32`.
fn log_uniform(rng: &mut SplitMix64, lo: i32, hi: i32) -> f32 {
    let span = u32::try_from(hi - lo).unwrap_or(1);
    let e = lo + i32::try_from(rng.below(span)).unwrap_or(0);
    let m = 1.0 + (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (m * 2f64.powi(e)) as f32
}

/// ‖v‖ in `f64`, for `f32` values (exact squares; the sum and root within about 1e-16).
fn exact_norm(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x).sum::<f64>().sqrt()
}

/// Every term of a sum of terms reaches the sum: each `total` keeps each field.
#[test]
fn sums_keep_every_term() {
    let one = |k: usize| {
        let mut v = [0.0_f32; 5];
        v[k] = 1.0;
        v
    };
    for k in 0..5 {
        let [rounding, summation, logits, smoothing, subnormal] = one(k);
        let terms = SampleTerms {
            rounding,
            summation,
            logits,
            smoothing,
            subnormal,
        };
        assert!(terms.total() >= 1.0, "sample term {k}");
    }
    for k in 0..4 {
        let [mean, final_addition, penalty, underflow, _] = one(k);
        let terms = GlobalTerms {
            mean,
            final_addition,
            penalty,
            underflow,
        };
        assert!(terms.total() >= 1.0, "global term {k}");
    }
}

/// γ_n² (compensated summation's second order). The sum 1 + t_1 + … + t_n − 1 with every
/// t_j below half an ULP of 1: each t_j is absorbed into the running sum and goes whole into
/// the carry, and the carry, a plain sum of n terms near 2⁻²⁷, rounds n times. The result is
/// off by far more than u·|S|, and by more than the 2n·u²·Σ|t| the allowance once used, but
/// within u·|S| + γ_n²·Σ|t| (each |t| entering E as the ‖δ̂‖ of one sample with ‖x̃‖ = 1).
#[test]
#[cfg_attr(
    miri,
    ignore = "30 002 compensated additions; a numerical claim, checked natively"
)]
fn second_order_summation_term_is_needed() {
    const N: usize = 30_000;
    let mut rng = SplitMix64::new(3);
    let terms: std::vec::Vec<f32> = core::iter::once(1.0)
        .chain((0..N).map(|_| log_uniform(&mut rng, -25, -24)))
        .chain(core::iter::once(-1.0))
        .collect();
    // Exact sum in units of 2⁻⁶⁰ (every term is a multiple of 2⁻⁵⁰).
    let exact: i128 = terms
        .iter()
        .map(|&t| (f64::from(t) * 2f64.powi(60)) as i128)
        .sum();
    let exact = exact as f64 * 2f64.powi(-60);
    let mut sum = Compensated::new();
    for &t in &terms {
        sum.add(t);
    }
    let error = (f64::from(sum.total()) - exact).abs();
    let n = terms.len();
    let allowance = Allowance::<f32>::new::<1, 2>(n as f32, 0.0);
    let second_order: f64 = terms
        .iter()
        .map(|t| f64::from(allowance.sample_terms(0.0, t.abs(), 0.0).summation))
        .sum();
    let absolute: f64 = terms.iter().map(|t| f64::from(t.abs())).sum();
    assert!(
        error <= U * exact.abs() + second_order,
        "{error:e} > {second_order:e}"
    );
    // What this sum shows: the first-order bound is far from enough, and so was 2n·u².
    let former = 2.0 * n as f64 * U * U * absolute;
    assert!(
        error > 10.0 * U * exact.abs() && error > 2.0 * former,
        "{error:e} vs {former:e}"
    );
}

/// (10F + 1)·ω (Dot2's error-free products that underflow). 100 products w_f·x_f = 0.45ω,
/// each of which rounds to 0 with an error part that underflows to 0 as well: the computed
/// logit is 0 where the exact one is 45ω, so the difference z_1 − z_0 is off by 45ω, while
/// (2γ_{F+1}² + 9u²)·a is far below ω.
#[test]
fn logit_underflow_term_is_needed() {
    let w = (0.45 * 2f64.powi(-75)) as f32;
    let x = [2f32.powi(-74); 100];
    let model = Classifier::<100, 2>::new([[w; 100], [0.0; 100]], [0.0; 2]);
    let (z, e) = accurate_logit_pairs(&model, &x);
    let (hi, lo, k) = logit_differences(&z, &e);
    let exact_z0 = 100.0 * f64::from(w) * f64::from(x[0]);
    let exact_differences = [exact_z0, 0.0].map(|zk_minus| [exact_z0, 0.0].map(|zj| zj - zk_minus));
    let error = (0..2)
        .map(|j| (f64::from(hi[j]) + f64::from(lo[j]) - exact_differences[k][j]).abs())
        .fold(0.0, f64::max);
    let allowance = Allowance::<f32>::new::<100, 2>(1.0, 0.0);
    let bound = allowance.logit_error(logit_magnitude(&model, &x));
    assert!(error <= f64::from(bound), "{error:e} > {bound:e}");
    assert!(error > 40.0 * OMEGA, "{error:e}");
}

/// √C·(4w + 1)·ω (δ's components in the subnormal range). Logits 0, −100, −101 with label 0
/// and class weight 1000: the probabilities of classes 1 and 2 (about 27ω and 10ω) are
/// rounded to multiples of ω, and the weight multiplies their errors a thousandfold, far
/// beyond 16u·‖δ̂‖ (relative terms vanish beside ω). The logits are exact here, so the step's
/// bound is E's per-sample terms without the logit term.
#[test]
fn subnormal_delta_term_is_needed() {
    let weight = 1000.0_f32;
    let loss = CrossEntropy::<3, f32>::new().with_class_weights([weight, 1.0, 1.0]);
    let loss = loss.unwrap_or_else(|_| unreachable!());
    let z = [0.0_f32, -100.0, -101.0];
    let label = Label::<3>::new(0).unwrap_or_else(|_| unreachable!());
    let (_, delta) = loss.loss_with_grad(&z, label);
    let (p1, p2) = ((-100.0_f64).exp(), (-101.0_f64).exp());
    let total = 1.0 + p1 + p2;
    let w = f64::from(weight);
    let exact = [-w * (p1 + p2) / total, w * p1 / total, w * p2 / total];
    let error = exact_norm(delta.iter().zip(exact).map(|(&d, e)| f64::from(d) - e));
    let allowance = Allowance::<f32>::new::<1, 3>(1.0, 0.0);
    let delta_norm = scaled_norm(|| delta.iter().copied());
    let t = allowance.sample_terms(weight, delta_norm, 0.0);
    let bound = f64::from(t.rounding + t.summation + t.smoothing + t.subnormal);
    assert!(error <= bound, "{error:e} > {bound:e}");
    assert!(error > 100.0 * OMEGA, "{error:e}");
}

/// The exact error of one finished entry sum/n + λθ, less the (exact) error of the division,
/// which E's rounding term covers: what the final addition and λθ's rounding add.
fn finishing_error(sum: f32, n: f32, lambda: f32, theta: f32) -> f64 {
    let got = f64::from(finish_entry(sum, n, lambda, theta));
    let quotient = f64::from(sum / n);
    let division = quotient - f64::from(sum) / f64::from(n);
    let exact = f64::from(sum) / f64::from(n) + f64::from(lambda) * f64::from(theta);
    (got - exact - division).abs()
}

/// u·‖ĝ‖ (the final addition). 1 + 1.5·2⁻³⁰ rounds to 1 while λθ = 1.5·2⁻³⁰ is exact: an
/// error of 1.5·2⁻³⁰ that only the u·‖ĝ‖ term, 2⁻²⁴ here, covers.
#[test]
fn final_addition_term_is_needed() {
    let (lambda, theta) = (2f32.powi(-30), 1.5_f32);
    let error = finishing_error(1.0, 1.0, lambda, theta);
    let model = Classifier::<1, 2>::new([[theta], [0.0]], [0.0; 2]);
    let gradient_norm = finish_entry(1.0, 1.0, lambda, theta);
    let allowance = Allowance::<f32>::new::<1, 2>(1.0, 0.0);
    let t = allowance.global_terms(0.0, gradient_norm, lambda, &model);
    let bound = f64::from(t.final_addition + t.penalty + t.underflow);
    assert!(error <= bound, "{error:e} > {bound:e}");
    assert!(error > 1e-9, "{error:e}");
}

/// u·λ‖θ‖ (the rounding of λθ), with ‖θ‖ taken ω above its computed value. Near the optimum
/// the data term cancels λθ: here sum = −fl(λθ_k) exactly, so ĝ = 0 and only λθ's rounding
/// is left. θ = (3ω, 3ω) is subnormal, and its computed norm 4ω is 6 % below the exact
/// 3√2·ω; over 4096 random λ in [2¹⁰⁰, 2¹⁰¹) the rounding of λ·3ω reaches more than 94 % of
/// u, which u·λ·(computed ‖θ‖) would not cover and u·λ·(‖θ‖ + ω) does.
#[test]
#[cfg_attr(
    miri,
    ignore = "a scan of 4096 values; a numerical claim, checked natively"
)]
fn penalty_term_is_needed() {
    let theta = (3.0 * OMEGA) as f32;
    let model = Classifier::<1, 2>::new([[theta], [theta]], [0.0; 2]);
    let allowance = Allowance::<f32>::new::<1, 2>(1.0, 0.0);
    let mut beyond_computed_norm = false;
    let mut rng = SplitMix64::new(4);
    for _ in 0..4096 {
        let lambda = log_uniform(&mut rng, 100, 101);
        let sum = -(lambda * theta);
        let error = finishing_error(sum, 1.0, lambda, theta) * 2f64.sqrt();
        assert_eq!(finish_entry(sum, 1.0, lambda, theta), 0.0);
        let t = allowance.global_terms(0.0, 0.0, lambda, &model);
        let bound = f64::from(t.final_addition + t.penalty + t.underflow);
        assert!(error <= bound, "λ = {lambda:e}: {error:e} > {bound:e}");
        let computed = U * f64::from(lambda) * f64::from(parameter_norm(&model));
        beyond_computed_norm |= error > computed + f64::from(t.underflow);
    }
    assert!(beyond_computed_norm);
}

/// The (1 + 40u) of E: over random inputs, the computed E is at least the exact value of its
/// formula, (per-sample sum)/n + u·(N + λ‖θ‖) + 3/2·√d·ω. (The reference is `f64`; its own
/// error, about 1e-16 of E, is allowed for.)
#[test]
fn allowance_is_evaluated_upward() {
    let mut rng = SplitMix64::new(5);
    for _ in 0..CASES {
        let per_sample = log_uniform(&mut rng, -40, 10);
        let n = 1 + rng.below(5000);
        let gradient_norm = log_uniform(&mut rng, -40, 10);
        let lambda = log_uniform(&mut rng, -20, 10);
        let weights = [[0.0; 3]; 2].map(|r| r.map(|_: f32| log_uniform(&mut rng, -20, 5)));
        let model = Classifier::<3, 2>::new(weights, [log_uniform(&mut rng, -20, 5), 0.0]);
        let allowance = Allowance::<f32>::new::<3, 2>(n as f32, 0.0);
        let e = allowance.total(per_sample, gradient_norm, lambda, &model);
        let theta = exact_norm(model.params().map(f64::from));
        let exact = f64::from(per_sample) / f64::from(n)
            + U * (f64::from(gradient_norm) + f64::from(lambda) * theta)
            + 1.5 * 8f64.sqrt() * OMEGA;
        assert!(f64::from(e) >= exact * (1.0 - 1e-15), "{e:e} < {exact:e}");
        // … and not more than its own roundings call for.
        assert!(
            f64::from(e) <= exact * (1.0 + 48.0 * U) + 8.0 * OMEGA,
            "{e:e} ≫ {exact:e}"
        );
    }
}

/// b ≥ ‖ĝ‖ + E (the (1 + 10u) of b): random gradients, their norm N as computed, and E from 0
/// up; and a subnormal gradient (3ω, 3ω) whose computed norm 4ω is 0.24ω short.
#[test]
fn bound_covers_the_computed_norm() {
    let allowance = Allowance::<f32>::new::<1, 3>(1.0, 0.0);
    let mut rng = SplitMix64::new(6);
    let subnormal = [(3.0 * OMEGA) as f32; 2];
    for k in 0..CASES {
        let g: [f32; 6] = if k == 0 {
            [subnormal[0], subnormal[1], 0.0, 0.0, 0.0, 0.0]
        } else {
            [0.0; 6].map(|_| log_uniform(&mut rng, -30, 0))
        };
        let e = if k % 2 == 0 {
            0.0
        } else {
            log_uniform(&mut rng, -60, -20)
        };
        let norm = scaled_norm(|| g.iter().copied());
        let b = allowance.bound(norm, e);
        let exact = exact_norm(g.iter().map(|&v| f64::from(v)));
        let need = exact + f64::from(e);
        assert!(f64::from(b) >= need * (1.0 - 1e-15), "{b:e} < {need:e}");
        assert!(
            f64::from(b) <= need * (1.0 + 16.0 * U) + 2.0 * OMEGA,
            "{b:e} ≫ {need:e}"
        );
    }
}

/// distance ≥ b/λ and gap ≥ b²/(2λ), checked exactly (distance·λ ≥ b and 2·gap·λ ≥ b² hold in
/// `f64` without rounding for `f32` values), over b on both sides of 1 and λ up to the
/// largest float, where the quotients are subnormal and lose up to ω/2 (distance) and ω (gap).
#[test]
fn distance_and_gap_are_rounded_up() {
    let allowance = Allowance::<f32>::new::<1, 2>(1.0, 0.0);
    let mut rng = SplitMix64::new(9);
    for _ in 0..5 * CASES {
        let b = log_uniform(&mut rng, -30, 4);
        // b/λ or b²/λ from 2⁻¹⁵⁰ up into the normal range.
        let scale = if b <= 1.0 {
            f64::from(b) * f64::from(b)
        } else {
            f64::from(b)
        };
        let target = 2f64.powi(-150 + i32::try_from(rng.below(40)).unwrap_or(0));
        let lambda =
            (scale / target * (1.0 + (rng.next_u64() >> 11) as f64 / 2f64.powi(53))) as f32;
        if !(lambda.is_finite() && lambda >= f32::MIN_POSITIVE) {
            continue;
        }
        let distance = allowance.distance(b, lambda);
        assert!(
            f64::from(distance) * f64::from(lambda) >= f64::from(b),
            "{b:e} / {lambda:e}"
        );
        let gap = allowance.gap(b, lambda);
        let (distance, gap, b, lambda) = (
            f64::from(distance),
            f64::from(gap),
            f64::from(b),
            f64::from(lambda),
        );
        assert!(2.0 * gap * lambda >= b * b, "{b:e}² / 2·{lambda:e}");
        // Rounded up, not more.
        assert!(distance <= b / lambda * (1.0 + 7.0 * U) + 2.0 * OMEGA);
        assert!(gap <= b * b / (2.0 * lambda) * (1.0 + 10.0 * U) + 2.0 * OMEGA);
    }
}

/// Once n·u ≥ 1 (2²⁴ samples in `f32`) γ_n is no bound: E is +∞ (never NaN), and so are the
/// distance and the gap; one sample fewer keeps them finite.
#[test]
fn allowance_is_infinite_once_n_u_reaches_one() {
    let model = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0; 2]);
    let beyond = Allowance::<f32>::new::<1, 2>(16_777_216.0, 0.0);
    let e = beyond.total(1.0, 1.0, 0.5, &model);
    let b = beyond.bound(1.0, e);
    assert!(e == f32::INFINITY && beyond.gap(b, 0.5) == f32::INFINITY);
    assert_eq!(beyond.distance(b, 0.5), f32::INFINITY);
    let within = Allowance::<f32>::new::<1, 2>(16_777_215.0, 0.0);
    assert!(within.total(1.0, 1.0, 0.5, &model).is_finite());
}

/// Each per-sample term is its formula, rounded up and no more: over random inputs each lies
/// between the formula's exact value, less the (1 − u)² a rounded-up product may lose (then
/// widened by E's final factor), and the formula widened by a few roundings and a few ω. F =
/// 100 and n = 10⁵ make γ_{F+1} and γ_n large enough for any change of their formulas to show.
#[test]
fn sample_terms_are_their_formulas() {
    const F: usize = 100;
    const C: usize = 4;
    let mut rng = SplitMix64::new(10);
    for _ in 0..CASES {
        let n = 100_000.0_f32;
        let smoothing = if rng.below(4) == 0 {
            0.0
        } else {
            log_uniform(&mut rng, -10, 0)
        };
        let allowance = Allowance::<f32>::new::<F, C>(n, smoothing);
        let weight = log_uniform(&mut rng, -5, 5);
        let delta_norm = log_uniform(&mut rng, -30, 2);
        let magnitude = log_uniform(&mut rng, -10, 30);
        let t = allowance.sample_terms(weight, delta_norm, magnitude);
        let gamma = |k: f64| k * U / (1.0 - k * U);
        let (g_f, g_n) = (gamma(F as f64 + 1.0), gamma(f64::from(n)));
        let (w, d) = (f64::from(weight), f64::from(delta_norm));
        let root_c = (C as f64).sqrt();
        let logit_error = (2.0 * g_f * g_f + 9.0 * U * U) * (1.0 + g_f) * f64::from(magnitude)
            + (10.0 * F as f64 + 1.0) * OMEGA;
        let want = [
            ("rounding", t.rounding, 16.0 * U * d),
            ("summation", t.summation, g_n * g_n * d),
            ("logits", t.logits, w * 0.5 * root_c * logit_error),
            ("smoothing", t.smoothing, w * 8.0 * U * f64::from(smoothing)),
            ("subnormal", t.subnormal, root_c * (4.0 * w + 1.0) * OMEGA),
        ];
        for (name, got, exact) in want {
            let got = f64::from(got);
            assert!(
                got >= exact * (1.0 - 8.0 * U),
                "{name}: {got:e} < {exact:e}"
            );
            let most = exact * (1.0 + 8.0 * U) + (w + 4.0) * 2.0 * OMEGA;
            assert!(got <= most, "{name}: {got:e} > {most:e}");
        }
    }
}

/// Weights, biases and features log-uniform over 2^`range` with random signs, drawn in that
/// order; with `zero_one_in` > 0, one value in that many is 0 instead.
fn random_problem<const F: usize, const C: usize>(
    rng: &mut SplitMix64,
    zero_one_in: u32,
    (lo, hi): (i32, i32),
) -> ([[f32; F]; C], [f32; C], [f32; F]) {
    let mut value = || {
        if zero_one_in > 0 && rng.below(zero_one_in) == 0 {
            return 0.0;
        }
        let v = log_uniform(rng, lo, hi);
        if rng.below(2) == 0 { v } else { -v }
    };
    let weights = core::array::from_fn(|_| core::array::from_fn(|_| value()));
    let bias = core::array::from_fn(|_| value());
    let x = core::array::from_fn(|_| value());
    (weights, bias, x)
}

/// max_c |W_cf| for each feature f, and max_c |b_c|, as `certify_plain` takes them.
fn data_maxima<const F: usize, const C: usize>(
    weights: &[[f32; F]; C],
    bias: &[f32; C],
) -> ([f32; F], f32) {
    let column_max =
        core::array::from_fn(|f| weights.iter().fold(0.0_f32, |m, row| m.max(row[f].abs())));
    (column_max, bias.iter().fold(0.0_f32, |m, b| m.max(b.abs())))
}

/// `certify_plain`'s logit term (step 1 with plain logits): the model's own logits, summed
/// plainly as [`gradient`](super::super::gradient) takes them, their differences formed by
/// [`logit_differences`] with zero carries, are within `logit_error(â)` of the exact
/// differences, with the plain term (2γ_{F+1} + 9u²)(1 + γ_{F+1})·â + (10F + 1)·ω and â the
/// data bound max_c |b_c| + Σ_f |x_f|·max_c |W_cf| (never below a). Weights and features
/// spread over 2^±12 with random signs, so that sums cancel: the largest error seen is 27 %
/// of the term (more than a quarter is asserted, so that a term half as large again is
/// caught), and many times the compensated logits' term, which would therefore not do.
#[test]
fn plain_logits_are_within_their_term() {
    const F: usize = 8;
    const C: usize = 3;
    let mut rng = SplitMix64::new(29);
    let (mut used, mut beyond_compensated) = (0.0_f64, 0.0_f64);
    let plain = Allowance::<f32>::solver_gradient::<F, C>(1.0, 0.0);
    let compensated = Allowance::<f32>::new::<F, C>(1.0, 0.0);
    for _ in 0..CASES {
        let (weights, bias, x) = random_problem::<F, C>(&mut rng, 0, (-12, 12));
        let model = Classifier::new(weights, bias);
        let (column_max, bias_max) = data_maxima(&weights, &bias);
        let bound_a = x
            .iter()
            .zip(column_max.iter())
            .fold(bias_max, |a, (&xf, &m)| a + xf.abs() * m);
        assert!(bound_a >= super::scan(&model, &x).magnitude);
        // Exact logits: f32 products are exact in f64, and these sums of 9 terms lose at most
        // 2^-53 of 2^25 per addition, far below the f32 errors measured.
        let exact: [f64; C] = core::array::from_fn(|c| {
            weights[c]
                .iter()
                .zip(x.iter())
                .fold(f64::from(bias[c]), |s, (&w, &xf)| {
                    s + f64::from(w) * f64::from(xf)
                })
        });
        let (hi, lo, k) = logit_differences(&model.logits(&x), &[0.0; C]);
        let bound = f64::from(plain.logit_error(bound_a));
        let compensated_bound = f64::from(compensated.logit_error(bound_a));
        for j in 0..C {
            let got = f64::from(hi[j]) + f64::from(lo[j]);
            let error = (got - (exact[j] - exact[k])).abs();
            assert!(error <= bound, "class {j}: off by {error:e} > {bound:e}");
            used = used.max(error / bound);
            beyond_compensated = beyond_compensated.max(error / compensated_bound);
        }
    }
    std::eprintln!("plain logits: {used} of the term, {beyond_compensated} of the compensated one");
    if !cfg!(miri) {
        assert!(used > 0.25, "the term is never approached: {used}");
        assert!(beyond_compensated > 100.0, "{beyond_compensated}");
    }
}

/// `certify_plain`'s per-sample share from the data: at least ‖x̃‖₁·T(â) with ‖x̃‖₁ and â
/// exact (in f64) and T the sample's terms at ‖δ̂‖ = 3/2·w, to within the rounding of its
/// own sums (2γ_{F+1}); never below the share with the exact ‖x̃‖₂ and a. F = 13 puts five
/// features past the eight lanes, and features below 1, huge and zero make the 1 of x̃, the
/// bias and each part of the sums count.
#[test]
fn plain_sample_share_covers_its_parts() {
    const F: usize = 13;
    const C: usize = 3;
    let mut rng = SplitMix64::new(37);
    let allowance = Allowance::<f32>::solver_gradient::<F, C>(100.0, 0.0);
    for case in 0..CASES {
        let (weights, bias, x) = random_problem::<F, C>(&mut rng, 5, (-20, 12));
        let weight = log_uniform(&mut rng, -4, 4);
        let (column_max, bias_max) = data_maxima(&weights, &bias);
        let share = f64::from(allowance.sample_from_data(&column_max, bias_max, &x, weight));
        let l1 = 1.0 + x.iter().map(|v| f64::from(v.abs())).sum::<f64>();
        let a_hat = f64::from(bias_max)
            + x.iter()
                .zip(column_max.iter())
                .map(|(&v, &m)| f64::from(v.abs()) * f64::from(m))
                .sum::<f64>();
        let terms = |a: f64| {
            f64::from(
                allowance
                    .sample_terms(weight, 1.5 * weight, a as f32)
                    .total(),
            )
        };
        let gamma = 2.0 * (F as f64 + 1.0) * U;
        assert!(
            share >= l1 * terms(a_hat * (1.0 - gamma)) * (1.0 - gamma),
            "case {case}"
        );
        let scanned = super::scan(&Classifier::new(weights, bias), &x);
        let exact = f64::from(scanned.x_norm) * terms(f64::from(scanned.magnitude));
        assert!(
            share >= exact * (1.0 - 8.0 * U),
            "case {case}: {share:e} < {exact:e}"
        );
    }
}

/// `certify_plain`'s bound on ‖δ̂‖, 3/2·w, holds for the computed logit gradient of the loss
/// (class weights and label smoothing included) at logits from equal to 2^±20 apart; and its
/// other terms are [`Allowance::new`]'s but for the rounding's γ_5.
#[test]
fn plain_delta_bound_holds() {
    let mut rng = SplitMix64::new(31);
    for case in 0..CASES {
        let weight = log_uniform(&mut rng, -10, 10);
        let smoothing = if case % 2 == 0 {
            0.0
        } else {
            log_uniform(&mut rng, -20, 0)
        };
        let loss = CrossEntropy::<4>::new()
            .with_class_weights([weight; 4])
            .and_then(|l| l.with_label_smoothing(smoothing))
            .unwrap_or_else(|_| unreachable!());
        let z: [f32; 4] = core::array::from_fn(|_| {
            let v = log_uniform(&mut rng, -20, 20);
            if rng.below(2) == 0 { v } else { -v }
        });
        let label = Label::new(rng.below(4) as usize).unwrap_or_else(|_| unreachable!());
        let (_, delta) = loss.loss_with_grad(&z, label);
        let norm = exact_norm(delta.iter().map(|&d| f64::from(d)));
        assert!(
            norm <= 1.5 * f64::from(weight),
            "{z:?}: ‖δ̂‖ = {norm:e}, w = {weight:e}"
        );
    }
    let (plain, full) = (
        Allowance::<f32>::solver_gradient::<64, 10>(1797.0, 0.1),
        Allowance::<f32>::new::<64, 10>(1797.0, 0.1),
    );
    let (a, b) = (
        plain.sample_terms(2.0, 0.5, 3.0),
        full.sample_terms(2.0, 0.5, 3.0),
    );
    assert_eq!(
        (a.summation, a.smoothing, a.subnormal),
        (b.summation, b.smoothing, b.subnormal)
    );
    let gamma_5 = 5.0 * U / (1.0 - 5.0 * U);
    let want = (16.0 * U + gamma_5) * 0.5;
    assert!(
        (f64::from(a.rounding) - want).abs() <= 4.0 * U * want,
        "{}",
        a.rounding
    );
}

/// The logits' differences (step 1): k is a largest unrounded logit ẑ + ê (a tie in ẑ goes to
/// the larger ê), every hi ≤ 0 with |lo| ≤ ½ ULP of hi, and each hi + lo within
/// 7u²(1 + u)·max|ẑ| + ω of the exact difference of the pairs. Half the cases put two logits
/// on the same ẑ with different ê, so that dropping the tie-break or the carries' difference
/// fails; a quarter put ẑ one ULP apart with carries that cross.
#[test]
fn logit_differences_are_nearly_exact() {
    let mut rng = SplitMix64::new(23);
    let pair = |v: f64| {
        let z = v as f32;
        (z, (v - f64::from(z)) as f32)
    };
    for case in 0..CASES {
        let mut z = [0.0_f32; 4];
        let mut e = [0.0_f32; 4];
        let scale = f64::from(log_uniform(&mut rng, -20, 20));
        for (zc, ec) in z.iter_mut().zip(e.iter_mut()) {
            let v = scale * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5);
            (*zc, *ec) = pair(v);
        }
        if case % 2 == 0 {
            // Two logits on the same ẑ, the later one larger by its carry.
            let top = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let ulp = f64::from(f32::from_bits(top.abs().to_bits() + 1) - top.abs());
            (z[1], z[3]) = (top, top);
            (e[1], e[3]) = ((-0.25 * ulp) as f32, (0.25 * ulp) as f32);
            if case % 4 == 0 {
                // z[2] one ULP below, its carry up to half an ULP above.
                z[2] = f32::from_bits(top.to_bits().wrapping_sub(1));
                e[2] = (0.49 * ulp) as f32;
            }
        }
        let (hi, lo, k) = logit_differences(&z, &e);
        let exact =
            |j: usize| (f64::from(z[j]) + f64::from(e[j])) - (f64::from(z[k]) + f64::from(e[k]));
        let z_max = z.iter().fold(0.0_f64, |m, &v| m.max(f64::from(v).abs()));
        let bound = 7.0 * U * U * (1.0 + U) * z_max + OMEGA;
        for j in 0..4 {
            assert!(exact(j) <= 0.0, "{z:?} {e:?}: class {k} is not a largest");
            assert!(hi[j] <= 0.0, "{z:?} {e:?}: hi[{j}] = {}", hi[j]);
            let half_ulp = f64::from(f32::from_bits(hi[j].abs().to_bits() + 1) - hi[j].abs()) / 2.0;
            assert!(f64::from(lo[j]).abs() <= half_ulp, "{z:?} {e:?}: lo[{j}]");
            let error = (f64::from(hi[j]) + f64::from(lo[j]) - exact(j)).abs();
            assert!(
                error <= bound,
                "{z:?} {e:?}: class {j} off by {error:e} > {bound:e}"
            );
        }
    }
}
