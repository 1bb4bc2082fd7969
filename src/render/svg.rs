//! A [`Scene`] as an SVG document: text as `<text>` (DejaVu Sans, the raster figure's font, at
//! the same sizes and anchors), rectangles, lines, discs and colour strips as vector shapes,
//! and only a scene's raster picture (a heatmap) embedded as a PNG, pixelated, exactly where
//! the raster figure has it. The document's size and view box are the raster figure's pixels,
//! so both look the same.
//!
//! Writes text only; the file is written by [`crate::output`]. All XML escaping goes through
//! [`escape`].

use std::borrow::Cow;
use std::fmt::Write;

use base64::Engine;
use image::RgbImage;

use super::colormap::Rgb;
use super::scene::{Line, Mark, Scene, Text};
use super::text::{self, Align};

/// Font of every text element: the raster figures' DejaVu Sans, else the viewer's sans-serif.
pub const FONT_FAMILY: &str = "'DejaVu Sans', sans-serif";

/// Most stops in a colour strip's gradient (a strip has one colour per pixel row).
const MAX_STOPS: usize = 256;

/// `scene` as an SVG document; `metadata` (key, text) pairs (the recipe that made it, say)
/// go into its `<metadata>` element.
pub fn document(scene: &Scene, metadata: &[(&str, String)]) -> String {
    let (w, h) = (scene.width, scene.height);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:downhill=\"urn:downhill\" version=\"1.1\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    if !metadata.is_empty() {
        out.push_str("<metadata>\n");
        for (key, value) in metadata {
            let _ =
                writeln!(out, "<downhill:chunk key=\"{}\">{}</downhill:chunk>", escape(key), escape(value));
        }
        out.push_str("</metadata>\n");
    }
    let mut w = Writer { out, ids: 0 };
    w.contents(scene);
    w.out.push_str("</svg>\n");
    w.out
}

/// `text` with XML's special characters escaped, and characters XML 1.0 cannot hold
/// (control characters other than tab and line breaks) replaced by U+FFFD.
pub fn escape(text: &str) -> Cow<'_, str> {
    let special =
        |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || (c.is_control() && !"\t\n\r".contains(c));
    if !text.contains(special) {
        return Cow::Borrowed(text);
    }
    let mut s = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            c if c.is_control() && !"\t\n\r".contains(c) => s.push('\u{fffd}'),
            c => s.push(c),
        }
    }
    Cow::Owned(s)
}

/// A length or coordinate, to two decimals without trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// `#rrggbb`.
fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The document being written, with a counter for the ids of clip paths and gradients.
struct Writer {
    out: String,
    ids: usize,
}

impl Writer {
    fn id(&mut self, prefix: &str) -> String {
        self.ids += 1;
        format!("{prefix}{}", self.ids)
    }

    /// A scene's background (or picture) and marks, in its own coordinates.
    fn contents(&mut self, scene: &Scene) {
        match &scene.picture {
            Some(p) => self.picture(p),
            None => {
                let _ = writeln!(
                    self.out,
                    "<rect width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                    scene.width,
                    scene.height,
                    hex(scene.background)
                );
            }
        }
        for mark in &scene.marks {
            self.mark(mark);
        }
    }

    /// A raster picture at the origin, one image pixel per unit, never smoothed.
    fn picture(&mut self, img: &RgbImage) {
        let mut png = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut png, img.width(), img.height());
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            // Writing into memory cannot fail for a well-formed image.
            let mut writer = enc.write_header().expect("a PNG header writes into memory");
            writer.write_image_data(img.as_raw()).expect("an RGB image writes into memory");
        }
        let data = base64::engine::general_purpose::STANDARD.encode(&png);
        let _ = writeln!(
            self.out,
            "<image class=\"heatmap\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             image-rendering=\"pixelated\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{data}\"/>",
            img.width(),
            img.height()
        );
    }

    fn mark(&mut self, mark: &Mark) {
        match mark {
            Mark::Rect { x, y, w, h, colour } => {
                if *w > 0 && *h > 0 {
                    let _ = writeln!(
                        self.out,
                        "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{}\" shape-rendering=\"crispEdges\"/>",
                        hex(*colour)
                    );
                }
            }
            Mark::Text(t) => self.text(t),
            Mark::Line(line) => self.line(line),
            Mark::Disc { cx, cy, r, fill, edge } => {
                // The ring covers [r - 1.5, r + 0.5] as the raster disc's does.
                let _ = writeln!(
                    self.out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
                    num(*cx),
                    num(*cy),
                    num((r - 0.5).max(0.0)),
                    hex(*fill),
                    hex(*edge)
                );
            }
            Mark::Strip { x, y, w, colours } => self.strip(*x, *y, *w, colours),
            Mark::Scene { x, y, scene } => {
                let clip = self.id("clip");
                let _ = writeln!(
                    self.out,
                    "<g transform=\"translate({x} {y})\">\n<clipPath id=\"{clip}\"><rect width=\"{}\" height=\"{}\"/></clipPath>\n<g clip-path=\"url(#{clip})\">",
                    scene.width, scene.height
                );
                self.contents(scene);
                self.out.push_str("</g>\n</g>\n");
            }
        }
    }

    /// Text with its baseline where the raster text has it.
    fn text(&mut self, t: &Text) {
        let common = format!(
            "font-family=\"{}\" font-size=\"{}\" fill=\"{}\" xml:space=\"preserve\"",
            escape(FONT_FAMILY),
            num(text::em(t.size) as f64),
            hex(t.colour)
        );
        let ascent = text::ascent(t.size) as f64;
        if t.upwards {
            // The raster draws it on a patch turned into place: its start at the patch's
            // lower edge less the margin, its baseline an ascent right of the patch's left.
            let (x0, y0, w, _) = text::upwards_patch(&t.text, t.x, t.y, t.size);
            let (bx, by) = (x0 as f64 + 1.0 + ascent, (y0 + w as i64) as f64 - 1.0);
            let _ = writeln!(
                self.out,
                "<text transform=\"translate({} {}) rotate(-90)\" {common}>{}</text>",
                num(bx),
                num(by),
                escape(&t.text)
            );
        } else {
            let anchor = match t.align {
                Align::Left => "start",
                Align::Centre => "middle",
                Align::Right => "end",
            };
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" {common}>{}</text>",
                num(t.x as f64),
                num(t.y as f64 + ascent),
                escape(&t.text)
            );
        }
    }

    /// A line as polylines: one per unbroken run, split where dashed stretches begin and end.
    fn line(&mut self, line: &Line) {
        let style = format!(
            "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linecap=\"round\" stroke-linejoin=\"round\"",
            hex(line.colour),
            line.width
        );
        for (points, dashed) in pieces(line) {
            let mut list = String::new();
            for (x, y) in &points {
                let _ = write!(list, "{},{} ", num(*x), num(*y));
            }
            let dash = match (&line.dashes, dashed) {
                (Some(d), true) => format!(
                    " stroke-dasharray=\"{} {}\"",
                    num(d.dash),
                    num(d.dash * (d.period.max(2) - 1) as f64)
                ),
                _ => String::new(),
            };
            let _ = writeln!(self.out, "<polyline points=\"{}\" {style}{dash}/>", list.trim_end());
        }
    }

    /// A colour strip as a rectangle filled with a vertical gradient through its rows'
    /// colours (at most [`MAX_STOPS`] of them, evenly chosen).
    fn strip(&mut self, x: i64, y: i64, w: i64, colours: &[Rgb]) {
        let n = colours.len();
        if n == 0 || w <= 0 {
            return;
        }
        let id = self.id("strip");
        let _ = writeln!(self.out, "<defs><linearGradient id=\"{id}\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">");
        let stops = n.min(MAX_STOPS);
        for j in 0..stops {
            let i = if stops == 1 { 0 } else { (j * (n - 1) + (stops - 1) / 2) / (stops - 1) };
            let offset = (i as f64 + 0.5) / n as f64;
            let _ = writeln!(self.out, "<stop offset=\"{:.4}\" stop-color=\"{}\"/>", offset, hex(colours[i]));
        }
        let _ = writeln!(
            self.out,
            "</linearGradient></defs>\n<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{n}\" fill=\"url(#{id})\"/>"
        );
    }
}

/// A line's unbroken runs cut where its dashed stretches begin and end: each piece's points
/// and whether it is dashed.
fn pieces(line: &Line) -> Vec<(Vec<(f64, f64)>, bool)> {
    // Runs of points with each one's distance along the line (which a break does not reset).
    let mut runs: Vec<Vec<((f64, f64), f64)>> = Vec::new();
    let mut along = 0.0;
    let mut current: Vec<((f64, f64), f64)> = Vec::new();
    for p in &line.points {
        match (p, current.last()) {
            (Some(p), Some(&(q, _))) => {
                along += (p.0 - q.0).hypot(p.1 - q.1);
                current.push((*p, along));
            }
            (Some(p), None) => current.push((*p, along)),
            (None, _) => {
                if current.len() > 1 {
                    runs.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() > 1 {
        runs.push(current);
    }
    let stretches = line.dashes.as_ref().map_or(&[][..], |d| &d.stretches[..]);
    let mut pieces = Vec::new();
    for run in &runs {
        let (a, b) = (run[0].1, run[run.len() - 1].1);
        // Boundaries inside the run, each marking the start of a solid or dashed piece.
        let mut cuts = vec![(a, false)];
        for &(from, to) in stretches {
            if to < a || from > b {
                continue;
            }
            cuts.push((from.max(a), true));
            cuts.push((to.min(b), false));
        }
        cuts.push((b, false));
        for pair in cuts.windows(2) {
            let ((from, dashed), (to, _)) = (pair[0], pair[1]);
            if to > from || (run.len() == 2 && a == b) {
                pieces.push((cut(run, from, to), dashed));
            }
        }
    }
    pieces
}

/// The part of a run between distances `from` and `to` along it.
fn cut(run: &[((f64, f64), f64)], from: f64, to: f64) -> Vec<(f64, f64)> {
    let at = |d: f64| {
        let k = run.partition_point(|p| p.1 < d).clamp(1, run.len() - 1);
        let ((p, da), (q, db)) = (run[k - 1], run[k]);
        let t = if db > da { ((d - da) / (db - da)).clamp(0.0, 1.0) } else { 0.0 };
        (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1))
    };
    let mut points = vec![at(from)];
    points.extend(run.iter().filter(|p| p.1 > from && p.1 < to).map(|p| p.0));
    points.push(at(to));
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::scene::Dashes;

    #[test]
    fn escaping_covers_markup_and_control_characters() {
        assert_eq!(escape("a < b & \"c\" 'd' > e"), "a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e");
        assert_eq!(escape("bell\u{7}"), "bell\u{fffd}");
        assert!(matches!(escape("plain η x₀"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_dashed_stretch_becomes_its_own_dashed_piece() {
        let line = Line {
            points: vec![Some((0.0, 0.0)), Some((100.0, 0.0)), None, Some((0.0, 10.0)), Some((5.0, 10.0))],
            colour: [0; 3],
            width: 2,
            dashes: Some(Dashes::even(6.0, vec![(20.0, 50.0)])),
        };
        let p = pieces(&line);
        let kinds: Vec<bool> = p.iter().map(|(_, d)| *d).collect();
        assert_eq!(kinds, [false, true, false, false]);
        assert_eq!(p[1].0, vec![(20.0, 0.0), (50.0, 0.0)]);
        assert_eq!(p[3].0, vec![(0.0, 10.0), (5.0, 10.0)]);
    }
}
