//! The CPU twin of `shaders/nn/train.wgsl`: the same loops in the same order, in f32 (the
//! twin) or f64 (the precise path for deep zooms, [`Precision::F64`]), on all cores. The f64
//! path is f64 end to end: the data as read, the arithmetic, and the bookkeeping
//! ([`CellStats64`]).
//!
//! [`train_cell_tally`] is the reference, one cell and one operation at a time; [`run`] and
//! [`run_f64`] train the map's cells [`LANES`] at a time (`super::lanes`), bit for bit the same.

use rayon::prelude::*;

use super::Real;
use super::lanes::{self, Data, LANES};
use super::train::{CellStats, CellStats64, Precision, Tally, TrainOutcomes, TrainSpec};
use crate::progress::Progress;

/// Trains one cell's network for `spec.steps` steps with learning rates `lr0`, `lr1` and
/// initial-weight offset `offset`, in f32, one operation at a time: the reference the lanes
/// ([`run`]) are held to bit for bit.
pub fn train_cell(spec: &TrainSpec, params: [f32; 3]) -> CellStats {
    train_cell_tally::<f32>(spec, params).into()
}

/// [`train_cell`] in f64, its f64 bookkeeping rounded to the kernel's f32 layout (as [`run`]
/// rounds an f64 map's); [`train_cell_tally`] keeps it in f64.
pub fn train_cell_f64(spec: &TrainSpec, params: [f64; 3]) -> CellStats {
    train_cell_tally::<f64>(spec, params).into()
}

/// Trains one cell's network in `T` (data, arithmetic and bookkeeping), one operation at a
/// time: the reference [`run`] (f32) and [`run_f64`] (f64) are held to bit for bit.
pub fn train_cell_tally<T: Real>(spec: &TrainSpec, params: [T; 3]) -> Tally<T> {
    train::<T>(spec, &spec.data.arrays(), params)
}

fn train<T: Real>(spec: &TrainSpec, data: &Data<T>, [lr0, lr1, offset]: [T; 3]) -> Tally<T> {
    let shape = spec.data.shape;
    let (d, w, n) = (shape.d, shape.width, shape.n);
    let f = |v: usize| T::from(v).expect("a float");
    let inv_sqrt_d = T::one() / f(d).sqrt();
    let inv_sqrt_w = T::one() / f(w).sqrt();
    let act = spec.activation;
    let mut w0: Vec<T> = data.w0.iter().map(|&v| v + offset).collect();
    let mut w1 = data.w1.clone();
    let mut r = vec![T::zero(); n];
    let mut col = vec![T::zero(); d];
    let mut g = vec![T::zero(); d];
    let mut stats = Tally::<T>::default();
    let batch = spec.batch_points();
    let scale = (T::one() + T::one()) / f(batch) * inv_sqrt_w;
    for t in 0..spec.steps {
        // Pass 1: residuals and the full-batch loss.
        let mut loss = T::zero();
        for (i, ri) in r.iter_mut().enumerate() {
            let xi = &data.x[i * d..(i + 1) * d];
            let mut out = T::zero();
            for j in 0..w {
                let mut z = T::zero();
                for k in 0..d {
                    z = z + xi[k] * w0[k * w + j];
                }
                out = out + act.eval(z * inv_sqrt_d).0 * w1[j];
            }
            let e = out * inv_sqrt_w - data.y[i];
            *ri = e;
            loss = loss + e * e;
        }
        // The bookkeeping is in `T`; the last step's update would change nothing it sees.
        if !stats.record(t, spec.steps, loss / f(n)) || t + 1 == spec.steps {
            break;
        }
        // Pass 2: each hidden unit's gradient over the (mini)batch, then its update.
        let start = if batch == n { 0 } else { spec.batch_start(t) as usize };
        for j in 0..w {
            for k in 0..d {
                col[k] = w0[k * w + j];
                g[k] = T::zero();
            }
            let mut g1 = T::zero();
            for b in 0..batch {
                let i = (start + b) % n;
                let xi = &data.x[i * d..(i + 1) * d];
                let mut z = T::zero();
                for k in 0..d {
                    z = z + xi[k] * col[k];
                }
                let (h, dh) = act.eval(z * inv_sqrt_d);
                let ri = r[i] * scale;
                g1 = g1 + ri * h;
                let dz = ri * w1[j] * dh * inv_sqrt_d;
                for k in 0..d {
                    g[k] = g[k] + xi[k] * dz;
                }
            }
            w1[j] = w1[j] - lr1 * g1;
            for k in 0..d {
                w0[k * w + j] = col[k] - lr0 * g[k];
            }
        }
    }
    stats
}

/// Runs every cell on all cores, in the spec's precision: blocks of [`LANES`] consecutive
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
            .map(|i| spec.cell_params64(xs[i % cols], ys[i / cols]).map(|v| T::from(v).expect("a float")))
            .collect();
        lanes::train_block(spec, &data, &params, out);
        progress.add(out.len() as u64 * spec.steps as u64);
    });
    TrainOutcomes { cols: spec.x.cells, rows: spec.y.cells, stats }
}
