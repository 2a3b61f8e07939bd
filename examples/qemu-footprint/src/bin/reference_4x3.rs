//! Reference: a plain prediction and a plain SGD step on `Classifier::<4, 3>`'s arithmetic,
//! checked bit for bit against the library before they are measured.
#![no_std]
#![no_main]

const F: usize = 4;
const C: usize = 3;

include!("../reference_probe.rs");
