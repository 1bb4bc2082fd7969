//! The CPU twin of `shaders/nn/train.wgsl`: the same loops in the same order, in f32 (the
//! twin) or f64 (the precise path for deep zooms, [`Precision::F64`]), on all cores. The f64
//! path is f64 end to end: the data as read, the arithmetic, and the bookkeeping
//! ([`CellStats64`]).
//!
//! [`train_cell_tally`] (from `super::scalar`) is the reference, one cell and one operation at
//! a time; [`run`] and [`run_f64`] train the map's cells `LANES` at a time (`super::lanes`),
//! bit for bit the same. This module only schedules: it picks the precision and shares the
//! blocks out among the cores.

use rayon::prelude::*;

use super::Real;
use super::lanes::{self, Data, LANES};
pub use super::scalar::{train_cell, train_cell_f64, train_cell_tally};
use super::train::{CellStats, CellStats64, Precision, Tally, TrainOutcomes, TrainSpec};
use crate::progress::Progress;

/// Runs every cell on all cores, in the spec's precision: blocks of `LANES` consecutive
/// cells (row-major) trained together, the blocks shared out among the cores by work stealing.
/// An f64 map's bookkeeping comes back rounded to the kernel's f32 layout; [`run_f64`] keeps
/// it in f64.
pub fn run(spec: &TrainSpec, progress: &Progress) -> TrainOutcomes {
    match spec.precision {
        Precision::F32 => in_kernel_layout(run_in::<f32>(spec, progress)),
        Precision::F64 => in_kernel_layout(run_f64(spec, progress)),
    }
}

/// The outcomes in the kernel's f32 layout (exact for f32 bookkeeping).
fn in_kernel_layout<T: Real>(out: TrainOutcomes<Tally<T>>) -> TrainOutcomes {
    TrainOutcomes {
        cols: out.cols,
        rows: out.rows,
        stats: out.stats.into_iter().map(CellStats::from).collect(),
    }
}

/// [`run`] on the f64 path whatever the spec's precision (its cell centres taken in f64), the
/// bookkeeping kept in f64.
pub fn run_f64(spec: &TrainSpec, progress: &Progress) -> TrainOutcomes<CellStats64> {
    let spec = TrainSpec { precision: Precision::F64, ..spec.clone() };
    run_in::<f64>(&spec, progress)
}

fn run_in<T: Real>(spec: &TrainSpec, progress: &Progress) -> TrainOutcomes<Tally<T>> {
    let data: Data<T> = spec.data.arrays();
    let cols = spec.x.cells as usize;
    let (xs, ys) = (spec.x.centres_in(spec.precision), spec.y.centres_in(spec.precision));
    let mut stats = vec![Tally::<T>::default(); spec.cells()];
    stats.par_chunks_mut(LANES).enumerate().for_each(|(b, out)| {
        let params: Vec<[T; 3]> = (b * LANES..b * LANES + out.len())
            .map(|i| spec.kernel_params::<T>(xs[i % cols], ys[i / cols]))
            .collect();
        lanes::train_block(spec, &data, &params, out);
        progress.add(out.len() as u64 * spec.steps as u64);
    });
    TrainOutcomes { cols: spec.x.cells, rows: spec.y.cells, stats }
}
