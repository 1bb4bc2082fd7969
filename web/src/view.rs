//! What the page shows of a run, painted by the library's own code so the colours match the
//! command line's figures: basin maps through `downhill::paint::colour` (attractors from
//! `downhill::analysis::basins`, contour lines from `downhill::paint::contours`), stability
//! maps coloured by steps to converge with the analytic boundary from
//! `downhill::analysis::boundary`, and the lightened contour view a path is drawn over.
//!
//! It draws no frame, axes or text: the page lays those out around the pixels.

use downhill::Error;
use downhill::analysis::boundary;
use downhill::figure;
use downhill::outcome::Outcomes;
use downhill::paint::{self, ColorBy, LossScale};
use downhill::param;
use downhill::render::colormap::{Cmap, Rgb};
use downhill::render::frame::Key;
use downhill::render::heatmap::Zoom;
use downhill::spec::Spec;
use serde::Serialize;

/// A painted map: one pixel per cell, high y at the top.
#[derive(Serialize)]
pub struct MapView {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// RGBA bytes, row by row from the top.
    #[serde(skip)]
    pub rgba: Vec<u8>,
    /// Each cell's basin label (row-major from the low y row, as the `.npz` stores them):
    /// an attractor's index, or [`downhill::analysis::basins::DIVERGED`], `UNLABELLED`,
    /// `UNDEFINED` or `LEFT_WINDOW`.
    pub labels: Vec<i32>,
    /// The key: attractors and special cells, or a colour bar's stops.
    pub key: KeyView,
    /// Every attractor's label and point, in label order.
    pub attractors: Vec<(String, [f64; 2])>,
    /// Attractors `(x, y)` inside the window, as fractions of the window (0 = low edge).
    pub markers: Vec<[f64; 2]>,
    /// The analytic stability boundary as polylines of window fractions, where theory has one.
    pub theory: Vec<Vec<[f64; 2]>>,
    /// Its formula, e.g. `lr = 2/k`.
    pub formula: Option<String>,
    /// Fractions of cells that diverged and converged.
    pub diverged: f64,
    /// Fraction of cells that converged.
    pub converged: f64,
}

/// The key of a map, in a form the page draws.
#[derive(Serialize)]
pub struct KeyView {
    /// `legend` (entries) or `bar` (stops from `lo` to `hi`).
    pub kind: &'static str,
    /// Title of a colour bar.
    pub title: String,
    /// Colour and label of each legend entry or bar swatch.
    pub entries: Vec<(Rgb, String)>,
    /// Notes under a legend.
    pub notes: Vec<String>,
    /// A bar's colours, low to high, evenly spaced on its scale.
    pub stops: Vec<Rgb>,
    /// A bar's ends.
    pub lo: f64,
    /// A bar's high end.
    pub hi: f64,
    /// Whether the bar's scale is logarithmic.
    pub log: bool,
}

impl KeyView {
    fn of(key: Key) -> KeyView {
        let empty = KeyView {
            kind: "legend",
            title: String::new(),
            entries: Vec::new(),
            notes: Vec::new(),
            stops: Vec::new(),
            lo: 0.0,
            hi: 1.0,
            log: false,
        };
        match key {
            Key::Legend { entries, notes } => KeyView { entries, notes, ..empty },
            Key::Bar(bar) => {
                let s = &bar.scale;
                let stops = (0..=32)
                    .map(|i| {
                        let f = i as f64 / 32.0;
                        let v = if s.log {
                            10f64.powf(s.lo.log10() + f * (s.hi.log10() - s.lo.log10()))
                        } else {
                            s.lo + f * (s.hi - s.lo)
                        };
                        (bar.colour)(v)
                    })
                    .collect();
                KeyView {
                    kind: "bar",
                    title: bar.title,
                    entries: bar.swatches,
                    stops,
                    lo: s.lo,
                    hi: s.hi,
                    log: s.log,
                    ..empty
                }
            }
            Key::None => empty,
        }
    }
}

/// How the command line colours a map of this spec by default: basins on the start plane,
/// steps to converge otherwise (`figure::colouring`).
pub fn colouring(spec: &Spec) -> ColorBy {
    if spec.x.slot == param::SLOT_X0 && spec.y.slot == param::SLOT_Y0 {
        ColorBy::Basin
    } else {
        ColorBy::Conv
    }
}

/// Paints `out` (the outcomes of `spec`) the way the command line does with its defaults.
pub fn paint_map(spec: &Spec, out: &Outcomes) -> Result<MapView, Error> {
    // As a figure of one map does (`figure::run_maps`): this orders and colours them as the CLI.
    let attractors = figure::figure_attractors(spec, &[figure::map_attractors(spec, out)?]);
    let labels = figure::map_labels(spec, out, &attractors)?;
    let scale = LossScale::over(&[out], &attractors)?;
    let by = colouring(spec);
    let (mut img, key) =
        paint::colour(spec, out, &labels, &attractors, by, Zoom::ONE, Cmap::default(), &scale)?;
    let on_plane = by == ColorBy::Basin;
    if on_plane {
        paint::contours(&mut img, spec);
    }
    let (width, height) = img.dimensions();
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    for p in img.pixels() {
        rgba.extend_from_slice(&[p.0[0], p.0[1], p.0[2], 255]);
    }
    let frac =
        |x: f64, y: f64| [spec.x.position(x) / spec.x.cells as f64, spec.y.position(y) / spec.y.cells as f64];
    let markers = if on_plane {
        attractors
            .iter()
            .map(|a| frac(a.at[0], a.at[1]))
            .filter(|f| f.iter().all(|v| (0.0..=1.0).contains(v)))
            .collect()
    } else {
        Vec::new()
    };
    let theory = boundary::analytic(spec);
    let curve = theory.as_ref().map(|t| theory_curve(spec, t)).unwrap_or_default();
    let n = out.len().max(1) as f64;
    let diverged = (0..out.len()).filter(|&i| out.diverged(i)).count() as f64 / n;
    let converged = out.conv_step.iter().filter(|&&c| c >= 0).count() as f64 / n;
    Ok(MapView {
        width,
        height,
        rgba,
        labels,
        attractors: attractors.iter().map(|a| (a.label.clone(), a.at)).collect(),
        key: KeyView::of(key),
        markers,
        theory: curve,
        formula: theory.map(|t| t.formula.to_string()),
        diverged,
        converged,
    })
}

/// The analytic boundary's polylines in window fractions (x from the left, y from the bottom).
fn theory_curve(spec: &Spec, t: &boundary::Theory) -> Vec<Vec<[f64; 2]>> {
    let rows = spec.y.cells as f64;
    let samples = 256;
    let (mut lines, mut run) = (Vec::new(), Vec::new());
    for s in 0..=samples {
        let r = s as f64 * rows / samples as f64;
        let at = t.critical(spec.y.value_at(r)).map(|lr| spec.x.position(lr));
        match at {
            Some(c) if (-1.0..=spec.x.cells as f64 + 1.0).contains(&c) => {
                run.push([c / spec.x.cells as f64, r / rows]);
            }
            _ => {
                if run.len() > 1 {
                    lines.push(std::mem::take(&mut run));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        lines.push(run);
    }
    lines
}

/// The landscape of `spec` over `window` (`[x_lo, x_hi, y_lo, y_hi]`) as `w x h` RGBA pixels,
/// lightened under grey contour lines, as the command line's path figures draw it.
pub fn contour_view(spec: &Spec, window: [f64; 4], w: u32, h: u32) -> Vec<u8> {
    let loss = paint::loss_pixels(spec, window, w, h);
    let bands = paint::contour_bands(&loss);
    let mut img = image::RgbImage::new(w, h);
    for (i, p) in img.pixels_mut().enumerate() {
        let t = bands.as_ref().map_or(0.5, |b| b[i].1);
        p.0 = Cmap::default().at(t).map(|v| (0.45 * v as f64 + 0.55 * 255.0) as u8);
    }
    if let Some(b) = &bands {
        paint::draw_contours(&mut img, b, [90, 90, 90], 0.5);
    }
    img.pixels().flat_map(|p| [p.0[0], p.0[1], p.0[2], 255]).collect()
}
