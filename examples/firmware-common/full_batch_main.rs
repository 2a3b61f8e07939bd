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
//! stack 2816 bytes for Lbfgs::<4>::minimize, samples 3000 bytes
//! accelerated certified after 109 iterations, objective 0x3e884b85, gap 0x348a09fc
//! stack 1920 bytes for solver::minimize, samples 3000 bytes
//! newton certified after 6 iterations, objective 0x3e884b80, gap 0x330e3416
//! stack 2504 bytes for NewtonCg::minimize, samples 3000 bytes, probabilities 1800 bytes
//! result pass
//! fingerprint 50cd201a50e8ea82
//! ```
//!
//! The `accelerated` lines are the same for `solver::minimize`, the accelerated gradient method,
//! on the same problem to the same tolerance, and the `newton` lines for `NewtonCg::minimize`,
//! whose buffer of probabilities lives, like the samples, in the caller's frame (outside the
//! measured stack). The `solved`, `accelerated` and `newton` lines are the host's word for word, and the fingerprint line (of the L-BFGS model) comes last, so that a
//! script can compare them with the host's.

use core::mem::size_of_val;

use semihosting::println;
use tinysoftmax::Result;

use crate::full_batch::{
    HISTORY, Solved, TOLERANCE, outcome, solve, solve_accelerated, solve_newton, summary,
};
use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::iris_main::{TRAINING_ERROR, report};
use crate::recipe::{CLASSES, LAMBDA, standardize};
use crate::stack;

/// Solves with the three methods, prints the report, and returns the exit status: 0 when every
/// run was certified and everything else passes.
pub fn run() -> i32 {
    let samples = match standardize(&FEATURES, &LABELS) {
        Ok(samples) => samples,
        Err(e) => {
            println!("standardisation failed: {}", e);
            return TRAINING_ERROR;
        }
    };
    let mut probabilities = [[0.0_f32; CLASSES]; ROWS];
    let (peak, solved) = measure(|| solve(&samples));
    let (accelerated_peak, accelerated) = measure(|| solve_accelerated(&samples));
    let (newton_peak, newton) = measure(|| solve_newton(&samples, &mut probabilities));
    let ((model, solver_report), (_, accelerated), (_, newton)) =
        match (solved, accelerated, newton) {
            (Some(Ok(solved)), Some(Ok(accelerated)), Some(Ok(newton))) => {
                (solved, accelerated, newton)
            }
            (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => {
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
        print_stack(
            format_args!("Lbfgs::<{HISTORY}>::minimize"),
            peak,
            (samples, None),
        );
        println!("accelerated {}", summary(&accelerated));
        print_stack(
            format_args!("solver::minimize"),
            accelerated_peak,
            (samples, None),
        );
        println!("newton {}", summary(&newton));
        let buffer = Some(size_of_val(&probabilities));
        print_stack(
            format_args!("NewtonCg::minimize"),
            newton_peak,
            (samples, buffer),
        );
        solver_report.certified
            && peak.is_some()
            && accelerated.certified
            && accelerated_peak.is_some()
            && newton.certified
            && newton_peak.is_some()
    })
}

/// Prints the peak stack of the solver `name`, and how many bytes the samples (and Newton-CG's
/// probabilities) take.
fn print_stack(
    name: core::fmt::Arguments<'_>,
    peak: Option<usize>,
    (samples, probabilities): (usize, Option<usize>),
) {
    match (peak, probabilities) {
        (Some(bytes), None) => println!(
            "stack {} bytes for {}, samples {} bytes",
            bytes, name, samples
        ),
        (Some(bytes), Some(buffer)) => println!(
            "stack {} bytes for {}, samples {} bytes, probabilities {} bytes",
            bytes, name, samples, buffer
        ),
        (None, _) => println!(
            "stack of {}: more than the {} bytes painted",
            name,
            stack::WINDOW
        ),
    }
}

/// Runs `method` and measures its peak stack ([`stack::peak`]).
fn measure(mut method: impl FnMut() -> Result<Solved>) -> (Option<usize>, Option<Result<Solved>>) {
    let mut solved = None;
    let peak = stack::peak(&mut || solved = Some(method()));
    (peak, solved)
}
