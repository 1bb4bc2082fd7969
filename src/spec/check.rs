//! Checks the command line and figure files share: windows, axis values in the run's
//! precision, how finely an axis may be cut, and whether a grid fits in memory.

use super::{Axis, Precision};
use crate::error::Error;

/// Refuses a window `[x_lo, x_hi, y_lo, y_hi]` that is not finite in f32 or has an empty
/// side.
pub fn check_window(flag: &str, d: [f64; 4]) -> Result<(), Error> {
    if d.iter().any(|v| !(v.is_finite() && (*v as f32).is_finite())) {
        return Err(Error::input(flag, format!("bounds {d:?} must be finite f32 numbers")));
    }
    for (axis, lo, hi) in [("x", d[0], d[1]), ("y", d[2], d[3])] {
        if (lo as f32) >= (hi as f32) {
            return Err(Error::input(
                flag,
                format!("{axis} window {lo}:{hi} is empty; the low bound must be below the high bound"),
            ));
        }
    }
    Ok(())
}

/// Refuses an axis whose cell values do not fit in f32, or whose neighbouring cells the
/// run's `precision` cannot tell apart.
pub fn check_values(flag: &str, axis: &Axis, precision: Precision) -> Result<(), Error> {
    if axis.centres().iter().any(|c| !c.is_finite()) {
        return Err(Error::input(
            flag,
            format!("`{}:{}:{}` has values that do not fit in f32", axis.param, axis.lo, axis.hi),
        ));
    }
    match precision {
        Precision::F32 => check_resolution(flag, axis),
        Precision::F64 => check_resolution_f64(flag, axis),
    }
}

/// Refuses an axis whose neighbouring cell centres are closer than 8 f64 units in the last
/// place (for f64 runs).
pub fn check_resolution_f64(flag: &str, axis: &Axis) -> Result<(), Error> {
    let ulp = |v: f64| f64::from_bits(v.abs().to_bits() + 1) - v.abs();
    for i in 1..axis.cells {
        let (a, b) = (axis.value_at(i as f64 - 0.5), axis.value_at(i as f64 + 0.5));
        if (b - a).abs() < 8.0 * ulp(a).max(ulp(b)) {
            return Err(Error::input(
                flag,
                format!(
                    "`{}` cells near {a} are {:.2e} apart, finer than even f64 resolves there",
                    axis.param,
                    (b - a).abs()
                ),
            ));
        }
    }
    Ok(())
}

/// Least spacing of neighbouring cell centres, in f32 units in the last place of the larger
/// one: below it the f32 values the trajectories see repeat or step visibly.
pub const MIN_CELL_ULPS: f32 = 8.0;

/// Refuses an axis whose neighbouring cell centres are closer than [`MIN_CELL_ULPS`] f32
/// units in the last place (trajectories, their parameters and start points are f32).
pub fn check_resolution(flag: &str, axis: &Axis) -> Result<(), Error> {
    let ulp = |v: f32| f32::from_bits(v.abs().to_bits() + 1) - v.abs();
    let c = axis.centres();
    for (i, w) in c.windows(2).enumerate() {
        let need = MIN_CELL_ULPS * ulp(w[0]).max(ulp(w[1]));
        if (w[1] - w[0]).abs() < need {
            // The spacing asked for, in f64: in f32 it may round to nothing at all.
            let spacing = (axis.value_at(i as f64 + 1.5) - axis.value_at(i as f64 + 0.5)).abs();
            return Err(Error::input(
                flag,
                format!(
                    "`{}` cells near {} are {:.3e} apart, finer than f32 resolves there (at least {:.3e}); \
                     trajectories run in f32: widen the window, use fewer cells or compute in f64 on the \
                     CPU (--precision f64)",
                    axis.param, w[0], spacing, need
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a `cols` x `rows` grid of maps whose host-side arrays would not fit in the memory
/// available now (see [`crate::memory`]), naming `flag`.
pub fn check_memory(flag: &str, cols: u32, rows: u32) -> Result<(), Error> {
    crate::memory::check_maps(flag, cols, rows, 1)
}
