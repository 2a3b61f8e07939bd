//! The exact softmax against the `micromath` fast path on 10 logits: the "predict" window runs
//! `softmax::softmax`, the "step" window runs `fast::softmax`, on the same input.
#![no_std]
#![no_main]

#[path = "../harness.rs"]
mod harness;

use core::hint::black_box;

/// Logits spread over [−4.5, 4.5] (no shortcut on zeros or ties).
const LOGITS: [f32; 10] = [-4.5, 3.5, -2.5, 1.5, -0.5, 0.5, -1.5, 2.5, -3.5, 4.5];

fn exact() {
    black_box(tinysoftmax::softmax::softmax(black_box(&LOGITS)));
}

fn fast() {
    black_box(tinysoftmax::fast::softmax(black_box(&LOGITS)));
}

fn setup() {}

harness::entry!(harness::Probe {
    setup,
    predict: exact,
    step: fast,
});
