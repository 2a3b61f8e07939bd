//! Training: `Classifier::<64, 10>` with `Trainer` (plain SGD, L2), one step and one prediction,
//! model and optimiser state kept in RAM.
#![no_std]
#![no_main]

const F: usize = 64;
const C: usize = 10;

include!("../train_probe.rs");
