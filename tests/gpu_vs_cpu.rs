//! The GPU kernel reproduces the CPU twin for every (landscape, optimiser) pair.
//!
//! Grid: start x0 across the landscape's domain (columns) against a log-spaced learning rate
//! from 1e-3/L to 2/L (rows), where L is the largest Hessian eigenvalue seen on a 32x32 sample
//! of the domain: slow, converging and (where curvature peaks) diverging trajectories, without
//! the chaotic regime far past 2/L, where no two implementations of sin agree for long; and,
//! for the landscapes in `WIDE`, a second grid from 1e-3 to 1, where many trajectories diverge.
//! Tolerances: GPU and CPU differ by FMA contraction and by the accuracy of sin/cos, so
//! trajectories agree to f32 rounding except where they are chaotic or sit on a boundary.
//! Hence: the `diverged` flag must agree on every cell whose CPU neighbourhood (3x3) is
//! uniformly diverged or uniformly not; the final loss must agree to a relative 1e-3 (plus
//! 1e-6 absolute) on every cell that ends at rest (gradient norm <= 1e-3) on both backends
//! and whose neighbourhood ends in one basin (trajectories still orbiting a minimum, as
//! RMSprop and Adam do at a fixed learning rate, end at a phase-sensitive point). So that these
//! checks cannot pass vacuously, at least half of every pair's cells must be calm (flag
//! checked), and over all pairs at least 10,000 cells must meet the strict loss comparison.
//! The share of cells agreeing on the flag and on the loss or basin is printed per pair; it
//! drops only on chaotic landscapes at large learning rates (rastrigin, levi).

mod common;

use common::{axis, spec};
use downhill::analysis::basins;
use downhill::cpu;
use downhill::landscape::{LANDSCAPES, Landscape};
use downhill::optimiser::OPTIMISERS;
use downhill::outcome::Outcomes;
use downhill::progress::Progress;

const REL_TOL: f64 = 1e-3;
const ABS_TOL: f64 = 1e-6;

/// The optimiser as compared: plain Newton divides by the Hessian's determinant, which passes
/// through zero on every non-convex landscape, so its steps there are unbounded and no two
/// implementations agree; the damped saddle-free form has steps bounded by |g| / damping.
fn optimiser_spec(name: &str) -> &str {
    if name == "newton" { "newton:saddle_free=1,damping=1" } else { name }
}

/// Landscapes also compared over lr from 1e-3 to 1, far past 2/L: there their trajectories
/// diverge rather than turn chaotic, which tests divergence on every optimiser.
const WIDE: &[&str] = &["quadratic", "rosenbrock", "saddle", "bumpy", "himmelblau", "booth", "matyas"];

/// Largest Hessian eigenvalue over a 32x32 sample of the landscape's domain (at least 1e-3).
fn curvature(l: &Landscape) -> f64 {
    let (d, c) = (l.domain, l.defaults());
    let mut top = 1e-3f64;
    for i in 0..32 {
        for j in 0..32 {
            let p = [
                d[0] + (i as f64 + 0.5) / 32.0 * (d[1] - d[0]),
                d[2] + (j as f64 + 0.5) / 32.0 * (d[3] - d[2]),
            ];
            let h = l.hess64(p, c);
            let mean = 0.5 * (h[0] + h[2]);
            let radius = (0.25 * (h[0] - h[2]).powi(2) + h[1] * h[1]).sqrt();
            top = top.max(mean + radius);
        }
    }
    top
}

fn uniform(out: &Outcomes, r: u32, c: u32, f: impl Fn(usize) -> i64) -> bool {
    let v = f(out.index(r, c));
    for dr in -1i64..=1 {
        for dc in -1i64..=1 {
            let (rr, cc) = (r as i64 + dr, c as i64 + dc);
            if rr >= 0
                && cc >= 0
                && rr < out.rows as i64
                && cc < out.cols as i64
                && f(out.index(rr as u32, cc as u32)) != v
            {
                return false;
            }
        }
    }
    true
}

#[test]
fn gpu_matches_the_cpu_twin_for_every_pair() {
    let Some(mut gpu) = common::gpu() else { return };
    let mut report = Vec::new();
    let mut strict = 0usize;
    let mut total_diverged = 0usize;
    let cases = LANDSCAPES.iter().flat_map(|l| {
        let scaled = (1e-3 / curvature(l), 2.0 / curvature(l));
        let wide = WIDE.contains(&l.name).then_some((1e-3, 1.0));
        [Some(scaled), wide]
            .into_iter()
            .flatten()
            .flat_map(move |lr| OPTIMISERS.iter().map(move |o| (l, o, lr)))
    });
    for (l, o, lr) in cases {
        {
            let d = l.domain;
            let s = spec(
                l.name,
                optimiser_spec(o.name),
                axis("x0", d[0], d[1], false),
                axis("lr", lr.0, lr.1, true),
                (24, 24),
                300,
                [0.0, d[2] + 0.3 * (d[3] - d[2])],
            );
            let c = cpu::run(&s, &Progress::hidden());
            let g = gpu.run(&s, &Progress::hidden()).unwrap();
            let minima: Vec<basins::Attractor> =
                l.minima(s.landscape_params64()).into_iter().map(basins::Attractor::from).collect();
            let params = s.landscape_params64();
            let at_rest = |out: &Outcomes, i: usize| {
                let gr = l.grad64([out.x[i] as f64, out.y[i] as f64], params);
                !out.diverged(i) && gr[0].hypot(gr[1]) <= 1e-3
            };
            let labels = basins::label(&c, &minima);
            let gpu_labels = basins::label(&g, &minima);
            let mut agree = 0;
            let mut calm_cells = 0;
            for r in 0..c.rows {
                for col in 0..c.cols {
                    let i = c.index(r, col);
                    let flag_ok = c.diverged(i) == g.diverged(i);
                    let calm = uniform(&c, r, col, |j| c.div_step[j].signum() as i64);
                    calm_cells += calm as usize;
                    assert!(
                        flag_ok || !calm,
                        "{}+{}: cell ({r}, {col}) diverged cpu={} gpu={}",
                        l.name,
                        o.name,
                        c.diverged(i),
                        g.diverged(i)
                    );
                    if calm && c.diverged(i) && g.diverged(i) {
                        let (dc, dg) = (c.div_step[i], g.div_step[i]);
                        assert!(
                            (dc - dg).abs() <= 2,
                            "{}+{}: cell ({r}, {col}) left at step cpu={dc} gpu={dg}",
                            l.name,
                            o.name
                        );
                    }
                    let (a, b) = (c.loss[i] as f64, g.loss[i] as f64);
                    let loss_ok = c.diverged(i) || (a - b).abs() <= REL_TOL * a.abs().max(b.abs()) + ABS_TOL;
                    let settled =
                        calm && uniform(&c, r, col, |j| labels[j] as i64) && at_rest(&c, i) && at_rest(&g, i);
                    assert!(
                        loss_ok || !settled,
                        "{}+{}: cell ({r}, {col}) loss cpu={a} gpu={b}",
                        l.name,
                        o.name
                    );
                    strict += settled as usize;
                    agree += (flag_ok && (loss_ok || labels[i] == gpu_labels[i])) as usize;
                }
            }
            let share = agree as f64 / c.len() as f64;
            let diverged = (0..c.len()).filter(|&i| c.diverged(i)).count();
            total_diverged += diverged;
            report.push(format!(
                "{}+{} lr {:.1e}..{:.1e}: {:.1}% agree, {diverged} diverged",
                l.name,
                o.name,
                lr.0,
                lr.1,
                100.0 * share
            ));
            assert!(2 * calm_cells >= c.len(), "{}+{}: only {calm_cells} calm cells", l.name, o.name);
        }
    }
    eprintln!("{}\n{strict} cells checked to the strict loss tolerance", report.join("\n"));
    assert!(total_diverged > 2000, "only {total_diverged} diverged cells: divergence is barely tested");
    assert!(strict > 10_000, "only {strict} cells met the strict comparison: the grid no longer tests much");
}

#[test]
fn tiling_does_not_change_results() {
    let Some(mut gpu) = common::gpu() else { return };
    // 50x40 = 2000 cells in tiles of 256 (the last one partial): every result must equal the
    // single-tile run bit for bit.
    let s = spec(
        "himmelblau",
        "adam:lr=0.05",
        axis("x0", -5.0, 5.0, false),
        axis("y0", -5.0, 5.0, false),
        (50, 40),
        300,
        [0.0, 0.0],
    );
    let whole = gpu.run(&s, &Progress::hidden()).unwrap();
    gpu.set_tile_cap(256);
    let tiled = gpu.run(&s, &Progress::hidden()).unwrap();
    assert_eq!(whole, tiled);
    let c = cpu::run(&s, &Progress::hidden());
    let same_flags = (0..c.len()).filter(|&i| c.diverged(i) == tiled.diverged(i)).count();
    assert!(same_flags as f64 >= 0.99 * c.len() as f64);
}

#[test]
fn step_chunks_do_not_change_results() {
    use downhill::gpu::runner::{Plan, TILE_TARGET_CELLS};
    use downhill::spec::OptionsText;
    let Some(mut gpu) = common::gpu() else { return };
    // A dispatch runs about DISPATCH_WORK trajectory-steps: one 256x256 tile gets chunks of
    // 4096 steps, so 4200 steps run as 4096 + 104. Tiles of 4096 cells get chunks longer than
    // the run: the same grid then runs unchunked, in 16 tiles. Noise and a schedule make every
    // step depend on its absolute index, so a chunk that restarts, skips or repeats steps
    // changes every cell.
    let steps = 4200;
    let options =
        OptionsText { sigma: 0.01, seed: 5, schedule: Some("inv:gamma=0.001".into()), ..Default::default() };
    let s = common::spec_with(
        "rosenbrock",
        "gd:lr=2e-4",
        axis("x0", -2.0, 2.0, false),
        axis("y0", -1.0, 3.0, false),
        (256, 256),
        steps,
        [0.0, 0.0],
        options,
    );
    let cells = s.cells() as u64;
    let limits = &gpu.context().limits;
    let chunked = Plan::new(cells, steps, limits, TILE_TARGET_CELLS);
    assert_eq!(chunked.tile_cells as u64, cells, "{chunked:?}");
    assert!(chunked.chunk_steps < steps, "the run must take several chunks: {chunked:?}");
    let unchunked = Plan::new(cells, steps, limits, 4096);
    assert_eq!(unchunked.chunk_steps, steps, "{unchunked:?}");

    let a = gpu.run(&s, &Progress::hidden()).unwrap();
    gpu.set_tile_cap(4096);
    let b = gpu.run(&s, &Progress::hidden()).unwrap();
    assert_eq!(a, b, "chunked and unchunked runs differ");
    let diverged = (0..a.len()).filter(|&i| a.diverged(i)).count();
    assert!(diverged < a.len() / 2, "{diverged} cells diverged: too few run every chunk");
}
