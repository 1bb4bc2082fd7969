//! The CPU twin of `shaders/nn/train.wgsl`: the same loops in the same order, in f32 (the
//! twin) or f64 (the precise path for deep zooms, [`Precision::F64`]), on all cores.
//!
//! [`train_cell`] is the reference, one cell and one operation at a time; [`run`] trains the
//! map's cells [`LANES`] at a time (`super::lanes`), bit for bit the same.

use rayon::prelude::*;

use super::Real;
use super::lanes::{self, Data, LANES};
use super::train::{CellStats, Precision, TrainOutcomes, TrainSpec};
use crate::progress::Progress;

/// Trains one cell's network for `spec.steps` steps with learning rates `lr0`, `lr1` and
/// initial-weight offset `offset`, in f32, one operation at a time: the reference the lanes
/// ([`run`]) are held to bit for bit.
pub fn train_cell(spec: &TrainSpec, params: [f32; 3]) -> CellStats {
    train::<f32>(spec, &Data::of(spec), params)
}

/// [`train_cell`] in f64.
pub fn train_cell_f64(spec: &TrainSpec, params: [f64; 3]) -> CellStats {
    train::<f64>(spec, &Data::of(spec), params)
}

fn train<T: Real>(spec: &TrainSpec, data: &Data<T>, [lr0, lr1, offset]: [T; 3]) -> CellStats {
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
    let mut stats = CellStats { div_step: -1, ..Default::default() };
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
        // The bookkeeping is f32 on every path; the last step's update would change nothing
        // it sees.
        let loss = (loss / f(n)).to_f32().unwrap_or(f32::NAN);
        if !stats.record(t, spec.steps, loss) || t + 1 == spec.steps {
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
pub fn run(spec: &TrainSpec, progress: &Progress) -> TrainOutcomes {
    match spec.precision {
        Precision::F32 => run_in::<f32>(spec, progress),
        Precision::F64 => run_in::<f64>(spec, progress),
    }
}

fn run_in<T: Real>(spec: &TrainSpec, progress: &Progress) -> TrainOutcomes {
    let data = Data::<T>::of(spec);
    let cols = spec.x.cells as usize;
    let (xs, ys) = (spec.x.centres_in(spec.precision), spec.y.centres_in(spec.precision));
    let mut stats = vec![CellStats::default(); spec.cells()];
    stats.par_chunks_mut(LANES).enumerate().for_each(|(b, out)| {
        let params: Vec<[T; 3]> = (b * LANES..b * LANES + out.len())
            .map(|i| spec.cell_params64(xs[i % cols], ys[i / cols]).map(|v| T::from(v).expect("a float")))
            .collect();
        lanes::train_block(spec, &data, &params, out);
        progress.add(out.len() as u64 * spec.steps as u64);
    });
    TrainOutcomes { cols: spec.x.cells, rows: spec.y.cells, stats }
}
