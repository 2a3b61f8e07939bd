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
//! objective 0.2662011 (0x3e884b9d) reference 0.266201 relative error 3.0e-7
//! certificate gap 2.1e-7 (0x345eae62) distance 6.4e-3
//! solved certified after 20 iterations, objective 0x3e884b9d, gap 0x345eae62
//! stack 1400 bytes for Lbfgs::<4>::minimize, samples 3000 bytes
//! result pass
//! fingerprint 50cd201a50e8ea82
//! ```
//!
//! The `solved` line is the host's word for word, and the fingerprint line comes last, so that
//! a script can compare both with the host's.

use core::mem::size_of_val;

use semihosting::println;

use crate::full_batch::{HISTORY, TOLERANCE, outcome, solve, summary};
use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::iris_main::{TRAINING_ERROR, report};
use crate::recipe::{LAMBDA, standardize};
use crate::stack;

/// Solves, prints the report, and returns the exit status: 0 when the run was certified and
/// everything else passes.
pub fn run() -> i32 {
    let samples = match standardize(&FEATURES, &LABELS) {
        Ok(samples) => samples,
        Err(e) => {
            println!("standardisation failed: {}", e);
            return TRAINING_ERROR;
        }
    };
    let mut solved = None;
    let peak = stack::peak(&mut || solved = Some(solve(&samples)));
    let (model, solver_report) = match solved {
        Some(Ok(solved)) => solved,
        Some(Err(e)) => {
            println!("solving failed: {}", e);
            return TRAINING_ERROR;
        }
        None => return TRAINING_ERROR,
    };
    println!(
        "lbfgs: {} samples standardised on the device; Lbfgs::<{}> from the zero model, lambda {}, relative gap {:e}",
        ROWS, HISTORY, LAMBDA, TOLERANCE
    );
    let outcome = outcome(model, &solver_report, &samples);
    report(&outcome, || {
        println!("solved {}", summary(&solver_report));
        match peak {
            Some(bytes) => println!(
                "stack {} bytes for Lbfgs::<{}>::minimize, samples {} bytes",
                bytes,
                HISTORY,
                size_of_val(&samples)
            ),
            None => println!("stack: more than the {} bytes painted", stack::WINDOW),
        }
        solver_report.certified && peak.is_some()
    })
}
