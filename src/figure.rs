//! Figure jobs: run a spec on a backend, analyse the outcomes, colour them, and write the PNG,
//! the raw `.npz` arrays and the `.json` metadata as one atomic set.

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::RgbImage;
use serde_json::json;

use crate::analysis::basins::{self, Attractor};
use crate::analysis::{boundary, fractal};
use crate::error::Error;
use crate::outcome::Outcomes;
use crate::output::{Array, OutputSet, with_ext};
use crate::paint;
use crate::plan::{Figure, PngText, Report, Style};
use crate::progress::Progress;
use crate::refine;
use crate::render::colormap;
use crate::render::frame::{self, Frame, Key};
use crate::render::heatmap;
use crate::runner::Backend;
use crate::spec::{self, Precision, Spec};

/// What a figure shows, which sets its default colouring and overlays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Start-point sweep coloured by the attractor reached.
    Basins,
    /// Learning rate against curvature on the quadratic, with the analytic boundary.
    Stability,
    /// Any two parameters.
    Sweep,
}

impl Kind {
    /// Lower-case name, as in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Basins => "basins",
            Kind::Stability => "stability",
            Kind::Sweep => "sweep",
        }
    }
}

pub use crate::paint::ColorBy;

/// One figure to render.
#[derive(Clone, Debug)]
pub struct Job {
    /// Kind of figure.
    pub kind: Kind,
    /// The sweep.
    pub spec: Spec,
    /// Colouring.
    pub color: ColorBy,
    /// Colour map, frame, size and overlays.
    pub style: Style,
    /// Output prefix: writes `PREFIX.png`, `PREFIX.json` and, with `raw`, `PREFIX.npz`.
    pub prefix: PathBuf,
    /// Whether to write the raw arrays.
    pub raw: bool,
    /// Whether to draw a progress bar for long runs.
    pub progress: bool,
    /// The command that reproduces this figure, recorded in the metadata.
    pub command: String,
    /// The PNG's text chunks (the recipe that made the figure).
    pub png_text: PngText,
    /// For stability maps: refine each row's boundary to this relative precision with this
    /// many steps per probe (see [`crate::refine`]).
    pub refine: Option<Refinement>,
}

/// Boundary refinement settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Refinement {
    /// Relative width of the final brackets.
    pub precision: f64,
    /// Steps per probe trajectory.
    pub steps: u32,
}

/// Runs, analyses, renders and writes one figure.
pub fn run_job(backend: &mut Backend, job: &Job) -> Result<Report, Error> {
    run_maps(backend, std::slice::from_ref(job), None)
}

/// The frames of an animated map figure: one per value of a parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Frames {
    /// The parameter that changes from frame to frame.
    pub param: String,
    /// Its value in each frame, in order.
    pub values: Vec<f64>,
    /// Frames per second.
    pub fps: u32,
}

/// A figure made of maps: one panel per job (side by side), and one frame per value of
/// `animate` (see [`run_maps`]).
#[derive(Clone, Debug)]
pub struct Maps {
    /// The panels' jobs, in order; they share kind, axes, colouring, style and prefix.
    pub jobs: Vec<Job>,
    /// The frames of an animation.
    pub animate: Option<Frames>,
}

impl Figure for Maps {
    fn backend_line(&self, backend: &Backend) -> String {
        backend.describe_run(&self.jobs[0].spec)
    }

    fn run(&self, backend: &mut Backend) -> Result<Report, Error> {
        run_maps(backend, &self.jobs, self.animate.as_ref())
    }

    fn map_spec(&self) -> Option<&Spec> {
        Some(&self.jobs[0].spec)
    }
}

/// One map of a figure (a panel of one frame): its run and its analysis.
struct Map {
    spec: Spec,
    out: Outcomes,
    run_seconds: f64,
    attractors: Vec<Attractor>,
    theory: Option<boundary::Theory>,
    rows: Vec<boundary::BoundaryRow>,
    refined: Option<Vec<refine::RefinedRow>>,
}

/// The colouring a job asks for, with `auto` resolved by kind.
fn colouring(job: &Job) -> ColorBy {
    match (job.color, job.kind) {
        (ColorBy::Auto, Kind::Basins) => ColorBy::Basin,
        (ColorBy::Auto, Kind::Stability) => ColorBy::Conv,
        (ColorBy::Auto, Kind::Sweep) => ColorBy::Loss,
        (c, _) => c,
    }
}

/// Cluster tolerance of a spec's attractor search (see [`basins::CLUSTER_TOL`]).
fn cluster_tol(spec: &Spec) -> f64 {
    basins::CLUSTER_TOL * window_side(spec)
}

/// The larger side of the map's window in landscape units, the scale of its basin tolerances.
fn window_side(spec: &Spec) -> f64 {
    let d = spec.basin_domain();
    (d[1] - d[0]).max(d[3] - d[2])
}

/// How far from an attractor a trajectory that did not converge may end and count in its
/// basin (see [`basins::REACH`]).
fn reach(spec: &Spec) -> f64 {
    basins::REACH * window_side(spec)
}

/// The analytic boundary of the first map that has one.
fn first_map_theory(maps: &[Vec<Map>]) -> Option<&boundary::Theory> {
    maps.iter().flatten().find_map(|m| m.theory.as_ref())
}

/// Why a map shows one flat colour, when it does: every trajectory started at a stationary
/// point (converged at step 0) or every one diverged.
fn uniform_warning(out: &Outcomes) -> Option<&'static str> {
    if out.len() < 2 {
        None
    } else if out.conv_step.iter().all(|&c| c == 0) {
        Some(
            "every trajectory starts at a stationary point (gradient within the tolerance at step 0), \
             so the map is uniform; start away from it (--start, or the figure's start)",
        )
    } else if (0..out.len()).all(|i| out.diverged(i)) {
        Some("every trajectory diverged; try smaller learning rates or a larger --threshold")
    } else {
        None
    }
}

/// Runs one map and analyses it.
fn run_map(backend: &mut Backend, job: &Job, spec: Spec) -> Result<Map, Error> {
    let work = spec.cells() as u64 * spec.steps as u64;
    let progress = Progress::new(work, job.kind.name(), job.progress);
    let started = Instant::now();
    let out = backend.run(&spec, &progress)?;
    progress.finish();
    let run_seconds = started.elapsed().as_secs_f64();
    let params = spec.landscape_params64();
    let known = spec.landscape.minima_in(params, spec.basin_domain());
    let attractors =
        basins::attractors(&out, known, cluster_tol(&spec), |p| spec.landscape.loss64(p, params));
    let theory = if job.kind == Kind::Basins { None } else { boundary::analytic(&spec) };
    let rows =
        if job.kind == Kind::Basins { Vec::new() } else { boundary::compare(&spec, &out, theory.as_ref()) };
    let refined = match job.refine {
        Some(r) => Some(refine::refine(backend, &spec, &out, r.precision, r.steps, theory.as_ref())?),
        None => None,
    };
    Ok(Map { spec, out, run_seconds, attractors, theory, rows, refined })
}

/// Runs, analyses, renders and writes one figure made of several maps: one panel per job
/// (side by side, sharing axes, attractor colours and the colour scale), and, with
/// `animate`, one frame per value of the animated parameter (an animated PNG). The jobs share
/// kind, axes, colouring, style and prefix.
pub fn run_maps(backend: &mut Backend, jobs: &[Job], animate: Option<&Frames>) -> Result<Report, Error> {
    let job = &jobs[0];
    let (values, slot): (Vec<Option<f64>>, Option<usize>) = match animate {
        None => (vec![None], None),
        Some(a) => {
            let s = &job.spec;
            (
                a.values.iter().map(|&v| Some(v)).collect(),
                Some(spec::slot_of(s.landscape, s.optimiser, &a.param)?),
            )
        }
    };
    let n_maps = (values.len() * jobs.len()) as u32;
    crate::memory::check_maps("--animate", job.spec.x.cells, job.spec.y.cells, n_maps)?;

    let maps = run_all(backend, jobs, &values, slot)?;
    let all: Vec<&Map> = maps.iter().flatten().collect();
    let shared = Shared::over(job, &all);
    let painted: Vec<Vec<Painted>> = maps
        .iter()
        .enumerate()
        .map(|(f, frame)| {
            frame
                .iter()
                .enumerate()
                .map(|(p, m)| paint_map(job, m, &shared, (f, maps.len()), (p, frame.len())))
                .collect()
        })
        .collect();
    let key = with_overlays(painted[0][0].key.clone(), &maps);
    let (pngs, plots) = frame_all(jobs, &maps, &painted, key, &shared, slot, animate, &values);

    let run_seconds: f64 = all.iter().map(|m| m.run_seconds).sum();
    // Steps actually run: a trajectory stops where it diverges.
    let work: f64 = all.iter().map(|m| m.out.steps_run(m.spec.steps) as f64).sum();
    let rate = work / run_seconds.max(1e-9);
    let analyses: Vec<&serde_json::Value> = painted.iter().flatten().map(|p| &p.analysis).collect();
    let meta = metadata(backend, job, &analyses, &shared, &pngs, &plots, animate, run_seconds, rate);
    let files = write(job, &maps, &painted, &pngs, animate, &meta)?;
    let first = &maps[0][0].spec;
    let head = format!(
        "{} map(s) of {}x{} trajectories x {} steps in {:.2} s ({:.3e} trajectory-steps/s, counting steps run)",
        all.len(),
        first.x.cells,
        first.y.cells,
        first.steps,
        run_seconds,
        rate
    );
    let notes: Vec<String> = painted[0].iter().map(|p| p.note.clone()).collect();
    let summary = if maps.len() == 1 {
        format!("{head}; {}", notes.join(" | "))
    } else {
        format!("{head}; first frame: {}", notes.join(" | "))
    };
    Ok(Report { files, run_seconds, traj_steps_per_s: rate, summary })
}

/// Runs every map: for each frame's value of the animated parameter (in `slot`), one map per
/// job.
fn run_all(
    backend: &mut Backend,
    jobs: &[Job],
    values: &[Option<f64>],
    slot: Option<usize>,
) -> Result<Vec<Vec<Map>>, Error> {
    let mut maps = Vec::new();
    for v in values {
        let mut frame = Vec::new();
        for j in jobs {
            let mut s = j.spec.clone();
            if let (Some(v), Some(slot)) = (v, slot) {
                s.values[slot] = *v as f32;
            }
            frame.push(run_map(backend, j, s)?);
        }
        maps.push(frame);
    }
    Ok(maps)
}

/// What every map of a figure shares once all have run.
struct Shared {
    /// Attractors of all maps merged (same index, same colour in every panel and frame).
    attractors: Vec<Attractor>,
    /// The loss colour scale over all maps.
    loss_scale: paint::LossScale,
    /// Pixels per cell.
    scale: u32,
    /// Pixel density of text, lines and markers.
    ratio: u32,
    /// The colouring, with `auto` resolved.
    color: ColorBy,
}

impl Shared {
    fn over(job: &Job, all: &[&Map]) -> Shared {
        let lists: Vec<Vec<Attractor>> = all.iter().map(|m| m.attractors.clone()).collect();
        let mut attractors = basins::merge(&lists, cluster_tol(&job.spec));
        let params = job.spec.landscape_params64();
        basins::name_found(&mut attractors, |p| job.spec.landscape.hess64(p, params));
        let outs: Vec<&Outcomes> = all.iter().map(|m| &m.out).collect();
        let loss_scale = paint::LossScale::over(&outs, &attractors);
        let style = &job.style;
        let scale = heatmap::scale_for(job.spec.x.cells, job.spec.y.cells, style.size * style.ratio.max(1));
        // Text, lines and markers grow with the plot: a 4096-pixel map gets the same
        // proportions as a 512-pixel one instead of 11-pixel labels.
        let side = job.spec.x.cells.max(job.spec.y.cells) * scale;
        let ratio = style.ratio.max(1).max(side / style.size.max(1));
        Shared { attractors, loss_scale, scale, ratio, color: colouring(job) }
    }
}

/// One map coloured and annotated, with what it adds to the figure's outputs.
struct Painted {
    /// The map's image (one panel of one frame).
    img: RgbImage,
    /// Its colour key.
    key: Key,
    /// Its analysis, for the JSON.
    analysis: serde_json::Value,
    /// Its one-line summary (prefixed with the optimiser on panels).
    note: String,
    /// Basin label of every cell.
    labels: Vec<i32>,
    /// Tables it writes beside the PNG: `(path, text)`.
    tables: Vec<(PathBuf, String)>,
    /// Where its raw arrays go, if written.
    npz: Option<PathBuf>,
}

/// Colours and annotates map `m`, frame `f` of `frames` and panel `p` of `panels`.
fn paint_map(
    job: &Job,
    m: &Map,
    shared: &Shared,
    (f, frames): (usize, usize),
    (p, panels): (usize, usize),
) -> Painted {
    let (style, scale, ratio) = (&job.style, shared.scale, shared.ratio);
    let attractors = &shared.attractors;
    let labels = basins::label_within(&m.out, attractors, reach(&m.spec));
    let (mut img, key) = paint::colour(
        &m.spec,
        &m.out,
        &labels,
        attractors,
        shared.color,
        scale,
        style.cmap,
        &shared.loss_scale,
    );
    if job.kind == Kind::Basins && style.contours {
        paint::contours(&mut img, &m.spec);
    }
    // Spaced dots over the curve: where they agree, both stay visible.
    if let Some(t) = &m.theory {
        draw_theory(&mut img, &m.spec, t, scale, ratio);
    }
    if let Some(rows) = &m.refined {
        draw_refined(&mut img, &m.spec, rows, scale, ratio);
    }
    if job.kind == Kind::Basins && style.markers {
        paint::markers(&mut img, &m.spec, attractors, (9 * ratio).max(scale));
    }
    let (analysis, summary, shares) = analyse(job.kind, m, &labels, attractors, frames == 1);
    // Panels and frames of one figure write their tables and arrays with a suffix.
    let suffix = match (frames, panels) {
        (1, 1) => String::new(),
        (1, _) => format!(".panel{}", p + 1),
        (_, 1) => format!(".frame{}", f + 1),
        _ => format!(".frame{}.panel{}", f + 1, p + 1),
    };
    let mut base = job.prefix.as_os_str().to_os_string();
    base.push(&suffix);
    let base = PathBuf::from(base);
    let mut tables = Vec::new();
    if let Some(rows) = &m.refined {
        tables.push((with_ext(&base, "boundary.csv"), refine::csv(&m.spec.y.param, &m.spec.x.param, rows)));
    }
    // Animations keep per-frame shares in the JSON only.
    if job.kind == Kind::Basins && !shares.is_empty() && frames == 1 {
        tables.push((with_ext(&base, "basins.csv"), basins::csv(&shares)));
    }
    let npz = (job.raw && frames == 1).then(|| with_ext(&base, "npz"));
    let note = if panels > 1 { format!("{}: {summary}", paint::optimiser_title(&m.spec)) } else { summary };
    Painted { img, key, analysis, note, labels, tables, npz }
}

/// The colour key with the overlays' entries added: the analytic curve and the refined
/// points, where the figure has them.
fn with_overlays(mut key: Key, maps: &[Vec<Map>]) -> Key {
    let mut overlays: Vec<(colormap::Rgb, String)> = Vec::new();
    if let Some(t) = first_map_theory(maps) {
        overlays.push((colormap::OVERLAY, format!("theory: {}", t.formula)));
    }
    if maps
        .iter()
        .flatten()
        .any(|m| m.refined.as_ref().is_some_and(|r| r.iter().any(|row| row.critical.is_some())))
    {
        overlays.push((REFINED, "refined boundary points".into()));
    }
    match &mut key {
        Key::Bar(bar) => bar.swatches.extend(overlays),
        Key::Legend { entries, .. } => entries.extend(overlays),
        Key::None => {}
    }
    key
}

/// Every frame's image: its panels side by side under one title, axes and key (or, without a
/// frame, the bare heatmaps side by side), all of one size; and the first frame's plot
/// rectangles `[left, top, width, height]`.
#[allow(clippy::too_many_arguments, reason = "the figure's parts, each used once")]
fn frame_all(
    jobs: &[Job],
    maps: &[Vec<Map>],
    painted: &[Vec<Painted>],
    key: Key,
    shared: &Shared,
    slot: Option<usize>,
    animate: Option<&Frames>,
    values: &[Option<f64>],
) -> (Vec<RgbImage>, Vec<[u32; 4]>) {
    let style = &jobs[0].style;
    let first = &maps[0][0].spec;
    let curvature_only = jobs[0].kind == Kind::Stability;
    let panel_titles: Vec<String> = if jobs.len() > 1 {
        maps[0].iter().map(|m| paint::optimiser_title_except(&m.spec, slot)).collect()
    } else {
        vec![String::new()]
    };
    let base_title = style.title.clone().unwrap_or_else(|| {
        if jobs.len() > 1 {
            format!("{}, {} steps", paint::landscape_title_except(first, slot), first.steps)
        } else {
            paint::title_except(first, slot)
        }
    });
    let mut pngs = Vec::new();
    let mut plots = Vec::new();
    for (f, frame) in painted.iter().enumerate() {
        if !style.frame {
            // Bare heatmaps: panels side by side without gaps.
            let (w, h) = frame[0].img.dimensions();
            let mut img = RgbImage::new(w * frame.len() as u32, h);
            for (p, i) in frame.iter().enumerate() {
                image::imageops::replace(&mut img, &i.img, (p as u32 * w) as i64, 0);
                plots.push([p as u32 * w, 0, w, h]);
            }
            pngs.push(img);
            continue;
        }
        let title = match (animate, values[f]) {
            (Some(a), Some(v)) => format!("{base_title}; {} = {}", a.param, paint::short(v as f32)),
            _ => base_title.clone(),
        };
        let fr = Frame {
            title,
            x: paint::axis_frame(&first.x, curvature_only),
            y: paint::axis_frame(&first.y, curvature_only),
            key: key.clone(),
            ratio: shared.ratio,
        };
        let panels: Vec<(&RgbImage, String)> =
            frame.iter().zip(&panel_titles).map(|(i, t)| (&i.img, t.clone())).collect();
        let framed = frame::compose_panels(&panels, &fr);
        if f == 0 {
            plots = framed.plots.clone();
        }
        pngs.push(framed.image);
    }
    // Frames must share one size (titles and tick labels differ between frames).
    frame::same_size(&mut pngs);
    (pngs, plots)
}

/// The figure's JSON metadata: the run, the first map's analysis (and every map's, when
/// there are several), the attractors, the image's geometry and the run's speed.
#[allow(clippy::too_many_arguments, reason = "the figure's parts, each used once")]
fn metadata(
    backend: &Backend,
    job: &Job,
    analyses: &[&serde_json::Value],
    shared: &Shared,
    pngs: &[RgbImage],
    plots: &[[u32; 4]],
    animate: Option<&Frames>,
    run_seconds: f64,
    rate: f64,
) -> serde_json::Value {
    let (w, h) = pngs[0].dimensions();
    let mut meta = serde_json::Map::new();
    meta.insert("downhill".into(), json!(env!("CARGO_PKG_VERSION")));
    meta.insert("command".into(), json!(job.command));
    meta.insert("figure".into(), json!(job.kind.name()));
    meta.insert("backend".into(), json!(backend.describe_run(&job.spec)));
    meta.insert("precision".into(), json!(job.spec.precision));
    meta.insert("adapter".into(), json!(backend.adapter_for_run(&job.spec)));
    if let serde_json::Value::Object(first) = analyses[0].clone() {
        meta.extend(first);
    }
    meta.insert("color".into(), json!(format!("{:?}", shared.color).to_lowercase()));
    meta.insert("attractors".into(), json!(shared.attractors));
    meta.insert("cluster_tolerance".into(), json!(cluster_tol(&job.spec)));
    let rect = |p: &[u32; 4]| json!({"left": p[0], "top": p[1], "width": p[2], "height": p[3]});
    meta.insert(
        "image".into(),
        json!({
            "width": w,
            "height": h,
            "plot": rect(&plots[0]),
            "panels": plots.iter().map(rect).collect::<Vec<_>>(),
            "pixels_per_cell": shared.scale,
            "y_axis": "high end at the top",
            "cmap": job.style.cmap.name(),
            "ratio": shared.ratio,
            "frames": pngs.len(),
        }),
    );
    if analyses.len() > 1 {
        meta.insert("maps".into(), json!(analyses));
    }
    if let Some(a) = animate {
        meta.insert("animate".into(), json!({ "param": a.param, "values": a.values, "fps": a.fps }));
    }
    meta.insert("run_seconds".into(), json!(run_seconds));
    meta.insert("traj_steps_per_s".into(), json!(rate));
    serde_json::Value::Object(meta)
}

/// Writes the figure's PNG (animated with several frames), raw arrays, tables and JSON as one
/// atomic set; the files written.
fn write(
    job: &Job,
    maps: &[Vec<Map>],
    painted: &[Vec<Painted>],
    pngs: &[RgbImage],
    animate: Option<&Frames>,
    meta: &serde_json::Value,
) -> Result<Vec<PathBuf>, Error> {
    let mut set = OutputSet::new();
    let fps = animate.map_or(1, |a| a.fps);
    set.apng(&with_ext(&job.prefix, "png"), pngs, fps, &job.png_text)?;
    for (frame, painted) in maps.iter().zip(painted) {
        for (m, p) in frame.iter().zip(painted) {
            if let Some(path) = &p.npz {
                write_npz(&mut set, path, &m.spec, &m.out, &p.labels)?;
            }
        }
    }
    for (path, text) in painted.iter().flatten().flat_map(|p| &p.tables) {
        set.text(path, text)?;
    }
    let text = serde_json::to_string_pretty(meta).expect("metadata is plain JSON");
    set.text(&with_ext(&job.prefix, "json"), &(text + "\n"))?;
    set.commit()
}

/// A map's analysis as JSON, its one-line summary, and its basin shares.
fn analyse(
    kind: Kind,
    m: &Map,
    labels: &[i32],
    attractors: &[Attractor],
    detailed: bool,
) -> (serde_json::Value, String, Vec<basins::BasinShare>) {
    let (spec, out) = (&m.spec, &m.out);
    let mut summary = format!(
        "diverged {:.1}%, converged {:.1}%",
        100.0 * out.diverged_fraction(),
        100.0 * out.converged_fraction()
    );
    if let Some(w) = uniform_warning(out) {
        summary.push_str(&format!("; warning: {w}"));
    }
    let undefined = (0..out.len()).filter(|&i| out.loss_undefined(i)).count();
    if undefined > 0 {
        summary
            .push_str(&format!(", loss NaN at the end {:.1}%", 100.0 * undefined as f64 / out.len() as f64));
    }
    let shares = if attractors.is_empty() { Vec::new() } else { basins::shares(out, labels, attractors) };
    if kind == Kind::Basins && !shares.is_empty() {
        // The six largest shares (attractors, divergence, non-convergence) in one line.
        let mut top: Vec<&basins::BasinShare> = shares.iter().filter(|r| r.fraction > 0.0).collect();
        top.sort_by(|a, b| b.fraction.total_cmp(&a.fraction));
        let named: Vec<String> =
            top.iter().take(6).map(|r| format!("{} {:.1}%", r.label, 100.0 * r.fraction)).collect();
        summary.push_str(&format!("; basins: {}", named.join(", ")));
    }
    if let Some(t) = &m.theory {
        let off: Vec<f64> = m.rows.iter().filter_map(|r| r.cells_off).collect();
        let worst = off.iter().fold(0f64, |a, v| a.max(v.abs()));
        summary.push_str(&format!(
            "; measured boundary vs {}: worst {:.2} cells over {} rows",
            t.formula,
            worst,
            off.len()
        ));
    }
    if let Some(rows) = &m.refined {
        let errs: Vec<f64> = rows.iter().filter_map(|row| row.rel_error).collect();
        let worst = errs.iter().fold(0f64, |a, v| a.max(v.abs()));
        let found = rows.iter().filter(|row| row.critical.is_some()).count();
        summary.push_str(&format!("; refined {found} boundary points"));
        if !errs.is_empty() {
            summary.push_str(&format!(", worst relative error vs theory {worst:.2e}"));
        }
    }
    // The boundary between basins (basin maps) or between diverging and other cells.
    let edge = if kind == Kind::Basins {
        fractal::boundary(labels, out.cols, out.rows)
    } else {
        fractal::boundary(&out.div_step.iter().map(|&d| d >= 0).collect::<Vec<_>>(), out.cols, out.rows)
    };
    let dimension = if detailed { fractal::box_counting(&edge, out.cols, out.rows, 1) } else { None };
    if let Some(d) = &dimension {
        summary.push_str(&format!(
            "; boundary box-counting dimension {:.3} +- {:.3} (boxes {}..{} cells)",
            d.dimension,
            d.std_error,
            d.box_sizes[0],
            d.box_sizes[d.box_sizes.len() - 1]
        ));
    }
    let json = json!({
        "landscape": { "name": spec.landscape.name, "formula": spec.landscape.formula },
        "optimizer": { "name": spec.optimiser.name, "rule": spec.optimiser.rule },
        "parameters": spec.named_values().into_iter().map(|(k, v)| (k, json!(v))).collect::<serde_json::Map<_, _>>(),
        "start": [spec.values[0], spec.values[1]],
        "axes": { "x": &spec.x, "y": &spec.y },
        "steps": spec.steps,
        "threshold": spec.threshold,
        "conv_tol": spec.conv_tol,
        "run_seconds": m.run_seconds,
        "diverged_fraction": out.diverged_fraction(),
        "converged_fraction": out.converged_fraction(),
        "basins": shares,
        "analytic_boundary": m.theory.as_ref().map(|t| json!({"formula": t.formula})),
        "boundary": m.rows,
        "boundary_dimension": dimension,
        "refined_boundary": m.refined.as_ref().map(|rows| json!({ "rows": rows })),
    });
    (json, summary, shares)
}

fn write_npz(
    set: &mut OutputSet,
    path: &Path,
    spec: &Spec,
    out: &Outcomes,
    labels: &[i32],
) -> Result<(), Error> {
    let shape = vec![out.rows as u64, out.cols as u64];
    let diverged: Vec<bool> = out.div_step.iter().map(|&d| d >= 0).collect();
    // Cell centres as the run saw them: float32 for f32 runs, float64 for f64 runs.
    let (ax64, ay64) = (spec.x.centres_in(spec.precision), spec.y.centres_in(spec.precision));
    let (ax, ay) = (spec.x.centres(), spec.y.centres());
    let axes = match spec.precision {
        Precision::F32 => [
            Array::F32("axis_x", vec![ax.len() as u64], &ax),
            Array::F32("axis_y", vec![ay.len() as u64], &ay),
        ],
        Precision::F64 => [
            Array::F64("axis_x", vec![ax64.len() as u64], &ax64),
            Array::F64("axis_y", vec![ay64.len() as u64], &ay64),
        ],
    };
    let [axis_x, axis_y] = axes;
    set.npz(
        path,
        &[
            Array::F32("x", shape.clone(), &out.x),
            Array::F32("y", shape.clone(), &out.y),
            Array::F32("loss", shape.clone(), &out.loss),
            Array::Bool("diverged", shape.clone(), diverged),
            Array::I32("div_step", shape.clone(), &out.div_step),
            Array::I32("conv_step", shape.clone(), &out.conv_step),
            Array::I32("basin", shape, labels),
            axis_x,
            axis_y,
        ],
    )
}

/// Colour of refined boundary points: amber with a dark rim, visible on the pale stable
/// colours, the reds of diverged cells and the white theory curve alike.
const REFINED: colormap::Rgb = [255, 176, 0];

/// Draws refined boundary points as rimmed dots, thinned to every few rows so that they stay
/// separate dots instead of fusing into a line that would hide the theory curve.
fn draw_refined(img: &mut RgbImage, spec: &Spec, rows: &[refine::RefinedRow], scale: u32, ratio: u32) {
    let r = (3.5 * ratio as f64).max(0.5 * scale as f64);
    let mut last_y = f64::NEG_INFINITY;
    for row in rows {
        let Some(c) = row.critical else { continue };
        let (x, y) = (
            spec.x.position(c) * scale as f64,
            (spec.y.cells as f64 - spec.y.position(row.y)) * scale as f64,
        );
        if (y - last_y).abs() >= 4.0 * r {
            heatmap::disc(img, x, y, r, REFINED, [20, 20, 20]);
            last_y = y;
        }
    }
}

/// Draws the analytic boundary over a map whose x axis is the learning rate: one polyline per
/// run of rows where theory gives a critical value.
fn draw_theory(img: &mut RgbImage, spec: &Spec, t: &boundary::Theory, scale: u32, ratio: u32) {
    let rows = spec.y.cells;
    let samples = (rows * scale * 2).max(2);
    let mut run: Vec<(f64, f64)> = Vec::new();
    for s in 0..=samples {
        let r = s as f64 * rows as f64 / samples as f64;
        let at = t.critical(spec.y.value_at(r)).map(|lr| spec.x.position(lr));
        match at {
            // Points far outside the map would only cost drawing time.
            Some(c) if (-1.0..=spec.x.cells as f64 + 1.0).contains(&c) => run.push((c, r)),
            _ => {
                heatmap::polyline(img, rows, scale, &run, colormap::OVERLAY, 2 * ratio);
                run.clear();
            }
        }
    }
    heatmap::polyline(img, rows, scale, &run, colormap::OVERLAY, 2 * ratio);
}
