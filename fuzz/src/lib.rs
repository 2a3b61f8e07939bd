//! What the fuzz targets share: reading typed values from the fuzzer's bytes.

/// A cursor over the fuzzer's input; past its end every value reads as 0.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A cursor at the start of `data`.
    #[must_use]
    pub const fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Whether every byte has been read.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The bytes not read yet.
    #[must_use]
    pub const fn rest(&self) -> &'a [u8] {
        self.data
    }

    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let n = N.min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        out
    }

    /// One byte.
    pub fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }

    /// An `f32` of any bit pattern (NaN, ±∞, subnormal) or, one time in two, a moderate value
    /// (a 16-bit integer over 256), so that the fuzzer reaches the paths where training succeeds.
    pub fn f32(&mut self) -> f32 {
        if self.u8() & 1 == 0 {
            f32::from(i16::from_le_bytes(self.take())) / 256.0
        } else {
            f32::from_bits(self.u32())
        }
    }

    /// An `f32` of any bit pattern.
    pub fn f32_bits(&mut self) -> f32 {
        f32::from_bits(self.u32())
    }

    /// `N` values of [`f32`](Self::f32).
    pub fn array<const N: usize>(&mut self) -> [f32; N] {
        core::array::from_fn(|_| self.f32())
    }
}
