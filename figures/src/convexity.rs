//! Figure 1: the objective along lines through a trained model is convex for the softmax
//! classifier and not for a one-hidden-layer network (Steps 2 and 6 of the `convex` docs).

use std::error::Error;

use plotters::prelude::*;
use tinysoftmax::convex::objective;
use tinysoftmax::loss::cross_entropy;
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Objective, Sample, SplitMix64};

use crate::common::reference::uniform;
use crate::dataset;
use crate::style::{self, Area, GREY, HEIGHT, PANEL_WIDTH};

/// λ of the objective (the README's iris setting).
const LAMBDA: f64 = 0.01;
/// Random directions drawn through the optimum.
const LINES: usize = 4;
/// Points per curve.
const POINTS: usize = 121;
/// The seed of the directions.
const SEED: u64 = 1;
/// The network scales the trained classifier's logits down by this inside tanh and up again
/// after it: V·tanh(A x̃) ≈ W x + b while |W x + b| stays well below this.
const SCALE: f64 = 4.0;

type Iris = Sample<4, 3, f64>;
/// Points (t, objective) along one line.
type Curve = Vec<(f64, f64)>;

/// The parameters of a classifier as one vector: the class rows of W, then b.
fn flatten(model: &Classifier<4, 3, f64>) -> Vec<f64> {
    let mut flat: Vec<f64> = model.weights().iter().flatten().copied().collect();
    flat.extend(model.bias());
    flat
}

fn unflatten(theta: &[f64]) -> Classifier<4, 3, f64> {
    let rows = core::array::from_fn(|c| core::array::from_fn(|f| theta[c * 4 + f]));
    let bias = core::array::from_fn(|c| theta[12 + c]);
    Classifier::new(rows, bias)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The one-hidden-layer network z = V·tanh(A x̃) + c with three tanh units, parameters
/// (A row by row, V row by row, c): the same objective, mean cross-entropy plus (λ/2)‖θ‖².
fn network_objective(theta: &[f64], data: &[Iris]) -> f64 {
    let (first, rest) = theta.split_at(3 * 5);
    let (second, offset) = rest.split_at(3 * 3);
    let dot = |row: &[f64], x: &[f64]| row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>();
    let mut total = 0.0;
    for sample in data {
        let input: Vec<f64> = sample.features.iter().copied().chain([1.0]).collect();
        let hidden: Vec<f64> = first.chunks(5).map(|row| dot(row, &input).tanh()).collect();
        let logits: [f64; 3] =
            core::array::from_fn(|k| dot(&second[k * 3..k * 3 + 3], &hidden) + offset[k]);
        total += cross_entropy(&logits, sample.label);
    }
    let penalty = theta.iter().map(|t| t * t).sum::<f64>();
    total / data.len() as f64 + LAMBDA / 2.0 * penalty
}

/// A network that mimics the trained classifier θ* = [W* | b*]: A = θ*/s, V = s·I, c = 0.
fn mimic(theta: &[f64]) -> Vec<f64> {
    let mut net: Vec<f64> = (0..3)
        .flat_map(|c| (0..5).map(move |f| if f < 4 { c * 4 + f } else { 12 + c }))
        .map(|i| theta[i] / SCALE)
        .collect();
    net.extend((0..9).map(|i| if i % 4 == 0 { SCALE } else { 0.0 }));
    net.extend([0.0; 3]);
    net
}

/// t in [−1, 1] at `POINTS` points.
fn grid() -> impl Iterator<Item = f64> + Clone {
    (0..POINTS).map(|i| -1.0 + 2.0 * i as f64 / (POINTS - 1) as f64)
}

/// The curves of the left panel: P(θ* + t·d) for random d with ‖d‖ = ‖θ*‖.
/// Also returns P* and θ*.
fn classifier_curves(
    data: &[Iris],
    obj: &Objective<3, f64>,
) -> Result<(f64, Vec<f64>, Vec<Curve>), tinysoftmax::Error> {
    let mut model = Classifier::zeros();
    let stop = Stop::new(Tolerance::Absolute(1e-14), 10_000);
    let report = minimize(&mut model, data, obj, stop)?;
    assert!(report.certified, "{report}");
    let star = flatten(&model);
    let mut rng = SplitMix64::new(SEED);
    let curves: Vec<Curve> = (0..LINES)
        .map(|_| -> Result<Curve, tinysoftmax::Error> {
            let d: Vec<f64> = (0..star.len())
                .map(|_| uniform(&mut rng, -1.0, 1.0))
                .collect();
            let scale = norm(&star) / norm(&d);
            grid()
                .map(|t| {
                    let theta: Vec<f64> = star
                        .iter()
                        .zip(&d)
                        .map(|(s, d)| s + t * scale * d)
                        .collect();
                    Ok((t, objective(&unflatten(&theta), data, obj)?))
                })
                .collect()
        })
        .collect::<Result<_, _>>()?;
    Ok((report.objective(), star, curves))
}

/// The chord of a curve over its whole interval, at the curve's points.
fn chord(curve: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let ((t0, p0), (t1, p1)) = (curve[0], curve[curve.len() - 1]);
    curve
        .iter()
        .map(|&(t, _)| (t, p0 + (p1 - p0) * (t - t0) / (t1 - t0)))
        .collect()
}

/// The smallest and largest value of `values`, widened by 5 % on each side.
fn padded(values: impl Iterator<Item = f64>) -> core::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = 0.05 * (hi - lo);
    lo - pad..hi + pad
}

/// The network's objective along (t·A, t·V, c), t in [−1, 1].
fn network_curve(star: &[f64], data: &[Iris]) -> Curve {
    let net = mimic(star);
    let hidden = net.len() - 3;
    grid()
        .map(|t| {
            let theta: Vec<f64> = net
                .iter()
                .enumerate()
                .map(|(i, v)| if i < hidden { t * v } else { *v })
                .collect();
            (t, network_objective(&theta, data))
        })
        .collect()
}

pub fn draw() -> crate::Drawn {
    let data = dataset::widened(&dataset::iris());
    let obj = Objective::new(LAMBDA)?;
    let (p_star, star, curves) = classifier_curves(&data, &obj)?;
    for curve in &curves {
        // Convexity: the chord is never below the curve. P is computed to about 1e-15 in f64
        // (compensated sums); 1e-12 leaves room and still sees any visible dip.
        for (&(_, p), &(_, c)) in curve.iter().zip(&chord(curve)) {
            assert!(p <= c + 1e-12, "a chord dips below the curve: {p} > {c}");
        }
    }
    let network = network_curve(&star, &data);
    let (end, middle) = (network[POINTS - 1].1, network[POINTS / 2].1);
    assert!(
        (network[0].1 - end).abs() <= 1e-12 && middle - end > 0.1,
        "the mirrored networks must tie and their midpoint lie above the chord"
    );
    println!(
        "convexity: P* = {p_star:.6}; network P = {end:.4} at both ends, {middle:.4} at the midpoint"
    );
    style::svg((2 * PANEL_WIDTH, HEIGHT), |root| {
        let (left, right) = root.split_horizontally(PANEL_WIDTH);
        draw_classifier(&left, p_star, &curves)?;
        draw_network(&right, &network)?;
        Ok(())
    })
}

/// The left panel: P along random lines through θ*, each with its chord.
fn draw_classifier(area: &Area, p_star: f64, curves: &[Curve]) -> Result<(), Box<dyn Error>> {
    let range = padded(curves.iter().flatten().map(|&(_, p)| p));
    let mut chart = style::chart(area, "softmax classifier: convex", -1.0..1.0, range)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("t  (θ = θ* + t·d, random d, ‖d‖ = ‖θ*‖)")
        .y_desc("objective P")
        .x_label_formatter(&|v| style::fixed(*v, 1))
        .y_label_formatter(&|v| style::fixed(*v, 1))
        .label_style(style::text(13))
        .axis_desc_style(style::text(14))
        .draw()?;
    for (i, curve) in curves.iter().enumerate() {
        let color = style::series(i);
        let series = chart.draw_series(LineSeries::new(curve.clone(), style::line(color, 2)))?;
        if i == 0 {
            series
                .label("P along the line")
                .legend(|at| style::legend_line(at, GREY, 2));
        }
        let chord = chord(curve);
        let series = chart.draw_series(style::dashed(chord, color, 1))?;
        if i == 0 {
            series
                .label("chord: always above")
                .legend(|at| style::legend_dashed(at, GREY, 1));
        }
    }
    chart.draw_series([Circle::new((0.0, p_star), 4, BLACK.filled())])?;
    chart.draw_series([Text::new("θ*", (0.04, p_star), style::text(14))])?;
    style::legend(&mut chart, SeriesLabelPosition::UpperMiddle)?;
    Ok(())
}

/// The right panel: the network between (−A, −V, c) and (A, V, c), the Jensen gap marked.
fn draw_network(area: &Area, network: &[(f64, f64)]) -> Result<(), Box<dyn Error>> {
    let (end, middle) = (network[POINTS - 1].1, network[POINTS / 2].1);
    let range = padded(network.iter().map(|&(_, p)| p));
    let mut chart = style::chart(area, "one hidden layer: not convex", -1.0..1.0, range)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("t  (network (t·A, t·V, c), V·tanh(A·x̃) + c)")
        .y_desc("mean cross-entropy + (λ/2)‖θ‖²")
        .x_label_formatter(&|v| style::fixed(*v, 1))
        .y_label_formatter(&|v| style::fixed(*v, 1))
        .label_style(style::text(13))
        .axis_desc_style(style::text(14))
        .draw()?;
    let color = style::VERMILLION;
    chart.draw_series(LineSeries::new(network.to_vec(), style::line(color, 2)))?;
    chart.draw_series(style::dashed(chord(network), color, 1))?;
    let bar = style::line(BLACK, 1);
    chart.draw_series([
        PathElement::new(vec![(0.0, end), (0.0, middle)], bar),
        PathElement::new(vec![(-0.03, end), (0.03, end)], bar),
        PathElement::new(vec![(-0.03, middle), (0.03, middle)], bar),
    ])?;
    let height = middle - end;
    let label = |text: String, x: f64, y: f64| Text::new(text, (x, y), style::text(13));
    chart.draw_series([
        Text::new(
            format!("Jensen gap {height:.2}"),
            (0.05, end + height / 2.0),
            style::text(14),
        ),
        label("(−A, −V, c)".into(), -0.97, end + 0.1 * height),
        label("(A, V, c)".into(), 0.68, end + 0.1 * height),
        label("chord".into(), -0.45, end + 0.03 * height),
        label("midpoint (0, 0, c):".into(), 0.3, middle),
        label(
            "logits c for every input".into(),
            0.3,
            middle - 0.06 * height,
        ),
    ])?;
    Ok(())
}
