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
