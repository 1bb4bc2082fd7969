//! One trainability network trained on the CPU with the map's own per-cell trainer
//! ([`super::scalar::train_cell_visit`], f32 twin or f64 path), by gradient descent with
//! per-layer learning rates or by Adam ([`super::adam`]), with its loss at every step and its
//! sharpness every few steps ([`super::sharpness`]): the data behind an edge-of-stability plot
//! (progressive sharpening, then the sharpness hovering at `2 / lr`; for Adam the
//! preconditioned sharpness at `(2 + 2 beta1) / ((1 - beta1) lr)`). Draws and writes nothing.

use super::adam::{Adam, AdamSpec};
use super::sharpness::{Net, Scaled, top_eigenvalue};
use super::train::{Precision, TrainSpec};
use super::{Arrays, Real};

/// How the network is trained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Gradient descent with learning rates `(lr0, lr1)` on the input and output layer.
    Gd([f64; 2]),
    /// Adam on every weight.
    Adam(AdamSpec),
}

/// One step's record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// Step `t` (the weights before the `t`-th update).
    pub step: u32,
    /// Full-batch loss.
    pub loss: f64,
    /// Largest eigenvalue of the loss's Hessian, on the steps it is measured.
    pub sharpness: Option<f64>,
    /// GD: largest eigenvalue of `D^1/2 H D^1/2`, `D` the per-layer learning rates, on the
    /// same steps (stable below 2). Adam: the preconditioned sharpness, the largest
    /// eigenvalue of `P^-1 H` with `P` Adam's diagonal preconditioner of the step taken from
    /// these weights (of the last step taken, on a last row that takes none).
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
/// its axes are not used) by `opt` from its initial weights, measuring the sharpness at steps
/// `0, every, 2 every, ...` and at the last step run. The sharpness is that of the full-batch
/// loss, in f64, at the weights the run reached (f32 weights widened exactly, with the data
/// the run trained on).
pub fn run(spec: &TrainSpec, opt: &Optimizer, every: u32) -> Run {
    match spec.precision {
        Precision::F32 => run_in::<f32>(spec, opt, every),
        Precision::F64 => run_in::<f64>(spec, opt, every),
    }
}

/// The weights `w0` then `w1`, widened to f64.
fn wide<T: Real>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64().unwrap_or(f64::NAN)).collect()
}

/// The weights at the steps measured on the stride, and at the last step run.
struct Trajectory {
    /// `(t, weights)` for `t = 0, every, 2 every, ...`, in f64.
    strided: Vec<(u32, Vec<f64>)>,
    /// The last step run and its weights.
    last: Option<(u32, Vec<f64>)>,
}

fn run_in<T: Real>(spec: &TrainSpec, opt: &Optimizer, every: u32) -> Run {
    let trained = spec.data.arrays::<T>();
    let data =
        Arrays { x: wide(&trained.x), y: wide(&trained.y), w0: wide(&trained.w0), w1: wide(&trained.w1) };
    let net = Net { shape: spec.data.shape, data: &data, act: spec.activation };
    let p = net.params();
    let every = every.max(1);
    let mut rows = Vec::with_capacity(spec.steps as usize);
    let mut path = Trajectory { strided: Vec::new(), last: None };
    let mut record = |t: u32, w0: &[T], w1: &[T], loss: T| {
        rows.push(Row { step: t, loss: loss.to_f64().unwrap_or(f64::NAN), sharpness: None, scaled: None });
        let w: Vec<f64> = wide(w0).into_iter().chain(wide(w1)).collect();
        if t.is_multiple_of(every) {
            path.strided.push((t, w.clone()));
        }
        path.last = Some((t, w));
    };
    // The diagonal D of each measured step's D^1/2 H D^1/2: GD's per-layer rates, or Adam's
    // P^-1 (of the step taken from those weights; on a last row that takes none, of the state
    // the run ended in).
    let (tally, inverse_p) = match opt {
        Optimizer::Gd(lr) => {
            let params = [lr[0], lr[1], 0.0].map(|v| T::from(v).expect("a float"));
            (super::scalar::train_cell_visit::<T>(spec, params, &mut record), Vec::new())
        }
        Optimizer::Adam(a) => {
            let mut adam = Adam::<T>::new(a, p, every);
            let tally = super::scalar::train_with::<T>(spec, T::zero(), &mut adam, &mut record);
            let end = (u32::MAX, adam.current());
            let inverse = |(t, d): (u32, Vec<f64>)| (t, d.iter().map(|v| 1.0 / v).collect::<Vec<f64>>());
            (tally, adam.kept.into_iter().chain([end]).map(inverse).collect())
        }
    };
    let diagonal = |t: u32| match opt {
        Optimizer::Gd(lr) => Scaled::per_layer(&net, *lr),
        Optimizer::Adam(_) => {
            let d = inverse_p.iter().find(|(s, _)| *s == t).or(inverse_p.last()).expect("the end state");
            Scaled::diagonal(&net, &d.1)
        }
    };
    let mut scratch = vec![0.0; p];
    let mut measure = |t: u32, w: &[f64]| {
        let raw = top_eigenvalue(p, |v, out| net.hvp(w, v, out));
        let d = diagonal(t);
        let scaled = top_eigenvalue(p, |v, out| d.apply(w, v, out, &mut scratch));
        (rows[t as usize].sharpness, rows[t as usize].scaled) = (Some(raw), Some(scaled));
    };
    for (t, w) in &path.strided {
        measure(*t, w);
    }
    // The last step run, measured too where the stride skipped it (and the weights are finite).
    if let Some((t, w)) = &path.last
        && !t.is_multiple_of(every)
        && w.iter().all(|v| v.is_finite())
    {
        measure(*t, w);
    }
    Run { rows, div_step: (tally.div_step >= 0).then_some(tally.div_step as u32) }
}
