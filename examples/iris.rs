//! Train a softmax classifier on iris with SGD and show the objective falling towards the
//! global optimum P*, the bound on P − P* that the model certifies by itself, and the accuracy.
//!
//! SGD with the inverse-time rate, and the average of its iterates (weights ∝ t) as the model:
//! the iterates keep jittering around the optimum, their average settles onto it. The gap
//! P − P* uses the reference optimum of iris (`dataset::optimum`), known only because iris is a
//! test set; the certified bound needs no such knowledge.
//!
//! Run with `cargo run --release --example iris`. Its output is deterministic (the same bits on
//! every machine) and shown in the README, which `scripts/readme-tables.sh` keeps in step.

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
use tinysoftmax::convex::{certify, smoothness};
use tinysoftmax::optim::{Schedule, Sgd};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, SplitMix64};

const LAMBDA: f32 = 0.01;
const EPOCHS: usize = 60;

/// One epoch's state of the averaged model.
struct Point {
    /// P − P*, the objective above the reference optimum (the f32 objective, whose rounding step
    /// near 0.27 is 3e-8, minus P*).
    gap: f64,
    /// The certified bound on P − P*.
    bound: f64,
}

fn main() -> Result<(), tinysoftmax::Error> {
    let mut data = dataset::iris();
    let objective = Objective::new(LAMBDA)?;
    let sgd = Sgd::new(0.5)?.with_schedule(Schedule::InverseTime)?;
    let mut trainer = Trainer::new(sgd, objective)?;
    let mut model = Classifier::<4, 3>::zeros();
    let mut average = Averaged::new(Weighting::Linear);
    let mut rng = SplitMix64::new(2026);
    let p_star = dataset::optimum::IRIS_0_01;

    println!(
        "iris: {} samples, 4 features, 3 classes; objective P = mean cross-entropy + (λ/2)‖θ‖², \
         λ = {LAMBDA}",
        data.len()
    );
    println!(
        "SGD, η_t = 0.5/(1 + 0.5·λ·t); the model is the average of the SGD iterates (weights ∝ t)"
    );
    println!("\n epoch   objective P   P - P*      certified P - P* <=   accuracy");
    let mut curve = Vec::with_capacity(EPOCHS);
    for epoch in 1..=EPOCHS {
        average.epoch(&mut trainer, &mut model, &mut data, &mut rng)?;
        let cert = certify(average.model(), &data, &objective)?;
        let point = Point {
            gap: f64::from(cert.objective) - p_star,
            bound: f64::from(cert.gap),
        };
        if epoch <= 3 || epoch % 10 == 0 {
            let accuracy = average.model().accuracy(&data);
            println!(
                "{epoch:>6}   {:.7}     {:.3e}   {:.3e}             {accuracy:.4}",
                cert.objective, point.gap, point.bound
            );
        }
        curve.push(point);
    }
    plot(&curve);
    explain_rises(&curve, smoothness(&data, &objective)?);

    let model = average.model();
    let cert = certify(model, &data, &objective)?;
    println!("\ntraining accuracy    {:.4}", model.accuracy(&data));
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

/// Rows per decade of the plot.
const ROWS_PER_DECADE: i32 = 2;

/// The plot row of a positive value: rows are 10^(−r / ROWS_PER_DECADE), nearest in log scale.
/// A value ≤ 0 (a gap below the f32 objective's rounding) goes to the bottom row.
fn row(value: f64, bottom: i32) -> i32 {
    if value > 0.0 {
        let r = (-value.log10() * f64::from(ROWS_PER_DECADE)).round();
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a whole number of rows; `as` saturates, and the plot spans a few dozen"
        )]
        let r = r as i32;
        r.min(bottom)
    } else {
        bottom
    }
}

/// A terminal plot, log scale with a label at every decade, of P − P* and of its certified bound
/// after each epoch: one column per epoch, every point drawn.
fn plot(curve: &[Point]) {
    let positive = || {
        curve
            .iter()
            .flat_map(|p| [p.gap, p.bound])
            .filter(|&v| v > 0.0)
    };
    // From the decade at or above the largest point to the decade at or below the smallest.
    let rows = || positive().map(|v| row(v, i32::MAX));
    let top = rows().min().unwrap_or(0).div_euclid(ROWS_PER_DECADE) * ROWS_PER_DECADE;
    let bottom = rows().max().unwrap_or(0).div_euclid(ROWS_PER_DECADE) * ROWS_PER_DECADE;
    let bottom = if rows().max().unwrap_or(0) > bottom {
        bottom + ROWS_PER_DECADE
    } else {
        bottom
    };

    println!(
        "\nAfter each epoch (one column each), log scale: ● the certified bound on P - P*, which the"
    );
    println!("model proves from one full-batch gradient; ○ the actual P - P*; ◉ both in one cell.");
    println!("The bound is never below the gap; the closer ● is to ○, the tighter the bound.\n");
    for r in top..=bottom {
        let label = if r % ROWS_PER_DECADE == 0 {
            format!("1e{} ┤", -r / ROWS_PER_DECADE)
        } else {
            "│".to_string()
        };
        let line: String = curve
            .iter()
            .map(
                |p| match (row(p.bound, bottom) == r, row(p.gap, bottom) == r) {
                    (true, true) => '◉',
                    (true, false) => '●',
                    (false, true) => '○',
                    (false, false) => ' ',
                },
            )
            .collect();
        println!("{label:>8}{line}");
    }
    let ticks: String = (1..=curve.len())
        .map(|e| if e == 1 || e % 10 == 0 { '┬' } else { '─' })
        .collect();
    println!("{:>8}{ticks}", "└");
    let mut labels = String::new();
    for e in 1..=curve.len() {
        if e == 1 || e % 10 == 0 {
            let text = e.to_string();
            let pad = (e - 1).saturating_sub(labels.chars().count());
            labels.push_str(&" ".repeat(pad));
            labels.push_str(&text);
        }
    }
    println!("{:>8}{labels}  epoch", "");
}

/// Says how often the certified bound and P − P* rose from one epoch to the next, and why the
/// bound may rise while P − P* falls.
fn explain_rises(curve: &[Point], smoothness: f32) {
    let rose = |of: fn(&Point) -> f64| curve.windows(2).filter(|w| of(&w[1]) > of(&w[0])).count();
    let (bound_rose, gap_rose) = (rose(|p| p.bound), rose(|p| p.gap));
    let steps = curve.len().saturating_sub(1);
    println!(
        "\nFrom one epoch to the next, the certified bound rose {bound_rose} times in {steps}, P - P* {gap_rose} times."
    );
    if bound_rose > 0 {
        println!(
            "The bound is ‖∇P‖²/(2λ) and P - P* >= ‖∇P‖²/(2L) (L = {smoothness:.2}): the bound follows the"
        );
        println!(
            "size of the gradient, which depends on the direction from which the model approaches the"
        );
        println!(
            "optimum, not only on how close it is, so it overstates P - P* by a factor between 1 and"
        );
        println!(
            "L/λ = {:.0} that varies from epoch to epoch. Where P - P* rose too, the noise of the last SGD",
            smoothness / LAMBDA
        );
        println!("steps moved the average away from the optimum.");
    }
}
