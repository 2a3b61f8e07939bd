//! The iris run interrupted by a system reset on a Cortex-M4F (QEMU mps2-an386; or a Cortex-M3
//! on mps2-an385): trains, saves checkpoints to a two-slot store in RAM that survives the
//! reset, resets itself, boots again, verifies and loads the newest checkpoint, resumes, and
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

/// The RAM `memory.x` reserves as PERSIST (8 KiB at the top of SRAM): the boot counter in its
/// first 256 bytes, the store's flash in the rest.
const PERSIST: usize = 0x203F_E000;
const PERSIST_LEN: usize = 8 * 1024;
const COUNTER_LEN: usize = 256;

#[cortex_m_rt::entry]
fn main() -> ! {
    // SAFETY: PERSIST is outside every section and the stack (memory.x), and only these two
    // users touch it, each its own part.
    let boot = unsafe { next_boot(PERSIST) };
    let flash = unsafe { RamFlash::new(PERSIST + COUNTER_LEN, PERSIST_LEN - COUNTER_LEN) };
    match resume_main::run(flash, boot) {
        Next::Reset => cortex_m::peripheral::SCB::sys_reset(),
        Next::Exit(status) => semihosting::process::exit(status),
    }
}
