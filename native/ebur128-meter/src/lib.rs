//! The exports adapters/loudness.ts calls. The caller reserves room for its samples with `reserve`, writes
//! them there, and calls `measure_mono`, which feeds them to the crate in one call (the crate's own block
//! processing) for the integrated loudness, and finds the true peak with the crate's interpolator, run only where
//! a point between samples could rise above the sample peak (`true_peak_4x`).

use core::f64::consts::PI;
use ebur128::{EbuR128, Mode};

/// Room for `samples` f32 samples, kept by the module for the next `measure_mono` (grown, never shrunk); 0 when
/// the memory cannot grow that far.
#[no_mangle]
pub extern "C" fn reserve(samples: usize) -> *mut f32 {
    // SAFETY: the module runs on one thread (each JS thread instantiates its own), so nothing else holds BUFFER.
    let buffer = unsafe { &mut *core::ptr::addr_of_mut!(BUFFER) };
    if buffer.capacity() < samples && buffer.try_reserve_exact(samples - buffer.len()).is_err() {
        return core::ptr::null_mut();
    }
    buffer.as_mut_ptr()
}

static mut BUFFER: Vec<f32> = Vec::new();
static mut RESULT: [f64; 2] = [0.0; 2];

/// Where `measure_mono` writes its two figures: the integrated loudness (LUFS; -inf for silence) and the true
/// peak (linear, 1.0 = full scale).
#[no_mangle]
pub extern "C" fn result() -> *const f64 {
    core::ptr::addr_of!(RESULT) as *const f64
}

/// Measures the first `samples` samples written at `reserve`'s address, mono at `rate` Hz. Returns 0, or 1 when
/// the crate refuses the rate, 2 when more samples are asked for than were reserved, 3 when it fails on the
/// samples.
#[no_mangle]
pub extern "C" fn measure_mono(rate: u32, samples: usize) -> u32 {
    // SAFETY: one thread (above); `samples` is checked against the capacity the caller had reserved and filled.
    let buffer = unsafe { &*core::ptr::addr_of!(BUFFER) };
    if samples > buffer.capacity() {
        return 2;
    }
    let data = unsafe { core::slice::from_raw_parts(buffer.as_ptr(), samples) };
    // Below 96 kHz the crate oversamples 4× with 12 taps a phase; there the true peak is found by `true_peak_4x`,
    // and the crate meters the loudness alone. Higher rates (2× or none) keep the crate's own true peak.
    let fast = rate < 96_000;
    let mode = if fast { Mode::I } else { Mode::I | Mode::TRUE_PEAK };
    let mut meter = match EbuR128::new(1, rate, mode) {
        Ok(meter) => meter,
        Err(_) => return 1,
    };
    if meter.add_frames_f32(data).is_err() {
        return 3;
    }
    let peak = if fast { Ok(true_peak_4x(data)) } else { meter.true_peak(0) };
    let (Ok(integrated), Ok(peak)) = (meter.loudness_global(), peak) else {
        return 3;
    };
    unsafe { *core::ptr::addr_of_mut!(RESULT) = [integrated, peak] };
    0
}

/// Inputs each interpolated point depends on at 4× (48 taps in 4 phases).
const TAPS_4X: usize = 12;

/// The crate's true-peak interpolator below 96 kHz (its src/interp.rs, which it keeps private): 48 Hann-windowed
/// sinc taps, `taps[k][p]` weighing the sample `k` places back for the point `p` quarters after the newest one,
/// computed as the crate computes them.
fn taps_4x() -> [[f32; 4]; TAPS_4X] {
    let mut taps = [[0f32; 4]; TAPS_4X];
    for j in 0..48 {
        let w = 0.5 * (1.0 - f64::cos(2.0 * PI * j as f64 / 48.0));
        let m = j as f64 - 24.0;
        taps[j / 4][j % 4] = if m.abs() > 0.000001 { w * f64::sin(m * PI / 4.0) / (m * PI / 4.0) } else { w } as f32;
    }
    taps
}

/// The crate's true peak below 96 kHz, the same figure to the bit, for a fraction of its work. The crate's answer
/// is the larger of the sample peak and every interpolated point, each point a weighted sum of the last 12 samples
/// (f32, newest first). So a point is at most `bound` (the largest sum of |taps| of a phase) times the largest of
/// those 12, and where all 12 are at most the sample peak ÷ `bound` no point can exceed the sample peak. Points
/// are computed only within 12 samples after a sample above that level, as the crate computes them.
fn true_peak_4x(data: &[f32]) -> f64 {
    let mut best = 0f32;
    for &x in data {
        let a = x.abs();
        if a > best {
            best = a;
        }
    }
    let taps = taps_4x();
    let bound = (0..4).map(|p| taps.iter().map(|t| (t[p] as f64).abs()).sum::<f64>()).fold(0.0, f64::max);
    // Over the bound by far more than the f32 sums can be off (12 terms, each within 2^-24 of exact).
    let level = (best as f64 / (bound * (1.0 + 1e-4))) as f32;
    let mut hot_until = 0; // points before this index have a sample above `level` among their 12
    for (n, &x) in data.iter().enumerate() {
        if x.abs() > level {
            hot_until = n + TAPS_4X;
        }
        if n >= hot_until {
            continue;
        }
        let mut points = [0f32; 4];
        for (k, tap) in taps.iter().enumerate().take(n + 1) {
            let x = data[n - k];
            for (point, weight) in points.iter_mut().zip(tap) {
                *point += x * weight;
            }
        }
        for point in points {
            if point.abs() > best {
                best = point.abs();
            }
        }
    }
    best as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's own true peak, over every point.
    fn crate_true_peak(data: &[f32], rate: u32) -> f64 {
        let mut meter = EbuR128::new(1, rate, Mode::TRUE_PEAK).unwrap();
        meter.add_frames_f32(data).unwrap();
        meter.true_peak(0).unwrap()
    }

    #[test]
    fn equals_the_crates_true_peak_to_the_bit() {
        let mut seed = 7u32;
        let mut random = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
        };
        let n = 48_000;
        let signals: Vec<Vec<f32>> = vec![
            (0..n).map(|_| 0.8 * random()).collect(),
            // Alternating samples under a louder click: the points between them rise over the click.
            (0..n).map(|i| if i == 100 { 0.9 } else if (20_000..20_040).contains(&i) { if i % 2 == 0 { 0.8 } else { -0.8 } } else { 0.01 * random() }).collect(),
            (0..n).map(|i| (if (i / 7) % 2 == 0 { 1.0 } else { -1.0 }) * if i % 1000 < 900 { 1.0 } else { 0.3 }).collect(),
            (0..n).map(|i| 0.5 * f32::sin(i as f32 * 2.9) * f32::sin(i as f32 / 900.0).abs()).collect(),
            vec![0.0; n],
            vec![-0.25],
            vec![],
        ];
        for rate in [16_000, 22_050, 24_000, 44_100, 48_000] {
            for (i, x) in signals.iter().enumerate() {
                assert_eq!(true_peak_4x(x).to_bits(), crate_true_peak(x, rate).to_bits(), "signal {i} at {rate} Hz");
            }
        }
    }
}
