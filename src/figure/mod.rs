//! Figure jobs: run a spec on a backend, analyse the outcomes, colour them, and write the PNG,
//! the raw `.npz` arrays and the `.json` metadata as one atomic set.

use std::path::PathBuf;

mod analyse;
mod cells;
mod draw;
mod profile;
mod write;

use analyse::{Map, run_map};
use draw::{Painted, frame_all, paint_map, with_overlays};
use write::{metadata, write};

use crate::analysis::basins::{self, Attractor};
use crate::error::Error;
use crate::outcome::Bands;
use crate::paint;
use crate::picture::Image;
use crate::plan::{Figure, PngText, Report, Style};
use crate::progress::Progress;
use crate::render::frame;
use crate::render::heatmap;
use crate::runner::Backend;
use crate::spec::{self, Spec};
use crate::tiles::{RunFolder, Shard, TilePlan, Tiling};

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
    /// Whole, one shard, resumable, or merged from shards.
    pub tiling: Tiling,
    /// How the boundary's box-counting dimension marks and counts it.
    pub box_count: crate::analysis::fractal::BoxCount,
}

impl Job {
    /// The figure's spec hash ([`crate::shard::spec_hash`] of its recipe): the identity its
    /// shards and run folder carry.
    pub fn spec_hash(&self) -> String {
        crate::shard::spec_hash(self.text(crate::plan::RECIPE_KEY))
    }

    /// The figure's PNG text chunk under `key` (empty where it has none).
    pub fn text(&self, key: &str) -> &str {
        self.png_text.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v)
    }
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
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
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

/// The colouring a job asks for, with `auto` resolved by kind.
fn colouring(job: &Job) -> ColorBy {
    match (job.color, job.kind) {
        (ColorBy::Auto, Kind::Basins) => ColorBy::Basin,
        (ColorBy::Auto, Kind::Stability) => ColorBy::Conv,
        (ColorBy::Auto, Kind::Sweep) => ColorBy::Loss,
        (c, _) => c,
    }
}

/// The attractors one map's trajectories reach, as a figure finds them before merging its
/// maps': the landscape's known minima in the map's window and clusters of converged end
/// points ([`basins::attractors`]).
pub fn map_attractors(spec: &Spec, cells: &dyn Bands) -> Result<Vec<Attractor>, Error> {
    let params = spec.landscape_params64();
    let known = spec.landscape.minima_in(params, spec.basin_domain());
    basins::attractors(cells, known, cluster_tol(spec), |p| spec.landscape.loss64(p, params))
}

/// The attractors of a figure's maps (one list per map) merged into one, in the order that
/// gives them their colours, with found ones named by their Hessian.
pub fn figure_attractors(spec: &Spec, lists: &[Vec<Attractor>]) -> Vec<Attractor> {
    let mut attractors = basins::merge(lists, cluster_tol(spec));
    let params = spec.landscape_params64();
    basins::name_found(&mut attractors, |p| spec.landscape.hess64(p, params));
    attractors
}

/// Every cell's basin label as a figure draws it ([`basins::label_cells`] with the figure's
/// reach and, on a map of start points, its window).
pub fn map_labels(spec: &Spec, cells: &dyn Bands, attractors: &[Attractor]) -> Result<Vec<i32>, Error> {
    basins::label_cells(cells, attractors, reach(spec), spec.start_window())
}

/// Cluster tolerance of a spec's attractor search (see [`basins::CLUSTER_TOL`]).
pub(super) fn cluster_tol(spec: &Spec) -> f64 {
    basins::CLUSTER_TOL * window_side(spec)
}

/// The larger side of the map's window in landscape units, the scale of its basin tolerances.
pub(super) fn window_side(spec: &Spec) -> f64 {
    let d = spec.basin_domain();
    (d[1] - d[0]).max(d[3] - d[2])
}

/// How far from an attractor a trajectory that did not converge may end and count in its
/// basin (see [`basins::REACH`]).
pub(super) fn reach(spec: &Spec) -> f64 {
    basins::REACH * window_side(spec)
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
    let specs = map_specs(jobs, &values, slot);
    if let Some(shard) = job.tiling.shard {
        return run_shard(backend, jobs, &specs, shard);
    }

    let maps = run_all(backend, jobs, specs)?;
    let all: Vec<&Map> = maps.iter().flatten().collect();
    let shared = Shared::over(job, &all)?;
    crate::timings::lap("analysis");
    let mut painted: Vec<Vec<Painted>> = maps
        .iter()
        .enumerate()
        .map(|(f, frame)| {
            frame
                .iter()
                .enumerate()
                .map(|(p, m)| paint_map(job, m, &shared, (f, maps.len()), (p, frame.len())))
                .collect::<Result<Vec<_>, Error>>()
        })
        .collect::<Result<_, Error>>()?;
    crate::timings::lap("colour");
    let key = with_overlays(painted[0][0].key.clone(), &maps);
    let title = draw::title(jobs, &maps[0][0].spec, slot);
    let (scenes, plots, text_fits) =
        frame_all(jobs, &maps, &mut painted, key, &shared, slot, animate, &title);
    crate::picture::check_animation(job.style.format, scenes.len() > 1)?;
    crate::timings::lap("frame");
    let image = Image::paint(&scenes, job.style.format, &job.png_text);
    drop(scenes);
    crate::timings::lap("encode");

    let speed = write::Speed::of(&all);
    let (run_seconds, rate) = (speed.run_seconds, speed.traj_steps_per_s);
    let analyses: Vec<&analyse::Analysis> = painted.iter().flatten().map(|p| &p.analysis).collect();
    let meta = metadata(backend, job, &analyses, title, &shared, (&image, &plots, text_fits), animate, speed);
    let files = write(job, &maps, &painted, &image, animate, &meta)?;
    crate::timings::lap("write");
    if job.tiling.merged.is_none() {
        // The tiles of the run, or of a merge that streamed its shards.
        RunFolder::remove_under(&job.prefix);
    }
    let first = &maps[0][0].spec;
    let head = format!(
        "{} map(s) of {}x{} trajectories x {} steps in {:.2} s ({:.3e} trajectory-steps/s, counting steps up to divergence)",
        all.len(),
        first.x.cells,
        first.y.cells,
        first.steps,
        run_seconds,
        rate
    );
    let head = match speed.steps_computed {
        Some(c) if (c as f64) < 0.95 * speed.steps_run as f64 => format!(
            "{head}, {:.0}% of them computed (blocks whose trajectories all settled stop early)",
            100.0 * c as f64 / speed.steps_run.max(1) as f64
        ),
        _ => head,
    };
    let notes: Vec<String> = painted[0].iter().map(|p| p.note.clone()).collect();
    let mut summary = if maps.len() == 1 {
        format!("{head}; {}", notes.join(" | "))
    } else {
        format!("{head}; first frame: {}", notes.join(" | "))
    };
    summary.push_str(frame::clipped_warning(text_fits));
    Ok(Report { files, run_seconds, traj_steps_per_s: rate, summary })
}

/// The spec of every map of a figure, in the order it runs them: for each frame's value of
/// the animated parameter (in `slot`), one map per job; each with its job's index.
fn map_specs(jobs: &[Job], values: &[Option<f64>], slot: Option<usize>) -> Vec<(usize, Spec)> {
    let mut specs = Vec::with_capacity(values.len() * jobs.len());
    for v in values {
        for (k, j) in jobs.iter().enumerate() {
            let mut s = j.spec.clone();
            if let (Some(v), Some(slot)) = (v, slot) {
                s.values[slot] = *v as f32;
            }
            specs.push((k, s));
        }
    }
    specs
}

/// Runs the part of a figure's maps that `shard` takes and writes it to its shard file, for
/// `downhill merge` to assemble: every `count`-th tile of a single map, or every `count`-th
/// map, whole, of a figure of several (frames, panels).
fn run_shard(
    backend: &mut Backend,
    jobs: &[Job],
    specs: &[(usize, Spec)],
    shard: Shard,
) -> Result<Report, Error> {
    let job = &jobs[0];
    let (cols, rows) = (job.spec.x.cells, job.spec.y.cells);
    let mut work: Vec<(u32, TilePlan, Vec<u32>)> = Vec::new();
    let split = TilePlan::new(cols, rows, if specs.len() == 1 { shard.count } else { 1 });
    if specs.len() == 1 {
        work.push((0, split, split.tiles_of(Some(shard))));
    } else {
        for m in (shard.index as usize..specs.len()).step_by(shard.count as usize) {
            work.push((m as u32, split, (0..split.tiles()).collect()));
        }
    }
    let row_count: u64 = work.iter().flat_map(|(_, p, t)| t.iter().map(|&t| p.rows_of(t).len() as u64)).sum();
    let steps = job.spec.steps as u64;
    let progress = Progress::new(row_count * cols as u64 * steps, job.kind.name(), job.progress);
    let started = std::time::Instant::now();
    let mut done = Vec::new();
    for (m, plan, tiles) in &work {
        let (_, spec) = &specs[*m as usize];
        crate::tiles::run(backend, spec, (plan, tiles), None, &progress, &mut |r, out, _| {
            done.push((*m, r, out));
            Ok(())
        })?;
    }
    progress.finish();
    let run_seconds = started.elapsed().as_secs_f64();
    let meta = crate::shard::ShardMeta {
        downhill: env!("CARGO_PKG_VERSION").to_string(),
        spec_hash: job.spec_hash(),
        index: shard.index,
        count: shard.count,
        maps: specs.len() as u32,
        cols,
        rows,
        rows_per_tile: split.rows_per_tile,
        recipe: job.text(crate::plan::RECIPE_KEY).to_string(),
        command: job.text(crate::plan::COMMAND_KEY).to_string(),
        run_seconds,
    };
    let target = crate::shard::path(&job.prefix, shard);
    let mut set = crate::output::OutputSet::new();
    crate::shard::stage(&mut set, &target, &meta, &done)?;
    let files = set.commit()?;
    let rate = (row_count * cols as u64 * steps) as f64 / run_seconds.max(1e-9);
    let part = if specs.len() == 1 {
        format!("{row_count} of {rows} rows ({} tiles)", work[0].2.len())
    } else {
        format!("{} of the figure's {} maps", work.len(), specs.len())
    };
    let summary = format!(
        "shard {}/{}: {part} x {steps} steps in {run_seconds:.2} s ({rate:.3e} trajectory-steps/s); merge all {} shard files with `downhill merge`",
        shard.index + 1,
        shard.count,
        shard.count
    );
    Ok(Report { files, run_seconds, traj_steps_per_s: rate, summary })
}

/// Runs every map of [`map_specs`], grouped by frame.
fn run_all(backend: &mut Backend, jobs: &[Job], specs: Vec<(usize, Spec)>) -> Result<Vec<Vec<Map>>, Error> {
    let mut maps: Vec<Vec<Map>> = Vec::new();
    // Each map's progress judges its own pace; this one, silent but for its pace warning,
    // judges the figure's, in maps.
    let figure = Progress::counting(specs.len() as u64, "the figure's maps", "maps", false);
    let n_maps = specs.len();
    for (index, (k, s)) in specs.into_iter().enumerate() {
        if k == 0 {
            maps.push(Vec::new());
        }
        let map = run_map(backend, &jobs[k], s, (index, n_maps))?;
        maps.last_mut().expect("a frame was started").push(map);
        figure.add(1);
    }
    Ok(maps)
}

/// What every map of a figure shares once all have run.
pub(super) struct Shared {
    /// Attractors of all maps merged (same index, same colour in every panel and frame).
    pub(super) attractors: Vec<Attractor>,
    /// The loss colour scale over all maps.
    pub(super) loss_scale: paint::LossScale,
    /// Pixels per cell, or cells per pixel on grids larger than the heatmap's largest side.
    pub(super) zoom: heatmap::Zoom,
    /// Pixel density of text, lines and markers.
    pub(super) ratio: u32,
    /// The colouring, with `auto` resolved.
    pub(super) color: ColorBy,
}

impl Shared {
    fn over(job: &Job, all: &[&Map]) -> Result<Shared, Error> {
        let lists: Vec<Vec<Attractor>> = all.iter().map(|m| m.attractors.clone()).collect();
        let attractors = figure_attractors(&job.spec, &lists);
        let cells: Vec<&dyn Bands> = all.iter().map(|m| &m.cells as &dyn Bands).collect();
        let loss_scale = paint::LossScale::over(&cells, &attractors)?;
        let style = &job.style;
        // A one-row map is drawn as a profile at the style's size, not as cells.
        let zoom = if job.spec.y.cells == 1 {
            heatmap::Zoom::ONE
        } else {
            heatmap::Zoom::for_grid(job.spec.x.cells, job.spec.y.cells, style.size * style.ratio.max(1))
        };
        let side =
            if job.spec.y.cells == 1 { style.size } else { zoom.side(job.spec.x.cells, job.spec.y.cells) };
        // Text, lines and markers grow with the plot: a 4096-pixel map gets the same
        // proportions as a 512-pixel one instead of 11-pixel labels.
        let ratio = style.ratio.max(1).max(side / style.size.max(1));
        Ok(Shared { attractors, loss_scale, zoom, ratio, color: colouring(job) })
    }
}
