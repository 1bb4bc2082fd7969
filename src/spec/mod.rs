//! The validated description of one sweep: landscape, optimiser, start point, the two grid
//! axes and the run settings. [`text`] parses the command line's strings, [`builder`] turns
//! them into a [`Spec`], and [`check`] holds the checks both share; bad input is an
//! [`Error::Input`] naming the flag.
//!
//! Conventions: the grid has `x.cells` columns and `y.cells` rows; cell centres sit at
//! `lo + (i + 0.5) * (hi - lo) / n` (in log10 space for log axes); raw arrays are row-major
//! with row 0 at the low end of the y axis.

use serde::Serialize;

use crate::error::{Error, did_you_mean};
use crate::landscape::Landscape;
use crate::optimiser::Optimiser;
use crate::options::{self, Features, Schedule};

pub mod builder;
pub mod check;
pub mod floor;
pub mod text;

use crate::param::{self, SLOTS};
pub use builder::{OptionsText, SpecBuilder, parse_optimiser};
pub use check::{
    MIN_CELL_ULPS, check_memory, check_resolution, check_resolution_f64, check_values, check_window,
};
pub use text::{AxisText, Component, Zoom, parse_axis, parse_component, parse_point, parse_res, parse_zoom};

/// Default divergence threshold: a trajectory has diverged once `|x|` or `|y|` exceeds it.
pub const DEFAULT_THRESHOLD: f32 = 1e6;
/// Default convergence tolerance on the gradient norm.
pub const DEFAULT_CONV_TOL: f64 = 1e-4;
/// Most cells along one axis.
pub const MAX_CELLS_PER_AXIS: u32 = 65_536;
/// Most cells of a one-row map (`--res COLSx1`, a 1-D sweep): 2^20 + 1, Liu (2024)'s 2^20
/// intervals between learning rates (`gpuexp-4-2.py`) with both ends sampled.
pub const MAX_CELLS_ONE_ROW: u32 = (1 << 20) + 1;
/// Most steps in one run.
pub const MAX_STEPS: u32 = 100_000_000;
/// Host memory one map takes per cell (bytes), used to refuse grids that cannot fit before
/// any work starts; measured in [`crate::memory`].
pub const HOST_BYTES_PER_CELL: u64 = crate::memory::FIRST_MAP_BYTES_PER_CELL;

/// Spacing of an axis's cell centres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Evenly spaced values.
    Lin,
    /// Evenly spaced log10 values (bounds must be > 0).
    Log,
}

/// One grid axis: which parameter varies, over what range, in how many cells.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    /// Parameter name (`x0`, `y0`, or a landscape or optimiser parameter).
    pub param: String,
    /// Slot of the parameter in the flat parameter vector.
    #[serde(skip)]
    pub slot: usize,
    /// Low end of the range (the edge of the first cell, not its centre).
    pub lo: f64,
    /// High end of the range.
    pub hi: f64,
    /// Linear or logarithmic spacing.
    pub scale: Scale,
    /// Number of cells.
    pub cells: u32,
}

impl Axis {
    /// Cell-centre values as f32, low to high. These exact values go to both runners.
    pub fn centres(&self) -> Vec<f32> {
        (0..self.cells).map(|i| self.value_at(i as f64 + 0.5) as f32).collect()
    }

    /// Fractional cell coordinate (0 = low edge, `cells` = high edge) of a parameter value.
    pub fn position(&self, value: f64) -> f64 {
        let f = match self.scale {
            Scale::Lin => (value - self.lo) / (self.hi - self.lo),
            Scale::Log => (value.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10()),
        };
        f * self.cells as f64
    }

    /// Parameter value at a fractional cell coordinate; the inverse of [`Axis::position`].
    pub fn value_at(&self, position: f64) -> f64 {
        let f = position / self.cells as f64;
        match self.scale {
            Scale::Lin => self.lo + f * (self.hi - self.lo),
            Scale::Log => 10f64.powf(self.lo.log10() + f * (self.hi.log10() - self.lo.log10())),
        }
    }
}

/// The arithmetic of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "native", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// f32 everywhere: the GPU kernels and their CPU twins (the default).
    #[default]
    F32,
    /// f64 cell values, state and arithmetic, on the CPU: for zooms deeper than f32 resolves.
    /// The GPU kernels are f32 only.
    F64,
}

impl Axis {
    /// Cell centres as a run in `precision` sees them: the f32 centres widened, or f64 ones.
    pub fn centres_in(&self, precision: Precision) -> Vec<f64> {
        match precision {
            Precision::F32 => self.centres().into_iter().map(f64::from).collect(),
            Precision::F64 => (0..self.cells).map(|i| self.value_at(i as f64 + 0.5)).collect(),
        }
    }
}

/// A validated sweep. Constructed only through [`SpecBuilder::build`].
#[derive(Clone, Debug)]
pub struct Spec {
    /// The landscape.
    pub landscape: &'static Landscape,
    /// The optimiser.
    pub optimiser: &'static Optimiser,
    /// Base value of every parameter slot (start point, landscape, optimiser); the two axis
    /// slots are overwritten per cell.
    pub values: [f32; SLOTS],
    /// Column axis (x, left to right).
    pub x: Axis,
    /// Row axis (y, bottom to top).
    pub y: Axis,
    /// Optimiser steps per trajectory.
    pub steps: u32,
    /// Divergence threshold on `|x|`, `|y|`.
    pub threshold: f32,
    /// Convergence tolerance on the gradient norm.
    pub conv_tol: f32,
    /// The gradient norm the arithmetic resolves per unit of `max(|x|, |y|)` near the
    /// landscape's minima ([`floor::conv_floor`]): a gradient also counts as zero at `p` when
    /// its norm is at most `conv_floor * max(|x|, |y|)`, where the tolerance asks for more
    /// than the precision can give. 0 when the landscape has no minima in view.
    pub conv_floor: f32,
    /// Seed of the gradient noise.
    pub seed: u32,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Explicit x values, one per cell (row-major), replacing the x axis's centres: each row
    /// probes its own values (boundary refinement). `None` for ordinary grids.
    pub x_per_cell: Option<Vec<f32>>,
    /// The arithmetic: f32, or f64 on the CPU.
    pub precision: Precision,
}

impl Spec {
    /// The options compiled into this run's kernel: each is on when its value is non-zero or
    /// an axis sweeps it.
    pub fn features(&self) -> Features {
        let on = |slot: usize| self.values[slot] != 0.0 || self.x.slot == slot || self.y.slot == slot;
        Features {
            noise: on(options::SLOT_SIGMA),
            clip: on(options::SLOT_CLIP),
            l2: on(options::SLOT_L2),
            schedule: self.schedule.code(),
        }
    }

    /// The x value of a cell (row-major index): the explicit per-cell value, or the axis's
    /// cell centre in `centres` (one per column, in the run's precision).
    pub fn x_value(&self, cell: usize, centres: &[f64]) -> f64 {
        match &self.x_per_cell {
            Some(v) => v[cell] as f64,
            None => centres[cell % self.x.cells as usize],
        }
    }

    /// Number of trajectories (cells).
    pub fn cells(&self) -> usize {
        self.x.cells as usize * self.y.cells as usize
    }

    /// Landscape parameter vector `c` (slots 2..6).
    pub fn landscape_params(&self) -> [f32; 4] {
        let b = param::LANDSCAPE_BASE;
        [self.values[b], self.values[b + 1], self.values[b + 2], self.values[b + 3]]
    }

    /// Landscape parameters as f64, for analysis.
    pub fn landscape_params64(&self) -> [f64; 4] {
        self.landscape_params().map(f64::from)
    }

    /// The window whose minima label basins: the swept start points when the axes are `x0`
    /// and `y0`, else the landscape's default domain.
    pub fn basin_domain(&self) -> [f64; 4] {
        match (self.x.slot, self.y.slot) {
            (param::SLOT_X0, param::SLOT_Y0) => [self.x.lo, self.x.hi, self.y.lo, self.y.hi],
            _ => self.landscape.domain,
        }
    }

    /// The map's window `[x_lo, x_hi, y_lo, y_hi]` (cell edges) when its axes are the start
    /// point `x0` and `y0`, else `None` (a map of hyperparameters has no window in the plane).
    pub fn start_window(&self) -> Option<[f64; 4]> {
        let start = (self.x.slot, self.y.slot) == (param::SLOT_X0, param::SLOT_Y0);
        start.then(|| self.basin_domain())
    }

    /// The value of a named parameter outside the axes (its base value).
    pub fn value(&self, name: &str) -> Option<f32> {
        slot_of(self.landscape, self.optimiser, name).ok().map(|s| self.values[s])
    }

    /// Name/value pairs of the landscape's, optimiser's and options' parameters, for metadata.
    pub fn named_values(&self) -> Vec<(String, f32)> {
        let l = self.landscape.params.iter().enumerate().map(|(i, p)| (p, param::LANDSCAPE_BASE + i));
        let o = self.optimiser.params.iter().enumerate().map(|(i, p)| (p, param::OPTIMISER_BASE + i));
        let x = options::PARAMS.iter().enumerate().map(|(i, p)| (p, options::OPTION_BASE + i));
        l.chain(o).chain(x).map(|(p, s)| (p.name.to_string(), self.values[s])).collect()
    }
}

/// Finds the slot of a parameter name for this landscape and optimiser.
pub fn slot_of(l: &Landscape, o: &Optimiser, name: &str) -> Result<usize, Error> {
    let in_l = l.params.iter().position(|p| p.name == name).map(|i| param::LANDSCAPE_BASE + i);
    let in_o = o.params.iter().position(|p| p.name == name).map(|i| param::OPTIMISER_BASE + i);
    let in_options = options::PARAMS.iter().position(|p| p.name == name).map(|i| options::OPTION_BASE + i);
    match (name, in_l, in_o) {
        ("x0", _, _) => Ok(param::SLOT_X0),
        ("y0", _, _) => Ok(param::SLOT_Y0),
        (_, None, None) if in_options.is_some() => Ok(in_options.expect("checked")),
        (_, Some(s), None) | (_, None, Some(s)) => Ok(s),
        (_, Some(_), Some(_)) => {
            Err(Error::input("axis", format!("`{name}` is a parameter of both {} and {}", l.name, o.name)))
        }
        (_, None, None) => {
            let names: Vec<&str> = ["x0", "y0"]
                .into_iter()
                .chain(l.params.iter().map(|p| p.name))
                .chain(o.params.iter().map(|p| p.name))
                .chain(options::PARAMS.iter().map(|p| p.name))
                .collect();
            Err(Error::input(
                "axis",
                format!(
                    "`{name}` is not a parameter of {} or {}{}; choose from {}",
                    l.name,
                    o.name,
                    did_you_mean(name, names.iter().copied()),
                    names.join(", ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_centres_follow_the_convention() {
        let a = Axis { param: "lr".into(), slot: 6, lo: 0.0, hi: 4.0, scale: Scale::Lin, cells: 4 };
        assert_eq!(a.centres(), vec![0.5, 1.5, 2.5, 3.5]);
        let l = Axis { scale: Scale::Log, lo: 0.1, hi: 10.0, cells: 2, ..a };
        let c = l.centres();
        assert!((c[0] - 10f32.powf(-0.5)).abs() < 1e-6 && (c[1] - 10f32.powf(0.5)).abs() < 1e-5);
        assert!((l.position(1.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn component_syntax_parses_and_rejects() {
        let c = parse_component("--optimizer", "adam:lr=0.01,beta1=0.8").unwrap();
        assert_eq!(c.name, "adam");
        assert_eq!(c.overrides, vec![("lr".into(), 0.01), ("beta1".into(), 0.8)]);
        assert!(parse_component("--optimizer", "adam:lr").is_err());
        assert!(parse_component("--optimizer", "adam:lr=nan").is_err());
        assert!(parse_component("--optimizer", "adam:lr=1,lr=2").is_err());
    }

    #[test]
    fn axis_and_res_syntax() {
        let a = parse_axis("--y", "kx:0.1:10:log").unwrap();
        assert_eq!((a.param.as_str(), a.lo, a.hi, a.scale), ("kx", 0.1, 10.0, Scale::Log));
        assert!(parse_axis("--x", "lr:2:1").is_err());
        assert!(parse_axis("--x", "lr:0:1:log").is_err());
        assert_eq!(parse_res("--res", "512x256").unwrap(), (512, 256));
        assert!(parse_res("--res", "0").is_err());
    }
}
