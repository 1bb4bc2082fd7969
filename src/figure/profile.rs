//! A one-row map (`--res COLSx1`: a 1-D sweep such as Liu's 2^20 learning rates) drawn as a
//! profile instead of a one-pixel strip: the final loss above the minimum (log axis) against
//! the swept parameter, with the cells that diverged marked in a band along the top.
//!
//! Any number of cells fits the same picture: each pixel column shows the lowest and highest
//! final loss of the cells it covers (a dot when it covers one), and its band the share of
//! them that diverged. This module only draws; the run, the crossing dimension and the files
//! belong to the figure job.

use crate::outcome::Outcomes;
use crate::paint::LossScale;
use crate::render::colormap::{self, Rgb};
use crate::render::frame::{AxisFrame, Key};
use crate::render::scene::Scene;

/// Colour of the final-loss envelope.
const LOSS: Rgb = [38, 84, 150];
/// Colour of a band column all of whose cells diverged.
const DIVERGED: Rgb = [165, 15, 21];
/// Fraction of the plot's height the diverged band takes at the top.
const BAND: f64 = 0.1;

/// The profile's plot area, its vertical axis and its key.
pub(super) struct Profile {
    /// The plot area (white, the envelope, the band).
    pub(super) plot: Scene,
    /// The loss axis, with room for the band above the data.
    pub(super) y: AxisFrame,
    /// What the marks mean.
    pub(super) key: Key,
}

/// Draws `out` (one row) as a `width`-pixel-wide profile; `scale` gives the floor the losses
/// are measured from and their range; `notes` go under the key.
pub(super) fn draw(out: &Outcomes, scale: &LossScale, width: u32, ratio: u32, notes: Vec<String>) -> Profile {
    let (w, h) = (width.max(64), (width.max(64) as f64 * 0.45) as u32);
    let band = (BAND * h as f64).round() as i64;
    // Whole decades around the data, then room for the band on top.
    let (lo, hi) = (scale.lo.floor(), scale.hi.ceil().max(scale.lo.floor() + 1.0));
    let top = hi + (hi - lo) * BAND / (1.0 - BAND);
    let y = AxisFrame {
        title: if scale.known { "final loss − minimum" } else { "final loss − lowest final loss" }.into(),
        lo: 10f64.powf(lo),
        hi: 10f64.powf(top),
        log: true,
    };
    let mut plot = Scene::blank(w, h, [255, 255, 255]);
    let row_of = |gap: f64| ((1.0 - y.fraction(gap)) * h as f64).clamp(0.0, h as f64 - 1.0);
    let cols = out.cols as usize;
    let dot = ratio.max(1) as i64 * 2;
    for px in 0..w as usize {
        let first = px * cols / w as usize;
        let last = ((px + 1) * cols / w as usize).max(first + 1).min(cols);
        let (mut least, mut most, mut diverged) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
        for i in first..last {
            if out.diverged(i) {
                diverged += 1;
            } else if out.loss[i].is_finite() {
                let gap = (out.loss[i] as f64 - scale.floor).max(1e-12);
                least = least.min(gap);
                most = most.max(gap);
            }
        }
        if diverged > 0 {
            let share = diverged as f64 / (last - first) as f64;
            plot.rect(px as i64, 0, 1, band, mix(share));
        }
        if least.is_finite() {
            let (y0, y1) = (row_of(most).floor() as i64, row_of(least).ceil() as i64);
            let y0 = y0.min(y1 - dot / 2).max(band + 1);
            plot.rect(px as i64, y0, 1, (y1 - y0).max(dot), LOSS);
        }
    }
    plot.rect(0, band, w as i64, ratio.max(1) as i64, [200, 200, 200]);
    let key = Key::Legend {
        entries: vec![
            (LOSS, "final loss (lowest to highest per pixel)".into()),
            (DIVERGED, "diverged (top band; paler = fewer of the pixel's cells)".into()),
        ],
        notes,
    };
    Profile { plot, y, key }
}

/// The band's colour for a pixel column of which `share` diverged: pale to deep red.
fn mix(share: f64) -> Rgb {
    let pale = colormap::divergence(1.0);
    let t = share.clamp(0.0, 1.0);
    std::array::from_fn(|k| (pale[k] as f64 + t * (DIVERGED[k] as f64 - pale[k] as f64)).round() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A million cells fit the picture: the envelope sits where the losses are, the band is
    /// red exactly over the diverged half, and the picture keeps its width.
    #[test]
    fn a_million_cells_draw_as_an_envelope_and_a_band() {
        let n = 1 << 20;
        let mut out = Outcomes::zeroed(n, 1);
        for i in 0..n as usize {
            out.loss[i] = 1e-3;
            out.div_step[i] = if i >= n as usize / 2 { 5 } else { -1 };
        }
        let scale = LossScale { fastest: 0, slowest: 0, floor: 0.0, known: true, lo: -3.0, hi: -3.0 };
        let p = draw(&out, &scale, 512, 1, vec![]);
        let img = p.plot.raster();
        assert_eq!(img.width(), 512);
        assert_eq!(img.get_pixel(400, 2).0, DIVERGED);
        assert_eq!(img.get_pixel(100, 2).0, [255, 255, 255]);
        // 1e-3 on an axis from 1e-3 up: the envelope lies on the bottom rows, left half only.
        let bottom = img.height() - 1;
        assert_eq!(img.get_pixel(100, bottom).0, LOSS);
        assert_eq!(img.get_pixel(400, bottom).0, [255, 255, 255]);
    }
}
