//! What every figure shares: sizes, colours, fonts, axes and legends.

use std::error::Error;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// A drawing area of an SVG figure.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// A point in pixels.
pub type Pixel = (i32, i32);
/// A chart with linear f64 axes on an SVG figure.
pub type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Width of one panel in pixels.
pub const PANEL_WIDTH: u32 = 480;
/// Height of every figure in pixels.
pub const HEIGHT: u32 = 380;

/// The font family of every text element (resolved by the viewer; no font files involved).
pub const FONT: &str = "sans-serif";

/// Colours distinguishable with the common colour-vision deficiencies (Okabe and Ito).
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
/// See [`BLUE`].
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
/// See [`BLUE`].
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
/// See [`BLUE`].
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// See [`BLUE`].
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
/// See [`BLUE`].
pub const SKY: RGBColor = RGBColor(86, 180, 233);
/// Axis and annotation grey.
pub const GREY: RGBColor = RGBColor(90, 90, 90);

/// The grid lines at labelled ticks.
pub const MESH: RGBColor = RGBColor(235, 235, 235);

/// The colour of series number `i`.
pub fn series(i: usize) -> RGBColor {
    [BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY][i % 6]
}

/// A text style of `size` pixels.
pub fn text(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

/// A solid line style.
pub fn line(color: RGBColor, width: u32) -> ShapeStyle {
    color.stroke_width(width)
}

/// A dashed line through `points`.
pub fn dashed(
    points: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
) -> DashedLineSeries<std::vec::IntoIter<(f64, f64)>, u32> {
    DashedLineSeries::new(points, 5, 4, line(color, width))
}

/// A legend sample of a solid line.
pub fn legend_line((x, y): Pixel, color: RGBColor, width: u32) -> PathElement<Pixel> {
    PathElement::new(vec![(x, y), (x + 22, y)], line(color, width))
}

/// A legend sample of a dashed line.
pub fn legend_dashed(
    (x, y): Pixel,
    color: RGBColor,
    width: u32,
) -> DashedPathElement<std::vec::IntoIter<Pixel>, u32> {
    DashedPathElement::new(vec![(x, y), (x + 22, y)], 5, 4, line(color, width))
}

/// An SVG document of `size` pixels, white, with what `draw` draws on it.
pub fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Result<(), Box<dyn Error>>,
) -> crate::Drawn {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// A chart on `area` with a caption and room for the axis labels.
pub fn chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: &str,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, 'b>, Box<dyn Error>> {
    Ok(ChartBuilder::on(area)
        .caption(caption, text(16))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(x, y)?)
}

/// The legend of the labelled series, at `position`.
pub fn legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<(), Box<dyn Error>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(text(13))
        .draw()?;
    Ok(())
}

/// "10⁻⁵" for a log₁₀ value of −5 (the axis of a log-scale plot holds log₁₀ of the values).
pub fn decade(log10: f64) -> String {
    let k = log10.round();
    if (log10 - k).abs() > 1e-9 {
        return String::new();
    }
    if k == 0.0 {
        return "1".to_owned();
    }
    let digits: String = format!("{k}")
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect();
    format!("10{digits}")
}

/// A fixed-point label with `decimals` decimals.
pub fn fixed(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    // "-0.0" and "0.0" are the same tick.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades() {
        assert_eq!(decade(-5.0), "10⁻⁵");
        assert_eq!(decade(12.0), "10¹²");
        assert_eq!(decade(0.0), "1");
        assert_eq!(decade(0.5), "");
    }
}
