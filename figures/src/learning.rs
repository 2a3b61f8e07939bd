//! Figure 4: what the models learn. The firmware's online demo learning from a sensor stream
//! (the recipe itself, `examples/firmware-common/online.rs`), and the decision regions of a
//! classifier trained on two iris features.

use std::error::Error;

use plotters::prelude::*;
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Label, Objective, Sample};

use crate::style::{self, Area, HEIGHT, PANEL_WIDTH};
use crate::{dataset, online};

pub fn online() -> crate::Drawn {
    let (_, curve) = online::run(|_, _| {})?;
    assert!(curve.passes(), "the online demo did not learn: {curve:?}");
    println!(
        "online: accuracy {:.3} after {} readings, ceiling {:.3}",
        curve.last(),
        online::STREAM,
        curve.ceiling
    );
    let points: Vec<(f64, f64)> = curve
        .arrivals
        .iter()
        .zip(&curve.accuracy)
        .map(|(&n, &a)| (f64::from(n), f64::from(a)))
        .collect();
    style::svg((PANEL_WIDTH * 3 / 2, HEIGHT), |root| {
        plot_online(root, &points, f64::from(curve.ceiling))
    })
}

fn plot_online(area: &Area, points: &[(f64, f64)], ceiling: f64) -> Result<(), Box<dyn Error>> {
    let stream = f64::from(online::STREAM);
    let caption = format!(
        "learning on the device: {} features, {} states, noisy readings",
        online::FEATURES,
        online::CLASSES
    );
    let mut chart = style::chart(area, &caption, 0.0..stream, 0.0..1.0)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(style::MESH)
        .x_desc(format!(
            "readings received (one SGD step each, a replay sweep every {})",
            online::REPLAY_EVERY
        ))
        .y_desc(format!(
            "accuracy on {} held-out readings",
            online::HELD_OUT
        ))
        .x_label_formatter(&|v| style::fixed(*v, 0))
        .y_label_formatter(&|v| style::fixed(*v, 1))
        .label_style(style::text(13))
        .axis_desc_style(style::text(14))
        .draw()?;
    let blue = style::BLUE;
    chart
        .draw_series(LineSeries::new(points.to_vec(), style::line(blue, 2)))?
        .label("the device's model (tinysoftmax, f32)")
        .legend(move |at| style::legend_line(at, blue, 2));
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, blue.filled())))?;
    chart
        .draw_series(style::dashed(
            vec![(0.0, ceiling), (stream, ceiling)],
            BLACK,
            1,
        ))?
        .label("ceiling: the Bayes-optimal nearest-mean rule")
        .legend(|at| style::legend_dashed(at, BLACK, 1));
    style::legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// The two iris features drawn: petal length and petal width (standardised).
const PETALS: [usize; 2] = [2, 3];
/// λ of the trained classifier.
const LAMBDA: f32 = 0.01;
/// The square drawn, in standardised units.
const EXTENT: f64 = 2.25;
/// Grid cells per side for the regions.
const CELLS: usize = 150;
/// The class names of `data/iris.csv`, in label order.
const NAMES: [&str; 3] = ["setosa", "versicolor", "virginica"];

pub fn regions() -> crate::Drawn {
    let data: Vec<Sample<2, 3>> = dataset::iris()
        .iter()
        .map(|s| Sample::new(PETALS.map(|f| s.features[f]), s.label))
        .collect();
    let mut model = Classifier::zeros();
    let stop = Stop::new(Tolerance::Relative(1e-6), 10_000);
    let report = minimize(&mut model, &data, &Objective::new(LAMBDA)?, stop)?;
    assert!(report.certified, "{report}");
    println!(
        "regions: {report}, training accuracy {:.3}",
        model.accuracy(&data)
    );
    style::svg((PANEL_WIDTH + 40, HEIGHT + 60), |root| {
        plot_regions(root, &model, &data)
    })
}

fn plot_regions(
    area: &Area,
    model: &Classifier<2, 3>,
    data: &[Sample<2, 3>],
) -> Result<(), Box<dyn Error>> {
    let caption = format!(
        "iris, two features: decision regions (training accuracy {:.3})",
        model.accuracy(data)
    );
    let mut chart = style::chart(area, &caption, -EXTENT..EXTENT, -EXTENT..EXTENT)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("petal length (standardised)")
        .y_desc("petal width (standardised)")
        .x_label_formatter(&|v| style::fixed(*v, 1))
        .y_label_formatter(&|v| style::fixed(*v, 1))
        .label_style(style::text(13))
        .axis_desc_style(style::text(14))
        .draw()?;
    let colors = [style::BLUE, style::ORANGE, style::GREEN];
    chart.draw_series(
        region_runs(model)
            .into_iter()
            .map(|(x0, x1, y0, y1, class)| {
                Rectangle::new([(x0, y0), (x1, y1)], colors[class].mix(0.22).filled())
            }),
    )?;
    for (class, &color) in colors.iter().enumerate() {
        let label = Label::new(class)?;
        let at = data
            .iter()
            .filter(|s| s.label == label)
            .map(|s| (f64::from(s.features[0]), f64::from(s.features[1])));
        let style = color.filled();
        let series = match class {
            0 => chart.draw_series(at.map(|p| Circle::new(p, 4, style)))?,
            1 => chart.draw_series(at.map(|p| TriangleMarker::new(p, 5, style)))?,
            _ => chart.draw_series(
                at.map(|p| EmptyElement::at(p) + Rectangle::new([(-3, -3), (3, 3)], style)),
            )?,
        };
        series.label(NAMES[class]).legend(move |(x, y)| {
            let at = (x + 10, y);
            match class {
                0 => Circle::new(at, 4, style).into_dyn(),
                1 => TriangleMarker::new(at, 5, style).into_dyn(),
                _ => Rectangle::new([(x + 7, y - 3), (x + 13, y + 3)], style).into_dyn(),
            }
        });
    }
    style::legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// The predicted class on a grid of `CELLS`² cells, merged into horizontal runs of one class:
/// (x₀, x₁, y₀, y₁, class).
fn region_runs(model: &Classifier<2, 3>) -> Vec<(f64, f64, f64, f64, usize)> {
    let step = 2.0 * EXTENT / CELLS as f64;
    let at = |i: usize| -EXTENT + i as f64 * step;
    let mut runs = Vec::new();
    for row in 0..CELLS {
        let y = at(row) + step / 2.0;
        let class = |col: usize| {
            #[expect(clippy::cast_possible_truncation, reason = "grid points in f32")]
            let x = [(at(col) + step / 2.0) as f32, y as f32];
            model.predict(&x).index()
        };
        let mut start = 0;
        for col in 1..=CELLS {
            if col == CELLS || class(col) != class(start) {
                runs.push((at(start), at(col), at(row), at(row + 1), class(start)));
                start = col;
            }
        }
    }
    runs
}
