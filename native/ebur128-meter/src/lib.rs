//! The exports adapters/loudness.ts calls. The caller reserves room for its samples with `reserve`, writes
//! them there, and calls `measure_mono`, which feeds them to the crate in one call (the crate's own block
//! processing), so a narration costs one pass over its samples.

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
    let mut meter = match EbuR128::new(1, rate, Mode::I | Mode::TRUE_PEAK) {
        Ok(meter) => meter,
        Err(_) => return 1,
    };
    if meter.add_frames_f32(data).is_err() {
        return 3;
    }
    let (Ok(integrated), Ok(peak)) = (meter.loudness_global(), meter.true_peak(0)) else {
        return 3;
    };
    unsafe { *core::ptr::addr_of_mut!(RESULT) = [integrated, peak] };
    0
}
