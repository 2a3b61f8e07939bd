// The inference probe shared by the `infer_*` binaries: each defines the sizes `F` and `C`
// and includes this file, so that the probes differ only in those two constants.
#[path = "harness.rs"]
mod harness;

use core::hint::black_box;
use core::ptr::{addr_of, addr_of_mut};
use tinysoftmax::Classifier;

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
