//! The per-cell scalar trainer: the CPU twin of `shaders/nn/train.wgsl` for one cell, the
//! same loops in the same order, one operation at a time, in f32 (the twin) or f64 (the precise
//! path, [`super::train::Precision::F64`]). It is the reference the lanes
//! (`super::lanes`) are held to bit for bit. It schedules nothing: the runner on top of it and
//! the lanes, `nn::cpu`, trains whole maps.

use super::train::{CellStats, Convention, Tally, TrainSpec};
use super::{Arrays, Real};

/// Trains one cell's network for `spec.steps` steps with learning rates `lr0`, `lr1` and
/// initial-weight offset `offset` as the kernels take them ([`TrainSpec::kernel_params`]), in f32, one operation at a time: the reference the lanes
/// (`nn::cpu::run`) are held to bit for bit.
pub fn train_cell(spec: &TrainSpec, params: [f32; 3]) -> CellStats {
    train_cell_tally::<f32>(spec, params).into()
}

/// [`train_cell`] in f64, its f64 bookkeeping rounded to the kernel's f32 layout (as
/// `nn::cpu::run` rounds an f64 map's); [`train_cell_tally`] keeps it in f64.
pub fn train_cell_f64(spec: &TrainSpec, params: [f64; 3]) -> CellStats {
    train_cell_tally::<f64>(spec, params).into()
}

/// Trains one cell's network in `T` (data, arithmetic and bookkeeping), one operation at a
/// time: the reference `nn::cpu::run` (f32) and `nn::cpu::run_f64` (f64) are held to bit for
/// bit.
pub fn train_cell_tally<T: Real>(spec: &TrainSpec, params: [T; 3]) -> Tally<T> {
    train::<T>(spec, &spec.data.arrays(), params, |_, _, _, _| {})
}

/// [`train_cell_tally`], calling `visit(t, w0, w1, loss)` at every step `t` it runs, with the
/// weights before that step's update and their full-batch loss: the hook host-side analyses
/// (the sharpness along the run, `nn::sharpness`) read the trajectory through, the training
/// itself unchanged.
pub fn train_cell_visit<T: Real>(
    spec: &TrainSpec,
    params: [T; 3],
    visit: impl FnMut(u32, &[T], &[T], T),
) -> Tally<T> {
    train::<T>(spec, &spec.data.arrays(), params, visit)
}

/// How a trainer changes one hidden unit's weights once their gradient is known: gradient
/// descent ([`Gd`], the kernels' rule) or another optimiser's elementwise rule (Adam,
/// [`super::adam`]). The per-cell trainer's forward and backward passes call it unit by unit.
pub trait Update<T: Real> {
    /// Called once per update, before its first unit, with the step `t` (from 0).
    fn begin(&mut self, t: u32);

    /// Updates hidden unit `j`: `col` holds its input weights `W0[:, j]` and `g` their
    /// gradient, `g1` the gradient of its output weight `w1[j]`; the new values go into `w0`
    /// (`d x width`, row-major) and `w1`.
    fn unit(&mut self, j: usize, col: &[T], g: &[T], g1: T, w0: &mut [T], w1: &mut [T]);
}

/// Gradient descent with per-layer learning rates, the kernels' update (the paper's
/// convention adds `offset` back to each input weight after its step, `drift`).
pub struct Gd<T> {
    /// `(lr0, lr1)`.
    pub lr: [T; 2],
    /// Added to every input weight after its step where `drift` is on.
    pub offset: T,
    /// The paper's convention (the notebook's `train_step`).
    pub drift: bool,
}

impl<T: Real> Update<T> for Gd<T> {
    #[inline(always)]
    fn begin(&mut self, _t: u32) {}

    #[inline(always)]
    fn unit(&mut self, j: usize, col: &[T], g: &[T], g1: T, w0: &mut [T], w1: &mut [T]) {
        let w = w1.len();
        w1[j] = w1[j] - self.lr[1] * g1;
        for k in 0..col.len() {
            let stepped = col[k] - self.lr[0] * g[k];
            w0[k * w + j] = if self.drift { stepped + self.offset } else { stepped };
        }
    }
}

/// [`train_cell_visit`] with the update `update` in place of gradient descent, from the
/// initial weights plus `offset` (the per-cell trainer's forward and backward passes, in `T`).
pub fn train_with<T: Real>(
    spec: &TrainSpec,
    offset: T,
    update: &mut impl Update<T>,
    visit: impl FnMut(u32, &[T], &[T], T),
) -> Tally<T> {
    train_by::<T>(spec, &spec.data.arrays(), offset, update, visit)
}

fn train<T: Real>(
    spec: &TrainSpec,
    data: &Arrays<T>,
    [lr0, lr1, offset]: [T; 3],
    visit: impl FnMut(u32, &[T], &[T], T),
) -> Tally<T> {
    // The paper's convention adds the offset again before every step (the notebook's
    // `train_step`); ours only to the initial weights.
    let drift = spec.convention == Convention::Paper;
    train_by(spec, data, offset, &mut Gd { lr: [lr0, lr1], offset, drift }, visit)
}

fn train_by<T: Real>(
    spec: &TrainSpec,
    data: &Arrays<T>,
    offset: T,
    update: &mut impl Update<T>,
    mut visit: impl FnMut(u32, &[T], &[T], T),
) -> Tally<T> {
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
        visit(t, &w0, &w1, loss / f(n));
        // The bookkeeping is in `T`; the last step's update would change nothing it sees.
        if !stats.record_in(spec.convention, t, spec.steps, loss / f(n)) || t + 1 == spec.steps {
            break;
        }
        // Pass 2: each hidden unit's gradient over the (mini)batch, then its update.
        let start = if batch == n { 0 } else { spec.batch_start(t) as usize };
        update.begin(t);
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
            update.unit(j, &col, &g, g1, &mut w0, &mut w1);
        }
    }
    stats
}
