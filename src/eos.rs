//! Edge-of-stability charts: sharpness against step, with the stability thresholds it is
//! measured against drawn as labelled horizontal lines. Used by the paths figure's sharpness
//! panel ([`crate::paths`]) and by `downhill train`. Lays out and
//! draws only; the sharpness itself comes from [`crate::sharpness`] and
//! [`crate::nn::sharpness`].

use crate::render::chart::{self, Series};
use crate::render::colormap::Rgb;
use crate::render::frame::{self, AxisFrame, Frame, Key};
use crate::render::scene::{Dashes, Line, Mark, Text};
use crate::render::text::Align;

/// One curve of a chart: points `(step, value)`, solid or dashed.
pub struct Curve {
    /// Colour.
    pub colour: Rgb,
    /// Points in axis units; a non-finite or (on a log axis) non-positive value breaks it.
    pub points: Vec<(f64, f64)>,
    /// Dashed (a second quantity of the same run, e.g. the preconditioned sharpness).
    pub dashed: bool,
}

/// A horizontal reference line at `value`, labelled inside the plot.
pub struct RefLine {
    /// Colour.
    pub colour: Rgb,
    /// Height, in axis units.
    pub value: f64,
    /// Label drawn just above the line at the plot's right end.
    pub label: String,
}

/// Everything a chart shows besides its data.
pub struct ChartText {
    /// Title above the plot.
    pub title: String,
    /// The x axis's title.
    pub x_title: String,
    /// The y axis's title.
    pub y_title: String,
    /// Legend entries: a swatch and a label each.
    pub entries: Vec<(Rgb, String)>,
    /// Lines of explanation under the legend.
    pub notes: Vec<String>,
}

/// The y axis over `values`: whole decades on a log axis where every value that matters is
/// positive and they span more than a factor of 3, else a linear axis with 8% padding (from 0
/// where every value is positive). Non-finite values are left out.
pub fn value_axis(title: &str, values: impl Iterator<Item = f64>) -> AxisFrame {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return AxisFrame { title: title.into(), lo: 0.0, hi: 1.0, log: false };
    }
    if lo > 0.0 && hi / lo > 3.0 {
        let (a, b) = (lo.log10().floor(), hi.log10().ceil());
        return AxisFrame {
            title: title.into(),
            lo: 10f64.powf(a),
            hi: 10f64.powf(b.max(a + 1.0)),
            log: true,
        };
    }
    let (lo, hi) = if lo > 0.0 { (0.0, hi) } else { (lo, hi) };
    let pad = if hi > lo { 0.08 * (hi - lo) } else { 0.5 * hi.abs().max(1.0) };
    AxisFrame { title: title.into(), lo: if lo == 0.0 { 0.0 } else { lo - pad }, hi: hi + pad, log: false }
}

/// A chart of `curves` and `lines` over the axes `x` and `y`, framed with its legend: the
/// plot `(w, h)` pixels at `ratio` (2 for high-density screens).
pub fn chart(
    (w, h): (u32, u32),
    x: &AxisFrame,
    y: &AxisFrame,
    curves: &[Curve],
    lines: &[RefLine],
    text: ChartText,
    ratio: u32,
) -> frame::Framed {
    let solid: Vec<Series> = curves
        .iter()
        .filter(|c| !c.dashed)
        .map(|c| Series { colour: c.colour, points: c.points.clone() })
        .collect();
    let mut plot = chart::lines(w, h, x, y, &solid, 2 * ratio);
    let pixels: Vec<Vec<Option<(f64, f64)>>> =
        curves.iter().map(|c| c.points.iter().map(|&p| chart::to_pixel(x, y, w, h, p)).collect()).collect();
    let mut obstacles = Obstacles::new(&pixels);
    for c in curves.iter().filter(|c| c.dashed) {
        let points = c.points.iter().map(|&p| chart::to_pixel(x, y, w, h, p)).collect();
        let dashes = Some(Dashes::even(5.0 * ratio as f64, vec![(0.0, f64::MAX)]));
        plot.marks.push(Mark::Line(Line { points, colour: c.colour, width: 2 * ratio, dashes }));
    }
    for l in lines {
        let Some((_, py)) = chart::to_pixel(x, y, w, h, (x.lo, l.value)) else { continue };
        if !(0.0..=h as f64).contains(&py) {
            continue;
        }
        let points = vec![Some((0.0, py)), Some((w as f64, py))];
        let dashes = Some(Dashes::even(8.0 * ratio as f64, vec![(0.0, f64::MAX)]));
        plot.marks.push(Mark::Line(Line { points, colour: l.colour, width: ratio, dashes }));
        label_line(&mut plot, l, py, ratio, &mut obstacles);
    }
    let x = AxisFrame { title: text.x_title, ..x.clone() };
    let y = AxisFrame { title: text.y_title, ..y.clone() };
    frame::compose(
        plot,
        &Frame {
            title: text.title,
            x,
            y,
            key: Key::Legend { entries: text.entries, notes: text.notes },
            ratio,
        },
    )
}

/// What a reference line's label must not cover: the labels already placed (their boxes:
/// left, top, right, bottom) and the curves' ink (pixel samples one pixel apart).
struct Obstacles {
    boxes: Vec<[f64; 4]>,
    ink: Vec<(f64, f64)>,
}

impl Obstacles {
    /// The samples of `curves` (points in pixels) and no labels yet.
    fn new(curves: &[Vec<Option<(f64, f64)>>]) -> Obstacles {
        let mut ink = Vec::new();
        for points in curves {
            crate::render::scene::for_samples(points, |x, y, along| {
                if along.is_some() {
                    ink.push((x, y));
                }
            });
        }
        Obstacles { boxes: Vec::new(), ink }
    }

    /// Whether the box `b` covers no label, and with `ink`, no curve (`margin` pixels around).
    fn clear(&self, b: &[f64; 4], ink: bool, margin: f64) -> bool {
        let apart = |q: &[f64; 4]| b[2] <= q[0] || q[2] <= b[0] || b[3] <= q[1] || q[3] <= b[1];
        let off = |&(x, y): &(f64, f64)| {
            x < b[0] - margin || x > b[2] + margin || y < b[1] - margin || y > b[3] + margin
        };
        self.boxes.iter().all(apart) && (!ink || self.ink.iter().all(off))
    }
}

/// Draws the label of the reference line `l` (at pixel row `py`) on a white patch, just above
/// the line (below it where the line runs along the plot's top, or where above is taken), as
/// far right as it covers neither another label nor a curve; where no such place exists, the
/// rightmost that covers no label, else the plot's right end.
fn label_line(
    plot: &mut crate::render::scene::Scene,
    l: &RefLine,
    py: f64,
    ratio: u32,
    obstacles: &mut Obstacles,
) {
    let font = 12.0 * ratio as f32;
    let r = ratio as f64;
    let (tw, th) =
        (crate::render::text::width(&l.label, font) as f64, crate::render::text::line_height(font) as f64);
    let pad = 2.0 * r;
    let above = py - 3.0 * r - font as f64;
    let below = py + 3.0 * r;
    let rows = if above > 0.0 { [above, below] } else { [below, above] };
    let boxed = |right: f64, top: f64| [right - tw - pad, top - pad, right + pad, top + th + pad];
    let rightmost = plot.width as f64 - 6.0 * r;
    let candidates: Vec<(f64, f64)> = (0..)
        .map(|k| rightmost - 8.0 * r * k as f64)
        .take_while(|&right| right - tw >= 6.0 * r)
        .flat_map(|right| rows.map(|top| (right, top)))
        .collect();
    let (right, top) = [true, false]
        .into_iter()
        .find_map(|ink| {
            candidates.iter().copied().find(|&(x, t)| obstacles.clear(&boxed(x, t), ink, 2.0 * r))
        })
        .unwrap_or((rightmost, rows[0]));
    let b = boxed(right, top);
    obstacles.boxes.push(b);
    plot.rect(b[0] as i64, b[1] as i64, (b[2] - b[0]) as i64, (b[3] - b[1]) as i64, frame::PAPER);
    plot.marks.push(Mark::Text(Text {
        text: l.label.clone(),
        x: right as f32,
        y: top as f32,
        size: font,
        colour: l.colour,
        align: Align::Right,
        upwards: false,
    }));
}

/// `framed` figures stacked top to bottom on white, shifted right so that their plots' left
/// edges line up; whether all their text fits.
pub fn stack(framed: &[frame::Framed]) -> (crate::render::scene::Scene, bool) {
    let left = framed.iter().map(|f| f.plot[0]).max().unwrap_or(0);
    let w = framed.iter().map(|f| f.scene.width + left - f.plot[0]).max().unwrap_or(1);
    let h = framed.iter().map(|f| f.scene.height).sum::<u32>().max(1);
    let mut scene = crate::render::scene::Scene::blank(w, h, frame::PAPER);
    let mut top = 0i64;
    for f in framed {
        scene.place((left - f.plot[0]) as i64, top, f.scene.clone());
        top += f.scene.height as i64;
    }
    (scene, framed.iter().all(|f| f.text_fits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_axis_is_log_over_a_wide_positive_range_and_linear_otherwise() {
        let a = value_axis("s", [2.0, 380.0].into_iter());
        assert!(a.log && a.lo == 1.0 && a.hi == 1000.0, "{a:?}");
        let b = value_axis("s", [-1.0, 3.0].into_iter());
        assert!(!b.log && b.lo < -1.0 && b.hi > 3.0, "{b:?}");
        let c = value_axis("s", [4.0, 4.0].into_iter());
        assert!(!c.log && c.lo == 0.0 && c.hi > 4.0, "{c:?}");
    }

    #[test]
    fn labels_of_nearby_lines_cover_neither_each_other_nor_a_curve() {
        let mut plot = crate::render::scene::Scene::blank(500, 300, frame::PAPER);
        // A curve along row 140 over the right half, where the first labels would go.
        let curve = vec![Some((250.0, 140.0)), Some((500.0, 140.0))];
        let mut obstacles = Obstacles::new(&[curve]);
        let line = |v: f64| RefLine { colour: [0, 0, 0], value: v, label: format!("gd: bound 2/lr = {v}") };
        for (i, py) in [150.0, 152.0, 154.0, 156.0].into_iter().enumerate() {
            label_line(&mut plot, &line(i as f64), py, 1, &mut obstacles);
        }
        let placed = &obstacles.boxes;
        assert_eq!(placed.len(), 4);
        for (i, a) in placed.iter().enumerate() {
            assert!(a[0] >= 0.0 && a[2] <= 500.0, "label {i} inside the plot: {a:?}");
            let on_curve = a[0] <= 500.0 && a[2] >= 250.0 && a[1] <= 142.0 && a[3] >= 138.0;
            assert!(!on_curve, "label {i} covers the curve: {a:?}");
            for b in &placed[..i] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "labels overlap: {a:?} and {b:?}");
            }
        }
    }
}
