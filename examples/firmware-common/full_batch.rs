//! The full-batch iris recipe that the `lbfgs` firmware runs, and that
//! `tests/firmware_parity.rs` runs on the host (the same file, included with `#[path]`): the
//! weights must agree bit for bit.
//!
//! Steps: the samples standardised as in [`recipe`](crate::recipe) (Welford on the device), then
//! [`Lbfgs::<HISTORY>`](Lbfgs) from the zero model on the recipe's objective (cross-entropy,
//! λ = [`LAMBDA`](crate::recipe::LAMBDA) = 0.01), in f32, until
//! [`convex::certify`](tinysoftmax::convex::certify) proves the relative gap [`TOLERANCE`]:
//! P − P* ≤ 10⁻⁶·P*. For comparison, [`solve_accelerated`] runs the accelerated gradient
//! method, [`solver::minimize`], and [`solve_newton`] Newton-CG, [`NewtonCg::minimize`], on the
//! same problem to the same tolerance.

use core::fmt;

use tinysoftmax::lbfgs::Lbfgs;
use tinysoftmax::newton::NewtonCg;
use tinysoftmax::solver::{self, Report, Stop, Tolerance};
use tinysoftmax::{Classifier, Result};

use crate::recipe::{CLASSES, FEATURES, IrisSample, Outcome, configuration};

/// The pairs of history L-BFGS keeps, as in the crate's iris benchmarks
/// (`cargo run --release --example speed`). Each pair costs 2·(C·F + C)·4 = 120 bytes of stack
/// for iris in f32.
pub const HISTORY: usize = 4;
/// The relative gap to certify, as in the crate's solver benchmarks. f32 proves it with room
/// to spare: the firmware prints the gradient norm at the certified point beside the
/// certificate's allowance for its rounding, which must stay well below it.
pub const TOLERANCE: f32 = 1e-6;
/// The iteration budget: ten times the iterations the accelerated method needs on iris.
pub const MAX_ITERATIONS: u32 = 1000;

/// Newton-CG's buffer: one probability per sample and class.
pub type Probabilities = [[f32; CLASSES]];

/// The solver's model and report.
pub type Solved = (Classifier<FEATURES, CLASSES>, Report<f32>);

/// Minimises the recipe's objective on `samples` from the zero model with L-BFGS.
///
/// # Errors
///
/// Those of [`Lbfgs::minimize`] (none is expected on iris).
pub fn solve(samples: &[IrisSample]) -> Result<Solved> {
    let (_, goal) = configuration()?;
    let stop = Stop::new(Tolerance::Relative(TOLERANCE), MAX_ITERATIONS);
    let mut model = Classifier::zeros();
    let report = Lbfgs::<HISTORY>::minimize(&mut model, samples, &goal, stop)?;
    Ok((model, report))
}

/// Minimises the same objective from the zero model to the same tolerance with the
/// accelerated gradient method.
///
/// # Errors
///
/// Those of [`solver::minimize`] (none is expected on iris).
pub fn solve_accelerated(samples: &[IrisSample]) -> Result<Solved> {
    let (_, goal) = configuration()?;
    let stop = Stop::new(Tolerance::Relative(TOLERANCE), MAX_ITERATIONS);
    let mut model = Classifier::zeros();
    let report = solver::minimize(&mut model, samples, &goal, stop)?;
    Ok((model, report))
}

/// Minimises the same objective from the zero model to the same tolerance with Newton-CG,
/// whose buffer of probabilities (one `[f32; 3]` per sample) the caller provides.
///
/// # Errors
///
/// Those of [`NewtonCg::minimize`] (none is expected on iris).
pub fn solve_newton(samples: &[IrisSample], probabilities: &mut Probabilities) -> Result<Solved> {
    let (_, goal) = configuration()?;
    let stop = Stop::new(Tolerance::Relative(TOLERANCE), MAX_ITERATIONS);
    let mut model = Classifier::zeros();
    let report = NewtonCg::minimize(&mut model, samples, &goal, stop, probabilities)?;
    Ok((model, report))
}

/// The solved model with its accuracy and the report's certificate, as the SGD recipe reports
/// its own.
#[must_use]
pub fn outcome(
    model: Classifier<FEATURES, CLASSES>,
    report: &Report<f32>,
    samples: &[IrisSample],
) -> Outcome {
    Outcome {
        accuracy: model.accuracy(samples),
        objective: report.certificate.objective,
        gap: report.certificate.gap,
        distance: report.certificate.distance,
        model,
    }
}

/// Whether the report was certified, its iterations, and the bits of its objective and gap, in
/// one line that host and devices print alike.
#[must_use]
pub fn summary(report: &Report<f32>) -> impl fmt::Display + '_ {
    Summary(report)
}

struct Summary<'a>(&'a Report<f32>);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(
            f,
            "{} after {} iterations, objective {:#010x}, gap {:#010x}",
            if r.certified {
                "certified"
            } else {
                "NOT certified"
            },
            r.iterations,
            r.certificate.objective.to_bits(),
            r.certificate.gap.to_bits()
        )
    }
}
