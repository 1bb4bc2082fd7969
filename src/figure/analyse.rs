//! Running one map and analysing it: attractors, the boundary against theory, refinement,
//! the summary line and the JSON analysis.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::cells::Cells;
use super::{Job, Kind};
use crate::analysis::basins::{self, Attractor};
use crate::analysis::fractality::{self, Fractality};
use crate::analysis::{boundary, crossing, fractal, settle};
use crate::error::Error;
use crate::outcome::{Bands, Outcomes};
use crate::progress::Progress;
use crate::refine;
use crate::runner::Backend;
use crate::spec::{Axis, Spec};
use crate::tiles::{Checkpoint, RunFolder, TilePlan};

/// One map of a figure (a panel of one frame): its run and its analysis.
pub(super) struct Map {
    pub(super) spec: Spec,
    /// The outcomes: in memory, or tile by tile in the run folder (a single large map).
    pub(super) cells: Cells,
    /// Its cell counts and steps, from one pass over its cells.
    pub(super) tally: Tally,
    pub(super) run_seconds: f64,
    pub(super) attractors: Vec<Attractor>,
    pub(super) theory: Option<boundary::Theory>,
    pub(super) rows: Vec<boundary::BoundaryRow>,
    pub(super) refined: Option<Vec<refine::RefinedRow>>,
}

/// The analytic boundary of the first map that has one.
pub(super) fn first_map_theory(maps: &[Vec<Map>]) -> Option<&boundary::Theory> {
    maps.iter().flatten().find_map(|m| m.theory.as_ref())
}

/// A map's cell counts and steps, from one pass over its bands.
#[derive(Default)]
pub(super) struct Tally {
    /// Trajectory-steps up to each trajectory's divergence.
    pub(super) steps_run: u64,
    /// Trajectory-steps the runner computed, where it counts them.
    pub(super) steps_computed: Option<u64>,
    cells: usize,
    diverged: usize,
    converged: usize,
    /// Converged at step 0: started at a stationary point.
    at_start: usize,
    /// Ended, without diverging, where the loss is NaN.
    undefined: usize,
}

impl Tally {
    /// The tally of a map of `steps` steps.
    fn of(cells: &dyn Bands, steps: u32) -> Result<Tally, Error> {
        let mut t = Tally { steps_computed: Some(0), ..Tally::default() };
        cells.each(&mut |_, out| {
            t.steps_run += out.steps_run(steps);
            t.steps_computed = t.steps_computed.zip(out.steps_computed).map(|(a, b)| a + b);
            t.cells += out.len();
            t.diverged += out.div_step.iter().filter(|&&d| d >= 0).count();
            t.converged += out.conv_step.iter().filter(|&&c| c >= 0).count();
            t.at_start += out.conv_step.iter().filter(|&&c| c == 0).count();
            t.undefined += (0..out.len()).filter(|&i| out.loss_undefined(i)).count();
        })?;
        Ok(t)
    }

    /// `count` as a fraction of the cells (0 on an empty map).
    fn fraction(&self, count: usize) -> f64 {
        if self.cells == 0 { 0.0 } else { count as f64 / self.cells as f64 }
    }

    /// Why the map shows one flat colour, when it does: every trajectory started at a
    /// stationary point (converged at step 0) or every one diverged.
    fn uniform_warning(&self) -> Option<&'static str> {
        if self.cells < 2 {
            None
        } else if self.at_start == self.cells {
            Some(
                "every trajectory starts at a stationary point (gradient within the tolerance at step 0), \
                 so the map is uniform; start away from it (--start, or the figure's start)",
            )
        } else if self.diverged == self.cells {
            Some("every trajectory diverged; try smaller learning rates or a larger --threshold")
        } else {
            None
        }
    }
}

/// Runs one map (the figure's `index`-th: frame by frame, panel by panel) and analyses it;
/// a merge of shards takes its outcomes instead. A map that streams ([`TilePlan::streams`],
/// in a figure of `maps` maps) stays in its run folder and is read back tile by tile.
pub(super) fn run_map(
    backend: &mut Backend,
    job: &Job,
    spec: Spec,
    (index, maps): (usize, usize),
) -> Result<Map, Error> {
    let work = spec.cells() as u64 * spec.steps as u64;
    let merged = job.tiling.merged.as_ref().and_then(|m| m.get(index));
    let (cells, run_seconds) = if let Some(c) = merged {
        (Cells::Whole(c.out.clone()), c.run_seconds)
    } else if let Some((plan, seconds)) = job.tiling.saved {
        let folder = RunFolder::open(&job.prefix, &job.spec_hash(), true)?;
        (Cells::Tiles { folder, plan, cols: spec.x.cells }, seconds)
    } else {
        let progress = Progress::new(work, job.kind.name(), job.progress);
        let started = Instant::now();
        let cells = run_tiled(backend, job, &spec, &progress, maps)?;
        progress.finish();
        (cells, started.elapsed().as_secs_f64())
    };
    crate::timings::lap("run");
    let tally = Tally::of(&cells, spec.steps)?;
    let attractors = super::map_attractors(&spec, &cells)?;
    let theory = if job.kind == Kind::Basins { None } else { boundary::analytic(&spec) };
    let rows = if job.kind == Kind::Basins {
        Vec::new()
    } else {
        boundary::compare(&spec, &cells, theory.as_ref())?
    };
    let refined = match job.refine {
        Some(r) => {
            Some(refine::refine(backend, &spec, &cells, r.precision, r.steps, theory.as_ref(), job.progress)?)
        }
        None => None,
    };
    crate::timings::lap("analysis");
    Ok(Map { spec, cells, tally, run_seconds, attractors, theory, rows, refined })
}

/// Runs every cell of `spec`: in one go where the grid is one tile, else tile by tile through
/// the run folder beside the outputs (resumed from there with `--resume`; removed once the
/// outputs are written). A map that streams (in a figure of `maps` maps) is saved there tile
/// by tile, to be read back a tile at a time; else its tiles are gathered into one grid and
/// saved there only once the run has gone on for a while ([`Checkpoint`]).
fn run_tiled(
    backend: &mut Backend,
    job: &Job,
    spec: &Spec,
    progress: &Progress,
    maps: usize,
) -> Result<Cells, Error> {
    let plan = TilePlan::new(spec.x.cells, spec.y.cells, 1);
    if plan.tiles() == 1 && !job.tiling.resume {
        return backend.run(spec, progress).map(Cells::Whole);
    }
    let folder = RunFolder::open(&job.prefix, &job.spec_hash(), job.tiling.resume)?;
    if job.tiling.resume {
        let done = folder.finished(&plan, spec.x.cells);
        eprintln!(
            "downhill: resuming from {done} of {} tiles finished in {}",
            plan.tiles(),
            folder.dir().display()
        );
    }
    let all: Vec<u32> = (0..plan.tiles()).collect();
    if plan.streams(spec.x.cells, maps) {
        crate::tiles::run(
            backend,
            spec,
            (&plan, &all),
            Some(&folder),
            progress,
            &mut |rows, band, computed| {
                if computed { folder.save(&rows, &band) } else { Ok(()) }
            },
        )?;
        return Ok(Cells::Tiles { folder, plan, cols: spec.x.cells });
    }
    let mut out = Outcomes::zeroed(spec.x.cells, spec.y.cells);
    out.steps_computed = Some(0);
    let mut checkpoint = Checkpoint::new(&folder);
    crate::tiles::run(backend, spec, (&plan, &all), Some(&folder), progress, &mut |rows, band, computed| {
        out.put_rows(rows.start, &band);
        if computed { checkpoint.finished(rows, band.steps_computed, &out) } else { Ok(()) }
    })?;
    Ok(Cells::Whole(out))
}

/// A map's analysis as JSON, its one-line summary, and its basin shares; `detailed` adds
/// the boundary's box-counting dimension (marked and counted by `box_count`) and its
/// fractality measures.
pub(super) fn analyse(
    (kind, box_count): (Kind, fractal::BoxCount),
    m: &Map,
    labels: &[i32],
    attractors: &[Attractor],
    detailed: bool,
) -> Result<(Analysis, String, Vec<basins::BasinShare>), Error> {
    let (spec, cols, rows) = (&m.spec, m.cells.cols(), m.cells.rows());
    let tally = &m.tally;
    let (diverged_fraction, converged_fraction) =
        (tally.fraction(tally.diverged), tally.fraction(tally.converged));
    let mut summary =
        format!("diverged {:.1}%, converged {:.1}%", 100.0 * diverged_fraction, 100.0 * converged_fraction);
    if let Some(w) = tally.uniform_warning() {
        summary.push_str(&format!("; warning: {w}"));
    }
    if tally.undefined > 0 {
        summary.push_str(&format!(", loss NaN at the end {:.1}%", 100.0 * tally.fraction(tally.undefined)));
    }
    let minima_stability = if kind == Kind::Basins { settle::settle(spec, attractors) } else { None };
    if let Some(w) = minima_stability.as_ref().and_then(|s| s.warning(spec.optimiser.name)) {
        summary.push_str(&format!("; warning: {w}"));
    }
    let shares =
        if attractors.is_empty() { Vec::new() } else { basins::shares(&m.cells, labels, attractors)? };
    if kind == Kind::Basins && !shares.is_empty() {
        summary.push_str(&largest_shares(&shares));
    }
    summary.push_str(&boundary_summary(m));
    let measures = Measures::of((kind, box_count), spec, labels, (cols, rows), detailed);
    summary.push_str(&measures.summary(kind));
    let Measures { dimension, fractality, crossing } = measures;
    let (uncertainty_exponent, basin_entropy, wada) =
        fractality.map_or((None, None, None), |f| (f.uncertainty_exponent, f.basin_entropy, Some(f.wada)));
    let analysis = Analysis {
        landscape: Named { name: spec.landscape.name, formula: spec.landscape.formula },
        optimizer: OptimiserMeta { name: spec.optimiser.name, rule: spec.optimiser.rule },
        parameters: spec.named_values().into_iter().collect(),
        start: [spec.values[0], spec.values[1]],
        axes: Axes { x: spec.x.clone(), y: spec.y.clone() },
        steps: spec.steps,
        threshold: spec.threshold,
        conv_tol: spec.conv_tol,
        conv_floor: spec.conv_floor,
        run_seconds: m.run_seconds,
        diverged_fraction,
        converged_fraction,
        basins: shares.clone(),
        analytic_boundary: m.theory.as_ref().map(|t| Formula { formula: t.formula }),
        minima_stability,
        boundary: m.rows.clone(),
        boundary_dimension: dimension,
        uncertainty_exponent,
        basin_entropy,
        wada,
        crossing_dimension: crossing,
        refined_boundary: m.refined.as_ref().map(|rows| Refined { rows: rows.clone() }),
    };
    Ok((analysis, summary, shares))
}

/// The measures of a map's boundary: between basins on basin maps, between diverging and
/// other cells otherwise.
struct Measures {
    /// Box-counting dimension (with `detailed`).
    dimension: Option<fractal::Dimension>,
    /// Uncertainty exponent, basin entropy and the Wada test (with `detailed`).
    fractality: Option<Fractality>,
    /// Liu's crossing count along every row, on the diverged flags.
    crossing: crossing::Crossing,
}

impl Measures {
    fn of(
        (kind, box_count): (Kind, fractal::BoxCount),
        spec: &Spec,
        labels: &[i32],
        (cols, rows): (u32, u32),
        detailed: bool,
    ) -> Measures {
        // A cell is labelled diverged exactly when it diverged.
        let classes: std::borrow::Cow<[i32]> = if kind == Kind::Basins {
            labels.into()
        } else {
            labels
                .iter()
                .map(|&l| if l == basins::DIVERGED { basins::DIVERGED } else { 0 })
                .collect::<Vec<_>>()
                .into()
        };
        let (dimension, fractality) = if detailed {
            rayon::join(
                || box_count.dimension(&classes, cols, rows),
                || Some(Fractality::measure(&classes, cols, rows)),
            )
        } else {
            (None, None)
        };
        let diverged: Vec<bool> = labels.iter().map(|&l| l == basins::DIVERGED).collect();
        let crossing = crossing::Crossing::of_grid(&diverged, cols as usize, rows as usize, |r| {
            spec.y.value_at(r as f64 + 0.5)
        });
        Measures { dimension, fractality, crossing }
    }

    /// Their part of the map's summary line.
    fn summary(&self, kind: Kind) -> String {
        let mut text = String::new();
        if let Some(d) = &self.dimension {
            text.push_str(&format!("; {}", d.summary()));
        }
        if let Some(f) = self.fractality.as_ref().filter(|_| kind == Kind::Basins) {
            let line = f.summary();
            if !line.is_empty() {
                text.push_str(&format!("; {line}"));
            }
        }
        if let Some(line) = self.crossing.summary() {
            text.push_str(&format!("; {line}"));
        }
        text
    }
}

/// The six largest shares (attractors, divergence, non-convergence) in one line of the
/// summary.
fn largest_shares(shares: &[basins::BasinShare]) -> String {
    let mut top: Vec<&basins::BasinShare> = shares.iter().filter(|r| r.fraction > 0.0).collect();
    top.sort_by(|a, b| b.fraction.total_cmp(&a.fraction));
    let named: Vec<String> =
        top.iter().take(6).map(|r| format!("{} {:.1}%", r.label, 100.0 * r.fraction)).collect();
    format!("; basins: {}", named.join(", "))
}

/// The summary's account of the map's boundary: measured against theory (worst cells off,
/// rows compared) and the refined points, where the map has them.
fn boundary_summary(m: &Map) -> String {
    let mut text = String::new();
    let off: Vec<f64> = m.rows.iter().filter_map(|r| r.cells_off).collect();
    // Rows with no boundary in the window (every cell diverged, or none) compare nothing.
    if let Some(t) = m.theory.as_ref().filter(|_| !off.is_empty()) {
        let worst = off.iter().fold(0f64, |a, v| a.max(v.abs()));
        text.push_str(&format!(
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
        text.push_str(&format!("; refined {found} boundary points"));
        if !errs.is_empty() {
            text.push_str(&format!(", worst relative error vs theory {worst:.2e}"));
        }
    }
    text
}

/// A map's analysis, as the figure's JSON records it: at the top level for the first map,
/// and for every map under `maps` when there are several.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Analysis {
    landscape: Named,
    optimizer: OptimiserMeta,
    /// Every landscape, optimiser and option parameter by name.
    parameters: BTreeMap<String, f32>,
    /// The start `(x0, y0)` where the axes do not sweep it.
    start: [f32; 2],
    axes: Axes,
    steps: u32,
    threshold: f32,
    conv_tol: f32,
    /// The gradient norm the arithmetic resolves per unit of `max(|x|, |y|)`, also counted as
    /// converged (`Spec::conv_floor`).
    conv_floor: f32,
    /// Seconds this map's run took.
    pub(super) run_seconds: f64,
    diverged_fraction: f64,
    converged_fraction: f64,
    basins: Vec<basins::BasinShare>,
    analytic_boundary: Option<Formula>,
    /// On basin maps of GD, heavy ball or Nesterov: each known minimum's curvature and the
    /// edge learning rate past which the optimiser cannot settle there.
    minima_stability: Option<settle::Settle>,
    boundary: Vec<boundary::BoundaryRow>,
    boundary_dimension: Option<fractal::Dimension>,
    uncertainty_exponent: Option<fractality::Uncertainty>,
    basin_entropy: Option<fractality::BasinEntropy>,
    wada: Option<fractality::Wada>,
    /// Liu's crossing-count dimension of the diverged/not boundary along each row.
    pub(super) crossing_dimension: crossing::Crossing,
    refined_boundary: Option<Refined>,
}

/// A landscape by name and formula.
#[derive(Clone, Debug, Serialize)]
struct Named {
    name: &'static str,
    formula: &'static str,
}

/// An optimiser by name and update rule.
#[derive(Clone, Debug, Serialize)]
struct OptimiserMeta {
    name: &'static str,
    rule: &'static str,
}

/// The map's two axes.
#[derive(Clone, Debug, Serialize)]
struct Axes {
    x: Axis,
    y: Axis,
}

/// The analytic boundary's formula.
#[derive(Clone, Debug, Serialize)]
struct Formula {
    formula: &'static str,
}

/// The refined boundary, row by row.
#[derive(Clone, Debug, Serialize)]
struct Refined {
    rows: Vec<refine::RefinedRow>,
}
