//! Trainability maps as pictures and numbers: each cell's value (class and speed), colours on
//! the two halves of a diverging map with histogram equalisation per class, and the boundary
//! between the classes.

use image::RgbImage;

use super::train::{CellOutcome, TrainOutcomes};
use crate::render::colormap::{Cmap, Rgb};
use crate::render::heatmap;

/// Whether each cell trains (decided in the precision its bookkeeping was kept in).
pub fn classes<S: CellOutcome>(out: &TrainOutcomes<S>, steps: u32) -> Vec<bool> {
    out.stats.iter().map(|s| s.trains(steps)).collect()
}

/// Each cell's rank fraction within its class by speed, in [0, 1): 0 for the fastest
/// (smallest sum of ratios if it trains, smallest sum of inverse ratios if it diverges).
pub fn equalised<S: CellOutcome>(out: &TrainOutcomes<S>, steps: u32) -> Vec<f64> {
    let trains = classes(out, steps);
    let mut rank = vec![0.0; out.stats.len()];
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..trains.len()).filter(|&i| trains[i] == class).collect();
        let key = |i: usize| out.stats[i].value(steps).abs();
        idx.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
        let n = idx.len().max(1) as f64;
        for (r, &i) in idx.iter().enumerate() {
            rank[i] = r as f64 / n;
        }
    }
    rank
}

/// How much of each half of the diverging map a class spans, from its end: the slowest
/// cells of both classes stop short of the pale middle, so the boundary between the
/// classes is a change of hue (light blue against light red), never two near-whites.
pub const SPAN: f64 = 0.36;

/// Position of a cell on the diverging map: training cells in [0, SPAN) from the fastest (0)
/// to the slowest, diverging cells in (1 - SPAN, 1] from the slowest to the fastest (1).
pub fn position(trains: bool, rank: f64) -> f64 {
    if trains { SPAN * rank } else { 1.0 - SPAN * rank }
}

/// The colour of position `p` on `cmap` (diverging maps are read blue = trains, red =
/// diverges, so RdBu is flipped).
pub fn colour(cmap: Cmap, p: f64) -> Rgb {
    match cmap {
        Cmap::Rdbu => cmap.at(1.0 - p),
        other => other.at(p),
    }
}

/// Paints the map, `scale` pixels per cell.
pub fn paint<S: CellOutcome>(out: &TrainOutcomes<S>, steps: u32, scale: u32, cmap: Cmap) -> RgbImage {
    let trains = classes(out, steps);
    let rank = equalised(out, steps);
    heatmap::paint(out.cols, out.rows, scale, |i| colour(cmap, position(trains[i], rank[i])))
}

/// Every cell's value ([`CellOutcome::value`]): negative where it trains, positive where it
/// does not, NaN where its loss went non-finite under the paper's convention.
pub fn values<S: CellOutcome>(out: &TrainOutcomes<S>, steps: u32) -> Vec<f64> {
    out.stats.iter().map(|s| s.value(steps)).collect()
}

/// Sohl-Dickstein's `cdf_img(x, x)` (buffer 0.25) as positions on a colour map, `(1 - y) / 2`
/// for the notebook's `-y` shown with `vmin = -1, vmax = 1`: the values sorted, the negative
/// ones (cells that train) spread evenly over `y` in [-1, -0.25] and the rest (NaN counted with
/// them, sorted last, as `jnp.sort` does) over [0.25, 1]; a value takes the `y` of its last
/// equal in the sort (`jnp.interp`). So cells that train lie in [0.625, 1] (the slowest at 1)
/// and cells that do not in [0, 0.375] (the slowest at 0), each class uniform in rank. NaN
/// stays NaN.
pub fn cdf_positions(values: &[f64]) -> Vec<f64> {
    let mut u: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    u.sort_by(f64::total_cmp);
    let total = values.len();
    let neg = u.iter().filter(|&&v| v < 0.0).count();
    let nonneg = total - neg;
    let spread = |lo: f64, hi: f64, i: usize, count: usize| {
        if count <= 1 { lo } else { lo + (hi - lo) * i as f64 / (count - 1) as f64 }
    };
    values
        .iter()
        .map(|&x| {
            if x.is_nan() {
                return f64::NAN;
            }
            // The last index whose value is <= x (x is one of them).
            let j = u.partition_point(|&v| v <= x) - 1;
            let y = if j < neg { spread(-1.0, -0.25, j, neg) } else { spread(0.25, 1.0, j - neg, nonneg) };
            (1.0 - y) / 2.0
        })
        .collect()
}

/// Colour of cells whose value is NaN on the paper's pictures: white, as matplotlib shows a
/// NaN pixel (transparent) on a white figure.
pub const NAN_COLOUR: Rgb = [255, 255, 255];

/// Paints a `cols` x `rows` map of cell `values` ([`values`]) as Sohl-Dickstein's notebook
/// does ([`cdf_positions`] on `cmap` read from 0 to 1, Spectral by default), `scale` pixels
/// per cell.
pub fn paint_paper(values: &[f64], (cols, rows): (u32, u32), scale: u32, cmap: Cmap) -> RgbImage {
    let pos = cdf_positions(values);
    heatmap::paint(cols, rows, scale, |i| if pos[i].is_nan() { NAN_COLOUR } else { cmap.at(pos[i]) })
}
