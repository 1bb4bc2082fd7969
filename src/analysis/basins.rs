//! Basin labels: which known minimum each trajectory ended nearest to.

use serde::Serialize;

use crate::landscape::Minimum;
use crate::outcome::Outcomes;

/// Label of a diverged trajectory.
pub const DIVERGED: i32 = -1;
/// Label of a trajectory on a landscape with no known minima.
pub const UNLABELLED: i32 = -2;

/// For each cell, the index into `minima` of the minimum nearest its final point (Euclidean),
/// [`DIVERGED`] if it diverged, or [`UNLABELLED`] if there are no minima.
pub fn label(out: &Outcomes, minima: &[Minimum]) -> Vec<i32> {
    (0..out.len())
        .map(|i| {
            if out.diverged(i) {
                return DIVERGED;
            }
            let (x, y) = (out.x[i] as f64, out.y[i] as f64);
            minima
                .iter()
                .enumerate()
                .map(|(k, m)| (k, (m.at[0] - x).powi(2) + (m.at[1] - y).powi(2)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(UNLABELLED, |(k, _)| k as i32)
        })
        .collect()
}

/// Share of the grid in one basin.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BasinShare {
    /// The minimum's label, or `diverged`.
    pub label: String,
    /// Fraction of all cells.
    pub fraction: f64,
    /// Fraction of all cells that are in this basin and converged within the step budget.
    pub converged_fraction: f64,
}

/// Area fraction of every basin and of divergence.
pub fn shares(out: &Outcomes, labels: &[i32], minima: &[Minimum]) -> Vec<BasinShare> {
    let n = labels.len().max(1) as f64;
    let mut rows: Vec<BasinShare> = minima
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let inside = labels.iter().filter(|&&l| l == k as i32).count();
            let conv = (0..labels.len()).filter(|&i| labels[i] == k as i32 && out.conv_step[i] >= 0).count();
            BasinShare {
                label: m.label.clone(),
                fraction: inside as f64 / n,
                converged_fraction: conv as f64 / n,
            }
        })
        .collect();
    let div = labels.iter().filter(|&&l| l == DIVERGED).count();
    rows.push(BasinShare { label: "diverged".into(), fraction: div as f64 / n, converged_fraction: 0.0 });
    rows
}
