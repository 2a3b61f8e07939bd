//! Glue for QEMU's RISC-V `virt` machine (RV32IMC, no firmware): exception and panic handlers
//! that end the QEMU process with a failure status instead of spinning until the timeout.

/// Exit status after an exception (illegal instruction, access fault, ...).
const FAULT: i32 = 1;
/// Exit status after a panic (as a Rust program on a host).
const PANIC: i32 = 101;

/// Every exception without a handler of its own ends here (riscv-rt calls it by this name).
#[unsafe(export_name = "ExceptionHandler")]
fn exception_handler(frame: &riscv_rt::TrapFrame) -> ! {
    semihosting::eprintln!("exception, ra {:#010x}", frame.ra);
    semihosting::process::exit(FAULT)
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    semihosting::eprintln!("panic");
    semihosting::process::exit(PANIC)
}
