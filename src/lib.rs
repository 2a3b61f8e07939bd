#![doc = include_str!("../README.md")]
#![no_std]
// `std` builds on x86-64 call the AVX2 copies of the full-batch passes (module `wide`, the one
// `unsafe` call); every other build forbids `unsafe`.
#![cfg_attr(not(all(feature = "std", target_arch = "x86_64")), forbid(unsafe_code))]
#![allow(
    clippy::inline_always,
    reason = "in std builds on x86-64 the passes' callees are inline(always), so that they compile inside the AVX2 copies (module `wide`)"
)]

#[cfg(feature = "std")]
extern crate std;

pub mod average;
pub mod convex;
pub mod data;
pub mod error;
#[cfg(feature = "fast")]
pub mod fast;
pub mod format;
pub mod guide;
pub mod lbfgs;
pub mod loss;
mod math;
pub mod model;
pub mod newton;
pub mod objective;
pub mod optim;
pub mod pipeline;
pub mod quant;
mod rng;
pub mod softmax;
pub mod solver;
pub mod standardize;
#[cfg(feature = "storage")]
pub mod storage;
pub mod train;
mod wide;

pub use data::{Label, ReplayBuffer, Sample};
pub use error::{Error, Result};
pub use math::Float;
pub use model::Classifier;
pub use objective::Objective;
pub use pipeline::Pipeline;
pub use quant::Quantized;
#[expect(
    deprecated,
    reason = "the former name stays importable for one release"
)]
pub use rng::Rng;
pub use rng::SplitMix64;
pub use standardize::{Scaler, Standardizer};
