//! Train a softmax classifier on iris with SGD and show the objective falling, the accuracy,
//! the final objective and how far it provably is from the global optimum.
//!
//! SGD with the inverse-time rate, and the average of its iterates (weights ∝ t) as the model:
//! the iterates keep jittering around the optimum, their average settles onto it.
//!
//! Run with `cargo run --release --example iris`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and example code: a failure should stop it loudly"
)]

#[path = "common/dataset.rs"]
mod dataset;

use tinysoftmax::Objective;
use tinysoftmax::average::{Averaged, Weighting};
use tinysoftmax::convex::certify;
use tinysoftmax::optim::{Schedule, Sgd};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, SplitMix64};

const LAMBDA: f32 = 0.01;
const EPOCHS: usize = 60;
const PLOT_ROWS: usize = 12;

fn main() -> Result<(), tinysoftmax::Error> {
    let mut data = dataset::iris();
    let sgd = Sgd::new(0.5)?.with_schedule(Schedule::InverseTime)?;
    let mut trainer = Trainer::new(sgd, Objective::new(LAMBDA)?)?;
    let mut model = Classifier::<4, 3>::zeros();
    let mut average = Averaged::new(Weighting::Linear);
    let mut rng = SplitMix64::new(2026);

    println!(
        "iris: {} samples, 4 features, 3 classes; SGD, η_t = 0.5/(1 + 0.5·λ·t), λ = {LAMBDA}, averaged iterates",
        data.len()
    );
    println!("\n epoch   objective P   certified P - P* <=   accuracy");
    let mut curve = Vec::with_capacity(EPOCHS);
    for epoch in 1..=EPOCHS {
        let mean_loss = average.epoch(&mut trainer, &mut model, &mut data, &mut rng)?;
        let cert = certify(average.model(), &data, &Objective::new(LAMBDA)?)?;
        if epoch <= 3 || epoch % 10 == 0 {
            let accuracy = average.model().accuracy(&data);
            println!(
                "{epoch:>6}   {:.7}     {:.3e}             {accuracy:.4}   (mean step loss {mean_loss:.4})",
                cert.objective, cert.gap
            );
        }
        curve.push(cert.gap);
    }
    plot(&curve);

    let model = average.model();
    let cert = certify(model, &data, &Objective::new(LAMBDA)?)?;
    let p_star = dataset::optimum::IRIS_0_01;
    println!("training accuracy    {:.4}", model.accuracy(&data));
    println!("objective P          {:.9}", cert.objective);
    println!(
        "certified P - P*  <= {:.3e}   (‖∇P‖ = {:.3e})",
        cert.gap, cert.gradient_norm
    );
    println!(
        "reference P*         {p_star:.9}   (actual gap {:.3e})",
        f64::from(cert.objective) - p_star
    );
    Ok(())
}

/// A terminal plot of the certified bound on P − P* after each epoch, on a log scale.
fn plot(curve: &[f32]) {
    let logs: Vec<f32> = curve.iter().map(|v| v.log10()).collect();
    let (lo, hi) = logs
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    println!("\ncertified bound on P - P* after each epoch (log scale)");
    for row in 0..PLOT_ROWS {
        let level = hi - (hi - lo) * (row as f32 + 0.5) / PLOT_ROWS as f32;
        let label = match row {
            0 => format!("1e{hi:.1}"),
            r if r + 1 == PLOT_ROWS => format!("1e{lo:.1}"),
            _ => String::new(),
        };
        let line: String = logs
            .iter()
            .map(|&v| if v >= level { '█' } else { ' ' })
            .collect();
        println!("{label:>8} │{line}");
    }
    println!("{:>8} └{}", "", "─".repeat(curve.len()));
    println!(
        "{:>8}  epoch 1{:>width$}\n",
        "",
        curve.len(),
        width = curve.len() - 7
    );
}
