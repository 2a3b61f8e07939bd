//! The certificate of `convex::certify` against exact gaps and distances, down to the subnormal
//! range (Step 5 of the docs of `tinysoftmax::convex`, "Rounding, down to the subnormal range").
//! The problem families and the truth they give are in `common/truth.rs`.

#![expect(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "test code: a failed unwrap is the failure report; f64 → f32 casts are the intended rounding"
)]

use proptest::prelude::*;
use tinysoftmax::Objective;
use tinysoftmax::convex::{Certificate, certify, certify_plain, gradient};
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Error, Float, Label, Sample};

#[path = "common/truth.rs"]
mod truth;
use truth::*;

/// The model of the reproductions: W = (t, −t)ᵀ, b = (t, −t).
fn mirrored(t: f32) -> Classifier<1, 2> {
    Classifier::new([[t], [-t]], [t, -t])
}

/// The reproductions of the underflow report, on the penalty-only problem (one sample
/// ([1.0], label 0), class weights [0, 1]): each certifies a gap and a distance at least the
/// exact ones, or (for a subnormal λ) is refused. The rows with λ = 2e-38 failed through the
/// gap's b·b underflowing, the others before them through λθ rounding to 0 unaccounted.
#[test]
fn underflow_reproductions_are_bounded_or_refused() {
    let data = [Sample::new([1.0_f32], Label::<2>::new(0).unwrap())];
    let loss = penalty_only_loss::<2, f32>(1.0);
    let rows: [(f32, f32); 7] = [
        (f32::from_bits(1), 0.4),
        (1e-30, 1e-16),
        (1e-10, 1e-36),
        (4.69e-5, 1.1e-44),
        (2e-38, 6e14),
        (2e-38, 1e15),
        // Found on the way: 2λ overflowed for λ > MAX/2, and the gap b²/(2λ) came out 0.
        (f32::MAX, 1e-20),
    ];
    for (lambda, t) in rows {
        let model = mirrored(t);
        let result = certify(&model, &data, &Objective::from_parts(loss, lambda).unwrap());
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
    let result = minimize(
        &mut model,
        &data,
        &Objective::from_parts(loss, f32::from_bits(1)).unwrap(),
        stop,
    );
    assert_eq!(result, Err(Error::WeightDecayTooSmall));
    assert_eq!(model, mirrored(0.4));
    // The smallest normal λ is accepted, and what it certifies is true.
    let report = minimize(
        &mut model,
        &data,
        &Objective::from_parts(loss, f32::MIN_POSITIVE).unwrap(),
        stop,
    )
    .unwrap();
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

/// A certificate function: `certify` or `certify_plain`.
type CertifyFn<T> =
    fn(&Classifier<F, C, T>, &[Sample<F, C, T>], &Objective<C, T>) -> Result<Certificate<T>, Error>;

/// Certifies the case on both families and checks each certificate against the truth. A
/// certificate may be refused only for overflow (logits, P or the allowance beyond the range).
fn check<T: Float>(
    (model, xs, w, eps, lambda): (Classifier<F, C, T>, [[T; F]; 2], T, T, T),
    certify: CertifyFn<T>,
) -> Result<(), TestCaseError> {
    let penalty_data = [Sample::new(xs[0], Label::<C>::new(0).unwrap())];
    let penalty_loss = penalty_only_loss::<C, T>(w);
    match certify(
        &model,
        &penalty_data,
        &Objective::from_parts(penalty_loss, lambda).unwrap(),
    ) {
        Ok(cert) => {
            let truth = Truth::of(&model, lambda, None);
            prop_assert!(truth.is_bounded_by(&cert), "{cert:?} below {truth:?}");
        }
        Err(e) => prop_assert!(
            matches!(e, Error::Overflow | Error::NonFiniteLogit),
            "{e:?}"
        ),
    }
    let data = symmetric::<F, C, T>(&xs);
    let loss = CrossEntropy::new()
        .with_class_weights([w; C])
        .unwrap()
        .with_label_smoothing(eps)
        .unwrap();
    match certify(&model, &data, &Objective::from_parts(loss, lambda).unwrap()) {
        Ok(cert) => {
            let truth = Truth::of(&model, lambda, Some((&xs, w)));
            prop_assert!(truth.is_bounded_by(&cert), "{cert:?} below {truth:?}");
        }
        Err(e) => prop_assert!(
            matches!(e, Error::Overflow | Error::NonFiniteLogit),
            "{e:?}"
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// f32: parameters, features and weights from 2⁻¹⁴⁹ to 2⁴⁰, λ from 2⁻¹²⁶ to 2²⁰.
    #[test]
    fn certificate_bounds_the_truth_f32(c in case::<f32>(-149, -126, 40)) {
        check(c, certify)?;
    }

    /// f64: parameters, features and weights from 2⁻¹⁰⁷⁴ to 2⁶⁰, λ from 2⁻¹⁰²² to 2²⁰.
    #[test]
    fn certificate_bounds_the_truth_f64(c in case::<f64>(-1074, -1022, 60)) {
        check(c, certify)?;
    }

    /// The plain logits' certificate on the same f32 cases.
    #[test]
    fn plain_certificate_bounds_the_truth_f32(c in case::<f32>(-149, -126, 40)) {
        check(c, certify_plain)?;
    }

    /// The plain logits' certificate on the same f64 cases.
    #[test]
    fn plain_certificate_bounds_the_truth_f64(c in case::<f64>(-1074, -1022, 60)) {
        check(c, certify_plain)?;
    }

    /// Below the smallest normal number λ is refused, in both precisions.
    #[test]
    fn subnormal_lambda_is_refused(bits in 1_u32..0x0080_0000, bits64 in 1_u64..0x0010_0000_0000_0000) {
        let data = [Sample::new([1.0_f32], Label::<2>::new(1).unwrap())];
        let r = certify(&Classifier::zeros(), &data, &Objective::from_parts(CrossEntropy::new(), f32::from_bits(bits)).unwrap());
        prop_assert_eq!(r, Err(Error::WeightDecayTooSmall));
        let data = [Sample::new([1.0_f64], Label::<2>::new(1).unwrap())];
        let r = certify(&Classifier::zeros(), &data, &Objective::from_parts(CrossEntropy::new(), f64::from_bits(bits64)).unwrap());
        prop_assert_eq!(r, Err(Error::WeightDecayTooSmall));
    }
}

// The rounding allowance, term by term (issue: "delete it and every test still passes"). Each
// test below builds an f32 problem in which one mechanism of rounding dominates, so that the
// allowance without the term that covers it is provably too small; the table in Step 5 of the
// `convex` docs names, per term, the test that fails without it.

/// The same problem in f64, every value widened exactly.
fn widen<const F: usize, const C: usize>(
    model: &Classifier<F, C>,
    data: &[Sample<F, C>],
    loss: &CrossEntropy<C>,
) -> (
    Classifier<F, C, f64>,
    Vec<Sample<F, C, f64>>,
    CrossEntropy<C, f64>,
) {
    let model = Classifier::new(
        model.weights().map(|row| row.map(f64::from)),
        model.bias().map(f64::from),
    );
    let data = data
        .iter()
        .map(|s| Sample::new(s.features.map(f64::from), s.label))
        .collect();
    let loss = CrossEntropy::new()
        .with_class_weights(loss.class_weights().map(f64::from))
        .unwrap()
        .with_label_smoothing(f64::from(loss.label_smoothing()))
        .unwrap();
    (model, data, loss)
}

/// A lower bound on the exact ‖∇P(θ)‖ of an f32 problem: the f64 gradient norm of the widened
/// problem, less the f64 certificate's allowance and the 4u of its norm's rounding.
fn exact_gradient_norm_low<const F: usize, const C: usize>(
    model: &Classifier<F, C>,
    data: &[Sample<F, C>],
    loss: &CrossEntropy<C>,
    lambda: f32,
) -> f64 {
    let (m, d, l) = widen(model, data, loss);
    let cert = certify(
        &m,
        &d,
        &Objective::from_parts(l, f64::from(lambda)).unwrap(),
    )
    .unwrap();
    (cert.gradient_norm * (1.0 - 4.0 * U64) - OMEGA64 - cert.gradient_error) * (1.0 - U64)
}

/// The step of the proof that the allowance E serves: the exact gradient norm is at most what
/// the computed norm N (within 4u and ω/2 of ‖ĝ‖) and E allow, (N + ω/2)/(1 − 4u) + E.
fn allowance_covers(cert: &Certificate<f32>, exact_low: f64) -> bool {
    let u = f64::from(f32::EPSILON) / 2.0;
    let omega = f64::from(f32::from_bits(1));
    let n = f64::from(cert.gradient_norm);
    let claimed = (n + omega / 2.0) / (1.0 - 4.0 * u) + f64::from(cert.gradient_error);
    claimed >= exact_low
}

/// The per-sample rounding of the logit gradient δ (the 16u·‖δ̂‖·‖x̃‖ term). Three
/// classes, x = 0, one sample per label: symmetric data, θ* = 0. At equal logits the computed
/// probabilities fl(1/3) and differences fl(1/3) − 1 (a tie, rounded to even) do not cancel
/// over the three samples: the computed bias gradient of classes 1 and 2 is e ≈ 2e-8 where
/// the exact one is 0. At b = −e/λ (λ = 4, so that the data term's curvature, at most ½, is
/// small beside λ) the penalty cancels e, the computed gradient is 0, and the exact gradient is
/// about λ‖b‖ (the true distance is ‖b‖). The allowance without this term is then a few
/// units of roundoff of λ‖b‖: a certified distance of about 1e-6 of the truth.
#[test]
fn allowance_needed_for_the_rounding_of_the_probabilities() {
    let lambda = 4.0_f32;
    let data: Vec<Sample<1, 3>> = symmetric(&[[0.0_f32]]);
    let loss = CrossEntropy::new();
    let (_, at_zero) = gradient(
        &Classifier::zeros(),
        &data,
        &Objective::from_parts(loss, 0.0).unwrap(),
    )
    .unwrap();
    let e = at_zero.bias().map(|v| -v / lambda);
    assert!(
        e[1] != 0.0 && e[1] == e[2],
        "the construction failed: {e:?}"
    );
    let model = Classifier::new([[0.0]; 3], e);
    let cert = certify(&model, &data, &Objective::from_parts(loss, lambda).unwrap()).unwrap();
    assert_eq!(cert.gradient_norm, 0.0, "the construction failed: {cert:?}");
    let truth = Truth::of(&model, lambda, Some((&[[0.0_f32]], 1.0)));
    assert!(
        truth.distance > 0.0 && truth.is_bounded_by(&cert),
        "{cert:?} below {truth:?}"
    );
    let low = exact_gradient_norm_low(&model, &data, &loss, lambda);
    assert!(allowance_covers(&cert, low), "{cert:?}: ‖∇P‖ ≥ {low:e}");
}

/// Scans f32 models of one family and checks the allowance on each; returns the largest share
/// of the allowance E that the rounding was seen to use, (‖∇P‖ − N)/E with ‖∇P‖ from below.
fn scan<const F: usize, const C: usize>(
    models: impl Iterator<Item = Classifier<F, C>>,
    data: &[Sample<F, C>],
    loss: &CrossEntropy<C>,
    lambda: f32,
) -> f64 {
    scan_with(models, data, loss, lambda, certify).0
}

/// [`scan`] with a certificate function; also returns the largest ratio of the error seen,
/// ‖∇P‖ − N from below, to the allowance of [`certify`] on the same model.
fn scan_with<const F: usize, const C: usize>(
    models: impl Iterator<Item = Classifier<F, C>>,
    data: &[Sample<F, C>],
    loss: &CrossEntropy<C>,
    lambda: f32,
    certify_fn: fn(&Classifier<F, C>, &[Sample<F, C>], &Objective<C>) -> Result<Certificate, Error>,
) -> (f64, f64) {
    let mut used = f64::NEG_INFINITY;
    let mut beyond_compensated = f64::NEG_INFINITY;
    for model in models {
        let objective = Objective::from_parts(*loss, lambda).unwrap();
        let cert = certify_fn(&model, data, &objective).unwrap();
        let compensated = certify(&model, data, &objective).unwrap();
        let low = exact_gradient_norm_low(&model, data, loss, lambda);
        assert!(
            allowance_covers(&cert, low),
            "{model:?}: {cert:?}, ‖∇P‖ ≥ {low:e}"
        );
        let error = low - f64::from(cert.gradient_norm);
        used = used.max(error / f64::from(cert.gradient_error));
        beyond_compensated = beyond_compensated.max(error / f64::from(compensated.gradient_error));
    }
    (used, beyond_compensated)
}

/// Large logits are not rounded before the softmax. Two classes, one sample with
/// x = 1000.1, label smoothing ε = 1 (the target is uniform, so δ = p − ½ is small near equal
/// logits and its own rounding does not hide the logits'). The logits z_c = W_c·x are near
/// 8200, just above 2¹³, where half an ULP (2⁻¹¹) is u·|z| to within 0.1 %: logits rounded to
/// f32 would be off by up to u·|z|, and δ = σ(z_0 − z_1) − ½ would move by up to ¼ of their
/// difference, ½·√2·u·|z|·‖x̃‖ in the gradient's norm (the allowance of an earlier version,
/// which these models used more than half of). The certificate passes the logits' differences
/// unrounded, so the error seen stays below 1 % of that, and within the allowance. W_0 runs
/// over 400 consecutive floats and W_1 lies 1 to 4 ULPs below it.
#[test]
fn large_logits_are_not_rounded_before_the_softmax() {
    let x = 1000.1_f32;
    let data = [Sample::new([x], Label::<2>::new(0).unwrap())];
    let loss = CrossEntropy::new().with_label_smoothing(1.0).unwrap();
    let start = (8200.0 / f64::from(x)) as f32;
    let lambda = 1e-6;
    let mut seen = 0.0_f64;
    for i in 0..400_u32 {
        let w0 = f32::from_bits(start.to_bits() + i);
        for j in 1..=4 {
            let model = Classifier::new([[w0], [f32::from_bits(w0.to_bits() - j)]], [0.0, 0.0]);
            let cert = certify(&model, &data, &Objective::from_parts(loss, lambda).unwrap());
            let cert = cert.unwrap();
            let low = exact_gradient_norm_low(&model, &data, &loss, lambda);
            assert!(
                allowance_covers(&cert, low),
                "{model:?}: {cert:?}, ‖∇P‖ ≥ {low:e}"
            );
            let error = low - f64::from(cert.gradient_norm);
            assert!(error.is_finite(), "{model:?}: {cert:?}");
            seen = seen.max(error);
        }
    }
    let rounded = 0.5 * 2.0_f64.sqrt() * f64::from(f32::EPSILON / 2.0) * 8200.0 * f64::from(x);
    eprintln!("large logits: error seen {seen:e}, rounding would allow {rounded:e}");
    assert!(seen < 0.01 * rounded, "{seen:e} vs {rounded:e}");
}

/// The second-order error of the compensated logits (the ½√C·w·γ_{F+1}²·a term). Features
/// near 1.2e6, 1.0e6 and 1, weights near 1e6 whose products (about 1.2e12) cancel, the third
/// weight taking up what is left but for a few 1e-3, and the bias placing the logits near ±1
/// with all of its 24 bits: Dot2 then carries the bias in its error term beside the products'
/// errors (about 2¹⁵) and rounds their sum, an error near 2⁻⁹ in each logit, some 1e4 times
/// u·|z|. Smoothing ε = 1 as above; 300 random models.
#[test]
fn allowance_needed_for_cancellation_in_the_logits() {
    let x = [1_234_567.0_f32, 1_000_001.0, 1.0];
    let data = [Sample::new(x, Label::<2>::new(0).unwrap())];
    let loss = CrossEntropy::new().with_label_smoothing(1.0).unwrap();
    let mut rng = tinysoftmax::SplitMix64::new(17);
    let mut uniform = move || (rng.next_u64() >> 11) as f64 / 2.0_f64.powi(53);
    let mut row = |target: f64| {
        let a = (1.0e6 * (1.0 + uniform())) as f32;
        let a2 = (f64::from(a) * f64::from(x[0]) / f64::from(x[1])) as f32;
        let rest = (f64::from(a) * f64::from(x[0]) - f64::from(a2) * f64::from(x[1])) as f32;
        let b = (target * (1.0 + 0.1 * uniform())) as f32;
        ([a, -a2, -rest], b)
    };
    let models: Vec<Classifier<3, 2>> = (0..300)
        .map(|_| {
            let (w0, b0) = row(1.0);
            let (w1, b1) = row(-1.0);
            Classifier::new([w0, w1], [b0, b1])
        })
        .collect();
    let used = scan(models.into_iter(), &data, &loss, 1e-9);
    eprintln!("cancellation: {used}");
    assert!(used > 0.0, "no model used the allowance: {used}");
}

/// The plain logits' error (the ½√C·w·2γ_{F+1}·a term of `certify_plain`). One sample
/// x = (1, 1, 1), two classes, smoothing ε = 1 (a uniform target, so δ = p − ½), λ = 1e-9.
/// Class 0's weights are (w, 1, −w) with w = 2²⁴ + 2t, class 1's are 0: the exact logit z_0
/// is 1, but the plain sum rounds w + 1 to an even neighbour, and where that is w the computed
/// logits are equal, δ̂ = 0 and ĝ is the tiny penalty gradient, while the exact gradient is
/// about (σ(1) − ½)·‖x̃‖ ≈ 0.46. The plain certificate's allowance covers that, the error
/// uses a part of it, and it exceeds the whole allowance of `certify` on the same model, so
/// the compensated logits' term would not do for plain ones.
#[test]
fn plain_allowance_needed_for_rounding_in_the_logits() {
    let x = [1.0_f32; 3];
    let data = [Sample::new(x, Label::<2>::new(0).unwrap())];
    let loss = CrossEntropy::new().with_label_smoothing(1.0).unwrap();
    let models: Vec<Classifier<3, 2>> = (0..50_u16)
        .map(|t| {
            let w = 16_777_216.0 + 2.0 * f32::from(t);
            Classifier::new([[w, 1.0, -w], [0.0; 3]], [0.0; 2])
        })
        .collect();
    let (used, beyond) = scan_with(models.into_iter(), &data, &loss, 1e-9, certify_plain);
    eprintln!("plain rounding: {used} of the plain allowance, {beyond} of certify's");
    assert!(used > 0.0, "no model used the allowance: {used}");
    assert!(
        beyond > 1.0,
        "certify's allowance would have covered: {beyond}"
    );
}

/// The underflow of λθ (the 3/2·√(C(F + 1))·ω term). Penalty only, λ = 2⁻¹²⁶ (the floor), two
/// classes and 500 features (d = 1002) at x = 0, and every parameter 0.49·2⁻²³, so that
/// every λθ_k = 0.49ω rounds to 0: the computed gradient is 0, the exact one has norm
/// 0.49·√1002·ω ≈ 15.5ω and the true distance is ‖θ‖ = 0.49·√1002·2⁻²³. The allowance's
/// other terms come to less than 10ω here.
#[test]
fn allowance_needed_for_underflow_of_the_penalty_gradient() {
    const WIDE: usize = 500;
    let lambda = f32::MIN_POSITIVE;
    let t = 0.49 * 2.0_f32.powi(-23);
    let model = Classifier::<WIDE, 2>::new([[t; WIDE]; 2], [t; 2]);
    let data = [Sample::new([0.0; WIDE], Label::new(0).unwrap())];
    let loss = penalty_only_loss::<2, f32>(1.0);
    let cert = certify(&model, &data, &Objective::from_parts(loss, lambda).unwrap()).unwrap();
    assert_eq!(cert.gradient_norm, 0.0, "the construction failed");
    let truth = Truth::of(&model, lambda, None);
    assert!(truth.is_bounded_by(&cert), "{cert:?} below {truth:?}");
}
