//! The binary format (`src/format.rs`): the documented layout byte for byte, bit-identical round
//! trips of every kind, one named error for every kind of bad input (with the destination left
//! untouched), and a resumed training run that matches an uninterrupted one.
#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed expectation is the failure report"
)]

use tinysoftmax::Objective;
use tinysoftmax::average::{Averaged, Weighting};
use tinysoftmax::format::{CHECKSUM_LEN, Checkpoint, HEADER_LEN, Record};
use tinysoftmax::optim::{Momentum, Schedule, Sgd, SgdState};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Error, Label, Sample, SplitMix64, Standardizer};

/// CRC-32/ISO-HDLC bit by bit, from its definition (reflected polynomial 0xEDB88320, initial
/// value and final XOR 0xFFFFFFFF): independent of the `crc` crate the library uses.
fn crc32_reference(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn reference_crc_matches_the_standard_check_value() {
    // The catalogue's check value of CRC-32/ISO-HDLC.
    assert_eq!(crc32_reference(b"123456789"), 0xCBF4_3926);
}

/// Replaces the record's checksum by the correct one for its (edited) bytes.
fn reseal(record: &mut [u8]) {
    let end = record.len() - CHECKSUM_LEN;
    let crc = crc32_reference(&record[..end]);
    record[end..].copy_from_slice(&crc.to_le_bytes());
}

fn encode<R: Record>(value: &R) -> Vec<u8> {
    let mut buf = vec![0_u8; R::ENCODED_LEN];
    assert_eq!(value.encode(&mut buf).unwrap(), R::ENCODED_LEN);
    buf
}

/// The documented layout, written out by hand from the table: a model whose weights differ in
/// every position, so a transposed W would not match.
#[test]
fn a_model_is_encoded_exactly_as_documented() {
    let model = Classifier::<2, 3>::new([[1.0, 2.0], [3.0, 4.0], [5.0, -0.0]], [0.5, -0.25, 8.0]);
    let mut want = Vec::new();
    want.extend_from_slice(b"TSMX");
    want.extend_from_slice(&1_u16.to_le_bytes());
    want.push(1); // kind: model
    want.push(4); // element: f32
    want.extend_from_slice(&2_u32.to_le_bytes()); // F
    want.extend_from_slice(&3_u32.to_le_bytes()); // C
    want.extend_from_slice(&36_u32.to_le_bytes()); // P = (3·2 + 3)·4
    for v in [1.0_f32, 2.0, 3.0, 4.0, 5.0, -0.0, 0.5, -0.25, 8.0] {
        want.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    let crc = crc32_reference(&want);
    want.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(encode(&model), want);
    assert_eq!(
        Classifier::<2, 3>::ENCODED_LEN,
        HEADER_LEN + 36 + CHECKSUM_LEN
    );
}

#[test]
fn an_f64_standardiser_is_encoded_exactly_as_documented() {
    let mut s = Standardizer::<2, f64>::new();
    s.update(&[1.0, -3.0]).unwrap();
    s.update(&[2.0, 5.0]).unwrap();
    let mut want = Vec::new();
    want.extend_from_slice(b"TSMX\x01\x00\x02\x08");
    want.extend_from_slice(&2_u32.to_le_bytes());
    want.extend_from_slice(&0_u32.to_le_bytes());
    want.extend_from_slice(&36_u32.to_le_bytes()); // 4 + 2·2·8
    want.extend_from_slice(&2_u32.to_le_bytes()); // count
    // Welford by hand: means 1.5 and 1; M2 = 0.5 and 32.
    for v in [1.5_f64, 1.0, 0.5, 32.0] {
        want.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    let crc = crc32_reference(&want);
    want.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(encode(&s), want);
}

#[test]
fn iris_sized_records_have_the_documented_lengths() {
    assert_eq!(Classifier::<4, 3>::ENCODED_LEN, 84);
    assert_eq!(Checkpoint::<4, 3>::ENCODED_LEN, 196);
    assert_eq!(
        Checkpoint::<4, 3, f64>::PAYLOAD_LEN,
        (4 + 64) + 120 + (4 + 8 + 120) + 8
    );
    assert_eq!(Averaged::<4, 3>::ENCODED_LEN, 24 + 8 + 2 * 60);
}

/// A random finite value of any magnitude and sign, with signed zeros and subnormals.
fn random_f32(rng: &mut SplitMix64) -> f32 {
    loop {
        let v = f32::from_bits((rng.next_u64() >> 32) as u32);
        if v.is_finite() {
            return v;
        }
    }
}

fn random_model(rng: &mut SplitMix64) -> Classifier<5, 3> {
    let rows = [[0.0_f32; 5]; 3].map(|row| row.map(|_| random_f32(rng)));
    Classifier::new(rows, [0.0; 3].map(|_: f32| random_f32(rng)))
}

/// A short training run with Nesterov momentum and clipping: a trainer whose state has every
/// field in use.
fn trained(
    seed: u64,
    epochs: u32,
) -> (
    Trainer<5, 3>,
    Classifier<5, 3>,
    Standardizer<5>,
    Vec<Sample<5, 3>>,
    SplitMix64,
) {
    let mut rng = SplitMix64::new(seed);
    let mut standardizer = Standardizer::new();
    let mut data = Vec::new();
    for i in 0..40_u32 {
        let x = [0.0_f32; 5].map(|_| (rng.below(2000) as f32 - 1000.0) / 100.0);
        standardizer.update(&x).unwrap();
        data.push((x, (i % 3) as usize));
    }
    let mut samples: Vec<Sample<5, 3>> = data
        .iter()
        .map(|(x, y)| Sample::new(standardizer.transform(x), Label::new(*y).unwrap()))
        .collect();
    let mut trainer = Trainer::new(sgd(), objective()).unwrap();
    let mut model = Classifier::zeros();
    for _ in 0..epochs {
        trainer.epoch(&mut model, &mut samples, &mut rng).unwrap();
    }
    (trainer, model, standardizer, samples, rng)
}

fn objective() -> Objective<3> {
    Objective::new(0.01).unwrap()
}

fn sgd() -> Sgd<f32> {
    Sgd::new(0.3)
        .and_then(|s| s.with_momentum(Momentum::Nesterov(0.9)))
        .and_then(|s| s.with_schedule(Schedule::InverseTime))
        .and_then(|s| s.with_clip_norm(2.0))
        .unwrap()
}

#[test]
fn every_kind_round_trips_bit_for_bit() {
    let mut rng = SplitMix64::new(11);
    for _ in 0..200 {
        let m = random_model(&mut rng);
        let bytes = encode(&m);
        let back = Classifier::<5, 3>::decode(&bytes).unwrap();
        assert_eq!(back.fingerprint(), m.fingerprint());
        assert_eq!(encode(&back), bytes);
    }
    let m64 =
        Classifier::<2, 2, f64>::new([[f64::MIN_POSITIVE / 3.0, -0.0], [1e300, -1.0]], [0.1, 0.2]);
    assert_eq!(
        Classifier::<2, 2, f64>::decode(&encode(&m64))
            .unwrap()
            .fingerprint(),
        m64.fingerprint()
    );

    let (trainer, model, standardizer, _, rng) = trained(5, 3);
    let state = trainer.state().clone();
    assert!(state.steps() == 120);
    let back = SgdState::<5, 3>::decode(&encode(&state)).unwrap();
    assert_eq!(encode(&back), encode(&state));
    assert_eq!(back, state);
    assert_eq!(
        Standardizer::<5>::decode(&encode(&standardizer)).unwrap(),
        standardizer
    );

    let mut avg = Averaged::<5, 3>::new(Weighting::Linear);
    let mut r = SplitMix64::new(3);
    for _ in 0..50 {
        avg.update(&random_model(&mut r));
    }
    let back = Averaged::<5, 3>::decode(&encode(&avg)).unwrap();
    assert_eq!(encode(&back), encode(&avg));

    let checkpoint = Checkpoint::new(standardizer, model, state, rng);
    let back = Checkpoint::<5, 3>::decode(&encode(&checkpoint)).unwrap();
    assert_eq!(back, checkpoint);
}

/// Resuming from a decoded checkpoint continues the run bit for bit, momentum, schedule and
/// shuffling included.
#[test]
fn a_resumed_run_matches_the_uninterrupted_one() {
    let (mut trainer, mut model, standardizer, mut samples, mut rng) = trained(21, 7);
    let bytes = encode(&Checkpoint::new(
        standardizer,
        model.clone(),
        trainer.state().clone(),
        rng.clone(),
    ));
    let mut resumed_samples = samples.clone();
    for _ in 0..13 {
        trainer.epoch(&mut model, &mut samples, &mut rng).unwrap();
    }
    let saved = Checkpoint::<5, 3>::decode(&bytes).unwrap();
    let (mut model2, mut rng2) = (saved.model, saved.rng);
    let mut trainer2 = Trainer::from_state(sgd(), objective(), saved.state).unwrap();
    for _ in 0..13 {
        trainer2
            .epoch(&mut model2, &mut resumed_samples, &mut rng2)
            .unwrap();
    }
    assert_eq!(model2.fingerprint(), model.fingerprint());
    assert_eq!(encode(trainer2.state()), encode(trainer.state()));
    assert_eq!(rng2, rng);
    // A fresh trainer (zero momentum, step 0) would not: the state matters.
    let mut fresh = Trainer::from_state(sgd(), objective(), SgdState::new()).unwrap();
    let mut model3 = Checkpoint::<5, 3>::decode(&bytes).unwrap().model;
    let mut rng3 = Checkpoint::<5, 3>::decode(&bytes).unwrap().rng;
    let mut samples3 = Checkpoint::<5, 3>::decode(&bytes)
        .map(|_| resumed_samples.clone())
        .unwrap();
    fresh.epoch(&mut model3, &mut samples3, &mut rng3).unwrap();
    assert_ne!(model3.fingerprint(), model2.fingerprint());
}

/// Decodes `bytes` into a model that is not zero and checks the error and that the model did
/// not change.
fn rejects(bytes: &[u8], want: Error) {
    let mut model = Classifier::<2, 3>::new([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [7.0, 8.0, 9.0]);
    let before = encode(&model);
    assert_eq!(model.decode_into(bytes), Err(want));
    assert_eq!(encode(&model), before);
}

fn sample_record() -> Vec<u8> {
    encode(&Classifier::<2, 3>::new(
        [[0.5, -1.5], [2.0, 0.0], [-0.0, 3.0]],
        [1.0, -1.0, 0.25],
    ))
}

#[test]
fn each_header_problem_has_its_own_error() {
    let good = sample_record();
    let mut bad = good.clone();
    bad[0] = b'X';
    rejects(&bad, Error::BadMagic);
    let mut bad = good.clone();
    bad[4] = 2;
    rejects(&bad, Error::UnsupportedVersion);
    for (offset, value, want) in [
        (6, 2, Error::WrongKind),
        (7, 8, Error::WrongElementType),
        (8, 3, Error::WrongFeatureCount),
        (12, 2, Error::WrongClassCount),
    ] {
        let mut bad = good.clone();
        bad[offset] = value;
        reseal(&mut bad);
        rejects(&bad, want);
    }
    // An intact record whose header claims 4 more payload bytes than a 2 × 3 model has.
    let mut bad = good[..good.len() - CHECKSUM_LEN].to_vec();
    bad[16] += 4;
    bad.extend_from_slice(&[0; 4 + CHECKSUM_LEN]);
    reseal(&mut bad);
    rejects(&bad, Error::PayloadLength);
    // The same shape checks through the other types.
    assert_eq!(
        Classifier::<2, 3, f64>::decode(&good).err(),
        Some(Error::WrongElementType)
    );
    assert_eq!(
        Classifier::<3, 3>::decode(&good).err(),
        Some(Error::WrongFeatureCount)
    );
    assert_eq!(
        Classifier::<2, 2>::decode(&good).err(),
        Some(Error::WrongClassCount)
    );
    assert_eq!(
        SgdState::<2, 3>::decode(&good).err(),
        Some(Error::WrongKind)
    );
    assert_eq!(
        Checkpoint::<2, 3>::decode(&good).err(),
        Some(Error::WrongKind)
    );
}

#[test]
fn every_truncation_is_reported() {
    let good = sample_record();
    for len in 0..good.len() {
        rejects(&good[..len], Error::Truncated);
    }
    // Trailing bytes (a record in a larger slot) are ignored.
    let mut longer = good.clone();
    longer.extend_from_slice(&[0xFF; 13]);
    assert!(Classifier::<2, 3>::decode(&longer).is_ok());
}

/// Every single-bit error anywhere in the record is caught: by the magic or version check
/// where those bytes are hit, by the length check when the payload length grows, otherwise by
/// the checksum (CRC-32 detects every 1-bit error).
#[test]
fn every_single_bit_flip_is_detected() {
    let good = sample_record();
    let mut flips = 0;
    for byte in 0..good.len() {
        for bit in 0..8 {
            let mut bad = good.clone();
            bad[byte] ^= 1 << bit;
            // The payload length decides where the checksum is read: a larger one runs past
            // the end (truncated), a smaller one reads a checksum from the payload (bad).
            let want = match byte {
                0..4 => Error::BadMagic,
                4..6 => Error::UnsupportedVersion,
                16 if bad[16] > good[16] => Error::Truncated,
                17..20 => Error::Truncated,
                _ => Error::BadChecksum,
            };
            let mut model = Classifier::<2, 3>::zeros();
            assert_eq!(model.decode_into(&bad), Err(want), "byte {byte} bit {bit}");
            assert_eq!(model, Classifier::zeros());
            flips += 1;
        }
    }
    assert_eq!(flips, 8 * 60);
}

#[test]
fn non_finite_and_out_of_range_values_are_rejected() {
    let good = sample_record();
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for position in [0, 8] {
            let mut bad = good.clone();
            let at = HEADER_LEN + 4 * position;
            bad[at..at + 4].copy_from_slice(&v.to_bits().to_le_bytes());
            reseal(&mut bad);
            rejects(&bad, Error::NonFiniteValue);
        }
    }

    // A standardiser with a negative sum of squares.
    let mut s = Standardizer::<2>::new();
    s.update(&[1.0, 2.0]).unwrap();
    s.update(&[2.0, 2.0]).unwrap();
    let mut bad = encode(&s);
    let at = HEADER_LEN + 4 + 8; // M2 of feature 0
    bad[at..at + 4].copy_from_slice(&(-0.5_f32).to_bits().to_le_bytes());
    reseal(&mut bad);
    let mut dest = Standardizer::<2>::new();
    assert_eq!(dest.decode_into(&bad), Err(Error::InvalidField));
    assert_eq!(dest, Standardizer::new());

    // SGD state whose velocity bound is below a velocity: a step would trust a false bound.
    let (trainer, ..) = trained(2, 1);
    let mut bad = encode(trainer.state());
    bad[HEADER_LEN + 4..HEADER_LEN + 8].copy_from_slice(&0.0_f32.to_bits().to_le_bytes());
    reseal(&mut bad);
    let mut dest = SgdState::<5, 3>::new();
    assert_eq!(dest.decode_into(&bad), Err(Error::InvalidField));
    assert_eq!(dest, SgdState::new());

    // An average with an unknown weighting.
    let mut bad = encode(&Averaged::<2, 3>::new(Weighting::Uniform));
    bad[HEADER_LEN + 4] = 2;
    reseal(&mut bad);
    let mut dest = Averaged::<2, 3>::new(Weighting::Linear);
    assert_eq!(dest.decode_into(&bad), Err(Error::InvalidField));
    assert_eq!(dest, Averaged::new(Weighting::Linear));
}

#[test]
fn a_checkpoint_decodes_all_or_nothing() {
    let (trainer, model, standardizer, _, rng) = trained(8, 2);
    let checkpoint = Checkpoint::new(standardizer, model, trainer.state().clone(), rng);
    let good = encode(&checkpoint);
    // +∞ in the last velocity: everything before it decodes, but nothing may be kept.
    let mut bad = good.clone();
    let at = good.len() - CHECKSUM_LEN - 8 - 4;
    bad[at..at + 4].copy_from_slice(&f32::INFINITY.to_bits().to_le_bytes());
    reseal(&mut bad);
    let mut dest = Checkpoint::<5, 3>::new(
        Standardizer::new(),
        Classifier::zeros(),
        SgdState::new(),
        SplitMix64::new(0),
    );
    let before = dest.clone();
    assert_eq!(dest.decode_into(&bad), Err(Error::NonFiniteValue));
    assert_eq!(dest, before);
    assert_eq!(dest.decode_into(&good), Ok(Checkpoint::<5, 3>::ENCODED_LEN));
    assert_eq!(dest, checkpoint);
}
