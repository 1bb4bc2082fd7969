//! Figure jobs: run a spec on a backend, analyse the outcomes, colour them, and write the PNG,
//! the raw `.npz` arrays and the `.json` metadata as one atomic set.

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::RgbImage;
use serde_json::json;

use crate::analysis::{basins, boundary, fractal};
use crate::error::Error;
use crate::outcome::Outcomes;
use crate::output::{Array, OutputSet, with_ext};
use crate::paint;
use crate::progress::Progress;
use crate::refine;
use crate::render::colormap::{self, Cmap};
use crate::render::frame::{self, Frame};
use crate::render::heatmap;
use crate::runner::Backend;
use crate::spec::Spec;

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

/// How a figure looks.
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    /// Continuous colour map (`--cmap`).
    pub cmap: Cmap,
    /// Whether to draw the frame (title, axes with ticks, colour bar or legend); without it
    /// the PNG is the bare heatmap.
    pub frame: bool,
    /// Pixel density: 1 for ordinary screens, 2 for high-density ones (every length doubles).
    pub ratio: u32,
    /// The plot's longer side is at least this many pixels at ratio 1 (whole pixels per cell,
    /// at most 16), so small grids are scaled up.
    pub size: u32,
    /// Title over the plot; by default the optimiser, landscape and step count.
    pub title: Option<String>,
    /// Contour lines of the landscape on basin maps.
    pub contours: bool,
    /// Rings on the attractors on basin maps.
    pub markers: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            cmap: Cmap::Viridis,
            frame: true,
            ratio: 1,
            size: 512,
            title: None,
            contours: true,
            markers: true,
        }
    }
}

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

/// What a finished job reports.
#[derive(Clone, Debug)]
pub struct Report {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Wall time of the run itself (not rendering), seconds.
    pub run_seconds: f64,
    /// Trajectory-steps per second of the run.
    pub traj_steps_per_s: f64,
    /// One-line summary of the outcome.
    pub summary: String,
}

/// Runs, analyses, renders and writes one figure.
pub fn run_job(backend: &mut Backend, job: &Job) -> Result<Report, Error> {
    let spec = &job.spec;
    let work = spec.cells() as u64 * spec.steps as u64;
    let progress = Progress::new(work, job.kind.name(), job.progress);
    let started = Instant::now();
    let out = backend.run(spec, &progress)?;
    progress.finish();
    let run_seconds = started.elapsed().as_secs_f64();
    let rate = work as f64 / run_seconds.max(1e-9);

    let domain = spec.basin_domain();
    let params = spec.landscape_params64();
    let tol = basins::CLUSTER_TOL * (domain[1] - domain[0]).max(domain[3] - domain[2]);
    let known = spec.landscape.minima_in(params, domain);
    let attractors = basins::attractors(&out, known, tol, |p| spec.landscape.loss64(p, params));
    let labels = basins::label(&out, &attractors);
    let color = match (job.color, job.kind) {
        (ColorBy::Auto, Kind::Basins) => ColorBy::Basin,
        (ColorBy::Auto, Kind::Stability) => ColorBy::Conv,
        (ColorBy::Auto, Kind::Sweep) => ColorBy::Loss,
        (c, _) => c,
    };
    let style = &job.style;
    let ratio = style.ratio.max(1);
    let scale = heatmap::scale_for(out.cols, out.rows, style.size * ratio);
    let (mut img, key) = paint::colour(spec, &out, &labels, &attractors, color, scale, style.cmap);
    if job.kind == Kind::Basins && style.contours {
        paint::contours(&mut img, spec);
    }
    let theory = if job.kind == Kind::Basins { None } else { boundary::analytic(spec) };
    let rows =
        if job.kind == Kind::Basins { Vec::new() } else { boundary::compare(spec, &out, theory.as_ref()) };
    if let Some(t) = &theory {
        draw_theory(&mut img, spec, t, scale, ratio);
    }
    let refined = match job.refine {
        Some(r) => {
            let rows = refine::refine(backend, spec, &out, r.precision, r.steps, theory.as_ref())?;
            for row in &rows {
                if let Some(c) = row.critical {
                    let at = (
                        spec.x.position(c) * scale as f64,
                        (spec.y.cells as f64 - spec.y.position(row.y)) * scale as f64,
                    );
                    heatmap::dot(&mut img, at.0, at.1, colormap::DIVERGED, scale.max(2 * ratio));
                }
            }
            Some((r, rows))
        }
        None => None,
    };

    let mut summary = format!(
        "{}x{} trajectories x {} steps in {:.2} s ({:.3e} trajectory-steps/s); diverged {:.1}%, converged {:.1}%",
        out.cols,
        out.rows,
        spec.steps,
        run_seconds,
        rate,
        100.0 * out.diverged_fraction(),
        100.0 * out.converged_fraction()
    );
    let shares = if attractors.is_empty() { Vec::new() } else { basins::shares(&out, &labels, &attractors) };
    if job.kind == Kind::Basins && !shares.is_empty() {
        // The six largest shares (minima, divergence, non-convergence) in one line.
        let mut top: Vec<&basins::BasinShare> = shares.iter().filter(|r| r.fraction > 0.0).collect();
        top.sort_by(|a, b| b.fraction.total_cmp(&a.fraction));
        let named: Vec<String> =
            top.iter().take(6).map(|r| format!("{} {:.1}%", r.label, 100.0 * r.fraction)).collect();
        summary.push_str(&format!("; basins: {}", named.join(", ")));
    }
    if let Some(t) = &theory {
        let off: Vec<f64> = rows.iter().filter_map(|r| r.cells_off).collect();
        let worst = off.iter().fold(0f64, |m, v| m.max(v.abs()));
        summary.push_str(&format!(
            "; measured boundary vs {}: worst {:.2} cells over {} rows",
            t.formula,
            worst,
            off.len()
        ));
    }

    if let Some((r, rows)) = &refined {
        let errs: Vec<f64> = rows.iter().filter_map(|row| row.rel_error).collect();
        let worst = errs.iter().fold(0f64, |m, v| m.max(v.abs()));
        let found = rows.iter().filter(|row| row.critical.is_some()).count();
        summary.push_str(&format!(
            "; refined {found} boundary points to {:.0e} with {} steps each",
            r.precision, r.steps
        ));
        if !errs.is_empty() {
            summary.push_str(&format!(", worst relative error vs theory {worst:.2e}"));
        }
    }
    // The boundary between basins (basin maps) or between diverging and other cells.
    let edge = if job.kind == Kind::Basins {
        fractal::boundary(&labels, out.cols, out.rows)
    } else {
        fractal::boundary(&out.div_step.iter().map(|&d| d >= 0).collect::<Vec<_>>(), out.cols, out.rows)
    };
    let dimension = fractal::box_counting(&edge, out.cols, out.rows, 1);
    if let Some(d) = &dimension {
        summary.push_str(&format!(
            "; boundary box-counting dimension {:.3} +- {:.3} (boxes {}..{} cells)",
            d.dimension,
            d.std_error,
            d.box_sizes[0],
            d.box_sizes[d.box_sizes.len() - 1]
        ));
    }
    if job.kind == Kind::Basins && style.markers {
        paint::markers(&mut img, spec, &attractors, (9 * ratio).max(scale));
    }
    let (img, plot) = if style.frame {
        let curvature_only = job.kind == Kind::Stability;
        let f = Frame {
            title: style.title.clone().unwrap_or_else(|| paint::title(spec)),
            x: paint::axis_frame(&spec.x, curvature_only),
            y: paint::axis_frame(&spec.y, curvature_only),
            key,
            ratio,
        };
        let framed = frame::compose(&img, &f);
        (framed.image, framed.plot)
    } else {
        let (w, h) = img.dimensions();
        (img, [0, 0, w, h])
    };
    let meta = json!({
        "downhill": env!("CARGO_PKG_VERSION"),
        "command": job.command,
        "figure": job.kind.name(),
        "backend": backend.describe(),
        "adapter": backend.adapter(),
        "landscape": { "name": spec.landscape.name, "formula": spec.landscape.formula },
        "optimizer": { "name": spec.optimiser.name, "rule": spec.optimiser.rule },
        "parameters": spec.named_values().into_iter().map(|(k, v)| (k, json!(v))).collect::<serde_json::Map<_, _>>(),
        "start": [spec.values[0], spec.values[1]],
        "axes": { "x": &spec.x, "y": &spec.y },
        "steps": spec.steps,
        "threshold": spec.threshold,
        "conv_tol": spec.conv_tol,
        "color": format!("{color:?}").to_lowercase(),
        "image": {
            "width": img.width(),
            "height": img.height(),
            "plot": { "left": plot[0], "top": plot[1], "width": plot[2], "height": plot[3] },
            "pixels_per_cell": scale,
            "y_axis": "high end at the top",
            "cmap": style.cmap.name(),
            "ratio": ratio,
        },
        "run_seconds": run_seconds,
        "traj_steps_per_s": rate,
        "diverged_fraction": out.diverged_fraction(),
        "converged_fraction": out.converged_fraction(),
        "attractors": attractors,
        "cluster_tolerance": tol,
        "basins": shares,
        "analytic_boundary": theory.as_ref().map(|t| json!({"formula": t.formula})),
        "boundary": rows,
        "boundary_dimension": dimension,
        "refined_boundary": refined.as_ref().map(|(r, rows)| json!({
            "precision": r.precision,
            "steps": r.steps,
            "rows": rows,
        })),
    });

    let mut set = OutputSet::new();
    let png = with_ext(&job.prefix, "png");
    set.png(&png, &img)?;
    if job.raw {
        write_npz(&mut set, &with_ext(&job.prefix, "npz"), spec, &out, &labels)?;
    }
    if let Some((_, rows)) = &refined {
        set.text(&with_ext(&job.prefix, "boundary.csv"), &refine::csv(&spec.y.param, &spec.x.param, rows))?;
    }
    if job.kind == Kind::Basins && !shares.is_empty() {
        set.text(&with_ext(&job.prefix, "basins.csv"), &basins::csv(&shares))?;
    }
    let text = serde_json::to_string_pretty(&meta).expect("metadata is plain JSON");
    set.text(&with_ext(&job.prefix, "json"), &(text + "\n"))?;
    let files = set.commit()?;
    Ok(Report { files, run_seconds, traj_steps_per_s: rate, summary })
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
    let ax = spec.x.centres();
    let ay = spec.y.centres();
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
            Array::F32("axis_x", vec![ax.len() as u64], &ax),
            Array::F32("axis_y", vec![ay.len() as u64], &ay),
        ],
    )
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
