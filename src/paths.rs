//! Trajectory figures: the paths of several optimisers from one or more starts over a contour
//! map of the landscape (the classic "GD zig-zags down the ravine while momentum and Adam
//! slide" picture), and their loss against step on a log axis.
//!
//! Writes `PREFIX.png` (paths), `PREFIX.loss.png` (loss curves), `PREFIX.sharpness.png`
//! (sharpness against step with each optimiser's stability threshold, [`crate::sharpness`])
//! (or `.svg` for all three), `PREFIX.csv` (every iterate:
//! `optimizer,start_x,start_y,step,x,y,loss,sharpness`, and `preconditioned_sharpness` where
//! an optimiser has a preconditioner) and `PREFIX.json`, atomically.

use std::path::PathBuf;

use image::RgbImage;
use serde::Serialize;

use crate::eos::{self, ChartText, Curve, RefLine};
use crate::error::Error;
use crate::fmt::{num, num32};
use crate::output::{OutputSet, with_ext};
use crate::paint;
use crate::picture::{FileMeta, Image};
use crate::plan::{Figure, PngText, Provenance, Rect, Report, Style};
use crate::render::chart::{self, Series};
use crate::render::colormap::{self, Rgb};
use crate::render::frame::{self, AxisFrame, Frame, Key};
use crate::render::scene::{Line, Mark, Scene};
use crate::runner::Backend;
use crate::sharpness::{Sharpness, Threshold};
use crate::spec::{OptionsText, Spec, SpecBuilder};

/// Most optimisers or starts in one figure.
pub const MAX_PATHS: usize = 64;

/// A trajectory figure to render.
#[derive(Clone, Debug)]
pub struct PathsJob {
    /// Landscape, as `NAME[:key=value,...]` or `expr:...`.
    pub landscape: String,
    /// Optimisers, each as `NAME[:key=value,...]`; one colour each.
    pub optimisers: Vec<String>,
    /// Start points; every optimiser runs from each.
    pub starts: Vec<[f64; 2]>,
    /// Steps per trajectory.
    pub steps: u32,
    /// Window `[x_lo, x_hi, y_lo, y_hi]`; the landscape's domain by default.
    pub domain: Option<[f64; 4]>,
    /// Divergence threshold (|x| or |y| beyond it ends a path).
    pub threshold: f64,
    /// Convergence tolerance on the gradient norm (checked and recorded; a path runs all
    /// its steps).
    pub tol: f64,
    /// Options applied to every optimiser (noise, clipping, L2, schedule).
    pub options: OptionsText,
    /// Look of the figures.
    pub style: Style,
    /// Output prefix.
    pub prefix: PathBuf,
    /// The command that reproduces this figure, recorded in the metadata.
    pub command: String,
    /// The PNGs' text chunks (the recipe that made the figure).
    pub png_text: PngText,
}

/// One optimiser's path from one start.
struct Path {
    optimiser: usize,
    start: [f64; 2],
    points: Vec<[f32; 3]>,
    /// The sharpness at every iterate.
    sharp: Vec<Sharpness>,
}

/// Where a path's end marker goes, in pixels of a `w x h` map: its last point, or, when the
/// path ends outside the window (it diverged or wandered off), the point where it last
/// crosses the window's edge, so every path's end stays visible.
fn end_marker(xa: &AxisFrame, ya: &AxisFrame, w: u32, h: u32, points: &[[f32; 3]]) -> Option<(f64, f64)> {
    let px = |p: &[f32; 3]| chart::to_pixel(xa, ya, w, h, (p[0] as f64, p[1] as f64));
    let inside = |q: (f64, f64)| (0.0..=w as f64).contains(&q.0) && (0.0..=h as f64).contains(&q.1);
    let end = px(points.last()?)?;
    if inside(end) {
        return Some(end);
    }
    // The last point inside, and the first after it: clip that segment to the window.
    let last_in = points.iter().rposition(|p| px(p).is_some_and(inside))?;
    let (a, b) = (px(&points[last_in])?, px(points.get(last_in + 1)?)?);
    let mut t = 1.0f64;
    for (from, to, lo, hi) in [(a.0, b.0, 0.0, w as f64), (a.1, b.1, 0.0, h as f64)] {
        let d = to - from;
        if d > 0.0 && to > hi {
            t = t.min((hi - from) / d);
        } else if d < 0.0 && to < lo {
            t = t.min((lo - from) / d);
        }
    }
    Some((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
}

/// Host bytes per iterate of a path or trace: the `(x, y, loss)` row (12), its sharpness (24)
/// and its CSV line.
pub const TRACE_ROW_BYTES: u64 = 12 + 24 + 96;

impl Figure for PathsJob {
    fn backend_line(&self, backend: &Backend) -> String {
        backend.describe_trace(self.options.precision)
    }

    fn run(&self, backend: &mut Backend) -> Result<Report, Error> {
        run_paths(backend, self)
    }
}

/// Runs every (optimiser, start) pair and writes the figures: the paths over the landscape
/// and their loss curves.
pub fn run_paths(backend: &mut Backend, job: &PathsJob) -> Result<Report, Error> {
    check(job)?;
    let started = std::time::Instant::now();
    let (specs, paths) = trace_all(backend, job)?;
    let run_seconds = started.elapsed().as_secs_f64();
    let spec = &specs[0];
    let window = job.domain.unwrap_or(spec.landscape.domain);
    let names: Vec<String> = specs.iter().map(paint::optimiser_title).collect();
    let ratio = job.style.ratio.max(1);
    let side = job.style.size * ratio;
    let title =
        job.style.title.clone().unwrap_or_else(|| format!("paths on {}", paint::landscape_title(spec)));
    let framed = draw_map(job, spec, &paths, &names, window, &title);
    let params = spec.landscape_params64();
    let floor = spec.landscape.minima_in(params, window).first().map(|m| m.loss);
    let (loss_fig, loss_axis) = draw_loss_chart(job, spec, &paths, &names, window, floor, side);
    let thresholds: Vec<Option<Threshold>> = specs.iter().map(crate::sharpness::threshold).collect();
    let (sharp_fig, sharpness_axis) = draw_sharpness_chart(job, &specs, &paths, &names, &thresholds, side);

    let text_fits = framed.text_fits && loss_fig.text_fits && sharp_fig.text_fits;
    let format = job.style.format;
    let (map_file, loss_file) = (format.target(&job.prefix, ""), format.target(&job.prefix, "loss"));
    let sharp_file = format.target(&job.prefix, "sharpness");
    let map_image = Image::paint(std::slice::from_ref(&framed.scene), format, &job.png_text);
    let loss_image = Image::paint(std::slice::from_ref(&loss_fig.scene), format, &job.png_text);
    let sharp_image = Image::paint(std::slice::from_ref(&sharp_fig.scene), format, &job.png_text);
    let meta = Meta {
        provenance: Provenance::new(&job.command, "paths", backend.describe_trace(job.options.precision)),
        landscape: LandscapeMeta { name: spec.landscape.name, formula: spec.landscape.formula },
        optimizers: &job.optimisers,
        starts: &job.starts,
        steps: job.steps,
        window,
        threshold: job.threshold,
        tol: job.tol,
        title: &title,
        loss_floor: floor,
        loss_axis,
        sharpness_axis,
        thresholds: ThresholdMeta::of(job, &thresholds),
        paths: paths.iter().map(|p| PathMeta::of(job, p)).collect(),
        image: ImageMeta {
            file: FileMeta::of(&map_file, format),
            loss_file: FileMeta::of(&loss_file, format).file,
            sharpness_file: FileMeta::of(&sharp_file, format).file,
            width: framed.scene.width,
            height: framed.scene.height,
            plot: Rect::of(framed.plot),
            y_axis: "high end at the top",
            text_fits,
        },
    };
    // Through a JSON value, so the keys come out sorted like every other metadata file's.
    let meta = serde_json::to_value(&meta).expect("plain JSON");
    let mut set = OutputSet::new();
    map_image.stage(&mut set, &map_file, 1, &job.png_text)?;
    loss_image.stage(&mut set, &loss_file, 1, &job.png_text)?;
    sharp_image.stage(&mut set, &sharp_file, 1, &job.png_text)?;
    set.text(&with_ext(&job.prefix, "csv"), &csv(job, &paths))?;
    set.text(
        &with_ext(&job.prefix, "json"),
        &(serde_json::to_string_pretty(&meta).expect("plain JSON") + "\n"),
    )?;
    let files = set.commit()?;
    let work = (paths.len() as u64 * job.steps as u64) as f64;
    Ok(Report {
        files,
        run_seconds,
        traj_steps_per_s: work / run_seconds.max(1e-9),
        summary: format!(
            "{} paths x {} steps in {:.2} s; {}{}",
            paths.len(),
            job.steps,
            run_seconds,
            path_ends(&paths, &names),
            frame::clipped_warning(text_fits)
        ),
    })
}

/// Each path's final loss, for the summary line: `NAME from (X, Y): loss L; ...`.
fn path_ends(paths: &[Path], names: &[String]) -> String {
    let ends: Vec<String> = paths
        .iter()
        .map(|p| {
            let end = paint::sig3(p.points.last().unwrap()[2]);
            format!("{} from ({}, {}): loss {end}", names[p.optimiser], p.start[0], p.start[1])
        })
        .collect();
    ends.join("; ")
}

/// Refuses a job built by hand with what recipes refuse when planned: no paths or too many,
/// an empty or non-finite window, more iterates than memory holds.
fn check(job: &PathsJob) -> Result<(), Error> {
    for (field, n) in [("--optimizers", job.optimisers.len()), ("--starts", job.starts.len())] {
        if n == 0 || n > MAX_PATHS {
            return Err(Error::input(field, format!("{n} given; a path figure needs 1 to {MAX_PATHS}")));
        }
    }
    if let Some(d) = job.domain {
        crate::spec::check_window("--domain", d)?;
    }
    // Every path's iterates are held at once (x, y, loss in f32), and again as CSV text.
    let rows = (job.optimisers.len() * job.starts.len()) as u64 * (job.steps as u64 + 1);
    crate::memory::check("--steps", "the paths", rows * TRACE_ROW_BYTES, crate::memory::available())
}

/// One spec per optimiser, and every optimiser's path from every start.
fn trace_all(backend: &mut Backend, job: &PathsJob) -> Result<(Vec<Spec>, Vec<Path>), Error> {
    let mut specs = Vec::new();
    for opt in &job.optimisers {
        let mut b = SpecBuilder::single(&job.landscape, opt, job.starts[0], job.steps);
        b.threshold = job.threshold;
        b.conv_tol = job.tol;
        b.options = job.options.clone();
        specs.push(b.build()?);
    }
    let mut paths = Vec::new();
    for (k, spec) in specs.iter().enumerate() {
        for &start in &job.starts {
            let mut s = spec.clone();
            s.values[0] = start[0] as f32;
            s.values[1] = start[1] as f32;
            s.x.lo = start[0] - 1.0;
            s.x.hi = start[0] + 1.0;
            s.y.lo = start[1] - 1.0;
            s.y.hi = start[1] + 1.0;
            let points = backend.trace(&s)?;
            let sharp = crate::sharpness::along(&s, &points);
            paths.push(Path { optimiser: k, start, points, sharp });
        }
    }
    Ok((specs, paths))
}

/// Colour of optimiser `k`'s paths.
fn colour(k: usize) -> Rgb {
    colormap::category(k)
}

/// The paths figure: the landscape over `window`, lightened under its contour lines, the
/// paths with their start and end markers, framed with a legend of the optimisers.
fn draw_map(
    job: &PathsJob,
    spec: &Spec,
    paths: &[Path],
    names: &[String],
    window: [f64; 4],
    title: &str,
) -> frame::Framed {
    let ratio = job.style.ratio.max(1);
    let (xspan, yspan) = (window[1] - window[0], window[3] - window[2]);
    let side = job.style.size * ratio;
    let (w, h) = if xspan >= yspan {
        (side, ((side as f64 * yspan / xspan).round() as u32).max(16))
    } else {
        (((side as f64 * xspan / yspan).round() as u32).max(16), side)
    };
    let loss = paint::loss_pixels(spec, window, w, h);
    let mut pixels = RgbImage::new(w, h);
    let bands = paint::contour_bands(&loss);
    for (i, p) in pixels.pixels_mut().enumerate() {
        let t = bands.as_ref().map_or(0.5, |b| b[i].1);
        let c = job.style.cmap.at(t);
        // Lightened so the paths stand out.
        p.0 = c.map(|v| (0.45 * v as f64 + 0.55 * 255.0) as u8);
    }
    if let Some(b) = &bands {
        paint::draw_contours(&mut pixels, b, [90, 90, 90], 0.5);
    }
    let mut map = Scene::picture(pixels);
    let xa = AxisFrame { title: "x".into(), lo: window[0], hi: window[1], log: false };
    let ya = AxisFrame { title: "y".into(), lo: window[2], hi: window[3], log: false };
    // A path over one drawn before it is dashed there, so both stay visible.
    let mut owners = chart::Owners::new(w, h);
    let mut dashed = false;
    for path in paths {
        let pts: Vec<Option<(f64, f64)>> =
            path.points.iter().map(|p| chart::to_pixel(&xa, &ya, w, h, (p[0] as f64, p[1] as f64))).collect();
        let id = path.optimiser as u16 + 1;
        let dashes = chart::dashes(&pts, 2 * ratio, &mut owners, id, 6.0 * ratio as f64);
        dashed |= !dashes.stretches.is_empty();
        let dashes = (!dashes.stretches.is_empty()).then_some(dashes);
        map.marks.push(Mark::Line(Line {
            points: pts,
            colour: colour(path.optimiser),
            width: 2 * ratio,
            dashes,
        }));
    }
    let r = 5.0 * ratio as f64;
    for path in paths {
        let c = colour(path.optimiser);
        if let Some((x, y)) = chart::to_pixel(&xa, &ya, w, h, (path.start[0], path.start[1])) {
            map.marks.push(Mark::Disc { cx: x, cy: y, r, fill: [255, 255, 255], edge: c });
        }
        if let Some((x, y)) = end_marker(&xa, &ya, w, h, &path.points) {
            map.marks.push(Mark::Disc { cx: x, cy: y, r, fill: c, edge: [20, 20, 20] });
        }
    }
    let final_loss = |k: usize| {
        let ends: Vec<f32> =
            paths.iter().filter(|p| p.optimiser == k).map(|p| p.points.last().unwrap()[2]).collect();
        if ends.len() == 1 { format!(": loss {}", paint::sig3(ends[0])) } else { String::new() }
    };
    let entries: Vec<(Rgb, String)> =
        names.iter().enumerate().map(|(k, n)| (colour(k), format!("{n}{}", final_loss(k)))).collect();
    let mut notes = vec![
        "○ start   ● end (on the edge where a path leaves the window)".to_string(),
        format!("{} steps", job.steps),
    ];
    if dashed {
        notes.push("dashed: over a path listed above it".to_string());
    }
    frame::compose(
        map,
        &Frame { title: title.to_string(), x: xa, y: ya, key: Key::Legend { entries, notes }, ratio },
    )
}

/// The loss chart and its y axis: loss against step, above the landscape's lowest minimum in view (`floor`,
/// log axis) where there is one; otherwise the loss itself on a linear axis over the losses
/// the paths take inside the window (a diverging path leaves the chart instead of flattening
/// the others).
fn draw_loss_chart(
    job: &PathsJob,
    spec: &Spec,
    paths: &[Path],
    names: &[String],
    window: [f64; 4],
    floor: Option<f64>,
    side: u32,
) -> (frame::Framed, AxisFrame) {
    let ratio = job.style.ratio.max(1);
    let sx = AxisFrame { title: "step".into(), lo: 0.0, hi: job.steps.max(1) as f64, log: false };
    let plotted = |l: f32| match floor {
        Some(floor) => (l as f64 - floor).max(1e-12),
        None => l as f64,
    };
    let series: Vec<Series> = paths
        .iter()
        .map(|p| Series {
            colour: colour(p.optimiser),
            points: p.points.iter().enumerate().map(|(t, q)| (t as f64, plotted(q[2]))).collect(),
        })
        .collect();
    let sy = loss_axis(paths, &series, window, floor);
    let (cw, ch) = (side, (side as f64 * 0.6) as u32);
    let plot = chart::lines(cw, ch, &sx, &sy, &series, 2 * ratio);
    let framed = frame::compose(
        plot,
        &Frame {
            title: format!("loss on {}", paint::landscape_title(spec)),
            x: sx,
            y: sy.clone(),
            key: Key::Legend {
                entries: names.iter().enumerate().map(|(k, n)| (colour(k), n.clone())).collect(),
                notes: vec![],
            },
            ratio,
        },
    );
    (framed, sy)
}

/// The loss chart's y axis: whole decades around the plotted values (log, above `floor`), or
/// the losses inside the window with 5% padding (linear).
fn loss_axis(paths: &[Path], series: &[Series], window: [f64; 4], floor: Option<f64>) -> AxisFrame {
    let range = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        (lo.is_finite() && hi > lo).then_some((lo, hi))
    };
    match floor {
        Some(_) => {
            let mut values =
                series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| v.is_finite());
            let (lo, hi) =
                range(&mut values).map_or((-12.0, 0.0), |(lo, hi)| (lo.log10().floor(), hi.log10().ceil()));
            AxisFrame {
                title: "loss − minimum".into(),
                lo: 10f64.powf(lo),
                hi: 10f64.powf(hi.max(lo + 1.0)),
                log: true,
            }
        }
        None => {
            let inside = |q: &&[f32; 3]| {
                let (x, y) = (q[0] as f64, q[1] as f64);
                x >= window[0] && x <= window[1] && y >= window[2] && y <= window[3] && q[2].is_finite()
            };
            let mut values = paths.iter().flat_map(|p| p.points.iter().filter(inside).map(|q| q[2] as f64));
            let (lo, hi) = range(&mut values).unwrap_or((-1.0, 1.0));
            let pad = 0.05 * (hi - lo);
            AxisFrame { title: "loss".into(), lo: lo - pad, hi: hi + pad, log: false }
        }
    }
}

/// Every iterate of every path: `optimizer,start_x,start_y,step,x,y,loss,sharpness`, and
/// `preconditioned_sharpness` (empty for optimisers without a preconditioner) where any
/// optimiser has one.
fn csv(job: &PathsJob, paths: &[Path]) -> String {
    let preconditioned = paths.iter().any(|p| p.sharp.iter().any(|s| s.preconditioned.is_some()));
    let mut csv = String::from("optimizer,start_x,start_y,step,x,y,loss,sharpness");
    csv.push_str(if preconditioned { ",preconditioned_sharpness\n" } else { "\n" });
    for p in paths {
        for (t, (q, s)) in p.points.iter().zip(&p.sharp).enumerate() {
            csv.push_str(&format!(
                "\"{}\",{},{},{t},{},{},{},{}",
                job.optimisers[p.optimiser],
                num(p.start[0]),
                num(p.start[1]),
                num32(q[0]),
                num32(q[1]),
                num32(q[2]),
                num(s.raw)
            ));
            if preconditioned {
                csv.push(',');
                csv.push_str(&s.preconditioned.map(num).unwrap_or_default());
            }
            csv.push('\n');
        }
    }
    csv
}

/// The sharpness chart and its y axis: each path's sharpness against step (solid), its
/// preconditioned sharpness where the optimiser has a preconditioner (dashed), and each
/// optimiser's stability threshold ([`crate::sharpness::threshold`]) as a labelled line.
fn draw_sharpness_chart(
    job: &PathsJob,
    specs: &[Spec],
    paths: &[Path],
    names: &[String],
    thresholds: &[Option<Threshold>],
    side: u32,
) -> (frame::Framed, AxisFrame) {
    let ratio = job.style.ratio.max(1);
    let sx = AxisFrame { title: "step".into(), lo: 0.0, hi: job.steps.max(1) as f64, log: false };
    let mut curves = Vec::new();
    for p in paths {
        let colour = colour(p.optimiser);
        let at = |f: fn(&Sharpness) -> Option<f64>| -> Vec<(f64, f64)> {
            p.sharp.iter().enumerate().map(|(t, s)| (t as f64, f(s).unwrap_or(f64::NAN))).collect()
        };
        curves.push(Curve { colour, points: at(|s| Some(s.raw)), dashed: false });
        if p.sharp.iter().any(|s| s.preconditioned.is_some()) {
            curves.push(Curve { colour, points: at(|s| s.preconditioned), dashed: true });
        }
    }
    let lines: Vec<RefLine> = thresholds
        .iter()
        .enumerate()
        .filter_map(|(k, t)| {
            let t = t.as_ref()?;
            let on = if t.preconditioned { "preconditioned" } else { "sharpness" };
            let name = specs[k].optimiser.name;
            Some(RefLine {
                colour: colour(k),
                value: t.value,
                label: format!("{name}: {on} bound {}", t.formula),
            })
        })
        .collect();
    let values =
        curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)).chain(lines.iter().map(|l| l.value));
    let sy = eos::value_axis("sharpness λmax", values);
    let mut notes = vec!["solid: sharpness λmax(H)".to_string()];
    if curves.iter().any(|c| c.dashed) {
        notes.push("dashed: preconditioned λmax(P⁻¹H)".to_string());
    }
    if !lines.is_empty() {
        notes.push("thin dashed: stability thresholds".to_string());
    }
    let (cw, ch) = (side, (side as f64 * 0.6) as u32);
    let framed = eos::chart(
        (cw, ch),
        &sx,
        &sy,
        &curves,
        &lines,
        ChartText {
            title: format!("sharpness on {}", paint::landscape_title(&specs[0])),
            x_title: sx.title.clone(),
            y_title: sy.title.clone(),
            entries: names.iter().enumerate().map(|(k, n)| (colour(k), n.clone())).collect(),
            notes,
        },
        ratio,
    );
    (framed, sy)
}

/// `PREFIX.json` of a path figure.
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    provenance: Provenance<'a>,
    landscape: LandscapeMeta<'a>,
    optimizers: &'a [String],
    starts: &'a [[f64; 2]],
    steps: u32,
    window: [f64; 4],
    threshold: f64,
    tol: f64,
    title: &'a str,
    /// The loss of the lowest minimum in view, which the loss chart plots above.
    loss_floor: Option<f64>,
    /// The loss chart's y axis (the loss above `loss_floor` on a log axis, or the loss).
    loss_axis: AxisFrame,
    /// The sharpness chart's y axis.
    sharpness_axis: AxisFrame,
    /// Each optimiser's stability threshold, where the literature gives one.
    thresholds: Vec<ThresholdMeta<'a>>,
    paths: Vec<PathMeta<'a>>,
    image: ImageMeta,
}

/// The landscape of a figure's metadata.
#[derive(Serialize)]
struct LandscapeMeta<'a> {
    name: &'a str,
    formula: &'a str,
}

/// An optimiser's stability threshold in the metadata.
#[derive(Serialize)]
struct ThresholdMeta<'a> {
    optimizer: &'a str,
    threshold: Option<Threshold>,
}

impl<'a> ThresholdMeta<'a> {
    /// Every optimiser's threshold, in the job's order.
    fn of(job: &'a PathsJob, thresholds: &[Option<Threshold>]) -> Vec<Self> {
        job.optimisers
            .iter()
            .zip(thresholds)
            .map(|(o, t)| ThresholdMeta { optimizer: o, threshold: t.clone() })
            .collect()
    }
}

/// One path in the metadata: where it started and ended.
#[derive(Serialize)]
struct PathMeta<'a> {
    optimizer: &'a str,
    start: [f64; 2],
    end: [f32; 2],
    final_loss: f32,
    iterates: usize,
}

impl<'a> PathMeta<'a> {
    fn of(job: &'a PathsJob, p: &Path) -> Self {
        let end = p.points.last().expect("a path has its start");
        PathMeta {
            optimizer: &job.optimisers[p.optimiser],
            start: p.start,
            end: [end[0], end[1]],
            final_loss: end[2],
            iterates: p.points.len(),
        }
    }
}

/// The paths image's file and geometry, and the loss chart's file.
#[derive(Serialize)]
struct ImageMeta {
    #[serde(flatten)]
    file: FileMeta,
    /// The loss chart's file name (same format).
    loss_file: String,
    /// The sharpness chart's file name (same format).
    sharpness_file: String,
    width: u32,
    height: u32,
    plot: Rect,
    y_axis: &'static str,
    /// Whether every piece of text of both figures landed inside its image.
    text_fits: bool,
}
