#![doc = include_str!("../README.md")]
#![no_std]

pub mod average;
pub mod convex;
pub mod data;
pub mod error;
#[cfg(feature = "micromath")]
pub mod fast;
pub mod format;
pub mod loss;
mod math;
pub mod model;
pub mod optim;
mod rng;
pub mod softmax;
pub mod solver;
pub mod standardize;
#[cfg(feature = "storage")]
pub mod storage;
pub mod train;

pub use data::{Label, ReplayBuffer, Sample};
pub use error::{Error, Result};
pub use math::Float;
pub use model::Classifier;
pub use rng::Rng;
pub use standardize::Standardizer;
