//! Stability boundaries: where along the learning-rate axis trajectories start to diverge, row
//! by row, and the analytic boundary for optimisers where theory gives one.
//!
//! On the quadratic `0.5 k x^2` (DESIGN.md conventions), gradient descent is stable for
//! `lr < 2/k`, heavy-ball momentum for `lr < 2(1+beta)/k`, and Nesterov (one-gradient form)
//! for `lr < 2(1+beta)/((1+2 beta) k)`. Just above a boundary the iterates grow by a factor
//! barely above 1 per step, so a finite step budget misses divergence there: the measured edge
//! can only sit at or above the analytic one.

use serde::Serialize;

use crate::outcome::Outcomes;
use crate::spec::Spec;

/// An analytic boundary `lr* = coefficient / k`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LrBoundary {
    /// `c` in `lr* = c / k`.
    pub coefficient: f64,
    /// The formula, for labels and metadata.
    #[serde(skip)]
    pub formula: &'static str,
}

/// The analytic critical learning rate on a quadratic for the spec's optimiser, if known.
pub fn analytic(spec: &Spec) -> Option<LrBoundary> {
    let beta = spec.value("beta").map(f64::from);
    match (spec.optimiser.name, beta) {
        ("gd", _) => Some(LrBoundary { coefficient: 2.0, formula: "lr = 2/k" }),
        ("momentum" | "momentum_sutskever", Some(b)) => {
            Some(LrBoundary { coefficient: 2.0 * (1.0 + b), formula: "lr = 2(1+beta)/k" })
        }
        ("nesterov", Some(b)) => Some(LrBoundary {
            coefficient: 2.0 * (1.0 + b) / (1.0 + 2.0 * b),
            formula: "lr = 2(1+beta)/((1+2beta)k)",
        }),
        _ => None,
    }
}

/// For every row, the first column (scanning up the x axis) whose trajectory diverged, or
/// `None` when no cell of the row diverged.
pub fn first_diverged_column(out: &Outcomes) -> Vec<Option<u32>> {
    (0..out.rows).map(|r| (0..out.cols).find(|&c| out.diverged(out.index(r, c)))).collect()
}

/// One row of a measured-versus-analytic comparison.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BoundaryRow {
    /// The row's y-axis value (cell centre), e.g. the curvature k.
    pub y: f64,
    /// Measured critical x value: the low edge of the first diverged cell, or null.
    pub measured: Option<f64>,
    /// Analytic critical x value, or null where none is known.
    pub analytic: Option<f64>,
    /// Measured minus analytic boundary in cells, where both fall inside the axis.
    pub cells_off: Option<f64>,
}

/// Measured boundary per row, with the analytic one (`lr = c / y`) when given.
pub fn compare(spec: &Spec, out: &Outcomes, theory: Option<LrBoundary>) -> Vec<BoundaryRow> {
    let ys = spec.y.centres();
    first_diverged_column(out)
        .into_iter()
        .zip(ys)
        .map(|(col, y)| {
            let y = y as f64;
            // The low edge of the first diverged cell.
            let measured = col.map(|c| spec.x.value_at(c as f64));
            let analytic = theory.map(|t| t.coefficient / y);
            let cells_off = match (col, analytic) {
                (Some(c), Some(a)) if spec.x.lo < a && a < spec.x.hi => Some(c as f64 - spec.x.position(a)),
                _ => None,
            };
            BoundaryRow { y, measured, analytic, cells_off }
        })
        .collect()
}
