//! Inference only: `Classifier::<4, 3>::predict` on a model kept in RAM.
#![no_std]
#![no_main]

const F: usize = 4;
const C: usize = 3;

include!("../infer_probe.rs");
