//! CPU reference runner: the Rust twin of `shaders/kernel.wgsl`, in the same f32 math, run on
//! all host cores. It is the ground truth the GPU runner is tested against, and the
//! user-facing `--backend cpu`.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::optimiser::OptState;
use crate::options;
use crate::outcome::{Outcomes, TrajState};
use crate::progress::Progress;
use crate::spec::Spec;

/// Twin of `escaped` in `shaders/common/numerics.wgsl`: a coordinate's magnitude exceeds
/// `threshold` or is not finite (compared on bit patterns, as the WGSL does).
pub fn escaped(p: [f32; 2], threshold: f32) -> bool {
    let t = threshold.to_bits();
    (p[0].to_bits() & 0x7fff_ffff) > t || (p[1].to_bits() & 0x7fff_ffff) > t
}

/// Twin of `flush_subnormal` in `shaders/common/numerics.wgsl`: subnormal components become
/// zero (a converging trajectory otherwise decays into the slow subnormal range); NaN and
/// infinities pass through.
pub fn flush_subnormal(v: [f32; 2]) -> [f32; 2] {
    v.map(|c| if c.abs() < f32::MIN_POSITIVE { 0.0 } else { c })
}

/// One cell's parameters, as the kernel unpacks them from the flat vector.
#[derive(Clone, Copy, Debug)]
pub struct CellParams {
    /// Start point (slots 0, 1).
    pub start: [f32; 2],
    /// Landscape parameters `c` (slots 2..6).
    pub c: [f32; 4],
    /// Optimiser hyperparameters `h0` (slots 6..10).
    pub h0: [f32; 4],
    /// Optimiser hyperparameters `h1` (slots 10..14).
    pub h1: [f32; 4],
    /// Options `(sigma, clip, l2, 0)` (slots 14..17).
    pub opts: [f32; 4],
    /// Schedule `(gamma, step_size, warmup, horizon)` (slots 17..21).
    pub sched: [f32; 4],
    /// Row-major index of the cell in the whole grid (keys the noise).
    pub cell: u32,
}

impl CellParams {
    /// Twin of the kernel's prologue for grid cell `cell`: base values with the two axis slots
    /// overwritten.
    pub fn new(spec: &Spec, cell: u32, x_value: f32, y_value: f32) -> Self {
        let mut v = spec.values;
        v[spec.x.slot] = x_value;
        v[spec.y.slot] = y_value;
        CellParams {
            start: [v[0], v[1]],
            c: [v[2], v[3], v[4], v[5]],
            h0: [v[6], v[7], v[8], v[9]],
            h1: [v[10], v[11], v[12], v[13]],
            opts: [v[14], v[15], v[16], 0.0],
            sched: [v[17], v[18], v[19], v[20]],
            cell,
        }
    }
}

/// Twin of the kernel's first-chunk initialisation.
pub fn init(spec: &Spec, p: &CellParams) -> TrajState {
    let o = (spec.optimiser.init)(p.h0, p.h1);
    TrajState {
        pos: p.start,
        opt_a: o.a,
        opt_b: o.b,
        opt_c: o.c,
        opt_d: o.d,
        loss: 0.0,
        div_step: if escaped(p.start, spec.threshold) { 0 } else { -1 },
        conv_step: -1,
        pad: 0,
    }
}

/// Twin of the kernel's step loop: advances `s` from iterate `begin` to iterate `end`, calling
/// `visit(t, pos)` after every update (used by `trace`).
pub fn advance(
    spec: &Spec,
    p: &CellParams,
    s: &mut TrajState,
    begin: u32,
    end: u32,
    mut visit: impl FnMut(u32, [f32; 2]),
) {
    let l = spec.landscape;
    if s.div_step < 0 {
        let tol2 = spec.conv_tol * spec.conv_tol;
        let features = spec.features();
        let mut pos = s.pos;
        let mut o = OptState { a: s.opt_a, b: s.opt_b, c: s.opt_c, d: s.opt_d };
        for t in begin..end {
            let g = l.grad(pos, p.c);
            if s.conv_step < 0 && g[0] * g[0] + g[1] * g[1] <= tol2 {
                s.conv_step = t as i32;
            }
            let q = options::perturb(features, g, pos, p.opts, spec.seed, p.cell, t);
            let lr = p.h0[0] * options::lr_factor(features.schedule, t, p.sched, spec.steps);
            let hs = [lr, p.h0[1], p.h0[2], p.h0[3]];
            pos = flush_subnormal((spec.optimiser.step)(
                pos,
                q,
                &mut o,
                hs,
                p.h1,
                t,
                &|x, c| l.hess(x, c),
                p.c,
            ));
            visit(t + 1, pos);
            if escaped(pos, spec.threshold) {
                s.div_step = (t + 1) as i32;
                break;
            }
        }
        if s.div_step < 0 && end == spec.steps && s.conv_step < 0 {
            let g = l.grad(pos, p.c);
            if g[0] * g[0] + g[1] * g[1] <= tol2 {
                s.conv_step = spec.steps as i32;
            }
        }
        s.pos = pos;
        s.opt_a = o.a;
        s.opt_b = o.b;
        s.opt_c = o.c;
        s.opt_d = o.d;
    }
    if s.div_step >= 0 || end == spec.steps {
        s.loss = l.loss(s.pos, p.c);
    }
}

/// Runs one whole trajectory from iterate 0 to `spec.steps`.
pub fn run_cell(spec: &Spec, p: &CellParams) -> TrajState {
    let mut s = init(spec, p);
    advance(spec, p, &mut s, 0, spec.steps, |_, _| {});
    s
}

/// Runs every cell of the grid on all host cores, reporting trajectory-steps to `progress`.
pub fn run(spec: &Spec, progress: &Progress) -> Outcomes {
    let xs = spec.x.centres();
    let ys = spec.y.centres();
    let cols = spec.x.cells as usize;
    let n = spec.cells();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).min(n.max(1));
    let mut states = vec![TrajState::default(); n];
    // Small blocks handed out dynamically keep the cores busy when some regions diverge early.
    let block = 256usize;
    let done_cells = AtomicU64::new(0);
    let blocks: Vec<&mut [TrajState]> = states.chunks_mut(block).collect();
    let blocks = std::sync::Mutex::new(blocks.into_iter().enumerate().collect::<Vec<_>>());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let item = blocks.lock().expect("no thread panics while holding the lock").pop();
                    let Some((b, out)) = item else { break };
                    for (k, s) in out.iter_mut().enumerate() {
                        let i = b * block + k;
                        let p = CellParams::new(spec, i as u32, spec.x_value(i, &xs), ys[i / cols]);
                        *s = run_cell(spec, &p);
                    }
                    let done = done_cells.fetch_add(out.len() as u64, Ordering::Relaxed) + out.len() as u64;
                    progress.set(done * spec.steps as u64);
                }
            });
        }
    });
    let mut out = Outcomes::with_capacity(spec.x.cells, spec.y.cells);
    for s in &states {
        out.push(s);
    }
    out
}

/// One trajectory's iterates `(x, y, loss)` for steps `0..=div_step` or `0..=steps`.
pub fn trace(spec: &Spec) -> Vec<[f32; 3]> {
    let p = CellParams::new(spec, 0, spec.x.centres()[0], spec.y.centres()[0]);
    let loss = |x, c| spec.landscape.loss(x, c);
    let mut rows = vec![[p.start[0], p.start[1], loss(p.start, p.c)]];
    let mut s = init(spec, &p);
    advance(spec, &p, &mut s, 0, spec.steps, |_, pos| rows.push([pos[0], pos[1], loss(pos, p.c)]));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnormals_flush_to_zero_and_nothing_else_changes() {
        let sub = f32::MIN_POSITIVE / 4.0;
        assert_eq!(flush_subnormal([sub, -sub]), [0.0, 0.0]);
        assert_eq!(flush_subnormal([f32::MIN_POSITIVE, -1.5]), [f32::MIN_POSITIVE, -1.5]);
        let [a, b] = flush_subnormal([f32::NAN, f32::INFINITY]);
        assert!(a.is_nan() && b == f32::INFINITY);
    }

    #[test]
    fn escape_catches_large_and_non_finite_coordinates() {
        assert!(!escaped([1e6, -1e6], 1e6));
        assert!(escaped([1.0000001e6, 0.0], 1e6));
        assert!(escaped([0.0, f32::NAN], 1e6));
        assert!(escaped([f32::NEG_INFINITY, 0.0], 1e6));
    }
}
