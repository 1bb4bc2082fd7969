//! Box-counting dimension of a set of grid cells, typically the boundary between basins or
//! between stable and diverging cells.
//!
//! For box sizes s = 1, 2, 4, ... cells, N(s) is the number of s x s boxes (aligned to the
//! grid's origin) holding at least one cell of the set; the dimension is the slope of
//! log N(s) against log(1/s), fitted by least squares over the sizes from `min_box` to a
//! quarter of the grid's shorter side, and reported with the slope's standard error. The
//! smallest boxes see the grid's pixelation and the largest too few boxes, which is why the
//! fit range is stated with the result.

use rayon::prelude::*;
use serde::Serialize;

/// A box-counting estimate.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Dimension {
    /// The fitted slope.
    pub dimension: f64,
    /// Standard error of the slope from the fit's residuals.
    pub std_error: f64,
    /// Box sizes used, in cells.
    pub box_sizes: Vec<u32>,
    /// Boxes counted at each size.
    pub counts: Vec<u64>,
}

impl Dimension {
    /// The estimate for a summary line: `boundary box-counting dimension 1.054 +- 0.010
    /// (boxes 1..256 cells)`.
    pub fn summary(&self) -> String {
        format!(
            "boundary box-counting dimension {:.3} +- {:.3} (boxes {}..{} cells)",
            self.dimension,
            self.std_error,
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
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let resid: f64 = pts.iter().map(|p| (p.1 - my - slope * (p.0 - mx)).powi(2)).sum();
    let std_error = (resid / (n - 2.0) / sxx).sqrt();
    Some(Dimension { dimension: slope, std_error, box_sizes: sizes, counts })
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
}
