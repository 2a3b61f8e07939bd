//! Inference only: `Classifier::<64, 10>::predict` on a model kept in RAM.
#![no_std]
#![no_main]

#[path = "../harness.rs"]
mod harness;

use core::hint::black_box;
use core::ptr::{addr_of, addr_of_mut};
use tinysoftmax::Classifier;

const F: usize = 64;
const C: usize = 10;

static mut MODEL: Classifier<F, C> = Classifier::zeros();
static mut INPUT: [f32; F] = [0.0; F];

fn setup() {
    // SAFETY: single-threaded, no interrupts; no other reference to the statics is live.
    let (model, input) = unsafe { (&mut *addr_of_mut!(MODEL), &mut *addr_of_mut!(INPUT)) };
    harness::fill(model, input);
}

fn predict() {
    // SAFETY: as above.
    let (model, input) = unsafe { (&*addr_of!(MODEL), &*addr_of!(INPUT)) };
    black_box(black_box(model).predict(black_box(input)));
}

harness::entry!(harness::Probe {
    setup,
    predict,
    step: harness::nothing,
});
