//! Training: `Classifier::<4, 3>` with `Trainer` (plain SGD, L2), one step and one prediction,
//! model and optimiser state kept in RAM.
#![no_std]
#![no_main]

const F: usize = 4;
const C: usize = 3;

include!("../train_probe.rs");
