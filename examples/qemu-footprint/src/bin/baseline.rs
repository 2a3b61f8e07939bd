//! The empty probe: the harness alone, whose sizes every other probe subtracts.
#![no_std]
#![no_main]

#[path = "../harness.rs"]
mod harness;

harness::entry!(harness::Probe {
    setup: harness::nothing,
    predict: harness::nothing,
    step: harness::nothing,
});
