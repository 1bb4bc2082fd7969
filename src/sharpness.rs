//! Sharpness along 2-D trajectories, for edge-of-stability plots (Cohen et al. 2021, "Gradient
//! descent on neural networks typically occurs at the edge of stability"; Cohen et al. 2022,
//! "Adaptive gradient methods at the edge of stability").
//!
//! The sharpness at an iterate is the largest eigenvalue of the Hessian of the objective the
//! optimiser descends there: the landscape's exact f64 Hessian ([`Landscape::hess64`]), plus
//! `l2` on the diagonal where coupled L2 decay is on. For a symmetric 2x2 matrix it has a closed
//! form ([`top_eigenvalue`]). For optimisers with a diagonal preconditioner `P` the quantity
//! that meets a stability threshold is the preconditioned sharpness, the largest eigenvalue of
//! `P^-1 H` ([`preconditioned_top`]), with `P` as Cohen et al. 2022 define it: the step is
//! `x <- x - lr P^-1 m`, so for Adam `P = (1 - beta1^t) (sqrt(v_hat) + eps)` with bias
//! correction (`P = sqrt(v) + eps` without), `v_hat = v / (1 - beta2^t)` after the `t`-th
//! moment update; AMSGrad puts its running maximum in `v`'s place; RMSProp and Adagrad have
//! `P = sqrt(s) + eps`.
//!
//! Host-side analysis of the iterates a run already produced: the preconditioner is rebuilt by
//! replaying the optimiser's own f64 twin (`opt_step`) along the recorded iterates, with the
//! gradient the kernel saw (noise, clipping and L2 included). The preconditioner at row `t` is
//! the one the step from iterate `t` uses. It runs nothing on the GPU and changes no kernel.

use crate::cell::CellParams;
use crate::landscape::Landscape;
use crate::optimiser::OptState;
use crate::options;
use crate::spec::Spec;

/// Largest eigenvalue of the symmetric matrix `[[h[0], h[1]], [h[1], h[2]]]` (the algebraic
/// largest: negative where the point is a maximum).
pub fn top_eigenvalue(h: [f64; 3]) -> f64 {
    let mean = 0.5 * (h[0] + h[2]);
    let radius = (0.5 * (h[0] - h[2])).hypot(h[1]);
    mean + radius
}

/// Largest eigenvalue of `P^-1 H` for the symmetric `H = [[h[0], h[1]], [h[1], h[2]]]` and a
/// positive diagonal `P = diag(p)`: the same as that of the symmetric `P^-1/2 H P^-1/2`.
pub fn preconditioned_top(h: [f64; 3], p: [f64; 2]) -> f64 {
    top_eigenvalue([h[0] / p[0], h[1] / (p[0] * p[1]).sqrt(), h[2] / p[1]])
}

/// Which stability threshold an optimiser has, and on which sharpness.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Gradient descent: raw sharpness against `2 / lr`.
    Gd,
    /// Heavy-ball momentum (either form): raw sharpness against `(2 + 2 beta) / lr`.
    HeavyBall,
    /// Nesterov momentum: raw sharpness against `(2 + 2 beta) / ((1 + 2 beta) lr)`.
    Nesterov,
    /// Adam, AdamW and AMSGrad: preconditioned sharpness against
    /// `(2 + 2 beta1) / ((1 - beta1) lr)` (`38 / lr` at `beta1 = 0.9`).
    Adam,
    /// RMSProp and Adagrad: preconditioned sharpness against `2 / lr`.
    Rms,
}

impl Rule {
    /// The rule of the optimiser named `name`, where the papers give one.
    pub fn of(name: &str) -> Option<Rule> {
        Some(match name {
            "gd" => Rule::Gd,
            "momentum" | "momentum_sutskever" => Rule::HeavyBall,
            "nesterov" => Rule::Nesterov,
            "adam" | "adamw" | "amsgrad" => Rule::Adam,
            "rmsprop" | "adagrad" => Rule::Rms,
            _ => return None,
        })
    }

    /// Whether the threshold applies to the preconditioned sharpness.
    pub fn preconditioned(self) -> bool {
        matches!(self, Rule::Adam | Rule::Rms)
    }
}

/// A stability threshold: the value the (preconditioned) sharpness hovers at, and its formula.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Threshold {
    /// The threshold, in units of the Hessian.
    pub value: f64,
    /// The formula and its value, e.g. `2/lr = 20` (the hyperparameters as the optimiser's
    /// legend gives them).
    pub formula: String,
    /// Whether it bounds the preconditioned sharpness (else the raw sharpness).
    pub preconditioned: bool,
}

/// The stability threshold of the spec's optimiser at its base learning rate (a schedule's
/// changes are not followed), or `None` where the papers give none (nadam, lion, newton) or
/// the learning rate is 0.
pub fn threshold(spec: &Spec) -> Option<Threshold> {
    let h0 = &spec.values[crate::param::OPTIMISER_BASE..crate::param::OPTIMISER_BASE + 4];
    threshold_of(spec.optimiser.name, h0[0] as f64, h0[1] as f64)
}

/// The stability threshold of the optimiser named `name` at learning rate `lr` and first
/// hyperparameter after it `b` (`beta` or `beta1`; unused by GD, RMSProp and Adagrad), or
/// `None` where the papers give none or `lr` is not positive.
pub fn threshold_of(name: &str, lr: f64, b: f64) -> Option<Threshold> {
    let rule = Rule::of(name)?;
    if lr <= 0.0 {
        return None;
    }
    // GD, heavy ball and Nesterov: the critical `lr k` of their linear stability on a
    // quadratic ([`crate::analysis::boundary::edge_constant`]) over `lr`.
    let linear = |formula| crate::analysis::boundary::edge_constant(name, b).map(|(c, _)| (c / lr, formula));
    let (value, formula) = match rule {
        Rule::Gd => linear("2/lr")?,
        Rule::HeavyBall => linear("(2+2β)/lr")?,
        Rule::Nesterov => linear("(2+2β)/((1+2β)lr)")?,
        Rule::Rms => (2.0 / lr, "2/lr"),
        Rule::Adam => ((2.0 + 2.0 * b) / ((1.0 - b) * lr), "(2+2β1)/((1−β1)lr)"),
    };
    (value.is_finite()).then(|| Threshold {
        formula: format!("{formula} = {}", crate::paint::sig3(value as f32)),
        value,
        preconditioned: rule.preconditioned(),
    })
}

/// The sharpness at one iterate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sharpness {
    /// Largest eigenvalue of the objective's Hessian.
    pub raw: f64,
    /// Largest eigenvalue of `P^-1 H`, for optimisers with a diagonal preconditioner.
    pub preconditioned: Option<f64>,
}

/// The diagonal preconditioner `P` of the step that `s` (the state after the moment update)
/// takes, for the optimisers that have one (see the module's documentation).
pub(crate) fn preconditioner(name: &str, s: &OptState<f64>, h0: [f64; 4], h1: [f64; 4]) -> Option<[f64; 2]> {
    let adam = |v: [f64; 2]| {
        let (b1t, b2t) = (s.c[0], s.c[1]);
        if h1[0] != 0.0 {
            v.map(|v| (1.0 - b1t) * ((v / (1.0 - b2t)).sqrt() + h0[3]))
        } else {
            v.map(|v| v.sqrt() + h0[3])
        }
    };
    match name {
        "adam" | "adamw" => Some(adam(s.b)),
        "amsgrad" => Some(adam(s.d)),
        "rmsprop" => Some(s.b.map(|v| v.sqrt() + h0[2])),
        "adagrad" => Some(s.b.map(|v| v.sqrt() + h0[1])),
        _ => None,
    }
}

/// The sharpness at every recorded iterate `points` (`(x, y, loss)` rows from step 0) of a
/// single-trajectory `spec` (a `trace`): raw for every optimiser, preconditioned where the
/// optimiser has a preconditioner (rebuilt by replaying its f64 twin along the iterates).
pub fn along(spec: &Spec, points: &[[f32; 3]]) -> Vec<Sharpness> {
    let Some(first) = points.first() else { return Vec::new() };
    let l: &Landscape = spec.landscape;
    let p = CellParams::<f64>::new(spec, 0, first[0] as f64, first[1] as f64);
    let features = spec.features();
    let l2 = if features.l2 { p.opts[2] } else { 0.0 };
    let o = spec.optimiser;
    let has_p = Rule::of(o.name).is_some_and(Rule::preconditioned);
    let mut state = (o.init64)(p.h0, p.h1);
    let hess = |x: [f64; 2], c: [f64; 4]| l.hess64(x, c);
    points
        .iter()
        .enumerate()
        .map(|(t, q)| {
            let x = [q[0] as f64, q[1] as f64];
            let h = l.hess64(x, p.c);
            let h = [h[0] + l2, h[1], h[2] + l2];
            let preconditioned = if has_p {
                let g = options::perturb(features, l.grad64(x, p.c), x, p.opts, spec.seed, p.cell, t as u32);
                // The step's result is not used: the next row is the recorded iterate.
                (o.step64)(x, g, &mut state, p.h0, p.h1, t as u32, &hess, p.c);
                preconditioner(o.name, &state, p.h0, p.h1).map(|d| preconditioned_top(h, d))
            } else {
                None
            };
            Sharpness { raw: top_eigenvalue(h), preconditioned }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_eigenvalue_of_known_matrices() {
        assert_eq!(top_eigenvalue([3.0, 0.0, -5.0]), 3.0);
        assert_eq!(top_eigenvalue([-3.0, 0.0, -5.0]), -3.0);
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        assert!((top_eigenvalue([2.0, 1.0, 2.0]) - 3.0).abs() < 1e-15);
    }

    #[test]
    fn preconditioned_top_is_the_eigenvalue_of_p_inverse_h() {
        // P^-1 H = [[2/2, 1/2], [1/4, 3/4]]: trace 1.75, determinant 0.75 - 0.125 = 0.625.
        let (tr, det) = (1.75f64, 0.625f64);
        let want = 0.5 * (tr + (tr * tr - 4.0 * det).sqrt());
        assert!((preconditioned_top([2.0, 1.0, 3.0], [2.0, 4.0]) - want).abs() < 1e-14);
    }
}
