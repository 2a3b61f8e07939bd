//! The iris run interrupted by a system reset on an RV32IMC core (QEMU virt): trains, saves
//! checkpoints to a two-slot store in RAM that survives the reset, resets itself through the
//! `sifive_test` device, boots again, verifies and loads the newest checkpoint, resumes, and
//! prints the fingerprint of the uninterrupted run (see `firmware-common/resume_main.rs`).
#![no_std]
#![no_main]

#[path = "../board.rs"]
mod board;
#[path = "../../../firmware-common/iris_data.rs"]
mod iris_data;
#[path = "../../../firmware-common/iris_main.rs"]
#[expect(
    dead_code,
    reason = "shared with the iris firmware; this one uses only its report"
)]
mod iris_main;
// iris_main's `run` compares the quantised model; this firmware uses only its report.
#[path = "../../../firmware-common/quantized.rs"]
mod quantized;
#[path = "../../../firmware-common/ram_flash.rs"]
mod ram_flash;
#[path = "../../../firmware-common/recipe.rs"]
mod recipe;
#[path = "../../../firmware-common/resume.rs"]
mod resume;
#[path = "../../../firmware-common/resume_main.rs"]
mod resume_main;

use ram_flash::{RamFlash, next_boot};
use resume_main::Next;

/// The RAM `memory.x` reserves as PERSIST (8 KiB at the top of the 16 MiB): the boot counter in
/// its first 256 bytes, the store's flash in the rest.
const PERSIST: usize = 0x80FF_E000;
const PERSIST_LEN: usize = 8 * 1024;
const COUNTER_LEN: usize = 256;

/// QEMU `virt`'s `sifive_test` device: writing 0x7777 to it resets the machine.
const TEST_DEVICE: usize = 0x10_0000;
const RESET: u32 = 0x7777;

#[riscv_rt::entry]
fn main() -> ! {
    // SAFETY: PERSIST is outside every section and the stack (memory.x), and only these two
    // users touch it, each its own part.
    let boot = unsafe { next_boot(PERSIST) };
    let flash = unsafe { RamFlash::new(PERSIST + COUNTER_LEN, PERSIST_LEN - COUNTER_LEN) };
    match resume_main::run(flash, boot) {
        Next::Reset => {
            // SAFETY: the test device's register, which QEMU maps at this address.
            unsafe { core::ptr::write_volatile(TEST_DEVICE as *mut u32, RESET) };
            // The reset takes effect at once; should it not, fail instead of looping.
            semihosting::process::exit(1)
        }
        Next::Exit(status) => semihosting::process::exit(status),
    }
}
