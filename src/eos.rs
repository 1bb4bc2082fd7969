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
    for c in curves.iter().filter(|c| c.dashed) {
        let points = c.points.iter().map(|&p| chart::to_pixel(x, y, w, h, p)).collect();
        let dashes = Some(Dashes { dash: 5.0 * ratio as f64, stretches: vec![(0.0, f64::MAX)] });
        plot.marks.push(Mark::Line(Line { points, colour: c.colour, width: 2 * ratio, dashes }));
    }
    let font = 12.0 * ratio as f32;
    for l in lines {
        let Some((_, py)) = chart::to_pixel(x, y, w, h, (x.lo, l.value)) else { continue };
        if !(0.0..=h as f64).contains(&py) {
            continue;
        }
        let points = vec![Some((0.0, py)), Some((w as f64, py))];
        let dashes = Some(Dashes { dash: 8.0 * ratio as f64, stretches: vec![(0.0, f64::MAX)] });
        plot.marks.push(Mark::Line(Line { points, colour: l.colour, width: ratio, dashes }));
        // Above the line, or below it where the line runs along the plot's top.
        let above = py - 3.0 * ratio as f64 - font as f64;
        let ty = if above > 0.0 { above } else { py + 3.0 * ratio as f64 };
        // On a white patch at the plot's right end, so that curves under it do not hide it.
        let tw = crate::render::text::width(&l.label, font);
        let right = w as f32 - 6.0 * ratio as f32;
        let pad = 2 * ratio as i64;
        plot.rect(
            (right - tw) as i64 - pad,
            ty as i64 - pad,
            tw as i64 + 2 * pad,
            crate::render::text::line_height(font) as i64 + 2 * pad,
            frame::PAPER,
        );
        plot.marks.push(Mark::Text(Text {
            text: l.label.clone(),
            x: right,
            y: ty as f32,
            size: font,
            colour: l.colour,
            align: Align::Right,
            upwards: false,
        }));
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
}
