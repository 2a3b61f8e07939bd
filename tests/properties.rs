//! Property tests: identities and bounds that hold for every input, each with its tolerance
//! from an error model.
//!
//! u = 2⁻²⁴ (`f32`) or 2⁻⁵³ (`f64`). The per-function relative error bounds of the `f32`
//! kernel (cross-entropy and log-probabilities 8u, softmax 10u, gradient 11u, L = ln_1p(s) 7u;
//! an absolute 2⁻¹⁴⁹ per class where terms are subnormal) are derived in
//! `tests/common/accuracy.rs` and measured in `tests/accuracy.rs`; here they bound identities.

#![allow(
    clippy::unwrap_used,
    reason = "helpers of a test crate fail the test by panicking"
)]

mod common;

use common::reference::neumaier_sum;
use proptest::prelude::*;
use tinysoftmax::Objective;
use tinysoftmax::convex::gradient;
use tinysoftmax::loss::{CrossEntropy, cross_entropy, cross_entropy_with_grad};
use tinysoftmax::optim::Sgd;
use tinysoftmax::softmax::{log_softmax, logsumexp, softmax};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Label, ReplayBuffer, Sample, SplitMix64, Standardizer};

/// Unit roundoff of `f32`.
const U: f64 = f32::EPSILON as f64 / 2.0;
/// Unit roundoff of `f64`.
const U64: f64 = f64::EPSILON / 2.0;
/// The smallest positive `f32`, 2⁻¹⁴⁹.
const TINY: f64 = 1.401_298_464_324_817e-45;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

/// Logits from every regime: ordinary, large, near f32::MAX, and masked (−∞).
fn logit() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -10.0_f32..10.0,
        2 => -200.0_f32..200.0,
        1 => -3.0e38_f32..3.0e38,
        1 => Just(f32::NEG_INFINITY),
    ]
}

/// Finite logits of moderate size.
fn finite_logit() -> impl Strategy<Value = f32> {
    prop_oneof![3 => -10.0_f32..10.0, 1 => -200.0_f32..200.0]
}

/// An array strategy built on a heap-allocated `Vec` (a large array of strategies overflows the
/// test thread's stack in debug builds).
fn array<const N: usize>(element: impl Strategy<Value = f32>) -> impl Strategy<Value = [f32; N]> {
    proptest::collection::vec(element, N).prop_map(|v| core::array::from_fn(|j| v[j]))
}

fn logits<const N: usize>() -> impl Strategy<Value = [f32; N]> {
    array::<N>(logit())
}

fn has_finite(z: &[f32]) -> bool {
    z.iter().any(|v| v.is_finite())
}

fn label<const C: usize>(y: usize) -> Label<C> {
    Label::new(y % C).unwrap()
}

/// softmax is in [0, 1] and sums to 1: each p̂_j = p_j(1 + ε_j), |ε_j| ≤ 10u (+3·2⁻¹⁴⁹ where
/// subnormal), so |Σ p̂ − 1| ≤ 10u + 3C·2⁻¹⁴⁹, plus C·u₆₄ for summing in `f64`; summed in `f32`
/// from the first entry on, the recursive sum adds (C − 1)·u·Σ p̂.
fn softmax_is_a_distribution<const C: usize>(z: [f32; C]) -> Result<(), TestCaseError> {
    let p = softmax(&z);
    prop_assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)), "{p:?}");
    let sum64: f64 = p.iter().map(|&v| f64::from(v)).sum();
    let bound = 10.0 * U + 3.0 * C as f64 * TINY + C as f64 * U64;
    prop_assert!((sum64 - 1.0).abs() <= bound, "Σp − 1 = {:e}", sum64 - 1.0);
    let sum32: f32 = p.iter().sum();
    let bound32 = bound + (C as f64 - 1.0) * U * sum64;
    prop_assert!((f64::from(sum32) - 1.0).abs() <= bound32);
    Ok(())
}

/// Shift invariance. For a shift t with every z_j + t exact, the kernel sees the same
/// differences z_j − m, so the loss, gradient, softmax and log-softmax are bit-identical, and
/// logsumexp moves by t up to the rounding of the two results.
fn exact_shift<const C: usize>(k: [i32; C], t: i32, y: usize) -> Result<(), TestCaseError> {
    // z_j = k_j·2⁻¹⁰ with |k_j| < 2²⁰ and t·2⁻¹⁰ with |t| < 2²²: every |z_j + t| < 2¹³ on the
    // grid of 2⁻¹⁰ needs 23 bits, so it is exact in f32.
    let scale = 1.0 / 1024.0;
    let z: [f32; C] = core::array::from_fn(|j| k[j] as f32 * scale);
    let shift = t as f32 * scale;
    let moved: [f32; C] = core::array::from_fn(|j| z[j] + shift);
    for j in 0..C {
        prop_assert_eq!(f64::from(moved[j]), f64::from(z[j]) + f64::from(shift));
    }
    let y = label::<C>(y);
    prop_assert_eq!(cross_entropy(&moved, y), cross_entropy(&z, y));
    prop_assert_eq!(
        cross_entropy_with_grad(&moved, y),
        cross_entropy_with_grad(&z, y)
    );
    prop_assert_eq!(softmax(&moved), softmax(&z));
    prop_assert_eq!(log_softmax(&moved), log_softmax(&z));
    let (a, b) = (f64::from(logsumexp(&moved)), f64::from(logsumexp(&z)));
    prop_assert!((a - f64::from(shift) - b).abs() <= U * (a.abs() + b.abs()));
    Ok(())
}

/// Shift invariance for any shift t: z'_j = fl(z_j + t) is within u·|z'_j| of z_j + t, which
/// moves the exact loss by at most ‖∇CE‖₁·max_j u|z'_j| ≤ 2u·max_j |z'_j|; each computed loss
/// adds 8u of itself.
fn rounded_shift<const C: usize>(z: [f32; C], t: f32, y: usize) -> Result<(), TestCaseError> {
    let moved: [f32; C] = core::array::from_fn(|j| z[j] + t);
    let y = label::<C>(y);
    let (a, b) = (
        f64::from(cross_entropy(&moved, y)),
        f64::from(cross_entropy(&z, y)),
    );
    let largest = moved.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
    let bound = 2.0 * U * (1.0 + U) * largest + 8.0 * U * (1.0 + U) * (a + b);
    prop_assert!((a - b).abs() <= bound, "{a} vs {b}, bound {bound:e}");
    Ok(())
}

/// max z ≤ logsumexp(z) ≤ max z + ln N over the N unmasked entries. The lower bound is exact
/// (m plus a non-negative L̂ rounds to at least m); the upper one allows L̂ ≤ ln N·(1 + 7u) and
/// the final rounding, u·|m + L̂|.
fn logsumexp_bounds<const C: usize>(z: [f32; C]) -> Result<(), TestCaseError> {
    let lse = logsumexp(&z);
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    prop_assert!(lse >= m, "{lse} < {m}");
    let n = z.iter().filter(|v| v.is_finite()).count() as f64;
    let (m, ln_n) = (f64::from(m), n.ln());
    let slack = 7.0 * U * ln_n + U * (m.abs() + ln_n * (1.0 + 7.0 * U));
    prop_assert!(f64::from(lse) <= m + ln_n + slack, "{lse} > {m} + ln {n}");
    Ok(())
}

/// Σ_j ∂CE/∂z_j = 0 exactly; each computed component is within 11u of itself (plus 2⁻¹⁴⁹·5 per
/// class for subnormal ones), so |Σ ĝ| ≤ 11u·Σ|g| + 5C·2⁻¹⁴⁹, summed here in `f64` (C·u₆₄·Σ|ĝ|).
fn gradient_sums_to_zero<const C: usize>(z: [f32; C], y: usize) -> Result<(), TestCaseError> {
    let (_, g) = cross_entropy_with_grad(&z, label::<C>(y));
    prop_assert!(g.iter().all(|v| v.is_finite()), "{g:?}");
    let sum: f64 = g.iter().map(|&v| f64::from(v)).sum();
    let total: f64 = g.iter().map(|&v| f64::from(v.abs())).sum();
    let bound =
        11.0 * U / (1.0 - 11.0 * U) * total + 5.0 * C as f64 * TINY + C as f64 * U64 * total;
    prop_assert!(sum.abs() <= bound, "Σg = {sum:e}, bound {bound:e}");
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn softmax_distribution_2(z in logits::<2>()) {
        prop_assume!(has_finite(&z));
        softmax_is_a_distribution(z)?;
    }

    #[test]
    fn softmax_distribution_10(z in logits::<10>()) {
        prop_assume!(has_finite(&z));
        softmax_is_a_distribution(z)?;
    }

    #[test]
    fn softmax_distribution_100(z in logits::<100>()) {
        prop_assume!(has_finite(&z));
        softmax_is_a_distribution(z)?;
    }

    #[test]
    fn shift_by_exact_amount_changes_nothing(
        k in proptest::array::uniform::<_, 5>(-(1_i32 << 20)..(1 << 20)),
        t in -(1_i32 << 22)..(1 << 22),
        y in 0..5_usize,
    ) {
        exact_shift(k, t, y)?;
    }

    #[test]
    fn shift_by_any_amount(
        z in array::<4>(finite_logit()),
        t in -1000.0_f32..1000.0,
        y in 0..4_usize,
    ) {
        rounded_shift(z, t, y)?;
    }

    #[test]
    fn logsumexp_between_max_and_max_plus_ln_n(z in logits::<7>()) {
        prop_assume!(has_finite(&z));
        logsumexp_bounds(z)?;
    }

    #[test]
    fn logsumexp_bounds_many_classes(z in logits::<64>()) {
        prop_assume!(has_finite(&z));
        logsumexp_bounds(z)?;
    }

    #[test]
    fn gradient_sums_to_zero_3(z in logits::<3>(), y in 0..3_usize) {
        prop_assume!(has_finite(&z));
        gradient_sums_to_zero(z, y)?;
    }

    #[test]
    fn gradient_sums_to_zero_50(z in logits::<50>(), y in 0..50_usize) {
        prop_assume!(has_finite(&z));
        gradient_sums_to_zero(z, y)?;
    }
}

const F: usize = 3;
const C: usize = 4;

/// The per-sample regularised loss CE(W x + b, y) + λ/2·(‖W‖² + ‖b‖²), in `f64`.
fn regularised(model: &Classifier<F, C, f64>, s: &Sample<F, C, f64>, lambda: f64) -> f64 {
    model.loss(&s.features, s.label) + 0.5 * lambda * model.norm_squared()
}

proptest! {
    #![proptest_config(config())]

    /// One plain SGD step with η ≤ 1/L, L = ½‖(x, 1)‖² + λ the smoothness constant of the
    /// sample's regularised loss f, decreases f by at least (η/2)‖∇f‖² (the descent lemma:
    /// f(θ − η∇f) ≤ f(θ) − η(1 − Lη/2)‖∇f‖²), up to the evaluation error ε of f, twice.
    /// ε = 16u(|f| + 1) + 2(F + 1)u·max_c Σ|W_cf x_f| + |b_c| + (CF + C + 2)u·(λ/2)‖θ‖² (the
    /// model of `tests/gradients.rs`).
    #[test]
    fn small_sgd_step_does_not_increase_the_sample_loss(
        w in proptest::array::uniform::<_, 12>(-2.0_f64..2.0),
        b in proptest::array::uniform::<_, 4>(-2.0_f64..2.0),
        x in proptest::array::uniform::<_, 3>(-3.0_f64..3.0),
        y in 0..C,
        lambda in prop_oneof![Just(0.0), 0.0_f64..0.5],
        fraction in 0.01_f64..=1.0,
    ) {
        let weights = core::array::from_fn(|c| core::array::from_fn(|f| w[c * F + f]));
        let mut model = Classifier::<F, C, f64>::new(weights, b);
        let s = Sample::new(x, label::<C>(y));
        let smoothness = 0.5 * (x.iter().map(|v| v * v).sum::<f64>() + 1.0) + lambda;
        let eta = fraction / smoothness;
        let before = regularised(&model, &s, lambda);
        let (_, g) = gradient(&model, &[s], &Objective::from_parts(CrossEntropy::new(), lambda).unwrap()).unwrap();
        let g2: f64 = g.weights().iter().flatten().chain(g.bias()).map(|v| v * v).sum();
        let logit_scale = model
            .weights()
            .iter()
            .zip(model.bias())
            .map(|(row, bc)| row.iter().zip(&x).map(|(a, b)| (a * b).abs()).sum::<f64>() + bc.abs())
            .fold(0.0, f64::max);
        let eps = 16.0 * U64 * (before.abs() + 1.0)
            + 2.0 * (F as f64 + 1.0) * U64 * logit_scale
            + (C * F + C + 2) as f64 * U64 * 0.5 * lambda * model.norm_squared();
        let mut trainer = Trainer::new(Sgd::new(eta).unwrap(), Objective::from_parts(CrossEntropy::new(), lambda).unwrap()).unwrap();
        trainer.step(&mut model, &s).unwrap();
        let after = regularised(&model, &s, lambda);
        prop_assert!(
            after <= before - 0.5 * eta * g2 + 2.0 * eps,
            "before {before}, after {after}, η = {eta}, ‖g‖² = {g2}"
        );
    }
}

/// An operation on a replay buffer.
#[derive(Clone, Debug)]
enum Op {
    Push,
    PushNonFinite,
    Shuffle(u64),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Push),
        1 => Just(Op::PushNonFinite),
        2 => any::<u64>().prop_map(Op::Shuffle),
        1 => Just(Op::Clear),
    ]
}

const B: usize = 5;

proptest! {
    #![proptest_config(config())]

    /// After any sequence of pushes, rejected pushes, shuffles and clears, the buffer holds
    /// exactly the newest min(B, pushes since the last clear) samples, and counts overwrites.
    #[test]
    fn replay_buffer_keeps_the_newest(ops in proptest::collection::vec(op(), 0..60)) {
        let mut buffer = ReplayBuffer::<1, 2, B, f32>::new();
        let mut kept: Vec<f32> = Vec::new();
        let (mut next, mut overwritten) = (0_u32, 0_u32);
        for op in &ops {
            match op {
                Op::Push => {
                    let sample = Sample::new([next as f32], label::<2>(next as usize));
                    prop_assert!(buffer.push(sample).is_ok());
                    if kept.len() == B {
                        kept.remove(0);
                        overwritten += 1;
                    }
                    kept.push(next as f32);
                    next += 1;
                }
                Op::PushNonFinite => {
                    let before: Vec<_> = buffer.as_slice().to_vec();
                    let sample = Sample::new([f32::NAN], label::<2>(0));
                    prop_assert!(buffer.push(sample).is_err());
                    prop_assert_eq!(buffer.as_slice(), &before[..]);
                }
                Op::Shuffle(seed) => buffer.shuffle(&mut SplitMix64::new(*seed)),
                Op::Clear => {
                    buffer.clear();
                    kept.clear();
                }
            }
            let mut held: Vec<f32> = buffer.as_slice().iter().map(|s| s.features[0]).collect();
            held.sort_by(f32::total_cmp);
            prop_assert_eq!(&held, &kept);
            prop_assert_eq!(buffer.len(), kept.len());
            prop_assert_eq!(buffer.is_full(), kept.len() == B);
            prop_assert_eq!(buffer.overwritten(), overwritten);
        }
    }

    /// SplitMix64::shuffle returns a permutation, and the same one for the same seed.
    #[test]
    fn shuffle_is_a_permutation(seed in any::<u64>(), len in 0_usize..300) {
        let mut v: Vec<usize> = (0..len).collect();
        SplitMix64::new(seed).shuffle(&mut v);
        let mut again: Vec<usize> = (0..len).collect();
        SplitMix64::new(seed).shuffle(&mut again);
        prop_assert_eq!(&v, &again);
        v.sort_unstable();
        prop_assert!(v.iter().copied().eq(0..len));
    }
}

/// Two-pass mean and population variance in `f64`, both sums compensated.
fn two_pass(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = neumaier_sum(values.iter().copied()) / n;
    let m2 = neumaier_sum(values.iter().map(|x| (x - mean) * (x - mean)));
    (mean, m2 / n)
}

proptest! {
    #![proptest_config(config())]

    /// Welford's running mean and variance match a two-pass computation.
    ///
    /// Error model (u = 2⁻⁵³, X = max|x_i|): step k of the mean adds at most (4/k + 1)u·X, and
    /// an error made at step k is damped by Π_{j>k}(1 − 1/j) = k/n, so |μ̂ − μ| ≤ (n/2 + 5)u·X
    /// =: E. Each M2 increment δ·(x − μ_k) is wrong by at most 4E·X (the mean errors) plus 3u of
    /// itself, and each addition to M2 by u·M2: |M̂2 − M2| ≤ (n + 3)u·M2 + 4n·E·X. The two-pass
    /// reference adds at most 2u·X to the mean and 4u·M2 to M2.
    #[test]
    fn standardizer_matches_two_pass(
        rows in proptest::collection::vec(proptest::array::uniform::<_, 2>(-1.0_f64..1.0), 1..200),
        offset in prop_oneof![Just(0.0), -1e4_f64..1e4],
        scale in prop_oneof![Just(1.0), 1e-3_f64..1e3],
    ) {
        let data: Vec<[f64; 2]> = rows.iter().map(|r| [offset + scale * r[0], r[1] * scale]).collect();
        let mut s = Standardizer::<2, f64>::new();
        for x in &data {
            s.update(x).unwrap();
        }
        let n = data.len();
        prop_assert_eq!(s.count() as usize, n);
        let nf = n as f64;
        for f in 0..2 {
            let column: Vec<f64> = data.iter().map(|x| x[f]).collect();
            let (mean, variance) = two_pass(&column);
            let x_max = column.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let e = (nf / 2.0 + 5.0) * U64 * x_max;
            let mean_bound = e + 2.0 * U64 * x_max;
            let m2 = variance * nf;
            let m2_bound = (nf + 7.0) * U64 * m2 + 4.0 * nf * e * x_max;
            let got_mean = s.mean()[f];
            let got_var = s.variance()[f];
            prop_assert!((got_mean - mean).abs() <= mean_bound, "mean {got_mean} vs {mean}");
            prop_assert!(
                (got_var - variance).abs() <= m2_bound / nf + U64 * got_var,
                "variance {got_var} vs {variance}, bound {:e}", m2_bound / nf
            );
        }
    }
}
