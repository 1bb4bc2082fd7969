//! One trainability network trained on the CPU with the map's own per-cell trainer
//! ([`super::scalar::train_cell_visit`], f32 twin or f64 path), with its loss at every step
//! and its sharpness every few steps ([`super::sharpness`]): the data behind an
//! edge-of-stability plot (progressive sharpening, then the sharpness hovering at `2 / lr`).
//! Draws and writes nothing.

use super::sharpness::{Net, Scaled, top_eigenvalue};
use super::train::{Precision, TrainSpec};
use super::{Arrays, Real};

/// One step's record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// Step `t` (the weights before the `t`-th update).
    pub step: u32,
    /// Full-batch loss.
    pub loss: f64,
    /// Largest eigenvalue of the loss's Hessian, on the steps it is measured.
    pub sharpness: Option<f64>,
    /// Largest eigenvalue of `D^1/2 H D^1/2`, `D` the per-layer learning rates, on the same
    /// steps (stable below 2).
    pub scaled: Option<f64>,
}

/// A run: every step's row, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The rows, from step 0; fewer than the steps asked for where the loss ran away (its
    /// ratio to the first loss beyond [`super::train::RATIO_CAP`]).
    pub rows: Vec<Row>,
    /// Step at which the loss ran away, if it did.
    pub div_step: Option<u32>,
}

/// Trains the single network of `spec` (its data, activation, steps, batch and precision;
/// its axes are not used) with learning rates `lr = (lr0, lr1)` from its initial weights,
/// measuring the sharpness at steps `0, every, 2 every, ...` and at the last step run. The
/// sharpness is that of the full-batch loss, in f64, at the weights the run reached (f32
/// weights widened exactly, with the data the run trained on).
pub fn run(spec: &TrainSpec, lr: [f64; 2], every: u32) -> Run {
    match spec.precision {
        Precision::F32 => run_in::<f32>(spec, lr, every),
        Precision::F64 => run_in::<f64>(spec, lr, every),
    }
}

fn run_in<T: Real>(spec: &TrainSpec, lr: [f64; 2], every: u32) -> Run {
    let wide = |v: &[T]| -> Vec<f64> { v.iter().map(|x| x.to_f64().unwrap_or(f64::NAN)).collect() };
    let trained = spec.data.arrays::<T>();
    let data =
        Arrays { x: wide(&trained.x), y: wide(&trained.y), w0: wide(&trained.w0), w1: wide(&trained.w1) };
    let net = Net { shape: spec.data.shape, data: &data, act: spec.activation };
    let p = net.params();
    let mut scratch = vec![0.0; p];
    let mut measure = |w: &[f64]| {
        let raw = top_eigenvalue(p, |v, out| net.hvp(w, v, out));
        let scaled = Scaled { net: &net, lr };
        let s = top_eigenvalue(p, |v, out| scaled.apply(w, v, out, &mut scratch));
        (raw, s)
    };
    let every = every.max(1);
    let mut rows = Vec::with_capacity(spec.steps as usize);
    let mut last: Option<Vec<f64>> = None;
    let params = [lr[0], lr[1], 0.0].map(|v| T::from(v).expect("a float"));
    let tally = super::scalar::train_cell_visit::<T>(spec, params, |t, w0, w1, loss| {
        let w: Vec<f64> = wide(w0).into_iter().chain(wide(w1)).collect();
        let (sharpness, scaled) = if t % every == 0 {
            let (a, b) = measure(&w);
            (Some(a), Some(b))
        } else {
            (None, None)
        };
        rows.push(Row { step: t, loss: loss.to_f64().unwrap_or(f64::NAN), sharpness, scaled });
        last = Some(w);
    });
    // The last step run, measured too where the stride skipped it (and the weights are finite).
    if let (Some(row), Some(w)) = (rows.last_mut(), last)
        && row.sharpness.is_none()
        && w.iter().all(|v| v.is_finite())
    {
        let (a, b) = measure(&w);
        (row.sharpness, row.scaled) = (Some(a), Some(b));
    }
    Run { rows, div_step: (tally.div_step >= 0).then_some(tally.div_step as u32) }
}
