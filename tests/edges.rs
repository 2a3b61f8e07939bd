//! The edges found when the crate was tried with hostile inputs: each is a behaviour the docs
//! state, checked here (every test failed before its fix, except where it says it documents a
//! behaviour the soundness work had already settled).

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failure should stop it loudly"
)]

use tinysoftmax::convex::{Parameters, certify, gradient, hessian_vector_product, objective};
use tinysoftmax::format::Record;
use tinysoftmax::loss::{CrossEntropy, cross_entropy, cross_entropy_with_grad};
use tinysoftmax::optim::{Schedule, Sgd, SgdState};
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Error, Label, Objective, Sample, SplitMix64};

fn sample<const F: usize>(x: [f32; F], y: usize) -> Sample<F, 2> {
    Sample::new(x, Label::new(y).unwrap())
}

/// The state's bytes (its record), for a bit-for-bit comparison.
fn state_bytes<const F: usize, const C: usize>(state: &SgdState<F, C>) -> Vec<u8> {
    let mut out = vec![0; SgdState::<F, C>::ENCODED_LEN];
    state.encode(&mut out).unwrap();
    out
}

#[test]
fn parameters_whose_squared_norm_overflows_keep_a_finite_objective() {
    // Logits ±1e20 are finite, and so is P = (λ/2)·‖θ‖² = 0.005·2e40 = 1e38, but ‖θ‖² = 2e40
    // is not: certify used to return a certificate with P = +∞ (objective and gradient too).
    let big = Classifier::new([[1e20, 0.0], [-1e20, 0.0]], [0.0, 0.0]);
    let data = [sample([1.0, 0.0], 0)];
    let objective_ = Objective::new(0.01).unwrap();
    // Rounding: a handful of operations, each within u = 2^-24 (8u is generous).
    let near = |p: f32| p.is_finite() && (f64::from(p) - 1e38).abs() <= 8.0 * 1e38 / 16_777_216.0;
    let cert = certify(&big, &data, &objective_).unwrap();
    assert!(near(cert.objective), "{cert:?}");
    assert!(near(objective(&big, &data, &objective_).unwrap()));
    assert!(near(gradient(&big, &data, &objective_).unwrap().0));
    // Beyond the range, P is +∞ and the certificate refuses with Overflow.
    let bigger = Classifier::new([[1e37, 0.0], [-1e37, 0.0]], [0.0, 0.0]);
    assert_eq!(objective(&bigger, &data, &objective_), Ok(f32::INFINITY));
    assert_eq!(certify(&bigger, &data, &objective_), Err(Error::Overflow));
}

#[test]
fn features_near_1e19_give_a_true_infinite_gap() {
    // Documented (settled by the soundness work): ‖∇P‖² overflows, the gap is +∞, which is
    // true; the objective and the distance stay finite.
    let data = [sample([1e19, 0.0], 0), sample([-1.0, 1.0], 1)];
    let cert = certify(&Classifier::zeros(), &data, &Objective::new(0.01).unwrap()).unwrap();
    assert_eq!(cert.gap, f32::INFINITY);
    assert!(cert.objective.is_finite() && cert.distance.is_finite());
}

#[test]
fn a_non_finite_parameter_has_one_name_everywhere() {
    let data = [sample([1.0, 0.0], 0), sample([0.0, 0.0], 1)];
    let objective_ = Objective::new(0.01).unwrap();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for model in [
            Classifier::new([[bad, 0.0], [0.0, 0.0]], [0.0, 0.0]),
            Classifier::new([[0.0, 0.0], [0.0, 0.0]], [0.0, bad]),
        ] {
            let e = Err(Error::NonFiniteParameter);
            assert_eq!(certify(&model, &data, &objective_).map(|_| ()), e);
            assert_eq!(objective(&model, &data, &objective_).map(|_| ()), e);
            assert_eq!(gradient(&model, &data, &objective_).map(|_| ()), e);
            let v = Parameters::zeros();
            assert_eq!(
                hessian_vector_product(&model, &data, &objective_, &v).map(|_| ()),
                Err(Error::NonFiniteParameter)
            );
            let stop = Stop::new(Tolerance::Relative(1e-3), 10);
            let mut m = model.clone();
            assert_eq!(
                minimize(&mut m, &data, &objective_, stop).map(|_| ()),
                Err(Error::NonFiniteParameter)
            );
            assert_eq!(m.fingerprint(), model.fingerprint());
            let mut trainer = Trainer::new(Sgd::new(0.1).unwrap(), objective_).unwrap();
            let before = state_bytes(trainer.state());
            for s in &data {
                assert_eq!(trainer.step(&mut m, s), Err(Error::NonFiniteParameter));
            }
            assert_eq!(m.fingerprint(), model.fingerprint());
            assert_eq!(state_bytes(trainer.state()), before);
        }
    }
    // Finite parameters whose logit overflows keep their own name.
    let huge = Classifier::<1, 2>::new([[3e38], [0.0]], [0.0, 0.0]);
    let data = [Sample::new([10.0], Label::new(0).unwrap())];
    assert_eq!(
        certify(&huge, &data, &objective_),
        Err(Error::NonFiniteLogit)
    );
    assert_eq!(
        objective(&huge, &data, &objective_),
        Err(Error::NonFiniteLogit)
    );
    // At the start of `minimize` too (later in a run it would be NonFiniteUpdate).
    let mut m = huge.clone();
    let stop = Stop::new(Tolerance::Relative(1e-3), 10);
    assert_eq!(
        minimize(&mut m, &data, &objective_, stop).map(|_| ()),
        Err(Error::NonFiniteLogit)
    );
    assert_eq!(m, huge);
}

#[test]
fn minimize_on_badly_scaled_data_says_so() {
    // One sample at 1e18: 1/L ≈ 4e-36, and ‖∇P‖² overflows f32: the run used to spend its
    // budget and return Ok, uncertified, with a gap of +∞ (or, here, 2e29) and no hint.
    let data = [sample([1e18, 0.0], 0), sample([-1.0, 0.0], 1)];
    let start = Classifier::new([[0.5, 0.0], [0.0, 0.0]], [0.0, 0.0]);
    let mut model = start.clone();
    let stop = Stop::new(Tolerance::Relative(1e-3), 100);
    let run = minimize(&mut model, &data, &Objective::new(0.01).unwrap(), stop);
    assert_eq!(run.map(|_| ()), Err(Error::Overflow));
    assert_eq!(model, start);
}

#[test]
fn a_positive_infinite_logit_gives_nan_loss_and_gradient() {
    // It used to return a NaN loss with the finite gradient 0 for the true class.
    let y = Label::<3>::new(0).unwrap();
    let z = [f32::INFINITY, 0.0, 0.0];
    let (loss, grad) = cross_entropy_with_grad(&z, y);
    assert!(
        loss.is_nan() && grad.iter().all(|g| g.is_nan()),
        "{loss} {grad:?}"
    );
    assert!(cross_entropy(&z, y).is_nan());
    // Another class at +∞: the loss used to be +∞ with a NaN in the gradient.
    let other = Label::<3>::new(1).unwrap();
    let (loss, grad) = CrossEntropy::new().loss_with_grad(&z, other);
    assert!(
        loss.is_nan() && grad.iter().all(|g| g.is_nan()),
        "{loss} {grad:?}"
    );
}

#[test]
fn a_step_decay_that_underflows_the_rate_is_refused() {
    // factor 1e-10 per step: η₄ = 1e-40 is subnormal, η₅ = 0. Training used to go on silently.
    let sgd = Sgd::new(1.0)
        .unwrap()
        .with_schedule(Schedule::StepDecay {
            period: 1,
            factor: 1e-10,
        })
        .unwrap();
    let mut trainer = Trainer::new(sgd, Objective::new(0.0).unwrap()).unwrap();
    let mut model = Classifier::zeros();
    let data = [sample([1.0, -1.0], 0), sample([-1.0, 1.0], 1)];
    for t in 0..4 {
        assert!(trainer.learning_rate() >= f32::MIN_POSITIVE);
        trainer.step(&mut model, &data[t % 2]).unwrap();
    }
    assert!(trainer.learning_rate() < f32::MIN_POSITIVE);
    let (before_model, before_state) = (model.fingerprint(), state_bytes(trainer.state()));
    assert_eq!(
        trainer.step(&mut model, &data[0]),
        Err(Error::LearningRateUnderflow)
    );
    let mut shuffled = data;
    assert_eq!(
        trainer.epoch(&mut model, &mut shuffled, &mut SplitMix64::new(1)),
        Err(Error::LearningRateUnderflow)
    );
    assert_eq!(model.fingerprint(), before_model);
    assert_eq!(state_bytes(trainer.state()), before_state);
}

/// The smallest normal learning rate is the first one that steps: the refusal is for rates
/// below it only.
#[test]
fn the_smallest_normal_learning_rate_still_steps() {
    let sgd = Sgd::new(f32::MIN_POSITIVE).unwrap();
    let mut trainer = Trainer::new(sgd, Objective::new(0.0).unwrap()).unwrap();
    let mut model = Classifier::zeros();
    let data = [sample([1.0, -1.0], 0)];
    assert_eq!(trainer.learning_rate(), f32::MIN_POSITIVE);
    assert!(trainer.step(&mut model, &data[0]).is_ok());
    assert_eq!(trainer.state().steps(), 1);
}

#[test]
fn weight_decay_must_be_finite_and_not_negative() {
    for bad in [
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -1.0,
        -f32::MIN_POSITIVE,
    ] {
        assert_eq!(Objective::<2>::new(bad), Err(Error::WeightDecay), "{bad}");
        assert_eq!(
            Objective::<2>::from_parts(CrossEntropy::new(), bad),
            Err(Error::WeightDecay)
        );
    }
}

#[test]
fn negative_zero_weight_decay_is_positive_zero() {
    // λ = −0.0 compares equal to 0: accepted, and stored as +0.0 (it used to keep its sign).
    let objective_ = Objective::<2>::new(-0.0).unwrap();
    assert_eq!(objective_.lambda().to_bits(), 0.0_f32.to_bits());
    let from_parts = Objective::<2, f64>::from_parts(CrossEntropy::new(), -0.0).unwrap();
    assert_eq!(from_parts.lambda().to_bits(), 0.0_f64.to_bits());
    let constant = Objective::<2>::new_f32(-0.0).unwrap();
    assert_eq!(constant, Objective::new(0.0).unwrap());
    assert_eq!(constant.lambda().to_bits(), 0);
}
