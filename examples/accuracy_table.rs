//! Prints the README's accuracy table: the largest error, in ULP, of each `f32` function of the
//! softmax family on each input family, against an `f64` reference, next to the textbook form.
//!
//! ```sh
//! cargo run --release --example accuracy_table
//! ```
//!
//! Add `-- --worst` to print, for every function and family, the case closest to its budget
//! and the case with the largest error in ULP.
//!
//! The measurement is the one `tests/accuracy.rs` asserts (shared in `tests/common/`), run here
//! on ten times as many cases per family.

#[path = "../tests/common/mod.rs"]
mod common;

use common::accuracy::{Family, Measure, describe, measure, table};

/// Cases per family (ten times the test suite's).
const CASES: usize = 30_000;

/// The seed of every family's generator (the test suite uses another).
const SEED: u64 = 2026;

fn main() {
    let stats: Vec<_> = Family::ALL
        .iter()
        .map(|&family| {
            let cases = if family == Family::Binary {
                10 * CASES
            } else {
                CASES
            };
            measure(family, cases, SEED ^ family as u64)
        })
        .collect();
    println!("{}", table(&stats));
    if std::env::args().any(|a| a == "--worst") {
        for s in &stats {
            for (i, measure) in Measure::ALL.iter().enumerate() {
                for (what, w) in [
                    ("closest to budget", &s.worst[i]),
                    ("largest", &s.largest[i]),
                ] {
                    if let Some(w) = w {
                        println!(
                            "{} / {measure:?}, {what}: {}\n",
                            s.family.name(),
                            describe(w)
                        );
                    }
                }
            }
        }
    }
    println!("Families:\n");
    for s in &stats {
        println!(
            "- **{}** ({} cases): {}",
            s.family.name(),
            s.cases,
            s.family.description()
        );
    }
    let within = stats
        .iter()
        .all(|s| s.max_ratio() <= 1.0 && s.zero_losses == 0 && s.spurious_non_finite == 0);
    println!(
        "\nEvery budget met: {within}. Losses of 0 where the true loss is ≥ 2⁻¹²⁶: {}. \
         Non-finite results where the exact value is a finite f32: {}.",
        stats.iter().map(|s| s.zero_losses).sum::<usize>(),
        stats.iter().map(|s| s.spurious_non_finite).sum::<usize>()
    );
    if !within {
        for s in &stats {
            for w in s.worst.iter().flatten().filter(|w| w.ratio > 1.0) {
                println!("over budget in {}: {}", s.family.name(), describe(w));
            }
        }
        std::process::exit(1);
    }
}
