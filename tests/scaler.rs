//! The frozen `Scaler`, batch fitting and the `Pipeline`: bit-identity with the online
//! `Standardizer` and with an independent computation, atomicity, and validation.
//!
//! Every comparison here is exact (bits): the scaler's contract is that it performs the same
//! correctly rounded operations, (x − mean) / scale, as the reference. The reference scale is
//! computed with the standard library's square root, which like `libm`'s is correctly rounded,
//! so the two agree bit for bit on every input.

#![allow(
    clippy::unwrap_used,
    reason = "helpers of a test crate fail the test by panicking"
)]

use proptest::prelude::*;
use tinysoftmax::{Classifier, Error, Label, Pipeline, Scaler, Standardizer};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

/// Raw rows of three features: an offset and spread per feature (from 1e-3 to 1e3, and a
/// constant feature when the spread is 0), so that scales span many binades.
fn rows_f32() -> impl Strategy<Value = Vec<[f32; 3]>> {
    (
        proptest::collection::vec(proptest::array::uniform3(-1.0_f32..1.0), 1..60),
        proptest::array::uniform3(prop_oneof![Just(0.0_f32), -1e4_f32..1e4]),
        proptest::array::uniform3(prop_oneof![Just(0.0_f32), Just(1.0), 1e-3_f32..1e3]),
    )
        .prop_map(|(rows, offset, spread)| {
            rows.iter()
                .map(|r| core::array::from_fn(|f| offset[f] + spread[f] * r[f]))
                .collect()
        })
}

fn rows_f64() -> impl Strategy<Value = Vec<[f64; 3]>> {
    rows_f32().prop_map(|rows| rows.iter().map(|r| r.map(f64::from)).collect())
}

fn fitted<const F: usize, T: tinysoftmax::Float>(rows: &[[T; F]]) -> Standardizer<F, T> {
    let mut s = Standardizer::new();
    for x in rows {
        s.update(x).unwrap();
    }
    s
}

/// (x − mean) / sqrt(variance) (1 where the variance is 0), from the public statistics and
/// the standard library's square root: the definition, computed without the crate's transform.
fn reference_f32(s: &Standardizer<3, f32>, x: &[f32; 3]) -> [f32; 3] {
    let (mean, variance) = (s.mean(), s.variance());
    core::array::from_fn(|f| {
        let scale = if variance[f] > 0.0 {
            variance[f].sqrt()
        } else {
            1.0
        };
        (x[f] - mean[f]) / scale
    })
}

fn reference_f64(s: &Standardizer<3, f64>, x: &[f64; 3]) -> [f64; 3] {
    let (mean, variance) = (s.mean(), s.variance());
    core::array::from_fn(|f| {
        let scale = if variance[f] > 0.0 {
            variance[f].sqrt()
        } else {
            1.0
        };
        (x[f] - mean[f]) / scale
    })
}

fn bits_f32(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn bits_f64(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// The logits as `Classifier::logits` documents them: each summed in feature order from 0,
/// the bias added last.
fn reference_logits<const F: usize, const C: usize>(
    w: &[[f32; F]; C],
    b: &[f32; C],
    x: &[f32; F],
) -> [f32; C] {
    core::array::from_fn(|c| {
        w[c].iter()
            .zip(x)
            .fold(0.0_f32, |acc, (wf, xf)| acc + wf * xf)
            + b[c]
    })
}

proptest! {
    #![proptest_config(config())]

    /// A frozen scaler transforms to the bits of the standardiser it came from and of the
    /// definition; built from the same numbers with the `const` constructor, it is the same
    /// value.
    #[test]
    fn frozen_is_bit_identical_f32(rows in rows_f32(), x in proptest::array::uniform3(-1e5_f32..1e5)) {
        let s = fitted(&rows);
        let frozen = s.freeze();
        let expected = bits_f32(&reference_f32(&s, &x));
        prop_assert_eq!(bits_f32(&frozen.transform(&x)), expected.clone());
        prop_assert_eq!(bits_f32(&s.transform(&x)), expected);
        prop_assert_eq!(Scaler::new_f32(*s.mean(), s.scale()).unwrap(), frozen);
    }

    #[test]
    fn frozen_is_bit_identical_f64(rows in rows_f64(), x in proptest::array::uniform3(-1e5_f64..1e5)) {
        let s = fitted(&rows);
        let frozen = s.freeze();
        let expected = bits_f64(&reference_f64(&s, &x));
        prop_assert_eq!(bits_f64(&frozen.transform(&x)), expected.clone());
        prop_assert_eq!(bits_f64(&s.transform(&x)), expected);
        prop_assert_eq!(Scaler::new_f64(*s.mean(), s.scale()).unwrap(), frozen);
    }

    /// A batch update gives the bits of the same rows added one by one.
    #[test]
    fn update_all_equals_updates(before in rows_f32(), batch in rows_f32()) {
        let mut one_by_one = fitted(&before);
        let mut batched = one_by_one.clone();
        for x in &batch {
            one_by_one.update(x).unwrap();
        }
        batched.update_all(&batch).unwrap();
        prop_assert_eq!(batched.count(), one_by_one.count());
        prop_assert_eq!(bits_f32(batched.mean()), bits_f32(one_by_one.mean()));
        prop_assert_eq!(bits_f32(&batched.variance()), bits_f32(&one_by_one.variance()));
    }

    /// A non-finite value anywhere in a batch rejects the whole batch and changes nothing,
    /// not even by the rows before it.
    #[test]
    fn update_all_is_atomic(
        before in rows_f32(),
        mut batch in rows_f32(),
        at in any::<prop::sample::Index>(),
        feature in 0_usize..3,
        bad in prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY)],
    ) {
        let mut s = fitted(&before);
        let snapshot = (s.count(), bits_f32(s.mean()), bits_f32(&s.variance()));
        let row = at.index(batch.len());
        batch[row][feature] = bad;
        prop_assert_eq!(s.update_all(&batch), Err(Error::NonFiniteFeature));
        prop_assert_eq!((s.count(), bits_f32(s.mean()), bits_f32(&s.variance())), snapshot);
    }

    /// A pipeline's logits, probabilities and prediction are the classifier's on the
    /// standardised reading, bit for bit, with the logits computed independently.
    #[test]
    fn pipeline_is_scaler_then_classifier(
        rows in rows_f32(),
        w in proptest::array::uniform4(proptest::array::uniform3(-2.0_f32..2.0)),
        b in proptest::array::uniform4(-2.0_f32..2.0),
        x in proptest::array::uniform3(-1e4_f32..1e4),
    ) {
        let s = fitted(&rows);
        let model = Classifier::<3, 4>::new(w, b);
        let pipeline = Pipeline::new(s.freeze(), model.clone());
        let z = reference_logits(&w, &b, &reference_f32(&s, &x));
        prop_assert_eq!(bits_f32(&pipeline.logits(&x)), bits_f32(&z));
        let first_max = (0..4).fold(0, |k, c| if z[c] > z[k] { c } else { k });
        prop_assert_eq!(pipeline.predict(&x).index(), first_max);
        prop_assert_eq!(
            bits_f32(&pipeline.probabilities(&x)),
            bits_f32(&model.probabilities(&reference_f32(&s, &x)))
        );
    }

    /// f64 constants (as scikit-learn exports them) rounded to f32, applied to an f32 reading,
    /// stay within the bound the `Scaler` docs state of the f64 result x'.
    ///
    /// Error model (u = 2⁻²⁴, u₆₄ = 2⁻⁵³): rounding gives m(1 + ε₂) and s(1 + ε₃), the
    /// subtraction and the division each a factor (1 + ε), |ε| ≤ u, so
    /// q = (x' − (m/s)ε₂)(1 + ε₄)(1 + ε₅)/(1 + ε₃) and |q − x'| ≤ γ|x'| + (1 + γ)u|m|/s with
    /// γ = (1 + u)²/(1 − u) − 1 ≈ 3u; the f64 reference itself is within 2u₆₄|x'|.
    #[test]
    fn f32_constants_stay_within_the_documented_bound(
        x in -1e4_f32..1e4,
        mean in -1e4_f64..1e4,
        scale in 1e-3_f64..1e3,
    ) {
        const U: f64 = f32::EPSILON as f64 / 2.0;
        const U64: f64 = f64::EPSILON / 2.0;
        let wide = Scaler::new_f64([mean], [scale]).unwrap().transform(&[f64::from(x)])[0];
        #[allow(clippy::cast_possible_truncation, reason = "rounding to f32 is the point")]
        let narrow = Scaler::new_f32([mean as f32], [scale as f32]).unwrap();
        let got = f64::from(narrow.transform(&[x])[0]);
        let gamma = (1.0 + U) * (1.0 + U) / (1.0 - U) - 1.0;
        let bound = (gamma * wide.abs() + (1.0 + gamma) * U * mean.abs() / scale + 2.0 * U64 * wide.abs())
            * (1.0 + 1e-9);
        prop_assert!((got - wide).abs() <= bound, "{got} vs {wide}, bound {bound:e}");
    }
}

/// The scaler divides by the scale; multiplying by a rounded reciprocal would give other bits
/// for some readings (the second assertion shows the first can tell the two apart).
#[test]
fn divides_rather_than_multiplies_by_the_reciprocal() {
    let s = Scaler::new_f32([0.0], [3.0]).unwrap();
    let readings = (1..=1000).map(|i| i as f32 * 0.37);
    for x in readings.clone() {
        assert_eq!(
            s.transform(&[x])[0].to_bits(),
            (x / 3.0).to_bits(),
            "x = {x}"
        );
    }
    let reciprocal = 1.0_f32 / 3.0;
    assert!(readings.clone().any(|x| x * reciprocal != x / 3.0));
}

/// Every non-finite mean and every scale that is not finite and > 0 is refused, in any
/// position; the extremes of the valid range are accepted.
#[test]
fn scaler_validation() {
    let bad_means = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
    let bad_scales = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        -1.0,
        -f32::MIN_POSITIVE,
    ];
    for f in 0..3 {
        for bad in bad_means {
            let mut mean = [1.0_f32; 3];
            mean[f] = bad;
            assert_eq!(
                Scaler::new_f32(mean, [1.0; 3]),
                Err(Error::Scaler),
                "mean {bad} at {f}"
            );
        }
        for bad in bad_scales {
            let mut scale = [1.0_f32; 3];
            scale[f] = bad;
            assert_eq!(
                Scaler::new_f32([0.0; 3], scale),
                Err(Error::Scaler),
                "scale {bad} at {f}"
            );
            let wide = scale.map(f64::from);
            assert_eq!(
                Scaler::new_f64([0.0; 3], wide),
                Err(Error::Scaler),
                "scale {bad} at {f}"
            );
        }
    }
    let tiny = f32::from_bits(1); // the smallest subnormal
    let s = Scaler::new_f32([f32::MAX, -f32::MAX, 0.0], [tiny, f32::MAX, 1.0]).unwrap();
    assert_eq!(s.scale(), &[tiny, f32::MAX, 1.0]);
    // Finite in, ±∞ out when the quotient overflows, as documented.
    assert_eq!(s.transform(&[0.0, 0.0, 2.0]), [f32::NEG_INFINITY, 1.0, 2.0]);
}

/// A batch whose statistics would overflow is refused whole, like a single such update.
#[test]
fn update_all_overflow_is_atomic() {
    let mut s = Standardizer::<1>::new();
    s.update(&[1.0]).unwrap();
    let before = s.clone();
    assert_eq!(
        s.update_all(&[[2.0], [3.0e38]]),
        Err(Error::NonFiniteUpdate)
    );
    assert_eq!(s, before);
    assert_eq!(s.update_all(&[]), Ok(()));
    assert_eq!(s, before);
}

/// Non-finite readings propagate through a pipeline; `predict` stays infallible and returns
/// the first NaN logit's class, 0.
#[test]
fn pipeline_non_finite_readings() {
    let scaler = Scaler::new_f32([1.0, 2.0], [2.0, 4.0]).unwrap();
    let model = Classifier::<2, 3>::new([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.0, 0.0, 1.0]);
    let p = Pipeline::new(scaler, model);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for raw in [[bad, 2.0], [1.0, bad]] {
            let z = p.logits(&raw);
            assert!(z.iter().any(|v| !v.is_finite()), "{raw:?} gave {z:?}");
            assert!(p.probabilities(&raw).iter().all(|q| q.is_nan()), "{raw:?}");
        }
    }
    assert!(p.logits(&[f32::NAN, 2.0]).iter().all(|v| v.is_nan()));
    assert_eq!(p.predict(&[f32::NAN, 2.0]), Label::new(0).unwrap());
    // A finite reading far out still predicts: 1e30 standardises to 5e29, class 0 wins.
    assert_eq!(p.predict(&[1e30, 2.0]), Label::new(0).unwrap());
}
