//! `downhill train`: one trainability network trained on the CPU ([`crate::nn::single`]), its
//! loss and sharpness against step with the stability threshold — the edge-of-stability
//! picture of Cohen et al. (2021): the sharpness rises (progressive sharpening) until it
//! reaches `2 / lr`, then hovers there while the loss keeps falling, unevenly.
//!
//! With Adam (Cohen et al. 2022, "Adaptive gradient methods at the edge of stability") the
//! quantity that meets a threshold is the preconditioned sharpness `lambda_max(P^-1 H)`, `P`
//! Adam's diagonal preconditioner, against `(2 + 2 beta1) / ((1 - beta1) lr)`
//! ([`crate::sharpness::threshold_of`]).
//!
//! Writes `PREFIX.csv` (`step,loss,sharpness,lr_scaled_sharpness`, or for Adam
//! `step,loss,sharpness,preconditioned_sharpness`, the sharpness columns empty on the steps
//! not measured), `PREFIX.png` (loss above sharpness; with per-layer learning rates that
//! differ, a third panel of the learning-rate-scaled sharpness against 2; with Adam the
//! preconditioned sharpness dashed on the sharpness panel, against its threshold) and
//! `PREFIX.json` (the spec and the final values), atomically.

use std::path::PathBuf;

use serde::Serialize;

use crate::eos::{self, ChartText, Curve, RefLine};
use crate::error::Error;
use crate::fmt::num;
use crate::nn::adam::AdamSpec;
use crate::nn::build::Source;
use crate::nn::single::{self, Optimizer, Row};
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
    /// Gradient descent at `(lr0, lr1)`, or Adam.
    pub optimizer: Optimizer,
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
    let out = single::run(&job.spec, &job.optimizer, job.every);
    let seconds = started.elapsed().as_secs_f64();
    let threshold = gd_threshold(job);
    let (image, text_fits) = match &job.optimizer {
        Optimizer::Gd(_) => draw(job, &out.rows, threshold),
        Optimizer::Adam(a) => draw_adam(job, a, &out.rows),
    };
    let png = Format::Png.target(&job.prefix, "");
    let finals = Finals::of(&out.rows);
    let meta = meta(
        job,
        &out,
        &finals,
        seconds,
        ImageMeta { file: crate::picture::FileMeta::of(&png, Format::Png).file, text_fits },
    );
    let meta = serde_json::to_value(&meta).expect("plain JSON");
    let mut set = OutputSet::new();
    image.stage(&mut set, &png, 1, &job.png_text)?;
    set.text(&with_ext(&job.prefix, "csv"), &csv(&job.optimizer, &out.rows))?;
    set.text(
        &with_ext(&job.prefix, "json"),
        &(serde_json::to_string_pretty(&meta).expect("plain JSON") + "\n"),
    )?;
    let files = set.commit()?;
    let g = |v: Option<f64>| v.map_or("-".to_string(), |v| crate::paint::sig3(v as f32));
    let scaled = match &job.optimizer {
        Optimizer::Gd(_) => {
            let against = match threshold {
                Some(t) => format!(" (2/lr = {})", crate::paint::sig3(t as f32)),
                None => String::new(),
            };
            format!(
                "sharpness {}{against}, lr-scaled sharpness {} (bound 2)",
                g(finals.sharpness),
                g(finals.scaled)
            )
        }
        Optimizer::Adam(a) => format!(
            "sharpness {}, preconditioned sharpness {} ({}; max {})",
            g(finals.sharpness),
            g(finals.scaled),
            adam_threshold(a).map_or("no threshold".into(), |t| t.formula),
            g(finals.max_scaled),
        ),
    };
    let summary = format!(
        "{} steps in {seconds:.2} s; final loss {}, {scaled}{}{}",
        out.rows.len(),
        g(finals.loss),
        out.div_step.map_or(String::new(), |t| format!("; the loss ran away at step {t}")),
        crate::render::frame::clipped_warning(text_fits),
    );
    Ok(Done { files, summary })
}

/// `2 / lr` where gradient descent's two layers share a positive `lr`.
fn gd_threshold(job: &TrainJob) -> Option<f64> {
    match job.optimizer {
        Optimizer::Gd(lr) if lr[0] == lr[1] => {
            crate::sharpness::threshold_of("gd", lr[0], 0.0).map(|t| t.value)
        }
        Optimizer::Gd(_) => None,
        Optimizer::Adam(_) => None,
    }
}

/// Adam's threshold on the preconditioned sharpness, `(2 + 2 beta1) / ((1 - beta1) lr)`.
fn adam_threshold(a: &AdamSpec) -> Option<crate::sharpness::Threshold> {
    crate::sharpness::threshold_of("adam", a.lr, a.beta1)
}

/// A run's last values: loss, last measured sharpness and scaled (or preconditioned)
/// sharpness, and their largest.
struct Finals {
    loss: Option<f64>,
    sharpness: Option<f64>,
    scaled: Option<f64>,
    max_sharpness: Option<f64>,
    max_scaled: Option<f64>,
}

impl Finals {
    fn of(rows: &[Row]) -> Finals {
        let measured: Vec<&Row> = rows.iter().filter(|r| r.sharpness.is_some()).collect();
        let max = |f: fn(&Row) -> Option<f64>| {
            let m = measured.iter().filter_map(|r| f(r)).fold(f64::NAN, f64::max);
            m.is_finite().then_some(m)
        };
        Finals {
            loss: rows.last().map(|r| r.loss),
            sharpness: measured.last().and_then(|r| r.sharpness),
            scaled: measured.last().and_then(|r| r.scaled),
            max_sharpness: max(|r| r.sharpness),
            max_scaled: max(|r| r.scaled),
        }
    }
}

/// GD's conventions, in the metadata.
const GD_CONVENTION: &str = "sharpness: largest eigenvalue of the full-batch loss's Hessian (f64, Lanczos on \
                     exact Hessian-vector products); lr_scaled_sharpness: largest eigenvalue of \
                     D^1/2 H D^1/2 with D = lr0 on the input layer's weights and lr1 on the output \
                     layer's, stable below 2";

/// Adam's conventions, in the metadata.
const ADAM_CONVENTION: &str = "sharpness: largest eigenvalue of the full-batch loss's Hessian (f64, Lanczos on \
    exact Hessian-vector products); preconditioned_sharpness: largest eigenvalue of P^-1 H (Lanczos on \
    P^-1/2 H P^-1/2), P = (1 - beta1^t) diag(sqrt(v_hat) + eps) (diag(sqrt(v) + eps) without bias \
    correction) the preconditioner of the step taken from the weights measured (on a last row, which \
    takes no step, that of the last step taken), against (2 + 2 beta1) / ((1 - beta1) lr) \
    (Cohen et al. 2022)";

/// The metadata of a finished run.
fn meta<'a>(job: &'a TrainJob, out: &single::Run, f: &Finals, seconds: f64, image: ImageMeta) -> Meta<'a> {
    let shape = job.spec.data.shape;
    let (gd, adam) = match &job.optimizer {
        Optimizer::Gd(lr) => (Some(*lr), None),
        Optimizer::Adam(a) => (None, Some(a)),
    };
    let adam_t = adam.and_then(adam_threshold);
    Meta {
        provenance: Provenance::new(&job.command, "train", describe_backend(job)),
        network: NetworkMeta {
            activation: job.spec.activation.name(),
            dim: shape.d,
            width: shape.width,
            data: shape.n,
            params: shape.params(),
            source: job.source.describe(),
        },
        optimizer: adam.map_or("gd".into(), AdamSpec::text),
        lr0: gd.map(|lr| lr[0]),
        lr1: gd.map(|lr| lr[1]),
        steps: job.spec.steps,
        batch: job.spec.batch_points(),
        precision: job.spec.precision,
        sharpness_every: job.every,
        convention: if gd.is_some() { GD_CONVENTION } else { ADAM_CONVENTION },
        threshold_sharpness: gd_threshold(job),
        threshold_lr_scaled: gd.map(|_| 2.0),
        threshold_preconditioned: adam_t.as_ref().map(|t| t.value),
        threshold_formula: adam_t.map(|t| t.formula),
        steps_run: out.rows.len(),
        diverged_at: out.div_step,
        final_loss: f.loss,
        final_sharpness: f.sharpness,
        final_lr_scaled_sharpness: gd.map(|_| f.scaled),
        final_preconditioned_sharpness: adam.map(|_| f.scaled),
        max_sharpness: f.max_sharpness,
        max_preconditioned_sharpness: adam.map(|_| f.max_scaled),
        seconds,
        image,
    }
}

/// Where it ran, in words.
fn describe_backend(job: &TrainJob) -> String {
    match job.spec.precision {
        crate::spec::Precision::F32 => "cpu (the map's f32 per-cell trainer; sharpness in f64)".into(),
        crate::spec::Precision::F64 => "cpu (the map's f64 per-cell trainer)".into(),
    }
}

/// `step,loss,sharpness,lr_scaled_sharpness` (Adam: `preconditioned_sharpness` last), one row
/// per step run.
fn csv(opt: &Optimizer, rows: &[Row]) -> String {
    let last = match opt {
        Optimizer::Gd(_) => "lr_scaled_sharpness",
        Optimizer::Adam(_) => "preconditioned_sharpness",
    };
    let mut s = format!("step,loss,sharpness,{last}\n");
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
    let mut panels: Vec<Framed> = vec![loss_panel(job, rows, (w, h), &steps)];
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

/// The loss against step, the figure's title above it.
fn loss_panel(job: &TrainJob, rows: &[Row], size: (u32, u32), steps: &AxisFrame) -> Framed {
    let blue = colormap::category(0);
    let loss: Vec<(f64, f64)> = rows.iter().map(|r| (r.step as f64, r.loss)).collect();
    let loss_axis = eos::value_axis("loss", loss.iter().map(|p| p.1).filter(|v| *v > 0.0));
    eos::chart(
        size,
        steps,
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
        1,
    )
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
    let rates = match &job.optimizer {
        Optimizer::Gd(lr) if lr[0] == lr[1] => format!("GD lr={}", num(lr[0])),
        Optimizer::Gd(lr) => format!("GD lr0={}, lr1={}", num(lr[0]), num(lr[1])),
        Optimizer::Adam(a) => adam_legend(a),
    };
    let precision = match job.spec.precision {
        crate::spec::Precision::F32 => "f32",
        crate::spec::Precision::F64 => "f64",
    };
    format!("train: {net}, {rates}{batch}, {precision}")
}

/// Adam and its hyperparameters in words, e.g. `Adam lr=0.01, β1=0.9, β2=0.999, eps=1e-08`
/// (`, no bias correction` where it is off).
fn adam_legend(a: &AdamSpec) -> String {
    let bias = if a.bias_correction { "" } else { ", no bias correction" };
    format!("Adam lr={}, β1={}, β2={}, eps={}{bias}", num(a.lr), num(a.beta1), num(a.beta2), num(a.eps))
}

/// Adam's figure: loss, then the sharpness (solid) and the preconditioned sharpness
/// `lambda_max(P^-1 H)` (dashed) against Adam's threshold `(2 + 2 beta1) / ((1 - beta1) lr)`,
/// labelled as the paths figure labels it.
fn draw_adam(job: &TrainJob, a: &AdamSpec, rows: &[Row]) -> (Image, bool) {
    let w = job.size;
    let h = (w as f64 * 0.45) as u32;
    let steps = AxisFrame { title: "step".into(), lo: 0.0, hi: job.spec.steps.max(1) as f64, log: false };
    let (blue, red) = (colormap::category(0), colormap::category(1));
    let mut panels = vec![loss_panel(job, rows, (w, h), &steps)];
    let pick = |f: fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter().filter_map(|r| f(r).map(|v| (r.step as f64, v))).collect()
    };
    let (raw, pre) = (pick(|r| r.sharpness), pick(|r| r.scaled));
    let lines: Vec<RefLine> = adam_threshold(a)
        .map(|t| RefLine {
            colour: red,
            value: t.value,
            label: format!("adam: preconditioned bound {}", t.formula),
        })
        .into_iter()
        .collect();
    let values = raw.iter().chain(&pre).map(|p| p.1).chain(lines.iter().map(|l| l.value));
    let axis = eos::value_axis("sharpness λmax", values);
    let mut notes = vec![
        format!("measured every {} steps", job.every),
        "solid: sharpness λmax(H)".to_string(),
        "dashed: preconditioned λmax(P⁻¹H)".to_string(),
    ];
    if !lines.is_empty() {
        notes.push("thin dashed: stability threshold".to_string());
    }
    panels.push(eos::chart(
        (w, h),
        &steps,
        &axis,
        &[
            Curve { colour: blue, points: raw, dashed: false },
            Curve { colour: blue, points: pre, dashed: true },
        ],
        &lines,
        ChartText {
            title: "sharpness λmax(H) and preconditioned sharpness λmax(P⁻¹H)".into(),
            x_title: "step".into(),
            y_title: axis.title.clone(),
            entries: vec![
                (blue, format!("Adam lr={}, β1={}", num(a.lr), num(a.beta1))),
                (red, "(2+2β1)/((1−β1)lr)".into()),
            ]
            .into_iter()
            .take(1 + lines.len())
            .collect(),
            notes,
        },
        1,
    ));
    let (scene, fits) = eos::stack(&panels);
    (Image::paint(std::slice::from_ref(&scene), Format::Png, &job.png_text), fits)
}

/// `PREFIX.json` of a train run (GD's fields, or Adam's, the others left out).
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    provenance: Provenance<'a>,
    network: NetworkMeta,
    /// `gd`, or Adam's spec with every hyperparameter.
    optimizer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lr0: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lr1: Option<f64>,
    steps: u32,
    batch: usize,
    precision: crate::spec::Precision,
    sharpness_every: u32,
    convention: &'static str,
    /// `2 / lr` where both layers share `lr` (GD; null otherwise).
    threshold_sharpness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold_lr_scaled: Option<f64>,
    /// Adam: `(2 + 2 beta1) / ((1 - beta1) lr)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold_preconditioned: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold_formula: Option<String>,
    steps_run: usize,
    diverged_at: Option<u32>,
    final_loss: Option<f64>,
    final_sharpness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    final_lr_scaled_sharpness: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    final_preconditioned_sharpness: Option<Option<f64>>,
    max_sharpness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_preconditioned_sharpness: Option<Option<f64>>,
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
