//! Time to a certified optimum on digits (1797 × 64, 10 classes, λ = 0.01), from the zero
//! model, to a certified relative gap ε = 1e-6 (and 1e-3 for the last run), every run proven by
//! its own certificate in its own precision:
//!
//! - the full-batch solver in f64;
//! - the full-batch solver in f32;
//! - L-BFGS (history 8) in f64 and f32;
//! - averaged SGD in f32 (`train_until_certified`), certified every 10 epochs;
//! - averaged SGD in f32 to ε = 1e-3, certified every epoch.
//!
//! Run with `cargo bench -p tinysoftmax-bench --bench solve`; the medians are quoted in the
//! convergence guide (`docs/convergence.md`).

#![expect(
    clippy::unwrap_used,
    reason = "benchmark code: a failed unwrap is the failure report"
)]

#[path = "../../examples/common/dataset.rs"]
mod dataset;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tinysoftmax::Objective;
use tinysoftmax::average::{Averaged, Plan, Weighting, train_until_certified};
use tinysoftmax::convex::smoothness;
use tinysoftmax::lbfgs::Lbfgs;
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::optim::{Schedule, Sgd};
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Float, Sample, SplitMix64};

const LAMBDA: f64 = 0.01;
const EPSILON: f64 = 1e-6;

/// λ as the f32 runs see it.
fn lambda_f32() -> f32 {
    <f32 as Float>::from_f64(LAMBDA)
}

/// The full-batch solver from zero to a certified relative gap of ε; returns the iterations.
fn full_batch<T: Float>(data: &[Sample<64, 10, T>], lambda: T) -> u32 {
    let mut model = Classifier::zeros();
    let stop = Stop {
        tolerance: Tolerance::Relative(T::from_f64(EPSILON)),
        max_iterations: 20_000,
    };
    let report = minimize(&mut model, data, &Objective::new(lambda).unwrap(), stop).unwrap();
    assert!(report.certified, "{report}");
    report.iterations
}

/// L-BFGS (history 8) from zero to a certified relative gap of ε; returns the iterations.
fn lbfgs<T: Float>(data: &[Sample<64, 10, T>], lambda: T) -> u32 {
    let mut model = Classifier::zeros();
    let stop = Stop::new(Tolerance::Relative(T::from_f64(EPSILON)), 1000);
    let report = Lbfgs::<8>::minimize(&mut model, data, &Objective::new(lambda).unwrap(), stop);
    let report = report.unwrap();
    assert!(report.certified, "{report}");
    report.iterations
}

/// Averaged SGD in f32 until its own certificate proves `epsilon` (checked every
/// `check_every` epochs); returns the epochs.
fn averaged_sgd(data: &[Sample<64, 10>], epsilon: f32, check_every: u32) -> u32 {
    let ce = CrossEntropy::new();
    let eta = 1.0 / smoothness(data, &Objective::from_parts(ce, lambda_f32()).unwrap()).unwrap();
    let sgd = Sgd::new(eta).unwrap();
    let mut trainer = Trainer::new(
        sgd.with_schedule(Schedule::InverseTime).unwrap(),
        Objective::from_parts(ce, lambda_f32()).unwrap(),
    )
    .unwrap();
    let (mut model, mut average) = (Classifier::zeros(), Averaged::new(Weighting::Linear));
    let (mut shuffled, mut rng) = (data.to_vec(), SplitMix64::new(2026));
    let plan = Plan {
        tolerance: Tolerance::Relative(epsilon),
        check_every,
        max_epochs: 5_000,
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
    let eps = <f32 as Float>::from_f64(EPSILON);
    println!(
        "iterations/epochs: f64 solver {}, f32 solver {}, L-BFGS f64 {}, L-BFGS f32 {}, averaged SGD (1e-6) {}, averaged SGD (1e-3) {}",
        full_batch(&wide, LAMBDA),
        full_batch(&digits, lambda_f32()),
        lbfgs(&wide, LAMBDA),
        lbfgs(&digits, lambda_f32()),
        averaged_sgd(&digits, eps, 10),
        averaged_sgd(&digits, 1e-3, 1)
    );
    let mut group = c.benchmark_group("digits_lambda_0.01");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("full_batch_f64_rel_1e-6", |b| {
        b.iter(|| full_batch(black_box(&wide), LAMBDA));
    });
    group.bench_function("full_batch_f32_rel_1e-6", |b| {
        b.iter(|| full_batch(black_box(&digits), lambda_f32()));
    });
    group.bench_function("lbfgs8_f64_rel_1e-6", |b| {
        b.iter(|| lbfgs(black_box(&wide), LAMBDA));
    });
    group.bench_function("lbfgs8_f32_rel_1e-6", |b| {
        b.iter(|| lbfgs(black_box(&digits), lambda_f32()));
    });
    group.bench_function("averaged_sgd_f32_rel_1e-6", |b| {
        b.iter(|| averaged_sgd(black_box(&digits), eps, 10));
    });
    group.bench_function("averaged_sgd_f32_rel_1e-3", |b| {
        b.iter(|| averaged_sgd(black_box(&digits), 1e-3, 1));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
