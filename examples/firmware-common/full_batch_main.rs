//! The body of every `lbfgs` firmware binary: standardise the iris data held in flash, solve
//! the recipe's objective to a certified relative gap with L-BFGS
//! ([`full_batch`](crate::full_batch)), measure the solver's peak stack, and report over
//! semihosting. The board's `main` calls [`run`] and exits with its status.
//!
//! Output (one fact per line; floats as decimal and as their exact bits):
//!
//! ```text
//! lbfgs: 150 samples standardised on the device; Lbfgs::<4> from the zero model, lambda 0.01, relative gap 1e-6
//! accuracy 0.9600000 (0x3f75c28f)
//! objective 0.2662011 (0x3e884b82) reference 0.266201 relative error 3.4e-7
//! certificate gap 2.0e-7 (0x345ae41a) distance 6.4e-3
//! gradient norm 6.4e-5, its rounding allowance 3.4e-7
//! solved certified after 20 iterations, objective 0x3e884b82, gap 0x345ae41a
//! stack 2928 bytes for Lbfgs::<4>::minimize, samples 3000 bytes
//! accelerated certified after 109 iterations, objective 0x3e884b85, gap 0x348a09fc
//! stack 1968 bytes for solver::minimize, samples 3000 bytes
//! result pass
//! fingerprint 50cd201a50e8ea82
//! ```
//!
//! The `accelerated` lines are the same for `solver::minimize`, the accelerated gradient method,
//! on the same problem to the same tolerance. The `solved` and `accelerated` lines are the
//! host's word for word, and the fingerprint line (of the L-BFGS model) comes last, so that a
//! script can compare them with the host's.

use core::mem::size_of_val;

use semihosting::println;
use tinysoftmax::Result;

use crate::full_batch::{HISTORY, Solved, TOLERANCE, outcome, solve, solve_accelerated, summary};
use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::iris_main::{TRAINING_ERROR, report};
use crate::recipe::{IrisSample, LAMBDA, standardize};
use crate::stack;

/// Solves with both methods, prints the report, and returns the exit status: 0 when both runs
/// were certified and everything else passes.
pub fn run() -> i32 {
    let samples = match standardize(&FEATURES, &LABELS) {
        Ok(samples) => samples,
        Err(e) => {
            println!("standardisation failed: {}", e);
            return TRAINING_ERROR;
        }
    };
    let (peak, solved) = measure(solve, &samples);
    let (accelerated_peak, accelerated) = measure(solve_accelerated, &samples);
    let ((model, solver_report), (_, accelerated)) = match (solved, accelerated) {
        (Some(Ok(solved)), Some(Ok(accelerated))) => (solved, accelerated),
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            println!("solving failed: {}", e);
            return TRAINING_ERROR;
        }
        _ => return TRAINING_ERROR, // not reached: `stack::peak` calls the solver
    };
    println!(
        "lbfgs: {} samples standardised on the device; Lbfgs::<{}> from the zero model, lambda {}, relative gap {:e}",
        ROWS, HISTORY, LAMBDA, TOLERANCE
    );
    let outcome = outcome(model, &solver_report, &samples);
    report(&outcome, || {
        println!(
            "gradient norm {:.1e}, its rounding allowance {:.1e}",
            solver_report.certificate.gradient_norm, solver_report.certificate.gradient_error
        );
        println!("solved {}", summary(&solver_report));
        let samples = size_of_val(&samples);
        print_stack(format_args!("Lbfgs::<{HISTORY}>::minimize"), peak, samples);
        println!("accelerated {}", summary(&accelerated));
        print_stack(format_args!("solver::minimize"), accelerated_peak, samples);
        solver_report.certified
            && peak.is_some()
            && accelerated.certified
            && accelerated_peak.is_some()
    })
}

/// Prints the peak stack of the solver `name`, and how many bytes the samples take.
fn print_stack(name: core::fmt::Arguments<'_>, peak: Option<usize>, samples: usize) {
    match peak {
        Some(bytes) => println!(
            "stack {} bytes for {}, samples {} bytes",
            bytes, name, samples
        ),
        None => println!(
            "stack of {}: more than the {} bytes painted",
            name,
            stack::WINDOW
        ),
    }
}

/// Runs `method` on `samples` and measures its peak stack ([`stack::peak`]).
fn measure(
    method: fn(&[IrisSample]) -> Result<Solved>,
    samples: &[IrisSample],
) -> (Option<usize>, Option<Result<Solved>>) {
    let mut solved = None;
    let peak = stack::peak(&mut || solved = Some(method(samples)));
    (peak, solved)
}
