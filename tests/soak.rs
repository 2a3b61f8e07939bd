//! The soak: 10⁸ per-sample `f32` SGD steps through `Trainer` and `Averaged` on a stationary
//! stream, with rare injected bad samples. Ignored by default (about a minute in release):
//!
//! ```text
//! cargo test --release --test soak -- --ignored --nocapture
//! ```
//!
//! The stream draws uniformly, with replacement, from 512 fixed samples (three Gaussian
//! clusters in 4 features), so the objective it estimates is the full-batch P over those 512
//! samples, whose optimum `minimize` certifies. One step in 10⁴ is a bad sample instead:
//! NaN, +∞ or −∞ in a feature, a label ≥ C (through the checked `Label` constructors), or
//! features of ±`f32::MAX` aligned with the model's largest row, whose logit overflows. The
//! test asserts that every bad sample is rejected (with its error, the model and state
//! unchanged), that the model and the average stay finite, and that the certified gap of the
//! final averaged model is at most 1 % of P*.
//!
//! The bound is a requirement, not an asymptotic rate: in `f32` the inverse-time rate η_t ≈
//! 1/(λt) reaches 1e-6 here, where the drift η_t·‖∇P‖ of a step falls below the rounding of
//! the parameters (u·|θ| ≈ 1e-7) and the iterates stop improving; what a long run must show is
//! that they do not drift away or degrade either. Measured (`cargo test --release --test soak
//! -- --ignored --nocapture`, x86-64, shared 2-core machine, 2026-11-29): 10⁸ steps in 13.6 s
//! and 16.3 s in two runs (136–163 ns a step with its average update), 2000 bad samples of
//! each kind all rejected, the averaged model's certified gap 1.9e-3 (0.5 % of P* = 0.378),
//! the last iterate's 2.4e-3.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "test code: a failed unwrap is the failure report"
)]

use std::time::Instant;
use tinysoftmax::average::{Averaged, Weighting};
use tinysoftmax::convex::certify;
use tinysoftmax::optim::{Schedule, Sgd};
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Error, Label, Objective, Sample, SplitMix64};

const F: usize = 4;
const C: usize = 3;
const STEPS: u64 = 100_000_000;
const BAD_EVERY: u64 = 10_000;
/// The certified gap of the final average may be at most this fraction of P*.
const RELATIVE_GAP_BOUND: f32 = 1e-2;

/// A standard normal deviate (Box–Muller) from two uniforms of the generator.
fn normal(rng: &mut SplitMix64) -> f64 {
    let u = ((rng.next_u64() >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0;
    let v = (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

fn data() -> Vec<Sample<F, C>> {
    let centres = [
        [1.0, 0.0, 0.5, -0.5],
        [-1.0, 0.5, 0.0, 0.5],
        [0.0, -1.0, -0.5, 0.0],
    ];
    let mut rng = SplitMix64::new(0x50a4);
    (0..512)
        .map(|i| {
            let c = i % C;
            let x = core::array::from_fn(|f| (centres[c][f] + 0.7 * normal(&mut rng)) as f32);
            Sample::new(x, Label::new(c).unwrap())
        })
        .collect()
}

fn finite(model: &Classifier<F, C>) -> bool {
    model
        .weights()
        .iter()
        .flatten()
        .chain(model.bias())
        .all(|v| v.is_finite())
}

/// A sample whose largest logit overflows: ±MAX in each feature, with the sign of that row.
fn overflowing(model: &Classifier<F, C>) -> [f32; F] {
    let rows = model.weights();
    let row = rows
        .iter()
        .max_by(|a, b| {
            let l1 = |r: &[f32; F]| r.iter().map(|w| f64::from(w.abs())).sum::<f64>();
            l1(a).total_cmp(&l1(b))
        })
        .unwrap();
    // The exact logit is MAX·Σ|w| + b: beyond the range for Σ|w| > 1 (asserted by the caller
    // through the error).
    core::array::from_fn(|f| f32::MAX.copysign(row[f]))
}

#[test]
#[ignore = "10^8 steps: run in release with --ignored"]
fn hundred_million_steps_with_bad_samples() {
    let data = data();
    let objective = Objective::new(0.01).unwrap();
    let mut optimum = Classifier::zeros();
    let stop = Stop::new(Tolerance::Absolute(1e-7), 100_000);
    let reference = minimize(&mut optimum, &data, &objective, stop).unwrap();
    assert!(reference.certified);

    let sgd = Sgd::new(0.5)
        .unwrap()
        .with_schedule(Schedule::InverseTime)
        .unwrap();
    let mut trainer = Trainer::new(sgd, objective).unwrap();
    let mut model = Classifier::zeros();
    let mut average = Averaged::new(Weighting::Linear);
    let mut stream = SplitMix64::new(0x50a4_50a4);
    let (mut rejected, mut injected) = ([0_u64; 5], 0_u64);
    let started = Instant::now();
    for t in 1..=STEPS {
        if t % BAD_EVERY == 0 {
            injected += 1;
            let kind = (t / BAD_EVERY % 5) as usize;
            let good = &data[stream.below(512) as usize];
            let before = (model.fingerprint(), format!("{:?}", trainer.state()));
            let result = match kind {
                0..=2 => {
                    let mut x = good.features;
                    x[(t / BAD_EVERY % F as u64) as usize] =
                        [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][kind];
                    let r = trainer.step(&mut model, &Sample::new(x, good.label));
                    assert_eq!(r, Err(Error::NonFiniteFeature));
                    r
                }
                3 => {
                    let label = C + (t / BAD_EVERY % 200) as usize;
                    let r = Label::<C>::new(label).map(|_| 0.0);
                    assert_eq!(r, Err(Error::LabelOutOfRange));
                    r
                }
                _ => {
                    let x = overflowing(&model);
                    let r = trainer.step(&mut model, &Sample::new(x, good.label));
                    assert_eq!(r, Err(Error::NonFiniteLogit));
                    r
                }
            };
            assert!(result.is_err());
            rejected[kind] += 1;
            assert_eq!(
                before,
                (model.fingerprint(), format!("{:?}", trainer.state()))
            );
            continue;
        }
        let sample = &data[stream.below(512) as usize];
        trainer.step(&mut model, sample).unwrap();
        average.update(&model);
        if t % (BAD_EVERY * 100) == 0 {
            assert!(finite(&model) && finite(average.model()), "step {t}");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    assert!(finite(&model) && finite(average.model()));
    let cert = certify(average.model(), &data, &objective).unwrap();
    let last = certify(&model, &data, &objective).unwrap();
    println!(
        "soak: {STEPS} steps in {seconds:.1} s ({:.1} ns/step, step + average), {injected} bad \
         samples injected, rejected {rejected:?} (NaN, +inf, -inf, label, overflow)",
        seconds * 1e9 / STEPS as f64
    );
    println!(
        "soak: P* = {} (certified within {:e}); averaged model P = {}, certified gap {:e}; \
         last iterate certified gap {:e}",
        reference.certificate.objective,
        reference.certificate.gap,
        cert.objective,
        cert.gap,
        last.gap
    );
    assert_eq!(rejected.iter().sum::<u64>(), injected);
    let bound = RELATIVE_GAP_BOUND * reference.certificate.objective;
    assert!(cert.gap.is_finite() && cert.gap <= bound, "{cert}");
}
