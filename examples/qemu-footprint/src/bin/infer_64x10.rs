//! Inference only: `Classifier::<64, 10>::predict` on a model kept in RAM.
#![no_std]
#![no_main]

const F: usize = 64;
const C: usize = 10;

include!("../infer_probe.rs");
