//! On-device learning from a stream: the recipe of the `online` firmware binaries, shared with
//! `tests/firmware_parity.rs` by `#[path]` like `recipe.rs`, and drawn by the figures generator
//! (`figures/`).
//!
//! A simulated sensor delivers labelled feature vectors one at a time: three machine states,
//! each a fixed mean vector plus noise that is approximately Gaussian (the sum of four uniform
//! draws, rescaled to unit variance, times [`NOISE`]). The device
//!
//! 1. takes one SGD step on every sample as it arrives,
//! 2. keeps the most recent [`BUFFER`] samples in a [`ReplayBuffer`], and every
//!    [`REPLAY_EVERY`] arrivals shuffles the buffer and sweeps over it once more,
//! 3. every [`EVAL_EVERY`] arrivals measures the accuracy on a fixed held-out set of
//!    [`HELD_OUT`] samples, regenerated from its own seed each time so that it costs no memory.
//!
//! The nearest-mean rule, which is Bayes-optimal for these classes (equal priors, equal isotropic
//! noise), gives the accuracy ceiling the curve should approach.

use tinysoftmax::Objective;
use tinysoftmax::optim::Sgd;
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Label, ReplayBuffer, Result, Sample, SplitMix64};

/// Features per sample.
pub const FEATURES: usize = 4;
/// Machine states to tell apart.
pub const CLASSES: usize = 3;
/// Samples the replay buffer keeps.
pub const BUFFER: usize = 32;
/// Samples the stream delivers in total.
pub const STREAM: u32 = 320;
/// Arrivals between two replay sweeps over the buffer.
pub const REPLAY_EVERY: u32 = 8;
/// Arrivals between two evaluations on the held-out set.
pub const EVAL_EVERY: u32 = 20;
/// Points on the learning curve (the first before any sample arrives).
pub const POINTS: usize = (STREAM / EVAL_EVERY) as usize + 1;
/// Size of the held-out set.
pub const HELD_OUT: u32 = 300;
/// Constant learning rate of the online SGD.
pub const LEARNING_RATE: f32 = 0.01;
/// L2 coefficient of the online SGD.
pub const LAMBDA: f32 = 1e-3;
/// Standard deviation of the sensor noise on each feature.
pub const NOISE: f32 = 0.75;
/// Seed of the training stream.
pub const STREAM_SEED: u64 = 0x5EED_0001;
/// Seed of the held-out set (distinct from the stream's, so the two never share a sample).
pub const HELD_OUT_SEED: u64 = 0x5EED_0002;
/// Seed of the replay shuffles.
pub const REPLAY_SEED: u64 = 0x5EED_0003;
/// The firmware fails unless the final held-out accuracy reaches this.
pub const MIN_FINAL_ACCURACY: f32 = 0.8;

/// The mean feature vector of each machine state.
pub const MEANS: [[f32; FEATURES]; CLASSES] = [
    [1.0, 0.5, -0.5, 0.0],
    [-0.5, 1.0, 0.5, -0.5],
    [0.0, -1.0, 0.0, 1.0],
];

/// One sensor reading with its label.
pub type Reading = Sample<FEATURES, CLASSES>;

/// The simulated sensor: a seeded, endless stream of labelled readings.
#[derive(Clone, Debug)]
pub struct Sensor {
    rng: SplitMix64,
}

impl Sensor {
    /// A stream determined entirely by `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
        }
    }

    /// A uniform draw from [0, 1) with 24 random bits (exact in f32).
    fn uniform(&mut self) -> f32 {
        let bits = u32::try_from(self.rng.next_u64() >> 40).unwrap_or(0);
        bits as f32 * (1.0 / 16_777_216.0)
    }

    /// Unit-variance noise: (U₁ + U₂ + U₃ + U₄ − 2)·√3, whose variance is 4·(1/12)·3 = 1.
    fn noise(&mut self) -> f32 {
        let sum = self.uniform() + self.uniform() + self.uniform() + self.uniform();
        (sum - 2.0) * 1.732_050_8
    }

    /// The next reading: a uniformly drawn state, its mean, and noise.
    ///
    /// # Errors
    ///
    /// None in practice: the drawn label is always below [`CLASSES`].
    pub fn next_reading(&mut self) -> Result<Reading> {
        let classes = u32::try_from(CLASSES).unwrap_or(u32::MAX);
        let label = Label::new(self.rng.below(classes) as usize)?;
        let mut x = MEANS[label.index()];
        for xf in &mut x {
            *xf += NOISE * self.noise();
        }
        Ok(Sample::new(x, label))
    }
}

/// The state whose mean is nearest to `x` (the Bayes-optimal rule for this sensor).
#[must_use]
pub fn nearest_mean(x: &[f32; FEATURES]) -> usize {
    let mut best = (0, f32::INFINITY);
    for (c, mean) in MEANS.iter().enumerate() {
        let d = mean
            .iter()
            .zip(x)
            .fold(0.0, |acc, (&m, &xf)| acc + (xf - m) * (xf - m));
        if d < best.1 {
            best = (c, d);
        }
    }
    best.0
}

/// Accuracy of `model` and of the nearest-mean rule on the held-out set.
///
/// # Errors
///
/// As [`Sensor::next_reading`].
pub fn held_out_accuracy(model: &Classifier<FEATURES, CLASSES>) -> Result<(f32, f32)> {
    let mut sensor = Sensor::new(HELD_OUT_SEED);
    let (mut model_hits, mut bayes_hits) = (0_u32, 0_u32);
    for _ in 0..HELD_OUT {
        let s = sensor.next_reading()?;
        model_hits += u32::from(model.predict(&s.features) == s.label);
        bayes_hits += u32::from(nearest_mean(&s.features) == s.label.index());
    }
    let n = HELD_OUT as f32;
    Ok((model_hits as f32 / n, bayes_hits as f32 / n))
}

/// The learning curve: held-out accuracy after `arrivals[i]` samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Samples received when each point was measured.
    pub arrivals: [u32; POINTS],
    /// Held-out accuracy at each point.
    pub accuracy: [f32; POINTS],
    /// Held-out accuracy of the nearest-mean rule (the ceiling).
    pub ceiling: f32,
}

impl Curve {
    /// The last point's accuracy.
    #[must_use]
    pub fn last(&self) -> f32 {
        self.accuracy[POINTS - 1]
    }

    /// Whether the model learned: final accuracy at least [`MIN_FINAL_ACCURACY`] and above the
    /// first point's.
    #[must_use]
    pub fn passes(&self) -> bool {
        self.last() >= MIN_FINAL_ACCURACY && self.last() > self.accuracy[0]
    }
}

/// Runs the stream; calls `on_point(arrivals, accuracy)` for each point of the curve as it is
/// measured (the firmware prints it there) and returns the model and the whole curve.
///
/// # Errors
///
/// Any error of the optimiser configuration, the buffer or a training step (none expected).
pub fn run(mut on_point: impl FnMut(u32, f32)) -> Result<(Classifier<FEATURES, CLASSES>, Curve)> {
    let mut model = Classifier::zeros();
    let mut trainer = Trainer::new(Sgd::new(LEARNING_RATE)?, Objective::new(LAMBDA)?)?;
    let mut buffer = ReplayBuffer::<FEATURES, CLASSES, BUFFER>::new();
    let mut sensor = Sensor::new(STREAM_SEED);
    let mut rng = SplitMix64::new(REPLAY_SEED);
    let (first, ceiling) = held_out_accuracy(&model)?;
    let mut curve = Curve {
        arrivals: [0; POINTS],
        accuracy: [first; POINTS],
        ceiling,
    };
    on_point(0, first);
    let mut received = 0_u32;
    let points = curve.arrivals.iter_mut().zip(curve.accuracy.iter_mut());
    for (arrivals, accuracy) in points.skip(1) {
        for _ in 0..EVAL_EVERY {
            let reading = sensor.next_reading()?;
            received += 1;
            trainer.step(&mut model, &reading)?;
            buffer.push(reading)?;
            if received.is_multiple_of(REPLAY_EVERY) {
                buffer.shuffle(&mut rng);
                trainer.sweep(&mut model, buffer.as_slice())?;
            }
        }
        *arrivals = received;
        *accuracy = held_out_accuracy(&model)?.0;
        on_point(received, *accuracy);
    }
    Ok((model, curve))
}
