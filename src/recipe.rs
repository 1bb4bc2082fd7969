//! Figure recipes: everything needed to render one figure. A recipe is one `[[figure]]` table
//! of a figure file (TOML, rendered with `downhill render FILE`); every map and path command
//! builds one from its flags; and every PNG written carries its recipe, so a figure can be
//! rendered again from itself (`downhill render FIGURE.png`).
//!
//! Field names are the command-line flags without their dashes (`optimizer`, `res`, `x`,
//! `lr`, `refine`, ...), so an error about a field names it the same way in both places.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, did_you_mean};
use crate::figure::{ColorBy, Job, Kind, Refinement, Style};
use crate::nn::Shape;
use crate::nn::job::{Source, TrainJob};
use crate::output::with_ext;
use crate::paths::PathsJob;
use crate::refine;
use crate::render::colormap::Cmap;
use crate::spec::{self, AxisText, OptionsText, Scale, Spec, SpecBuilder, Zoom};

/// Default column axis of trainability maps.
pub const DEFAULT_NN_X: &str = "lr0:0.01:100:log";
/// Default row axis of trainability maps.
pub const DEFAULT_NN_Y: &str = "lr1:0.01:100:log";
/// Pixel densities allowed (`--ratio`, `ratio`).
pub const RATIOS: std::ops::RangeInclusive<u32> = 1..=4;
/// Plot sizes allowed, in pixels on the longer side at ratio 1 (`--size`, `size`).
pub const SIZES: std::ops::RangeInclusive<u32> = 16..=8192;
/// Most characters in a title (`--title`, `title`): longer ones would only widen the image.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most characters in a caption (figure files only; shown in the README).
pub const MAX_CAPTION_CHARS: usize = 2000;
/// Finest relative refinement precision in f32: the 8 units in the last place below which
/// neighbouring f32 values stop being distinct probes (the grid's own limit, [`spec::MIN_CELL_ULPS`]).
pub const MIN_REFINE_F32: f64 = spec::MIN_CELL_ULPS as f64 * f32::EPSILON as f64;
/// Finest relative refinement precision in f64 (8 units in the last place).
pub const MIN_REFINE_F64: f64 = 8.0 * f64::EPSILON;

/// What a recipe draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipeKind {
    /// Basin-of-attraction map over the start plane.
    #[default]
    Basins,
    /// Learning rate against curvature on the quadratic.
    Stability,
    /// Any two parameters.
    Sweep,
    /// Optimiser paths over a contour map, and their loss curves.
    Paths,
    /// A tiny neural network trained by gradient descent per cell of a learning-rate grid.
    Trainability,
}

/// A grid size: `N` (square) or `"COLSxROWS"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Res {
    /// `N x N` cells.
    Square(u32),
    /// `COLSxROWS`.
    Text(String),
}

/// Extra frames sweeping one more parameter, written as an animated PNG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Animate {
    /// The parameter swept across frames (a landscape, optimiser or option parameter).
    pub param: String,
    /// Its value in the first frame.
    pub from: f64,
    /// Its value in the last frame.
    pub to: f64,
    /// Number of frames (2 to 600).
    pub frames: u32,
    /// Space the values logarithmically.
    #[serde(default)]
    pub log: bool,
    /// Frames per second (default 8).
    #[serde(default)]
    pub fps: Option<u32>,
}

/// One figure, as written in a figure file. Unset fields take the command-line defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Output prefix, relative to the output directory (`basins_bumpy_gd` writes
    /// `basins_bumpy_gd.png`, ...).
    pub name: String,
    /// What to draw.
    #[serde(default)]
    pub kind: RecipeKind,
    /// Landscape, `NAME[:key=value,...]` or `expr:...` (default `bumpy`; `quadratic` for
    /// stability maps, which fix it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landscape: Option<String>,
    /// Optimiser, `NAME[:key=value,...]` (default `gd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// Several optimisers: side-by-side panels sharing axes and colour scale (map kinds), or
    /// one path each (`paths`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimizers: Option<Vec<String>>,
    /// Grid cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub res: Option<Res>,
    /// Steps per trajectory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Window `[x_lo, x_hi, y_lo, y_hi]` of a basin map or path figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<[f64; 4]>,
    /// Sweep column axis `PARAM:LO:HI[:log]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Sweep row axis `PARAM:LO:HI[:log]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Stability learning-rate axis `LO:HI[:log]` (default `0:4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<String>,
    /// Stability curvature axis `LO:HI[:log]` (default `0.1:10:log`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
    /// Start point for the coordinates that are not axes (sweeps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<[f64; 2]>,
    /// Start points of a path figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts: Option<Vec<[f64; 2]>>,
    /// Divergence threshold on |x| and |y| (default 1e6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Convergence tolerance on the gradient norm (default 1e-4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tol: Option<f64>,
    /// Gradient noise standard deviation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// Seed of the gradient noise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    /// Gradient-norm clip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip: Option<f64>,
    /// Coupled L2 weight decay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l2: Option<f64>,
    /// Learning-rate schedule, `NAME[:key=value,...]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Colouring of map cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<ColorBy>,
    /// Continuous colour map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmap: Option<Cmap>,
    /// Title over the plot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// One line describing the figure, for the gallery's README.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Pixel density (1 or 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<u32>,
    /// Minimum pixels on the plot's longer side at ratio 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Contour lines on basin maps (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contours: Option<bool>,
    /// Rings on attractors on basin maps (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markers: Option<bool>,
    /// Title, axes and key around the plot (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<bool>,
    /// Refine each row's boundary to this relative precision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refine: Option<f64>,
    /// Steps per refinement probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refine_steps: Option<u32>,
    /// Zoom window `[cx, cy, span]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoom: Option<[f64; 3]>,
    /// Sweep one more parameter across the frames of an animated PNG.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub animate: Option<Animate>,
    /// Write the raw `.npz` arrays (default true on the command line, false in figure files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<bool>,
    /// Trainability: hidden nonlinearity (default tanh).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation: Option<crate::nn::Activation>,
    /// Trainability: hidden width (default 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<usize>,
    /// Trainability: input dimension (default 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dim: Option<usize>,
    /// Trainability: number of data points (default: the number of parameters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<usize>,
    /// Trainability: seed of the data and initial weights (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_seed: Option<u32>,
    /// Trainability: read data and initial weights from this `.npz` (arrays X, Y, W0, W1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npz: Option<String>,
    /// Trainability: input-layer learning rate where no axis sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr0: Option<f64>,
    /// Trainability: output-layer learning rate where no axis sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr1: Option<f64>,
    /// Trainability: offset added to every initial input-layer weight where no axis sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<f64>,
    /// Trainability: minibatch size of the gradient (default: the full batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    /// Trainability: seed of the minibatch positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_seed: Option<u32>,
    /// Trainability: the GPU kernel's layout, `invocation` (default) or `workgroup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<crate::nn::train::Layout>,
    /// Trainability: `f32` (default) or `f64` (on the CPU, for deep zooms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::nn::train::Precision>,
}

/// A figure file: `[[figure]]` tables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureFile {
    /// The figures, in order.
    #[serde(default)]
    pub figure: Vec<Recipe>,
}

/// What a recipe turns into.
pub enum Plan {
    /// One map per optimiser (one optimiser: a single map; several: side-by-side panels),
    /// optionally animated.
    Map {
        /// The panels' jobs, in order; they share kind, axes, colouring and style.
        jobs: Vec<Job>,
        /// Frames of an animation, each with one job per panel.
        animate: Option<(Animate, Vec<f64>)>,
    },
    /// A path figure.
    Paths(Box<PathsJob>),
    /// A trainability map.
    Train(Box<TrainJob>),
}

/// The culprit of an error about `field` of the recipe named `name` in `file`.
pub fn culprit(file: &str, name: &str, field: &str) -> String {
    format!("{file}: figure `{name}`: {}", field.trim_start_matches("--"))
}

impl Recipe {
    /// The recipe's own options, as the spec builder takes them.
    fn options(&self) -> OptionsText {
        OptionsText {
            sigma: self.noise.unwrap_or(0.0),
            seed: self.seed.unwrap_or(0),
            clip: self.clip.unwrap_or(0.0),
            l2: self.l2.unwrap_or(0.0),
            schedule: self.schedule.clone(),
            precision: self.precision.unwrap_or_default(),
        }
    }

    /// The style the recipe asks for.
    pub fn style(&self) -> Style {
        let d = Style::default();
        Style {
            cmap: self.cmap.unwrap_or(d.cmap),
            frame: self.frame.unwrap_or(d.frame),
            ratio: self.ratio.unwrap_or(d.ratio),
            size: self.size.unwrap_or(d.size),
            title: self.title.clone(),
            contours: self.contours.unwrap_or(d.contours),
            markers: self.markers.unwrap_or(d.markers),
        }
    }

    fn res(&self, default: u32) -> Result<(u32, u32), Error> {
        match &self.res {
            None => Ok((default, default)),
            Some(Res::Square(n)) => spec::parse_res("--res", &n.to_string()),
            Some(Res::Text(t)) => spec::parse_res("--res", t),
        }
    }

    /// The optimisers: `optimizers`, else `optimizer`, else `gd`.
    pub fn optimisers(&self) -> Result<Vec<String>, Error> {
        match (&self.optimizer, &self.optimizers) {
            (Some(_), Some(_)) => {
                Err(Error::input("--optimizers", "give `optimizer` or `optimizers`, not both"))
            }
            (_, Some(list)) if list.is_empty() => Err(Error::input("--optimizers", "the list is empty")),
            (_, Some(list)) => Ok(list.clone()),
            (Some(o), None) => Ok(vec![o.clone()]),
            (None, None) => Ok(vec!["gd".into()]),
        }
    }

    /// The spec of one map of this recipe with optimiser `opt`.
    fn map_spec(&self, opt: &str) -> Result<Spec, Error> {
        let landscape = self.landscape.clone().unwrap_or_else(|| "bumpy".into());
        let mut b = match self.kind {
            RecipeKind::Basins => {
                SpecBuilder::basins(&landscape, opt, self.domain, self.res(512)?, self.steps.unwrap_or(500))?
            }
            RecipeKind::Stability => {
                if self.landscape.is_some() {
                    return Err(Error::input(
                        "--landscape",
                        "a stability map is always on quadratic:ky=0; use kind = \"sweep\" for others",
                    ));
                }
                let lr = spec::parse_axis("--lr", &format!("lr:{}", self.lr.as_deref().unwrap_or("0:4")))?;
                let k =
                    spec::parse_axis("--k", &format!("kx:{}", self.k.as_deref().unwrap_or("0.1:10:log")))?;
                SpecBuilder::stability(opt, lr, k, self.res(256)?, self.steps.unwrap_or(1000))
            }
            RecipeKind::Sweep => {
                let axis = |flag: &str, v: &Option<String>| -> Result<AxisText, Error> {
                    let text = v
                        .as_deref()
                        .ok_or_else(|| Error::input(flag, "a sweep needs both axes, `x` and `y`"))?;
                    spec::parse_axis(flag, text)
                };
                SpecBuilder {
                    landscape,
                    optimiser: opt.into(),
                    start: self.start,
                    x: axis("--x", &self.x)?,
                    y: axis("--y", &self.y)?,
                    res: self.res(256)?,
                    steps: self.steps.unwrap_or(1000),
                    threshold: 0.0,
                    conv_tol: 0.0,
                    options: OptionsText::default(),
                }
            }
            RecipeKind::Paths | RecipeKind::Trainability => unreachable!("only map kinds have a map spec"),
        };
        b.threshold = self.threshold.unwrap_or(spec::DEFAULT_THRESHOLD as f64);
        b.conv_tol = self.tol.unwrap_or(spec::DEFAULT_CONV_TOL as f64);
        b.options = self.options();
        if let Some([cx, cy, span]) = self.zoom {
            check_zoom(cx, cy, span)?;
            (b.x, b.y) = Zoom { centre: [cx, cy], span }.apply("--zoom", &b.x, &b.y)?;
        }
        b.build()
    }

    fn refinement(&self) -> Result<Option<Refinement>, Error> {
        let Some(p) = self.refine else {
            if self.refine_steps.is_some() {
                return Err(Error::input("--refine-steps", "applies only with --refine (`refine`)"));
            }
            return Ok(None);
        };
        if !(p.is_finite() && p > 0.0 && p < 1.0) {
            return Err(Error::input("--refine", format!("precision {p} must be in (0, 1)")));
        }
        let (least, arithmetic) = match self.precision.unwrap_or_default() {
            spec::Precision::F32 => (MIN_REFINE_F32, "f32"),
            spec::Precision::F64 => (MIN_REFINE_F64, "f64"),
        };
        if p < least {
            let hint = if arithmetic == "f32" {
                format!(" (or compute in f64 on the CPU, --precision f64, down to {MIN_REFINE_F64:.3e})")
            } else {
                String::new()
            };
            return Err(Error::input(
                "--refine",
                format!(
                    "precision {p:e} is finer than {arithmetic} resolves: neighbouring probes would be the \
                     same {arithmetic} value; use at least {least:.3e}{hint}"
                ),
            ));
        }
        if let Some(n) = self.refine_steps
            && !(1..=refine::MAX_STEPS).contains(&n)
        {
            return Err(Error::input(
                "--refine-steps",
                format!("{n} must be 1 to {} steps per probe", refine::MAX_STEPS),
            ));
        }
        let threshold = self.threshold.unwrap_or(spec::DEFAULT_THRESHOLD as f64) as f32;
        Ok(Some(Refinement {
            precision: p,
            steps: self.refine_steps.unwrap_or_else(|| refine::steps_for(p, threshold)),
        }))
    }

    /// Checks what the command line's own parser checks for flags (ranges of `ratio` and
    /// `size`, the length of `title`) and the window, so a figure file or a PNG's recipe
    /// cannot ask for what the command line refuses.
    fn check_style(&self) -> Result<(), Error> {
        if let Some(r) = self.ratio
            && !RATIOS.contains(&r)
        {
            return Err(Error::input(
                "--ratio",
                format!("{r} is out of range: it must be {} to {}", RATIOS.start(), RATIOS.end()),
            ));
        }
        if let Some(n) = self.size
            && !SIZES.contains(&n)
        {
            return Err(Error::input(
                "--size",
                format!("{n} is out of range: it must be {} to {} pixels", SIZES.start(), SIZES.end()),
            ));
        }
        for (field, text, most) in
            [("--title", &self.title, MAX_TITLE_CHARS), ("--caption", &self.caption, MAX_CAPTION_CHARS)]
        {
            let n = text.as_deref().map_or(0, |t| t.chars().count());
            if n > most {
                return Err(Error::input(field, format!("{n} characters; at most {most} are allowed")));
            }
        }
        if let Some(a) = &self.animate
            && let Some(fps) = a.fps
            && !(1..=100).contains(&fps)
        {
            return Err(Error::input("--animate", format!("fps {fps} must be 1 to 100")));
        }
        if let Some(d) = self.domain {
            check_window("--domain", d)?;
        }
        Ok(())
    }

    /// The path figure of this recipe, every trajectory's spec built (and so checked) now.
    fn paths_job(&self, prefix: PathBuf, command: &str) -> Result<PathsJob, Error> {
        let starts = match (&self.starts, self.start) {
            (Some(s), None) => s.clone(),
            (None, Some(s)) => vec![s],
            (Some(_), Some(_)) => return Err(Error::input("--starts", "give `starts` or `start`, not both")),
            (None, None) => {
                return Err(Error::input("--starts", "a path figure needs `starts` (or one `start`)"));
            }
        };
        if starts.is_empty() {
            return Err(Error::input("--starts", "the list is empty; give at least one start point"));
        }
        if starts.len() > crate::paths::MAX_PATHS {
            return Err(Error::input(
                "--starts",
                format!("{} start points; at most {} are allowed", starts.len(), crate::paths::MAX_PATHS),
            ));
        }
        let optimisers = self.optimisers()?;
        if optimisers.len() > crate::paths::MAX_PATHS {
            return Err(Error::input(
                "--optimizers",
                format!("{} optimizers; at most {} are allowed", optimisers.len(), crate::paths::MAX_PATHS),
            ));
        }
        for (what, v) in [("zoom", self.zoom.is_some()), ("refine", self.refine.is_some())] {
            if v {
                return Err(Error::input(format!("--{what}"), "does not apply to a path figure"));
            }
        }
        let landscape = self.landscape.clone().unwrap_or_else(|| "bumpy".into());
        let steps = self.steps.unwrap_or(500);
        let threshold = self.threshold.unwrap_or(spec::DEFAULT_THRESHOLD as f64);
        let tol = self.tol.unwrap_or(spec::DEFAULT_CONV_TOL as f64);
        for opt in &optimisers {
            for &start in &starts {
                let mut b = SpecBuilder::single(&landscape, opt, start, steps);
                b.threshold = threshold;
                b.conv_tol = tol;
                b.options = self.options();
                b.build()?;
            }
        }
        Ok(PathsJob {
            landscape,
            optimisers,
            starts,
            steps,
            domain: self.domain,
            threshold,
            tol,
            options: self.options(),
            style: self.style(),
            prefix,
            command: command.into(),
            recipe: self.clone(),
        })
    }

    /// Checks the recipe and turns it into jobs writing under `dir`; `command` is recorded in
    /// the outputs' metadata, `progress` draws progress bars.
    pub fn plan(&self, dir: &Path, command: &str, progress: bool) -> Result<Plan, Error> {
        check_name(&self.name)?;
        self.check_style()?;
        let prefix: PathBuf = dir.join(&self.name);
        let ext = |e: &str| with_ext(&prefix, e);
        if self.kind == RecipeKind::Paths {
            crate::output::check_targets(
                ["png", "loss.png", "csv", "json"].map(ext).iter().map(PathBuf::as_path),
            )?;
            return Ok(Plan::Paths(Box::new(self.paths_job(prefix, command)?)));
        }
        if self.kind == RecipeKind::Trainability {
            if self.refine.is_some() || self.refine_steps.is_some() {
                return Err(Error::input("--refine", "does not apply to a trainability map"));
            }
            let mut targets = vec![ext("png"), ext("json")];
            if self.raw.unwrap_or(false) {
                targets.push(ext("npz"));
            }
            crate::output::check_targets(targets.iter().map(PathBuf::as_path))?;
            return Ok(Plan::Train(Box::new(self.train_job(prefix, command, progress)?)));
        }
        let mut targets = vec![ext("png"), ext("json")];
        if self.optimizers.as_ref().is_none_or(|o| o.len() == 1) && self.animate.is_none() {
            if self.raw.unwrap_or(false) {
                targets.push(ext("npz"));
            }
            if self.refine.is_some() {
                targets.push(ext("boundary.csv"));
            }
            if self.kind == RecipeKind::Basins {
                targets.push(ext("basins.csv"));
            }
        }
        crate::output::check_targets(targets.iter().map(PathBuf::as_path))?;
        let kind = match self.kind {
            RecipeKind::Basins => Kind::Basins,
            RecipeKind::Stability => Kind::Stability,
            _ => Kind::Sweep,
        };
        let refine = self.refinement()?;
        let jobs = self
            .optimisers()?
            .iter()
            .map(|opt| {
                Ok(Job {
                    kind,
                    spec: self.map_spec(opt)?,
                    color: self.color.unwrap_or(ColorBy::Auto),
                    style: self.style(),
                    prefix: prefix.clone(),
                    raw: self.raw.unwrap_or(false),
                    progress,
                    command: command.into(),
                    refine,
                    recipe: self.clone(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let animate = match &self.animate {
            None => None,
            Some(a) => Some((a.clone(), animation_values(a, &jobs[0].spec)?)),
        };
        // Every map of an animation or of panels is held at once: checked here, at plan time,
        // so a figure file stops before its first figure runs.
        let maps = animate.as_ref().map_or(1, |(_, v)| v.len()) * jobs.len();
        if maps > 1 {
            let flag = if animate.is_some() { "--animate" } else { "optimizers" };
            crate::memory::check_maps(flag, jobs[0].spec.x.cells, jobs[0].spec.y.cells, maps as u32)?;
        }
        Ok(Plan::Map { jobs, animate })
    }

    /// The trainability job of this recipe.
    fn train_job(&self, prefix: PathBuf, command: &str, progress: bool) -> Result<TrainJob, Error> {
        let source = match &self.npz {
            Some(path) => Source::Npz(PathBuf::from(path)),
            None => {
                let (d, width) = (self.dim.unwrap_or(16), self.width.unwrap_or(16));
                let n = self.data.unwrap_or(d * width + width);
                Source::Seed(Shape { d, width, n }, self.net_seed.unwrap_or(0))
            }
        };
        let activation = self.activation.unwrap_or(crate::nn::Activation::Tanh);
        let x = spec::parse_axis("--x", self.x.as_deref().unwrap_or(DEFAULT_NN_X))?;
        let y = spec::parse_axis("--y", self.y.as_deref().unwrap_or(DEFAULT_NN_Y))?;
        let (x, y) = match self.zoom {
            Some([cx, cy, span]) => {
                check_zoom(cx, cy, span)?;
                Zoom { centre: [cx, cy], span }.apply("--zoom", &x, &y)?
            }
            None => (x, y),
        };
        let base = [
            base_value("--lr0", self.lr0, 1.0, true)?,
            base_value("--lr1", self.lr1, 1.0, true)?,
            base_value("--offset", self.offset, 0.0, false)?,
        ];
        let make = |x: &AxisText, y: &AxisText, base: [f32; 3]| {
            crate::nn::job::spec(
                &source,
                activation,
                x,
                y,
                self.res(256)?,
                self.steps.unwrap_or(500),
                base,
                (self.batch.unwrap_or(0), self.batch_seed.unwrap_or(0)),
                self.precision.unwrap_or_default(),
            )
            .map(|mut s| {
                s.layout = self.layout.unwrap_or_default();
                s
            })
        };
        let frames = match &self.animate {
            None => vec![(String::new(), make(&x, &y, base)?)],
            Some(a) => {
                let mut frames = Vec::new();
                for v in frame_values(a)? {
                    let label = format!("{} = {}", a.param, crate::paint::short(v as f32));
                    if a.param != "zoom" && [x.param.as_str(), y.param.as_str()].contains(&a.param.as_str()) {
                        return Err(Error::input(
                            "--animate",
                            format!("`{}` is already an axis of the map", a.param),
                        ));
                    }
                    let spec = match a.param.as_str() {
                        // Zoom in by the factor v around the window's centre (log10 space on log axes).
                        "zoom" => {
                            let centre = |t: &AxisText| match t.scale {
                                Scale::Lin => 0.5 * (t.lo + t.hi),
                                Scale::Log => (t.lo * t.hi).sqrt(),
                            };
                            let width = match x.scale {
                                Scale::Lin => x.hi - x.lo,
                                Scale::Log => (x.hi / x.lo).log10(),
                            };
                            let z = Zoom { centre: [centre(&x), centre(&y)], span: width / v };
                            let (zx, zy) = z.apply("--animate", &x, &y)?;
                            make(&zx, &zy, base)?
                        }
                        "lr0" => make(&x, &y, [v as f32, base[1], base[2]])?,
                        "lr1" => make(&x, &y, [base[0], v as f32, base[2]])?,
                        "offset" => make(&x, &y, [base[0], base[1], v as f32])?,
                        other => {
                            return Err(Error::input(
                                "--animate",
                                format!(
                                    "a trainability map animates `zoom`, `lr0`, `lr1` or `offset`, not `{other}`"
                                ),
                            ));
                        }
                    };
                    frames.push((label, spec));
                }
                frames
            }
        };
        // An animation holds every frame's map at once: checked before any frame runs.
        if frames.len() > 1 {
            let s = &frames[0].1;
            crate::memory::check_maps("--animate", s.x.cells, s.y.cells, frames.len() as u32)?;
        }
        let mut style = self.style();
        if self.cmap.is_none() {
            style.cmap = Cmap::Rdbu;
        }
        Ok(TrainJob {
            frames,
            fps: self.animate.as_ref().and_then(|a| a.fps).unwrap_or(8),
            source,
            style,
            prefix,
            raw: self.raw.unwrap_or(false),
            progress,
            command: command.into(),
            recipe: self.clone(),
        })
    }

    /// The recipe as a TOML `[[figure]]` table.
    pub fn to_toml(&self) -> String {
        let file = FigureFile { figure: vec![self.clone()] };
        short_floats(&toml::to_string(&file).expect("a recipe is plain TOML"))
    }
}

/// TOML text with every float literal outside strings in its shortest form
/// ([`crate::fmt::num`]): `threshold = 1e30`, not thirty-one digits.
fn short_floats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The quote that opened the string we are in (basic `"` or literal `'`), if any.
    let (mut in_string, mut token): (Option<char>, String) = (None, String::new());
    let flush = |token: &mut String, out: &mut String| {
        let float = token.contains(['.', 'e', 'E']) && token.chars().any(|c| c.is_ascii_digit());
        match token.parse::<f64>() {
            Ok(v) if float && v.is_finite() => {
                let short = crate::fmt::num(v);
                // TOML floats need a fraction or an exponent.
                let short = if short.contains(['.', 'e']) { short } else { format!("{short}.0") };
                out.push_str(if short.len() < token.len() { &short } else { token.as_str() });
            }
            _ => out.push_str(token),
        }
        token.clear();
    };
    let mut prev = '\0';
    for c in text.chars() {
        if let Some(q) = in_string {
            out.push(c);
            if c == q && (q == '\'' || prev != '\\') {
                in_string = None;
            }
        } else if c.is_ascii_digit()
            || (!token.is_empty() && matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            || (token.is_empty() && c == '-')
        {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            if c == '"' || c == '\'' {
                in_string = Some(c);
            }
            out.push(c);
        }
        prev = c;
    }
    flush(&mut token, &mut out);
    out
}

/// Refuses a zoom whose centre or span is not finite, or whose span is not positive.
fn check_zoom(cx: f64, cy: f64, span: f64) -> Result<(), Error> {
    if !(span > 0.0 && span.is_finite() && cx.is_finite() && cy.is_finite()) {
        return Err(Error::input(
            "--zoom",
            format!("centre ({cx}, {cy}) and span {span} must be finite, span positive"),
        ));
    }
    Ok(())
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

/// A trainability base value (`lr0`, `lr1`, `offset`) in f32: finite, and non-negative for
/// learning rates.
fn base_value(flag: &str, v: Option<f64>, default: f64, rate: bool) -> Result<f32, Error> {
    let v = v.unwrap_or(default);
    if !(v.is_finite() && (v as f32).is_finite()) {
        return Err(Error::input(flag, format!("{v} must be a finite f32 number")));
    }
    if rate && v < 0.0 {
        return Err(Error::input(flag, format!("learning rate {v} must not be negative")));
    }
    Ok(v as f32)
}

/// The values of an animation's frames: `frames` values from `from` to `to`, evenly spaced
/// (geometrically with `log`, so a zoom goes in by the same factor every frame).
fn frame_values(a: &Animate) -> Result<Vec<f64>, Error> {
    if a.param == "zoom" && (a.from <= 0.0 || a.to <= 0.0) {
        return Err(Error::input("--animate", "zoom factors must be positive"));
    }
    if !(2..=600).contains(&a.frames) {
        return Err(Error::input("--animate", format!("frames {} must be 2 to 600", a.frames)));
    }
    if !(a.from.is_finite() && a.to.is_finite()) || (a.log && (a.from <= 0.0 || a.to <= 0.0)) {
        return Err(Error::input(
            "--animate",
            format!("from {} and to {} must be finite (and positive when log)", a.from, a.to),
        ));
    }
    let n = a.frames as f64 - 1.0;
    Ok((0..a.frames)
        .map(|i| {
            let t = i as f64 / n;
            if a.log { a.from * (a.to / a.from).powf(t) } else { a.from + t * (a.to - a.from) }
        })
        .collect())
}

/// The values a map animation sweeps, checked against the parameter's slot.
fn animation_values(a: &Animate, spec: &Spec) -> Result<Vec<f64>, Error> {
    let values = frame_values(a)?;
    let slot = spec::slot_of(spec.landscape, spec.optimiser, &a.param).map_err(|e| match e {
        Error::Input { message, .. } => Error::input("--animate", message),
        other => other,
    })?;
    if slot == spec.x.slot || slot == spec.y.slot {
        return Err(Error::input("--animate", format!("`{}` is already an axis of the map", a.param)));
    }
    Ok(values)
}

/// Most bytes in one component of a figure name: file systems allow 255, and the longest
/// extension and temporary suffix (`.boundary.csv.PID.downhill-tmp`) need the rest.
pub const MAX_NAME_BYTES: usize = 200;

/// A figure name is a relative path of plain components (no `..`, not absolute, not empty),
/// each short enough to be a file name with its extensions.
pub fn check_name(name: &str) -> Result<(), Error> {
    let p = Path::new(name);
    let plain = p.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if name.trim().is_empty() || !plain {
        return Err(Error::input(
            "--name",
            format!("`{name}` must be a relative path such as `basins_bumpy_gd`"),
        ));
    }
    if let Some(long) = p.components().find(|c| c.as_os_str().len() > MAX_NAME_BYTES) {
        return Err(Error::input(
            "--name",
            format!(
                "`{}` is {} bytes long; a name may have at most {MAX_NAME_BYTES} bytes between slashes",
                long.as_os_str().to_string_lossy(),
                long.as_os_str().len()
            ),
        ));
    }
    Ok(())
}

/// Parses a figure file; `file` names it in errors (with the TOML line and column, or the
/// figure and field at fault). Figure names must be unique.
pub fn parse_file(file: &str, text: &str) -> Result<FigureFile, Error> {
    let parsed: FigureFile = toml::from_str(text).map_err(|e| {
        let mut message = e.message().to_string();
        if let Some(field) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()) {
            let known: Vec<&str> = RECIPE_FIELDS.to_vec();
            message.push_str(&did_you_mean(field, known));
        }
        let at = e.span().map(|s| {
            let line = text[..s.start].matches('\n').count() + 1;
            format!(" (line {line})")
        });
        Error::input(file, format!("{message}{}", at.unwrap_or_default()))
    })?;
    if parsed.figure.is_empty() {
        return Err(Error::input(file, "no [[figure]] tables"));
    }
    for (i, r) in parsed.figure.iter().enumerate() {
        if parsed.figure[..i].iter().any(|q| q.name == r.name) {
            return Err(Error::input(culprit(file, &r.name, "name"), "two figures have this name"));
        }
    }
    Ok(parsed)
}

/// Every field a recipe may have, for suggestions.
pub const RECIPE_FIELDS: [&str; 50] = [
    "name",
    "kind",
    "landscape",
    "optimizer",
    "optimizers",
    "res",
    "steps",
    "domain",
    "x",
    "y",
    "lr",
    "k",
    "start",
    "starts",
    "threshold",
    "tol",
    "noise",
    "seed",
    "clip",
    "l2",
    "schedule",
    "color",
    "cmap",
    "title",
    "caption",
    "ratio",
    "size",
    "contours",
    "markers",
    "frame",
    "refine",
    "refine_steps",
    "zoom",
    "animate",
    "raw",
    "figure",
    "param",
    "activation",
    "width",
    "dim",
    "data",
    "net_seed",
    "npz",
    "lr0",
    "lr1",
    "offset",
    "batch",
    "batch_seed",
    "layout",
    "precision",
];

/// Reads the recipe a PNG written by `downhill` carries.
pub fn from_png(path: &Path) -> Result<Recipe, Error> {
    let culprit = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::input(&culprit, format!("cannot open: {e}")))?;
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let reader = decoder.read_info().map_err(|e| Error::input(&culprit, format!("not a PNG: {e}")))?;
    let text = reader
        .info()
        .utf8_text
        .iter()
        .find(|c| c.keyword == RECIPE_KEY)
        .and_then(|c| c.get_text().ok())
        .ok_or_else(|| Error::input(&culprit, "this PNG carries no downhill recipe"))?;
    let mut file = parse_file(&culprit, &text)?;
    Ok(file.figure.remove(0))
}

/// The text chunks every PNG carries: the tool and version (`Software`), the recipe
/// ([`RECIPE_KEY`]) and the command that rendered it (`downhill-command`).
pub fn png_text(recipe: &Recipe, command: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Software", format!("downhill {}", env!("CARGO_PKG_VERSION"))),
        (RECIPE_KEY, recipe.to_toml()),
        ("downhill-command", command.to_string()),
    ]
}

/// The PNG text keyword under which figures carry their recipe.
pub const RECIPE_KEY: &str = "downhill-recipe";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_in_written_entries_are_short_and_read_back_the_same() {
        let text = "threshold = 1000000000000000000000000000000.0\ndomain = [-0.5, 2.0]\nsteps = 500\n\
                    title = \"lr 0.50 and 1000000.0\"\ncaption = 'keep 0.50 here'\n";
        let short = short_floats(text);
        assert!(short.contains("threshold = 1e30\n"), "{short}");
        assert!(short.contains("domain = [-0.5, 2.0]") && short.contains("steps = 500"), "{short}");
        assert!(short.contains("\"lr 0.50 and 1000000.0\"") && short.contains("'keep 0.50 here'"), "{short}");
        let (a, b): (toml::Table, toml::Table) =
            (toml::from_str(text).unwrap(), toml::from_str(&short).unwrap());
        assert_eq!(a, b);
    }
}
