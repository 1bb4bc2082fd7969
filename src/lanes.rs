//! The CPU runner's fast path: [`LANES`] trajectories at once, one per lane of a vector
//! register, in f32.
//!
//! A block keeps every quantity of its trajectories lane-minor (`[f32; LANES]`, structure of
//! arrays). Each step is two phases over the block: the landscape's gradient ([`GradLanes`];
//! its Hessian too, [`HessLanes`], where the optimiser uses it), then the optimiser's
//! [`StepLanes`], which does the kernel's per-step bookkeeping around the update ([`advance`]:
//! convergence test, options, schedule, subnormal flush, escape test, freeze of diverged lanes). The landscape and optimiser phases are loops over lanes that call the
//! scalar f32 twins themselves, so there is one definition of every landscape and optimiser:
//! the compiler inlines the twin into the loop and vectorises it, and a lane computes exactly
//! the bits the scalar twin computes (Rust never contracts `a*b + c` into a fused multiply-add).
//! Phases are reached through one function pointer per block and step, not per trajectory.
//!
//! Each phase is compiled three times, for x86-64's baseline (SSE2), for AVX2 and for AVX-512,
//! and picks the widest the processor has at run time ([`isa`]); results do not depend on the
//! choice. A block stops as soon as all its lanes have diverged. Blocks are spread over all
//! cores with work stealing (rayon), so rows that diverge early do not leave a core idle.
//!
//! What it does not do: f64 runs and single-trajectory traces stay on the scalar runner
//! ([`crate::cpu`]).

use rayon::prelude::*;

use crate::landscape::{Curvature, Landscape};
use crate::numeric::{escaped_t, flush_subnormal, k};
use crate::optimiser::OptState;
use crate::options;
use crate::outcome::{Outcomes, TrajState};
use crate::progress::Progress;
use crate::spec::Spec;

/// Trajectories per block: four AVX-512 registers of f32 per quantity (eight AVX2, sixteen
/// SSE2). 64 measured faster than 16 and 32 and level with 128 (W2a, W3, W1 at 1024^2).
pub const LANES: usize = 64;

/// One f32 quantity of every trajectory in a block.
pub type Lane = [f32; LANES];

/// A landscape's gradient over a block: `(x, y, c) -> (gx, gy)`, lane by lane.
pub type GradLanes = fn(x: &Lane, y: &Lane, c: &[Lane; 4], gx: &mut Lane, gy: &mut Lane);

/// A landscape's loss over a block: `(x, y, c) -> loss`, lane by lane.
pub type LossLanes = fn(x: &Lane, y: &Lane, c: &[Lane; 4], loss: &mut Lane);

/// A landscape's Hessian over a block: `(x, y, c) -> (xx, xy, yy)`, lane by lane.
pub type HessLanes = fn(x: &Lane, y: &Lane, c: &[Lane; 4], h: &mut [Lane; 3]);

/// An optimiser's step over a block at step `t` (from 0), with the block's raw gradient in
/// place ([`advance`] says what it does); returns whether any lane is still live.
pub type StepLanes = fn(b: &mut Block, r: &Rules, t: u32, hess: Curvature<'_, f32>) -> bool;

/// What every lane of a run shares: the kernel's constants and the options compiled in.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Divergence threshold on `|x|` and `|y|`.
    pub threshold: f32,
    /// Squared convergence tolerance on the gradient norm.
    pub tol2: f32,
    /// The options compiled in.
    pub features: options::Features,
    /// Whether any option changes the gradient or the learning rate (else the plain loop).
    pub plain: bool,
    /// Noise seed.
    pub seed: u32,
    /// Steps in the run (cosine schedules end there by default).
    pub steps: u32,
    /// Whether the optimiser uses the Hessian, which is then in [`Block::h`].
    pub hessian: bool,
}

/// An optimiser's f32 `opt_step` twin: `(x, g, state, h0, h1, t, hess, c) -> x'`.
pub trait TwinStep:
    Fn([f32; 2], [f32; 2], &mut OptState<f32>, [f32; 4], [f32; 4], u32, Curvature<'_, f32>, [f32; 4]) -> [f32; 2]
{
}

impl<F> TwinStep for F where
    F: Fn(
        [f32; 2],
        [f32; 2],
        &mut OptState<f32>,
        [f32; 4],
        [f32; 4],
        u32,
        Curvature<'_, f32>,
        [f32; 4],
    ) -> [f32; 2]
{
}

/// One step of every lane of a block, with `step` the optimiser's f32 twin
/// ([`TwinStep`]) for this step. Per lane, as the scalar runner does it: the
/// convergence test on the raw gradient (live lanes only), the options (`perturb`, the
/// schedule's learning rate), the update, the subnormal flush, the escape test (escaped lanes get
/// `div_step = t + 1`); frozen lanes keep their values. Returns whether any lane is still live.
#[inline(always)]
pub fn advance<F>(b: &mut Block, r: &Rules, t: u32, hess: Curvature<'_, f32>, step: F) -> bool
where
    F: TwinStep,
{
    // The Hessian's source is decided once per block, not per lane (see `lane`).
    if r.hessian { lanes::<F, true>(b, r, t, hess, &step) } else { lanes::<F, false>(b, r, t, hess, &step) }
}

/// [`advance`]'s loops over the lanes, with `HESS` saying whether the optimiser reads the
/// block's Hessian ([`Block::h`]) or calls `hess`.
#[inline(always)]
fn lanes<F, const HESS: bool>(b: &mut Block, r: &Rules, t: u32, hess: Curvature<'_, f32>, step: &F) -> bool
where
    F: TwinStep,
{
    let mut any = false;
    if r.plain {
        for l in 0..LANES {
            any |= lane::<F, HESS>(b, r, t, hess, step, l, [b.gx[l], b.gy[l]], b.h0[0][l]);
        }
    } else {
        for l in 0..LANES {
            let q = options::perturb(
                r.features,
                [b.gx[l], b.gy[l]],
                [b.x[l], b.y[l]],
                b.opts[l],
                r.seed,
                b.cell[l],
                t,
            );
            let lr = b.h0[0][l] * options::lr_factor(r.features.schedule, t, b.sched[l], r.steps);
            any |= lane::<F, HESS>(b, r, t, hess, step, l, q, lr);
        }
    }
    any
}

/// [`advance`] for lane `l`, with the gradient `q` after the options and learning rate `lr`
/// (straight-line code with selects and non-short-circuit logic, so the lane loop vectorises);
/// whether the lane is still live.
#[allow(clippy::too_many_arguments, reason = "the lane's whole context, inlined into the lane loop")]
#[inline(always)]
fn lane<F, const HESS: bool>(
    b: &mut Block,
    r: &Rules,
    t: u32,
    hess: Curvature<'_, f32>,
    step: &F,
    l: usize,
    q: [f32; 2],
    lr: f32,
) -> bool
where
    F: TwinStep,
{
    let live = b.div_step[l] < 0;
    let small = b.gx[l] * b.gx[l] + b.gy[l] * b.gy[l] <= r.tol2;
    let conv = crate::numeric::converged_since(b.conv_step[l], small, t);
    b.conv_step[l] = if live { conv } else { b.conv_step[l] };
    let mut o = b.state(l);
    let h0 = [lr, b.h0[1][l], b.h0[2][l], b.h0[3][l]];
    let h1 = [b.h1[0][l], b.h1[1][l], b.h1[2][l], b.h1[3][l]];
    let c = [b.c[0][l], b.c[1][l], b.c[2][l], b.c[3][l]];
    // The Hessian was evaluated for the whole block at this iterate where the optimiser uses it.
    let h = [b.h[0][l], b.h[1][l], b.h[2][l]];
    let at = |_: [f32; 2], _: [f32; 4]| h;
    // `&at` passed as such, not selected at run time: known at the call, it is inlined and the
    // lane loop still vectorises (Newton).
    let x = [b.x[l], b.y[l]];
    let p = flush_subnormal(if HESS {
        step(x, q, &mut o, h0, h1, t, &at, c)
    } else {
        step(x, q, &mut o, h0, h1, t, hess, c)
    });
    b.keep(l, live, p, &o);
    let out = live & escaped_t(p, r.threshold);
    b.div_step[l] = if out { t as i32 + 1 } else { b.div_step[l] };
    b.conv_step[l] = if out { -1 } else { b.conv_step[l] };
    live & !out
}

/// A block of trajectories in flight, lane-minor.
#[derive(Clone, Debug)]
pub struct Block {
    /// Iterate x.
    pub x: Lane,
    /// Iterate y.
    pub y: Lane,
    /// Raw gradient x (before the options).
    pub gx: Lane,
    /// Raw gradient y (before the options).
    pub gy: Lane,
    /// The landscape's Hessian `(xx, xy, yy)` at the iterate, for optimisers that use it
    /// (filled by [`Landscape::hess_lanes`] before the step; else unused).
    pub h: [Lane; 3],
    /// Optimiser registers `a.x, a.y, b.x, b.y, c.x, c.y, d.x, d.y` ([`OptState`]).
    pub s: [Lane; 8],
    /// Landscape parameters `c`.
    pub c: [Lane; 4],
    /// Optimiser hyperparameters `h0` (`h0[0]` is the unscheduled learning rate).
    pub h0: [Lane; 4],
    /// Optimiser hyperparameters `h1`.
    pub h1: [Lane; 4],
    /// Options `(sigma, clip, l2, 0)` per lane.
    pub opts: [[f32; 4]; LANES],
    /// Schedule `(gamma, step_size, warmup, horizon)` per lane.
    pub sched: [[f32; 4]; LANES],
    /// Row-major cell index per lane (keys the noise).
    pub cell: [u32; LANES],
    /// First escaped step, or -1 while the lane is live.
    pub div_step: [i32; LANES],
    /// First step whose gradient norm was within the tolerance, or -1.
    pub conv_step: [i32; LANES],
}

impl Block {
    /// Lane `l`'s optimiser registers.
    #[inline(always)]
    pub fn state(&self, l: usize) -> OptState<f32> {
        let s = &self.s;
        OptState {
            a: [s[0][l], s[1][l]],
            b: [s[2][l], s[3][l]],
            c: [s[4][l], s[5][l]],
            d: [s[6][l], s[7][l]],
        }
    }

    /// Stores lane `l`'s iterate and registers if `live`, else keeps the old ones (as selects,
    /// so the loop around it vectorises).
    #[inline(always)]
    pub fn keep(&mut self, l: usize, live: bool, p: [f32; 2], o: &OptState<f32>) {
        let pick = |new: f32, old: f32| if live { new } else { old };
        self.x[l] = pick(p[0], self.x[l]);
        self.y[l] = pick(p[1], self.y[l]);
        let s = &mut self.s;
        s[0][l] = pick(o.a[0], s[0][l]);
        s[1][l] = pick(o.a[1], s[1][l]);
        s[2][l] = pick(o.b[0], s[2][l]);
        s[3][l] = pick(o.b[1], s[3][l]);
        s[4][l] = pick(o.c[0], s[4][l]);
        s[5][l] = pick(o.c[1], s[5][l]);
        s[6][l] = pick(o.d[0], s[6][l]);
        s[7][l] = pick(o.d[1], s[7][l]);
    }
}

/// Instruction-set levels the SIMD runners (map phases and the trainability block) are
/// compiled for, and the one run-time choice among them.
pub mod isa {
    use std::sync::atomic::{AtomicU8, Ordering};

    /// x86-64 baseline (SSE2), or any other architecture.
    pub const BASE: u8 = 1;
    /// AVX2 (x86-64-v3).
    pub const AVX2: u8 = 2;
    /// AVX-512 F/VL/BW/DQ (x86-64-v4).
    pub const AVX512: u8 = 3;

    static LEVEL: AtomicU8 = AtomicU8::new(0);

    /// The widest level this processor supports (detected once); `DOWNHILL_ISA=base|avx2`
    /// caps it, for measuring.
    #[inline]
    pub fn level() -> u8 {
        match LEVEL.load(Ordering::Relaxed) {
            0 => {
                let l = detect();
                LEVEL.store(l, Ordering::Relaxed);
                l
            }
            l => l,
        }
    }

    fn detect() -> u8 {
        let cap = match std::env::var("DOWNHILL_ISA").as_deref() {
            Ok("base") => BASE,
            Ok("avx2") => AVX2,
            _ => AVX512,
        };
        #[cfg(target_arch = "x86_64")]
        let found = if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            AVX512
        } else if std::arch::is_x86_feature_detected!("avx2") {
            AVX2
        } else {
            BASE
        };
        #[cfg(not(target_arch = "x86_64"))]
        let found = BASE;
        found.min(cap)
    }

    /// The name of a level, for reports.
    pub fn name(level: u8) -> &'static str {
        match level {
            AVX512 => "avx512",
            AVX2 => "avx2",
            _ => "baseline",
        }
    }
}

/// Defines `fn $name($args) -> $ret $body` compiled for each [`isa`] level, dispatching at run
/// time.
macro_rules! multiversion {
    (fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block) => {
        fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
            fn avx512($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
            fn avx2($($arg: $ty),*) $(-> $ret)? $body
            // Not inlined into this dispatcher: with the baseline body inlined, every call paid
            // that body's prologue (W2a's run took 0.21 s instead of 0.17 s).
            #[inline(never)]
            fn base($($arg: $ty),*) $(-> $ret)? $body
            match $crate::lanes::isa::level() {
                // SAFETY: `isa::level` returns these levels only where the processor has them.
                #[cfg(target_arch = "x86_64")]
                $crate::lanes::isa::AVX512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                $crate::lanes::isa::AVX2 => unsafe { avx2($($arg),*) },
                _ => base($($arg),*),
            }
        }
    };
}
pub(crate) use multiversion;

/// The [`GradLanes`] of the landscape twin module `$m` (its `grad::<f32>` lane by lane).
macro_rules! grad_lanes {
    ($m:ident) => {{
        $crate::lanes::multiversion! {
            fn grad(x: &$crate::lanes::Lane, y: &$crate::lanes::Lane, c: &[$crate::lanes::Lane; 4],
                    gx: &mut $crate::lanes::Lane, gy: &mut $crate::lanes::Lane) {
                for l in 0..$crate::lanes::LANES {
                    let g = $m::grad::<f32>([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
                    gx[l] = g[0];
                    gy[l] = g[1];
                }
            }
        }
        grad as $crate::lanes::GradLanes
    }};
}
pub(crate) use grad_lanes;

/// The [`LossLanes`] of the landscape twin module `$m` (its `loss::<f32>` lane by lane).
macro_rules! loss_lanes {
    ($m:ident) => {{
        $crate::lanes::multiversion! {
            fn loss(x: &$crate::lanes::Lane, y: &$crate::lanes::Lane, c: &[$crate::lanes::Lane; 4],
                    out: &mut $crate::lanes::Lane) {
                for l in 0..$crate::lanes::LANES {
                    out[l] = $m::loss::<f32>([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
                }
            }
        }
        loss as $crate::lanes::LossLanes
    }};
}
pub(crate) use loss_lanes;

/// The [`HessLanes`] of the landscape twin module `$m` (its `hess::<f32>` lane by lane).
macro_rules! hess_lanes {
    ($m:ident) => {{
        $crate::lanes::multiversion! {
            fn hess(x: &$crate::lanes::Lane, y: &$crate::lanes::Lane, c: &[$crate::lanes::Lane; 4],
                    h: &mut [$crate::lanes::Lane; 3]) {
                for l in 0..$crate::lanes::LANES {
                    let v = $m::hess::<f32>([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
                    h[0][l] = v[0];
                    h[1][l] = v[1];
                    h[2][l] = v[2];
                }
            }
        }
        hess as $crate::lanes::HessLanes
    }};
}
pub(crate) use hess_lanes;

/// The [`StepLanes`] of the optimiser twin module `$m` (its `opt_step::<f32>` lane by lane,
/// through [`advance`]).
macro_rules! step_lanes {
    ($m:ident) => {{
        $crate::lanes::multiversion! {
            fn step(b: &mut $crate::lanes::Block, r: &$crate::lanes::Rules, t: u32,
                    hess: $crate::landscape::Curvature<'_, f32>) -> bool {
                $crate::lanes::advance(b, r, t, hess, $m::opt_step::<f32>)
            }
        }
        step as $crate::lanes::StepLanes
    }};
}
pub(crate) use step_lanes;

/// Cells per parallel task (a multiple of [`LANES`]); progress is reported once per task.
const TASK_CELLS: usize = 16 * LANES;

/// Runs every cell of an f32 spec in blocks of [`LANES`] on all cores; the same outcomes as
/// [`crate::cpu::run`] on the scalar twin, bit for bit.
pub fn run(spec: &Spec, progress: &Progress) -> Outcomes {
    let xs = spec.x.centres_in(spec.precision);
    let ys = spec.y.centres_in(spec.precision);
    let mut out = Outcomes::zeroed(spec.x.cells, spec.y.cells);
    out.chunks_mut(TASK_CELLS).into_par_iter().enumerate().for_each(|(task, mut cells)| {
        for first in (0..cells.len()).step_by(LANES) {
            let n = LANES.min(cells.len() - first);
            let states = run_block(spec, &xs, &ys, task * TASK_CELLS + first, n);
            for (i, s) in states[..n].iter().enumerate() {
                cells.set(first + i, s);
            }
        }
        progress.add(cells.len() as u64 * spec.steps as u64);
    });
    out
}

/// Runs the block of cells `first..first + n` (`n` at most [`LANES`]) and returns their final
/// states; lanes past `n` repeat the last cell and are to be dropped.
fn run_block(spec: &Spec, xs: &[f64], ys: &[f64], first: usize, n: usize) -> [TrajState; LANES] {
    let cols = spec.x.cells as usize;
    let l: &Landscape = spec.landscape;
    let o = spec.optimiser;
    let params: [crate::cpu::CellParams<f32>; LANES] = std::array::from_fn(|i| {
        let cell = first + i.min(n - 1);
        crate::cpu::CellParams::new(spec, cell as u32, spec.x_value(cell, xs), ys[cell / cols])
    });
    let lanes =
        |f: &dyn Fn(&crate::cpu::CellParams<f32>) -> f32| -> Lane { std::array::from_fn(|i| f(&params[i])) };
    let quad = |f: &dyn Fn(&crate::cpu::CellParams<f32>) -> [f32; 4]| -> [Lane; 4] {
        std::array::from_fn(|j| std::array::from_fn(|i| f(&params[i])[j]))
    };
    let threshold = k::<f32>(spec.threshold as f64);
    let init: [OptState<f32>; LANES] = std::array::from_fn(|i| (o.init)(params[i].h0, params[i].h1));
    let regs = |r: fn(&OptState<f32>) -> f32| -> Lane { std::array::from_fn(|i| r(&init[i])) };
    let mut b = Block {
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
        features,
        plain: !(features.noise || features.clip || features.l2) && features.schedule == 0,
        seed: spec.seed,
        steps: spec.steps,
        hessian: o.uses_hessian,
    };
    let hess = |x: [f32; 2], c: [f32; 4]| l.hess(x, c);
    let mut live = b.div_step.iter().any(|&d| d < 0);
    for t in 0..spec.steps {
        if !live {
            break;
        }
        l.grad_lanes(&b.x, &b.y, &b.c, &mut b.gx, &mut b.gy);
        if rules.hessian {
            l.hess_lanes(&b.x, &b.y, &b.c, &mut b.h);
        }
        live = (o.step_lanes)(&mut b, &rules, t, &hess);
    }
    // The final points' gradients (a trajectory that converges on its last step counts as
    // converged) and losses, a block at a time.
    let tol2 = rules.tol2;
    let mut conv_step = b.conv_step;
    l.grad_lanes(&b.x, &b.y, &b.c, &mut b.gx, &mut b.gy);
    let mut loss = [0.0; LANES];
    l.loss_lanes(&b.x, &b.y, &b.c, &mut loss);
    std::array::from_fn(|i| {
        let pos = [b.x[i], b.y[i]];
        if b.div_step[i] < 0 {
            let small = b.gx[i] * b.gx[i] + b.gy[i] * b.gy[i] <= tol2;
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
    })
}
