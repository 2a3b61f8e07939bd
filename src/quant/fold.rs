//! The construction of a [`Quantized`] model: the float model with its standardiser folded in
//! (in f64), each feature's natural weight step, and the search for the logit step (steps 1 to 3
//! of the module docs).

use super::{MAX_EXPONENT, MAX_SHIFT, MIN_EXPONENT, NEGLIGIBLE, Quantized, TWO_U, Weight, pow2};
use crate::error::{Error, Result};
use crate::math::{Float, from_count, round};
use crate::model::Classifier;
use crate::standardize::Standardizer;

/// The float model with its standardiser folded in, in f64: logit z_c(r) = Σ_f V_cf·r_f + b'_c
/// with V_cf = W_cf·s/σ_f and b'_c = b_c − Σ_f W_cf·μ_f/σ_f.
pub(super) struct Folded<'a, const F: usize, const C: usize, T> {
    columns: &'a [[T; C]; F],
    /// s/σ_f.
    gains: [f64; F],
    /// b'_c as computed.
    bias: [f64; C],
    /// (F + 3)·2u·(|b_c| + Σ_f |W_cf μ_f/σ_f|): the error of the computed b'_c.
    bias_error: [f64; C],
}

impl<'a, const F: usize, const C: usize, T: Float> Folded<'a, F, C, T> {
    pub(super) fn new(
        model: &'a Classifier<F, C, T>,
        standardizer: &Standardizer<F, T>,
        input_scale: T,
    ) -> Result<Self> {
        let s = input_scale.to_f64();
        if !(s.is_finite() && s > 0.0) {
            return Err(Error::InputScale);
        }
        let (columns, b) = model.parts();
        let mean = standardizer.mean().map(T::to_f64);
        let sigma = standardizer.scale().map(T::to_f64);
        let mut gains = [0.0; F];
        for (g, &sd) in gains.iter_mut().zip(sigma.iter()) {
            *g = s / sd;
        }
        let mut bias = b.map(T::to_f64);
        let mut mass = bias.map(f64::abs);
        for ((column, &mu), &sd) in columns.iter().zip(mean.iter()).zip(sigma.iter()) {
            for ((bc, ac), &w) in bias.iter_mut().zip(mass.iter_mut()).zip(column.iter()) {
                let term = w.to_f64() * mu / sd;
                *bc -= term;
                *ac += term.abs();
            }
        }
        let factor = from_count::<f64>(F + 3) * TWO_U;
        let folded = Self {
            columns,
            gains,
            bias,
            bias_error: mass.map(|a| a * factor),
        };
        let finite = folded
            .gains
            .iter()
            .chain(&folded.bias_error)
            .all(|v| v.is_finite())
            && sigma.iter().all(|&sd| sd > 0.0)
            && (0..F).all(|f| folded.max_weight(f).is_finite());
        if finite {
            Ok(folded)
        } else {
            Err(Error::QuantizedRange)
        }
    }

    /// V_cf as computed: W_cf·(s/σ_f), two roundings (error ≤ 2⁻⁵⁰·|V̂_cf|, step 1).
    fn weight(&self, c: usize, f: usize) -> f64 {
        let w = self
            .columns
            .get(f)
            .and_then(|column| column.get(c))
            .map_or(0.0, |w| w.to_f64());
        w * self.gains.get(f).copied().unwrap_or(0.0)
    }

    /// max_c |V_cf| (NaN if a weight is NaN).
    fn max_weight(&self, f: usize) -> f64 {
        (0..C).fold(0.0, |m: f64, c| {
            let v = self.weight(c, f).abs();
            if v > m || v.is_nan() { v } else { m }
        })
    }

    /// Each feature's natural weight exponent: the smallest p with round(max_c |V_cf| / 2^p)
    /// ≤ LIMIT, or `None` for a feature whose weights are all below 2⁻¹⁰⁰⁰.
    pub(super) fn natural_exponents<W: Weight>(&self) -> [Option<i32>; F] {
        let mut natural = [None; F];
        for (f, p) in natural.iter_mut().enumerate() {
            let m = self.max_weight(f);
            if m >= NEGLIGIBLE {
                // m is normal: its binary exponent e gives 2^LOG2_LIMIT ≤ m/2^p < 2^(LOG2_LIMIT+1).
                let bits = i32::try_from((m.to_bits() >> 52) & 0x7ff).unwrap_or(0);
                let candidate = bits - 1023 - W::LOG2_LIMIT;
                let rounded = round(m * pow2(-candidate));
                let over = rounded > f64::from(W::LIMIT);
                *p = Some(candidate + i32::from(over));
            }
        }
        natural
    }

    /// Where the search for P starts: the finest natural exponent, or (no weights) one that
    /// leaves the largest bias about 2³⁰ steps.
    pub(super) fn start(&self, natural: &[Option<i32>; F]) -> i32 {
        let finest = natural.iter().flatten().copied().min();
        let start = finest.unwrap_or_else(|| {
            let m = self.bias.iter().fold(0.0, |m: f64, b| m.max(b.abs()));
            if m >= NEGLIGIBLE {
                i32::try_from((m.to_bits() >> 52) & 0x7ff).unwrap_or(0) - 1023 - 29
            } else {
                0
            }
        });
        start.clamp(MIN_EXPONENT, MAX_EXPONENT)
    }

    /// The model at logit exponent P, if it fits (steps 1 to 3).
    pub(super) fn quantize<W: Weight>(
        &self,
        natural: &[Option<i32>; F],
        exponent: i32,
    ) -> Option<Quantized<F, C, W>> {
        if self.bias_error.iter().any(|&e| e > pow2(exponent - 3)) {
            return None;
        }
        let mut shifts = [0_u8; F];
        for (s, p) in shifts.iter_mut().zip(natural.iter()) {
            let shift = p.map_or(0, |p| p.max(exponent) - exponent);
            *s = u8::try_from(shift).ok().filter(|&s| s <= MAX_SHIFT)?;
        }
        let mut rows = [[W::ZERO; F]; C];
        let mut bias = [0_i32; C];
        for (c, (row, beta)) in rows.iter_mut().zip(bias.iter_mut()).enumerate() {
            for (f, (q, &s)) in row.iter_mut().zip(shifts.iter()).enumerate() {
                let step = exponent + i32::from(s);
                *q = W::from_i32(to_i32(round(self.weight(c, f) * pow2(-step)))?)?;
            }
            let b = self.bias.get(c).copied().unwrap_or(0.0);
            *beta = to_i32(round(b * pow2(-exponent)))?;
        }
        let q = Quantized {
            rows,
            shifts,
            bias,
            exponent: i16::try_from(exponent).ok()?,
        };
        q.fits().then_some(q)
    }
}

/// An integral f64 as `i32`, if it is within range.
fn to_i32(v: f64) -> Option<i32> {
    if v.abs() <= f64::from(i32::MAX) {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "v is integral and within the range of i32"
        )]
        let n = v as i32;
        Some(n)
    } else {
        None
    }
}
