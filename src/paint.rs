//! Painting outcome grids: the colour of every cell, the key that explains the colours, axis
//! titles and figure titles in words, and the overlays drawn on basin maps (contour lines of
//! the landscape and markers on its attractors).

use image::{Rgb as Pixel, RgbImage};
use rayon::prelude::*;

use crate::analysis::basins::{self, Attractor};
use crate::error::Error;
use crate::options;
use crate::outcome::{Bands, Outcomes};
use crate::param;
use crate::render::colormap::{self, Cmap, Rgb};
use crate::render::frame::{AxisFrame, ColourBar, Key};
use crate::render::heatmap;
use crate::render::scene::{Mark, Scene};
use crate::spec::{Axis, Scale, Spec};

/// What colours the cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorBy {
    /// Basins for basin maps, steps to converge for stability maps, loss for sweeps.
    Auto,
    /// log10 of the final loss above the landscape's minimum (the colour map); diverged cells
    /// in reds by how fast they left.
    Loss,
    /// Steps to converge on a log scale (the colour map, fast = bright); never converged in
    /// grey; diverged in reds by how fast they left (log scale).
    Conv,
    /// The attractor nearest the end point (categorical), darker the longer it took to
    /// converge (log scale); faded where the trajectory had not converged; diverged in
    /// near-black.
    Basin,
}

/// The scales of a figure's colourings, shared by every panel and frame: the final loss above
/// `floor` on a log10 scale from `lo` to `hi`, and the steps to converge (basin shading, log
/// scale) from `fastest` to `slowest`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossScale {
    /// Fewest steps any trajectory took to converge.
    pub fastest: i32,
    /// Most steps any trajectory took to converge.
    pub slowest: i32,
    /// Subtracted from every loss: the global known minimum, else the lowest final loss.
    pub floor: f64,
    /// Whether `floor` is a known minimum.
    pub known: bool,
    /// log10 of the smallest shown gap.
    pub lo: f64,
    /// log10 of the largest shown gap.
    pub hi: f64,
}

impl LossScale {
    /// The scale covering every non-diverged cell of `maps` (read band by band).
    pub fn over(maps: &[&dyn Bands], attractors: &[Attractor]) -> Result<LossScale, Error> {
        let known = attractors.iter().filter(|a| !a.found).map(|a| a.loss).reduce(f64::min);
        // Every final loss of a trajectory that did not diverge, where it is finite.
        let alive = |f: &mut dyn FnMut(f64)| -> Result<(), Error> {
            for m in maps {
                m.each(&mut |_, o| {
                    (0..o.len())
                        .filter(|&i| !o.diverged(i) && o.loss[i].is_finite())
                        .for_each(|i| f(o.loss[i] as f64))
                })?;
            }
            Ok(())
        };
        let floor = match known {
            Some(k) => k,
            None => {
                let mut low = f64::INFINITY;
                alive(&mut |v| low = low.min(v))?;
                low
            }
        };
        let gap = |v: f64| (v - floor).max(1e-12).log10();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        alive(&mut |v| {
            let g = gap(v);
            (lo, hi) = (lo.min(g), hi.max(g));
        })?;
        let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (-12.0, 0.0) };
        let (mut fastest, mut slowest) = (i32::MAX, 0);
        for m in maps {
            m.each(&mut |_, o| {
                for &c in o.conv_step.iter().filter(|&&c| c >= 0) {
                    (fastest, slowest) = (fastest.min(c), slowest.max(c));
                }
            })?;
        }
        Ok(LossScale { fastest: fastest.min(slowest), slowest, floor, known: known.is_some(), lo, hi })
    }

    /// Where `steps` to converge sits between the fastest and slowest (log scale), in [0, 1].
    pub fn slowness(&self, steps: i32) -> f64 {
        let (a, b) = ((self.fastest as f64 + 1.0).ln(), (self.slowest as f64 + 1.0).ln());
        if b > a { ((steps as f64 + 1.0).ln() - a) / (b - a) } else { 0.0 }
    }

    /// Position of a loss on the scale, in [0, 1] inside it.
    pub fn position(&self, loss: f64) -> f64 {
        ((loss - self.floor).max(1e-12).log10() - self.lo) / (self.hi - self.lo)
    }
}

/// Colours every cell of the grid (at `zoom`: pixels per cell, or cells per pixel), read band by
/// band, and returns the key that explains the colours; `labels` are the cells' basin labels
/// ([`basins::label_within`]), `loss` the shared scale of loss colourings.
#[allow(clippy::too_many_arguments, reason = "each is one independent input of the colouring")]
pub fn colour(
    spec: &Spec,
    cells: &dyn Bands,
    labels: &[i32],
    attractors: &[Attractor],
    by: ColorBy,
    zoom: heatmap::Zoom,
    cmap: Cmap,
    loss: &LossScale,
) -> Result<(RgbImage, Key), Error> {
    let steps = spec.steps as f64;
    let log_steps = (steps + 1.0).ln();
    let div = |o: &Outcomes, i: usize| {
        colormap::divergence_beside(cmap, (o.div_step[i] as f64 + 1.0).ln() / log_steps)
    };
    // A cell is labelled diverged exactly when it diverged, and undefined when its loss is NaN.
    let diverged_swatches = || {
        if labels.contains(&basins::DIVERGED) {
            vec![
                (colormap::divergence_beside(cmap, 0.0), "diverged at once".to_string()),
                (colormap::divergence_beside(cmap, 1.0), format!("diverged by step {}", spec.steps)),
            ]
        } else {
            Vec::new()
        }
    };
    match by {
        ColorBy::Basin | ColorBy::Auto => colour_basins(spec, cells, labels, attractors, zoom, loss),
        ColorBy::Conv => {
            let t = move |s: f64| 1.0 - (s + 1.0).ln() / log_steps;
            let img = heatmap::paint_bands(cells, zoom, |o, i, _| {
                if o.diverged(i) {
                    div(o, i)
                } else if o.conv_step[i] < 0 {
                    colormap::MISSING
                } else {
                    cmap.at(t(o.conv_step[i] as f64))
                }
            })?;
            let mut swatches = vec![(colormap::MISSING, format!("not converged in {}", spec.steps))];
            swatches.extend(diverged_swatches());
            let bar = ColourBar {
                title: "steps to converge".into(),
                scale: AxisFrame { title: String::new(), lo: 1.0, hi: steps.max(10.0), log: true },
                colour: std::sync::Arc::new(move |s| cmap.at(t(s))),
                swatches,
            };
            Ok((img, Key::Bar(bar)))
        }
        ColorBy::Loss => {
            let ls = *loss;
            let img = heatmap::paint_bands(cells, zoom, |o, i, _| {
                if o.diverged(i) || o.loss[i].is_infinite() {
                    div(o, i)
                } else if o.loss[i].is_nan() {
                    colormap::UNDEFINED
                } else {
                    cmap.at(ls.position(o.loss[i] as f64))
                }
            })?;
            let mut swatches = diverged_swatches();
            if labels.contains(&basins::UNDEFINED) {
                swatches.push((colormap::UNDEFINED, "loss is NaN".into()));
            }
            let title = if ls.known { "final loss − minimum" } else { "final loss − lowest final loss" };
            let bar = ColourBar {
                title: title.into(),
                scale: AxisFrame {
                    title: String::new(),
                    lo: 10f64.powf(ls.lo),
                    hi: 10f64.powf(ls.hi),
                    log: true,
                },
                colour: std::sync::Arc::new(move |v| cmap.at((v.log10() - ls.lo) / (ls.hi - ls.lo))),
                swatches,
            };
            Ok((img, Key::Bar(bar)))
        }
    }
}

/// Most entries of a basin map's table of shaded colours (one per basin and convergence step).
const SHADE_TABLE_MAX: usize = 1 << 20;

/// [`colour`] by basin: each cell in its attractor's colour (shaded by convergence time,
/// pale where it did not converge), with a legend of the attractors present and of the
/// cells that diverged, left the window, ended where the loss is NaN, or ended near no attractor.
fn colour_basins(
    spec: &Spec,
    cells: &dyn Bands,
    labels: &[i32],
    attractors: &[Attractor],
    zoom: heatmap::Zoom,
    loss: &LossScale,
) -> Result<(RgbImage, Key), Error> {
    let shade = |l: usize, s: i32| colormap::shaded(colormap::category(l), loss.slowness(s));
    // Every (basin, convergence step) colour worked out once where there are not too many:
    // the same colours, without a logarithm and three roundings per cell.
    let per_basin = spec.steps as usize + 1;
    let table: Vec<Rgb> = if attractors.len().saturating_mul(per_basin) <= SHADE_TABLE_MAX {
        (0..attractors.len() * per_basin).map(|k| shade(k / per_basin, (k % per_basin) as i32)).collect()
    } else {
        Vec::new()
    };
    let img = heatmap::paint_bands(cells, zoom, |o, i, g| match labels[g] {
        basins::DIVERGED => colormap::DIVERGED,
        basins::UNDEFINED => colormap::UNDEFINED,
        basins::LEFT_WINDOW => colormap::LEFT_WINDOW,
        l if l < 0 => colormap::MISSING,
        l if o.conv_step[i] < 0 => colormap::faded(colormap::category(l as usize)),
        l => {
            let (l, s) = (l as usize, o.conv_step[i]);
            table
                .get(l * per_basin + s as usize)
                .copied()
                .filter(|_| (s as usize) < per_basin)
                .unwrap_or_else(|| shade(l, s))
        }
    })?;
    let mut present = vec![false; attractors.len()];
    let (mut diverged, mut astray, mut undefined, mut left) = (false, false, false, false);
    for &l in labels {
        match l {
            basins::DIVERGED => diverged = true,
            basins::UNDEFINED => undefined = true,
            basins::LEFT_WINDOW => left = true,
            l if l >= 0 => present[l as usize] = true,
            _ => astray = true,
        }
    }
    let mut entries: Vec<(Rgb, String)> = attractors
        .iter()
        .enumerate()
        .filter(|(k, _)| present[*k])
        .map(|(k, a)| (colormap::category(k), a.label.clone()))
        .collect();
    if astray {
        entries.push((colormap::MISSING, "not converged, near no attractor".into()));
    }
    if left {
        entries.push((colormap::LEFT_WINDOW, "left the window (bounded)".into()));
    }
    if undefined {
        entries.push((colormap::UNDEFINED, "ended where the loss is NaN".into()));
    }
    if diverged {
        entries.push((colormap::DIVERGED, "diverged".into()));
    }
    let notes = vec!["darker: slower to converge".into(), format!("pale: not converged in {}", spec.steps)];
    Ok((img, Key::Legend { entries, notes }))
}

/// A parameter's name in words and symbols, for axis titles (`lr` is `learning rate η`).
pub fn param_title(param: &str, curvature_only: bool) -> String {
    match param {
        "x0" => "x₀".into(),
        "y0" => "y₀".into(),
        "lr" => "learning rate η".into(),
        "kx" if curvature_only => "curvature k".into(),
        "kx" => "curvature kₓ".into(),
        "ky" => "curvature k_y".into(),
        "beta" => "momentum β".into(),
        "beta1" => "β₁".into(),
        "beta2" => "β₂".into(),
        "eps" => "ε".into(),
        "rho" => "ρ".into(),
        "sigma" => "gradient noise σ".into(),
        "gamma" => "decay γ".into(),
        "damping" => "damping λ".into(),
        other => other.into(),
    }
}

/// The frame's description of an axis.
pub fn axis_frame(axis: &Axis, curvature_only: bool) -> AxisFrame {
    AxisFrame {
        title: param_title(&axis.param, curvature_only),
        lo: axis.lo,
        hi: axis.hi,
        log: axis.scale == Scale::Log,
    }
}

/// A number as short as it can be written: `0.1`, `1e-8`, `0.999`.
pub fn short(v: f32) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) { format!("{v:e}") } else { format!("{v}") }
}

/// A number to three significant digits: `0.0277`, `1.92e-3`, `66.4`.
pub fn sig3(v: f32) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        format!("{v}")
    } else if (1e-2..1e4).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// `name (p=v, ...)` with every parameter that is not on an axis (defaults too: a reader
/// cannot be expected to know them).
fn described(
    name: &str,
    params: &[param::ParamDef],
    base: usize,
    spec: &Spec,
    skip: Option<usize>,
) -> String {
    let shown: Vec<String> = params
        .iter()
        .enumerate()
        .filter(|(i, _)| base + i != spec.x.slot && base + i != spec.y.slot && Some(base + i) != skip)
        .map(|(i, p)| format!("{}={}", p.name, short(spec.values[base + i])))
        .collect();
    if shown.is_empty() { name.to_string() } else { format!("{name} ({})", shown.join(", ")) }
}

/// The landscape in words: `bumpy`, `quadratic (ky=0)`, or an expression's first 40 characters.
pub fn landscape_title(spec: &Spec) -> String {
    landscape_title_except(spec, None)
}

/// [`landscape_title`] without the parameter in slot `skip` (an animated one).
pub fn landscape_title_except(spec: &Spec, skip: Option<usize>) -> String {
    let l = spec.landscape;
    if l.name == "expr" {
        let f: String = l.formula.chars().take(40).collect();
        if f.len() < l.formula.len() { format!("{f}…") } else { f }
    } else {
        described(l.name, l.params, param::LANDSCAPE_BASE, spec, skip)
    }
}

/// The optimiser in words, every hyperparameter not on an axis: `momentum (lr=0.05, beta=0.9)`.
pub fn optimiser_title(spec: &Spec) -> String {
    optimiser_title_except(spec, None)
}

/// [`optimiser_title`] without the parameter in slot `skip` (an animated one).
pub fn optimiser_title_except(spec: &Spec, skip: Option<usize>) -> String {
    described(spec.optimiser.name, spec.optimiser.params, param::OPTIMISER_BASE, spec, skip)
}

/// The options that are on, in words (`noise sigma=0.1 (seed 3), schedule cosine`), or
/// `None` when none is.
pub fn options_title(spec: &Spec) -> Option<String> {
    let f = spec.features();
    let value = |slot: usize| {
        if slot == spec.x.slot || slot == spec.y.slot {
            "swept".to_string()
        } else {
            short(spec.values[slot])
        }
    };
    let mut on = Vec::new();
    if f.noise {
        on.push(format!("noise sigma={} (seed {})", value(options::SLOT_SIGMA), spec.seed));
    }
    if f.clip {
        on.push(format!("clip={}", value(options::SLOT_CLIP)));
    }
    if f.l2 {
        on.push(format!("l2={}", value(options::SLOT_L2)));
    }
    if spec.schedule != options::Schedule::Constant {
        // The schedule's own numbers, by the names `--schedule NAME:key=value` takes; a horizon
        // of 0 (the run's steps) is left out.
        let args: Vec<String> = spec
            .schedule
            .uses()
            .iter()
            .map(|&i| {
                (
                    options::SLOT_SCHEDULE + i,
                    &options::PARAMS[options::SLOT_SCHEDULE - options::OPTION_BASE + i],
                )
            })
            .filter(|(slot, p)| !(p.name == "horizon" && spec.values[*slot] == 0.0))
            .map(|(slot, p)| format!("{}={}", p.name, value(slot)))
            .collect();
        let name = spec.schedule.name();
        on.push(if args.is_empty() {
            format!("{name} schedule")
        } else {
            format!("{name} schedule ({})", args.join(", "))
        });
    }
    (!on.is_empty()).then(|| on.join(", "))
}

/// A default title: `momentum (lr=0.1, beta=0.9) on bumpy, 500 steps`, then the options
/// that are on.
pub fn title(spec: &Spec) -> String {
    title_except(spec, None)
}

/// [`title`] without the parameter in slot `skip` (an animation's frames name it).
pub fn title_except(spec: &Spec, skip: Option<usize>) -> String {
    let mut t = format!(
        "{} on {}, {} steps",
        optimiser_title_except(spec, skip),
        landscape_title_except(spec, skip),
        spec.steps
    );
    if let Some(o) = options_title(spec) {
        t.push_str(&format!("; {o}"));
    }
    t
}

/// Blends `c` over a pixel with opacity `a`.
fn blend(img: &mut RgbImage, x: u32, y: u32, c: Rgb, a: f32) {
    let p = img.get_pixel_mut(x, y);
    *p = Pixel(std::array::from_fn(|i| (p.0[i] as f32 * (1.0 - a) + c[i] as f32 * a).round() as u8));
}

/// Number of contour levels drawn.
pub const CONTOUR_LEVELS: f64 = 14.0;

/// The landscape's loss at the centre of every pixel of a `w x h` image showing the window
/// `[x_lo, x_hi] x [y_lo, y_hi]` (linear axes, high y at the top), row by row from the top.
pub fn loss_pixels(spec: &Spec, window: [f64; 4], w: u32, h: u32) -> Vec<f64> {
    loss_rows(spec, window, (w, h), 0..h)
}

/// [`loss_pixels`] for the pixel rows `rows` only (of an image `w x h`), the same values.
fn loss_rows(spec: &Spec, window: [f64; 4], (w, h): (u32, u32), rows: std::ops::Range<u32>) -> Vec<f64> {
    let c = spec.landscape_params64();
    rows.into_par_iter()
        .flat_map_iter(|py| (0..w).map(move |px| (px, py)))
        .map(|(px, py)| {
            let x = window[0] + (px as f64 + 0.5) / w as f64 * (window[1] - window[0]);
            let y = window[3] - (py as f64 + 0.5) / h as f64 * (window[3] - window[2]);
            spec.landscape.loss64([x, y], c)
        })
        .collect()
}

/// The range of contour levels: the lowest and highest finite loss, `None` where there is no
/// finite range.
#[derive(Clone, Copy, Debug)]
struct Levels {
    lo: f64,
    eps: f64,
    a: f64,
    b: f64,
}

impl Levels {
    /// Levels over the finite values of `loss`, folded in with `(lo, hi)` so far.
    fn range(loss: &[f64], (lo, hi): (f64, f64)) -> (f64, f64) {
        loss.iter().copied().filter(|v| v.is_finite()).fold((lo, hi), |(a, b), v| (a.min(v), b.max(v)))
    }

    fn new((lo, hi): (f64, f64)) -> Option<Levels> {
        if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let eps = 1e-3 * (hi - lo);
        Some(Levels { lo, eps, a: eps.log10(), b: (hi - lo + eps).log10() })
    }

    /// A loss's band and its position in [0, 1].
    fn band(&self, v: f64) -> (i64, f64) {
        if v.is_finite() {
            let t = ((v - self.lo + self.eps).log10() - self.a) / (self.b - self.a);
            ((t * CONTOUR_LEVELS).floor() as i64, t)
        } else {
            (i64::MAX, 1.0)
        }
    }
}

/// Each pixel's contour level: `log10(loss - min + 1e-3 * range)` split evenly into
/// [`CONTOUR_LEVELS`] bands between the lowest and highest finite loss, with the band's
/// position in [0, 1]; `None` where there is no finite range.
pub fn contour_bands(loss: &[f64]) -> Option<Vec<(i64, f64)>> {
    let levels = Levels::new(Levels::range(loss, (f64::INFINITY, f64::NEG_INFINITY)))?;
    Some(loss.par_iter().map(|&v| levels.band(v)).collect())
}

/// Lightens every pixel where the band changes towards its right or lower neighbour.
pub fn draw_contours(img: &mut RgbImage, bands: &[(i64, f64)], colour: Rgb, opacity: f32) {
    let h = img.height();
    draw_contour_rows(img, bands, 0..h, colour, opacity);
}

/// [`draw_contours`] for the pixel rows `rows`, with `bands` holding those rows and the row
/// below them (where there is one).
fn draw_contour_rows(
    img: &mut RgbImage,
    bands: &[(i64, f64)],
    rows: std::ops::Range<u32>,
    colour: Rgb,
    opacity: f32,
) {
    let (w, h) = img.dimensions();
    for py in rows.clone() {
        for px in 0..w {
            let i = ((py - rows.start) * w + px) as usize;
            let right = px + 1 < w && bands[i + 1].0 != bands[i].0;
            let down = py + 1 < h && bands[i + w as usize].0 != bands[i].0;
            if right || down {
                blend(img, px, py, colour, opacity);
            }
        }
    }
}

/// Pixel rows of the loss computed at once by [`contours`]: the whole image's losses are
/// never held (an 8192-pixel map would need 1.6 GB for them and their bands).
const CONTOUR_STRIP: u32 = 256;

/// Most pixels whose losses [`contours`] keeps between its two passes (32 MB).
const CONTOUR_KEPT: u64 = 1 << 22;

/// Draws contour lines of the landscape's loss over a basin map (`x0`, `y0` axes, linear),
/// a strip of pixel rows at a time (the same lines as over the whole image at once).
pub fn contours(img: &mut RgbImage, spec: &Spec) {
    let linear = spec.x.scale == Scale::Lin && spec.y.scale == Scale::Lin;
    if spec.x.slot != param::SLOT_X0 || spec.y.slot != param::SLOT_Y0 || !linear {
        return;
    }
    let (w, h) = img.dimensions();
    let window = [spec.x.lo, spec.x.hi, spec.y.lo, spec.y.hi];
    let strips = || (0..h).step_by(CONTOUR_STRIP as usize).map(move |y| y..(y + CONTOUR_STRIP).min(h));
    // The losses of a picture of up to CONTOUR_KEPT pixels are kept from the pass that finds
    // their range to the one that draws; a larger picture's are computed again.
    let keep = w as u64 * h as u64 <= CONTOUR_KEPT;
    let mut kept: Vec<f64> = Vec::new();
    let mut range = (f64::INFINITY, f64::NEG_INFINITY);
    for rows in strips() {
        let loss = loss_rows(spec, window, (w, h), rows);
        range = Levels::range(&loss, range);
        if keep {
            kept.extend(loss);
        }
    }
    let Some(levels) = Levels::new(range) else { return };
    for rows in strips() {
        // The strip and the row below it, which its last row compares with.
        let below = rows.start..(rows.end + 1).min(h);
        let fresh;
        let loss = if keep {
            &kept[(below.start * w) as usize..(below.end * w) as usize]
        } else {
            fresh = loss_rows(spec, window, (w, h), below);
            &fresh[..]
        };
        let bands: Vec<(i64, f64)> = loss.par_iter().map(|&v| levels.band(v)).collect();
        draw_contour_rows(img, &bands, rows, [255, 255, 255], 0.45);
    }
}

/// Marks every attractor inside a basin map's window with a ring (white with a dark edge),
/// `size` pixels across.
pub fn markers(img: &mut Scene, spec: &Spec, attractors: &[Attractor], size: u32) {
    if spec.x.slot != param::SLOT_X0 || spec.y.slot != param::SLOT_Y0 {
        return;
    }
    let (w, h) = (img.width as f64, img.height as f64);
    for a in attractors {
        let (fx, fy) =
            (spec.x.position(a.at[0]) / spec.x.cells as f64, spec.y.position(a.at[1]) / spec.y.cells as f64);
        if (0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy) {
            let (cx, cy, r) = (fx * w, (1.0 - fy) * h, size as f64 / 2.0);
            img.marks.push(Mark::Disc { cx, cy, r, fill: [255, 255, 255], edge: [20, 20, 20] });
        }
    }
}
