//! The body of every `online` firmware binary: learn from the simulated sensor stream and print
//! the learning curve over semihosting. The board's `main` calls [`run`] and exits with its
//! status. The fingerprint line comes last so that a script can compare it with the host's.

use crate::online::{BUFFER, HELD_OUT, MIN_FINAL_ACCURACY, STREAM, run as learn};
use semihosting::println;

/// Exit status when training itself failed (distinct from a missed target, 1).
const TRAINING_ERROR: i32 = 2;

/// Learns, prints the curve, and returns the exit status: 0 when the final accuracy passes.
pub fn run() -> i32 {
    println!(
        "online: {} samples from the sensor, replay buffer of {}, held-out set of {}",
        STREAM, BUFFER, HELD_OUT
    );
    let learned = learn(|arrivals, accuracy| {
        println!(
            "after {:>3} samples: held-out accuracy {:.4}",
            arrivals, accuracy
        );
    });
    let (model, curve) = match learned {
        Ok(result) => result,
        Err(e) => {
            println!("training failed: {}", e);
            return TRAINING_ERROR;
        }
    };
    println!(
        "final accuracy {:.4} ({:#010x}), nearest-mean ceiling {:.4}, required {}",
        curve.last(),
        curve.last().to_bits(),
        curve.ceiling,
        MIN_FINAL_ACCURACY
    );
    let passes = curve.passes();
    println!("result {}", if passes { "pass" } else { "FAIL" });
    println!("fingerprint {:016x}", model.fingerprint());
    i32::from(!passes)
}
