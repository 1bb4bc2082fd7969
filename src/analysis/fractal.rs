//! Box-counting dimension of a set of grid cells, typically the boundary between basins or
//! between stable and diverging cells.
//!
//! The boundary is marked one of two ways ([`BoxCount`]): `cells`, the cells with a differing
//! 4-neighbour ([`boundary`]), counted with boxes from 1 cell; or `blocks`, the 2x2-block
//! edge map of Sohl-Dickstein, "The boundary of neural network trainability is fractal"
//! (2024) ([`block_edges`]), counted with boxes from 2 cells as in that paper.
//!
//! For box sizes s = 1, 2, 4, ... cells, N(s) is the number of s x s boxes (aligned to the
//! grid's origin) holding at least one cell of the set; the dimension is the slope of
//! log N(s) against log(1/s), fitted by least squares over the sizes from `min_box` to a
//! quarter of the grid's shorter side, and reported with the slope's standard error. The
//! smallest boxes see the grid's pixelation and the largest too few boxes, which is why the
//! fit range is stated with the result.

use rayon::prelude::*;
use serde::Serialize;

/// How the boundary is marked and counted (`--box-count`, `box_count`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "native", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum BoxCount {
    /// Cells with a 4-neighbour of another label; box sizes 1, 2, 4, ... cells.
    #[default]
    Cells,
    /// The 2x2-block edge map (a cell is set where the 2x2 block of labels starting there is
    /// not all one label; one row and column fewer than the grid); box sizes 2, 4, 8, ...
    /// cells, as in Sohl-Dickstein (2024).
    Blocks,
    /// What Sohl-Dickstein's notebook computes: the 2x2-block edge map (on a trainability map,
    /// the blocks whose values change sign, [`sign_edges`]) counted by porespy's
    /// `metrics.boxcount` ([`porespy_boxcount`]): boxes that hold both edge and non-edge
    /// cells, ten sizes from 10 cells to the map's side, the dimension the median of the local
    /// slopes.
    Paper,
}

impl BoxCount {
    /// Lower-case name, as on the command line and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            BoxCount::Cells => "cells",
            BoxCount::Blocks => "blocks",
            BoxCount::Paper => "paper",
        }
    }

    /// The box-counting dimension of the boundary of `values` (row-major, `cols` x `rows`)
    /// marked and counted this way, or `None` as [`box_counting`] gives it.
    pub fn dimension<T: PartialEq + Sync>(self, values: &[T], cols: u32, rows: u32) -> Option<Dimension> {
        let mut d = match self {
            BoxCount::Cells => box_counting(&boundary(values, cols, rows), cols, rows, 1),
            BoxCount::Blocks => {
                let (c, r) = (cols.saturating_sub(1), rows.saturating_sub(1));
                box_counting(&block_edges(values, cols, rows), c, r, 2)
            }
            BoxCount::Paper => {
                let (c, r) = (cols.saturating_sub(1), rows.saturating_sub(1));
                porespy_boxcount(&block_edges(values, cols, rows), c, r)
            }
        }?;
        d.method = self;
        Some(d)
    }
}

/// A box-counting estimate.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Dimension {
    /// How the boundary was marked and counted.
    pub method: BoxCount,
    /// The fitted slope.
    pub dimension: f64,
    /// Standard error of the slope from the fit's residuals.
    pub std_error: f64,
    /// Box sizes used, in cells.
    pub box_sizes: Vec<u32>,
    /// Boxes counted at each size.
    pub counts: Vec<u64>,
    /// `paper` only: the local slopes `-d log N / d log s` at each size (numpy's
    /// `gradient`), whose median is `dimension`; the least-squares slope over the same sizes
    /// is `fit`, with `std_error` its standard error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slopes: Option<Vec<f64>>,
    /// `paper` only: the least-squares slope over the same box sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<f64>,
}

impl Dimension {
    /// The estimate for a summary line: `boundary box-counting dimension 1.054 +- 0.010
    /// (boxes 1..256 cells)`, with `, 2x2 blocks` before the parenthesis for `blocks`.
    pub fn summary(&self) -> String {
        format!(
            "boundary box-counting dimension {:.3} +- {:.3}{} (boxes {}..{} cells)",
            self.dimension,
            self.std_error,
            match self.method {
                BoxCount::Cells => "",
                BoxCount::Blocks => ", 2x2 blocks",
                BoxCount::Paper => ", notebook's method: median local slope",
            },
            self.box_sizes[0],
            self.box_sizes[self.box_sizes.len() - 1]
        )
    }
}

/// Cells whose value differs from one of their four neighbours: the boundary of a labelling
/// (row-major, `cols` x `rows`).
pub fn boundary<T: PartialEq>(values: &[T], cols: u32, rows: u32) -> Vec<bool> {
    let (c, r) = (cols as usize, rows as usize);
    (0..c * r)
        .map(|i| {
            let (x, y) = (i % c, i / c);
            (x + 1 < c && values[i + 1] != values[i])
                || (y + 1 < r && values[i + c] != values[i])
                || (x > 0 && values[i - 1] != values[i])
                || (y > 0 && values[i - c] != values[i])
        })
        .collect()
}

/// The 2x2-block edge map of a labelling (row-major, `cols` x `rows`): a row-major
/// `(cols - 1) x (rows - 1)` grid whose cell `(x, y)` is set where the labels at `(x, y)`,
/// `(x + 1, y)`, `(x, y + 1)` and `(x + 1, y + 1)` are not all equal (Sohl-Dickstein 2024).
/// Empty when the grid has a single row or column.
pub fn block_edges<T: PartialEq + Sync>(values: &[T], cols: u32, rows: u32) -> Vec<bool> {
    over_blocks(cols, rows, |[a, b, c, d]| {
        let v = &values[a];
        values[b] != *v || values[c] != *v || values[d] != *v
    })
}

/// `set` of every 2x2 block of a row-major `cols` x `rows` grid, given the indices of its
/// cells `(x, y)`, `(x + 1, y)`, `(x, y + 1)`, `(x + 1, y + 1)`: a row-major
/// `(cols - 1) x (rows - 1)` grid, empty when the grid has a single row or column.
fn over_blocks(cols: u32, rows: u32, set: impl Fn([usize; 4]) -> bool + Sync) -> Vec<bool> {
    let (c, r) = (cols as usize, rows as usize);
    if c < 2 || r < 2 {
        return Vec::new();
    }
    (0..(c - 1) * (r - 1))
        .into_par_iter()
        .map(|i| {
            let j = (i / (c - 1)) * c + i % (c - 1);
            set([j, j + 1, j + c, j + c + 1])
        })
        .collect()
}

/// Least-squares slope of `y` against `x` and its standard error from the residuals (0 for
/// an exact fit; NaN with fewer than three points).
pub fn fit_slope(pts: &[(f64, f64)]) -> (f64, f64) {
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let resid: f64 = pts.iter().map(|p| (p.1 - my - slope * (p.0 - mx)).powi(2)).sum();
    (slope, (resid / (n - 2.0) / sxx).sqrt())
}

/// Box-counting dimension of the marked cells, or `None` when the set is empty or the grid is
/// too small for three box sizes from `min_box`.
pub fn box_counting(marked: &[bool], cols: u32, rows: u32, min_box: u32) -> Option<Dimension> {
    let max_box = cols.min(rows) / 4;
    let mut sizes = Vec::new();
    let mut s = min_box.max(1);
    while s <= max_box {
        sizes.push(s);
        s *= 2;
    }
    if sizes.len() < 3 || !marked.iter().any(|&m| m) {
        return None;
    }
    let counts: Vec<u64> = sizes
        .par_iter()
        .map(|&s| {
            let (bc, br) = (cols.div_ceil(s) as usize, rows.div_ceil(s) as usize);
            let mut hit = vec![false; bc * br];
            for (i, _) in marked.iter().enumerate().filter(|(_, m)| **m) {
                let (x, y) = (i % cols as usize, i / cols as usize);
                hit[(y / s as usize) * bc + x / s as usize] = true;
            }
            hit.iter().filter(|&&h| h).count() as u64
        })
        .collect();
    let pts: Vec<(f64, f64)> =
        sizes.iter().zip(&counts).map(|(&s, &n)| (-(s as f64).ln(), (n as f64).ln())).collect();
    let (slope, std_error) = fit_slope(&pts);
    Some(Dimension {
        method: BoxCount::Cells,
        dimension: slope,
        std_error,
        box_sizes: sizes,
        counts,
        slopes: None,
        fit: None,
    })
}

/// The notebook's `extract_edges` on a trainability map's values (row-major, `cols` x
/// `rows`; negative where the cell trains, positive where it does not, NaN where its loss
/// went non-finite): a `(cols - 1) x (rows - 1)` grid whose cell `(x, y)` is set where
/// `sign(max * min) < 0` over the 2x2 block starting there. A NaN anywhere in the block makes
/// `max` and `min` NaN, so such a block is never an edge, as in the notebook.
pub fn sign_edges(values: &[f64], cols: u32, rows: u32) -> Vec<bool> {
    over_blocks(cols, rows, |cells| {
        let b = cells.map(|j| values[j]);
        if b.iter().any(|v| v.is_nan()) {
            return false;
        }
        let (lo, hi) = b.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        lo * hi < 0.0
    })
}

/// The box sizes porespy's `boxcount(im, bins=10)` uses on a `cols` x `rows` image:
/// `unique(int(logspace(1, log10(min(cols, rows)), 10)))`, 10 cells to the shorter side.
pub fn porespy_sizes(cols: u32, rows: u32) -> Vec<u32> {
    // numpy's linspace (`i * step + start`, the last point exactly `stop`), then `10 ** y`
    // truncated (`astype(int)`): 10^log10(255) lands a hair below 255, giving 254, as there.
    let hi = (cols.min(rows) as f64).log10();
    let step = (hi - 1.0) / 9.0;
    let mut sizes: Vec<u32> = (0..10)
        .map(|k| {
            let y = if k == 9 { hi } else { k as f64 * step + 1.0 };
            10f64.powf(y).trunc() as u32
        })
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// numpy's `gradient(f, x)` for a non-uniform `x` (second order inside, first order at the
/// two ends).
pub fn numpy_gradient(f: &[f64], x: &[f64]) -> Vec<f64> {
    let n = f.len();
    if n < 2 {
        return vec![f64::NAN; n];
    }
    let mut g = vec![0.0; n];
    g[0] = (f[1] - f[0]) / (x[1] - x[0]);
    g[n - 1] = (f[n - 1] - f[n - 2]) / (x[n - 1] - x[n - 2]);
    for i in 1..n - 1 {
        let (h1, h2) = (x[i] - x[i - 1], x[i + 1] - x[i]);
        let a = -h2 / (h1 * (h1 + h2));
        let b = (h2 - h1) / (h1 * h2);
        let c = h1 / (h2 * (h1 + h2));
        g[i] = a * f[i - 1] + b * f[i] + c * f[i + 1];
    }
    g
}

/// porespy's `metrics.boxcount(im)` as Sohl-Dickstein's notebook calls it, on the marked
/// cells (row-major, `cols` x `rows`): for each size `s` of [`porespy_sizes`], the number of
/// `s` x `s` tiles from the origin (the last ones cut short at the edges) that hold both a
/// marked and an unmarked cell; the local slopes `-gradient(log N, log s)`; the dimension is
/// their median (`estimate_fractal_dimension`), with the least-squares slope over the same
/// sizes and its standard error beside it. `None` when no cell is marked, fewer than three
/// sizes fit, or a count is 0.
pub fn porespy_boxcount(marked: &[bool], cols: u32, rows: u32) -> Option<Dimension> {
    let sizes = porespy_sizes(cols, rows);
    if sizes.len() < 3 || cols.min(rows) < 10 || !marked.iter().any(|&m| m) {
        return None;
    }
    let (c, r) = (cols as usize, rows as usize);
    let counts: Vec<u64> = sizes
        .par_iter()
        .map(|&s| {
            let s = s as usize;
            let (bc, br) = (c.div_ceil(s), r.div_ceil(s));
            // Per tile: bit 0 = holds a marked cell, bit 1 = holds an unmarked one.
            let mut seen = vec![0u8; bc * br];
            for (i, &m) in marked.iter().enumerate() {
                let (x, y) = (i % c, i / c);
                seen[(y / s) * bc + x / s] |= if m { 1 } else { 2 };
            }
            seen.iter().filter(|&&b| b == 3).count() as u64
        })
        .collect();
    if counts.contains(&0) {
        return None;
    }
    let logs: Vec<f64> = sizes.iter().map(|&s| (s as f64).ln()).collect();
    let logn: Vec<f64> = counts.iter().map(|&n| (n as f64).ln()).collect();
    let slopes: Vec<f64> = numpy_gradient(&logn, &logs).into_iter().map(|g| -g).collect();
    let mut sorted = slopes.clone();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len();
    let median = if m % 2 == 1 { sorted[m / 2] } else { (sorted[m / 2 - 1] + sorted[m / 2]) / 2.0 };
    let pts: Vec<(f64, f64)> = logs.iter().zip(&logn).map(|(&x, &y)| (-x, y)).collect();
    let (fit, std_error) = fit_slope(&pts);
    Some(Dimension {
        method: BoxCount::Paper,
        dimension: median,
        std_error,
        box_sizes: sizes,
        counts,
        slopes: Some(slopes),
        fit: Some(fit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_dimension_one_and_a_square_two() {
        let n = 256u32;
        let line: Vec<bool> = (0..n * n).map(|i| i % n == i / n).collect();
        let d = box_counting(&line, n, n, 1).unwrap();
        assert!((d.dimension - 1.0).abs() < 0.02, "{d:?}");
        let square = vec![true; (n * n) as usize];
        assert!((box_counting(&square, n, n, 1).unwrap().dimension - 2.0).abs() < 0.02);
    }

    #[test]
    fn sierpinskis_triangle_has_dimension_log3_over_log2() {
        // Pascal's triangle mod 2: cell (x, y) is set when C(y, x) is odd, i.e. x & !y == 0.
        let n = 512u32;
        let set: Vec<bool> = (0..n * n).map(|i| (i % n) & !(i / n) == 0).collect();
        let d = box_counting(&set, n, n, 1).unwrap();
        assert!((d.dimension - 3f64.ln() / 2f64.ln()).abs() < 0.02, "{d:?}");
        assert!(d.std_error < 0.01);
    }

    #[test]
    fn boundary_marks_cells_next_to_another_label() {
        let labels = [0, 0, 1, 1, 0, 0, 1, 1];
        assert_eq!(boundary(&labels, 4, 2), vec![false, true, true, false, false, true, true, false]);
    }

    #[test]
    fn block_edges_mark_the_2x2_blocks_that_are_not_one_label() {
        // Columns 0, 0, 1, 1 over three rows: only the blocks starting in column 1 are mixed.
        let labels = [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1];
        assert_eq!(block_edges(&labels, 4, 3), vec![false, true, false, false, true, false]);
        assert!(block_edges(&[1, 2, 3], 3, 1).is_empty());
    }

    #[test]
    fn a_line_has_block_dimension_one_counted_from_boxes_of_two() {
        let n = 256u32;
        // The labels change across the diagonal: its block edge map is a line of cells.
        let labels: Vec<i32> = (0..n * n).map(|i| (i % n > i / n) as i32).collect();
        let d = BoxCount::Blocks.dimension(&labels, n, n).unwrap();
        assert_eq!((d.method, d.box_sizes[0], *d.box_sizes.last().unwrap()), (BoxCount::Blocks, 2, 32));
        // 255, 127, ..., 15 boxes: the edge map is one cell shorter than the grid.
        assert!((d.dimension - 1.0).abs() < 0.03, "{d:?}");
        assert!(d.summary().contains("2x2 blocks"), "{}", d.summary());
        let cells = BoxCount::Cells.dimension(&labels, n, n).unwrap();
        assert_eq!((cells.method, cells.box_sizes[0]), (BoxCount::Cells, 1));
    }

    #[test]
    fn sierpinskis_triangle_has_block_dimension_log3_over_log2() {
        let n = 512u32;
        let want = 3f64.ln() / 2f64.ln();
        // The set itself counted from boxes of 2, as `blocks` counts.
        let set: Vec<bool> = (0..n * n).map(|i| (i % n) & !(i / n) == 0).collect();
        let d = box_counting(&set, n, n, 2).unwrap();
        assert!((d.dimension - want).abs() < 0.01 && d.box_sizes[0] == 2, "{d:?}");
        // Pascal's triangle mod 2 as two labels: its 2x2-block edge map is the triangle's edges
        // at every scale. A block marks its top-left cell, so a hole's cell just left of or
        // above a set cell counts too: at 512 cells that adds 0.04.
        let labels: Vec<u8> = set.iter().map(|&s| s as u8).collect();
        let d = BoxCount::Blocks.dimension(&labels, n, n).unwrap();
        assert!((d.dimension - want).abs() < 0.05, "{d:?}");
        assert!(d.std_error < 0.02, "{d:?}");
    }
}
