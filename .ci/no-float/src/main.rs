//! The integer prediction path of tinysoftmax (`quant::Quantized`: a model from its parts,
//! integer logits, predictions, certified predictions, fingerprint, accessors), instantiated for
//! concrete sizes and called on opaque inputs, so that the release binary contains all its code.
//! `.ci/run` lists the binary's symbols for thumbv6m-none-eabi and riscv32imc-unknown-none-elf
//! (cores without an FPU): a soft-float routine (`__aeabi_fmul`, `__mulsf3`, `__adddf3`, …)
//! among them means the path does floating-point arithmetic. With the feature `planted` the
//! probe also links `Quantized::bound` (f64 arithmetic), and the check must then find some.

#![no_std]
#![no_main]

use core::hint::black_box;
use tinysoftmax::quant::{Quantized, Weight};

fn sizes<const F: usize, const C: usize, W: Weight>(one: W) -> Option<()> {
    let q = Quantized::<F, C, W>::from_parts(
        black_box([[one; F]; C]),
        black_box([1; F]),
        black_box([-3; C]),
        black_box(-8),
    )
    .ok()?;
    let r: [i16; F] = black_box([3; F]);
    black_box(q.logits(&r));
    black_box(q.predict(&r));
    black_box(q.predict_certified(&r));
    black_box(q.fingerprint());
    black_box((q.weights(), q.shifts(), q.bias(), q.exponent()));
    #[cfg(feature = "planted")]
    black_box(q.bound(&r));
    Some(())
}

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    black_box(sizes::<4, 3, i8>(black_box(1)));
    black_box(sizes::<64, 10, i8>(black_box(1)));
    black_box(sizes::<64, 10, i16>(black_box(1)));
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
