//! A firmware learner, as a user would write it: six raw sensor readings (`[f32; 6]`), five
//! machine states, standardisation fitted on the device, online SGD and a replay buffer. Only
//! the library's `no_std` API is used; `std` only prints. Run it on the host with
//!
//! ```sh
//! cargo run --release --example sensor_learner
//! ```
//!
//! The simulated sensor gives each state its own mean reading (in raw units: °C, g, mA, …)
//! plus seeded noise. The device first watches [`WARM_UP`] readings to fit the scaling, freezes
//! it (no square root per reading afterwards), then learns from each labelled reading as it
//! arrives, replaying the last [`BUFFER`] ones every [`REPLAY_EVERY`] arrivals. It exits
//! non-zero unless the held-out accuracy ends within 5 points of the nearest-mean rule, which
//! is the best possible for these classes.

use std::process::ExitCode;

use tinysoftmax::optim::Sgd;
use tinysoftmax::train::Trainer;
use tinysoftmax::{
    Classifier, Label, Objective, Pipeline, ReplayBuffer, Sample, Scaler, SplitMix64, Standardizer,
};

const FEATURES: usize = 6;
const STATES: usize = 5;
const WARM_UP: u32 = 64;
const STREAM: u32 = 2000;
const BUFFER: usize = 48;
const REPLAY_EVERY: u32 = 16;
const HELD_OUT: u32 = 1000;

/// Mean reading of each state: temperature (°C), vibration (g), current (mA), pressure (kPa),
/// humidity (%), acoustic level (dB).
const MEANS: [[f32; FEATURES]; STATES] = [
    [40.0, 0.10, 120.0, 101.0, 35.0, 50.0],
    [55.0, 0.35, 180.0, 101.5, 35.0, 58.0],
    [47.0, 0.80, 150.0, 100.5, 40.0, 70.0],
    [62.0, 0.20, 240.0, 102.0, 30.0, 55.0],
    [45.0, 0.15, 130.0, 99.0, 55.0, 52.0],
];
/// Noise of each reading, in the same units.
const NOISE: [f32; FEATURES] = [6.0, 0.25, 40.0, 1.0, 8.0, 7.0];

/// A labelled reading from the simulated sensor.
fn reading(rng: &mut SplitMix64) -> Result<([f32; FEATURES], Label<STATES>), tinysoftmax::Error> {
    let state = Label::try_from(rng.below(5))?;
    let mut x = MEANS[state.index()];
    for (v, sd) in x.iter_mut().zip(NOISE) {
        // Sum of four uniforms on [-1, 1]: variance 4/3, rescaled to unit variance.
        let u: f32 = (0..4)
            .map(|_| rng.below(1 << 24) as f32 / (1 << 23) as f32 - 1.0)
            .sum();
        *v += sd * u * (3.0_f32 / 4.0).sqrt();
    }
    Ok((x, state))
}

/// The nearest-mean rule in standardised units (Bayes-optimal here: equal priors, independent
/// noise of one scale per feature).
fn nearest_mean(scaler: &Scaler<FEATURES>, raw: &[f32; FEATURES]) -> usize {
    let x = scaler.transform(raw);
    let distance = |m: &[f32; FEATURES]| -> f32 {
        let m = scaler.transform(m);
        x.iter().zip(m).map(|(a, b)| (a - b) * (a - b)).sum()
    };
    (0..STATES)
        .min_by(|&a, &b| distance(&MEANS[a]).total_cmp(&distance(&MEANS[b])))
        .unwrap_or(0)
}

fn main() -> Result<ExitCode, tinysoftmax::Error> {
    let mut sensor = SplitMix64::new(0x5E45_0001);

    // 1. Fit the scaling on the first readings, then freeze it.
    let mut fit = Standardizer::<FEATURES>::new();
    for _ in 0..WARM_UP {
        fit.update(&reading(&mut sensor)?.0)?;
    }
    let scaler = fit.freeze();

    // 2. Learn online: one step per reading, a replay sweep every few arrivals.
    let mut model = Classifier::<FEATURES, STATES>::zeros();
    let mut trainer = Trainer::new(Sgd::new(0.05)?, Objective::new(1e-3)?)?;
    let mut buffer = ReplayBuffer::<FEATURES, STATES, BUFFER>::new();
    let mut replay = SplitMix64::new(0x5E45_0002);
    for arrival in 1..=STREAM {
        let (raw, state) = reading(&mut sensor)?;
        let x = scaler.transform(&raw);
        trainer.step_on(&mut model, &x, state)?;
        buffer.push(Sample::new(x, state))?;
        if arrival % REPLAY_EVERY == 0 {
            buffer.shuffle(&mut replay);
            trainer.sweep(&mut model, buffer.as_slice())?;
        }
    }

    // 3. Deploy: raw reading in, label (or "not sure") out.
    let device = Pipeline::new(scaler, model);
    let mut held_out = SplitMix64::new(0x5E45_0003);
    let (mut correct, mut ceiling, mut unsure) = (0_u32, 0_u32, 0_u32);
    for _ in 0..HELD_OUT {
        let (raw, state) = reading(&mut held_out)?;
        correct += u32::from(device.predict(&raw) == state);
        ceiling += u32::from(nearest_mean(device.scaler(), &raw) == state.index());
        let x = device.scaler().transform(&raw);
        unsure += u32::from(device.classifier().predict_or_reject(&x, 0.9).is_none());
    }
    let accuracy = f64::from(correct) / f64::from(HELD_OUT);
    let best = f64::from(ceiling) / f64::from(HELD_OUT);
    println!("held-out accuracy {accuracy:.3} (nearest-mean rule: {best:.3})");
    println!("readings it would flag as unsure (p < 0.9): {unsure} of {HELD_OUT}");
    println!("model: {}", device.classifier());
    Ok(if accuracy >= best - 0.05 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
