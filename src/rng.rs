//! A small seeded random generator for shuffling, identical on every target.

/// SplitMix64: a 64-bit seeded generator, plenty for shuffling training samples.
///
/// Uses only integer arithmetic that gives the same bits on every target, so a seed fixes the
/// sample order on the host and on the microcontroller alike. Not for cryptography. With the
/// `rand_core` feature it implements `rand_core::RngCore` (0.9, the version `rand` 0.9 uses),
/// producing the same sequence: `next_u64` is this type's, `next_u32` its upper 32 bits, and
/// `fill_bytes` its words in little-endian order.
///
/// ```
/// use tinysoftmax::SplitMix64;
/// let mut a = SplitMix64::new(42);
/// let mut b = SplitMix64::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed`.
    ///
    /// ```
    /// let _rng = tinysoftmax::SplitMix64::new(7);
    /// ```
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// let mut rng = tinysoftmax::SplitMix64::new(0);
    /// assert_ne!(rng.next_u64(), rng.next_u64());
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (unbiased, by Lemire's multiply-and-reject); 0 when `n` is 0.
    ///
    /// ```
    /// let mut rng = tinysoftmax::SplitMix64::new(1);
    /// assert!((0..100).all(|_| rng.below(3) < 3));
    /// assert_eq!(rng.below(0), 0);
    /// ```
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let r = (self.next_u64() >> 32) as u32;
            let product = u64::from(r) * u64::from(n);
            #[expect(clippy::cast_possible_truncation, reason = "low half of the product")]
            let low = product as u32;
            if low >= threshold {
                return (product >> 32) as u32;
            }
        }
    }

    /// Calls `swap(i, j)`, with `j < i < len`, for the swaps of a uniform Fisher–Yates shuffle.
    ///
    /// Lengths above `u32::MAX` (impossible on 32-bit targets) shuffle only the first
    /// `u32::MAX` positions' choices uniformly.
    pub(crate) fn for_each_swap(&mut self, len: usize, mut swap: impl FnMut(usize, usize)) {
        for i in (1..len).rev() {
            let bound = u32::try_from(i + 1).unwrap_or(u32::MAX);
            // `below` returns less than i + 1; the `min` makes that visible to the compiler.
            let j = (self.below(bound) as usize).min(i);
            if j != i {
                swap(i, j);
            }
        }
    }

    /// Shuffles a slice in place, uniformly (Fisher–Yates), using no extra memory.
    ///
    /// ```
    /// let mut rng = tinysoftmax::SplitMix64::new(3);
    /// let mut v = [1, 2, 3, 4, 5];
    /// rng.shuffle(&mut v);
    /// v.sort();
    /// assert_eq!(v, [1, 2, 3, 4, 5]);
    /// ```
    pub fn shuffle<X>(&mut self, items: &mut [X]) {
        self.for_each_swap(items.len(), |i, j| items.swap(i, j));
    }

    /// The generator's whole state: [`SplitMix64::new`] of it continues the same sequence (how a
    /// [`Checkpoint`](crate::format::Checkpoint) saves and restores the shuffling).
    ///
    /// ```
    /// use tinysoftmax::SplitMix64;
    /// let mut a = SplitMix64::new(5);
    /// a.next_u64();
    /// let mut b = SplitMix64::new(a.state());
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// ```
    #[must_use]
    pub const fn state(&self) -> u64 {
        self.state
    }
}

/// The former name of [`SplitMix64`].
#[deprecated(
    since = "0.1.0",
    note = "renamed to `SplitMix64` (no clash with `rand::Rng`)"
)]
pub type Rng = SplitMix64;

#[cfg(feature = "rand_core")]
impl rand_core::RngCore for SplitMix64 {
    fn next_u32(&mut self) -> u32 {
        (SplitMix64::next_u64(self) >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        SplitMix64::next_u64(self)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = SplitMix64::next_u64(self).to_le_bytes();
            for (d, b) in chunk.iter_mut().zip(bytes.iter()) {
                *d = *b;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 1234567, as published with the algorithm's
        // reference implementation (Vigna, prng.di.unimi.it, splitmix64.c).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = SplitMix64::new(9);
        let mut counts = [0_u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        // Each count is Binomial(60000, 1/6): mean 10000, sd ≈ 91; 6 sd is a failure.
        assert!(
            counts.iter().all(|&c| c.abs_diff(10_000) < 550),
            "{counts:?}"
        );
    }

    #[test]
    fn shuffle_reaches_every_permutation_of_three() {
        let mut rng = SplitMix64::new(5);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let mut v = [0, 1, 2];
            rng.shuffle(&mut v);
            seen.insert(v);
        }
        assert_eq!(seen.len(), 6);
    }

    #[cfg(feature = "rand_core")]
    #[test]
    fn rand_core_gives_the_same_sequence() {
        use rand_core::RngCore;
        let mut ours = SplitMix64::new(99);
        let mut theirs = SplitMix64::new(99);
        assert_eq!(RngCore::next_u64(&mut theirs), ours.next_u64());
        assert_eq!(
            RngCore::next_u32(&mut theirs),
            (ours.next_u64() >> 32) as u32
        );
        let mut bytes = [0_u8; 12];
        theirs.fill_bytes(&mut bytes);
        let (a, b) = (ours.next_u64().to_le_bytes(), ours.next_u64().to_le_bytes());
        assert_eq!(bytes[..8], a);
        assert_eq!(bytes[8..], b[..4]);
        assert_eq!(theirs, ours);
    }
}
