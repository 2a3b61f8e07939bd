//! Peak stack use of one call, measured on the device by stack painting: fills the free RAM
//! below the stack pointer (down to the end of the static data, at most [`WINDOW`] bytes) with
//! [`PATTERN`], makes the call, and finds the lowest word that changed. Firmware only (Arm and
//! RISC-V): the host tests never include this file.
//!
//! The call runs between the markers `__bench_start` and `__bench_stop`, the ones the footprint
//! probes use, so that the instruction-counting QEMU plugin of `scripts/footprint.sh`
//! (`scripts/insn-window.c`) can count its instructions: one window per measured call.

use core::hint::black_box;
use core::ptr::{addr_of, read_volatile, write_volatile};

/// The most bytes painted below the stack pointer.
pub const WINDOW: usize = 16 * 1024;
/// The paint.
const PATTERN: u32 = 0x5A5A_C3C3;

unsafe extern "C" {
    /// The end of the static data, where the free RAM begins (cortex-m-rt and riscv-rt both
    /// define it, 4-byte aligned).
    static __sheap: u32;
}

#[expect(
    clippy::inline_always,
    reason = "the register must be read in the caller's frame, not in a frame of its own"
)]
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: copies the stack pointer into a register; touches no memory.
    #[cfg(target_arch = "arm")]
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    // SAFETY: as above.
    #[cfg(target_arch = "riscv32")]
    unsafe {
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// The peak stack use of `f` in bytes below this function's frame (the call's own frames
/// included), or `None` when it used the whole painted window (it may have used more).
#[inline(never)]
pub fn peak(f: &mut dyn FnMut()) -> Option<usize> {
    let top = stack_pointer() & !3;
    let free = addr_of!(__sheap) as usize;
    let bottom = top.saturating_sub(WINDOW).max(free);
    let mut addr = bottom;
    while addr < top {
        // SAFETY: the words between the end of the static data and the stack pointer are free
        // stack, used by nothing until the call below (no heap, no interrupts).
        unsafe { write_volatile(addr as *mut u32, PATTERN) };
        addr += 4;
    }
    __bench_start();
    black_box(f)();
    __bench_stop();
    let mut addr = bottom;
    // SAFETY: as above; reading back the same words.
    while addr < top && unsafe { read_volatile(addr as *const u32) } == PATTERN {
        addr += 4;
    }
    (addr > bottom).then_some(top - addr)
}

/// Opens an instruction-count window (the plugin watches this function's entry).
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn __bench_start() {
    // SAFETY: a no-op instruction.
    unsafe { core::arch::asm!("nop", options(nomem, nostack, preserves_flags)) };
}

/// Closes the window (a different body, so the two markers are never merged).
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn __bench_stop() {
    // SAFETY: two no-op instructions.
    unsafe { core::arch::asm!("nop", "nop", options(nomem, nostack, preserves_flags)) };
}
