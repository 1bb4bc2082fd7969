//! Stability boundaries: where along the x axis (typically the learning rate) trajectories
//! start to diverge, row by row, and the analytic boundary where theory gives one.
//!
//! On the quadratic `0.5 (kx x^2 + ky y^2)` (DESIGN.md conventions) a linear optimiser's
//! iterates along each axis with a non-zero start component evolve independently, and the
//! stiffest excited direction (largest k) diverges first: gradient descent is stable for
//! `0 < lr k < 2`, heavy-ball momentum (either form) for `|beta| < 1` and
//! `0 < lr k < 2(1+beta)`, Nesterov (one-gradient form) for `0 <= beta < 1` and
//! `0 < lr k < 2(1+beta)/(1+2 beta)`. So with the learning rate on the x axis and the
//! curvature, `beta` or any parameter the boundary does not depend on on the y axis, each row
//! has an analytic critical learning rate. Just above a boundary the iterates grow by a factor
//! barely above 1 per step, so a finite step budget misses divergence there: the measured edge
//! can only sit at or above the analytic one.

use serde::Serialize;

use crate::error::Error;
use crate::outcome::Bands;
use crate::spec::Spec;

/// The update rule a known boundary belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// `lr* = 2/k`.
    Gd,
    /// `lr* = 2(1+beta)/k` for `|beta| < 1`.
    HeavyBall,
    /// `lr* = 2(1+beta)/((1+2beta)k)` for `0 <= beta < 1`.
    Nesterov,
}

impl Rule {
    /// The rule of an optimiser, with its formula for labels and metadata.
    fn of(optimiser: &str) -> Option<(Rule, &'static str)> {
        match optimiser {
            "gd" => Some((Rule::Gd, "lr = 2/k")),
            "momentum" | "momentum_sutskever" => Some((Rule::HeavyBall, "lr = 2(1+beta)/k")),
            "nesterov" => Some((Rule::Nesterov, "lr = 2(1+beta)/((1+2beta)k)")),
            _ => None,
        }
    }

    /// The critical `lr k` at momentum `beta`, or `None` where no learning rate is stable.
    fn constant(self, beta: f64) -> Option<f64> {
        match self {
            Rule::Gd => Some(2.0),
            Rule::HeavyBall if beta.abs() < 1.0 => Some(2.0 * (1.0 + beta)),
            Rule::Nesterov if (0.0..1.0).contains(&beta) => Some(2.0 * (1.0 + beta) / (1.0 + 2.0 * beta)),
            _ => None,
        }
    }
}

/// The critical `lr k` of `optimiser` at momentum `beta` on a quadratic of largest curvature
/// `k` (2 for GD), with the edge's formula; `None` for optimisers without a known linear edge
/// (adaptive ones) or where no learning rate is stable.
pub fn edge_constant(optimiser: &str, beta: f64) -> Option<(f64, &'static str)> {
    let (rule, formula) = Rule::of(optimiser)?;
    Some((rule.constant(beta)?, formula))
}

/// An analytic critical learning rate on a quadratic, as a function of the row value.
#[derive(Clone, Debug, PartialEq)]
pub struct Theory {
    rule: Rule,
    /// Curvatures `kx`, `ky` and momentum `beta` outside the axes.
    kx: f64,
    ky: f64,
    beta: f64,
    /// Which directions the start point excites (non-zero start component).
    excited: [bool; 2],
    /// What the y axis sweeps.
    row: Row,
    /// The formula, for labels and metadata, e.g. `lr = 2(1+beta)/k`.
    pub formula: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Row {
    Kx,
    Ky,
    Beta,
    /// A parameter the boundary does not depend on.
    Other,
}

/// The analytic critical learning rate for the spec, if theory gives one: the landscape is the
/// quadratic piece (`quadratic` or `bowl`), the x axis is `lr`, the optimiser is `gd`,
/// `momentum`, `momentum_sutskever` or `nesterov`, no option (noise, clipping, L2, schedule)
/// is on, and the y axis is `kx`, `ky`, `beta` or a parameter of neither the landscape nor the
/// optimiser's boundary.
pub fn analytic(spec: &Spec) -> Option<Theory> {
    let (rule, formula) = Rule::of(spec.optimiser.name)?;
    let f = spec.features();
    if spec.landscape.piece != "quadratic"
        || spec.x.param != "lr"
        || f.noise
        || f.clip
        || f.l2
        || f.schedule != 0
    {
        return None;
    }
    let row = match spec.y.param.as_str() {
        "kx" => Row::Kx,
        "ky" => Row::Ky,
        "beta" if rule != Rule::Gd => Row::Beta,
        "x0" | "y0" => return None,
        _ => Row::Other,
    };
    let value = |name: &str| spec.value(name).map(f64::from);
    let start = [value("x0")?, value("y0")?];
    Some(Theory {
        rule,
        kx: value("kx")?,
        ky: value("ky")?,
        beta: value("beta").unwrap_or(0.0),
        excited: [start[0] != 0.0, start[1] != 0.0],
        row,
        formula,
    })
}

impl Theory {
    /// The critical learning rate of the row whose y value is `y`, or `None` where no
    /// learning rate is stable (a negative curvature, `|beta| >= 1`) or no direction is
    /// excited.
    pub fn critical(&self, y: f64) -> Option<f64> {
        let kx = if self.row == Row::Kx { y } else { self.kx };
        let ky = if self.row == Row::Ky { y } else { self.ky };
        let beta = if self.row == Row::Beta { y } else { self.beta };
        let k =
            [kx, ky].into_iter().zip(self.excited).filter(|(_, e)| *e).map(|(k, _)| k).reduce(f64::max)?;
        if k <= 0.0 {
            return None;
        }
        Some(self.rule.constant(beta)? / k)
    }
}

/// For every row, the first column (scanning up the x axis) whose trajectory diverged, or
/// `None` when no cell of the row diverged.
pub fn first_diverged_column(cells: &dyn Bands) -> Result<Vec<Option<u32>>, Error> {
    let mut first = Vec::with_capacity(cells.rows() as usize);
    cells.each(&mut |_, out| {
        first.extend((0..out.rows).map(|r| (0..out.cols).find(|&c| out.diverged(out.index(r, c)))));
    })?;
    Ok(first)
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

/// Measured boundary per row, with the analytic one when given.
pub fn compare(spec: &Spec, cells: &dyn Bands, theory: Option<&Theory>) -> Result<Vec<BoundaryRow>, Error> {
    let ys = spec.y.centres();
    Ok(first_diverged_column(cells)?
        .into_iter()
        .zip(ys)
        .map(|(col, y)| {
            let y = y as f64;
            // The low edge of the first diverged cell.
            let measured = col.map(|c| spec.x.value_at(c as f64));
            let analytic = theory.and_then(|t| t.critical(y));
            let cells_off = match (col, analytic) {
                (Some(c), Some(a)) if spec.x.lo < a && a < spec.x.hi => Some(c as f64 - spec.x.position(a)),
                _ => None,
            };
            BoundaryRow { y, measured, analytic, cells_off }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{AxisText, OptionsText, Scale, SpecBuilder};

    fn spec(
        landscape: &str,
        optimiser: &str,
        y: (&str, f64, f64),
        start: [f64; 2],
        options: OptionsText,
    ) -> Spec {
        let axis = |param: &str, lo, hi| AxisText { param: param.into(), lo, hi, scale: Scale::Lin };
        SpecBuilder {
            landscape: landscape.into(),
            optimiser: optimiser.into(),
            start: Some(start),
            x: axis("lr", 0.0, 4.0),
            y: axis(y.0, y.1, y.2),
            res: (4, 4),
            steps: 10,
            threshold: 1e6,
            conv_tol: 1e-4,
            options,
        }
        .build()
        .unwrap()
    }

    #[test]
    fn theory_follows_the_stiffest_excited_direction() {
        let plain = OptionsText::default;
        // Both directions excited: the stiffer one (ky = 4 unless the row's kx is larger).
        let t = analytic(&spec("quadratic:ky=4", "gd", ("kx", 0.1, 10.0), [1.0, 1.0], plain())).unwrap();
        assert_eq!((t.critical(1.0), t.critical(8.0)), (Some(0.5), Some(0.25)));
        // Only x excited: ky does not matter; a negative curvature has no stable rate.
        let t = analytic(&spec("quadratic:ky=4", "gd", ("kx", -1.0, 10.0), [1.0, 0.0], plain())).unwrap();
        assert_eq!((t.critical(1.0), t.critical(-0.5)), (Some(2.0), None));
        // bowl is the same piece (kx = 2); ky does not matter when y is not excited.
        let t = analytic(&spec("bowl", "gd", ("ky", 0.0, 10.0), [1.0, 0.0], plain())).unwrap();
        assert_eq!(t.critical(3.0), Some(1.0));
    }

    #[test]
    fn theory_over_beta_and_where_there_is_none() {
        let plain = OptionsText::default;
        let t = analytic(&spec("quadratic", "momentum", ("beta", 0.0, 0.99), [1.0, 0.0], plain())).unwrap();
        assert_eq!((t.critical(0.5), t.formula), (Some(3.0), "lr = 2(1+beta)/k"));
        let t = analytic(&spec("quadratic", "nesterov", ("beta", 0.0, 0.99), [1.0, 0.0], plain())).unwrap();
        assert!((t.critical(0.5).unwrap() - 1.5).abs() < 1e-12);
        // Start coordinates on the y axis, other landscapes and optimisers, options: no theory.
        assert!(analytic(&spec("quadratic", "gd", ("y0", -1.0, 1.0), [1.0, 0.0], plain())).is_none());
        assert!(analytic(&spec("rosenbrock", "gd", ("a", 0.5, 1.0), [1.0, 0.0], plain())).is_none());
        assert!(analytic(&spec("quadratic", "adam", ("kx", 0.5, 1.0), [1.0, 0.0], plain())).is_none());
        let noisy = OptionsText { sigma: 0.1, ..Default::default() };
        assert!(analytic(&spec("quadratic", "gd", ("kx", 0.5, 1.0), [1.0, 0.0], noisy)).is_none());
    }
}
