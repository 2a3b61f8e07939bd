//! Standardises iris and trains a softmax classifier on a Cortex-M0 without FPU (QEMU microbit), then prints accuracy,
//! objective, certificate, the quantised model's agreement with the float model and both
//! fingerprints; exits 0 only if all reach their targets.
#![no_std]
#![no_main]

#[path = "../board.rs"]
mod board;
#[path = "../../../firmware-common/iris_data.rs"]
mod iris_data;
#[path = "../../../firmware-common/iris_main.rs"]
mod iris_main;
#[path = "../../../firmware-common/quantized.rs"]
mod quantized;
#[path = "../../../firmware-common/recipe.rs"]
mod recipe;

#[cortex_m_rt::entry]
fn main() -> ! {
    semihosting::process::exit(iris_main::run())
}
