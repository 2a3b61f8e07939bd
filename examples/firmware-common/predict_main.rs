//! The body of the `predict` firmware: [`evaluate`](crate::predict::evaluate) and report.
//!
//! Output: the accuracy, a hash of the bits of all 150 probability vectors (the same on every
//! core and on the host: `tests/firmware_parity.rs` prints it), the fingerprint of the
//! scikit-learn model decoded from checkpoint bytes written on the host, and last the host
//! tool's model's fingerprint, the one `tinysoftmax train` printed.

use crate::iris_data::ROWS;
use crate::iris_model::MODEL;
use crate::predict::{MIN_ACCURACY, evaluate, sklearn};
use semihosting::println;

/// Prints the report and returns the exit status: 0 when the accuracy is reached.
pub fn run() -> i32 {
    let (accuracy, hash) = evaluate();
    println!(
        "predict: the host-trained iris model on {} raw rows, standardised on the device",
        ROWS
    );
    println!("accuracy {:.7}", accuracy);
    println!("probabilities {:016x}", hash);
    let passes = match sklearn() {
        Ok((fingerprint, sk_accuracy)) => {
            println!(
                "sklearn checkpoint decoded: accuracy {:.7} fingerprint {:016x}",
                sk_accuracy, fingerprint
            );
            accuracy >= MIN_ACCURACY && sk_accuracy >= MIN_ACCURACY
        }
        Err(e) => {
            println!("sklearn checkpoint: {}", e);
            false
        }
    };
    println!("result {}", if passes { "pass" } else { "FAIL" });
    println!("fingerprint {:016x}", MODEL.fingerprint());
    i32::from(!passes)
}
