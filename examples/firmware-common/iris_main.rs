//! The body of every `iris` firmware binary: run the shared recipe on the data held in flash
//! and report over semihosting. The board's `main` calls [`run`] and exits with its status.
//!
//! Output (one fact per line; floats as decimal and as their exact bits):
//!
//! ```text
//! iris: 150 samples standardised on the device; 200 epochs of SGD, seed 0x19150150
//! accuracy 0.9600000 (0x3f75c28f)
//! objective 0.2662018 (0x3e884b9a) reference 0.266201 relative error 3.0e-6
//! certificate gap 2.0e-5 (0x37aa30e7) distance 6.4e-2
//! quantized agreement 150/150 certified 146/150 correct 144/150
//! quantized fingerprint f0a2caa8cfb3aad6
//! result pass
//! fingerprint 6eb0efb1674389d3
//! ```
//!
//! The fingerprint line comes last so that a script can compare it with the host's.

use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::quantized::compare;
use crate::recipe::{EPOCHS, Outcome, REFERENCE_OPTIMUM, SEED, fit, standardize, train};
use semihosting::println;

/// Exit status when training itself failed (distinct from a missed target, 1).
pub const TRAINING_ERROR: i32 = 2;

/// Trains, prints the report (with the quantised model's agreement), and returns the exit
/// status: 0 when everything passes.
pub fn run() -> i32 {
    let trained = standardize(&FEATURES, &LABELS).and_then(|mut samples| train(&mut samples));
    let outcome = match trained {
        Ok(outcome) => outcome,
        Err(e) => {
            println!("training failed: {}", e);
            return TRAINING_ERROR;
        }
    };
    println!(
        "iris: {} samples standardised on the device; {} epochs of SGD, seed {:#x}",
        ROWS, EPOCHS, SEED
    );
    let compared = fit(&FEATURES).and_then(|s| compare(&outcome.model, &s, &FEATURES, &LABELS));
    let quantized = match compared {
        Ok(quantized) => quantized,
        Err(e) => {
            println!("quantisation failed: {}", e);
            return TRAINING_ERROR;
        }
    };
    report(&outcome, || {
        println!(
            "quantized agreement {}/{} certified {}/{} correct {}/{}",
            quantized.agree,
            quantized.total,
            quantized.certified,
            quantized.total,
            quantized.correct,
            quantized.total
        );
        println!(
            "quantized fingerprint {:016x}",
            quantized.model.fingerprint()
        );
        quantized.passes()
    })
}

/// Prints accuracy, objective and certificate, then what `more` prints (it returns whether
/// its part passes), then the verdict and the fingerprint (last); returns the exit status: 0
/// when everything passes.
pub fn report(outcome: &Outcome, more: impl FnOnce() -> bool) -> i32 {
    println!(
        "accuracy {:.7} ({:#010x})",
        outcome.accuracy,
        outcome.accuracy.to_bits()
    );
    println!(
        "objective {:.7} ({:#010x}) reference {} relative error {:.1e}",
        outcome.objective,
        outcome.objective.to_bits(),
        REFERENCE_OPTIMUM,
        outcome.relative_error()
    );
    println!(
        "certificate gap {:.1e} ({:#010x}) distance {:.1e}",
        outcome.gap,
        outcome.gap.to_bits(),
        outcome.distance
    );
    let passes = outcome.passes() & more();
    println!("result {}", if passes { "pass" } else { "FAIL" });
    println!("fingerprint {:016x}", outcome.model.fingerprint());
    i32::from(!passes)
}
