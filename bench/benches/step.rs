//! Host speed of the per-sample hot paths: prediction, probabilities and one SGD step.
//!
//! `cargo bench -p tinysoftmax-bench --bench step`. The README's host speed table comes from
//! this file.
//!
//! Beside the crate's functions, `reference …` times the plain loops a user would write instead:
//! row-major weights, each logit as 8 interleaved partial sums (which the compiler vectorises),
//! argmax; and an SGD step with weight decay on the same logits and the crate's
//! `cross_entropy_with_grad`, with no input check and no guard against a step that overflows.

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

/// The logits of row-major weights, each as 8 interleaved partial sums combined at the end.
fn reference_logits<const F: usize, const C: usize>(
    w: &[[f32; F]; C],
    b: &[f32; C],
    x: &[f32; F],
) -> [f32; C] {
    core::array::from_fn(|c| {
        let mut partial = [0.0_f32; 8];
        let (chunks, rest) = (w[c].chunks_exact(8), x.chunks_exact(8));
        let tail: f32 = chunks
            .remainder()
            .iter()
            .zip(rest.remainder())
            .map(|(a, b)| a * b)
            .sum();
        for (wc, xc) in w[c].chunks_exact(8).zip(x.chunks_exact(8)) {
            for ((p, &a), &b) in partial.iter_mut().zip(wc).zip(xc) {
                *p += a * b;
            }
        }
        partial.iter().sum::<f32>() + tail + b[c]
    })
}

fn reference_predict<const F: usize, const C: usize>(
    w: &[[f32; F]; C],
    b: &[f32; C],
    x: &[f32; F],
) -> usize {
    let z = reference_logits(w, b, x);
    (0..C).fold(0, |best, c| if z[c] > z[best] { c } else { best })
}

fn reference_step<const F: usize, const C: usize>(
    w: &mut [[f32; F]; C],
    b: &mut [f32; C],
    x: &[f32; F],
    y: Label<C>,
    (eta, lambda): (f32, f32),
) -> f32 {
    let (loss, delta) = cross_entropy_with_grad(&reference_logits(w, b, x), y);
    for ((row, bc), &d) in w.iter_mut().zip(b.iter_mut()).zip(&delta) {
        for (wf, &xf) in row.iter_mut().zip(x) {
            *wf -= eta * (d * xf + lambda * *wf);
        }
        *bc -= eta * (d + lambda * *bc);
    }
    loss
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
    c.bench_function(&format!("reference predict {name}"), |b| {
        b.iter(|| reference_predict(black_box(&weights), &[0.0; C], black_box(&sample.features)));
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
    let (mut w, mut bias) = (weights, [0.0_f32; C]);
    c.bench_function(&format!("reference sgd step {name}"), |b| {
        b.iter(|| {
            reference_step(
                &mut w,
                &mut bias,
                black_box(&sample.features),
                sample.label,
                (1e-3, 1e-4),
            )
        });
    });
}

fn benches(c: &mut Criterion) {
    bench_size::<4, 3>(c);
    bench_size::<64, 10>(c);
}

criterion_group!(step, benches);
criterion_main!(step);
