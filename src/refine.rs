//! Boundary refinement: the critical value of the x parameter (typically the learning rate)
//! for every row of a map, first bracketed by the grid (from the low end of the x axis to the
//! first diverged cell centre: a cell the grid's shorter run left undiverged may still diverge
//! under the longer probes, so only the diverged end is trusted), then narrowed in rounds on
//! the backend: each round probes [`PROBES`] values
//! inside every row's bracket at once (one x value per cell) and keeps the sub-bracket where
//! divergence starts, until every bracket is narrower than the requested relative precision.
//!
//! Assumes divergence is monotone in x inside a bracket (true on quadratics; elsewhere the
//! result is the first onset of divergence the probes find). The divergence test is the run's
//! own (threshold, step budget): just above a boundary the iterates grow by a factor of about
//! `1 + rho` per step for a relative excess `rho`, so they need about `ln(threshold / |x0|) /
//! rho` steps to escape; [`steps_for`] sizes the budget from the precision accordingly.

use serde::Serialize;

use crate::analysis::boundary::{LrBoundary, first_diverged_column};
use crate::error::Error;
use crate::outcome::Outcomes;
use crate::progress::Progress;
use crate::runner::Backend;
use crate::spec::Spec;

/// Values probed per row and round (each round narrows brackets by `PROBES + 1`).
pub const PROBES: u32 = 16;
/// Most rounds run.
pub const MAX_ROUNDS: u32 = 20;
/// Most steps per probe trajectory.
pub const MAX_STEPS: u32 = 2_000_000;

/// The step budget for relative precision `precision`: twice the steps a trajectory whose
/// growth factor exceeds 1 by `precision` needs to go from 1 to `threshold`.
pub fn steps_for(precision: f64, threshold: f32) -> u32 {
    let need = 2.0 * (threshold as f64).ln().max(1.0) / precision;
    need.ceil().clamp(1.0, MAX_STEPS as f64) as u32
}

/// One row's refined boundary.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RefinedRow {
    /// The row's y value (cell centre).
    pub y: f64,
    /// Largest x known stable, or null where the row has no bracket.
    pub low: Option<f64>,
    /// Smallest x known to diverge.
    pub high: Option<f64>,
    /// Midpoint of the final bracket: the measured critical x.
    pub critical: Option<f64>,
    /// The analytic critical x, where known.
    pub analytic: Option<f64>,
    /// `critical / analytic - 1`.
    pub rel_error: Option<f64>,
}

/// Refines the boundary of every row of `out` (the outcome grid of `spec`) to relative
/// precision `precision`, probing with `steps` steps per trajectory.
pub fn refine(
    backend: &mut Backend,
    spec: &Spec,
    out: &Outcomes,
    precision: f64,
    steps: u32,
    theory: Option<LrBoundary>,
) -> Result<Vec<RefinedRow>, Error> {
    let xs = spec.x.centres();
    let rows = spec.y.cells as usize;
    let mut brackets: Vec<Option<(f64, f64)>> = first_diverged_column(out)
        .into_iter()
        .map(|c| c.map(|c| (spec.x.lo, xs[c as usize] as f64)))
        .collect();
    let wide = |b: &Option<(f64, f64)>| b.is_some_and(|(lo, hi)| hi - lo > precision * hi.abs());
    let mut probe = spec.clone();
    probe.steps = steps;
    probe.x.cells = PROBES;
    for _ in 0..MAX_ROUNDS {
        if !brackets.iter().any(wide) {
            break;
        }
        let n = PROBES as usize;
        let mut values = vec![0f32; rows * n];
        for (r, b) in brackets.iter().enumerate() {
            let (lo, hi) = b.unwrap_or((xs[0] as f64, xs[0] as f64));
            for j in 0..n {
                values[r * n + j] = (lo + (j as f64 + 1.0) / (n as f64 + 1.0) * (hi - lo)) as f32;
            }
        }
        probe.x_per_cell = Some(values.clone());
        let res = backend.run(&probe, &Progress::hidden())?;
        for (r, b) in brackets.iter_mut().enumerate() {
            let Some((lo, hi)) = *b else { continue };
            let v = |j: usize| values[r * n + j] as f64;
            *b = Some(match (0..n).find(|&j| res.diverged(r * n + j)) {
                Some(0) => (lo, v(0)),
                Some(j) => (v(j - 1), v(j)),
                None => (v(n - 1), hi),
            });
        }
    }
    let ys = spec.y.centres();
    Ok(brackets
        .into_iter()
        .zip(ys)
        .map(|(b, y)| {
            let y = y as f64;
            let critical = b.map(|(lo, hi)| 0.5 * (lo + hi));
            let analytic = theory.map(|t| t.coefficient / y);
            let rel_error = match (critical, analytic) {
                (Some(c), Some(a)) => Some(c / a - 1.0),
                _ => None,
            };
            RefinedRow { y, low: b.map(|b| b.0), high: b.map(|b| b.1), critical, analytic, rel_error }
        })
        .collect())
}

/// The rows as CSV: `y,low,high,critical,analytic,rel_error` (empty where unknown).
pub fn csv(y_name: &str, x_name: &str, rows: &[RefinedRow]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let mut s =
        format!("{y_name},{x_name}_low,{x_name}_high,{x_name}_critical,{x_name}_analytic,rel_error\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.y,
            opt(r.low),
            opt(r.high),
            opt(r.critical),
            opt(r.analytic),
            opt(r.rel_error)
        ));
    }
    s
}
