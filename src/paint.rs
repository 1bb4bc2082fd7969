//! Painting outcome grids: the colour of every cell, the key that explains the colours, axis
//! titles and figure titles in words, and the overlays drawn on basin maps (contour lines of
//! the landscape and markers on its attractors).

use image::{Rgb as Pixel, RgbImage};

use crate::analysis::basins::{self, Attractor};
use crate::outcome::Outcomes;
use crate::param;
use crate::render::colormap::{self, Cmap, Rgb};
use crate::render::frame::{AxisFrame, ColourBar, Key};
use crate::render::heatmap;
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

/// Colours every cell of the grid (`scale` pixels per cell) and returns the key that explains
/// the colours.
pub fn colour(
    spec: &Spec,
    out: &Outcomes,
    labels: &[i32],
    attractors: &[Attractor],
    by: ColorBy,
    scale: u32,
    cmap: Cmap,
) -> (RgbImage, Key) {
    let steps = spec.steps as f64;
    let log_steps = (steps + 1.0).ln();
    let div = |i: usize| colormap::divergence((out.div_step[i] as f64 + 1.0).ln() / log_steps);
    let diverged_swatches = || {
        let any = (0..out.len()).any(|i| out.diverged(i));
        if any {
            vec![
                (colormap::divergence(0.0), "diverged at once".to_string()),
                (colormap::divergence(1.0), format!("diverged by step {}", spec.steps)),
            ]
        } else {
            Vec::new()
        }
    };
    match by {
        ColorBy::Basin | ColorBy::Auto => {
            let img = heatmap::paint(out.cols, out.rows, scale, |i| match labels[i] {
                basins::DIVERGED => colormap::DIVERGED,
                l if l < 0 => colormap::MISSING,
                l if out.conv_step[i] < 0 => colormap::faded(colormap::category(l as usize)),
                l => colormap::shaded(
                    colormap::category(l as usize),
                    (out.conv_step[i] as f64 + 1.0).ln() / log_steps,
                ),
            });
            let mut present = vec![false; attractors.len()];
            let mut diverged = false;
            for &l in labels {
                match l {
                    basins::DIVERGED => diverged = true,
                    l if l >= 0 => present[l as usize] = true,
                    _ => {}
                }
            }
            let mut entries: Vec<(Rgb, String)> = attractors
                .iter()
                .enumerate()
                .filter(|(k, _)| present[*k])
                .map(|(k, a)| (colormap::category(k), a.label.clone()))
                .collect();
            if diverged {
                entries.push((colormap::DIVERGED, "diverged".into()));
            }
            let notes =
                vec!["darker: slower to converge".into(), format!("pale: not converged in {}", spec.steps)];
            (img, Key::Legend { entries, notes })
        }
        ColorBy::Conv => {
            let t = move |s: f64| 1.0 - (s + 1.0).ln() / log_steps;
            let img = heatmap::paint(out.cols, out.rows, scale, |i| {
                if out.diverged(i) {
                    div(i)
                } else if out.conv_step[i] < 0 {
                    colormap::MISSING
                } else {
                    cmap.at(t(out.conv_step[i] as f64))
                }
            });
            let mut swatches = vec![(colormap::MISSING, format!("not converged in {}", spec.steps))];
            swatches.extend(diverged_swatches());
            let bar = ColourBar {
                title: "steps to converge".into(),
                scale: AxisFrame { title: String::new(), lo: 1.0, hi: steps.max(10.0), log: true },
                colour: Box::new(move |s| cmap.at(t(s))),
                swatches,
            };
            (img, Key::Bar(bar))
        }
        ColorBy::Loss => {
            let known = attractors.iter().find(|a| !a.found).map(|m| m.loss);
            let alive = || (0..out.len()).filter(|&i| !out.diverged(i) && out.loss[i].is_finite());
            let floor =
                known.unwrap_or_else(|| alive().map(|i| out.loss[i] as f64).fold(f64::INFINITY, f64::min));
            let value = |i: usize| (out.loss[i] as f64 - floor).max(1e-12).log10();
            let (lo, hi) =
                alive().map(value).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (-12.0, 0.0) };
            let span = hi - lo;
            let img = heatmap::paint(out.cols, out.rows, scale, |i| {
                if out.diverged(i) || !out.loss[i].is_finite() {
                    div(i)
                } else {
                    cmap.at((value(i) - lo) / span)
                }
            });
            let title =
                if known.is_some() { "final loss − minimum" } else { "final loss − lowest final loss" };
            let bar = ColourBar {
                title: title.into(),
                scale: AxisFrame { title: String::new(), lo: 10f64.powf(lo), hi: 10f64.powf(hi), log: true },
                colour: Box::new(move |v| cmap.at((v.log10() - lo) / span)),
                swatches: diverged_swatches(),
            };
            (img, Key::Bar(bar))
        }
    }
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

/// `name (p=v, ...)` with the parameters that are not axes and differ from their defaults,
/// plus `lr` always (it matters to every reader).
fn described(name: &str, params: &[param::ParamDef], base: usize, spec: &Spec) -> String {
    let shown: Vec<String> = params
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            let slot = base + i;
            let v = spec.values[slot];
            slot != spec.x.slot && slot != spec.y.slot && (p.name == "lr" || v != p.default)
        })
        .map(|(i, p)| format!("{}={}", p.name, short(spec.values[base + i])))
        .collect();
    if shown.is_empty() { name.to_string() } else { format!("{name} ({})", shown.join(", ")) }
}

/// A default title: `gd (lr=0.1) on bumpy, 500 steps`.
pub fn title(spec: &Spec) -> String {
    let l = spec.landscape;
    let landscape = if l.name == "expr" {
        let f: String = l.formula.chars().take(40).collect();
        if f.len() < l.formula.len() { format!("{f}…") } else { f }
    } else {
        described(l.name, l.params, param::LANDSCAPE_BASE, spec)
    };
    let optimiser = described(spec.optimiser.name, spec.optimiser.params, param::OPTIMISER_BASE, spec);
    format!("{optimiser} on {landscape}, {} steps", spec.steps)
}

/// Blends `c` over a pixel with opacity `a`.
fn blend(img: &mut RgbImage, x: u32, y: u32, c: Rgb, a: f32) {
    let p = img.get_pixel_mut(x, y);
    *p = Pixel(std::array::from_fn(|i| (p.0[i] as f32 * (1.0 - a) + c[i] as f32 * a).round() as u8));
}

/// Number of contour levels drawn.
pub const CONTOUR_LEVELS: f64 = 14.0;

/// Draws contour lines of the landscape's loss over a basin map (`x0`, `y0` axes), at levels
/// evenly spaced in `log10(loss - min + 1e-3 * range)` between the lowest and highest loss in
/// the window: a pixel is on a line when its level differs from its right or lower neighbour.
pub fn contours(img: &mut RgbImage, spec: &Spec) {
    if spec.x.slot != param::SLOT_X0 || spec.y.slot != param::SLOT_Y0 {
        return;
    }
    let (w, h) = (img.width(), img.height());
    let c = spec.landscape_params64();
    let at = |px: u32, py: u32| {
        let x = spec.x.value_at((px as f64 + 0.5) / w as f64 * spec.x.cells as f64);
        let y = spec.y.value_at((1.0 - (py as f64 + 0.5) / h as f64) * spec.y.cells as f64);
        spec.landscape.loss64([x, y], c)
    };
    let loss: Vec<f64> =
        (0..h).flat_map(|py| (0..w).map(move |px| (px, py))).map(|(px, py)| at(px, py)).collect();
    let finite = loss.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return;
    }
    let eps = 1e-3 * (hi - lo);
    let (a, b) = ((eps).log10(), (hi - lo + eps).log10());
    let level = |v: f64| {
        if v.is_finite() {
            (((v - lo + eps).log10() - a) / (b - a) * CONTOUR_LEVELS).floor() as i64
        } else {
            i64::MAX
        }
    };
    let levels: Vec<i64> = loss.iter().map(|&v| level(v)).collect();
    for py in 0..h {
        for px in 0..w {
            let i = (py * w + px) as usize;
            let right = px + 1 < w && levels[i + 1] != levels[i];
            let down = py + 1 < h && levels[i + w as usize] != levels[i];
            if right || down {
                blend(img, px, py, [255, 255, 255], 0.45);
            }
        }
    }
}

/// Marks every attractor inside a basin map's window with a ring (white with a dark edge),
/// `size` pixels across.
pub fn markers(img: &mut RgbImage, spec: &Spec, attractors: &[Attractor], size: u32) {
    if spec.x.slot != param::SLOT_X0 || spec.y.slot != param::SLOT_Y0 {
        return;
    }
    let (w, h) = (img.width() as f64, img.height() as f64);
    let r = size as f64 / 2.0;
    for a in attractors {
        let (fx, fy) =
            (spec.x.position(a.at[0]) / spec.x.cells as f64, spec.y.position(a.at[1]) / spec.y.cells as f64);
        if !((0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy)) {
            continue;
        }
        let (cx, cy) = (fx * w, (1.0 - fy) * h);
        let (x0, x1) =
            ((cx - r - 2.0).floor().max(0.0) as u32, ((cx + r + 2.0).ceil() as u32).min(img.width()));
        let (y0, y1) =
            ((cy - r - 2.0).floor().max(0.0) as u32, ((cy + r + 2.0).ceil() as u32).min(img.height()));
        for py in y0..y1 {
            for px in x0..x1 {
                let d = ((px as f64 + 0.5 - cx).powi(2) + (py as f64 + 0.5 - cy).powi(2)).sqrt();
                if d <= r - 1.5 {
                    img.put_pixel(px, py, Pixel([255, 255, 255]));
                } else if d <= r + 0.5 {
                    img.put_pixel(px, py, Pixel([20, 20, 20]));
                }
            }
        }
    }
}
