//! The linear softmax classifier: logits z = W x + b.
//!
//! ![Decision regions of a classifier trained on two standardised iris features](https://raw.githubusercontent.com/tinysoftmax/tinysoftmax/main/docs/figures/regions.svg)
//!
//! A [`Classifier`] trained to a certified optimum on two iris features: class c wins
//! where its logit is largest, so the regions are convex polygons with straight borders. Drawn
//! by `cargo run --release --manifest-path figures/Cargo.toml -- regions`.

use crate::data::{Label, Sample};
use crate::error::{Error, Result};
use crate::loss::cross_entropy;
use crate::math::{Float, largest_abs};
use crate::softmax::{argmax, softmax_in_place};
use crate::wide::dispatched;

/// A softmax classifier (multinomial logistic regression) on `F` features and `C` classes.
///
/// Parameters: a C × F weight matrix W, row c being the weight vector of class c (the shape of
/// scikit-learn's `coef_` and of PyTorch's `nn.Linear(F, C).weight`), and a bias b with one entry
/// per class. [`new`](Self::new) takes W as C rows and [`weights`](Self::weights) returns it so;
/// how the model stores W is not part of its API (it is feature-major, `[[T; C]; F]`, so that
/// the logits of all classes accumulate side by side; see [`logits`](Self::logits)). The model
/// holds only parameters; optimiser state lives in [`Trainer`](crate::train::Trainer). Its
/// memory is (C·F + C)·`size_of::<T>()` bytes, and the constructors are `const fn`, so a model
/// can live in a `static` or in flash.
///
/// `C < 2`, `C > 65536` and `F = 0` are compile errors:
///
/// ```compile_fail
/// let m = tinysoftmax::Classifier::<4, 1>::zeros();
/// ```
///
/// ```compile_fail
/// let m = tinysoftmax::Classifier::<0, 3>::zeros();
/// ```
///
/// ```
/// use tinysoftmax::{Classifier, Label};
/// static MODEL: Classifier<2, 2> = Classifier::new([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]);
/// assert_eq!(MODEL.predict(&[3.0, 1.0]), Label::new(0)?);
/// assert_eq!(MODEL.logits(&[3.0, 1.0]), [3.0, 1.0]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Classifier<const F: usize, const C: usize, T = f32> {
    /// W transposed: `columns[f][c]` = W_cf.
    columns: [[T; C]; F],
    bias: [T; C],
}

impl<const F: usize, const C: usize, T: Float> Default for Classifier<F, C, T> {
    fn default() -> Self {
        Self::zeros()
    }
}

impl<const F: usize, const C: usize, T: Float> Classifier<F, C, T> {
    const SIZES_ARE_VALID: () = {
        assert!(C >= 2, "a classifier needs at least 2 classes");
        assert!(C <= 65_536, "a label holds at most 65536 classes");
        assert!(F >= 1, "a classifier needs at least 1 feature");
    };

    /// A model from its parameters: W as C rows of F weights, and the biases.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<1, 2, f64>::new([[1.0], [-1.0]], [0.5, 0.0]);
    /// assert_eq!(m.bias(), &[0.5, 0.0]);
    /// assert_eq!(m.weights(), [[1.0], [-1.0]]);
    /// ```
    #[must_use]
    pub const fn new(weights: [[T; F]; C], bias: [T; C]) -> Self {
        Self::from_columns(transpose(&weights, T::ZERO), bias)
    }

    /// A model from Wᵀ, F rows of C weights (`columns[f][c]` = W_cf), and the biases: the layout
    /// of NumPy's `coef_.T`, of a Keras `Dense` kernel, and of the model's own storage.
    ///
    /// ```
    /// use tinysoftmax::Classifier;
    /// let a = Classifier::<2, 3>::new([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.0; 3]);
    /// let b = Classifier::<2, 3>::from_columns([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]], [0.0; 3]);
    /// assert_eq!(a, b);
    /// ```
    #[must_use]
    pub const fn from_columns(columns: [[T; C]; F], bias: [T; C]) -> Self {
        let () = Self::SIZES_ARE_VALID;
        Self { columns, bias }
    }

    /// The all-zero model (uniform predictions), the usual start of training.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<3, 4>::zeros();
    /// assert_eq!(m.probabilities(&[1.0, 2.0, 3.0]), [0.25; 4]);
    /// ```
    #[must_use]
    pub const fn zeros() -> Self {
        Self::from_columns([[T::ZERO; C]; F], [T::ZERO; C])
    }

    /// The same model in another float type: each parameter rounded to nearest (exact from
    /// `f32` to `f64`).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a parameter does not fit the target type (beyond ±`f32::MAX`
    /// going to `f32`), rather than a model with infinite weights.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error};
    /// let wide = Classifier::<1, 2, f64>::new([[0.1], [-0.1]], [1e-3, 0.0]);
    /// let narrow: Classifier<1, 2, f32> = wide.cast()?;
    /// assert_eq!(narrow.weights(), [[0.1_f32], [-0.1]]);
    /// assert_eq!(narrow.cast::<f64>()?.bias(), &[f64::from(1e-3_f32), 0.0]);
    /// let huge = Classifier::<1, 2, f64>::new([[1e300], [0.0]], [0.0; 2]);
    /// assert_eq!(huge.cast::<f32>(), Err(Error::Overflow));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn cast<U: Float>(&self) -> Result<Classifier<F, C, U>> {
        let mut out = Classifier::<F, C, U>::zeros();
        for (o, v) in out.params_mut().zip(self.params()) {
            *o = U::from_f64(v.to_f64());
            if o.is_finite() != v.is_finite() {
                return Err(Error::Overflow);
            }
        }
        Ok(out)
    }

    /// The weights W as C rows of F (a copy; the layout [`new`](Self::new) takes).
    ///
    /// ```
    /// use tinysoftmax::Classifier;
    /// let m = Classifier::<2, 2>::new([[1.0, 2.0], [3.0, 4.0]], [0.0; 2]);
    /// assert_eq!(m.weights(), [[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(m.weights()[1][0], 3.0);
    /// ```
    #[must_use]
    pub const fn weights(&self) -> [[T; F]; C] {
        transpose(&self.columns, T::ZERO)
    }

    /// Wᵀ as F rows of C (a copy; the layout [`from_columns`](Self::from_columns) takes).
    ///
    /// ```
    /// use tinysoftmax::Classifier;
    /// let m = Classifier::<2, 2>::new([[1.0, 2.0], [3.0, 4.0]], [0.0; 2]);
    /// assert_eq!(m.columns(), [[1.0, 3.0], [2.0, 4.0]]);
    /// ```
    #[must_use]
    pub const fn columns(&self) -> [[T; C]; F] {
        self.columns
    }

    /// The weight vector of one class, row c of W.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<2, 2>::new([[1.0, 2.0], [3.0, 4.0]], [0.0; 2]);
    /// assert_eq!(m.row(Label::new(1)?), [3.0, 4.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn row(&self, class: Label<C>) -> [T; F] {
        let c = class.index();
        let mut row = [T::ZERO; F];
        for (r, column) in row.iter_mut().zip(self.columns.iter()) {
            if let Some(&w) = column.get(c) {
                *r = w;
            }
        }
        row
    }

    /// One weight, W_cf, or `None` when `feature` ≥ F.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<2, 2>::new([[1.0, 2.0], [3.0, 4.0]], [0.0; 2]);
    /// assert_eq!(m.weight(Label::new(1)?, 0), Some(3.0));
    /// assert_eq!(m.weight(Label::new(1)?, 2), None);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self, class: Label<C>, feature: usize) -> Option<T> {
        self.columns
            .get(feature)
            .and_then(|column| column.get(class.index()))
            .copied()
    }

    /// The biases, one per class.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::Classifier::<2, 2>::zeros().bias(), &[0.0; 2]);
    /// ```
    #[must_use]
    pub const fn bias(&self) -> &[T; C] {
        &self.bias
    }

    /// Both parameter arrays as stored, W feature-major (crate-internal).
    pub(crate) const fn parts(&self) -> (&[[T; C]; F], &[T; C]) {
        (&self.columns, &self.bias)
    }

    /// Both parameter arrays as stored, mutable (crate-internal: updates go through checked
    /// steps).
    pub(crate) fn parts_mut(&mut self) -> (&mut [[T; C]; F], &mut [T; C]) {
        (&mut self.columns, &mut self.bias)
    }

    /// Every parameter in storage order, for uses that do not depend on the order (maxima,
    /// element-wise updates).
    pub(crate) fn params(&self) -> impl Iterator<Item = T> + Clone + '_ {
        self.columns
            .iter()
            .flatten()
            .chain(self.bias.iter())
            .copied()
    }

    /// Every parameter, mutable, in the order of [`params`](Self::params).
    pub(crate) fn params_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.columns
            .iter_mut()
            .flatten()
            .chain(self.bias.iter_mut())
    }

    /// Every parameter in the order of the C × F rows of W, then the biases: the order of the
    /// fingerprint and of every order-dependent sum over the parameters.
    pub(crate) fn params_by_row(&self) -> impl Iterator<Item = T> + Clone + '_ {
        let columns = &self.columns;
        (0..C)
            .flat_map(move |c| {
                columns
                    .iter()
                    .filter_map(move |column| column.get(c).copied())
            })
            .chain(self.bias.iter().copied())
    }

    /// The logits z_c = Σ_f W_cf x_f + b_c.
    ///
    /// Each logit is summed in feature order, ((0 + W_c0 x_0) + W_c1 x_1) + …, and the bias is
    /// added last, without fused multiply-add, so the bits are the same on every target. The C
    /// sums advance together, one feature at a time, which the compiler can vectorise across
    /// classes without changing any sum's order.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<2, 2>::new([[1.0, 2.0], [0.0, -1.0]], [0.5, 0.0]);
    /// assert_eq!(m.logits(&[1.0, 1.0]), [3.5, -1.0]);
    /// ```
    #[must_use]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub fn logits(&self, x: &[T; F]) -> [T; C] {
        if cfg!(target_os = "none") {
            self.logits_class_by_class(x)
        } else {
            self.logits_feature_by_feature(x)
        }
    }

    /// The logits with the C sums advancing together, one feature at a time: contiguous
    /// loads, vectorised across classes where the target has SIMD.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn logits_feature_by_feature(&self, x: &[T; F]) -> [T; C] {
        let mut z = [T::ZERO; C];
        for (column, &xf) in self.columns.iter().zip(x.iter()) {
            for (zc, &w) in z.iter_mut().zip(column.iter()) {
                *zc += w * xf;
            }
        }
        for (zc, &b) in z.iter_mut().zip(self.bias.iter()) {
            *zc += b;
        }
        z
    }

    /// The same logits, bit for bit, one class at a time: each sum stays in a register while
    /// the weights are read with a stride of C, which suits scalar cores.
    pub(crate) fn logits_class_by_class(&self, x: &[T; F]) -> [T; C] {
        let mut z = self.bias;
        for (c, zc) in z.iter_mut().enumerate() {
            let mut sum = T::ZERO;
            for (column, &xf) in self.columns.iter().zip(x.iter()) {
                if let Some(&w) = column.get(c) {
                    sum += w * xf;
                }
            }
            *zc = sum + *zc;
        }
        z
    }

    /// The logits, bit for bit as [`logits`](Self::logits), and the largest |parameter|, bit
    /// for bit as `max_abs` over every weight and bias: the training step needs both. On
    /// bare-metal targets one pass over the parameters gives both (reading each weight once
    /// instead of twice saved a quarter of a step's instructions on a Cortex-M4F); on the host
    /// the maximum takes a pass of its own, which vectorises fully (see
    /// [`largest_magnitude`](Self::largest_magnitude)).
    ///
    /// The maximum is exact whenever the logits are all finite, which for a finite x they are
    /// only if every parameter is: a NaN or infinite weight makes its class's logit NaN or
    /// infinite (∞·0 is NaN, and no finite term brings ±∞ or NaN back). When a logit is not
    /// finite the maximum is not specified; the step then checks the parameters themselves.
    #[inline]
    pub(crate) fn logits_and_max_abs(&self, x: &[T; F]) -> ([T; C], T) {
        if cfg!(target_os = "none") {
            self.logits_and_max_abs_class_by_class(x)
        } else {
            self.logits_and_max_abs_feature_by_feature(x)
        }
    }

    /// [`logits_and_max_abs`](Self::logits_and_max_abs) in the order of
    /// [`logits_feature_by_feature`](Self::logits_feature_by_feature), the maximum from
    /// [`largest_magnitude`](Self::largest_magnitude).
    pub(crate) fn logits_and_max_abs_feature_by_feature(&self, x: &[T; F]) -> ([T; C], T) {
        (self.logits_feature_by_feature(x), self.largest_magnitude())
    }

    /// The largest |parameter|: [`largest_abs`] of the weights taken as one flat array (16
    /// running maxima side by side, float comparisons, which ignore NaN, as the contract of
    /// [`logits_and_max_abs`](Self::logits_and_max_abs) allows), and of the biases. A maximum
    /// does not depend on the order it is taken in, so with finite parameters this is exactly
    /// `max_abs`.
    ///
    /// Kept in the logits loop, per class beside each sum, the maximum left that loop
    /// vectorised two lanes at a time; in a pass of its own it runs four lanes at a time with
    /// four independent chains, and a (64, 10) step took 259–267 ns instead of 274–278
    /// (criterion, `bench/benches/step.rs`, x86-64, the two builds alternated). Eight running
    /// maxima (two chains) measured about 3 % slower than 16; one running maximum, or an integer
    /// comparison of the bits, does not vectorise at all.
    fn largest_magnitude(&self) -> T {
        let (weights, bias) = (
            largest_abs(self.columns.as_flattened()),
            largest_abs(&self.bias),
        );
        if bias > weights { bias } else { weights }
    }

    /// [`logits_and_max_abs`](Self::logits_and_max_abs) in the order of
    /// [`logits_class_by_class`](Self::logits_class_by_class), two classes at a time: each
    /// sum still runs in feature order, and x_f and the loop's bookkeeping serve two weights
    /// (on a Cortex-M4F this pays for most of reading max|θ| here).
    #[inline]
    pub(crate) fn logits_and_max_abs_class_by_class(&self, x: &[T; F]) -> ([T; C], T) {
        let mut key = T::Key::default();
        let mut z = self.bias;
        let mut pairs = z.chunks_exact_mut(2);
        let mut c = 0;
        for pair in &mut pairs {
            let (mut s0, mut s1) = (T::ZERO, T::ZERO);
            for (column, &xf) in self.columns.iter().zip(x.iter()) {
                if let Some([w0, w1]) = column.get(c..c + 2) {
                    s0 += *w0 * xf;
                    s1 += *w1 * xf;
                    key = key.max(w0.magnitude_key()).max(w1.magnitude_key());
                }
            }
            if let [z0, z1] = pair {
                key = key.max(z0.magnitude_key()).max(z1.magnitude_key());
                *z0 = s0 + *z0;
                *z1 = s1 + *z1;
            }
            c += 2;
        }
        for zc in pairs.into_remainder() {
            let mut sum = T::ZERO;
            for (column, &xf) in self.columns.iter().zip(x.iter()) {
                if let Some(&w) = column.get(c) {
                    sum += w * xf;
                    key = key.max(w.magnitude_key());
                }
            }
            key = key.max(zc.magnitude_key());
            *zc = sum + *zc;
        }
        (z, T::from_magnitude_key(key))
    }

    /// The logits, or the error [`logit_error`](Self::logit_error) names if one is not finite
    /// (training and the full-batch functions refuse such a sample rather than compute with ±∞).
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn finite_logits(&self, x: &[T; F]) -> Result<[T; C]> {
        self.checked_logits(self.logits(x))
    }

    /// `z`, or the error [`logit_error`](Self::logit_error) names if one of them is not finite.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn checked_logits(&self, z: [T; C]) -> Result<[T; C]> {
        if all_finite(&z).is_err() {
            return Err(self.logit_error());
        }
        Ok(z)
    }

    /// Why a logit is not finite for a finite input: [`Error::NonFiniteParameter`] when a
    /// parameter is NaN or infinite (one cause, one name, in every function), else
    /// [`Error::NonFiniteLogit`] (finite parameters and input whose logit overflowed). Called
    /// only on that error path, so the check costs nothing in a good step.
    #[cold]
    pub(crate) fn logit_error(&self) -> Error {
        if self.params().all(Float::is_finite) {
            Error::NonFiniteLogit
        } else {
            Error::NonFiniteParameter
        }
    }

    /// The class probabilities softmax(W x + b).
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let p = m.probabilities(&[0.0]);
    /// assert_eq!(p, [0.5, 0.5]);
    /// ```
    #[must_use]
    pub fn probabilities(&self, x: &[T; F]) -> [T; C] {
        let mut z = self.logits(x);
        softmax_in_place(&mut z);
        z
    }

    /// The most probable class and the class probabilities, from one computation of the
    /// logits (calling [`predict`](Self::predict) and then
    /// [`probabilities`](Self::probabilities) computes them twice). The label is exactly
    /// `predict`'s, the probabilities exactly `probabilities`'.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 3>::new([[1.0], [0.0], [-1.0]], [0.0; 3]);
    /// let (label, p) = m.predict_with_probabilities(&[2.0]);
    /// assert_eq!(label, m.predict(&[2.0]));
    /// assert_eq!(p, m.probabilities(&[2.0]));
    /// assert!(label == Label::new(0)? && p[0] > 0.8);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn predict_with_probabilities(&self, x: &[T; F]) -> (Label<C>, [T; C]) {
        let mut z = self.logits(x);
        let label = Label::from_argmax(argmax(&z));
        softmax_in_place(&mut z);
        (label, z)
    }

    /// The `K` most probable classes with their probabilities, most probable first (the lower
    /// class index first on ties). `K > C` is a compile error.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 4>::new([[1.0], [3.0], [2.0], [0.0]], [0.0; 4]);
    /// let [(first, p1), (second, p2)] = m.top_k::<2>(&[1.0]);
    /// assert_eq!((first, second), (Label::new(1)?, Label::new(2)?));
    /// assert!(p1 > p2 && p2 > m.probabilities(&[1.0])[0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    ///
    /// ```compile_fail
    /// let m = tinysoftmax::Classifier::<1, 2>::zeros();
    /// let _ = m.top_k::<3>(&[1.0]);
    /// ```
    #[must_use]
    pub fn top_k<const K: usize>(&self, x: &[T; F]) -> [(Label<C>, T); K] {
        let () = const { assert!(K <= C, "top_k needs K <= C") };
        let p = self.probabilities(x);
        let mut taken = [false; C];
        let mut out = [(Label::from_argmax(0), T::ZERO); K];
        for slot in &mut out {
            let mut best: Option<(usize, T)> = None;
            for (c, (&pc, &used)) in p.iter().zip(taken.iter()).enumerate() {
                let better = match best {
                    None => true,
                    // NaN probabilities (from NaN input) sort last.
                    Some((_, b)) => pc > b || (b.is_nan() && !pc.is_nan()),
                };
                if !used && better {
                    best = Some((c, pc));
                }
            }
            if let Some((c, pc)) = best {
                if let Some(t) = taken.get_mut(c) {
                    *t = true;
                }
                *slot = (Label::from_argmax(c), pc);
            }
        }
        out
    }

    /// The most probable class if its probability is at least `min_probability`, `None`
    /// otherwise (also for NaN input): a classifier that can say "don't know".
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0; 2]);
    /// assert_eq!(m.predict_or_reject(&[2.0], 0.9), Some(Label::new(0)?)); // p ≈ 0.98
    /// assert_eq!(m.predict_or_reject(&[0.1], 0.9), None); // p ≈ 0.55
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn predict_or_reject(&self, x: &[T; F], min_probability: T) -> Option<Label<C>> {
        let (label, p) = self.predict_with_probabilities(x);
        let confident = p
            .get(label.index())
            .is_some_and(|&pc| pc >= min_probability);
        confident.then_some(label)
    }

    /// The most probable class (the first on ties).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// assert_eq!(m.predict(&[-2.0]), Label::new(1)?);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub fn predict(&self, x: &[T; F]) -> Label<C> {
        Label::from_argmax(argmax(&self.logits(x)))
    }

    /// The most probable class of every input, written to `out` in order: `out[i]` is
    /// `predict(&xs[i])`, bit for bit the same logits. No allocation; the model's
    /// feature-major weights stay in cache across the batch. The equivalent of NumPy's
    /// `argmax(X @ W.T + b, axis=1)`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] when `xs` and `out` differ in length; `out` is then unchanged.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, Label};
    /// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let xs = [[2.0], [-3.0], [0.5]];
    /// let mut out = [Label::new(0)?; 3];
    /// m.predict_batch(&xs, &mut out)?;
    /// assert_eq!(out, [Label::new(0)?, Label::new(1)?, Label::new(0)?]);
    /// assert_eq!(m.predict_batch(&xs, &mut out[..2]), Err(Error::LengthMismatch));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn predict_batch(&self, xs: &[[T; F]], out: &mut [Label<C>]) -> Result<()> {
        if xs.len() != out.len() {
            return Err(Error::LengthMismatch);
        }
        if cfg!(target_os = "none") {
            for (x, label) in xs.iter().zip(out.iter_mut()) {
                *label = self.predict(x);
            }
            return Ok(());
        }
        predict_pairs(self, xs, out);
        Ok(())
    }

    /// `each(item, its logits, its slot)` for the items in order and the slots beside them, the
    /// logits computed two inputs at a time ([`logits_of_two`](Self::logits_of_two); a last odd
    /// one alone), bit for bit as [`logits`](Self::logits) on the host: the host's loop of
    /// [`predict_batch`](Self::predict_batch) and of the full-batch passes. The first error
    /// `each` returns stops the loop. Two at a time, a batch predict of the 1797 digits took 71
    /// to 93 µs instead of 122 µs in `f32` (`examples/speed.rs`, x86-64; the spread is code
    /// placement, from one build to the next).
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn logits_by_pairs<I, O, E>(
        &self,
        items: &[I],
        slots: &mut [O],
        features: impl Fn(&I) -> &[T; F],
        mut each: impl FnMut(&I, [T; C], &mut O) -> core::result::Result<(), E>,
    ) -> core::result::Result<(), E> {
        let (pairs, mut slot_pairs) = (items.chunks_exact(2), slots.chunks_exact_mut(2));
        let last = pairs.remainder().first();
        for (pair, slot_pair) in pairs.zip(&mut slot_pairs) {
            if let ([i0, i1], [o0, o1]) = (pair, slot_pair) {
                let (z0, z1) = self.logits_of_two(features(i0), features(i1));
                each(i0, z0, o0)?;
                each(i1, z1, o1)?;
            }
        }
        if let (Some(item), Some(slot)) = (last, slot_pairs.into_remainder().first_mut()) {
            each(item, self.logits(features(item)), slot)?;
        }
        Ok(())
    }

    /// The logits of two inputs, each bit for bit as
    /// [`logits_feature_by_feature`](Self::logits_feature_by_feature): two independent chains
    /// of additions per class, so that the host overlaps their latencies.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(crate) fn logits_of_two(&self, x0: &[T; F], x1: &[T; F]) -> ([T; C], [T; C]) {
        let mut z0 = [T::ZERO; C];
        let mut z1 = [T::ZERO; C];
        for ((column, &a), &b) in self.columns.iter().zip(x0.iter()).zip(x1.iter()) {
            for ((s0, s1), &w) in z0.iter_mut().zip(z1.iter_mut()).zip(column.iter()) {
                *s0 += w * a;
                *s1 += w * b;
            }
        }
        for ((s0, s1), &b) in z0.iter_mut().zip(z1.iter_mut()).zip(self.bias.iter()) {
            *s0 += b;
            *s1 += b;
        }
        (z0, z1)
    }

    /// The cross-entropy of one sample, −ln p_y (see [`cross_entropy`]).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::<1, 2, f64>::zeros();
    /// assert_eq!(m.loss(&[1.0], Label::new(0)?), core::f64::consts::LN_2);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn loss(&self, x: &[T; F], y: Label<C>) -> T {
        cross_entropy(&self.logits(x), y)
    }

    /// The fraction of samples whose label is predicted (0 for no samples).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Sample};
    /// let m = Classifier::<1, 2>::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let data = [Sample::new([1.0], Label::new(0)?), Sample::new([1.0], Label::new(1)?)];
    /// assert_eq!(m.accuracy(&data), 0.5);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn accuracy(&self, samples: &[Sample<F, C, T>]) -> T {
        let mut correct = 0_u32;
        let mut total = 0_u32;
        for s in samples {
            correct = correct.saturating_add(u32::from(self.predict(&s.features) == s.label));
            total = total.saturating_add(1);
        }
        if total == 0 {
            T::ZERO
        } else {
            T::from_u32(correct) / T::from_u32(total)
        }
    }

    /// ‖W‖² + ‖b‖², the squared Euclidean norm of all parameters.
    ///
    /// ```
    /// let m = tinysoftmax::Classifier::<1, 2>::new([[3.0], [0.0]], [4.0, 0.0]);
    /// assert_eq!(m.norm_squared(), 25.0);
    /// ```
    #[must_use]
    pub fn norm_squared(&self) -> T {
        let mut rows = T::ZERO;
        for c in 0..C {
            let row = self.columns.iter().filter_map(|column| column.get(c));
            rows += row.fold(T::ZERO, |acc, &w| acc + w * w);
        }
        rows + dot(&self.bias, &self.bias)
    }

    /// A 64-bit FNV-1a hash of the parameters' bits, weights row by row then biases.
    ///
    /// Two models have the same fingerprint when their parameters are (almost surely)
    /// bit-identical: the way to compare a model trained on a device with one trained on the
    /// host.
    ///
    /// ```
    /// use tinysoftmax::Classifier;
    /// let a = Classifier::<2, 2>::zeros();
    /// let b = Classifier::<2, 2>::new([[0.0, -0.0], [0.0, 0.0]], [0.0, 0.0]);
    /// assert_ne!(a.fingerprint(), b.fingerprint()); // −0.0 and 0.0 differ in their bits
    /// assert_eq!(a.fingerprint(), Classifier::<2, 2>::zeros().fingerprint());
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        self.params_by_row().fold(FNV_OFFSET, |hash, v| {
            fnv1a(hash, &v.to_bits_u64().to_le_bytes())
        })
    }
}

dispatched! {
    /// [`Classifier::predict_batch`] on the host, for `xs` and `out` of the same length.
    fn predict_pairs(model: &Classifier<F, C, T>, xs: &[[T; F]], out: &mut [Label<C>]) {
        let Ok(()) = model.logits_by_pairs(xs, out, |x| x, |_, z, label| {
            *label = Label::from_argmax(argmax(&z));
            Ok::<(), core::convert::Infallible>(())
        });
    }
}

impl<const F: usize, T: Float> Classifier<F, 2, T> {
    /// A two-class model from a binary logistic regression p(1 | x) = σ(w·x + b), such as
    /// scikit-learn's binary `LogisticRegression` (`coef_[0]`, `intercept_[0]`): class 0 gets
    /// the zero row and bias, class 1 gets (w, b), so the logit gap is w·x + b and the
    /// probabilities are (1 − σ, σ).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label};
    /// let m = Classifier::from_binary([2.0_f64, -1.0], 0.5);
    /// let p = m.probabilities(&[1.0, 1.0]);
    /// let sigma = 1.0 / (1.0 + (-1.5_f64).exp());
    /// assert!((p[1] - sigma).abs() < 1e-15);
    /// assert_eq!(m.predict(&[1.0, 1.0]), Label::new(1)?);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn from_binary(w: [T; F], b: T) -> Self {
        let mut columns = [[T::ZERO; 2]; F];
        let mut f = 0;
        while f < F {
            columns[f][1] = w[f];
            f += 1;
        }
        Self::from_columns(columns, [T::ZERO, b])
    }
}

/// W row by row, then b, one line: `W = [[w00, w01], [w10, w11]], b = [b0, b1]`.
///
/// ```
/// let m = tinysoftmax::Classifier::<2, 2>::new([[1.0, 2.0], [3.0, 4.5]], [0.0, -1.0]);
/// assert_eq!(m.to_string(), "W = [[1, 2], [3, 4.5]], b = [0, -1]");
/// ```
impl<const F: usize, const C: usize, T: Float + core::fmt::Display> core::fmt::Display
    for Classifier<F, C, T>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("W = [")?;
        for c in 0..C {
            f.write_str(if c == 0 { "[" } else { ", [" })?;
            for (i, column) in self.columns.iter().enumerate() {
                if let Some(w) = column.get(c) {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{w}")?;
                }
            }
            f.write_str("]")?;
        }
        f.write_str("], b = [")?;
        for (c, b) in self.bias.iter().enumerate() {
            if c > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{b}")?;
        }
        f.write_str("]")
    }
}

/// The start value of a 64-bit FNV-1a hash.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues a 64-bit FNV-1a hash over `bytes`.
pub(crate) fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(hash, |h, &byte| (h ^ u64::from(byte)).wrapping_mul(PRIME))
}

/// The transpose of an R × K matrix (`zero` fills the output before it is overwritten).
const fn transpose<T: Copy, const R: usize, const K: usize>(
    m: &[[T; K]; R],
    zero: T,
) -> [[T; R]; K] {
    let mut out = [[zero; R]; K];
    let mut i = 0;
    while i < R {
        let mut j = 0;
        while j < K {
            out[j][i] = m[i][j];
            j += 1;
        }
        i += 1;
    }
    out
}

/// Σ a_i b_i in index order.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(crate) fn dot<T: Float, const N: usize>(a: &[T; N], b: &[T; N]) -> T {
    a.iter()
        .zip(b.iter())
        .fold(T::ZERO, |acc, (&ai, &bi)| acc + ai * bi)
}

/// `Ok` if every logit is finite, else [`Error::NonFiniteLogit`] (training and the full-batch
/// functions refuse such a sample rather than compute with ±∞).
#[inline]
pub(crate) fn all_finite<T: Float, const C: usize>(z: &[T; C]) -> Result<()> {
    if z.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFiniteLogit)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::rng::SplitMix64;

    /// A value with a random sign, exponent in [2^-30, 2^30] and mantissa, zero 1 time in 16.
    fn random(rng: &mut SplitMix64) -> f32 {
        let bits = rng.next_u64();
        if bits.trailing_zeros() >= 4 {
            return if bits & 0x10 == 0 { 0.0 } else { -0.0 };
        }
        let exponent = ((bits >> 8) % 61) as i32 - 30;
        let mantissa = 1.0 + ((bits >> 32) as u32 >> 9) as f32 / (1 << 23) as f32;
        let sign = if bits & 0x20 == 0 { 1.0 } else { -1.0 };
        sign * mantissa * 2.0_f32.powi(exponent)
    }

    /// The definition: each logit a dot product of row c with x in feature order, plus b_c.
    fn reference<const F: usize, const C: usize>(m: &Classifier<F, C>, x: &[f32; F]) -> [f32; C] {
        let rows = m.weights();
        let mut z = *m.bias();
        for (zc, row) in z.iter_mut().zip(rows.iter()) {
            *zc += dot(row, x);
        }
        z
    }

    fn check_paths<const F: usize, const C: usize>(seed: u64) {
        let mut rng = SplitMix64::new(seed);
        for _ in 0..200 {
            let weights = [[0.0; F]; C].map(|row| row.map(|_: f32| random(&mut rng)));
            let bias = [0.0; C].map(|_: f32| random(&mut rng));
            let m = Classifier::new(weights, bias);
            let x = [0.0; F].map(|_: f32| random(&mut rng));
            let want = reference(&m, &x).map(f32::to_bits);
            assert_eq!(m.logits_feature_by_feature(&x).map(f32::to_bits), want);
            // The batch's two chains side by side: each input's own bits.
            let other = [0.0; F].map(|_: f32| random(&mut rng));
            let (a, b) = m.logits_of_two(&x, &other);
            assert_eq!(a.map(f32::to_bits), want);
            assert_eq!(b.map(f32::to_bits), reference(&m, &other).map(f32::to_bits));
            assert_eq!(m.logits_class_by_class(&x).map(f32::to_bits), want);
            assert_eq!(m.logits(&x).map(f32::to_bits), want);
            // The step's pass: the same logits, and the largest |parameter| (all finite here).
            let theta = m.params().map(f32::abs).fold(0.0, f32::max).to_bits();
            for (z, max) in [
                m.logits_and_max_abs_feature_by_feature(&x),
                m.logits_and_max_abs_class_by_class(&x),
                m.logits_and_max_abs(&x),
            ] {
                assert_eq!((z.map(f32::to_bits), max.to_bits()), (want, theta));
            }
        }
    }

    /// Both loop orders (the host's and the microcontrollers') give the definition's bits,
    /// signed zeros included: the layout does not change a single logit.
    #[test]
    fn both_loop_orders_give_the_same_bits() {
        check_paths::<4, 3>(1);
        check_paths::<64, 10>(2);
        check_paths::<7, 2>(3);
        check_paths::<1, 17>(4);
    }

    /// The contract that lets the host's pass ignore NaN in its maximum: for a finite x, a
    /// NaN or infinite parameter anywhere (zero features and opposite infinities included)
    /// leaves some logit non-finite, on both loop orders.
    #[test]
    fn a_non_finite_parameter_always_shows_in_the_logits() {
        let mut rng = SplitMix64::new(6);
        let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        let rounds = if cfg!(miri) { 60 } else { 600 };
        for round in 0..rounds {
            let mut m = Classifier::<5, 3>::new(
                [[0.0; 5]; 3].map(|row| row.map(|_: f32| random(&mut rng))),
                [0.0; 3].map(|_: f32| random(&mut rng)),
            );
            let x = [0.0; 5].map(|_: f32| {
                let v = random(&mut rng);
                if rng.next_u64().is_multiple_of(3) {
                    0.0
                } else {
                    v
                }
            });
            // One to three parameters replaced by specials, at random places.
            for _ in 0..=(round % 3) {
                let special = specials[(rng.next_u64() % 3) as usize];
                let k = (rng.next_u64() % 18) as usize;
                if let Some(p) = m.params_mut().nth(k) {
                    *p = special;
                }
            }
            for (z, _) in [
                m.logits_and_max_abs_feature_by_feature(&x),
                m.logits_and_max_abs_class_by_class(&x),
            ] {
                assert!(z.iter().any(|v| !v.is_finite()), "{z:?}");
            }
        }
    }

    #[test]
    fn batch_predictions_are_the_single_predictions() {
        let mut rng = SplitMix64::new(5);
        let weights = [[0.0; 8]; 10].map(|row| row.map(|_: f32| random(&mut rng)));
        let m = Classifier::new(weights, [0.0; 10].map(|_: f32| random(&mut rng)));
        let xs: [[f32; 8]; 7] = core::array::from_fn(|_| [0.0; 8].map(|_| random(&mut rng)));
        let mut out = [Label::new(0).unwrap(); 7];
        // Every length, even and odd: the pairs and the last input alone.
        for n in 0..=7 {
            let mut part = [Label::new(0).unwrap(); 7];
            m.predict_batch(&xs[..n], &mut part[..n]).unwrap();
            let single: std::vec::Vec<_> = xs[..n].iter().map(|x| m.predict(x)).collect();
            assert_eq!(part[..n], single[..]);
        }
        m.predict_batch(&xs, &mut out).unwrap();
        assert_eq!(out, xs.map(|x| m.predict(&x)));
        let before = out;
        assert_eq!(
            m.predict_batch(&xs, &mut out[1..]),
            Err(Error::LengthMismatch)
        );
        assert_eq!(out, before);
    }

    #[test]
    fn row_order_and_storage_order_agree() {
        let m = Classifier::<2, 3>::new([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [7.0, 8.0, 9.0]);
        let by_row: std::vec::Vec<f32> = m.params_by_row().collect();
        assert_eq!(by_row, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let stored: std::vec::Vec<f32> = m.params().collect();
        assert_eq!(stored, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0, 7.0, 8.0, 9.0]);
    }
}
