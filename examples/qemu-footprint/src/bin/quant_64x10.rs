//! Quantised inference only: `Quantized::<64, 10>` (`i8` weights) predict and certified
//! predict on a model kept in RAM, made from integer parts.
#![no_std]
#![no_main]

const F: usize = 64;
const C: usize = 10;

include!("../quant_probe.rs");
