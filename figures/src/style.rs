//! What every figure shares: sizes, colours, fonts and axis labels.

use plotters::prelude::*;

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
