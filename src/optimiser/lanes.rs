//! An optimiser's step over a block of [`LANES`] trajectories ([`StepLanes`]), built from its
//! scalar f32 twin by `step_lanes!`: [`advance`] does the kernel's per-step bookkeeping
//! around the update (convergence test, options, schedule, subnormal flush, escape test,
//! freeze of diverged lanes) lane by lane, with the twin inlined into the loop, so a lane
//! computes exactly the bits the scalar runner computes.
//!
//! What it does not do: run a map (the runner is [`crate::lanes`]) or evaluate the landscape
//! (its phases are in [`crate::simd`]).

use super::OptState;
use crate::numeric::{escaped_t, flush_subnormal, within_tol};
use crate::options;
use crate::simd::{Curvature, LANES, Lane};

/// An optimiser's step over a block at step `t` (from 0), with the block's raw gradient in
/// place ([`advance`] says what it does); returns whether any lane still moves (live and
/// not settled).
pub type StepLanes = fn(b: &mut Block, r: &Rules, t: u32, hess: Curvature<'_, f32>) -> bool;

/// What every lane of a run shares: the kernel's constants and the options compiled in.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Divergence threshold on `|x|` and `|y|`.
    pub threshold: f32,
    /// Squared convergence tolerance on the gradient norm.
    pub tol2: f32,
    /// The gradient norm f32 resolves per unit of `max(|x|, |y|)`
    /// ([`crate::spec::Spec::conv_floor`]).
    pub floor: f32,
    /// The options compiled in.
    pub features: options::Features,
    /// Whether no option changes the gradient or the learning rate (the plain loop). A plain
    /// run also settles: no input to a step then changes with the step number (noise and
    /// schedules are the only ones that do; no optimiser reads it), so a lane that a step left
    /// bit for bit unchanged (iterate and registers) stays so for every later step, and a
    /// block whose lanes have all diverged or settled stops with the results of the full run.
    /// (Clipping and decay do not depend on the step either, but a run with them is not
    /// tested for settling, which keeps the options' loop one version.)
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
/// `div_step = t + 1`); frozen lanes keep their values. Returns whether any lane still moves:
/// live, and not settled ([`Rules::plain`]).
#[inline(always)]
pub fn advance<F>(b: &mut Block, r: &Rules, t: u32, hess: Curvature<'_, f32>, step: F) -> bool
where
    F: TwinStep,
{
    // The Hessian's source is decided once per block, not per lane (see `lane`).
    if r.hessian { lanes::<F, true>(b, r, t, hess, &step) } else { lanes::<F, false>(b, r, t, hess, &step) }
}

/// Steps between tests for settled lanes ([`Rules::plain`]): a block whose lanes have all
/// settled stops within this many steps; the test itself (ten compares a lane) runs on one
/// step in this many, so optimisers whose registers never settle (Adam's running powers)
/// hardly pay for it.
const SETTLE_EVERY: u32 = 16;

/// [`advance`]'s loops over the lanes, with `HESS` saying whether the optimiser reads the
/// block's Hessian ([`Block::h`]) or calls `hess`.
#[inline(always)]
fn lanes<F, const HESS: bool>(b: &mut Block, r: &Rules, t: u32, hess: Curvature<'_, f32>, step: &F) -> bool
where
    F: TwinStep,
{
    let mut any = false;
    if r.plain && t % SETTLE_EVERY == SETTLE_EVERY - 1 {
        for l in 0..LANES {
            any |= lane::<F, HESS, true>(b, r, t, hess, step, l, [b.gx[l], b.gy[l]], b.h0[0][l]);
        }
    } else if r.plain {
        for l in 0..LANES {
            any |= lane::<F, HESS, false>(b, r, t, hess, step, l, [b.gx[l], b.gy[l]], b.h0[0][l]);
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
            any |= lane::<F, HESS, false>(b, r, t, hess, step, l, q, lr);
        }
    }
    any
}

/// [`advance`] for lane `l`, with the gradient `q` after the options and learning rate `lr`
/// (straight-line code with selects and non-short-circuit logic, so the lane loop vectorises);
/// whether the lane still moves (live, and, with `SETTLE`, not settled).
#[allow(clippy::too_many_arguments, reason = "the lane's whole context, inlined into the lane loop")]
#[inline(always)]
fn lane<F, const HESS: bool, const SETTLE: bool>(
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
    let small = within_tol([b.gx[l], b.gy[l]], [b.x[l], b.y[l]], r.tol2, r.floor);
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
    let before = o;
    let p = flush_subnormal(if HESS {
        step(x, q, &mut o, h0, h1, t, &at, c)
    } else {
        step(x, q, &mut o, h0, h1, t, hess, c)
    });
    b.keep(l, live, p, &o);
    let out = live & escaped_t(p, r.threshold);
    b.div_step[l] = if out { t as i32 + 1 } else { b.div_step[l] };
    b.conv_step[l] = if out { -1 } else { b.conv_step[l] };
    // Settled: this step changed no bit of the lane, so no later step will (`Rules::plain`);
    // its gradient, and so its convergence test, stays the same too.
    let settled = SETTLE && same_bits(p, x) & same_state(&o, &before);
    live & !out & !settled
}

/// Whether two points are the same bit for bit (`-0.0` and `0.0` differ).
#[inline(always)]
fn same_bits(a: [f32; 2], b: [f32; 2]) -> bool {
    (a[0].to_bits() == b[0].to_bits()) & (a[1].to_bits() == b[1].to_bits())
}

/// Whether two optimiser states are the same bit for bit.
#[inline(always)]
fn same_state(a: &OptState<f32>, b: &OptState<f32>) -> bool {
    same_bits(a.a, b.a) & same_bits(a.b, b.b) & same_bits(a.c, b.c) & same_bits(a.d, b.d)
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
    /// (filled by [`crate::landscape::Landscape::hess_lanes`] before the step; else unused).
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

/// The [`StepLanes`] of the optimiser twin module `$m` (its `opt_step::<f32>` lane by lane,
/// through [`advance`]).
macro_rules! step_lanes {
    ($m:ident) => {{
        $crate::simd::multiversion! {
            fn step(b: &mut $crate::optimiser::lanes::Block, r: &$crate::optimiser::lanes::Rules, t: u32,
                    hess: $crate::simd::Curvature<'_, f32>) -> bool {
                $crate::optimiser::lanes::advance(b, r, t, hess, $m::opt_step::<f32>)
            }
        }
        step as $crate::optimiser::lanes::StepLanes
    }};
}
pub(crate) use step_lanes;
