//! Inference on a Cortex-M4F (QEMU mps2-an386; or a Cortex-M3 on mps2-an385) with the iris
//! model the host tool trained and wrote as Rust source: prints accuracy, a hash of all
//! probabilities and the model's fingerprint (see `firmware-common/predict_main.rs`).
#![no_std]
#![no_main]

#[path = "../board.rs"]
mod board;
#[path = "../../../firmware-common/iris_data.rs"]
mod iris_data;
#[path = "../../../firmware-common/iris_model.rs"]
mod iris_model;
#[path = "../../../firmware-common/predict.rs"]
mod predict;
#[path = "../../../firmware-common/predict_main.rs"]
mod predict_main;

#[cortex_m_rt::entry]
fn main() -> ! {
    semihosting::process::exit(predict_main::run())
}
