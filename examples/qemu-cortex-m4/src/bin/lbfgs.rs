//! Standardises iris and solves the L2-regularised objective on a Cortex-M4F (QEMU
//! mps2-an386; or a Cortex-M3 on mps2-an385 when built for thumbv7m-none-eabi) with the
//! full-batch L-BFGS solver to a certified relative gap of 1e-6, then prints the iterations,
//! objective, certificate, the solver's peak stack and the weights' fingerprint; exits 0 only
//! if the run was certified (see `firmware-common/full_batch_main.rs`).
#![no_std]
#![no_main]

#[path = "../board.rs"]
mod board;
#[path = "../../../firmware-common/full_batch.rs"]
mod full_batch;
#[path = "../../../firmware-common/full_batch_main.rs"]
mod full_batch_main;
#[path = "../../../firmware-common/iris_data.rs"]
mod iris_data;
#[path = "../../../firmware-common/iris_main.rs"]
#[expect(
    dead_code,
    reason = "shared with the iris firmware; this one uses only its report"
)]
mod iris_main;
// iris_main's `run` compares the quantised model and trains with SGD; this firmware uses only
// its report.
#[path = "../../../firmware-common/quantized.rs"]
#[allow(dead_code, reason = "used only by iris_main's `run`")]
mod quantized;
#[path = "../../../firmware-common/recipe.rs"]
#[allow(dead_code, reason = "the SGD recipe is used only by iris_main's `run`")]
mod recipe;
#[path = "../../../firmware-common/stack.rs"]
mod stack;

#[cortex_m_rt::entry]
fn main() -> ! {
    semihosting::process::exit(full_batch_main::run())
}
