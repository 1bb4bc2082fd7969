//! The CPU twin of `shaders/nn/train.wgsl`: the same loops in the same order in f32, on all
//! cores.

use super::train::{CellStats, TrainOutcomes, TrainSpec};
use crate::progress::Progress;

/// Trains one cell's network for `spec.steps` steps with learning rates `lr0`, `lr1` and
/// initial-weight offset `offset`.
pub fn train_cell(spec: &TrainSpec, [lr0, lr1, offset]: [f32; 3]) -> CellStats {
    let data = &spec.data;
    let (d, w, n) = (data.shape.d, data.shape.width, data.shape.n);
    let inv_sqrt_d = 1.0 / (d as f32).sqrt();
    let inv_sqrt_w = 1.0 / (w as f32).sqrt();
    let act = spec.activation;
    let mut w0: Vec<f32> = data.w0.iter().map(|v| v + offset).collect();
    let mut w1 = data.w1.clone();
    let mut r = vec![0f32; n];
    let mut col = vec![0f32; d];
    let mut g = vec![0f32; d];
    let mut stats = CellStats { div_step: -1, ..Default::default() };
    let batch = if spec.batch == 0 || spec.batch as usize >= n { n } else { spec.batch as usize };
    let scale = 2.0 / batch as f32 * inv_sqrt_w;
    for t in 0..spec.steps {
        // Pass 1: residuals and the full-batch loss.
        let mut loss = 0f32;
        for (i, ri) in r.iter_mut().enumerate() {
            let xi = &data.x[i * d..(i + 1) * d];
            let mut out = 0f32;
            for j in 0..w {
                let mut z = 0f32;
                for k in 0..d {
                    z += xi[k] * w0[k * w + j];
                }
                out += act.eval(z * inv_sqrt_d).0 * w1[j];
            }
            let e = out * inv_sqrt_w - data.y[i];
            *ri = e;
            loss += e * e;
        }
        // The last step's update would change nothing the bookkeeping sees.
        if !stats.record(t, spec.steps, loss / n as f32) || t + 1 == spec.steps {
            break;
        }
        // Pass 2: each hidden unit's gradient over the (mini)batch, then its update.
        let start = if batch == n { 0 } else { spec.batch_start(t) as usize };
        for j in 0..w {
            for k in 0..d {
                col[k] = w0[k * w + j];
                g[k] = 0.0;
            }
            let mut g1 = 0f32;
            for b in 0..batch {
                let i = (start + b) % n;
                let xi = &data.x[i * d..(i + 1) * d];
                let mut z = 0f32;
                for k in 0..d {
                    z += xi[k] * col[k];
                }
                let (h, dh) = act.eval(z * inv_sqrt_d);
                let ri = r[i] * scale;
                g1 += ri * h;
                let dz = ri * w1[j] * dh * inv_sqrt_d;
                for k in 0..d {
                    g[k] += xi[k] * dz;
                }
            }
            w1[j] -= lr1 * g1;
            for k in 0..d {
                w0[k * w + j] = col[k] - lr0 * g[k];
            }
        }
    }
    stats
}

/// Runs every cell on all cores.
pub fn run(spec: &TrainSpec, progress: &Progress) -> TrainOutcomes {
    let (xs, ys) = (spec.x.centres(), spec.y.centres());
    let cols = spec.x.cells as usize;
    let cells = spec.cells();
    let mut stats = vec![CellStats::default(); cells];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(cells.max(1));
    let per = cells.div_ceil(threads);
    std::thread::scope(|s| {
        for (c, chunk) in stats.chunks_mut(per).enumerate() {
            let (xs, ys) = (&xs, &ys);
            s.spawn(move || {
                for (k, out) in chunk.iter_mut().enumerate() {
                    let i = c * per + k;
                    *out = train_cell(spec, spec.cell_params(xs[i % cols], ys[i / cols]));
                    progress.add(spec.steps as u64);
                }
            });
        }
    });
    TrainOutcomes { cols: spec.x.cells, rows: spec.y.cells, stats }
}
