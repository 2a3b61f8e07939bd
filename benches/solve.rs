//! Time to a certified optimum on digits (1797 × 64, 10 classes, λ = 0.01), from the zero
//! model, to a certified relative gap ε = 1e-6:
//!
//! - the full-batch solver in f64, which certifies ε itself;
//! - the full-batch solver in f32 with the smallest step budget after which the f64 certificate
//!   of its model (same parameters and data, widened exactly) proves ε, found before timing;
//!   timed: the f32 run and that one f64 certificate;
//! - averaged SGD in f32, checked after every epoch with the f64 certificate of the average;
//! - averaged SGD in f32 to ε = 1e-3, certified by its own f32 certificate (the on-device
//!   loop `train_until_certified`).
//!
//! The f32 certificate cannot prove 1e-6 on digits: its rounding allowance floors it at about
//! 3e-5 relative at λ = 0.01 (see tests/OPTIMUM-README.md).
//!
//! Run with `cargo bench --bench solve`; the medians are quoted in tests/OPTIMUM-README.md.

#![expect(
    clippy::unwrap_used,
    reason = "benchmark code: a failed unwrap is the failure report"
)]

#[path = "../examples/common/dataset.rs"]
mod dataset;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tinysoftmax::average::{Averaged, Plan, Weighting, train_until_certified};
use tinysoftmax::convex::{certify, smoothness};
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::optim::{Schedule, Sgd};
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Float, Rng, Sample};

const LAMBDA: f64 = 0.01;
const EPSILON: f64 = 1e-6;

/// λ as the f32 runs see it, widened exactly (the f64 certificates of f32 models use it).
fn lambda_f32() -> f32 {
    <f32 as Float>::from_f64(LAMBDA)
}

/// Whether the f64 certificate of an f32 model proves a relative gap of ε.
fn certified_wide(model: &Classifier<64, 10>, wide: &[Sample<64, 10, f64>]) -> bool {
    let m = Classifier::new(
        model.weights().map(|r| r.map(f64::from)),
        model.bias().map(f64::from),
    );
    let cert = certify(&m, wide, &CrossEntropy::new(), f64::from(lambda_f32())).unwrap();
    Tolerance::Relative(EPSILON).is_met(cert.objective, cert.gap)
}

/// The f64 solver from zero to a certified relative gap of ε; returns the iterations.
fn full_batch_f64(wide: &[Sample<64, 10, f64>]) -> u32 {
    let mut model = Classifier::zeros();
    let stop = Stop {
        tolerance: Tolerance::Relative(EPSILON),
        max_iterations: 20_000,
    };
    let report = minimize(&mut model, wide, &CrossEntropy::new(), LAMBDA, stop).unwrap();
    assert!(report.certified, "{report}");
    report.iterations
}

/// The f32 solver from zero with a step budget, then the f64 certificate of its result.
fn full_batch_f32(data: &[Sample<64, 10>], wide: &[Sample<64, 10, f64>], budget: u32) -> bool {
    let mut model = Classifier::zeros();
    let stop = Stop {
        tolerance: Tolerance::Relative(1e-30),
        max_iterations: budget,
    };
    minimize(&mut model, data, &CrossEntropy::new(), lambda_f32(), stop).unwrap();
    certified_wide(&model, wide)
}

/// The smallest step budget (found by doubling, then bisection) after which the f32 solver's
/// model is proven within ε by its f64 certificate.
fn f32_budget(data: &[Sample<64, 10>], wide: &[Sample<64, 10, f64>]) -> u32 {
    let mut high = 1;
    while !full_batch_f32(data, wide, high) {
        high *= 2;
        assert!(high < 1 << 16);
    }
    let mut low = high / 2;
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if full_batch_f32(data, wide, mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}

fn trainer(data: &[Sample<64, 10>]) -> Trainer<64, 10> {
    let ce = CrossEntropy::new();
    let eta = 1.0 / smoothness(data, &ce, lambda_f32()).unwrap();
    let sgd = Sgd::new(eta, lambda_f32()).unwrap();
    Trainer::new(sgd.with_schedule(Schedule::InverseTime).unwrap(), ce)
}

/// Averaged SGD in f32 until the f64 certificate of the average proves ε; returns the epochs.
fn averaged_sgd_wide(data: &[Sample<64, 10>], wide: &[Sample<64, 10, f64>]) -> u32 {
    let mut trainer = trainer(data);
    let (mut model, mut average) = (Classifier::zeros(), Averaged::new(Weighting::Linear));
    let (mut shuffled, mut rng) = (data.to_vec(), Rng::new(2026));
    let mut epochs = 0;
    loop {
        average
            .epoch(&mut trainer, &mut model, &mut shuffled, &mut rng)
            .unwrap();
        epochs += 1;
        if certified_wide(average.model(), wide) {
            return epochs;
        }
        assert!(epochs < 5_000);
    }
}

/// Averaged SGD in f32 until its own f32 certificate proves a relative gap of 1e-3.
fn averaged_sgd_f32(data: &[Sample<64, 10>]) -> u32 {
    let mut trainer = trainer(data);
    let (mut model, mut average) = (Classifier::zeros(), Averaged::new(Weighting::Linear));
    let (mut shuffled, mut rng) = (data.to_vec(), Rng::new(2026));
    let plan = Plan {
        tolerance: Tolerance::Relative(1e-3),
        check_every: 1,
        max_epochs: 1_000,
    };
    let report = train_until_certified(
        &mut trainer,
        &mut model,
        &mut average,
        &mut shuffled,
        &mut rng,
        plan,
    )
    .unwrap();
    assert!(report.certified, "{report}");
    report.iterations
}

fn bench(c: &mut Criterion) {
    let digits = dataset::digits();
    let wide = dataset::widened(&digits);
    let budget = f32_budget(&digits, &wide);
    println!(
        "iterations/epochs: f64 solver {}, f32 solver {budget}, averaged SGD (1e-6) {}, averaged SGD (1e-3, f32 certificate) {}",
        full_batch_f64(&wide),
        averaged_sgd_wide(&digits, &wide),
        averaged_sgd_f32(&digits)
    );
    let mut group = c.benchmark_group("digits_lambda_0.01");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("full_batch_f64_rel_1e-6", |b| {
        b.iter(|| full_batch_f64(black_box(&wide)));
    });
    group.bench_function("full_batch_f32_rel_1e-6_f64_certificate", |b| {
        b.iter(|| assert!(full_batch_f32(black_box(&digits), &wide, budget)));
    });
    group.bench_function("averaged_sgd_f32_rel_1e-6_f64_certificate", |b| {
        b.iter(|| averaged_sgd_wide(black_box(&digits), &wide));
    });
    group.bench_function("averaged_sgd_f32_rel_1e-3_f32_certificate", |b| {
        b.iter(|| averaged_sgd_f32(black_box(&digits)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
