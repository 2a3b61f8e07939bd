//! Host timings the peer comparison (`bench/benches/peers.py`) prints beside scikit-learn's, SciPy's
//! and NumPy's: on digits (1797 × 64, 10 classes, standardised), the full-batch passes and the
//! time to a certified relative gap of 1e-6 at λ = 0.01 and 0.001 (and, for L-BFGS and
//! Newton-CG only, 0.0001), in f64 and f32; and the three solvers on iris (150 × 4, 3 classes,
//! f32) at λ = 0.1, 0.01 and 0.001.
//!
//! Each line is `name<TAB>median seconds<TAB>count<TAB>detail`, the median over `--repeat`
//! runs (default 7); `count` is the iterations of a solver run (or 1). Every solver run is
//! certified by its own certificate in its own precision, or the line says `not certified`
//! with the bound it proved.
//!
//! `cargo run --release --example speed [-- --repeat N]`; add `--features std` for the
//! full-batch passes' AVX2 copies (chosen at run time; the same bits).

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "example code: a failed unwrap is the failure report"
)]

#[path = "common/dataset.rs"]
mod dataset;

use std::hint::black_box;
use std::time::Instant;

use tinysoftmax::convex::{certify, gradient, hessian_vector_product};
use tinysoftmax::lbfgs::Lbfgs;
use tinysoftmax::newton::NewtonCg;
use tinysoftmax::solver::{Report, Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Float, Label, Objective, Sample};

/// The median of `repeat` timings of `f`, with the last result.
fn median<R>(repeat: usize, mut f: impl FnMut() -> R) -> (f64, R) {
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let r = black_box(f());
        times.push(start.elapsed().as_secs_f64());
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last.unwrap())
}

fn line(name: &str, seconds: f64, count: u32, detail: &str) {
    println!("{name}\t{seconds:.6e}\t{count}\t{detail}");
}

fn report_detail<T: Float + core::fmt::LowerExp>(r: &Report<T>) -> String {
    r.to_string()
}

fn solvers<T: Float + core::fmt::LowerExp>(data: &[Sample<64, 10, T>], ty: &str, repeat: usize) {
    let mut probabilities = vec![[T::ZERO; 10]; data.len()];
    for lambda in [0.01, 0.001, 0.0001] {
        let objective = Objective::new(T::from_f64(lambda)).unwrap();
        let stop = Stop::new(Tolerance::Relative(T::from_f64(1e-6)), 20_000);
        let (t, r) = median(repeat, || {
            let mut model = Classifier::zeros();
            Lbfgs::<8>::minimize(&mut model, data, &objective, stop).unwrap()
        });
        line(
            &format!("lbfgs8_{ty}_lambda_{lambda}"),
            t,
            r.iterations,
            &report_detail(&r),
        );
        let (t, r) = median(repeat, || {
            let mut model = Classifier::zeros();
            NewtonCg::minimize(&mut model, data, &objective, stop, &mut probabilities).unwrap()
        });
        line(
            &format!("newton_{ty}_lambda_{lambda}"),
            t,
            r.iterations,
            &report_detail(&r),
        );
        if lambda < 0.001 {
            // Beyond the peers' cases: the two second-order solvers only.
            continue;
        }
        // The accelerated gradient method is slow: timed once, within 3000 iterations.
        let (t, r) = median(1, || {
            let mut model = Classifier::zeros();
            minimize(
                &mut model,
                data,
                &objective,
                Stop {
                    max_iterations: 3000,
                    ..stop
                },
            )
            .unwrap()
        });
        line(
            &format!("accelerated_{ty}_lambda_{lambda}"),
            t,
            r.iterations,
            &report_detail(&r),
        );
    }
}

fn passes<T: Float>(data: &[Sample<64, 10, T>], ty: &str, repeat: usize) {
    let objective = Objective::new(T::from_f64(0.01)).unwrap();
    let mut m = Classifier::zeros();
    Lbfgs::<8>::minimize(
        &mut m,
        data,
        &objective,
        Stop::new(Tolerance::Relative(T::from_f64(1e-3)), 5),
    )
    .unwrap();
    let v = gradient(&m, data, &objective).unwrap().1;
    let (t, _) = median(repeat * 5, || gradient(&m, data, &objective).unwrap());
    line(
        &format!("gradient_{ty}"),
        t,
        1,
        "objective and gradient, one pass",
    );
    let (t, _) = median(repeat * 5, || {
        hessian_vector_product(&m, data, &objective, &v).unwrap()
    });
    line(&format!("hessian_vector_product_{ty}"), t, 1, "one pass");
    let (t, _) = median(repeat * 5, || certify(&m, data, &objective).unwrap());
    line(&format!("certify_{ty}"), t, 1, "one certificate");
    let xs: Vec<[T; 64]> = data.iter().map(|s| s.features).collect();
    let mut labels = vec![Label::<10>::new(0).unwrap(); xs.len()];
    let (t, ()) = median(repeat * 5, || m.predict_batch(&xs, &mut labels).unwrap());
    line(
        &format!("predict_{ty}"),
        t,
        1,
        "predict_batch over all samples",
    );
}

/// Iris (150 × 4, 3 classes) in f32, the three solvers to a certified relative 1e-6: the tiny
/// case.
fn iris(repeat: usize) {
    let data = dataset::iris();
    let mut probabilities = vec![[0.0; 3]; data.len()];
    for lambda in [0.1_f32, 0.01, 0.001] {
        let objective = Objective::new(lambda).unwrap();
        let stop = Stop::new(Tolerance::Relative(1e-6), 20_000);
        let (t, r) = median(repeat, || {
            Lbfgs::<4>::minimize(&mut Classifier::zeros(), &data, &objective, stop).unwrap()
        });
        line(
            &format!("iris_lbfgs4_f32_lambda_{lambda}"),
            t,
            r.iterations,
            &report_detail(&r),
        );
        let (t, r) = median(repeat, || {
            let mut model = Classifier::zeros();
            NewtonCg::minimize(&mut model, &data, &objective, stop, &mut probabilities).unwrap()
        });
        line(
            &format!("iris_newton_f32_lambda_{lambda}"),
            t,
            r.iterations,
            &report_detail(&r),
        );
        let (t, r) = median(repeat, || {
            minimize(&mut Classifier::zeros(), &data, &objective, stop).unwrap()
        });
        line(
            &format!("iris_accelerated_f32_lambda_{lambda}"),
            t,
            r.iterations,
            &report_detail(&r),
        );
    }
}

fn main() {
    let mut repeat = 7;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--repeat") {
        repeat = args[i + 1].parse().unwrap();
    }
    let digits = dataset::digits();
    let wide = dataset::widened(&digits);
    passes(&wide, "f64", repeat);
    passes(&digits, "f32", repeat);
    solvers(&wide, "f64", repeat);
    solvers(&digits, "f32", repeat);
    iris(repeat);
}
