//! The CPU runner's fast path: [`LANES`] trajectories at once, one per lane of a vector
//! register, in f32.
//!
//! A block keeps every quantity of its trajectories lane-minor (`[f32; LANES]`, structure of
//! arrays). Each step is two phases over the block: the landscape's gradient
//! ([`GradLanes`](crate::simd::GradLanes); its Hessian too,
//! [`HessLanes`](crate::simd::HessLanes), where the optimiser uses it), then the optimiser's
//! [`StepLanes`](crate::optimiser::lanes::StepLanes), which does the kernel's per-step
//! bookkeeping around the update ([`advance`](crate::optimiser::lanes::advance): convergence
//! test, options, schedule, subnormal flush, escape test, freeze of diverged lanes). The
//! landscape and optimiser phases are loops over lanes that call the
//! scalar f32 twins themselves, so there is one definition of every landscape and optimiser:
//! the compiler inlines the twin into the loop and vectorises it, and a lane computes exactly
//! the bits the scalar twin computes (Rust never contracts `a*b + c` into a fused multiply-add).
//! Phases are reached through one function pointer per block and step, not per trajectory.
//!
//! Each phase is compiled three times, for x86-64's baseline (SSE2), for AVX2 and for AVX-512,
//! and picks the widest the processor has at run time ([`isa`](crate::simd::isa)); results do
//! not depend on the choice. A block stops as soon as all its lanes have diverged or settled:
//! without gradient noise and schedules (the only inputs that change with the step number), a
//! step that leaves a lane's iterate and registers the same bit for bit leaves them so for
//! good, so the rest of the run cannot change the outcome (tested every few steps; see
//! [`Rules::plain`]). Blocks are spread over all cores with work stealing (rayon), so rows
//! that diverge or settle early do not leave a core idle.
//!
//! What it does not do: f64 runs and single-trajectory traces stay on the scalar runner
//! ([`crate::cpu`]); the phases themselves live with what they compute ([`crate::simd`],
//! [`crate::optimiser::lanes`]).

use rayon::prelude::*;

use crate::cell::CellParams;
use crate::landscape::Landscape;
use crate::numeric::{escaped_t, k, within_tol};
use crate::optimiser::OptState;
use crate::optimiser::lanes::{Block, Rules};
use crate::outcome::{Outcomes, TrajState};
use crate::progress::Progress;
use crate::simd::{LANES, Lane};
use crate::spec::Spec;
use std::ops::Range;

/// Cells per parallel task (a multiple of [`LANES`]); progress is reported once per task.
const TASK_CELLS: usize = 16 * LANES;

/// Runs the cells of the rows `rows` of an f32 spec in blocks of [`LANES`] on all cores; the
/// same outcomes as [`crate::cpu::run_rows`] on the scalar twin, bit for bit.
pub fn run_rows(spec: &Spec, rows: Range<u32>, progress: &Progress) -> Outcomes {
    let xs = spec.x.centres_in(spec.precision);
    let ys = spec.y.centres_in(spec.precision);
    let mut out = Outcomes::zeroed(spec.x.cells, rows.len() as u32);
    let offset = rows.start as usize * spec.x.cells as usize;
    let computed = std::sync::atomic::AtomicU64::new(0);
    out.chunks_mut(TASK_CELLS).into_par_iter().enumerate().for_each(|(task, mut cells)| {
        let mut steps = 0;
        for first in (0..cells.len()).step_by(LANES) {
            let n = LANES.min(cells.len() - first);
            let (states, ran) = run_block(spec, &xs, &ys, offset + task * TASK_CELLS + first, n);
            for (i, s) in states[..n].iter().enumerate() {
                cells.set(first + i, s);
            }
            steps += ran as u64 * n as u64;
        }
        computed.fetch_add(steps, std::sync::atomic::Ordering::Relaxed);
        progress.add(cells.len() as u64 * spec.steps as u64);
    });
    out.steps_computed = Some(computed.into_inner());
    out
}

/// The block of cells `first..first + n` at their starts (lanes past `n` repeat the last
/// cell), and the rules every lane of the run shares.
fn start_block(spec: &Spec, xs: &[f64], ys: &[f64], first: usize, n: usize) -> (Block, Rules) {
    let cols = spec.x.cells as usize;
    let o = spec.optimiser;
    let params: [CellParams<f32>; LANES] = std::array::from_fn(|i| {
        let cell = first + i.min(n - 1);
        CellParams::new(spec, cell as u32, spec.x_value(cell, xs), ys[cell / cols])
    });
    let lanes = |f: &dyn Fn(&CellParams<f32>) -> f32| -> Lane { std::array::from_fn(|i| f(&params[i])) };
    let quad = |f: &dyn Fn(&CellParams<f32>) -> [f32; 4]| -> [Lane; 4] {
        std::array::from_fn(|j| std::array::from_fn(|i| f(&params[i])[j]))
    };
    let threshold = k::<f32>(spec.threshold as f64);
    let init: [OptState<f32>; LANES] = std::array::from_fn(|i| (o.init)(params[i].h0, params[i].h1));
    let regs = |r: fn(&OptState<f32>) -> f32| -> Lane { std::array::from_fn(|i| r(&init[i])) };
    let b = Block {
        x: lanes(&|p| p.start[0]),
        y: lanes(&|p| p.start[1]),
        gx: [0.0; LANES],
        gy: [0.0; LANES],
        h: [[0.0; LANES]; 3],
        s: [
            regs(|s| s.a[0]),
            regs(|s| s.a[1]),
            regs(|s| s.b[0]),
            regs(|s| s.b[1]),
            regs(|s| s.c[0]),
            regs(|s| s.c[1]),
            regs(|s| s.d[0]),
            regs(|s| s.d[1]),
        ],
        c: quad(&|p| p.c),
        h0: quad(&|p| p.h0),
        h1: quad(&|p| p.h1),
        opts: std::array::from_fn(|i| params[i].opts),
        sched: std::array::from_fn(|i| params[i].sched),
        cell: std::array::from_fn(|i| params[i].cell),
        div_step: std::array::from_fn(|i| if escaped_t(params[i].start, threshold) { 0 } else { -1 }),
        conv_step: [-1; LANES],
    };
    let tol = k::<f32>(spec.conv_tol as f64);
    let features = spec.features();
    let rules = Rules {
        threshold,
        tol2: tol * tol,
        floor: spec.conv_floor,
        features,
        plain: !(features.noise || features.clip || features.l2) && features.schedule == 0,
        seed: spec.seed,
        steps: spec.steps,
        hessian: o.uses_hessian,
    };
    (b, rules)
}

/// Runs the block of cells `first..first + n` (`n` at most [`LANES`]) and returns their final
/// states (lanes past `n` repeat the last cell and are to be dropped) and the steps the block
/// ran before all its lanes had diverged or settled.
fn run_block(spec: &Spec, xs: &[f64], ys: &[f64], first: usize, n: usize) -> ([TrajState; LANES], u32) {
    let l: &Landscape = spec.landscape;
    let o = spec.optimiser;
    let (mut b, rules) = start_block(spec, xs, ys, first, n);
    let hess = |x: [f32; 2], c: [f32; 4]| l.hess(x, c);
    let mut live = b.div_step.iter().any(|&d| d < 0);
    let mut ran = 0;
    for t in 0..spec.steps {
        if !live {
            break;
        }
        l.grad_lanes(&b.x, &b.y, &b.c, &mut b.gx, &mut b.gy);
        if rules.hessian {
            l.hess_lanes(&b.x, &b.y, &b.c, &mut b.h);
        }
        live = (o.step_lanes)(&mut b, &rules, t, &hess);
        ran = t + 1;
    }
    // The final points' gradients (a trajectory that converges on its last step counts as
    // converged) and losses, a block at a time.
    let mut conv_step = b.conv_step;
    l.grad_lanes(&b.x, &b.y, &b.c, &mut b.gx, &mut b.gy);
    let mut loss = [0.0; LANES];
    l.loss_lanes(&b.x, &b.y, &b.c, &mut loss);
    let states = std::array::from_fn(|i| {
        let pos = [b.x[i], b.y[i]];
        if b.div_step[i] < 0 {
            let small = within_tol([b.gx[i], b.gy[i]], pos, rules.tol2, rules.floor);
            conv_step[i] = crate::numeric::converged_since(conv_step[i], small, spec.steps);
        }
        let o = b.state(i);
        TrajState {
            pos,
            opt_a: o.a,
            opt_b: o.b,
            opt_c: o.c,
            opt_d: o.d,
            loss: loss[i],
            div_step: b.div_step[i],
            conv_step: conv_step[i],
            pad: 0,
        }
    });
    (states, ran)
}
