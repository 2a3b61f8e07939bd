//! Quantised inference only: `Quantized::<4, 3>` (`i8` weights) predict and certified
//! predict on a model kept in RAM, made from integer parts.
#![no_std]
#![no_main]

const F: usize = 4;
const C: usize = 3;

include!("../quant_probe.rs");
