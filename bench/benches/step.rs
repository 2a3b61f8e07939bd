//! Host speed of the per-sample hot paths: prediction, probabilities and one SGD step.
//!
//! `cargo bench -p tinysoftmax-bench --bench step`. The README's host speed table comes from
//! this file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and example code: a failure should stop it loudly"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tinysoftmax::Objective;
use tinysoftmax::loss::cross_entropy_with_grad;
use tinysoftmax::optim::{Momentum, Sgd};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Label, Sample, SplitMix64};

fn features<const F: usize>(rng: &mut SplitMix64) -> [f32; F] {
    core::array::from_fn(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
}

fn bench_size<const F: usize, const C: usize>(c: &mut Criterion) {
    let mut rng = SplitMix64::new(1);
    let sample = Sample::new(features::<F>(&mut rng), Label::<C>::new(1).unwrap());
    let weights: [[f32; F]; C] = core::array::from_fn(|_| features::<F>(&mut rng));
    let model = Classifier::new(weights, [0.0; C]);
    let name = format!("{F}x{C}");

    c.bench_function(&format!("predict {name}"), |b| {
        b.iter(|| black_box(&model).predict(black_box(&sample.features)));
    });
    c.bench_function(&format!("probabilities {name}"), |b| {
        b.iter(|| black_box(&model).probabilities(black_box(&sample.features)));
    });
    let z = model.logits(&sample.features);
    c.bench_function(&format!("cross_entropy_with_grad C={C}"), |b| {
        b.iter(|| cross_entropy_with_grad(black_box(&z), black_box(sample.label)));
    });
    for (label, sgd) in [
        ("sgd step", Sgd::new(1e-3).unwrap()),
        (
            "sgd+nesterov step",
            Sgd::new(1e-3)
                .unwrap()
                .with_momentum(Momentum::Nesterov(0.9))
                .unwrap(),
        ),
    ] {
        let mut trainer = Trainer::new(sgd, Objective::new(1e-4).unwrap()).unwrap();
        let mut m = model.clone();
        c.bench_function(&format!("{label} {name}"), |b| {
            b.iter(|| trainer.step(&mut m, black_box(&sample)));
        });
    }
}

fn benches(c: &mut Criterion) {
    bench_size::<4, 3>(c);
    bench_size::<64, 10>(c);
}

criterion_group!(step, benches);
criterion_main!(step);
