//! Guides: the depth behind the README, one page each.
//!
//! - [`accuracy`]: the error of every function of the softmax family on hard inputs, and how it
//!   is measured.
//! - [`convergence`]: why training converges, the solver and averaged SGD that stop at a
//!   certified optimum, and their results.
//! - [`firmware`]: set-up, the firmware examples under QEMU, bit-identical training on host and
//!   devices, moving to a real board, and the footprint in detail.
//! - [`mutants`]: mutation testing of the numerical and training modules, and what became of
//!   every mutant the tests missed.
//!
//! The pages are the Markdown files in `docs/`; their generated parts (tables, program output)
//! are written by `scripts/readme-tables.sh` and checked by `.ci/run`.

#[doc = include_str!("../docs/accuracy.md")]
pub mod accuracy {}

#[doc = include_str!("../docs/convergence.md")]
pub mod convergence {}

#[doc = include_str!("../docs/firmware.md")]
pub mod firmware {}

#[doc = include_str!("../docs/mutants.md")]
pub mod mutants {}
