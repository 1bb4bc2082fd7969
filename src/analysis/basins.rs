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

/// Share of the grid in one basin, and how fast its trajectories converged.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BasinShare {
    /// The minimum's label, or `diverged` / `not converged`.
    pub label: String,
    /// Location of the minimum (absent for the `diverged` and `not converged` rows).
    pub at: Option<[f64; 2]>,
    /// Fraction of all cells: for a minimum, every non-diverged cell that ended nearest it.
    pub fraction: f64,
    /// Fraction of all cells that are in this basin and converged within the step budget.
    pub converged_fraction: f64,
    /// Mean steps to converge over this basin's converged cells.
    pub mean_steps: Option<f64>,
    /// Median steps to converge over this basin's converged cells.
    pub median_steps: Option<f64>,
}

fn mean_and_median(mut steps: Vec<i32>) -> (Option<f64>, Option<f64>) {
    if steps.is_empty() {
        return (None, None);
    }
    steps.sort_unstable();
    let n = steps.len();
    let mean = steps.iter().map(|&s| s as f64).sum::<f64>() / n as f64;
    let median =
        if n % 2 == 1 { steps[n / 2] as f64 } else { 0.5 * (steps[n / 2 - 1] + steps[n / 2]) as f64 };
    (Some(mean), Some(median))
}

/// Area fraction and convergence speed of every basin, then the `diverged` and
/// `not converged` (no divergence, gradient never below the tolerance) shares.
pub fn shares(out: &Outcomes, labels: &[i32], minima: &[Minimum]) -> Vec<BasinShare> {
    let n = labels.len().max(1) as f64;
    let mut rows: Vec<BasinShare> = minima
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let inside: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == k as i32).collect();
            let steps: Vec<i32> = inside.iter().map(|&i| out.conv_step[i]).filter(|&s| s >= 0).collect();
            let converged = steps.len();
            let (mean_steps, median_steps) = mean_and_median(steps);
            BasinShare {
                label: m.label.clone(),
                at: Some(m.at),
                fraction: inside.len() as f64 / n,
                converged_fraction: converged as f64 / n,
                mean_steps,
                median_steps,
            }
        })
        .collect();
    let div = labels.iter().filter(|&&l| l == DIVERGED).count();
    let stuck = (0..labels.len()).filter(|&i| labels[i] != DIVERGED && out.conv_step[i] < 0).count();
    for (label, count) in [("diverged", div), ("not converged", stuck)] {
        rows.push(BasinShare {
            label: label.into(),
            at: None,
            fraction: count as f64 / n,
            converged_fraction: 0.0,
            mean_steps: None,
            median_steps: None,
        });
    }
    rows
}

/// The shares as CSV: `label,x,y,fraction,converged_fraction,mean_steps,median_steps`.
pub fn csv(shares: &[BasinShare]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let mut s = String::from("label,x,y,fraction,converged_fraction,mean_steps,median_steps\n");
    for r in shares {
        let (x, y) = r.at.map_or((String::new(), String::new()), |a| (a[0].to_string(), a[1].to_string()));
        s.push_str(&format!(
            "\"{}\",{x},{y},{},{},{},{}\n",
            r.label,
            r.fraction,
            r.converged_fraction,
            opt(r.mean_steps),
            opt(r.median_steps)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::TrajState;

    #[test]
    fn shares_count_basins_divergence_and_stragglers() {
        let mut out = Outcomes::with_capacity(4, 1);
        let cell = |x: f32, div: i32, conv: i32| TrajState {
            pos: [x, 0.0],
            div_step: div,
            conv_step: conv,
            ..Default::default()
        };
        for s in [cell(-0.9, -1, 10), cell(-1.1, -1, 30), cell(1.0, -1, -1), cell(9.0, 4, -1)] {
            out.push(&s);
        }
        let minima = vec![
            Minimum { label: "left".into(), at: [-1.0, 0.0], loss: 0.0 },
            Minimum { label: "right".into(), at: [1.0, 0.0], loss: 0.0 },
        ];
        let labels = label(&out, &minima);
        assert_eq!(labels, vec![0, 0, 1, DIVERGED]);
        let rows = shares(&out, &labels, &minima);
        assert_eq!(rows[0].fraction, 0.5);
        assert_eq!((rows[0].mean_steps, rows[0].median_steps), (Some(20.0), Some(20.0)));
        assert_eq!((rows[1].fraction, rows[1].converged_fraction, rows[1].mean_steps), (0.25, 0.0, None));
        assert_eq!((rows[2].label.as_str(), rows[2].fraction), ("diverged", 0.25));
        assert_eq!((rows[3].label.as_str(), rows[3].fraction), ("not converged", 0.25));
        assert!(csv(&rows).starts_with("label,x,y,fraction"));
    }
}
