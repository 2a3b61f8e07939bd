// The quantised-inference probe shared by the `quant_*` binaries: each defines the sizes `F` and
// `C` and includes this file. The model is made from integer parts (`Quantized::from_parts`), so
// the probe links no floating-point code at all; the "predict" window runs
// `Quantized::predict`, the "step" window `Quantized::predict_certified`.
#[path = "harness.rs"]
mod harness;

use core::hint::black_box;
use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut};
use tinysoftmax::quant::Quantized;

static mut MODEL: MaybeUninit<Quantized<F, C>> = MaybeUninit::uninit();
static mut INPUT: [i16; F] = [0; F];

/// A sawtooth of `period` values centred on 0, stepping by `stride`.
fn sawtooth(i: usize, stride: usize, period: usize) -> i32 {
    let v = i32::try_from((i * stride) % period).unwrap_or(0);
    v - i32::try_from(period / 2).unwrap_or(0)
}

fn setup() {
    let mut weights = [[0_i8; F]; C];
    for (c, row) in weights.iter_mut().enumerate() {
        for (f, w) in row.iter_mut().enumerate() {
            *w = i8::try_from(sawtooth(c * F + f, 37, 255)).unwrap_or(0);
        }
    }
    let mut shifts = [0_u8; F];
    for (f, s) in shifts.iter_mut().enumerate() {
        *s = u8::try_from(f % 4).unwrap_or(0);
    }
    let mut bias = [0_i32; C];
    for (c, b) in bias.iter_mut().enumerate() {
        *b = 1000 * sawtooth(c, 3, 7);
    }
    let Ok(model) = Quantized::from_parts(weights, shifts, bias, -12) else {
        semihosting::process::exit(2)
    };
    // SAFETY: single-threaded, no interrupts; no other reference to the statics is live.
    let (slot, input) = unsafe { (&mut *addr_of_mut!(MODEL), &mut *addr_of_mut!(INPUT)) };
    slot.write(model);
    for (f, r) in input.iter_mut().enumerate() {
        *r = i16::try_from(sawtooth(f, 29, 201)).unwrap_or(0);
    }
}

fn predict() {
    // SAFETY: as in `setup`, which initialised the model before any measurement.
    let (model, input) = unsafe { ((*addr_of!(MODEL)).assume_init_ref(), &*addr_of!(INPUT)) };
    black_box(black_box(model).predict(black_box(input)));
}

fn certified() {
    // SAFETY: as in `predict`.
    let (model, input) = unsafe { ((*addr_of!(MODEL)).assume_init_ref(), &*addr_of!(INPUT)) };
    black_box(black_box(model).predict_certified(black_box(input)));
}

harness::entry!(harness::Probe {
    setup,
    predict,
    step: certified,
});
