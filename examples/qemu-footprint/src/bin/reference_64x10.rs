//! Reference: a plain prediction and a plain SGD step on `Classifier::<64, 10>`'s arithmetic,
//! checked bit for bit against the library before they are measured.
#![no_std]
#![no_main]

const F: usize = 64;
const C: usize = 10;

include!("../reference_probe.rs");
