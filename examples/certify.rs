//! Trains iris and digits to a certified optimum: averaged SGD epoch by epoch, then the
//! full-batch solver, printing the objective P, the certified bound on P − P* and the accuracy.
//!
//! Everything trains in f32. The f32 certificate carries a rounding allowance that stops it
//! from proving gaps below about 3e-5 (relative) on digits, so the full-batch run there ends
//! "not certified" at its budget, with the bound it has; the same parameters certified in f64
//! show how close the model really is.
//!
//! Run with `cargo run --release --example certify`.

#[path = "common/dataset.rs"]
mod dataset;

use tinysoftmax::Objective;
use tinysoftmax::average::{Averaged, Weighting};
use tinysoftmax::convex::{certify, smoothness};
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::optim::{Schedule, Sgd};
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Error, Sample, SplitMix64};

/// Averaged SGD (inverse-time rate from η₀ = 1/L, linearly weighted average) until the average
/// is certified within `tolerance`, printing one line per epoch.
fn sgd<const F: usize, const C: usize>(
    data: &[Sample<F, C>],
    lambda: f32,
    tolerance: Tolerance,
    max_epochs: u32,
) -> Result<(), Error> {
    let ce = CrossEntropy::new();
    let eta = 1.0 / smoothness(data, &Objective::from_parts(ce, lambda)?)?;
    let sgd = Sgd::new(eta)?.with_schedule(Schedule::InverseTime)?;
    let mut trainer = Trainer::new(sgd, Objective::from_parts(ce, lambda)?)?;
    let mut model = Classifier::zeros();
    let mut average = Averaged::new(Weighting::Linear);
    let mut shuffled = data.to_vec();
    let mut rng = SplitMix64::new(2026);
    println!("epoch  mean step loss  P(average)  certified P - P* <=  accuracy");
    for epoch in 1..=max_epochs {
        let loss = average.epoch(&mut trainer, &mut model, &mut shuffled, &mut rng)?;
        let cert = certify(average.model(), data, &Objective::from_parts(ce, lambda)?)?;
        let accuracy = average.model().accuracy(data);
        println!(
            "{epoch:5}  {loss:14.6}  {:10.7}  {:19.3e}  {accuracy:8.4}",
            cert.objective, cert.gap
        );
        if tolerance.is_met(cert.objective, cert.gap) {
            println!("averaged SGD: certified after {epoch} epochs");
            return Ok(());
        }
    }
    println!("averaged SGD: not certified after {max_epochs} epochs");
    Ok(())
}

/// The full-batch solver in f32 from zero, until certified within `tolerance` or after 1000
/// iterations; then the same parameters certified in f64 on the host, where the certificate
/// has almost no rounding allowance.
fn full_batch<const F: usize, const C: usize>(
    data: &[Sample<F, C>],
    lambda: f32,
    tolerance: Tolerance,
) -> Result<(), Error> {
    let mut model = Classifier::zeros();
    let stop = Stop {
        tolerance,
        max_iterations: 1000,
    };
    let report = minimize(&mut model, data, &Objective::new(lambda)?, stop)?;
    println!(
        "full batch (f32): {report}, accuracy {:.4}",
        model.accuracy(data)
    );
    let wide = Classifier::<F, C, f64>::new(
        model.weights().map(|r| r.map(f64::from)),
        model.bias().map(f64::from),
    );
    let wide_data = dataset::widened(data);
    let cert = certify(
        &wide,
        &wide_data,
        &Objective::from_parts(CrossEntropy::new(), f64::from(lambda))?,
    )?;
    println!("the same model certified in f64: P - P* <= {:e}", cert.gap);
    Ok(())
}

fn main() -> Result<(), Error> {
    let sgd_tolerance = Tolerance::Relative(1e-3);
    let solver_tolerance = Tolerance::Relative(1e-6);

    println!("iris (150 x 4, 3 classes), lambda = 0.01, P* = 0.266201000576");
    let iris = dataset::iris();
    sgd(&iris, 0.01, sgd_tolerance, 100)?;
    full_batch(&iris, 0.01, solver_tolerance)?;

    println!();
    println!("digits (1797 x 64, 10 classes), lambda = 0.01, P* = 0.271278689770");
    let digits = dataset::digits();
    sgd(&digits, 0.01, sgd_tolerance, 100)?;
    full_batch(&digits, 0.01, solver_tolerance)?;
    Ok(())
}
