//! [`SpecBuilder`]: a spec's parts as text, looked up, checked and filled into a [`Spec`].

use super::{
    Axis, AxisText, Component, DEFAULT_CONV_TOL, DEFAULT_THRESHOLD, MAX_STEPS, Precision, Scale, Spec,
    check_memory, check_values, parse_component, slot_of,
};
use crate::error::{Error, did_you_mean};
use crate::landscape::{self, Landscape};
use crate::optimiser::{self, Optimiser};
use crate::options::{self, Schedule};
use crate::param::{self, ParamDef, SLOTS};

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
            conv_tol: DEFAULT_CONV_TOL,
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
            conv_tol: DEFAULT_CONV_TOL,
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
            conv_tol: DEFAULT_CONV_TOL,
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
        let conv_floor = super::floor::conv_floor(landscape, &values, (&x, &y), precision, self.conv_tol);
        Ok(Spec {
            landscape,
            optimiser,
            values,
            x,
            y,
            steps: self.steps,
            threshold: self.threshold as f32,
            conv_tol: self.conv_tol as f32,
            conv_floor,
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
    for (i, v) in component_values(defs, c, flag)?.into_iter().enumerate() {
        values[base + i] = v as f32;
    }
    Ok(())
}

/// The values of the parameters `defs` of the component `c`: each its default, or the
/// override `c` gives it, checked against its domain and for fitting in f32 (in f64, as typed).
fn component_values(defs: &[ParamDef], c: &Component, flag: &str) -> Result<Vec<f64>, Error> {
    // Each default as written (0.9, not f32's 0.8999999761581421): its shortest f32 text,
    // which rounds back to the same f32.
    let mut values: Vec<f64> =
        defs.iter().map(|d| d.default.to_string().parse::<f64>().unwrap_or(d.default as f64)).collect();
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
        to_f32(flag, k, *v)?;
        values[i] = *v;
    }
    Ok(values)
}

/// An optimiser spec `name:key=value,...` (`flag` names the culprit) looked up, with its
/// hyperparameters in [`Optimiser::params`] order: defaults, or the values typed (checked as
/// every command checks them, kept in f64).
pub fn parse_optimiser(flag: &str, text: &str) -> Result<(&'static Optimiser, Vec<f64>), Error> {
    let c = parse_component(flag, text)?;
    let o = optimiser::find(&c.name, flag)?;
    Ok((o, component_values(o.params, &c, flag)?))
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
