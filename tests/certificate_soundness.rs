//! The certificate of `convex::certify` against exact gaps and distances, down to the subnormal
//! range (Step 5 of the docs of `tinysoftmax::convex`, "Rounding, down to the subnormal range").
//!
//! Two problem families have an optimum known in closed form, so the truth is exact:
//!
//! - **penalty only**: every sample's label has class weight 0, so P(θ) = (λ/2)‖θ‖², θ* = 0,
//!   P* = 0; the true gap is (λ/2)‖θ‖² and the true distance ‖θ‖.
//! - **symmetric data**: every feature vector x_j (j = 1..k) appears once with every label, all
//!   class weights equal w, any label smoothing ε. Averaged over the labels of one x_j the
//!   (smoothed) loss is w·(lse(z_j) − mean_c z_jc) ≥ w·ln C, with equality where the logits are
//!   equal, so θ* = 0 (the penalty picks it among the minimisers of the data term),
//!   P* = w·ln C, the true distance is ‖θ‖ and the true gap is
//!   (w/k)·Σ_j (lse(z_j) − mean z_j − ln C) + (λ/2)‖θ‖².
//!
//! The truth is computed in f64 from the exact (widened) parameters; [`Truth`] returns lower
//! bounds on the true gap and distance, from this error model (u = 2⁻⁵³, ω = 2⁻¹⁰⁷⁴, d = C(F + 1)):
//! ‖θ‖ from a scaled sum of d squares, within (d + 4)u of its value and ω absolute; the penalty
//! (λ‖θ‖)·‖θ‖/2 within (d + 8)u and 2ω; each logit, a sum of F + 1 products, within γ_{F+1} of
//! Σ|terms| plus Fω/2 (products of f64 values can underflow); lse(z) − mean z − ln C moves by at
//! most 2 per unit of logit error (its gradient p − 1/C has ℓ1 norm ≤ 2) and its own evaluation
//! (a shift, C exponentials within 1 ULP, a sum, a logarithm) is within 8u of
//! |max z| + |mean z| + ln C + 1 (+ ω per term). For f32 models every value is widened exactly
//! and nothing in f64 underflows, so these terms are below 1e-15 of the truth.

#![expect(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is the failure report"
)]

use proptest::prelude::*;
use tinysoftmax::convex::{Certificate, certify};
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Error, Float, Label, Sample};

const U64: f64 = f64::EPSILON / 2.0;
/// The smallest positive f64 (subnormal).
const OMEGA64: f64 = f64::from_bits(1);

fn gamma(k: f64) -> f64 {
    k * U64 / (1.0 - k * U64)
}

/// ‖v‖ in f64, scaled so that no square underflows or overflows.
fn norm(v: &[f64]) -> f64 {
    let scale = v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    if scale == 0.0 {
        return 0.0;
    }
    scale
        * v.iter()
            .map(|x| (x / scale) * (x / scale))
            .sum::<f64>()
            .sqrt()
}

fn flat<const F: usize, const C: usize, T: Float>(m: &Classifier<F, C, T>) -> Vec<f64> {
    let mut v: Vec<f64> = m.weights().iter().flatten().map(|w| w.to_f64()).collect();
    v.extend(m.bias().iter().map(|b| b.to_f64()));
    v
}

/// Lower bounds on the true gap P(θ) − P* and the true distance ‖θ − θ*‖ (file docs).
#[derive(Debug)]
struct Truth {
    gap: f64,
    distance: f64,
}

impl Truth {
    /// Penalty only, or symmetric data with weight `w` over the feature vectors `xs` (θ* = 0).
    fn of<const F: usize, const C: usize, T: Float>(
        model: &Classifier<F, C, T>,
        lambda: T,
        data: Option<(&[[T; F]], T)>,
    ) -> Self {
        let theta = flat(model);
        let d = theta.len() as f64;
        let r = norm(&theta);
        let lambda = lambda.to_f64();
        let penalty = (lambda * r) * r / 2.0;
        let mut gap = penalty * (1.0 - (d + 8.0) * U64) - 2.0 * OMEGA64;
        if let Some((xs, w)) = data {
            let w = w.to_f64();
            let mut total = 0.0;
            let mut error = 0.0;
            for x in xs {
                let mut z = [0.0_f64; C];
                let mut a = 0.0_f64;
                for (c, zc) in z.iter_mut().enumerate() {
                    let b = model.bias()[c].to_f64();
                    let row = &model.weights()[c];
                    *zc = row
                        .iter()
                        .zip(x)
                        .fold(b, |s, (wf, xf)| s + wf.to_f64() * xf.to_f64());
                    let magnitude = row
                        .iter()
                        .zip(x)
                        .fold(b.abs(), |s, (wf, xf)| s + (wf.to_f64() * xf.to_f64()).abs());
                    a = a.max(magnitude);
                }
                let m = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                let mean = z.iter().sum::<f64>() / C as f64;
                let ln_c = (C as f64).ln();
                let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
                total += (m - mean) + (sum.ln() - ln_c);
                let logit_error = gamma(F as f64 + 1.0) * a + F as f64 * OMEGA64;
                error += 2.0 * logit_error
                    + 8.0 * U64 * (m.abs() + mean.abs() + ln_c + 1.0)
                    + C as f64 * OMEGA64;
            }
            let k = xs.len() as f64;
            gap += w * (total - error) / k * (1.0 - 4.0 * U64);
        }
        Self {
            gap,
            distance: r * (1.0 - (d + 4.0) * U64) - OMEGA64,
        }
    }

    /// Whether the certificate bounds the truth; NaN never does.
    fn is_bounded_by<T: Float>(&self, cert: &Certificate<T>) -> bool {
        let (gap, distance) = (cert.gap.to_f64(), cert.distance.to_f64());
        gap >= self.gap && distance >= self.distance && !gap.is_nan() && !distance.is_nan()
    }
}

/// Every feature vector once with every label.
fn symmetric<const F: usize, const C: usize, T: Float>(xs: &[[T; F]]) -> Vec<Sample<F, C, T>> {
    xs.iter()
        .flat_map(|x| (0..C).map(move |c| Sample::new(*x, Label::new(c).unwrap())))
        .collect()
}

/// Class weights with class 0 weightless: the loss of a class-0 sample is exactly 0.
fn penalty_only_loss<const C: usize, T: Float>(rest: T) -> CrossEntropy<C, T> {
    let mut w = [rest; C];
    w[0] = T::ZERO;
    CrossEntropy::new().with_class_weights(w).unwrap()
}

/// The model of the reproductions: W = (t, −t)ᵀ, b = (t, −t).
fn mirrored(t: f32) -> Classifier<1, 2> {
    Classifier::new([[t], [-t]], [t, -t])
}

/// The reproductions of the underflow report, on the penalty-only problem (one sample
/// ([1.0], label 0), class weights [0, 1]): each certifies a gap and a distance at least the
/// exact ones, or (for a subnormal λ) is refused. The last two (λ = 2e-38) failed through
/// the gap's b·b underflowing; the others through λθ rounding to 0 unaccounted.
#[test]
fn underflow_reproductions_are_bounded_or_refused() {
    let data = [Sample::new([1.0_f32], Label::<2>::new(0).unwrap())];
    let loss = penalty_only_loss::<2, f32>(1.0);
    let rows: [(f32, f32); 6] = [
        (f32::from_bits(1), 0.4),
        (1e-30, 1e-16),
        (1e-10, 1e-36),
        (4.69e-5, 1.1e-44),
        (2e-38, 6e14),
        (2e-38, 1e15),
    ];
    for (lambda, t) in rows {
        let model = mirrored(t);
        let result = certify(&model, &data, &loss, lambda);
        if lambda < f32::MIN_POSITIVE {
            assert_eq!(result, Err(Error::WeightDecayTooSmall), "λ = {lambda:e}");
            continue;
        }
        let cert = result.unwrap();
        // Exact: ‖θ‖ = 2t and (λ/2)‖θ‖² = 2λt², both exact or within 1 ULP in f64.
        let (t, l) = (f64::from(t), f64::from(lambda));
        let truth = Truth {
            gap: 2.0 * l * t * t * (1.0 - 4.0 * U64),
            distance: 2.0 * t * (1.0 - U64),
        };
        assert!(
            truth.is_bounded_by(&cert),
            "λ = {lambda:e}, t = {t:e}: {cert:?} below {truth:?}"
        );
    }
}

/// `minimize` at λ = 2⁻¹⁴⁹ (from t = 0.4) refuses rather than claiming a certified gap, and
/// leaves the model as it was.
#[test]
fn minimize_refuses_a_subnormal_lambda() {
    let data = [Sample::new([1.0_f32], Label::<2>::new(0).unwrap())];
    let loss = penalty_only_loss::<2, f32>(1.0);
    let mut model = mirrored(0.4);
    let stop = Stop {
        tolerance: Tolerance::Absolute(1e-30),
        max_iterations: 100,
    };
    let result = minimize(&mut model, &data, &loss, f32::from_bits(1), stop);
    assert_eq!(result, Err(Error::WeightDecayTooSmall));
    assert_eq!(model, mirrored(0.4));
    // The smallest normal λ is accepted, and what it certifies is true.
    let report = minimize(&mut model, &data, &loss, f32::MIN_POSITIVE, stop).unwrap();
    let truth = Truth::of(&model, f32::MIN_POSITIVE, None);
    assert!(truth.is_bounded_by(&report.certificate), "{report:?}");
}

/// A value of magnitude 2^e·m, e uniform in [lo, hi) and m uniform in [1, 2), with a random
/// sign: log-uniform across the whole range, subnormals included (rounded to T).
fn log_uniform<T: Float>(lo: i32, hi: i32, signed: bool) -> impl Strategy<Value = T> {
    (lo..hi, 1.0..2.0_f64, any::<bool>()).prop_map(move |(e, m, negative)| {
        let v = m * 2.0_f64.powi(e / 2) * 2.0_f64.powi(e - e / 2);
        T::from_f64(if signed && negative { -v } else { v })
    })
}

const F: usize = 2;
const C: usize = 3;

/// A model, k = 2 feature vectors, a class weight, a smoothing ε and λ, each log-uniform from
/// the subnormal range (`tiny`, the exponent of the smallest subnormal) up to `huge`.
#[allow(clippy::type_complexity)]
fn case<T: Float>(
    tiny: i32,
    normal: i32,
    huge: i32,
) -> impl Strategy<Value = (Classifier<F, C, T>, [[T; F]; 2], T, T, T)> {
    let value = move || log_uniform::<T>(tiny, huge, true);
    let params = prop::collection::vec(value(), C * F + C);
    let xs = prop::collection::vec(value(), 2 * F);
    let weight = log_uniform::<T>(tiny, huge, false);
    let smoothing = prop_oneof![Just(T::ZERO), log_uniform::<T>(tiny, 0, false)];
    let lambda = log_uniform::<T>(normal, 20, false);
    (params, xs, weight, smoothing, lambda).prop_map(|(p, x, w, eps, lambda)| {
        let model = Classifier::new(
            core::array::from_fn(|c| core::array::from_fn(|f| p[c * F + f])),
            core::array::from_fn(|c| p[C * F + c]),
        );
        let xs = [[x[0], x[1]], [x[2], x[3]]];
        (model, xs, w, eps, lambda)
    })
}

/// Certifies the case on both families and checks each certificate against the truth. A
/// certificate may be refused only for overflow (logits or the allowance beyond the range).
fn check<T: Float>(
    (model, xs, w, eps, lambda): (Classifier<F, C, T>, [[T; F]; 2], T, T, T),
) -> Result<(), TestCaseError> {
    let penalty_data = [Sample::new(xs[0], Label::<C>::new(0).unwrap())];
    let penalty_loss = penalty_only_loss::<C, T>(w);
    match certify(&model, &penalty_data, &penalty_loss, lambda) {
        Ok(cert) => {
            let truth = Truth::of(&model, lambda, None);
            prop_assert!(truth.is_bounded_by(&cert), "{cert:?} below {truth:?}");
        }
        Err(e) => prop_assert_eq!(e, Error::Overflow),
    }
    let data = symmetric::<F, C, T>(&xs);
    let loss = CrossEntropy::new()
        .with_class_weights([w; C])
        .unwrap()
        .with_label_smoothing(eps)
        .unwrap();
    match certify(&model, &data, &loss, lambda) {
        Ok(cert) => {
            let truth = Truth::of(&model, lambda, Some((&xs, w)));
            prop_assert!(truth.is_bounded_by(&cert), "{cert:?} below {truth:?}");
        }
        Err(e) => prop_assert_eq!(e, Error::Overflow),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// f32: parameters, features and weights from 2⁻¹⁴⁹ to 2⁴⁰, λ from 2⁻¹²⁶ to 2²⁰.
    #[test]
    fn certificate_bounds_the_truth_f32(c in case::<f32>(-149, -126, 40)) {
        check(c)?;
    }

    /// f64: parameters, features and weights from 2⁻¹⁰⁷⁴ to 2⁶⁰, λ from 2⁻¹⁰²² to 2²⁰.
    #[test]
    fn certificate_bounds_the_truth_f64(c in case::<f64>(-1074, -1022, 60)) {
        check(c)?;
    }

    /// Below the smallest normal number λ is refused, in both precisions.
    #[test]
    fn subnormal_lambda_is_refused(bits in 1_u32..0x0080_0000, bits64 in 1_u64..0x0010_0000_0000_0000) {
        let data = [Sample::new([1.0_f32], Label::<2>::new(1).unwrap())];
        let r = certify(&Classifier::zeros(), &data, &CrossEntropy::new(), f32::from_bits(bits));
        prop_assert_eq!(r, Err(Error::WeightDecayTooSmall));
        let data = [Sample::new([1.0_f64], Label::<2>::new(1).unwrap())];
        let r = certify(&Classifier::zeros(), &data, &CrossEntropy::new(), f64::from_bits(bits64));
        prop_assert_eq!(r, Err(Error::WeightDecayTooSmall));
    }
}
