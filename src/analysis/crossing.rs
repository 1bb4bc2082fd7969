//! The crossing-count fractal dimension of a 1-D trainability boundary (Liu 2024, "Complex
//! fractal trainability boundary can arise from trivial non-convexity"; the counting in
//! liuyz0/FractalBoundary `exp-1-analyze.py`, the fit in `exp-1.ipynb`).
//!
//! A row of outcomes (diverged or not) is read at dyadic resolutions: at stride `s = 2^j` the
//! samples are the cells `0, s, 2s, ...` up to the last cell, so `r = floor((n - 1) / s)`
//! intervals, and `N(r)` counts the neighbouring samples whose outcomes differ (boundary
//! crossings). For a row of `2^K + 1` cells this is exactly Liu's `nidx = arange(2^k + 1) *
//! 2^(K - k)` with `r = 2^k`. The dimension is the least-squares slope of `log2 N` against
//! `log2 r` over the levels with `N >= 2` (Liu's `log2(numB) > 0`), its standard error the
//! slope's, from the residuals with `m - 2` degrees of freedom (`numpy.polyfit(..., cov=True)`
//! on `m` levels). When fewer than two levels have two crossings (a row with one crossing, a
//! step), the levels with `N >= 1` are fitted instead, so a single step has dimension 0.
//!
//! This module counts and fits; it does not run anything, and it knows nothing of axes: the
//! figure code passes the diverged flags of each row and labels the rows.

use serde::Serialize;

/// Crossing counts of one row at every dyadic resolution, coarsest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Levels {
    /// Intervals `r` between the samples at each level: `floor((n - 1) / 2^j)` for
    /// `j = J, J - 1, ..., 0`, where `2^J <= n - 1` (so the first is 1 and the last `n - 1`).
    pub intervals: Vec<u64>,
    /// Boundary crossings `N` at each level: neighbouring samples with different outcomes.
    pub crossings: Vec<u64>,
}

/// Counts the boundary crossings of `outcome` (one flag per cell, e.g. diverged) at every
/// dyadic stride. A row of fewer than two cells has no levels.
pub fn levels(outcome: &[bool]) -> Levels {
    let n = outcome.len();
    let mut intervals = Vec::new();
    let mut crossings = Vec::new();
    if n < 2 {
        return Levels { intervals, crossings };
    }
    // Largest stride 2^J with at least one interval.
    let top = usize::BITS - 1 - (n - 1).leading_zeros();
    for j in (0..=top).rev() {
        let s = 1usize << j;
        let r = (n - 1) / s;
        let count = (0..r).filter(|&i| outcome[i * s] != outcome[(i + 1) * s]).count();
        intervals.push(r as u64);
        crossings.push(count as u64);
    }
    Levels { intervals, crossings }
}

/// A row's crossing dimension: the fitted slope, its standard error and what went into it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// Slope of `log2 N` against `log2 r`: the boundary's dimension.
    pub dimension: f64,
    /// The slope's standard error (residual variance over `m - 2` degrees of freedom); `None`
    /// with fewer than three levels fitted.
    pub std_error: Option<f64>,
    /// Intercept of the fit, `log2 N` at one interval.
    pub intercept: f64,
    /// The resolutions (intervals `r`) fitted, coarsest first.
    pub resolutions: Vec<u64>,
}

/// Fits the dimension to `levels`; `None` when fewer than two levels have a crossing (no
/// boundary, or crossings seen at one resolution only).
pub fn fit(levels: &Levels) -> Option<Fit> {
    let chosen = |least: u64| -> Vec<(f64, f64, u64)> {
        levels
            .intervals
            .iter()
            .zip(&levels.crossings)
            .filter(|&(_, &c)| c >= least)
            .map(|(&r, &c)| ((r as f64).log2(), (c as f64).log2(), r))
            .collect()
    };
    let mut points = chosen(2);
    if points.len() < 2 {
        points = chosen(1);
    }
    let m = points.len();
    if m < 2 {
        return None;
    }
    let mean = |f: fn(&(f64, f64, u64)) -> f64| points.iter().map(f).sum::<f64>() / m as f64;
    let (mx, my) = (mean(|p| p.0), mean(|p| p.1));
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let std_error = (m > 2).then(|| {
        let ssr: f64 = points.iter().map(|p| (p.1 - intercept - slope * p.0).powi(2)).sum();
        (ssr / (m - 2) as f64 / sxx).sqrt()
    });
    Some(Fit { dimension: slope, std_error, intercept, resolutions: points.iter().map(|p| p.2).collect() })
}

/// One row's counts and fit, as the map JSON records them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The row's value on the y axis (absent for a one-row map, whose y is constant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
    /// Crossings at every level, aligned with [`Crossing::intervals`].
    pub crossings: Vec<u64>,
    /// The fitted dimension (`None` where there is no boundary to fit).
    pub dimension: Option<f64>,
    /// Its standard error.
    pub std_error: Option<f64>,
    /// Intercept of the fit (`log2 N` at one interval).
    pub intercept: Option<f64>,
    /// The resolutions fitted.
    pub resolutions: Vec<u64>,
}

impl Row {
    /// Counts and fits one row of outcomes.
    pub fn of(outcome: &[bool], y: Option<f64>) -> (Row, Vec<u64>) {
        let l = levels(outcome);
        let f = fit(&l);
        let row = Row {
            y,
            crossings: l.crossings,
            dimension: f.as_ref().map(|f| f.dimension),
            std_error: f.as_ref().and_then(|f| f.std_error),
            intercept: f.as_ref().map(|f| f.intercept),
            resolutions: f.map(|f| f.resolutions).unwrap_or_default(),
        };
        (row, l.intervals)
    }
}

/// The crossing dimension of a map: one row for a one-row map (flattened into the object),
/// else every row under `rows`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Crossing {
    /// How the dimension was measured, for a reader of the JSON.
    pub definition: &'static str,
    /// Intervals at every level, coarsest first (the same for every row).
    pub intervals: Vec<u64>,
    /// The single row of a one-row map.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub single: Option<Row>,
    /// Every row of a map with several, bottom (lowest y) first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Row>,
}

/// What [`Crossing::definition`] says.
pub const DEFINITION: &str = "Liu (2024) crossing count: at stride 2^j the cells 0, 2^j, 2^(j+1), ... are \
     sampled (intervals = floor((cols-1)/2^j)) and neighbouring samples that differ in diverged/not are \
     counted; dimension = least-squares slope of log2(crossings) against log2(intervals) over the \
     levels with at least 2 crossings (at least 1 when fewer than two levels have 2), std_error its \
     standard error";

impl Crossing {
    /// The crossing dimension of every row of a `cols x rows` grid of flags (row-major, bottom
    /// row first), labelling row `r` with `y(r)`. A one-row grid gives the flattened form.
    pub fn of_grid(flags: &[bool], cols: usize, rows: usize, y: impl Fn(usize) -> f64) -> Crossing {
        let mut intervals = Vec::new();
        let mut all = Vec::with_capacity(rows);
        for r in 0..rows {
            let (row, iv) = Row::of(&flags[r * cols..(r + 1) * cols], (rows > 1).then(|| y(r)));
            intervals = iv;
            all.push(row);
        }
        if rows == 1 {
            Crossing { definition: DEFINITION, intervals, single: all.pop(), rows: Vec::new() }
        } else {
            Crossing { definition: DEFINITION, intervals, single: None, rows: all }
        }
    }

    /// One line for the run's summary: the single row's dimension, or the range over rows.
    pub fn summary(&self) -> Option<String> {
        if let Some(row) = &self.single {
            let d = row.dimension?;
            let err = row.std_error.map_or(String::new(), |e| format!(" ± {e:.3}"));
            let (lo, hi) = (row.resolutions.first()?, row.resolutions.last()?);
            return Some(format!(
                "crossing dimension {d:.3}{err} ({} levels, {lo} to {hi} intervals)",
                row.resolutions.len()
            ));
        }
        let dims: Vec<f64> = self.rows.iter().filter_map(|r| r.dimension).collect();
        let (lo, hi) =
            dims.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &d| (a.min(d), b.max(d)));
        (!dims.is_empty()).then(|| {
            format!(
                "crossing dimension per row {lo:.3} to {hi:.3} ({} of {} rows fitted)",
                dims.len(),
                self.rows.len()
            )
        })
    }

    /// `PREFIX.crossing.csv`: `Y_PARAM,dimension,std_error` per row (empty fields where a row
    /// has no fit), bottom row first.
    pub fn csv(&self, y_param: &str) -> String {
        let mut csv = format!("{y_param},dimension,std_error\n");
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
        for r in &self.rows {
            csv.push_str(&format!(
                "{},{},{}\n",
                r.y.map_or(String::new(), |y| format!("{y}")),
                opt(r.dimension),
                opt(r.std_error)
            ));
        }
        csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A single step (one crossing, seen at every resolution) has dimension 0, exactly.
    #[test]
    fn a_single_step_has_dimension_zero() {
        let row: Vec<bool> = (0..4097).map(|i| i >= 1234).collect();
        let l = levels(&row);
        assert_eq!(l.intervals.first(), Some(&1));
        assert_eq!(l.intervals.last(), Some(&4096));
        assert!(l.crossings.iter().all(|&c| c == 1), "{:?}", l.crossings);
        let f = fit(&l).expect("a fit");
        assert_eq!(f.dimension, 0.0);
        assert_eq!(f.std_error, Some(0.0));
        assert_eq!(f.resolutions.len(), 13);
    }

    /// The 4-adic Cantor set (keep the first and last quarter of every interval, dimension
    /// log 2 / log 4 = 1/2), one cell per unit interval: subsampling by 4 gives the set one
    /// generation coarser, so the crossings double every two dyadic levels.
    #[test]
    fn a_dyadic_cantor_set_has_dimension_one_half() {
        let gens = 7; // 4^7 = 16384 intervals
        let n = 4usize.pow(gens) + 1;
        let kept = |mut i: usize| {
            for _ in 0..gens {
                if matches!(i % 4, 1 | 2) {
                    return false;
                }
                i /= 4;
            }
            true
        };
        let row: Vec<bool> = (0..n).map(|i| i < n - 1 && kept(i)).collect();
        let l = levels(&row);
        for w in l.crossings.windows(3).skip(2) {
            assert!(w[2] <= 2 * w[0] + 2, "crossings grow faster than 2 per two levels: {:?}", l.crossings);
        }
        let f = fit(&l).expect("a fit");
        assert!((f.dimension - 0.5).abs() < 0.05, "dimension {} ({:?})", f.dimension, l.crossings);
        assert!(f.std_error.unwrap() < 0.05);
    }

    /// Thue-Morse (the parity of a cell's set bits) is its own subsample at stride 2, and two
    /// thirds of neighbouring cells differ at every resolution: a boundary that fills the line,
    /// dimension 1. (Plain alternation, 0101..., alternates at the finest level only: every
    /// coarser sample falls on the same parity, so it has no slope to fit.)
    #[test]
    fn cells_alternating_at_every_scale_have_dimension_one() {
        let row: Vec<bool> = (0u32..4097).map(|i| i.count_ones() % 2 == 1).collect();
        let f = fit(&levels(&row)).expect("a fit");
        assert!((f.dimension - 1.0).abs() < 0.02, "dimension {}", f.dimension);

        let plain: Vec<bool> = (0..4097).map(|i| i % 2 == 1).collect();
        let l = levels(&plain);
        assert_eq!(l.crossings.last(), Some(&4096));
        assert!(l.crossings[..l.crossings.len() - 1].iter().all(|&c| c == 0));
        assert_eq!(fit(&l), None);
    }

    /// No boundary, or a row too short to have levels, gives no dimension.
    #[test]
    fn rows_without_a_boundary_have_no_dimension() {
        assert_eq!(fit(&levels(&[true; 65])), None);
        assert_eq!(fit(&levels(&[true])), None);
        assert_eq!(levels(&[]).intervals.len(), 0);
    }

    /// A row of `2^k` cells (not `2^k + 1`) reads `floor((n - 1) / s)` intervals per level.
    #[test]
    fn rows_of_a_power_of_two_cells_use_the_largest_stride_that_fits() {
        let row: Vec<bool> = (0..1024).map(|i| i >= 500).collect();
        let l = levels(&row);
        assert_eq!(l.intervals.first(), Some(&1)); // stride 512 covers cells 0 and 512
        assert_eq!(l.intervals.last(), Some(&1023));
        assert_eq!(l.intervals.len(), 10);
    }

    /// The map form: a one-row grid is flattened, a taller one lists its rows with their y and
    /// writes them as CSV.
    #[test]
    fn grids_give_one_flattened_row_or_every_row_with_its_y() {
        let row: Vec<bool> = (0..33).map(|i| i >= 7).collect();
        let one = Crossing::of_grid(&row, 33, 1, |_| 0.0);
        assert!(one.single.is_some() && one.rows.is_empty());
        let json = serde_json::to_value(&one).unwrap();
        assert_eq!(json["dimension"], 0.0);
        assert!(json.get("rows").is_none());

        let two: Vec<bool> = row.iter().chain(&[false; 33]).copied().collect();
        let map = Crossing::of_grid(&two, 33, 2, |r| 0.5 + r as f64);
        assert_eq!(map.rows.len(), 2);
        assert_eq!(map.csv("roughness"), "roughness,dimension,std_error\n0.5,0,0\n1.5,,\n");
    }
}
