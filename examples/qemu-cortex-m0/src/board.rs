//! Glue for the BBC micro:bit (nRF51822, Cortex-M0) under QEMU: fault and panic handlers that end the QEMU process with a failure status
//! instead of spinning until the timeout.

use cortex_m_rt::{ExceptionFrame, exception};

/// Exit status after a hard fault.
const FAULT: i32 = 1;
/// Exit status after a panic (as a Rust program on a host).
const PANIC: i32 = 101;

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    semihosting::eprintln!("hard fault at pc {:#010x}", frame.pc());
    semihosting::process::exit(FAULT)
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    semihosting::eprintln!("panic");
    semihosting::process::exit(PANIC)
}
