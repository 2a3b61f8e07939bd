//! Learns on a Cortex-M0 without FPU (QEMU microbit) from a simulated sensor stream through a replay buffer, prints the
//! held-out learning curve and the weights' fingerprint; exits 0 only if the final accuracy
//! reaches its target.
#![no_std]
#![no_main]

#[path = "../board.rs"]
mod board;
#[path = "../../../firmware-common/online.rs"]
mod online;
#[path = "../../../firmware-common/online_main.rs"]
mod online_main;

#[cortex_m_rt::entry]
fn main() -> ! {
    semihosting::process::exit(online_main::run())
}
