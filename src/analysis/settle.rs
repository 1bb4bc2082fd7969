//! Whether the optimiser can settle at the minima of a basin map at all: near a minimum the
//! landscape is the quadratic of its Hessian, so gradient descent, heavy-ball momentum and
//! Nesterov converge there only when `lr` is below the edge of [`super::boundary`]'s rules for
//! the Hessian's largest eigenvalue `k` (`lr < 2/k` for GD). Past that edge at a minimum, no
//! start point converges to it: its basin can only hold trajectories that pass by. On
//! rastrigin (`k = 2 + 40 pi^2 = 397` at every minimum) the default `lr = 0.01` is past the edge
//! `2/397 = 0.00504` everywhere, so its basin map is one of trajectories that never converge,
//! and the summary says why.

use serde::Serialize;

use super::basins::Attractor;
use super::boundary::edge_constant;
use crate::spec::Spec;

/// One known minimum's linear stability under the run's optimiser.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MinimumEdge {
    /// Location `(x, y)` of the minimum.
    pub at: [f64; 2],
    /// Largest eigenvalue of the f64 Hessian there.
    pub curvature: f64,
    /// The largest stable learning rate there: the edge constant over `curvature`.
    pub edge_lr: f64,
    /// Whether the run's learning rate is below `edge_lr`.
    pub stable: bool,
}

/// The linear stability of every known minimum on a basin map.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settle {
    /// The rule, e.g. `lr < 2/k` or `lr < 2(1+beta)/k`, with `k` the Hessian's largest
    /// eigenvalue at the minimum.
    pub rule: &'static str,
    /// The run's learning rate.
    pub lr: f64,
    /// Every known minimum in the window, in the order of the map's attractors.
    pub minima: Vec<MinimumEdge>,
}

impl Settle {
    /// How many minima the run's learning rate is past the edge of.
    pub fn unstable(&self) -> usize {
        self.minima.iter().filter(|m| !m.stable).count()
    }

    /// The smallest edge over the minima (the learning rate below which the optimiser can
    /// settle at every one of them).
    pub fn lowest_edge(&self) -> f64 {
        self.minima.iter().map(|m| m.edge_lr).fold(f64::INFINITY, f64::min)
    }

    /// A warning for the summary when the learning rate is past the edge at some minimum:
    /// at every one, or at how many.
    pub fn warning(&self, optimiser: &str) -> Option<String> {
        let (bad, all) = (self.unstable(), self.minima.len());
        let edge = three_digits_below(self.lowest_edge());
        let lr = crate::fmt::num32(self.lr as f32);
        match bad {
            0 => None,
            n if n == all => Some(format!(
                "lr {lr} is past the edge {} at every minimum in view, so {optimiser} cannot settle at any; \
                 try lr below {edge}",
                self.rule
            )),
            n => Some(format!(
                "{optimiser} cannot settle at {n} of {all} minima in view (lr {lr} is past the edge {} there); \
                 lr below {edge} reaches them all",
                self.rule
            )),
        }
    }
}

/// `v > 0` rounded down to three significant digits, as text (`0.00504` for `0.0050405`): a
/// learning rate to suggest that stays below the edge `v`.
fn three_digits_below(v: f64) -> String {
    let exponent = v.log10().floor() as i32;
    let unit = 10f64.powi(exponent - 2);
    let decimals = (2 - exponent).max(0) as usize;
    format!("{:.decimals$}", (v / unit).floor() * unit)
}

/// The stability of the map's known minima, for a basin map (start points on the axes) of an
/// optimiser with a known edge (GD, heavy ball, Nesterov) and no option that changes it (noise,
/// clipping, L2, a schedule); `None` otherwise or when no known minimum is in view.
pub fn settle(spec: &Spec, attractors: &[Attractor]) -> Option<Settle> {
    spec.start_window()?;
    let f = spec.features();
    if f.noise || f.clip || f.l2 || f.schedule != 0 {
        return None;
    }
    let value = |name: &str| spec.value(name).map(f64::from);
    let (c, rule) = edge_constant(spec.optimiser.name, value("beta").unwrap_or(0.0))?;
    let lr = value("lr")?;
    let params = spec.landscape_params64();
    let minima: Vec<MinimumEdge> = attractors
        .iter()
        .filter(|a| !a.found)
        .map(|a| {
            let h = spec.landscape.hess64(a.at, params);
            let curvature = crate::sharpness::top_eigenvalue(h);
            let edge_lr = c / curvature;
            MinimumEdge { at: a.at, curvature, edge_lr, stable: lr < edge_lr }
        })
        .filter(|m| m.curvature.is_finite() && m.curvature > 0.0)
        .collect();
    (!minima.is_empty()).then_some(Settle { rule, lr, minima })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecBuilder;

    fn basins(landscape: &str, optimiser: &str) -> (Spec, Vec<Attractor>) {
        let spec = SpecBuilder::basins(landscape, optimiser, None, (8, 8), 10).unwrap().build().unwrap();
        let minima = spec.landscape.minima_in(spec.landscape_params64(), spec.basin_domain());
        (spec, minima.into_iter().map(Attractor::from).collect())
    }

    #[test]
    fn the_edge_at_a_bowls_minimum_is_two_over_its_largest_curvature() {
        // bowl: f = x^2 + 2 y^2, Hessian diag(2, 4): GD's edge 2/4, heavy ball's 2(1.9)/4.
        // (beta is the f32 0.9, so the heavy-ball edge is 0.95 to f32 accuracy.)
        let (spec, minima) = basins("bowl", "gd:lr=0.49");
        let s = settle(&spec, &minima).unwrap();
        assert_eq!((s.minima.len(), s.minima[0].curvature, s.minima[0].edge_lr), (1, 4.0, 0.5));
        assert!(s.minima[0].stable && s.warning("gd").is_none());
        let (spec, minima) = basins("bowl", "momentum:lr=0.96,beta=0.9");
        let s = settle(&spec, &minima).unwrap();
        assert!((s.minima[0].edge_lr - 0.95).abs() < 1e-7 && !s.minima[0].stable);
        assert!(s.warning("momentum").unwrap().contains("at every minimum"));
    }

    #[test]
    fn rastrigins_default_learning_rate_is_past_the_edge_everywhere() {
        let (spec, minima) = basins("rastrigin", "gd:lr=0.01");
        let s = settle(&spec, &minima).unwrap();
        // Curvature 2 + 40 pi^2 at the origin.
        let origin = s.minima.iter().find(|m| m.at == [0.0, 0.0]).unwrap();
        assert!((origin.curvature - (2.0 + 40.0 * std::f64::consts::PI.powi(2))).abs() < 1e-9);
        assert_eq!(s.unstable(), s.minima.len());
        assert!(s.warning("gd").unwrap().ends_with("try lr below 0.00504"), "{:?}", s.warning("gd"));
    }

    #[test]
    fn adaptive_optimisers_and_hyperparameter_maps_have_no_edge() {
        let (spec, minima) = basins("bowl", "adam");
        assert!(settle(&spec, &minima).is_none());
        assert_eq!(three_digits_below(0.0050405), "0.00504");
        assert_eq!(three_digits_below(123.99), "123");
        assert_eq!(three_digits_below(2.0), "2.00");
    }
}
