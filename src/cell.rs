//! One grid cell's parameters as the kernel's prologue unpacks them from the flat parameter
//! vector: the start point, the landscape's and optimiser's parameters, the options and the
//! schedule. Both CPU runners start from it (the scalar twin, [`crate::cpu`], and the lanes,
//! [`crate::lanes`]); it does not run anything.

use crate::numeric::{Real, k};
use crate::param;
use crate::spec::Spec;

/// One cell's parameters, as the kernel unpacks them from the flat vector.
#[derive(Clone, Copy, Debug)]
pub struct CellParams<T = f32> {
    /// Start point (slots 0, 1).
    pub start: [T; 2],
    /// Landscape parameters `c` (slots 2..6).
    pub c: [T; 4],
    /// Optimiser hyperparameters `h0` (slots 6..10).
    pub h0: [T; 4],
    /// Optimiser hyperparameters `h1` (slots 10..14).
    pub h1: [T; 4],
    /// Options `(sigma, clip, l2, 0)` (slots 14..17).
    pub opts: [T; 4],
    /// Schedule `(gamma, step_size, warmup, horizon)` (slots 17..21).
    pub sched: [T; 4],
    /// Row-major index of the cell in the whole grid (keys the noise).
    pub cell: u32,
}

impl<T: Real> CellParams<T> {
    /// Twin of the kernel's prologue for grid cell `cell`: base values with the two axis slots
    /// overwritten (with the axis values in `T`, so an f64 run sees f64 cell centres).
    pub fn new(spec: &Spec, cell: u32, x_value: f64, y_value: f64) -> Self {
        let mut v: [T; param::SLOTS] = spec.values.map(|x| k::<T>(x as f64));
        v[spec.x.slot] = k(x_value);
        v[spec.y.slot] = k(y_value);
        CellParams {
            start: [v[0], v[1]],
            c: [v[2], v[3], v[4], v[5]],
            h0: [v[6], v[7], v[8], v[9]],
            h1: [v[10], v[11], v[12], v[13]],
            opts: [v[14], v[15], v[16], T::zero()],
            sched: [v[17], v[18], v[19], v[20]],
            cell,
        }
    }
}
