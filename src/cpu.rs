//! CPU reference runner: the Rust twin of `shaders/kernel.wgsl`, in the same f32 math, run on
//! all host cores. It is the ground truth the GPU runner is tested against, and the
//! user-facing `--backend cpu`. The same code runs in f64 for specs that ask for it
//! ([`Precision::F64`]): deep zooms beyond what f32 resolves.

use std::ops::Range;

use rayon::prelude::*;

use crate::cell::CellParams;
use crate::landscape::Landscape;
use crate::numeric::{Real, converged_since, escaped_t, flush_subnormal, k, within_tol};
use crate::optimiser::{InitFn, OptState, Optimiser, StepFn};
use crate::options;
use crate::outcome::{Outcomes, TrajState};
use crate::progress::Progress;
use crate::spec::{Precision, Spec};

/// The float types the runner computes in, with the landscape and optimiser twins of each:
/// f32 (the kernel's twin) and f64 (the precise path, [`Precision::F64`]).
pub trait Twin: Real {
    /// The landscape's loss.
    fn loss(l: &Landscape, p: [Self; 2], c: [Self; 4]) -> Self;
    /// The landscape's gradient.
    fn grad(l: &Landscape, p: [Self; 2], c: [Self; 4]) -> [Self; 2];
    /// The landscape's Hessian `(xx, xy, yy)`.
    fn hess(l: &Landscape, p: [Self; 2], c: [Self; 4]) -> [Self; 3];
    /// The optimiser's `opt_init` and `opt_step`.
    fn rule(o: &Optimiser) -> (InitFn<Self>, StepFn<Self>);
}

impl Twin for f32 {
    fn loss(l: &Landscape, p: [f32; 2], c: [f32; 4]) -> f32 {
        l.loss(p, c)
    }
    fn grad(l: &Landscape, p: [f32; 2], c: [f32; 4]) -> [f32; 2] {
        l.grad(p, c)
    }
    fn hess(l: &Landscape, p: [f32; 2], c: [f32; 4]) -> [f32; 3] {
        l.hess(p, c)
    }
    fn rule(o: &Optimiser) -> (InitFn<f32>, StepFn<f32>) {
        (o.init, o.step)
    }
}

impl Twin for f64 {
    fn loss(l: &Landscape, p: [f64; 2], c: [f64; 4]) -> f64 {
        l.loss64(p, c)
    }
    fn grad(l: &Landscape, p: [f64; 2], c: [f64; 4]) -> [f64; 2] {
        l.grad64(p, c)
    }
    fn hess(l: &Landscape, p: [f64; 2], c: [f64; 4]) -> [f64; 3] {
        l.hess64(p, c)
    }
    fn rule(o: &Optimiser) -> (InitFn<f64>, StepFn<f64>) {
        (o.init64, o.step64)
    }
}

/// One trajectory in flight: the iterate, the optimiser's registers and the bookkeeping.
struct Flight<T> {
    pos: [T; 2],
    o: OptState<T>,
    div_step: i32,
    conv_step: i32,
}

/// Twin of the kernel's initialisation and step loop: runs one whole trajectory, calling
/// `visit(t, pos)` after every update (used by `trace`).
fn fly<T: Twin>(spec: &Spec, p: &CellParams<T>, mut visit: impl FnMut(u32, [T; 2])) -> Flight<T> {
    let l = spec.landscape;
    let (init, step) = T::rule(spec.optimiser);
    let threshold = k::<T>(spec.threshold as f64);
    let mut f = Flight {
        pos: p.start,
        o: init(p.h0, p.h1),
        div_step: if escaped_t(p.start, threshold) { 0 } else { -1 },
        conv_step: -1,
    };
    if f.div_step >= 0 {
        return f;
    }
    let tol = k::<T>(spec.conv_tol as f64);
    let tol2 = tol * tol;
    let floor = k::<T>(spec.conv_floor as f64);
    let features = spec.features();
    let hess = |x: [T; 2], c: [T; 4]| T::hess(l, x, c);
    for t in 0..spec.steps {
        let g = T::grad(l, f.pos, p.c);
        f.conv_step = converged_since(f.conv_step, within_tol(g, f.pos, tol2, floor), t);
        let q = options::perturb(features, g, f.pos, p.opts, spec.seed, p.cell, t);
        let lr = p.h0[0] * options::lr_factor(features.schedule, t, p.sched, spec.steps);
        let hs = [lr, p.h0[1], p.h0[2], p.h0[3]];
        f.pos = flush_subnormal(step(f.pos, q, &mut f.o, hs, p.h1, t, &hess, p.c));
        visit(t + 1, f.pos);
        if escaped_t(f.pos, threshold) {
            f.div_step = (t + 1) as i32;
            f.conv_step = -1;
            return f;
        }
    }
    let g = T::grad(l, f.pos, p.c);
    f.conv_step = converged_since(f.conv_step, within_tol(g, f.pos, tol2, floor), spec.steps);
    f
}

/// Runs one whole trajectory from iterate 0 to `spec.steps`; the outcome in f32.
pub fn run_cell<T: Twin>(spec: &Spec, p: &CellParams<T>) -> TrajState {
    let f = fly(spec, p, |_, _| {});
    let n = |v: [T; 2]| v.map(|x| x.to_f32().unwrap_or(f32::NAN));
    TrajState {
        pos: n(f.pos),
        opt_a: n(f.o.a),
        opt_b: n(f.o.b),
        opt_c: n(f.o.c),
        opt_d: n(f.o.d),
        loss: T::loss(spec.landscape, f.pos, p.c).to_f32().unwrap_or(f32::NAN),
        div_step: f.div_step,
        conv_step: f.conv_step,
        pad: 0,
    }
}

/// Runs every cell of the grid on all host cores, reporting trajectory-steps to `progress`:
/// f32 specs in SIMD lanes ([`crate::lanes::run_rows`], the same bits as the scalar twin), f64
/// specs ([`Precision::F64`]) on the scalar twin in f64.
pub fn run(spec: &Spec, progress: &Progress) -> Outcomes {
    run_rows(spec, 0..spec.y.cells, progress)
}

/// [`run`] for the rows `rows` of the grid only: the outcomes of those rows, the same bits as
/// the same rows of a whole run (every cell keeps its index in the whole grid).
pub fn run_rows(spec: &Spec, rows: Range<u32>, progress: &Progress) -> Outcomes {
    match spec.precision {
        Precision::F32 => crate::lanes::run_rows(spec, rows, progress),
        Precision::F64 => run_scalar_in::<f64>(spec, rows, progress),
    }
}

/// [`run`] on the scalar twin, one trajectory at a time (the reference the lanes are held
/// to, and the baseline the benchmark compares them with).
pub fn run_scalar(spec: &Spec, progress: &Progress) -> Outcomes {
    let rows = 0..spec.y.cells;
    match spec.precision {
        Precision::F32 => run_scalar_in::<f32>(spec, rows, progress),
        Precision::F64 => run_scalar_in::<f64>(spec, rows, progress),
    }
}

fn run_scalar_in<T: Twin>(spec: &Spec, rows: Range<u32>, progress: &Progress) -> Outcomes {
    let (xs, ys) = (spec.x.centres_in(spec.precision), spec.y.centres_in(spec.precision));
    let cols = spec.x.cells as usize;
    let mut out = Outcomes::zeroed(spec.x.cells, rows.len() as u32);
    let offset = rows.start as usize * cols;
    // Small blocks, stolen by idle cores, keep every core busy when some regions diverge early.
    let block = 256usize;
    out.chunks_mut(block).into_par_iter().enumerate().for_each(|(b, mut cells)| {
        for k in 0..cells.len() {
            let i = offset + b * block + k;
            let p = CellParams::<T>::new(spec, i as u32, spec.x_value(i, &xs), ys[i / cols]);
            cells.set(k, &run_cell(spec, &p));
        }
        progress.add(cells.len() as u64 * spec.steps as u64);
    });
    out
}

/// One trajectory's iterates `(x, y, loss)` for steps `0..=div_step` or `0..=steps` (in the
/// spec's precision, reported in f32).
pub fn trace(spec: &Spec) -> Vec<[f32; 3]> {
    match spec.precision {
        Precision::F32 => trace_in::<f32>(spec),
        Precision::F64 => trace_in::<f64>(spec),
    }
}

fn trace_in<T: Twin>(spec: &Spec) -> Vec<[f32; 3]> {
    let (x, y) = (spec.x.centres_in(spec.precision)[0], spec.y.centres_in(spec.precision)[0]);
    let p = CellParams::<T>::new(spec, 0, x, y);
    let row = |x: [T; 2]| {
        let f = |v: T| v.to_f32().unwrap_or(f32::NAN);
        [f(x[0]), f(x[1]), f(T::loss(spec.landscape, x, p.c))]
    };
    let mut rows = vec![row(p.start)];
    fly(spec, &p, |_, pos| rows.push(row(pos)));
    rows
}
