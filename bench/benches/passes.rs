//! Host speed of one full-batch pass on digits (1797 × 64, 10 classes, standardised, λ = 0.01,
//! at a model three gradient steps from zero): the objective and gradient, a Hessian-vector
//! product, the certificate (compensated and plain logits), and a batch prediction, in f64 and f32.
//!
//! `cargo bench -p tinysoftmax-bench --bench passes`. `bench/benches/peers.py` measures the same work (through
//! `examples/speed.rs`) beside NumPy's in one run.

#![expect(
    clippy::unwrap_used,
    reason = "benchmark code: a failed unwrap is the failure report"
)]

#[path = "../../examples/common/dataset.rs"]
mod dataset;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tinysoftmax::convex::{certify, certify_plain, gradient, hessian_vector_product};
use tinysoftmax::{Classifier, Float, Label, Objective, Sample};

/// A model a few steps into training (not the zero model, whose logits are all equal).
fn model<T: Float>(data: &[Sample<64, 10, T>]) -> Classifier<64, 10, T> {
    let objective = Objective::new(T::from_f64(0.01)).unwrap();
    let mut m = Classifier::zeros();
    for _ in 0..3 {
        let (_, g) = gradient(&m, data, &objective).unwrap();
        let w = m.columns();
        let gw = g.columns();
        let columns = core::array::from_fn(|f| {
            core::array::from_fn(|c| w[f][c] - T::from_f64(0.5) * gw[f][c])
        });
        let bias = core::array::from_fn(|c| m.bias()[c] - T::from_f64(0.5) * g.bias()[c]);
        m = Classifier::from_columns(columns, bias);
    }
    m
}

fn bench_type<T: Float>(c: &mut Criterion, data: &[Sample<64, 10, T>], name: &str) {
    let objective = Objective::new(T::from_f64(0.01)).unwrap();
    let m = model(data);
    let v = gradient(&m, data, &objective).unwrap().1;
    let xs: Vec<[T; 64]> = data.iter().map(|s| s.features).collect();
    let mut labels = vec![Label::<10>::new(0).unwrap(); xs.len()];
    let mut group = c.benchmark_group(format!("digits_{name}"));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("gradient", |b| {
        b.iter(|| gradient(black_box(&m), black_box(data), &objective).unwrap());
    });
    group.bench_function("hessian_vector_product", |b| {
        b.iter(|| hessian_vector_product(black_box(&m), black_box(data), &objective, &v).unwrap());
    });
    group.bench_function("certify", |b| {
        b.iter(|| certify(black_box(&m), black_box(data), &objective).unwrap());
    });
    group.bench_function("certify_plain", |b| {
        b.iter(|| certify_plain(black_box(&m), black_box(data), &objective).unwrap());
    });
    group.bench_function("predict_batch", |b| {
        b.iter(|| {
            black_box(&m)
                .predict_batch(black_box(&xs), &mut labels)
                .unwrap();
        });
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let digits = dataset::digits();
    let wide = dataset::widened(&digits);
    bench_type(c, &wide, "f64");
    bench_type(c, &digits, "f32");
}

criterion_group!(benches, bench);
criterion_main!(benches);
