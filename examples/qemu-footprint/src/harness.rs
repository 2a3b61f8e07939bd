//! What every probe shares: start-up, fault handling, stack painting, the instruction-count
//! markers and a formatting-free report. Every probe, the empty baseline included, links exactly
//! this code, so subtracting the baseline's sizes leaves the library's share.
//!
//! A probe runs `setup`, then measures `predict` and `step` (one prediction, one SGD step):
//!
//! - **stack**: paints [`WINDOW`] bytes below the stack pointer with [`PATTERN`], calls the
//!   function, and finds the lowest word that changed. Prints `stack-predict N` and
//!   `stack-step N` (bytes, including the call's own frame).
//! - **instructions**: calls the function between `__bench_start` and `__bench_stop`, after one
//!   empty window that measures the markers' overhead. The counting happens outside, in the QEMU
//!   plugin of scripts/footprint.sh; the order of the windows is: empty, predict, step.
//!
//! Exit status 0, or 1 when the painted window was too small (or on a fault).

use core::hint::black_box;
use core::ptr::{read_volatile, write_volatile};

use semihosting::io::Write as _;
use tinysoftmax::Classifier;

/// Bytes painted below the stack pointer; a measured call must stay within them.
const WINDOW: usize = 3 * 1024;
/// The paint.
const PATTERN: u32 = 0x5A5A_C3C3;
/// What [`stack_peak`] returns when the measured call used the whole window.
const OVERFLOW: u32 = u32::MAX;

/// The functions a probe measures.
pub struct Probe {
    /// Runs once first (fills the model and the input with non-zero values).
    pub setup: fn(),
    /// One prediction.
    pub predict: fn(),
    /// One training step.
    pub step: fn(),
}

/// Measures `probe` and ends the QEMU process.
pub fn run(probe: &Probe) -> ! {
    black_box(probe.setup)();
    let predict = stack_peak(probe.predict);
    let step = stack_peak(probe.step);
    window(nothing);
    window(probe.predict);
    window(probe.step);
    report(b"stack-predict ", predict);
    report(b"stack-step ", step);
    let status = i32::from(predict == OVERFLOW || step == OVERFLOW);
    semihosting::process::exit(status)
}

/// The function of a probe that measures nothing.
pub fn nothing() {}

/// Fills the model's parameters and the input with a fixed sawtooth in [−0.5, 0.5), so that no
/// arithmetic takes a shortcut on zeros.
#[allow(dead_code, reason = "the baseline probe fills nothing")]
pub fn fill<const F: usize, const C: usize>(model: &mut Classifier<F, C>, input: &mut [f32; F]) {
    let mut value = -0.5_f32;
    let mut next = || {
        value += 0.039_062_5;
        if value >= 0.5 {
            value -= 1.0;
        }
        value
    };
    // W row by row (class by class), written straight into the stored feature-major layout:
    // one array on the stack, not three (a transpose would not fit beside the reference
    // probe's statics on the Cortex-M0).
    let mut columns = [[0.0; C]; F];
    let mut bias = [0.0; C];
    for c in 0..C {
        for column in &mut columns {
            if let Some(w) = column.get_mut(c) {
                *w = next();
            }
        }
    }
    for b in &mut bias {
        *b = next();
    }
    for x in input.iter_mut() {
        *x = 4.0 * next();
    }
    *model = Classifier::from_columns(columns, bias);
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

/// Peak stack use of `f`, in bytes below the caller's stack pointer.
#[inline(never)]
fn stack_peak(f: fn()) -> u32 {
    let top = stack_pointer() & !3;
    let bottom = top - WINDOW;
    let mut addr = bottom;
    while addr < top {
        // SAFETY: the words below the stack pointer are free stack (RAM), not used by anything
        // until the call below; the window fits in RAM on every probed board.
        unsafe { write_volatile(addr as *mut u32, PATTERN) };
        addr += 4;
    }
    black_box(f)();
    let mut addr = bottom;
    // SAFETY: as above; reading back the same words.
    while addr < top && unsafe { read_volatile(addr as *const u32) } == PATTERN {
        addr += 4;
    }
    if addr == bottom {
        OVERFLOW
    } else {
        u32::try_from(top - addr).unwrap_or(OVERFLOW)
    }
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

fn window(f: fn()) {
    __bench_start();
    black_box(f)();
    __bench_stop();
}

/// Prints `label` and `value` in decimal on one line, without `core::fmt`.
fn report(label: &[u8], value: u32) {
    let mut digits = [0_u8; 10];
    let mut start = digits.len();
    let mut rest = value;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + u8::try_from(rest % 10).unwrap_or(0);
        rest /= 10;
        start -= 1;
        if rest == 0 {
            break;
        }
    }
    if let Ok(mut out) = semihosting::io::stdout() {
        let _ = out.write_all(label);
        let _ = out.write_all(digits.get(start..).unwrap_or(&[]));
        let _ = out.write_all(b"\n");
    }
}

#[cfg(target_arch = "arm")]
#[cortex_m_rt::exception]
unsafe fn HardFault(_frame: &cortex_m_rt::ExceptionFrame) -> ! {
    semihosting::process::exit(1)
}

#[cfg(target_arch = "riscv32")]
#[unsafe(export_name = "ExceptionHandler")]
fn exception_handler(_frame: &riscv_rt::TrapFrame) -> ! {
    semihosting::process::exit(1)
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    semihosting::process::exit(101)
}

/// Defines the probe's entry point (cortex-m-rt or riscv-rt, by target).
macro_rules! entry {
    ($probe:expr) => {
        #[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
        #[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
        fn main() -> ! {
            harness::run(&$probe)
        }
    };
}
pub(crate) use entry;
