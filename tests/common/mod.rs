//! Reference math shared by the integration tests, the accuracy example and the figures
//! generator (`figures/`).
//!
//! Nothing here calls the crate's numerics: every value is computed independently in `f64`, so
//! that a test comparing the crate against it compares two different computations.
//!
//! - [`reference`]: the `f64` softmax kernel, ULP measurement, random inputs.
//! - [`accuracy`]: the accuracy measurement itself (input families, per-function error budgets,
//!   the table the README publishes).

// Each test crate that includes this module uses a different part of it.
#![allow(dead_code)]

pub mod accuracy;
pub mod reference;
