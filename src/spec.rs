//! The validated description of one sweep: landscape, optimiser, start point, the two grid
//! axes and the run settings. Parsers here turn the CLI's strings into a [`Spec`] and reject
//! bad input with an [`Error::Input`] naming the flag.
//!
//! Conventions: the grid has `x.cells` columns and `y.cells` rows; cell centres sit at
//! `lo + (i + 0.5) * (hi - lo) / n` (in log10 space for log axes); raw arrays are row-major
//! with row 0 at the low end of the y axis.

use serde::Serialize;

use crate::error::{Error, did_you_mean};
use crate::landscape::{self, Landscape};
use crate::number::parse_number;
use crate::optimiser::{self, Optimiser};
use crate::options::{self, Features, Schedule};
use crate::param::{self, ParamDef, SLOTS};

/// Default divergence threshold: a trajectory has diverged once `|x|` or `|y|` exceeds it.
pub const DEFAULT_THRESHOLD: f32 = 1e6;
/// Default convergence tolerance on the gradient norm.
pub const DEFAULT_CONV_TOL: f32 = 1e-4;
/// Most cells along one axis.
pub const MAX_CELLS_PER_AXIS: u32 = 65_536;
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
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

/// A `name:key=value,...` component before lookup.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// The registry name.
    pub name: String,
    /// The `key=value` overrides, in order.
    pub overrides: Vec<(String, f64)>,
}

/// Parses `name` or `name:key=value,key=value`; `flag` names the culprit in errors.
pub fn parse_component(flag: &str, text: &str) -> Result<Component, Error> {
    let text = text.trim();
    let (name, rest) = match text.split_once(':') {
        Some((n, r)) => (n.trim(), Some(r)),
        None => (text, None),
    };
    if name.is_empty() {
        return Err(Error::input(flag, format!("`{text}` has no name; expected NAME:key=value,...")));
    }
    let mut overrides = Vec::new();
    for pair in rest.into_iter().flat_map(|r| r.split(',')) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(Error::input(flag, format!("`{pair}` is not key=value (in `{text}`)")));
        };
        let k = k.trim();
        let v = parse_number(flag, k, v)?;
        if overrides.iter().any(|(o, _)| o == k) {
            return Err(Error::input(flag, format!("`{k}` is set twice in `{text}`")));
        }
        overrides.push((k.to_string(), v));
    }
    Ok(Component { name: name.to_string(), overrides })
}

/// An axis as typed (`param:lo:hi[:log|lin]`), before its parameter is looked up.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisText {
    /// Parameter name.
    pub param: String,
    /// Low bound.
    pub lo: f64,
    /// High bound.
    pub hi: f64,
    /// Spacing.
    pub scale: Scale,
}

/// Parses `param:lo:hi` or `param:lo:hi:log` (or `:lin`).
pub fn parse_axis(flag: &str, text: &str) -> Result<AxisText, Error> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if !(3..=4).contains(&parts.len()) || parts[0].is_empty() {
        return Err(Error::input(flag, format!("`{text}` is not PARAM:LO:HI or PARAM:LO:HI:log")));
    }
    let lo = parse_number(flag, "low bound", parts[1])?;
    let hi = parse_number(flag, "high bound", parts[2])?;
    let scale = match parts.get(3) {
        None | Some(&"lin") => Scale::Lin,
        Some(&"log") => Scale::Log,
        Some(other) => {
            return Err(Error::input(flag, format!("scale `{other}` is neither `lin` nor `log`")));
        }
    };
    if lo >= hi {
        return Err(Error::input(flag, format!("low bound {lo} must be below high bound {hi}")));
    }
    if scale == Scale::Log && lo <= 0.0 {
        return Err(Error::input(flag, format!("a log axis needs bounds > 0, got {lo}:{hi}")));
    }
    Ok(AxisText { param: parts[0].to_string(), lo, hi, scale })
}

/// Parses `--res N` (square) or `COLSxROWS`.
pub fn parse_res(flag: &str, text: &str) -> Result<(u32, u32), Error> {
    let one = |s: &str| -> Result<u32, Error> {
        let n: u64 = s
            .trim()
            .parse()
            .map_err(|_| Error::input(flag, format!("`{s}` is not a whole number of cells")))?;
        if n == 0 {
            return Err(Error::input(flag, "the grid needs at least one cell per axis"));
        }
        if n > MAX_CELLS_PER_AXIS as u64 {
            return Err(Error::input(
                flag,
                format!("{n} cells is more than the {MAX_CELLS_PER_AXIS} allowed per axis"),
            ));
        }
        Ok(n as u32)
    };
    match text.split_once(['x', 'X']) {
        Some((c, r)) => Ok((one(c)?, one(r)?)),
        None => {
            let n = one(text)?;
            Ok((n, n))
        }
    }
}

/// Parses a start point `X,Y`.
pub fn parse_point(flag: &str, text: &str) -> Result<[f64; 2], Error> {
    let Some((a, b)) = text.split_once(',') else {
        return Err(Error::input(flag, format!("`{text}` is not X,Y")));
    };
    Ok([parse_number(flag, "x", a)?, parse_number(flag, "y", b)?])
}

/// A zoom window: centre `(cx, cy)` in parameter units and the x window's width `span`
/// (decades on a log axis).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zoom {
    /// Centre of the window.
    pub centre: [f64; 2],
    /// Width of the x window, in x units (decades on a log x axis).
    pub span: f64,
}

/// Parses `CX,CY,SPAN`.
pub fn parse_zoom(flag: &str, text: &str) -> Result<Zoom, Error> {
    let parts: Vec<&str> = text.split(',').collect();
    let [cx, cy, span] = parts[..] else {
        return Err(Error::input(flag, format!("`{text}` is not CX,CY,SPAN")));
    };
    let zoom = Zoom {
        centre: [parse_number(flag, "centre x", cx)?, parse_number(flag, "centre y", cy)?],
        span: parse_number(flag, "span", span)?,
    };
    if zoom.span <= 0.0 {
        return Err(Error::input(flag, format!("span {} must be positive", zoom.span)));
    }
    Ok(zoom)
}

impl Zoom {
    /// The axes' window narrowed to this zoom: the x window becomes `span` wide around
    /// `cx`, and the y window shrinks by the same factor around `cy` (each in log10 space on
    /// a log axis), so the picture keeps its aspect.
    pub fn apply(&self, flag: &str, x: &AxisText, y: &AxisText) -> Result<(AxisText, AxisText), Error> {
        let width = |a: &AxisText| match a.scale {
            Scale::Lin => a.hi - a.lo,
            Scale::Log => (a.hi / a.lo).log10(),
        };
        let factor = self.span / width(x);
        let narrow = |a: &AxisText, c: f64, w: f64| -> Result<AxisText, Error> {
            let (lo, hi) = match a.scale {
                Scale::Lin => (c - 0.5 * w, c + 0.5 * w),
                Scale::Log if c > 0.0 => (c / 10f64.powf(0.5 * w), c * 10f64.powf(0.5 * w)),
                Scale::Log => {
                    return Err(Error::input(
                        flag,
                        format!("centre {c} of the log axis `{}` must be positive", a.param),
                    ));
                }
            };
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::input(
                    flag,
                    format!("the `{}` window around {c} is not representable", a.param),
                ));
            }
            Ok(AxisText { lo, hi, ..a.clone() })
        };
        Ok((narrow(x, self.centre[0], self.span)?, narrow(y, self.centre[1], width(y) * factor)?))
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

/// Everything needed to build a [`Spec`], as typed by the user.
#[derive(Clone, Debug)]
pub struct SpecBuilder {
    /// `--landscape` text.
    pub landscape: String,
    /// `--optimizer` text.
    pub optimiser: String,
    /// `--start X,Y` (default: the origin).
    pub start: Option<[f64; 2]>,
    /// `--x` axis.
    pub x: AxisText,
    /// `--y` axis.
    pub y: AxisText,
    /// Columns and rows.
    pub res: (u32, u32),
    /// Steps per trajectory.
    pub steps: u32,
    /// Divergence threshold.
    pub threshold: f64,
    /// Convergence tolerance on the gradient norm.
    pub conv_tol: f64,
    /// Options for every optimiser.
    pub options: OptionsText,
}

/// The options as typed: `--noise`, `--seed`, `--clip`, `--l2`, `--schedule`, `--precision`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptionsText {
    /// Standard deviation of the Gaussian gradient noise (0 = none).
    pub sigma: f64,
    /// Seed of the noise.
    pub seed: u32,
    /// Gradient-norm clip (0 = none).
    pub clip: f64,
    /// Coupled L2 weight decay (0 = none).
    pub l2: f64,
    /// `NAME` or `NAME:key=value,...` of the learning-rate schedule (default constant).
    pub schedule: Option<String>,
    /// f32 (GPU or CPU) or f64 (CPU only).
    pub precision: Precision,
}

impl SpecBuilder {
    /// A basin map: the start point swept over `domain` (`[x_lo, x_hi, y_lo, y_hi]`, default
    /// the landscape's own), `res` cells, `steps` steps.
    pub fn basins(
        landscape: &str,
        optimiser: &str,
        domain: Option<[f64; 4]>,
        res: (u32, u32),
        steps: u32,
    ) -> Result<Self, Error> {
        let d = match domain {
            Some(d) => d,
            None if landscape.trim_start().starts_with("expr:") => landscape::EXPR_DOMAIN,
            None => landscape::find(&parse_component("--landscape", landscape)?.name, "--landscape")?.domain,
        };
        let axis = |param: &str, lo: f64, hi: f64| -> Result<AxisText, Error> {
            if lo >= hi {
                return Err(Error::input(
                    "--domain",
                    format!("{param}: low bound {lo} must be below high bound {hi}"),
                ));
            }
            Ok(AxisText { param: param.into(), lo, hi, scale: Scale::Lin })
        };
        Ok(SpecBuilder {
            landscape: landscape.into(),
            optimiser: optimiser.into(),
            start: None,
            x: axis("x0", d[0], d[1])?,
            y: axis("y0", d[2], d[3])?,
            res,
            steps,
            threshold: DEFAULT_THRESHOLD as f64,
            conv_tol: DEFAULT_CONV_TOL as f64,
            options: OptionsText::default(),
        })
    }

    /// A stability map: learning rate (columns) against curvature `kx` (rows) on the quadratic
    /// `0.5 k x^2` (`ky = 0`), every trajectory starting at `(1, 0)`.
    pub fn stability(optimiser: &str, lr: AxisText, k: AxisText, res: (u32, u32), steps: u32) -> Self {
        SpecBuilder {
            landscape: "quadratic:ky=0".into(),
            optimiser: optimiser.into(),
            start: Some([1.0, 0.0]),
            x: AxisText { param: "lr".into(), ..lr },
            y: AxisText { param: "kx".into(), ..k },
            res,
            steps,
            threshold: DEFAULT_THRESHOLD as f64,
            conv_tol: DEFAULT_CONV_TOL as f64,
            options: OptionsText::default(),
        }
    }

    /// A single trajectory from `start`, for `trace`: a 1x1 grid whose cell centre is the start.
    pub fn single(landscape: &str, optimiser: &str, start: [f64; 2], steps: u32) -> Self {
        let around = |param: &str, v: f64| AxisText {
            param: param.into(),
            lo: v - 1.0,
            hi: v + 1.0,
            scale: Scale::Lin,
        };
        SpecBuilder {
            landscape: landscape.into(),
            optimiser: optimiser.into(),
            start: Some(start),
            x: around("x0", start[0]),
            y: around("y0", start[1]),
            res: (1, 1),
            steps,
            threshold: DEFAULT_THRESHOLD as f64,
            conv_tol: DEFAULT_CONV_TOL as f64,
            options: OptionsText::default(),
        }
    }

    /// Looks everything up and validates it.
    pub fn build(&self) -> Result<Spec, Error> {
        let (landscape, lc) = match self.landscape.trim_start().strip_prefix("expr:") {
            Some(text) => {
                (landscape::from_expr(text)?, Component { name: "expr".into(), overrides: Vec::new() })
            }
            None => {
                let lc = parse_component("--landscape", &self.landscape)?;
                (landscape::find(&lc.name, "--landscape")?, lc)
            }
        };
        let oc = parse_component("--optimizer", &self.optimiser)?;
        let optimiser = optimiser::find(&oc.name, "--optimizer")?;
        let mut values = [0f32; SLOTS];
        fill(&mut values, param::LANDSCAPE_BASE, landscape.params, &lc, "--landscape")?;
        fill(&mut values, param::OPTIMISER_BASE, optimiser.params, &oc, "--optimizer")?;
        let start = self.start.unwrap_or([0.0, 0.0]);
        values[param::SLOT_X0] = to_f32("--start", "x", start[0])?;
        values[param::SLOT_Y0] = to_f32("--start", "y", start[1])?;
        let schedule = fill_options(&mut values, &self.options)?;

        if self.steps == 0 {
            return Err(Error::input("--steps", "must be at least 1"));
        }
        if self.steps > MAX_STEPS {
            return Err(Error::input(
                "--steps",
                format!("{} is more than the {MAX_STEPS} allowed", self.steps),
            ));
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0 && self.threshold <= f32::MAX as f64) {
            return Err(Error::input("--threshold", format!("{} must be a finite f32 > 0", self.threshold)));
        }
        if !(self.conv_tol.is_finite() && self.conv_tol >= 0.0 && self.conv_tol <= 1e18) {
            return Err(Error::input("--tol", format!("{} must be a finite number >= 0", self.conv_tol)));
        }
        let precision = self.options.precision;
        let x = make_axis("--x", &self.x, self.res.0, landscape, optimiser, precision)?;
        let y = make_axis("--y", &self.y, self.res.1, landscape, optimiser, precision)?;
        if x.slot == y.slot {
            return Err(Error::input("--y", format!("both axes sweep `{}`", x.param)));
        }
        check_memory("--res", x.cells, y.cells)?;
        Ok(Spec {
            landscape,
            optimiser,
            values,
            x,
            y,
            steps: self.steps,
            threshold: self.threshold as f32,
            conv_tol: self.conv_tol as f32,
            seed: self.options.seed,
            schedule,
            x_per_cell: None,
            precision: self.options.precision,
        })
    }
}

fn to_f32(flag: &str, what: &str, v: f64) -> Result<f32, Error> {
    let f = v as f32;
    if !f.is_finite() {
        return Err(Error::input(flag, format!("{what}={v} does not fit in f32")));
    }
    Ok(f)
}

fn fill(
    values: &mut [f32; SLOTS],
    base: usize,
    defs: &[ParamDef],
    c: &Component,
    flag: &str,
) -> Result<(), Error> {
    for (i, d) in defs.iter().enumerate() {
        values[base + i] = d.default;
    }
    for (k, v) in &c.overrides {
        let Some(i) = defs.iter().position(|d| d.name == k) else {
            let names: Vec<&str> = defs.iter().map(|d| d.name).collect();
            let choices = if names.is_empty() {
                "it has none".to_string()
            } else {
                format!("it has {}", names.join(", "))
            };
            return Err(Error::input(
                flag,
                format!(
                    "`{}` has no parameter `{k}`{}; {choices}",
                    c.name,
                    did_you_mean(k, names.iter().copied())
                ),
            ));
        };
        check_domain(flag, &defs[i], *v)?;
        values[base + i] = to_f32(flag, k, *v)?;
    }
    Ok(())
}

/// Writes the options' values into their slots; returns the schedule.
fn fill_options(values: &mut [f32; SLOTS], t: &OptionsText) -> Result<Schedule, Error> {
    for (i, d) in options::PARAMS.iter().enumerate() {
        values[options::OPTION_BASE + i] = d.default;
    }
    for (flag, slot, v) in [
        ("--noise", options::SLOT_SIGMA, t.sigma),
        ("--clip", options::SLOT_CLIP, t.clip),
        ("--l2", options::SLOT_L2, t.l2),
    ] {
        check_domain(flag, &options::PARAMS[slot - options::OPTION_BASE], v)?;
        values[slot] = to_f32(flag, options::PARAMS[slot - options::OPTION_BASE].name, v)?;
    }
    let Some(text) = &t.schedule else { return Ok(Schedule::Constant) };
    let c = parse_component("--schedule", text)?;
    let (schedule, gamma) = Schedule::find(&c.name)?;
    values[options::SLOT_SCHEDULE] = gamma;
    let defs = &options::PARAMS[options::SLOT_SCHEDULE - options::OPTION_BASE..];
    for (k, v) in &c.overrides {
        let Some(i) = defs.iter().position(|d| d.name == k) else {
            let names: Vec<&str> = defs.iter().map(|d| d.name).collect();
            return Err(Error::input(
                "--schedule",
                format!(
                    "no schedule parameter `{k}`{}; they are {}",
                    did_you_mean(k, names.iter().copied()),
                    names.join(", ")
                ),
            ));
        };
        check_domain("--schedule", &defs[i], *v)?;
        values[options::SLOT_SCHEDULE + i] = to_f32("--schedule", k, *v)?;
    }
    Ok(schedule)
}

fn check_domain(flag: &str, d: &ParamDef, v: f64) -> Result<(), Error> {
    if !v.is_finite() {
        Err(Error::input(flag, format!("{}={v} is not finite", d.name)))
    } else if d.domain.contains(v) {
        Ok(())
    } else {
        Err(Error::input(flag, format!("{}={v} is out of range: it must be {}", d.name, d.domain.describe())))
    }
}

fn make_axis(
    flag: &str,
    t: &AxisText,
    cells: u32,
    l: &Landscape,
    o: &Optimiser,
    precision: Precision,
) -> Result<Axis, Error> {
    let slot = slot_of(l, o, &t.param).map_err(|e| match e {
        Error::Input { message, .. } => Error::input(flag, message),
        other => other,
    })?;
    let def = if slot >= options::OPTION_BASE {
        options::PARAMS.get(slot - options::OPTION_BASE)
    } else if slot >= param::OPTIMISER_BASE {
        o.params.get(slot - param::OPTIMISER_BASE)
    } else if slot >= param::LANDSCAPE_BASE {
        l.params.get(slot - param::LANDSCAPE_BASE)
    } else {
        None
    };
    if let Some(d) = def {
        for v in [t.lo, t.hi] {
            // The bounds are cell edges; a half-open domain such as beta in [0, 1) may take
            // the upper edge itself, since no cell centre reaches it.
            if !(d.domain.contains(v) || (d.domain == param::Domain::UnitInterval && v == 1.0)) {
                return Err(Error::input(
                    flag,
                    format!("{}: bound {v} is out of range: it must be {}", d.name, d.domain.describe()),
                ));
            }
        }
        if d.domain == param::Domain::Switch {
            return Err(Error::input(
                flag,
                format!("`{}` is an on/off switch and cannot be an axis", d.name),
            ));
        }
    }
    let axis = Axis { param: t.param.clone(), slot, lo: t.lo, hi: t.hi, scale: t.scale, cells };
    check_values(flag, &axis, precision)?;
    Ok(axis)
}

/// Refuses a window `[x_lo, x_hi, y_lo, y_hi]` that is not finite in f32 or has an empty
/// side.
pub fn check_window(flag: &str, d: [f64; 4]) -> Result<(), Error> {
    if d.iter().any(|v| !(v.is_finite() && (*v as f32).is_finite())) {
        return Err(Error::input(flag, format!("bounds {d:?} must be finite f32 numbers")));
    }
    for (axis, lo, hi) in [("x", d[0], d[1]), ("y", d[2], d[3])] {
        if (lo as f32) >= (hi as f32) {
            return Err(Error::input(
                flag,
                format!("{axis} window {lo}:{hi} is empty; the low bound must be below the high bound"),
            ));
        }
    }
    Ok(())
}

/// Refuses an axis whose cell values do not fit in f32, or whose neighbouring cells the
/// run's `precision` cannot tell apart.
pub fn check_values(flag: &str, axis: &Axis, precision: Precision) -> Result<(), Error> {
    if axis.centres().iter().any(|c| !c.is_finite()) {
        return Err(Error::input(
            flag,
            format!("`{}:{}:{}` has values that do not fit in f32", axis.param, axis.lo, axis.hi),
        ));
    }
    match precision {
        Precision::F32 => check_resolution(flag, axis),
        Precision::F64 => check_resolution_f64(flag, axis),
    }
}

/// Refuses an axis whose neighbouring cell centres are closer than 8 f64 units in the last
/// place (for f64 runs).
pub fn check_resolution_f64(flag: &str, axis: &Axis) -> Result<(), Error> {
    let ulp = |v: f64| f64::from_bits(v.abs().to_bits() + 1) - v.abs();
    for i in 1..axis.cells {
        let (a, b) = (axis.value_at(i as f64 - 0.5), axis.value_at(i as f64 + 0.5));
        if (b - a).abs() < 8.0 * ulp(a).max(ulp(b)) {
            return Err(Error::input(
                flag,
                format!(
                    "`{}` cells near {a} are {:.2e} apart, finer than even f64 resolves there",
                    axis.param,
                    (b - a).abs()
                ),
            ));
        }
    }
    Ok(())
}

/// Least spacing of neighbouring cell centres, in f32 units in the last place of the larger
/// one: below it the f32 values the trajectories see repeat or step visibly.
pub const MIN_CELL_ULPS: f32 = 8.0;

/// Refuses an axis whose neighbouring cell centres are closer than [`MIN_CELL_ULPS`] f32
/// units in the last place (trajectories, their parameters and start points are f32).
pub fn check_resolution(flag: &str, axis: &Axis) -> Result<(), Error> {
    let ulp = |v: f32| f32::from_bits(v.abs().to_bits() + 1) - v.abs();
    let c = axis.centres();
    for (i, w) in c.windows(2).enumerate() {
        let need = MIN_CELL_ULPS * ulp(w[0]).max(ulp(w[1]));
        if (w[1] - w[0]).abs() < need {
            // The spacing asked for, in f64: in f32 it may round to nothing at all.
            let spacing = (axis.value_at(i as f64 + 1.5) - axis.value_at(i as f64 + 0.5)).abs();
            return Err(Error::input(
                flag,
                format!(
                    "`{}` cells near {} are {:.3e} apart, finer than f32 resolves there (at least {:.3e}); \
                     trajectories run in f32: widen the window, use fewer cells or compute in f64 on the \
                     CPU (--precision f64)",
                    axis.param, w[0], spacing, need
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a `cols` x `rows` grid of maps whose host-side arrays would not fit in the memory
/// available now (see [`crate::memory`]), naming `flag`.
pub fn check_memory(flag: &str, cols: u32, rows: u32) -> Result<(), Error> {
    crate::memory::check_maps(flag, cols, rows, 1)
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
