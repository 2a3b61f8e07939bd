//! The `iris` program with its report logged through defmt (`defmt-semihosting` as the global
//! logger) instead of printed as text: the firmware carries no float formatting at all, and the
//! host decodes the frames with `defmt-print`. Exits 0 only if accuracy, objective and
//! certificate reach their targets, like `iris`.
#![no_std]
#![no_main]

use cortex_m as _; // the critical-section implementation defmt-semihosting needs
use defmt_semihosting as _; // the global logger

#[path = "../board.rs"]
mod board;
#[path = "../../../firmware-common/iris_data.rs"]
mod iris_data;
#[path = "../../../firmware-common/recipe.rs"]
mod recipe;

use iris_data::{FEATURES, LABELS, ROWS};
use recipe::{EPOCHS, REFERENCE_OPTIMUM, SEED, standardize, train};

/// Exit status when training itself failed (distinct from a missed target, 1).
const TRAINING_ERROR: i32 = 2;

#[cortex_m_rt::entry]
fn main() -> ! {
    let status = match standardize(&FEATURES, &LABELS).and_then(|mut samples| train(&mut samples)) {
        Ok(outcome) => {
            defmt::println!(
                "iris: {=usize} samples, {=u32} epochs of SGD, seed {=u64:#x}",
                ROWS,
                EPOCHS,
                SEED
            );
            defmt::println!(
                "accuracy {=f32} ({=u32:#x})",
                outcome.accuracy,
                outcome.accuracy.to_bits()
            );
            defmt::println!(
                "objective {=f32} ({=u32:#x}) reference {=f32}",
                outcome.objective,
                outcome.objective.to_bits(),
                REFERENCE_OPTIMUM
            );
            defmt::println!(
                "certificate gap {=f32} distance {=f32}",
                outcome.gap,
                outcome.distance
            );
            // The library's types implement defmt::Format under its `defmt` feature.
            defmt::println!("model {}", outcome.model);
            let passes = outcome.passes();
            defmt::println!("result {=str}", if passes { "pass" } else { "FAIL" });
            defmt::println!("fingerprint {=u64:#x}", outcome.model.fingerprint());
            i32::from(!passes)
        }
        Err(e) => {
            defmt::println!("training failed: {}", e);
            TRAINING_ERROR
        }
    };
    semihosting::process::exit(status)
}
