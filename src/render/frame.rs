//! The frame around a plot: title, axes with ticks and labels in parameter units, axis titles,
//! and a key (a colour bar with its scale, or a legend of categories).
//!
//! The plot image is placed unchanged (pixel for pixel) inside the frame, so anything drawn on
//! it in data coordinates stays where it was; [`Framed::plot`] says where it landed. Sizes
//! scale with [`Frame::ratio`] (2 for high-density screens).

use image::{Rgb as Pixel, RgbImage};

use super::colormap::Rgb;
use super::scene::{Mark, Scene, Text};
use super::text::{self, Align};
use super::ticks::{self, Tick};

/// Colour of text, ticks and the plot border.
pub const INK: Rgb = [34, 34, 34];
/// Background of the frame.
pub const PAPER: Rgb = [255, 255, 255];

/// One axis of the plot: the range it shows and its title.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AxisFrame {
    /// Title under (x) or beside (y) the axis, e.g. `learning rate η`.
    pub title: String,
    /// Value at the low edge (left, or bottom).
    pub lo: f64,
    /// Value at the high edge (right, or top).
    pub hi: f64,
    /// Whether values are spaced logarithmically.
    pub log: bool,
}

impl AxisFrame {
    /// Fraction of the way from the low to the high edge at which `v` sits.
    pub fn fraction(&self, v: f64) -> f64 {
        if self.log {
            (v / self.lo).log10() / (self.hi / self.lo).log10()
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// The ticks of this axis.
    pub fn ticks(&self, target: usize) -> Vec<Tick> {
        if self.log { ticks::log(self.lo, self.hi) } else { ticks::linear_offset(self.lo, self.hi, target) }
    }

    /// The title as drawn: on a deep zoom, with the power of ten and the offset its tick
    /// labels are relative to (`x₀ (×10⁻⁹) − 0.79`).
    pub fn title_text(&self) -> String {
        match (self.log, ticks::offset(self.lo, self.hi)) {
            (false, Some((o, p))) => format!("{}{}", self.title, ticks::offset_note(o, p)),
            _ => self.title.clone(),
        }
    }

    /// The value at fraction `f` of the way from the low edge.
    pub fn value_at(&self, f: f64) -> f64 {
        if self.log { self.lo * (self.hi / self.lo).powf(f) } else { self.lo + f * (self.hi - self.lo) }
    }
}

/// A colour bar: a continuous scale in value units.
#[derive(Clone)]
pub struct ColourBar {
    /// Title beside the bar, e.g. `steps to converge`.
    pub title: String,
    /// The bar's scale (bottom = low).
    pub scale: AxisFrame,
    /// Colour of a value on the scale.
    pub colour: std::sync::Arc<dyn Fn(f64) -> Rgb + Send + Sync>,
    /// Extra swatches under the bar for values off the scale (e.g. `diverged`).
    pub swatches: Vec<(Rgb, String)>,
}

/// What explains the colours.
#[derive(Clone)]
pub enum Key {
    /// Nothing.
    None,
    /// A continuous colour bar.
    Bar(ColourBar),
    /// Categories: a swatch and a label per entry, then notes (plain lines of text).
    Legend {
        /// Swatch colour and label per category.
        entries: Vec<(Rgb, String)>,
        /// Lines of explanation under the entries.
        notes: Vec<String>,
    },
}

/// Everything drawn around a plot.
pub struct Frame {
    /// Title above the plot.
    pub title: String,
    /// The horizontal axis.
    pub x: AxisFrame,
    /// The vertical axis (high end at the top).
    pub y: AxisFrame,
    /// Colour bar or legend at the right.
    pub key: Key,
    /// Scale of text and lines: 1 for ordinary screens, 2 for high-density ones.
    pub ratio: u32,
}

/// A framed figure and where its plot sits inside it.
pub struct Framed {
    /// The whole figure.
    pub scene: Scene,
    /// The plot's rectangle in the figure: left, top, width, height (pixels).
    pub plot: [u32; 4],
    /// Whether every piece of text landed inside the image.
    pub text_fits: bool,
}

/// What a summary line adds about a figure's text: nothing when it all fits (`text_fits`),
/// else a warning that some runs off the image.
pub fn clipped_warning(text_fits: bool) -> &'static str {
    if text_fits {
        ""
    } else {
        "; warning: some text runs off the image (a title or label too long for it; try --size)"
    }
}

/// Font size of tick labels and legends at ratio 1, pixels.
const FONT: f32 = 13.0;
/// Legend entries beyond this many are summarised in one line.
const MAX_ENTRIES: usize = 24;

/// Text at `(x, y)` in the frame's ink, anchored by `align`; whether it fits.
fn label(s: &mut Scene, text: &str, x: f32, y: f32, size: f32, align: Align) -> bool {
    s.text(Text { text: text.to_string(), x, y, size, colour: INK, align, upwards: false })
}

/// Text reading upwards with the top of its letters at `x`, centred on `y`; whether it fits.
fn upward(s: &mut Scene, text: &str, x: f32, y: f32, size: f32) -> bool {
    s.text(Text { text: text.to_string(), x, y, size, colour: INK, align: Align::Centre, upwards: true })
}

/// A key's swatch: the colour with a thin grey rim, so that pale and white swatches (a white
/// overlay curve) still show on the white page.
fn swatch(s: &mut Scene, x: i64, y: i64, w: i64, h: i64, colour: Rgb) {
    const RIM: Rgb = [150, 150, 150];
    s.rect(x, y, w, h, RIM);
    s.rect(x + 1, y + 1, w - 2, h - 2, colour);
}

fn outline(s: &mut Scene, x: i64, y: i64, w: i64, h: i64, t: i64) {
    s.rect(x - t, y - t, w + 2 * t, t, INK);
    s.rect(x - t, y + h, w + 2 * t, t, INK);
    s.rect(x - t, y, t, h, INK);
    s.rect(x + w, y, t, h, INK);
}

/// Width the key needs, pixels.
fn key_width(key: &Key, r: f32) -> f32 {
    let font = FONT * r;
    match key {
        Key::None => 0.0,
        Key::Bar(bar) => {
            let labels = bar.scale.ticks(5).iter().map(|t| text::width(&t.label, font)).fold(0.0, f32::max);
            let swatches =
                bar.swatches.iter().map(|s| 22.0 * r + text::width(&s.1, font)).fold(0.0, f32::max);
            (20.0 * r + 16.0 * r + 6.0 * r + labels + 10.0 * r + text::line_height(font)).max(swatches)
                + 16.0 * r
        }
        Key::Legend { entries, notes } => {
            let shown = entries.iter().take(MAX_ENTRIES).map(|e| 22.0 * r + text::width(&e.1, font));
            let notes = notes.iter().map(|n| text::width(n, font * 0.9));
            shown.chain(notes).fold(0.0, f32::max) + 24.0 * r
        }
    }
}

/// Draws `plot` inside `frame`.
pub fn compose(plot: Scene, frame: &Frame) -> Framed {
    let f = compose_panels(vec![(plot, String::new())], frame);
    Framed { scene: f.scene, plot: f.plots[0], text_fits: f.text_fits }
}

/// Panels framed together: plots side by side (all the size of the first), each with its own
/// subtitle and x axis, sharing the y axis (labelled on the left) and the key (on the right).
pub struct FramedPanels {
    /// The whole figure.
    pub scene: Scene,
    /// Each panel's rectangle: left, top, width, height (pixels).
    pub plots: Vec<[u32; 4]>,
    /// Whether every piece of text (title, ticks, axis titles, key) landed inside the image.
    pub text_fits: bool,
}

/// Sizes that scale with the pixel density `r`.
struct Metrics {
    /// Pixel density.
    r: f32,
    /// Label font size.
    font: f32,
    /// Major tick length.
    tick_len: f32,
    /// Padding.
    pad: f32,
    /// Label line height.
    lh: f32,
    /// Outline and tick thickness (whole pixels).
    line: i64,
}

impl Metrics {
    fn at(ratio: u32) -> Metrics {
        let r = ratio.max(1) as f32;
        let font = FONT * r;
        Metrics {
            r,
            font,
            tick_len: 5.0 * r,
            pad: 8.0 * r,
            lh: text::line_height(font),
            line: r.round().max(1.0) as i64,
        }
    }
}

/// Draws `panels` (plot and subtitle) inside `frame`.
pub fn compose_panels(panels: Vec<(Scene, String)>, frame: &Frame) -> FramedPanels {
    let m = Metrics::at(frame.ratio);
    let (r, font, pad, lh) = (m.r, m.font, m.pad, m.lh);
    let title_font = 15.0 * r;
    let (pw, ph) = (panels[0].0.width as f32, panels[0].0.height as f32);
    let gap = if panels.len() > 1 { 3.0 * pad } else { 0.0 };
    let subtitled = panels.iter().any(|p| !p.1.is_empty());

    let xt = x_ticks_that_fit(&frame.x, pw, r);
    let yt = frame.y.ticks(((ph / (45.0 * r)) as usize).clamp(2, 10));
    let y_label_w = yt.iter().map(|t| text::width(&t.label, font)).fold(0.0, f32::max);

    let left = (pad + lh + pad + y_label_w + m.tick_len + 4.0 * r).ceil();
    let top =
        (pad + text::line_height(title_font) + pad + if subtitled { lh + pad * 0.5 } else { 0.0 }).ceil();
    let bottom = (m.tick_len + 3.0 * r + lh + pad * 0.5 + lh + pad).ceil();
    let right = (key_width(&frame.key, r) + pad).ceil().max(2.0 * pad);
    let legend_h = match &frame.key {
        Key::Legend { entries, notes } => {
            (entries.len().min(MAX_ENTRIES + 1) + notes.len()) as f32 * 1.5 * lh + 2.0 * pad
        }
        Key::Bar(bar) => BarLayout::of(bar, ph, r).extent + pad,
        Key::None => 0.0,
    };
    let n = panels.len() as f32;
    let plots_w = n * pw + (n - 1.0) * gap;
    // Wide enough for the title too.
    // Wide enough for the title too, and for the last panel's x-axis title; tall enough for
    // the y-axis title (both may be longer than a small plot).
    let x_title_w = text::width(&frame.x.title_text(), font);
    let last_centre = x_title_centre(left + (n - 1.0) * (pw + gap), pw, x_title_w, pad);
    // A key reaching down to the x axis's text starts clear of it: on a small plot a long
    // axis title or the last tick's label runs out to the right of the plot.
    let kx = left + plots_w + 2.0 * pad;
    let key_bottom = match &frame.key {
        Key::Legend { entries, notes } => {
            (entries.len().min(MAX_ENTRIES + 1) + notes.len()) as f32 * 1.5 * lh
        }
        Key::Bar(bar) => BarLayout::of(bar, ph, r).extent,
        Key::None => 0.0,
    };
    let kx = if key_bottom > ph + m.tick_len + 3.0 * r {
        let last = left + (n - 1.0) * (pw + gap);
        let labels = in_view(&frame.x, &xt, m.tick_len)
            .filter(|(_, t, _)| t.is_major())
            .map(|(f, t, _)| last + (f * pw).min(pw - 1.0) + text::width(&t.label, font) / 2.0);
        kx.max(labels.fold(last_centre + x_title_w / 2.0, f32::max) + 4.0 * r)
    } else {
        kx
    };
    let width = (kx - 2.0 * pad + right)
        .max(text::width(&frame.title, title_font) + 2.0 * pad)
        .max(last_centre + x_title_w / 2.0 + pad) as u32;
    let y_title_w = text::width(&frame.y.title_text(), font);
    let height = (top + ph + bottom).max(top + legend_h).max(top + y_title_w + pad) as u32;
    let mut img = Scene::blank(width, height, PAPER);

    // Title, centred over the plots.
    let title_x = (left + plots_w / 2.0).max(pad + text::width(&frame.title, title_font) / 2.0);
    let mut fits = label(&mut img, &frame.title, title_x, pad, title_font, Align::Centre);

    let mut plots = Vec::new();
    for (i, (plot, subtitle)) in panels.into_iter().enumerate() {
        let pl = (left + i as f32 * (pw + gap)).round();
        plots.push([pl as u32, top as u32, plot.width, plot.height]);
        img.place(pl as i64, top as i64, plot);
        outline(&mut img, pl as i64, top as i64, pw as i64, ph as i64, m.line);
        if !subtitle.is_empty() {
            fits &= label(&mut img, &subtitle, pl + pw / 2.0, top - lh - pad * 0.5, font, Align::Centre);
        }
        fits &= draw_x_axis(&mut img, &frame.x, &xt, [pl, top, pw, ph], &m);
    }
    fits &= draw_y_axis(&mut img, &frame.y, &yt, [left, top, ph], &m);

    // The key.
    fits &= match &frame.key {
        Key::None => true,
        Key::Bar(bar) => draw_bar(&mut img, bar, kx, top, ph, r),
        Key::Legend { entries, notes } => draw_legend(&mut img, entries, notes, kx, top, &m),
    };
    FramedPanels { scene: img, plots, text_fits: fits }
}

/// The x axis's ticks for a plot `pw` pixels wide: as many as fit without their labels
/// touching (long labels on deep zooms).
fn x_ticks_that_fit(axis: &AxisFrame, pw: f32, r: f32) -> Vec<Tick> {
    let mut target = ((pw / (70.0 * r)) as usize).clamp(2, 10);
    let mut xt = axis.ticks(target);
    while target > 2 {
        let majors: Vec<&Tick> = xt.iter().filter(|t| t.is_major()).collect();
        let widest = majors.iter().map(|t| text::width(&t.label, FONT * r)).fold(0.0, f32::max);
        if (majors.len() as f32) * (widest + 12.0 * r) <= pw {
            break;
        }
        target -= 1;
        xt = axis.ticks(target);
    }
    xt
}

/// Where an x-axis title `w` wide is centred under a plot at `pl`, `pw` wide: under the
/// plot's middle, or further right where that would put its start left of the margin `pad`.
fn x_title_centre(pl: f32, pw: f32, w: f32, pad: f32) -> f32 {
    (pl + pw / 2.0).max(pad + w / 2.0)
}

/// Tick labels thinned along an axis: a label is drawn only where its span clears the last
/// drawn one's by `gap` pixels, so that on small plots labels never run into each other (the
/// ticks themselves all stay).
struct Thinned {
    last: Option<(f32, f32)>,
    gap: f32,
}

impl Thinned {
    fn new(gap: f32) -> Thinned {
        Thinned { last: None, gap }
    }

    /// Whether a label spanning `[lo, hi]` along the axis is drawn (and, if so, noted).
    fn keep(&mut self, lo: f32, hi: f32) -> bool {
        if let Some((a, b)) = self.last
            && lo < b + self.gap
            && hi > a - self.gap
        {
            return false;
        }
        self.last = Some((lo, hi));
        true
    }
}

/// The ticks that fall on `axis`'s range: each with its fraction of the way along, and its
/// mark's length (`tick_len` for major ticks, 60% of it for minor ones).
fn in_view<'a>(
    axis: &'a AxisFrame,
    ticks: &'a [Tick],
    tick_len: f32,
) -> impl Iterator<Item = (f32, &'a Tick, f32)> {
    ticks.iter().filter_map(move |tick| {
        let f = axis.fraction(tick.value);
        let len = if tick.is_major() { tick_len } else { tick_len * 0.6 };
        (-1e-9..=1.0 + 1e-9).contains(&f).then_some((f as f32, tick, len))
    })
}

/// Ticks, labels and title of the x axis under the plot at `[left, top, width, height]`;
/// whether all the text fits.
fn draw_x_axis(
    img: &mut Scene,
    axis: &AxisFrame,
    ticks: &[Tick],
    [pl, top, pw, ph]: [f32; 4],
    m: &Metrics,
) -> bool {
    let mut fits = true;
    let (r, font, tick_len, lh, line) = (m.r, m.font, m.tick_len, m.lh, m.line);
    let mut thinned = Thinned::new(4.0 * r);
    for (f, tick, len) in in_view(axis, ticks, tick_len) {
        let px = pl + (f * pw).min(pw - 1.0);
        img.rect(px as i64, (top + ph) as i64 + line, line, len as i64, INK);
        let half = text::width(&tick.label, font) / 2.0;
        if tick.is_major() && thinned.keep(px - half, px + half) {
            fits &= label(img, &tick.label, px, top + ph + tick_len + 3.0 * r, font, Align::Centre);
        }
    }
    let below = top + ph + tick_len + 3.0 * r + lh + m.pad * 0.5;
    let title = axis.title_text();
    let centre = x_title_centre(pl, pw, text::width(&title, font), m.pad);
    fits & label(img, &title, centre, below, font, Align::Centre)
}

/// Ticks, labels (high end at the top) and title of the y axis left of the first plot, whose
/// left edge is `left`, top `top` and height `ph`; whether all the text fits.
fn draw_y_axis(
    img: &mut Scene,
    axis: &AxisFrame,
    ticks: &[Tick],
    [left, top, ph]: [f32; 3],
    m: &Metrics,
) -> bool {
    let mut fits = true;
    let (r, font, tick_len, lh, line) = (m.r, m.font, m.tick_len, m.lh, m.line);
    let mut thinned = Thinned::new(0.0);
    for (f, tick, len) in in_view(axis, ticks, tick_len) {
        let py = top + ((1.0 - f) * ph).min(ph - 1.0);
        img.rect((left - len) as i64 - line, py as i64, len as i64, line, INK);
        if tick.is_major() && thinned.keep(py - lh / 2.0, py + lh / 2.0) {
            fits &= label(img, &tick.label, left - tick_len - 4.0 * r, py - lh / 2.0, font, Align::Right);
        }
    }
    // Centred on the plot, or hanging from its top where the title is the longer.
    let title = axis.title_text();
    let centre = top + ph.max(text::width(&title, font)) / 2.0;
    fits & upward(img, &title, m.pad, centre, font)
}

/// A legend at `(kx, top)`: a swatch and label per entry (at most [`MAX_ENTRIES`], then a
/// count of the rest), then the notes; whether all the text fits.
fn draw_legend(
    img: &mut Scene,
    entries: &[(Rgb, String)],
    notes: &[String],
    kx: f32,
    top: f32,
    m: &Metrics,
) -> bool {
    let (r, font, lh) = (m.r, m.font, m.lh);
    let mut y = top;
    let mut fits = true;
    for (colour, text) in entries.iter().take(MAX_ENTRIES) {
        let sw = 14.0 * r;
        swatch(img, kx as i64, (y + (lh - sw) / 2.0) as i64, sw as i64, sw as i64, *colour);
        fits &= label(img, text, kx + sw + 8.0 * r, y, font, Align::Left);
        y += 1.5 * lh;
    }
    if entries.len() > MAX_ENTRIES {
        let more = format!("… and {} more", entries.len() - MAX_ENTRIES);
        fits &= label(img, &more, kx, y, font, Align::Left);
        y += 1.5 * lh;
    }
    for note in notes {
        fits &= label(img, note, kx, y, font * 0.9, Align::Left);
        y += 1.5 * lh;
    }
    fits
}

/// Pads every frame of an animation on the right and bottom (with paper) to the largest
/// frame's size, so they can share one canvas; the plots keep their positions.
pub fn same_size(frames: &mut [RgbImage]) {
    let w = frames.iter().map(|f| f.width()).max().unwrap_or(0);
    let h = frames.iter().map(|f| f.height()).max().unwrap_or(0);
    for f in frames.iter_mut() {
        if f.dimensions() != (w, h) {
            let mut fitted = RgbImage::from_pixel(w, h, Pixel(PAPER));
            image::imageops::replace(&mut fitted, f, 0, 0);
            *f = fitted;
        }
    }
}

/// Where a colour bar's parts go below the plot's top edge, for a plot `ph` high.
struct BarLayout {
    /// Height of the bar itself: the plot's, less room for the swatches under it.
    h: f32,
    /// Centre of the title drawn upwards beside it: the bar's middle, or lower where the
    /// title is longer than the bar, so that it starts at the top.
    title_centre: f32,
    /// Where the swatches start: under the bar, or under the title where that is longer (so
    /// that their labels stay clear of it).
    swatches_top: f32,
    /// Height the key takes: bar, swatches and title, whichever reaches lowest.
    extent: f32,
}

impl BarLayout {
    fn of(bar: &ColourBar, ph: f32, r: f32) -> BarLayout {
        let font = FONT * r;
        let lh = text::line_height(font);
        // Leave room under the bar for the swatches.
        let swatches = bar.swatches.len() as f32 * 1.5 * lh + if bar.swatches.is_empty() { 0.0 } else { lh };
        let h = (ph - swatches).max(ph * 0.4);
        let title = text::width(&bar.title, font) + 2.0;
        let beside = h.max(title);
        BarLayout {
            h,
            title_centre: beside / 2.0,
            swatches_top: beside + lh,
            extent: if bar.swatches.is_empty() { beside } else { beside + swatches },
        }
    }
}

/// A colour bar at `(x, top)` beside a plot `ph` high, with its ticks, title and swatches;
/// whether all the text fits.
fn draw_bar(img: &mut Scene, bar: &ColourBar, x: f32, top: f32, ph: f32, r: f32) -> bool {
    let font = FONT * r;
    let mut fits = true;
    let lh = text::line_height(font);
    let bw = 16.0 * r;
    let BarLayout { h, title_centre, swatches_top, .. } = BarLayout::of(bar, ph, r);
    let colours = (0..h as u32)
        .map(|py| (bar.colour)(bar.scale.value_at(1.0 - (py as f64 + 0.5) / h as f64)))
        .collect();
    img.marks.push(Mark::Strip { x: x as i64, y: top as u32 as i64, w: bw as i64, colours });
    let line = r.round().max(1.0) as i64;
    outline(img, x as i64, top as i64, bw as i64, h as i64, line);
    let mut label_w: f32 = 0.0;
    let mut thinned = Thinned::new(0.0);
    for tick in bar.scale.ticks(((h / (40.0 * r)) as usize).clamp(2, 8)) {
        let f = bar.scale.fraction(tick.value);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let py = top + ((1.0 - f as f32) * h).min(h - 1.0);
        let len = if tick.is_major() { 5.0 * r } else { 3.0 * r };
        img.rect((x + bw) as i64 + line, py as i64, len as i64, line, INK);
        if tick.is_major() && thinned.keep(py - lh / 2.0, py + lh / 2.0) {
            fits &= label(img, &tick.label, x + bw + 8.0 * r, py - lh / 2.0, font, Align::Left);
            label_w = label_w.max(text::width(&tick.label, font));
        }
    }
    fits &= upward(img, &bar.title, x + bw + 14.0 * r + label_w, top + title_centre, font);
    let mut y = top + swatches_top;
    for (colour, text) in &bar.swatches {
        swatch(img, x as i64, (y + (lh - 14.0 * r) / 2.0) as i64, bw as i64, (14.0 * r) as i64, *colour);
        fits &= label(img, text, x + bw + 8.0 * r, y, font, Align::Left);
        y += 1.5 * lh;
    }
    fits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_sit_side_by_side_with_their_subtitles() {
        let a = RgbImage::from_pixel(60, 40, Pixel([10, 200, 10]));
        let b = RgbImage::from_pixel(60, 40, Pixel([10, 10, 200]));
        let f = compose_panels(
            vec![(Scene::picture(a), "gd".into()), (Scene::picture(b), "adam".into())],
            &frame(Key::None),
        );
        let image = f.scene.raster();
        let [l0, t0, ..] = f.plots[0];
        let [l1, t1, ..] = f.plots[1];
        assert_eq!(t0, t1);
        assert!(l1 >= l0 + 60, "{l0} {l1}");
        assert_eq!(image.get_pixel(l0 + 5, t0 + 5).0, [10, 200, 10]);
        assert_eq!(image.get_pixel(l1 + 5, t1 + 5).0, [10, 10, 200]);
        // Ink above each panel: its subtitle.
        for l in [l0, l1] {
            let ink = (l..l + 60).any(|x| (t0 - 18..t0 - 2).any(|y| image.get_pixel(x, y).0[0] < 128));
            assert!(ink);
        }
    }

    fn frame(key: Key) -> Frame {
        Frame {
            title: "gd on bumpy".into(),
            x: AxisFrame { title: "x₀".into(), lo: -2.0, hi: 2.0, log: false },
            y: AxisFrame { title: "curvature k".into(), lo: 0.1, hi: 10.0, log: true },
            key,
            ratio: 1,
        }
    }

    #[test]
    fn the_plot_is_copied_pixel_for_pixel_inside_a_border() {
        let plot = RgbImage::from_fn(64, 48, |x, y| Pixel([x as u8, y as u8, 7]));
        let f = compose(Scene::picture(plot.clone()), &frame(Key::None));
        let [l, t, w, h] = f.plot;
        assert_eq!((w, h), (64, 48));
        let image = f.scene.raster();
        assert!(image.width() > l + w && image.height() > t + h);
        for (x, y, p) in plot.enumerate_pixels() {
            assert_eq!(image.get_pixel(l + x, t + y), p);
        }
        assert_eq!(image.get_pixel(l - 1, t + 10).0, INK);
        assert_eq!(image.get_pixel(l + w, t + 10).0, INK);
    }

    #[test]
    fn legends_grow_with_their_entries_and_bars_show_their_colours() {
        let plot = RgbImage::from_pixel(100, 100, Pixel([200; 3]));
        let entries: Vec<(Rgb, String)> = (0..5).map(|i| ([i * 40, 0, 0], format!("minimum {i}"))).collect();
        let small = compose(
            Scene::picture(plot.clone()),
            &frame(Key::Legend { entries: entries[..1].to_vec(), notes: vec![] }),
        );
        let big = compose(
            Scene::picture(plot.clone()),
            &frame(Key::Legend { entries: entries.clone(), notes: vec!["note".into()] }),
        );
        assert!(big.scene.height >= small.scene.height);
        // Every entry's swatch colour appears right of the plot.
        let right_of_plot = |f: &Framed, c: Rgb| {
            f.scene.raster().enumerate_pixels().any(|(x, _, p)| x > f.plot[0] + f.plot[2] && p.0 == c)
        };
        assert!(entries.iter().all(|(c, _)| right_of_plot(&big, *c)));
        let bar = ColourBar {
            title: "steps".into(),
            scale: AxisFrame { title: String::new(), lo: 1.0, hi: 1000.0, log: true },
            colour: std::sync::Arc::new(|v| if v < 30.0 { [0, 0, 255] } else { [0, 255, 0] }),
            swatches: vec![([255, 0, 0], "diverged".into())],
        };
        let f = compose(Scene::picture(plot), &frame(Key::Bar(bar)));
        for c in [[0, 0, 255], [0, 255, 0], [255, 0, 0]] {
            assert!(right_of_plot(&f, c), "{c:?}");
        }
    }
}
