//! Writing a map figure: its JSON metadata, PNG, raw arrays and tables as one atomic set.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::analyse::{Analysis, Map};
use super::draw::Painted;
use super::{Frames, Job, Shared, cluster_tol};
use crate::analysis::basins::Attractor;
use crate::error::Error;
use crate::gpu::AdapterSummary;
use crate::outcome::{Bands, Outcomes};
use crate::output::{Array, Element, OutputSet, with_ext, write_le};
use crate::picture::{FileMeta, Image};
use crate::plan::{Provenance, Rect};
use crate::runner::Backend;
use crate::spec::{Precision, Spec};

/// The figure's JSON metadata: the run, the first map's analysis (and every map's, when
/// there are several), the attractors, the image's geometry and the run's speed.
#[allow(clippy::too_many_arguments, reason = "the figure's parts, each used once")]
pub(super) fn metadata(
    backend: &Backend,
    job: &Job,
    analyses: &[&Analysis],
    title: String,
    shared: &Shared,
    (image, plots, text_fits): (&Image, &[[u32; 4]], bool),
    animate: Option<&Frames>,
    speed: Speed,
) -> serde_json::Value {
    let (width, height) = image.size();
    let target = image.format().target(&job.prefix, "");
    let meta = Meta {
        provenance: Provenance::new(&job.command, job.kind.name(), backend.describe_run(&job.spec)),
        title,
        precision: job.spec.precision,
        adapter: backend.adapter_for_run(&job.spec),
        first: analyses[0],
        color: format!("{:?}", shared.color).to_lowercase(),
        attractors: &shared.attractors,
        cluster_tolerance: cluster_tol(&job.spec),
        image: ImageMeta {
            file: FileMeta::of(&target, image.format()),
            width,
            height,
            plot: Rect::of(plots[0]),
            panels: plots.iter().copied().map(Rect::of).collect(),
            pixels_per_cell: shared.zoom.up,
            cells_per_pixel: shared.zoom.down,
            y_axis: "high end at the top",
            cmap: job.style.cmap.name(),
            ratio: shared.ratio,
            frames: image.frames(),
            text_fits,
        },
        maps: (analyses.len() > 1).then_some(analyses),
        animate,
        speed,
    };
    // Through a JSON value: keys come out sorted, and the whole figure's `run_seconds`
    // replaces the first map's.
    serde_json::to_value(&meta).expect("metadata is plain JSON")
}

/// `PREFIX.json` of a map figure.
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    provenance: Provenance<'a>,
    /// The title over the plot (without an animation frame's value).
    title: String,
    precision: Precision,
    /// The adapter it ran on (none on the CPU).
    adapter: Option<AdapterSummary>,
    /// The first map's analysis, at the top level.
    #[serde(flatten)]
    first: &'a Analysis,
    color: String,
    attractors: &'a [Attractor],
    cluster_tolerance: f64,
    image: ImageMeta,
    /// Every map's analysis, when there are several (panels, frames).
    #[serde(skip_serializing_if = "Option::is_none")]
    maps: Option<&'a [&'a Analysis]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    animate: Option<&'a Frames>,
    /// The runs' time and work, after the first map's analysis so that its totals win.
    #[serde(flatten)]
    speed: Speed,
}

/// How long a figure's maps took to run and how much they did.
#[derive(Clone, Copy, Debug, Serialize)]
pub(super) struct Speed {
    /// Seconds of all the maps' runs together.
    pub(super) run_seconds: f64,
    /// Trajectory-steps up to each trajectory's divergence, all maps together.
    pub(super) steps_run: u64,
    /// Trajectory-steps the CPU lanes computed (blocks whose trajectories have all diverged
    /// or settled stop early), where the runner keeps count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) steps_computed: Option<u64>,
    /// `steps_run` per second of `run_seconds`.
    pub(super) traj_steps_per_s: f64,
}

impl Speed {
    /// The speed of `maps`' runs.
    pub(super) fn of(maps: &[&Map]) -> Speed {
        let run_seconds: f64 = maps.iter().map(|m| m.run_seconds).sum();
        let steps_run: u64 = maps.iter().map(|m| m.tally.steps_run).sum();
        let steps_computed = maps.iter().map(|m| m.tally.steps_computed).sum::<Option<u64>>();
        Speed {
            run_seconds,
            steps_run,
            steps_computed,
            traj_steps_per_s: steps_run as f64 / run_seconds.max(1e-9),
        }
    }
}

/// The figure image's file and geometry.
#[derive(Serialize)]
struct ImageMeta {
    #[serde(flatten)]
    file: FileMeta,
    width: u32,
    height: u32,
    /// The first panel's plot area.
    plot: Rect,
    /// Every panel's plot area.
    panels: Vec<Rect>,
    /// Heatmap pixels per cell along x and y.
    pixels_per_cell: [u32; 2],
    /// Cells per heatmap pixel along x and y: above 1 along a side of more than
    /// `heatmap::MAX_SIDE` cells, where each pixel shows the cell at its centre.
    cells_per_pixel: [u32; 2],
    y_axis: &'static str,
    cmap: &'static str,
    ratio: u32,
    frames: usize,
    /// Whether every piece of text landed inside the image.
    text_fits: bool,
}

/// Writes the figure's image (PNG, animated with several frames, or SVG), raw arrays, tables
/// and JSON as one atomic set; the files written.
pub(super) fn write(
    job: &Job,
    maps: &[Vec<Map>],
    painted: &[Vec<Painted>],
    image: &Image,
    animate: Option<&Frames>,
    meta: &serde_json::Value,
) -> Result<Vec<PathBuf>, Error> {
    let mut set = OutputSet::new();
    let fps = animate.map_or(1, |a| a.fps);
    let target = image.format().target(&job.prefix, "");
    // The image is encoded on a thread of its own while the raw arrays are written: both run
    // on one core each (a 4096x4096 map: 0.44 s of PNG, 0.9 s of .npz).
    std::thread::scope(|scope| {
        let encoding = scope.spawn(|| image.encoded(fps, &job.png_text));
        for (frame, painted) in maps.iter().zip(painted) {
            for (m, p) in frame.iter().zip(painted) {
                if let Some(path) = &p.npz {
                    write_npz(&mut set, path, &m.spec, &m.cells, &p.labels)?;
                }
            }
        }
        crate::timings::lap("npz");
        let bytes = encoding
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the image encoder panicked")))
            .map_err(|source| Error::Write { path: target.clone(), source })?;
        crate::timings::lap("png");
        set.bytes_first(&target, &bytes)
    })?;
    for (path, text) in painted.iter().flatten().flat_map(|p| &p.tables) {
        set.text(path, text)?;
    }
    let text = serde_json::to_string_pretty(meta).expect("metadata is plain JSON");
    set.text(&with_ext(&job.prefix, "json"), &(text + "\n"))?;
    set.commit()
}

pub(super) fn write_npz(
    set: &mut OutputSet,
    path: &Path,
    spec: &Spec,
    cells: &dyn Bands,
    labels: &[i32],
) -> Result<(), Error> {
    let shape = vec![cells.rows() as u64, cells.cols() as u64];
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
    // Each outcome array written band by band, straight from the grid.
    let bands = |w: &mut dyn Write, write: &dyn Fn(&mut dyn Write, &Outcomes) -> std::io::Result<()>| {
        let mut result = Ok(());
        cells
            .each(&mut |_, band| {
                if result.is_ok() {
                    result = write(w, band);
                }
            })
            .map_err(std::io::Error::other)?;
        result
    };
    let f32s = |field: fn(&Outcomes) -> &[f32]| {
        move |w: &mut dyn Write| bands(w, &|w, o| write_le(w, field(o), f32::to_le_bytes))
    };
    let i32s = |field: fn(&Outcomes) -> &[i32]| {
        move |w: &mut dyn Write| bands(w, &|w, o| write_le(w, field(o), i32::to_le_bytes))
    };
    let (x, y, loss) = (f32s(|o| &o.x), f32s(|o| &o.y), f32s(|o| &o.loss));
    let (div_step, conv_step) = (i32s(|o| &o.div_step), i32s(|o| &o.conv_step));
    let diverged = |w: &mut dyn Write| {
        bands(w, &|w, o| w.write_all(&o.div_step.iter().map(|&d| u8::from(d >= 0)).collect::<Vec<u8>>()))
    };
    set.npz(
        path,
        &[
            Array::Stream("x", shape.clone(), Element::F32, &x),
            Array::Stream("y", shape.clone(), Element::F32, &y),
            Array::Stream("loss", shape.clone(), Element::F32, &loss),
            Array::Stream("diverged", shape.clone(), Element::Bool, &diverged),
            Array::Stream("div_step", shape.clone(), Element::I32, &div_step),
            Array::Stream("conv_step", shape.clone(), Element::I32, &conv_step),
            Array::I32("basin", shape, labels),
            axis_x,
            axis_y,
        ],
    )
}
