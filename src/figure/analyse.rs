//! Running one map and analysing it: attractors, the boundary against theory, refinement,
//! the summary line and the JSON analysis.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::{Job, Kind, cluster_tol};
use crate::analysis::basins::{self, Attractor};
use crate::analysis::{boundary, crossing, fractal};
use crate::error::Error;
use crate::outcome::Outcomes;
use crate::progress::Progress;
use crate::refine;
use crate::runner::Backend;
use crate::spec::{Axis, Spec};
use crate::tiles::{RunFolder, TilePlan};

/// One map of a figure (a panel of one frame): its run and its analysis.
pub(super) struct Map {
    pub(super) spec: Spec,
    pub(super) out: Outcomes,
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

/// Why a map shows one flat colour, when it does: every trajectory started at a stationary
/// point (converged at step 0) or every one diverged.
pub(super) fn uniform_warning(out: &Outcomes) -> Option<&'static str> {
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
pub(super) fn run_map(backend: &mut Backend, job: &Job, spec: Spec) -> Result<Map, Error> {
    let work = spec.cells() as u64 * spec.steps as u64;
    let (out, run_seconds) = match &job.tiling.merged {
        Some(c) => (c.out.clone(), c.run_seconds),
        None => {
            let progress = Progress::new(work, job.kind.name(), job.progress);
            let started = Instant::now();
            let out = run_tiled(backend, job, &spec, &progress)?;
            progress.finish();
            (out, started.elapsed().as_secs_f64())
        }
    };
    let params = spec.landscape_params64();
    let known = spec.landscape.minima_in(params, spec.basin_domain());
    let attractors =
        basins::attractors(&out, known, cluster_tol(&spec), |p| spec.landscape.loss64(p, params));
    let theory = if job.kind == Kind::Basins { None } else { boundary::analytic(&spec) };
    let rows =
        if job.kind == Kind::Basins { Vec::new() } else { boundary::compare(&spec, &out, theory.as_ref()) };
    let refined = match job.refine {
        Some(r) => {
            Some(refine::refine(backend, &spec, &out, r.precision, r.steps, theory.as_ref(), job.progress)?)
        }
        None => None,
    };
    Ok(Map { spec, out, run_seconds, attractors, theory, rows, refined })
}

/// Runs every cell of `spec`: in one go where the grid is one tile, else tile by tile with
/// the finished tiles kept in the run folder beside the outputs (resumed from there with
/// `--resume`; removed once the outputs are written).
fn run_tiled(backend: &mut Backend, job: &Job, spec: &Spec, progress: &Progress) -> Result<Outcomes, Error> {
    let plan = TilePlan::new(spec.x.cells, spec.y.cells, 1);
    if plan.tiles() == 1 && !job.tiling.resume {
        return backend.run(spec, progress);
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
    let mut out = Outcomes::zeroed(spec.x.cells, spec.y.cells);
    out.steps_computed = Some(0);
    crate::tiles::run(backend, spec, (&plan, &all), Some(&folder), progress, &mut |rows, band| {
        out.put_rows(rows.start, &band)
    })?;
    Ok(out)
}

/// A map's analysis as JSON, its one-line summary, and its basin shares.
pub(super) fn analyse(
    kind: Kind,
    m: &Map,
    labels: &[i32],
    attractors: &[Attractor],
    detailed: bool,
) -> (Analysis, String, Vec<basins::BasinShare>) {
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
    summary.push_str(&boundary_summary(m));
    // The boundary between basins (basin maps) or between diverging and other cells.
    let edge = if kind == Kind::Basins {
        fractal::boundary(labels, out.cols, out.rows)
    } else {
        fractal::boundary(&out.div_step.iter().map(|&d| d >= 0).collect::<Vec<_>>(), out.cols, out.rows)
    };
    let dimension = if detailed { fractal::box_counting(&edge, out.cols, out.rows, 1) } else { None };
    if let Some(d) = &dimension {
        summary.push_str(&format!("; {}", d.summary()));
    }
    // Liu's crossing count along every row, on the diverged flags.
    let diverged: Vec<bool> = out.div_step.iter().map(|&d| d >= 0).collect();
    let crossing = crossing::Crossing::of_grid(&diverged, out.cols as usize, out.rows as usize, |r| {
        spec.y.value_at(r as f64 + 0.5)
    });
    if let Some(line) = crossing.summary() {
        summary.push_str(&format!("; {line}"));
    }
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
        diverged_fraction: out.diverged_fraction(),
        converged_fraction: out.converged_fraction(),
        basins: shares.clone(),
        analytic_boundary: m.theory.as_ref().map(|t| Formula { formula: t.formula }),
        boundary: m.rows.clone(),
        boundary_dimension: dimension,
        crossing_dimension: crossing,
        refined_boundary: m.refined.as_ref().map(|rows| Refined { rows: rows.clone() }),
    };
    (analysis, summary, shares)
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
    boundary: Vec<boundary::BoundaryRow>,
    boundary_dimension: Option<fractal::Dimension>,
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
