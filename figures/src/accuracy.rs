//! Figure 3: the error in ULP of the textbook cross-entropy and of `loss::cross_entropy` in
//! `f32`, against the logit margin, measured against the test suite's `f64` reference.

use std::error::Error;

use plotters::prelude::*;
use tinysoftmax::loss::cross_entropy;
use tinysoftmax::{Label, SplitMix64};

use crate::common::accuracy::{Measure, textbook_cross_entropy};
use crate::common::reference::{Kernel, to_f32, ulp_error, uniform};
use crate::style::{self, Area, GREY, HEIGHT, PANEL_WIDTH};

/// Classes of every case.
const CLASSES: usize = 10;
/// The margins drawn: 0 to this (the true loss stays a normal `f32` up to about 85).
const MAX_MARGIN: f64 = 80.0;
/// Margin bins; each shows the largest error of its cases.
const BINS: usize = 160;
/// Width of a margin bin.
const BIN: f64 = MAX_MARGIN / BINS as f64;
/// Cases per bin.
const CASES: usize = 64;
/// The seed of the cases.
const SEED: u64 = 2026;
/// The bottom of the plot, log₁₀ ULP.
const FLOOR: f64 = -1.0;
/// The top of the plot, log₁₀ ULP.
const TOP: f64 = 8.0;

/// Largest error (ULP) of each bin for the crate and the textbook, and whether every textbook
/// result in the bin was 0.
struct Bin {
    margin: f64,
    crate_ulp: f64,
    textbook_ulp: f64,
    textbook_zero: bool,
}

/// One case: the other logits uniform in [−4, 0], the true class `margin` above their maximum.
fn case(rng: &mut SplitMix64, margin: f64) -> [f32; CLASSES] {
    let mut z = [0.0_f32; CLASSES];
    for v in &mut z[1..] {
        *v = to_f32(uniform(rng, -4.0, 0.0));
    }
    let top = z[1..].iter().copied().fold(f32::NEG_INFINITY, f32::max);
    z[0] = to_f32(f64::from(top) + margin);
    z
}

fn bins() -> Vec<Bin> {
    let mut rng = SplitMix64::new(SEED);
    let y = Label::<CLASSES>::new(0).unwrap();
    (0..BINS)
        .map(|b| {
            let lo = b as f64 * BIN;
            let mut bin = Bin {
                margin: lo + BIN / 2.0,
                crate_ulp: 0.0,
                textbook_ulp: 0.0,
                textbook_zero: true,
            };
            for _ in 0..CASES {
                let margin = uniform(&mut rng, lo, lo + BIN);
                let z = case(&mut rng, margin);
                let want = Kernel::new(&z).cross_entropy(0);
                let textbook = textbook_cross_entropy(&z, 0);
                bin.crate_ulp = bin.crate_ulp.max(ulp_error(cross_entropy(&z, y), want));
                bin.textbook_ulp = bin.textbook_ulp.max(ulp_error(textbook, want));
                bin.textbook_zero &= textbook == 0.0;
            }
            bin
        })
        .collect()
}

fn log_ulp(ulp: f64) -> f64 {
    if ulp > 0.0 {
        ulp.log10().max(FLOOR)
    } else {
        FLOOR
    }
}

pub fn draw() -> crate::Drawn {
    let bins = bins();
    let budget = Measure::CrossEntropy.budget().unwrap();
    let worst = bins.iter().map(|b| b.crate_ulp).fold(0.0, f64::max);
    assert!(
        worst <= budget,
        "the crate's error {worst} exceeds its budget"
    );
    // No curve may sit on the floor: the plot would hide its value.
    assert!(
        bins.iter().all(|b| b.crate_ulp.log10() > FLOOR),
        "an error below the plot's floor"
    );
    // The first margin from which the textbook returns 0 for every case.
    let zero_from = bins
        .iter()
        .rposition(|b| !b.textbook_zero)
        .map_or(0.0, |i| bins[i].margin + BIN / 2.0);
    assert!(
        zero_from > 0.0 && zero_from < MAX_MARGIN,
        "the textbook form must reach 0 within the plot"
    );
    println!(
        "accuracy: crate ≤ {worst:.2} ULP over margins 0–{MAX_MARGIN}; textbook returns 0 from margin {zero_from}"
    );

    style::svg((PANEL_WIDTH * 3 / 2, HEIGHT), |root| {
        plot(root, &bins, budget, zero_from)
    })
}

fn plot(area: &Area, bins: &[Bin], budget: f64, zero_from: f64) -> Result<(), Box<dyn Error>> {
    let caption =
        format!("cross-entropy in f32, {CLASSES} classes: error against an f64 reference");
    let mut chart = style::chart(area, &caption, 0.0..MAX_MARGIN, FLOOR..TOP)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(style::MESH)
        .y_labels(10)
        .x_desc("logit margin: z_y minus the largest other logit")
        .y_desc(format!("largest error in ULP (per bin of {BIN})"))
        .x_label_formatter(&|v| style::fixed(*v, 0))
        .y_label_formatter(&|v| style::decade(*v))
        .label_style(style::text(13))
        .axis_desc_style(style::text(14))
        .draw()?;
    let textbook: Vec<(f64, f64)> = bins
        .iter()
        .map(|b| (b.margin, log_ulp(b.textbook_ulp)))
        .collect();
    let ours: Vec<(f64, f64)> = bins
        .iter()
        .map(|b| (b.margin, log_ulp(b.crate_ulp)))
        .collect();
    let (red, blue) = (style::VERMILLION, style::BLUE);
    chart
        .draw_series(LineSeries::new(textbook, style::line(red, 2)))?
        .label("textbook ln Σ exp(z − m) − (z_y − m)")
        .legend(move |at| style::legend_line(at, red, 2));
    chart
        .draw_series(LineSeries::new(ours, style::line(blue, 2)))?
        .label("loss::cross_entropy")
        .legend(move |at| style::legend_line(at, blue, 2));
    let b = budget.log10();
    chart
        .draw_series(style::dashed(vec![(0.0, b), (MAX_MARGIN, b)], blue, 1))?
        .label(format!("its error budget, {budget} ULP"))
        .legend(move |at| style::legend_dashed(at, blue, 1));
    let edge = vec![(zero_from, FLOOR), (zero_from, TOP)];
    chart.draw_series(style::dashed(edge, GREY, 1))?;
    chart.draw_series([Text::new(
        format!("from margin {zero_from}: the textbook loss is 0"),
        (zero_from + 1.0, TOP - 1.1),
        style::text(13),
    )])?;
    style::legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
    Ok(())
}
