//! Boundary refinement: where divergence starts along the x axis, row by row, narrowed on the
//! backend far below the grid's resolution.
//!
//! Each row's boundary is first bracketed by the grid, then narrowed in rounds: each round
//! probes [`PROBES`] values inside every row's bracket at once (one x value per cell) and
//! keeps the sub-bracket where divergence starts, until every bracket is narrower than the
//! requested relative precision (`|diverged - stable| <= precision * |edge|`).
//!
//! Two kinds of x axis:
//! - a hyperparameter such as the learning rate (stability maps, sweeps): one edge per row,
//!   bracketed from the low end of the axis to the first diverged cell centre. A cell the
//!   grid's shorter run left undiverged may still diverge under the longer probes, so only the
//!   diverged end is trusted;
//! - a start coordinate (`x0`, basin maps): the region of starts that does not diverge has
//!   an edge on each side, so each row gets its first and last change between diverged and
//!   not diverged, each bracketed by the two neighbouring cell centres.
//!
//! Assumes divergence is monotone inside a bracket (true on quadratics; elsewhere the result
//! is the first onset of divergence the probes find). The divergence test is the run's own
//! (threshold, step budget): just above a learning-rate boundary the iterates grow by a factor
//! of about `1 + rho` per step for a relative excess `rho`, so they need about
//! `ln(threshold / |x0|) / rho` steps to escape; [`steps_for`] sizes the budget from the
//! precision accordingly.

use serde::Serialize;

use crate::analysis::boundary::{Theory, first_diverged_column};
use crate::error::Error;
use crate::outcome::Bands;
use crate::param;
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

/// Which edge of a row a refined boundary is.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Edge {
    /// The first change scanning up the x axis.
    First,
    /// The last change (start-coordinate axes only).
    Last,
}

/// One row's refined boundary.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RefinedRow {
    /// The row's y value (cell centre).
    pub y: f64,
    /// Which edge of the row.
    pub edge: Edge,
    /// The x value nearest the edge known not to diverge, or null where the row has no edge.
    pub stable: Option<f64>,
    /// The x value nearest the edge known to diverge.
    pub diverged: Option<f64>,
    /// Midpoint of the final bracket: the measured critical x.
    pub critical: Option<f64>,
    /// The analytic critical x, where known.
    pub analytic: Option<f64>,
    /// `critical / analytic - 1`.
    pub rel_error: Option<f64>,
}

/// A bracket `(stable, diverged)`: the edge lies between, in either order.
type Bracket = Option<(f64, f64)>;

/// The grid's brackets for `edge` of every row.
fn brackets(spec: &Spec, cells: &dyn Bands, edge: Edge) -> Result<Vec<Bracket>, Error> {
    let xs = spec.x.centres();
    if spec.x.slot != param::SLOT_X0 {
        return Ok(first_diverged_column(cells)?
            .into_iter()
            .map(|c| c.map(|c| (spec.x.lo, xs[c as usize] as f64)))
            .collect());
    }
    let mut all = Vec::with_capacity(cells.rows() as usize);
    cells.each(&mut |_, out| {
        all.extend((0..out.rows).map(|r| {
            let div = |c: u32| out.diverged(out.index(r, c));
            let change = |c: u32| div(c) != div(c + 1);
            let c = match edge {
                Edge::First => (0..out.cols - 1).find(|&c| change(c)),
                Edge::Last => (0..out.cols - 1).rev().find(|&c| change(c)),
            }?;
            let (a, b) = (xs[c as usize] as f64, xs[c as usize + 1] as f64);
            Some(if div(c) { (b, a) } else { (a, b) })
        }));
    })?;
    Ok(all)
}

/// Narrows every bracket to relative precision `precision`, probing with `probe`'s steps
/// (each round's trajectory-steps added to `progress`).
fn narrow(
    backend: &mut Backend,
    probe: &mut Spec,
    brackets: &mut [Bracket],
    precision: f64,
    progress: &Progress,
) -> Result<(), Error> {
    let wide = |b: &Bracket| b.is_some_and(|(s, d)| (d - s).abs() > precision * s.abs().max(d.abs()));
    let n = PROBES as usize;
    for _ in 0..MAX_ROUNDS {
        if !brackets.iter().any(wide) {
            break;
        }
        let mut values = vec![0f32; brackets.len() * n];
        for (r, b) in brackets.iter().enumerate() {
            let (s, d) = b.unwrap_or((probe.x.lo, probe.x.lo));
            for j in 0..n {
                values[r * n + j] = (s + (j as f64 + 1.0) / (n as f64 + 1.0) * (d - s)) as f32;
            }
        }
        probe.x_per_cell = Some(values.clone());
        let res = backend.run(probe, &Progress::hidden())?;
        progress.add(probe.cells() as u64 * probe.steps as u64);
        for (r, b) in brackets.iter_mut().enumerate() {
            let Some((s, d)) = *b else { continue };
            let v = |j: usize| values[r * n + j] as f64;
            *b = Some(match (0..n).find(|&j| res.diverged(r * n + j)) {
                Some(0) => (s, v(0)),
                Some(j) => (v(j - 1), v(j)),
                None => (v(n - 1), d),
            });
        }
    }
    Ok(())
}

/// Refines the boundary of every row of `cells` (the outcome grid of `spec`) to relative
/// precision `precision`, probing with `steps` steps per trajectory: the first edge of each
/// row, and for start-coordinate x axes also the last edge where it differs. With
/// `show_progress`, a bar in trajectory-steps shows the rounds of probes.
pub fn refine(
    backend: &mut Backend,
    spec: &Spec,
    cells: &dyn Bands,
    precision: f64,
    steps: u32,
    theory: Option<&Theory>,
    show_progress: bool,
) -> Result<Vec<RefinedRow>, Error> {
    let mut probe = spec.clone();
    probe.steps = steps;
    probe.x.cells = PROBES;
    let ys: Vec<f64> = spec.y.centres().into_iter().map(f64::from).collect();
    let edges: &[Edge] =
        if spec.x.slot == param::SLOT_X0 { &[Edge::First, Edge::Last] } else { &[Edge::First] };
    // At most MAX_ROUNDS rounds of probes per edge; most rows narrow sooner, and the bar
    // then jumps to the end.
    let round = spec.y.cells as u64 * PROBES as u64 * steps as u64;
    let progress = Progress::new(edges.len() as u64 * MAX_ROUNDS as u64 * round, "refine", show_progress)
        .without_pace_warning();
    let mut rows = Vec::new();
    let mut first = Vec::new();
    for (k, &edge) in edges.iter().enumerate() {
        let mut b = brackets(spec, cells, edge)?;
        if edge == Edge::Last {
            // A row with a single change has it as both its first and its last edge.
            for (r, f) in b.iter_mut().zip(&first) {
                if r == f {
                    *r = None;
                }
            }
        }
        first.clone_from(&b);
        narrow(backend, &mut probe, &mut b, precision, &progress)?;
        progress.set((k as u64 + 1) * MAX_ROUNDS as u64 * round);
        for (b, &y) in b.into_iter().zip(&ys) {
            if edge == Edge::Last && b.is_none() {
                continue;
            }
            let critical = b.map(|(s, d)| 0.5 * (s + d));
            let analytic = theory.and_then(|t| t.critical(y));
            let rel_error = match (critical, analytic) {
                (Some(c), Some(a)) => Some(c / a - 1.0),
                _ => None,
            };
            rows.push(RefinedRow {
                y,
                edge,
                stable: b.map(|b| b.0),
                diverged: b.map(|b| b.1),
                critical,
                analytic,
                rel_error,
            });
        }
    }
    progress.finish();
    Ok(rows)
}

/// The rows as CSV: `y,edge,stable,diverged,critical,analytic,rel_error` with the axes'
/// parameter names (empty where unknown).
pub fn csv(y_name: &str, x_name: &str, rows: &[RefinedRow]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), crate::fmt::num);
    let mut s = format!(
        "{y_name},edge,{x_name}_stable,{x_name}_diverged,{x_name}_critical,{x_name}_analytic,rel_error\n"
    );
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            crate::fmt::num(r.y),
            if r.edge == Edge::First { "first" } else { "last" },
            opt(r.stable),
            opt(r.diverged),
            opt(r.critical),
            opt(r.analytic),
            opt(r.rel_error)
        ));
    }
    s
}
