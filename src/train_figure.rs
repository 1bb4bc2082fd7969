//! `downhill train`: one trainability network trained on the CPU ([`crate::nn::single`]), its
//! loss and sharpness against step with the stability threshold — the edge-of-stability
//! picture of Cohen et al. (2021): the sharpness rises (progressive sharpening) until it
//! reaches `2 / lr`, then hovers there while the loss keeps falling, unevenly.
//!
//! Writes `PREFIX.csv` (`step,loss,sharpness,lr_scaled_sharpness`, the sharpness columns
//! empty on the steps not measured), `PREFIX.png` (loss above sharpness; with per-layer
//! learning rates that differ, a third panel of the learning-rate-scaled sharpness against 2)
//! and `PREFIX.json` (the spec and the final values), atomically.

use std::path::PathBuf;

use serde::Serialize;

use crate::eos::{self, ChartText, Curve, RefLine};
use crate::error::Error;
use crate::fmt::num;
use crate::nn::build::Source;
use crate::nn::single::{self, Row};
use crate::nn::train::TrainSpec;
use crate::output::{OutputSet, with_ext};
use crate::picture::{Format, Image};
use crate::plan::Provenance;
use crate::render::colormap;
use crate::render::frame::{AxisFrame, Framed};

/// The sharpness stride that keeps a run of the default network (272 weights, 272 points)
/// near a second per 1000 steps: a measurement is two Lanczos runs of about 20-40
/// Hessian-vector products each.
pub const DEFAULT_EVERY: u32 = 10;
/// Default steps of a run.
pub const DEFAULT_STEPS: u32 = 1000;
/// Default width of each chart's plot, pixels.
pub const DEFAULT_SIZE: u32 = 720;
/// Chart widths a run accepts, pixels.
pub const SIZES: std::ops::RangeInclusive<u32> = 200..=4096;

/// A `downhill train` run.
#[derive(Clone, Debug)]
pub struct TrainJob {
    /// The network, data, steps, batch and precision (its axes are not used).
    pub spec: TrainSpec,
    /// Where the network came from.
    pub source: Source,
    /// `(lr0, lr1)`.
    pub lr: [f64; 2],
    /// Steps between sharpness measurements.
    pub every: u32,
    /// Output prefix.
    pub prefix: PathBuf,
    /// The command that reproduces this run, recorded in the metadata.
    pub command: String,
    /// Width of each chart's plot, pixels.
    pub size: u32,
    /// The text chunks the PNG carries (its recipe, so `downhill render FIGURE.png` renders it
    /// again).
    pub png_text: crate::plan::PngText,
}

impl crate::plan::Figure for TrainJob {
    fn backend_line(&self, _backend: &crate::runner::Backend) -> String {
        describe_backend(self)
    }

    fn run(&self, _backend: &mut crate::runner::Backend) -> Result<crate::plan::Report, Error> {
        let started = std::time::Instant::now();
        let done = run(self)?;
        let seconds = started.elapsed().as_secs_f64();
        Ok(crate::plan::Report {
            files: done.files,
            run_seconds: seconds,
            traj_steps_per_s: self.spec.steps as f64 / seconds.max(1e-9),
            summary: done.summary,
        })
    }
}

/// What a finished run reports: the files written and a one-line summary.
pub struct Done {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// One line: final loss and sharpness, against the threshold.
    pub summary: String,
}

/// Refuses what no run can do: no steps to measure between.
pub fn check(job: &TrainJob) -> Result<(), Error> {
    if job.every == 0 {
        return Err(Error::input("--sharpness-every", "0 given; it must be at least 1 step"));
    }
    Ok(())
}

/// Trains, measures and writes the three files.
pub fn run(job: &TrainJob) -> Result<Done, Error> {
    check(job)?;
    let started = std::time::Instant::now();
    let out = single::run(&job.spec, job.lr, job.every);
    let seconds = started.elapsed().as_secs_f64();
    let same = job.lr[0] == job.lr[1];
    let threshold = (same && job.lr[0] > 0.0).then(|| 2.0 / job.lr[0]);
    let (image, text_fits) = draw(job, &out.rows, threshold);
    let last = out.rows.last();
    let measured: Vec<&Row> = out.rows.iter().filter(|r| r.sharpness.is_some()).collect();
    let final_sharp = measured.last().and_then(|r| r.sharpness);
    let final_scaled = measured.last().and_then(|r| r.scaled);
    let max_sharp = measured.iter().filter_map(|r| r.sharpness).fold(f64::NAN, f64::max);
    let shape = job.spec.data.shape;
    let png = Format::Png.target(&job.prefix, "");
    let meta = Meta {
        provenance: Provenance::new(&job.command, "train", describe_backend(job)),
        network: NetworkMeta {
            activation: job.spec.activation.name(),
            dim: shape.d,
            width: shape.width,
            data: shape.n,
            params: shape.params(),
            source: job.source.describe(),
        },
        optimizer: "gd",
        lr0: job.lr[0],
        lr1: job.lr[1],
        steps: job.spec.steps,
        batch: job.spec.batch_points(),
        precision: job.spec.precision,
        sharpness_every: job.every,
        convention: "sharpness: largest eigenvalue of the full-batch loss's Hessian (f64, Lanczos on \
                     exact Hessian-vector products); lr_scaled_sharpness: largest eigenvalue of \
                     D^1/2 H D^1/2 with D = lr0 on the input layer's weights and lr1 on the output \
                     layer's, stable below 2",
        threshold_sharpness: threshold,
        threshold_lr_scaled: 2.0,
        steps_run: out.rows.len(),
        diverged_at: out.div_step,
        final_loss: last.map(|r| r.loss),
        final_sharpness: final_sharp,
        final_lr_scaled_sharpness: final_scaled,
        max_sharpness: max_sharp.is_finite().then_some(max_sharp),
        seconds,
        image: ImageMeta { file: crate::picture::FileMeta::of(&png, Format::Png).file, text_fits },
    };
    let meta = serde_json::to_value(&meta).expect("plain JSON");
    let mut set = OutputSet::new();
    image.stage(&mut set, &png, 1, &job.png_text)?;
    set.text(&with_ext(&job.prefix, "csv"), &csv(&out.rows))?;
    set.text(
        &with_ext(&job.prefix, "json"),
        &(serde_json::to_string_pretty(&meta).expect("plain JSON") + "\n"),
    )?;
    let files = set.commit()?;
    let g = |v: Option<f64>| v.map_or("-".to_string(), |v| crate::paint::sig3(v as f32));
    let against = match threshold {
        Some(t) => format!(" (2/lr = {})", crate::paint::sig3(t as f32)),
        None => String::new(),
    };
    let summary = format!(
        "{} steps in {seconds:.2} s; final loss {}, sharpness {}{against}, lr-scaled sharpness {} (bound 2){}{}",
        out.rows.len(),
        g(last.map(|r| r.loss)),
        g(final_sharp),
        g(final_scaled),
        out.div_step.map_or(String::new(), |t| format!("; the loss ran away at step {t}")),
        crate::render::frame::clipped_warning(text_fits),
    );
    Ok(Done { files, summary })
}

/// Where it ran, in words.
fn describe_backend(job: &TrainJob) -> String {
    match job.spec.precision {
        crate::spec::Precision::F32 => "cpu (the map's f32 per-cell trainer; sharpness in f64)".into(),
        crate::spec::Precision::F64 => "cpu (the map's f64 per-cell trainer)".into(),
    }
}

/// `step,loss,sharpness,lr_scaled_sharpness`, one row per step run.
fn csv(rows: &[Row]) -> String {
    let mut s = String::from("step,loss,sharpness,lr_scaled_sharpness\n");
    let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
    for r in rows {
        s.push_str(&format!("{},{},{},{}\n", r.step, num(r.loss), opt(r.sharpness), opt(r.scaled)));
    }
    s
}

/// The figure: loss, then sharpness against `threshold` (`2 / lr`, where both layers share
/// it), then, where they do not, the learning-rate-scaled sharpness against 2.
fn draw(job: &TrainJob, rows: &[Row], threshold: Option<f64>) -> (Image, bool) {
    let w = job.size;
    let h = (w as f64 * 0.45) as u32;
    let ratio = 1;
    let steps = AxisFrame { title: "step".into(), lo: 0.0, hi: job.spec.steps.max(1) as f64, log: false };
    let blue = colormap::category(0);
    let red = colormap::category(1);
    let loss: Vec<(f64, f64)> = rows.iter().map(|r| (r.step as f64, r.loss)).collect();
    let loss_axis = eos::value_axis("loss", loss.iter().map(|p| p.1).filter(|v| *v > 0.0));
    let mut panels: Vec<Framed> = vec![eos::chart(
        (w, h),
        &steps,
        &loss_axis,
        &[Curve { colour: blue, points: loss, dashed: false }],
        &[],
        ChartText {
            title: title(job),
            x_title: "step".into(),
            y_title: "full-batch loss".into(),
            entries: vec![(blue, "loss".into())],
            notes: vec![],
        },
        ratio,
    )];
    let pick = |f: fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter().filter_map(|r| f(r).map(|v| (r.step as f64, v))).collect()
    };
    let sharp = pick(|r| r.sharpness);
    let lines: Vec<RefLine> = threshold
        .map(|t| RefLine { colour: red, value: t, label: format!("2/lr = {}", crate::paint::sig3(t as f32)) })
        .into_iter()
        .collect();
    let axis = eos::value_axis("sharpness", sharp.iter().map(|p| p.1).chain(lines.iter().map(|l| l.value)));
    let mut notes = vec![format!("measured every {} steps", job.every)];
    if threshold.is_some() {
        notes.push("dashed: stability threshold 2/lr".into());
    }
    panels.push(eos::chart(
        (w, h),
        &steps,
        &axis,
        &[Curve { colour: blue, points: sharp, dashed: false }],
        &lines,
        ChartText {
            title: "sharpness: largest Hessian eigenvalue".into(),
            x_title: "step".into(),
            y_title: "λmax(H)".into(),
            entries: vec![(blue, "sharpness".into()), (red, "2/lr".into())]
                .into_iter()
                .take(if threshold.is_some() { 2 } else { 1 })
                .collect(),
            notes,
        },
        ratio,
    ));
    if threshold.is_none() {
        let scaled = pick(|r| r.scaled);
        let axis = eos::value_axis("scaled", scaled.iter().map(|p| p.1).chain([2.0]));
        panels.push(eos::chart(
            (w, h),
            &steps,
            &axis,
            &[Curve { colour: blue, points: scaled, dashed: false }],
            &[RefLine { colour: red, value: 2.0, label: "2".into() }],
            ChartText {
                title: "learning-rate-scaled sharpness λmax(D½ H D½), D = diag(lr0, lr1)".into(),
                x_title: "step".into(),
                y_title: "λmax(D½HD½)".into(),
                entries: vec![(blue, "scaled sharpness".into()), (red, "2".into())],
                notes: vec![format!("measured every {} steps", job.every)],
            },
            ratio,
        ));
    }
    let (scene, fits) = eos::stack(&panels);
    (Image::paint(std::slice::from_ref(&scene), Format::Png, &job.png_text), fits)
}

/// The figure's title: what ran, e.g. `train: tanh network d=16, width=16, n=272 (seed 0), GD
/// lr=3, f32`.
fn title(job: &TrainJob) -> String {
    let shape = job.spec.data.shape;
    let (act, source) = (job.spec.activation.name(), job.source.describe());
    let net = format!("{act} network d={}, width={}, n={} ({source})", shape.d, shape.width, shape.n);
    let batch = if job.spec.batch_points() < shape.n {
        format!(", batch {}", job.spec.batch_points())
    } else {
        String::new()
    };
    let rates = if job.lr[0] == job.lr[1] {
        format!("GD lr={}", num(job.lr[0]))
    } else {
        format!("GD lr0={}, lr1={}", num(job.lr[0]), num(job.lr[1]))
    };
    let precision = match job.spec.precision {
        crate::spec::Precision::F32 => "f32",
        crate::spec::Precision::F64 => "f64",
    };
    format!("train: {net}, {rates}{batch}, {precision}")
}

/// `PREFIX.json` of a train run.
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    provenance: Provenance<'a>,
    network: NetworkMeta,
    optimizer: &'static str,
    lr0: f64,
    lr1: f64,
    steps: u32,
    batch: usize,
    precision: crate::spec::Precision,
    sharpness_every: u32,
    convention: &'static str,
    /// `2 / lr` where both layers share `lr`.
    threshold_sharpness: Option<f64>,
    threshold_lr_scaled: f64,
    steps_run: usize,
    diverged_at: Option<u32>,
    final_loss: Option<f64>,
    final_sharpness: Option<f64>,
    final_lr_scaled_sharpness: Option<f64>,
    max_sharpness: Option<f64>,
    seconds: f64,
    image: ImageMeta,
}

/// The network of a train run's metadata.
#[derive(Serialize)]
struct NetworkMeta {
    activation: &'static str,
    dim: usize,
    width: usize,
    data: usize,
    params: usize,
    source: String,
}

/// The image of a train run's metadata.
#[derive(Serialize)]
struct ImageMeta {
    file: String,
    text_fits: bool,
}
