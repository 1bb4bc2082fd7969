//! Planning: a recipe checked field by field (the same checks the command line gets, since
//! the command line builds a recipe too) and turned into a [`Plan`] of the figure's kind.

use std::path::{Path, PathBuf};

use super::defaults as d;
use super::{
    Animate, MAX_CAPTION_CHARS, MAX_TITLE_CHARS, MIN_REFINE_F32, MIN_REFINE_F64, RATIOS, Recipe, RecipeKind,
    Res, SIZES, check_name, png_text,
};
use crate::error::Error;
use crate::figure::{ColorBy, Frames, Job, Kind, Maps, Refinement};
use crate::nn::Shape;
use crate::nn::job::{Source, TrainJob};
use crate::nn::train::TrainSpec;
use crate::output::with_ext;
use crate::paths::PathsJob;
use crate::plan::{Plan, Style};
use crate::refine;
use crate::render::colormap::Cmap;
use crate::spec::{self, AxisText, OptionsText, Scale, Spec, SpecBuilder, Zoom, check_window};

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
            format: self.format.unwrap_or(d.format),
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
            (None, None) => Ok(vec![d::OPTIMIZER.into()]),
        }
    }

    /// The spec of one map of this recipe with optimiser `opt` (map kinds only: basins,
    /// stability, sweep); the web lab builds its maps through this too.
    pub fn map_spec(&self, opt: &str) -> Result<Spec, Error> {
        let landscape = self.landscape.clone().unwrap_or_else(|| d::LANDSCAPE.into());
        let mut b = match self.kind {
            RecipeKind::Basins => SpecBuilder::basins(
                &landscape,
                opt,
                self.domain,
                self.res(d::BASINS_RES)?,
                self.steps.unwrap_or(d::BASINS_STEPS),
            )?,
            RecipeKind::Stability => {
                if self.landscape.is_some() {
                    return Err(Error::input(
                        "--landscape",
                        "a stability map is always on quadratic:ky=0; use kind = \"sweep\" for others",
                    ));
                }
                let lr = spec::parse_axis(
                    "--lr",
                    &format!("lr:{}", self.lr.as_deref().unwrap_or(d::STABILITY_LR)),
                )?;
                let k =
                    spec::parse_axis("--k", &format!("kx:{}", self.k.as_deref().unwrap_or(d::STABILITY_K)))?;
                SpecBuilder::stability(opt, lr, k, self.res(d::MAP_RES)?, self.steps.unwrap_or(d::MAP_STEPS))
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
                    res: self.res(d::MAP_RES)?,
                    steps: self.steps.unwrap_or(d::MAP_STEPS),
                    threshold: 0.0,
                    conv_tol: 0.0,
                    options: OptionsText::default(),
                }
            }
            RecipeKind::Paths | RecipeKind::Trainability | RecipeKind::Train => {
                return Err(Error::input("kind", "only basins, stability and sweep figures are maps"));
            }
        };
        b.threshold = self.threshold.unwrap_or(d::THRESHOLD);
        b.conv_tol = self.tol.unwrap_or(d::TOL);
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
        let threshold = self.threshold.unwrap_or(d::THRESHOLD) as f32;
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
        for (what, v) in [
            ("zoom", self.zoom.is_some()),
            ("refine", self.refine.is_some()),
            ("box-count", self.box_count.is_some()),
        ] {
            if v {
                return Err(Error::input(format!("--{what}"), "does not apply to a path figure"));
            }
        }
        let landscape = self.landscape.clone().unwrap_or_else(|| d::LANDSCAPE.into());
        let steps = self.steps.unwrap_or(d::BASINS_STEPS);
        let threshold = self.threshold.unwrap_or(d::THRESHOLD);
        let tol = self.tol.unwrap_or(d::TOL);
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
            png_text: png_text(self, command),
        })
    }

    /// Checks the recipe and turns it into jobs writing under `dir`; `command` is recorded in
    /// the outputs' metadata, `progress` draws progress bars.
    pub fn plan(&self, dir: &Path, command: &str, progress: bool) -> Result<Plan, Error> {
        check_name(&self.name)?;
        self.check_style()?;
        let prefix: PathBuf = dir.join(&self.name);
        let ext = |e: &str| with_ext(&prefix, e);
        let format = self.style().format;
        crate::picture::check_animation(format, self.animate.is_some())?;
        if self.kind == RecipeKind::Paths {
            let images = ["", "loss", "sharpness"].map(|stem| format.target(&prefix, stem));
            crate::output::check_targets(
                images.iter().chain(&[ext("csv"), ext("json")]).map(PathBuf::as_path),
            )?;
            return Ok(Box::new(self.paths_job(prefix, command)?));
        }
        if self.kind == RecipeKind::Train {
            return Ok(Box::new(self.single_train_job(prefix, command)?));
        }
        if self.kind == RecipeKind::Trainability {
            return Ok(Box::new(self.train_job(prefix, command, progress)?));
        }
        let mut targets = vec![format.target(&prefix, ""), ext("json")];
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
                    png_text: png_text(self, command),
                    tiling: self.tiling.clone(),
                    box_count: self.box_count.unwrap_or(d::BOX_COUNT),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let animate = match &self.animate {
            None => None,
            Some(a) => Some(Frames {
                param: a.param.clone(),
                values: animation_values(a, &jobs[0].spec)?,
                fps: a.fps.unwrap_or(d::FPS),
            }),
        };
        // Every map of an animation or of panels is held at once: checked here, at plan time,
        // so a figure file stops before its first figure runs.
        let maps = animate.as_ref().map_or(1, |a| a.values.len()) * jobs.len();
        if maps > 1 {
            let flag = if animate.is_some() { "--animate" } else { "optimizers" };
            crate::memory::check_maps(flag, jobs[0].spec.x.cells, jobs[0].spec.y.cells, maps as u32)?;
        }
        Ok(Box::new(Maps { jobs, animate }))
    }

    /// Where a trainability map's network comes from: an `.npz` file, or drawn from a seed.
    fn nn_source(&self) -> Source {
        match &self.npz {
            Some(path) => Source::Npz(PathBuf::from(path)),
            None => {
                let (d, width) = (self.dim.unwrap_or(d::NN_SIDE), self.width.unwrap_or(d::NN_SIDE));
                let n = self.data.unwrap_or(d * width + width);
                Source::Seed(Shape { d, width, n }, self.net_seed.unwrap_or(0))
            }
        }
    }

    /// A trainability map's axes, zoomed where the recipe says.
    fn nn_axes(&self) -> Result<(AxisText, AxisText), Error> {
        let x = spec::parse_axis("--x", self.x.as_deref().unwrap_or(d::NN_X))?;
        let y = spec::parse_axis("--y", self.y.as_deref().unwrap_or(d::NN_Y))?;
        match self.zoom {
            Some([cx, cy, span]) => {
                check_zoom(cx, cy, span)?;
                Zoom { centre: [cx, cy], span }.apply("--zoom", &x, &y)
            }
            None => Ok((x, y)),
        }
    }

    /// The trainability job of this recipe.
    fn train_job(&self, prefix: PathBuf, command: &str, progress: bool) -> Result<TrainJob, Error> {
        if self.refine.is_some() || self.refine_steps.is_some() {
            return Err(Error::input("--refine", "does not apply to a trainability map"));
        }
        let mut targets = vec![self.style().format.target(&prefix, ""), with_ext(&prefix, "json")];
        if self.raw.unwrap_or(false) {
            targets.push(with_ext(&prefix, "npz"));
        }
        crate::output::check_targets(targets.iter().map(PathBuf::as_path))?;
        let source = self.nn_source();
        let activation = self.activation.unwrap_or(crate::nn::Activation::Tanh);
        let (x, y) = self.nn_axes()?;
        let base = [
            base_value("--lr0", self.lr0, 1.0, true)?,
            base_value("--lr1", self.lr1, 1.0, true)?,
            base_value("--offset", self.offset, 0.0, false)?,
        ];
        let convention = self.convention.unwrap_or_default();
        let paper = convention == crate::nn::train::Convention::Paper;
        let make = |x: &AxisText, y: &AxisText, base: [f32; 3]| {
            crate::nn::job::spec(
                &source,
                activation,
                x,
                y,
                self.res(d::MAP_RES)?,
                self.steps.unwrap_or(d::BASINS_STEPS),
                base,
                (self.batch.unwrap_or(0), self.batch_seed.unwrap_or(0)),
                self.precision.unwrap_or_default(),
            )
            .map(|mut s| {
                s.layout = self.layout.unwrap_or_else(|| crate::nn::train::Layout::default_for(s.data.shape));
                s.in_convention(convention)
            })
        };
        let frames = match &self.animate {
            None => vec![(String::new(), make(&x, &y, base)?)],
            Some(a) => {
                let frames = frame_values(a)?;
                frames
                    .into_iter()
                    .map(|v| nn_frame(a, v, &x, &y, base, &make))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        // An animation holds every frame's map at once: checked before any frame runs.
        if frames.len() > 1 {
            let s = &frames[0].1;
            crate::memory::check_maps("--animate", s.x.cells, s.y.cells, frames.len() as u32)?;
        }
        let mut style = self.style();
        // The paper's convention draws as the notebook does (Spectral) and counts its boxes the
        // notebook's way unless told otherwise.
        if self.cmap.is_none() {
            style.cmap = if paper { Cmap::Spectral } else { Cmap::Rdbu };
        }
        let box_count = match self.box_count {
            Some(b) => b,
            None if paper => crate::analysis::fractal::BoxCount::Paper,
            None => d::BOX_COUNT,
        };
        Ok(TrainJob {
            frames,
            fps: self.animate.as_ref().and_then(|a| a.fps).unwrap_or(d::FPS),
            source,
            style,
            prefix,
            raw: self.raw.unwrap_or(false),
            progress,
            command: command.into(),
            png_text: png_text(self, command),
            box_count,
        })
    }
}

impl Recipe {
    /// The single-network job of a `train` recipe: the network of a trainability map trained
    /// at `lr0`, `lr1` (default 1 each) on the CPU, its sharpness every `sharpness_every` steps.
    fn single_train_job(
        &self,
        prefix: PathBuf,
        command: &str,
    ) -> Result<crate::train_figure::TrainJob, Error> {
        let map_only = [
            ("landscape", self.landscape.is_some()),
            ("optimizers", self.optimizers.is_some()),
            ("x", self.x.is_some()),
            ("y", self.y.is_some()),
            ("res", self.res.is_some()),
            ("zoom", self.zoom.is_some()),
            ("refine", self.refine.is_some()),
            ("box-count", self.box_count.is_some()),
            ("animate", self.animate.is_some()),
            ("offset", self.offset.is_some()),
            ("layout", self.layout.is_some()),
            ("convention", self.convention.is_some()),
            ("title", self.title.is_some()),
        ];
        if let Some((what, _)) = map_only.iter().find(|(_, set)| *set) {
            return Err(Error::input(format!("--{what}"), "does not apply to a single network (`train`)"));
        }
        if self.style().format != crate::picture::Format::Png {
            return Err(Error::input("--format", "a single network's figure is a PNG only"));
        }
        let targets = ["png", "csv", "json"].map(|e| with_ext(&prefix, e));
        crate::output::check_targets(targets.iter().map(PathBuf::as_path))?;
        let optimizer = self.single_optimizer()?;
        let lr = match optimizer {
            crate::nn::single::Optimizer::Gd(lr) => lr,
            crate::nn::single::Optimizer::Adam(_) => [0.0; 2],
        };
        let size = self.size.unwrap_or(crate::train_figure::DEFAULT_SIZE);
        if !crate::train_figure::SIZES.contains(&size) {
            let (lo, hi) = (crate::train_figure::SIZES.start(), crate::train_figure::SIZES.end());
            return Err(Error::input("--size", format!("{size} must be {lo} to {hi} pixels")));
        }
        // The map's spec checks the network, steps, batch and learning rates; its axes (one
        // cell each) are placeholders the single run does not read.
        let placeholder = |param: &str| AxisText { param: param.into(), lo: 0.0, hi: 1.0, scale: Scale::Lin };
        let source = self.nn_source();
        let spec = crate::nn::job::spec(
            &source,
            self.activation.unwrap_or(crate::nn::Activation::Tanh),
            &placeholder("offset"),
            &placeholder("lr"),
            (1, 1),
            self.steps.unwrap_or(crate::train_figure::DEFAULT_STEPS),
            [lr[0] as f32, lr[1] as f32, 0.0],
            (self.batch.unwrap_or(0), self.batch_seed.unwrap_or(0)),
            self.precision.unwrap_or_default(),
        )?;
        let job = crate::train_figure::TrainJob {
            spec,
            source,
            optimizer,
            every: self.sharpness_every.unwrap_or(crate::train_figure::DEFAULT_EVERY),
            prefix,
            command: command.into(),
            size,
            png_text: png_text(self, command),
        };
        crate::train_figure::check(&job)?;
        Ok(job)
    }
}

impl Recipe {
    /// How a `train` recipe's network trains: gradient descent at `lr0`, `lr1` (default 1
    /// each; `optimizer` unset or `gd`), or Adam (`optimizer = "adam:..."`, its rate its own
    /// `lr`, so `lr0` and `lr1` are refused). Any other optimiser is refused.
    fn single_optimizer(&self) -> Result<crate::nn::single::Optimizer, Error> {
        use crate::nn::single::Optimizer;
        const TAKES: &str = "`train` takes `gd` (rates from --lr0/--lr1) or `adam:lr=..,beta1=..,beta2=..,eps=..,bias_correction=..`";
        let text = self.optimizer.as_deref().map(str::trim).unwrap_or("gd");
        let (o, values) = crate::spec::parse_optimiser("--optimizer", text)?;
        match o.name {
            "gd" if text.contains(':') => Err(Error::input(
                "--optimizer",
                format!("`{text}`: gd's rates are --lr0 and --lr1; give `gd` alone"),
            )),
            "gd" => {
                let lr = [("--lr0", self.lr0), ("--lr1", self.lr1)].map(|(flag, v)| (flag, v.unwrap_or(1.0)));
                for (flag, v) in lr {
                    if !(v.is_finite() && v >= 0.0 && (v as f32).is_finite()) {
                        return Err(Error::input(flag, format!("{v} must be a finite learning rate >= 0")));
                    }
                }
                Ok(Optimizer::Gd([lr[0].1, lr[1].1]))
            }
            "adam" => {
                if let Some(flag) =
                    [("--lr0", self.lr0), ("--lr1", self.lr1)].iter().find_map(|(f, v)| v.and(Some(*f)))
                {
                    return Err(Error::input(
                        flag,
                        format!(
                            "does not apply with `--optimizer {text}`: Adam's learning rate is its `lr` (adam:lr=..)"
                        ),
                    ));
                }
                Ok(Optimizer::Adam(crate::nn::adam::AdamSpec::from_values(&values)))
            }
            other => {
                Err(Error::input("--optimizer", format!("`{other}` cannot train a single network; {TAKES}")))
            }
        }
    }
}

/// Builds a trainability map from its axes and base values (`lr0`, `lr1`, `offset`).
type MakeNnSpec<'a> = dyn Fn(&AxisText, &AxisText, [f32; 3]) -> Result<TrainSpec, Error> + 'a;

/// One frame of an animated trainability map: the animated parameter `a` at `v`, with its
/// label; `make` builds a map from its axes and base values (`lr0`, `lr1`, `offset`).
fn nn_frame(
    a: &Animate,
    v: f64,
    x: &AxisText,
    y: &AxisText,
    base: [f32; 3],
    make: &MakeNnSpec<'_>,
) -> Result<(String, TrainSpec), Error> {
    let label = format!("{} = {}", a.param, crate::paint::short(v as f32));
    if a.param != "zoom" && [x.param.as_str(), y.param.as_str()].contains(&a.param.as_str()) {
        return Err(Error::input("--animate", format!("`{}` is already an axis of the map", a.param)));
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
            let z = Zoom { centre: [centre(x), centre(y)], span: width / v };
            let (zx, zy) = z.apply("--animate", x, y)?;
            make(&zx, &zy, base)?
        }
        "lr0" => make(x, y, [v as f32, base[1], base[2]])?,
        "lr1" => make(x, y, [base[0], v as f32, base[2]])?,
        "offset" => make(x, y, [base[0], base[1], v as f32])?,
        other => {
            return Err(Error::input(
                "--animate",
                format!("a trainability map animates `zoom`, `lr0`, `lr1` or `offset`, not `{other}`"),
            ));
        }
    };
    Ok((label, spec))
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
