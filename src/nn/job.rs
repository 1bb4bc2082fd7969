//! Trainability figures: run a map, classify and colour its cells, and write the image (framed,
//! with a key for the two classes), the raw `.npz` arrays and the `.json` metadata as one set.
//! An f64 map keeps its bookkeeping in f64 and writes its `.npz` statistics as float64.

use std::path::PathBuf;
use std::time::Instant;

use image::RgbImage;
use serde::Serialize;

pub use super::build::{Source, axis, spec};
use super::map;
use super::train::{CellOutcome, CellStats64, Convention, Precision, TrainOutcomes, TrainSpec};
use crate::analysis::{fractal, fractality};
use crate::error::Error;
use crate::gpu::AdapterSummary;
use crate::output::{Array, OutputSet, with_ext};
use crate::picture::{FileMeta, Image};
use crate::plan::{Figure, PngText, Provenance, Rect, Report, Style};
use crate::progress::Progress;
use crate::render::frame::{self, AxisFrame, Frame, Key};
use crate::render::heatmap;
use crate::render::scene::Scene;
use crate::runner::Backend;
use crate::spec::{Axis, Scale};

/// One trainability figure to render.
#[derive(Clone, Debug)]
pub struct TrainJob {
    /// The maps: one, or one per frame of an animation, each with its label for the title
    /// (empty for a single map).
    pub frames: Vec<(String, TrainSpec)>,
    /// Frames per second of an animation.
    pub fps: u32,
    /// Where the network came from, for the metadata.
    pub source: Source,
    /// Colour map (diverging by default), frame and size.
    pub style: Style,
    /// Output prefix.
    pub prefix: PathBuf,
    /// Whether to write the raw arrays.
    pub raw: bool,
    /// Whether to draw a progress bar.
    pub progress: bool,
    /// The command that reproduces the figure.
    pub command: String,
    /// The PNG's text chunks (the recipe that made the figure).
    pub png_text: PngText,
    /// How the boundary's box-counting dimension marks and counts it.
    pub box_count: fractal::BoxCount,
}

fn axis_title(param: &str) -> String {
    match param {
        "lr0" => "input-layer learning rate η₀".into(),
        "lr1" => "output-layer learning rate η₁".into(),
        "lr" => "learning rate η (both layers)".into(),
        "offset" => "offset added to initial W₀".into(),
        other => other.into(),
    }
}

/// A map's outcome with its bookkeeping in the precision the map ran in.
enum Outcomes {
    /// f32 bookkeeping (the kernel's layout), from any backend.
    F32(TrainOutcomes),
    /// f64 bookkeeping, from the CPU twin's f64 path.
    F64(TrainOutcomes<CellStats64>),
}

/// `$body` with `$o` bound to the outcomes, whichever their precision.
macro_rules! either {
    ($out:expr, $o:ident => $body:expr) => {
        match $out {
            Outcomes::F32($o) => $body,
            Outcomes::F64($o) => $body,
        }
    };
}

/// Every cell's value and sums (`loss0`, `sum_v`, `sum_inv`, `tail`, `last_loss`), widened to
/// f64 (exactly).
fn columns<S: CellOutcome>(out: &TrainOutcomes<S>, steps: u32) -> [Vec<f64>; 6] {
    let mut cols: [Vec<f64>; 6] = Default::default();
    for s in &out.stats {
        cols[0].push(s.value(steps));
        for (c, v) in cols[1..].iter_mut().zip(s.sums()) {
            c.push(v);
        }
    }
    cols
}

/// Trains the map's cells: an f64 map on the CPU twin's f64 path, bookkeeping and all, where
/// [`Backend::train`] would run it on the twin (every backend but an explicit GPU, which
/// refuses it); otherwise as [`Backend::train`] does.
fn train(backend: &mut Backend, spec: &TrainSpec, progress: &Progress) -> Result<Outcomes, Error> {
    match spec.precision {
        Precision::F64 if !matches!(backend, Backend::Gpu(_)) => {
            Ok(Outcomes::F64(super::cpu::run_f64(spec, progress)))
        }
        _ => backend.train(spec, progress).map(Outcomes::F32),
    }
}

/// `PREFIX.json` of a trainability figure.
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    provenance: Provenance<'a>,
    precision: Precision,
    /// Whose conventions the map follows, and what they mean on our kernels.
    convention: ConventionMeta,
    /// The adapter it trained on (none on the CPU).
    adapter: Option<AdapterSummary>,
    /// The first frame's map, at the top level.
    #[serde(flatten)]
    first: &'a FrameMeta,
    classification: Classification,
    /// Every frame's map, when there are several.
    #[serde(skip_serializing_if = "Option::is_none")]
    frames: Option<&'a Vec<&'a FrameMeta>>,
    image: ImageMeta,
}

/// The map's convention (`--convention`) and its exact mapping onto our kernels.
#[derive(Serialize)]
struct ConventionMeta {
    name: Convention,
    readout: &'static str,
    mapping: &'static str,
    cap: &'static str,
    offset: &'static str,
}

impl ConventionMeta {
    fn of(c: Convention) -> ConventionMeta {
        match c {
            Convention::Ours => ConventionMeta {
                name: c,
                readout: "phi(Z) W1 / sqrt(width)",
                mapping: "none: the axes, base values and W1 are the kernels' own",
                cap: "a cell stops when its loss ratio passes 1e6 (or is not finite) and counts 1e6 for every remaining step",
                offset: "added to the initial input-layer weights once",
            },
            Convention::Paper => ConventionMeta {
                name: c,
                readout: "phi(Z) W1 / width (Sohl-Dickstein's notebook)",
                mapping: "(lr0, lr1, W1) here = (lr0, lr1 / width, W1 / sqrt(width)) on the kernels, exact in real arithmetic (and in floating point when width is a power of 4)",
                cap: "every cell trains all steps, ratios above 1e6 counted as 1e6; a non-finite loss makes the value NaN (does not train, never an edge)",
                offset: "added to the input-layer weights before every step, as the notebook's train_step does",
            },
        }
    }
}

/// How a cell is classified (see [`super::train`]).
#[derive(Serialize)]
struct Classification {
    ratio_cap: f32,
    tail: u32,
    value: &'static str,
}

/// The figure image's file and geometry.
#[derive(Serialize)]
struct ImageMeta {
    #[serde(flatten)]
    file: FileMeta,
    width: u32,
    height: u32,
    plot: Rect,
    /// Heatmap pixels per cell along x and y.
    pixels_per_cell: [u32; 2],
    y_axis: &'static str,
    cmap: &'static str,
    frames: usize,
    /// Whether every piece of text of every frame landed inside the image.
    text_fits: bool,
}

/// What the rates of a trainability map count.
const RATES_COUNT: &str = "steps run, counted as loss evaluations: t + 1 for a network stopped at step t, all steps otherwise; each network ran one update fewer";

/// One frame's (map's) part of a trainability figure's JSON: at the top level for the first
/// frame, and for every frame under `frames` when there are several.
#[derive(Clone, Debug, Serialize)]
struct FrameMeta {
    /// The frame's label (empty for a single map).
    label: String,
    network: NetworkMeta,
    axes: AxesMeta,
    /// Base values of the parameters the axes do not sweep.
    base: BaseMeta,
    steps: u32,
    batch: BatchMeta,
    /// Share of cells that train.
    trained_fraction: f64,
    boundary_dimension: Option<fractal::Dimension>,
    uncertainty_exponent: Option<fractality::Uncertainty>,
    basin_entropy: Option<fractality::BasinEntropy>,
    wada: fractality::Wada,
    run_seconds: f64,
    steps_run: u64,
    updates_run: u64,
    rates_count: &'static str,
    traj_steps_per_s: f64,
    flops_per_loss: f64,
    flops_per_update: f64,
    flops_per_s: f64,
}

/// The network trained in every cell.
#[derive(Clone, Debug, Serialize)]
struct NetworkMeta {
    activation: &'static str,
    input_dim: usize,
    width: usize,
    data_points: usize,
    parameters: usize,
    /// Its seed, or the `.npz` file it came from.
    source: String,
}

/// The map's two axes.
#[derive(Clone, Debug, Serialize)]
struct AxesMeta {
    x: Axis,
    y: Axis,
}

/// Base learning rates and offset.
#[derive(Clone, Debug, Serialize)]
struct BaseMeta {
    lr0: f32,
    lr1: f32,
    offset: f32,
}

/// Full-batch gradient descent (`"full"`), or minibatches of `size` drawn from `seed`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
enum BatchMeta {
    Full(&'static str),
    Sampled { size: u32, seed: u32 },
}

/// One frame's run and picture.
struct FrameOut {
    out: Outcomes,
    scene: Scene,
    plot: [u32; 4],
    scale: u32,
    meta: FrameMeta,
    summary: String,
    run_seconds: f64,
    /// Steps run by all cells ([`TrainOutcomes::steps_run`]).
    steps_run: u64,
    /// Whether all the picture's text fits.
    text_fits: bool,
}

/// The box-counting dimension (marked and counted by `box_count`) and the fractality of the
/// boundary between cells that train and cells that do not.
/// `paper` marks the edges as the notebook does, from the signs of the cells' `values`
/// ([`fractal::sign_edges`]: NaN cells are never on an edge).
fn measure_boundary(
    box_count: fractal::BoxCount,
    trains: &[bool],
    values: &[f64],
    cols: u32,
    rows: u32,
) -> (Option<fractal::Dimension>, fractality::Fractality) {
    let classes: Vec<i32> = trains.iter().map(|&t| t as i32).collect();
    rayon::join(
        || match box_count {
            fractal::BoxCount::Paper => fractal::porespy_boxcount(
                &fractal::sign_edges(values, cols, rows),
                cols.saturating_sub(1),
                rows.saturating_sub(1),
            ),
            other => other.dimension(&classes, cols, rows),
        },
        || fractality::Fractality::measure(&classes, cols, rows),
    )
}

/// The map's cells, `scale` pixels each, coloured as its convention colours them; the paper's
/// colouring reads the cells' `values` ([`map::values`]), ours does not and frees them first.
fn paint(
    spec: &TrainSpec,
    out: &Outcomes,
    values: Vec<f64>,
    scale: u32,
    cmap: crate::render::colormap::Cmap,
) -> RgbImage {
    match spec.convention {
        Convention::Ours => {
            drop(values);
            either!(out, o => map::paint(o, spec.steps, scale, cmap))
        }
        Convention::Paper => {
            let grid = either!(out, o => (o.cols, o.rows));
            map::paint_paper(&values, grid, scale, cmap)
        }
    }
}

/// Runs one frame (one map) and frames its picture; `label` is added to the title.
fn run_frame(
    backend: &mut Backend,
    job: &TrainJob,
    spec: &TrainSpec,
    label: &str,
) -> Result<FrameOut, Error> {
    let shape = spec.data.shape;
    let budget = spec.cells() as u64 * spec.steps as u64;
    let progress = Progress::counting(budget, "trainability", "network-steps", job.progress);
    let started = Instant::now();
    let out = train(backend, spec, &progress)?;
    progress.finish();
    let run_seconds = started.elapsed().as_secs_f64();
    crate::timings::lap("run");
    // Rates count the steps run: a network stops when it diverges (under the paper's
    // convention, when its loss is no longer finite).
    let (steps_run, updates) = either!(&out, o => (o.steps_run(spec.steps), o.updates_run(spec.steps)));
    let (cols, rows) = either!(&out, o => (o.cols, o.rows));
    let rate = steps_run as f64 / run_seconds.max(1e-9);
    let flops = shape.flops(steps_run, updates, spec.batch_points()) / run_seconds.max(1e-9);

    let trains = either!(&out, o => map::classes(o, spec.steps));
    let trained = trains.iter().filter(|&&t| t).count() as f64 / trains.len().max(1) as f64;
    let values = either!(&out, o => map::values(o, spec.steps));
    let (dimension, measures) = measure_boundary(job.box_count, &trains, &values, cols, rows);
    let style = &job.style;
    let ratio = style.ratio.max(1);
    let scale = heatmap::scale_for(cols, rows, style.size * ratio);
    let img = paint(spec, &out, values, scale, style.cmap);
    let net = job.source.describe();
    let (scene, plot, text_fits) = picture(job, spec, img, label, &net, trained);
    let mut summary = format!(
        "{}x{} networks x {} steps in {:.2} s; {:.1}% of the steps run ({}): \
         {:.3e} network-steps/s, {:.3e} FLOP/s counting steps run; trains {:.1}%",
        cols,
        rows,
        spec.steps,
        run_seconds,
        100.0 * steps_run as f64 / budget.max(1) as f64,
        spec.convention.stop_rule(),
        rate,
        flops,
        100.0 * trained
    );
    if let Some(d) = &dimension {
        summary.push_str(&format!("; {}", d.summary()));
    }
    summary.push_str(frame::clipped_warning(text_fits));
    let meta = FrameMeta {
        label: label.to_string(),
        network: NetworkMeta {
            activation: spec.activation.name(),
            input_dim: shape.d,
            width: shape.width,
            data_points: shape.n,
            parameters: shape.params(),
            source: net,
        },
        axes: AxesMeta { x: spec.x.clone(), y: spec.y.clone() },
        base: BaseMeta { lr0: spec.base[0], lr1: spec.base[1], offset: spec.base[2] },
        steps: spec.steps,
        batch: if spec.batch == 0 {
            BatchMeta::Full("full")
        } else {
            BatchMeta::Sampled { size: spec.batch, seed: spec.batch_seed }
        },
        trained_fraction: trained,
        boundary_dimension: dimension,
        uncertainty_exponent: measures.uncertainty_exponent,
        basin_entropy: measures.basin_entropy,
        wada: measures.wada,
        run_seconds,
        steps_run,
        updates_run: updates,
        rates_count: RATES_COUNT,
        traj_steps_per_s: rate,
        flops_per_loss: shape.flops_per_loss(),
        flops_per_update: shape.flops_per_update(spec.batch_points()),
        flops_per_s: flops,
    };
    Ok(FrameOut { out, scene, plot, scale, meta, summary, run_seconds, steps_run, text_fits })
}

/// One frame's picture: the map `img` framed with its title (plus `label`), axes and the
/// classes' legend (the share of cells that train, `trained`), or bare without a frame; and
/// the plot's rectangle, and whether all its text fits.
fn picture(
    job: &TrainJob,
    spec: &TrainSpec,
    img: RgbImage,
    label: &str,
    net: &str,
    trained: f64,
) -> (Scene, [u32; 4], bool) {
    let style = &job.style;
    let ratio = style.ratio.max(1);
    let shape = spec.data.shape;
    if style.frame {
        let c = |p: f64| map::colour(style.cmap, p);
        let title = style.title.clone().unwrap_or_else(|| {
            format!(
                "{} network {}x{}, {} data points ({net}), {} GD steps{}",
                spec.activation.name(),
                shape.d,
                shape.width,
                shape.n,
                spec.steps,
                if spec.convention == Convention::Paper { ", paper convention" } else { "" }
            )
        });
        let f = Frame {
            title: if label.is_empty() { title } else { format!("{title}; {label}") },
            x: AxisFrame {
                title: axis_title(&spec.x.param),
                lo: spec.x.lo,
                hi: spec.x.hi,
                log: spec.x.scale == Scale::Log,
            },
            y: AxisFrame {
                title: axis_title(&spec.y.param),
                lo: spec.y.lo,
                hi: spec.y.hi,
                log: spec.y.scale == Scale::Log,
            },
            key: match spec.convention {
                Convention::Ours => Key::Legend {
                    entries: vec![
                        (c(0.0), "trains, fastest".into()),
                        (c(map::position(true, 1.0)), "trains, slowest".into()),
                        (c(map::position(false, 1.0)), "diverges, slowest".into()),
                        (c(1.0), "diverges, fastest".into()),
                    ],
                    notes: vec![
                        format!("trains: mean of last {} loss ratios < 1", super::train::TAIL),
                        "shade: rank within its class".into(),
                        format!("trains {:.1}% of cells", 100.0 * trained),
                    ],
                },
                Convention::Paper => {
                    let p = |t: f64| style.cmap.at(t);
                    Key::Legend {
                        entries: vec![
                            (p(0.625), "trains, fastest".into()),
                            (p(1.0), "trains, slowest".into()),
                            (p(0.0), "diverges, slowest".into()),
                            (p(0.375), "diverges, fastest".into()),
                            (map::NAN_COLOUR, "loss not finite (NaN)".into()),
                        ],
                        notes: vec![
                            format!("trains: mean of last {} loss ratios < 1", super::train::TAIL),
                            "shade: CDF within its class (notebook)".into(),
                            format!("trains {:.1}% of cells", 100.0 * trained),
                        ],
                    }
                }
            },
            ratio,
        };
        let framed = frame::compose(Scene::picture(img), &f);
        (framed.scene, framed.plot, framed.text_fits)
    } else {
        let (w, h) = img.dimensions();
        (Scene::picture(img), [0, 0, w, h], true)
    }
}

/// Adds the map's raw arrays to `set` as `PREFIX.npz`: the classification (`value`,
/// `trains`), the loss bookkeeping, `div_step` and the axes' cell centres.
fn write_npz(set: &mut OutputSet, job: &TrainJob, spec: &TrainSpec, out: &Outcomes) -> Result<(), Error> {
    let (trains, div, columns, rows, cols) = either!(out, o => (
        map::classes(o, spec.steps),
        o.stats.iter().map(|s| s.div_step()).collect::<Vec<i32>>(),
        columns(o, spec.steps),
        o.rows,
        o.cols,
    ));
    let shape2 = vec![rows as u64, cols as u64];
    // f32 bookkeeping narrows back exactly; f64 bookkeeping is written as it was kept.
    let wide = matches!(out, Outcomes::F64(_));
    let narrow: Vec<Vec<f32>> = if wide {
        Vec::new()
    } else {
        columns.iter().map(|c| c.iter().map(|&v| v as f32).collect()).collect()
    };
    let names = ["value", "loss0", "sum_ratio", "sum_inverse_ratio", "tail_ratio_sum", "last_loss"];
    let mut arrays: Vec<Array> = names
        .iter()
        .enumerate()
        .map(|(i, &name)| {
            if wide {
                Array::F64(name, shape2.clone(), &columns[i])
            } else {
                Array::F32(name, shape2.clone(), &narrow[i])
            }
        })
        .collect();
    arrays.insert(1, Array::Bool("trains", shape2.clone(), trains));
    let (ax, ay) = (spec.x.centres_in(spec.precision), spec.y.centres_in(spec.precision));
    arrays.extend([
        Array::I32("div_step", shape2, &div),
        Array::F64("axis_x", vec![ax.len() as u64], &ax),
        Array::F64("axis_y", vec![ay.len() as u64], &ay),
    ]);
    set.npz(&with_ext(&job.prefix, "npz"), &arrays)
}

impl Figure for TrainJob {
    fn backend_line(&self, backend: &Backend) -> String {
        backend.describe_training(&self.frames[0].1)
    }

    fn run(&self, backend: &mut Backend) -> Result<Report, Error> {
        run_train(backend, self)
    }
}

/// Runs, classifies, renders and writes one trainability figure: one map, or with several
/// frames an animated PNG.
pub fn run_train(backend: &mut Backend, job: &TrainJob) -> Result<Report, Error> {
    let mut frames = Vec::new();
    for (label, spec) in &job.frames {
        frames.push(run_frame(backend, job, spec, label)?);
    }
    crate::timings::lap("analysis and colour");
    crate::picture::check_animation(job.style.format, frames.len() > 1)?;
    let scenes: Vec<Scene> =
        frames.iter_mut().map(|f| std::mem::replace(&mut f.scene, Scene::blank(0, 0, [0; 3]))).collect();
    let image = Image::paint(&scenes, job.style.format, &job.png_text);
    drop(scenes);
    crate::timings::lap("frame");
    let target = job.style.format.target(&job.prefix, "");
    let (width, height) = image.size();
    let first = &frames[0];
    let spec = &job.frames[0].1;
    let metas: Vec<&FrameMeta> = frames.iter().map(|f| &f.meta).collect();
    let meta = Meta {
        provenance: Provenance::new(&job.command, "trainability", backend.describe_training(spec)),
        precision: spec.precision,
        convention: ConventionMeta::of(spec.convention),
        adapter: backend.adapter_for_training(spec),
        first: &first.meta,
        classification: Classification {
            ratio_cap: super::train::RATIO_CAP,
            tail: super::train::TAIL,
            value: "-sum(v_t) if the cell trains, +sum(1/v_t) if not; v_t = loss_t / loss_0 before step t, t = 0..steps-1",
        },
        frames: (frames.len() > 1).then_some(&metas),
        image: ImageMeta {
            file: FileMeta::of(&target, job.style.format),
            width,
            height,
            plot: Rect::of(first.plot),
            pixels_per_cell: [first.scale, first.scale],
            y_axis: "high end at the top",
            cmap: job.style.cmap.name(),
            frames: image.frames(),
            text_fits: frames.iter().all(|f| f.text_fits),
        },
    };
    // Through a JSON value, so the keys come out sorted like every other metadata file's.
    let meta = serde_json::to_value(&meta).expect("metadata is plain JSON");
    let mut set = OutputSet::new();
    image.stage(&mut set, &target, job.fps, &job.png_text)?;
    if job.raw && frames.len() == 1 {
        write_npz(&mut set, job, spec, &first.out)?;
    }
    let text = serde_json::to_string_pretty(&meta).expect("metadata is plain JSON");
    set.text(&with_ext(&job.prefix, "json"), &(text + "\n"))?;
    let files = set.commit()?;
    crate::timings::lap("write");
    let run_seconds: f64 = frames.iter().map(|f| f.run_seconds).sum();
    let work: f64 = frames.iter().map(|f| f.steps_run as f64).sum();
    let summary = if frames.len() == 1 {
        first.summary.clone()
    } else {
        format!("{} frames in {run_seconds:.2} s; first frame: {}", frames.len(), first.summary)
    };
    Ok(Report { files, run_seconds, traj_steps_per_s: work / run_seconds.max(1e-9), summary })
}
