//! Per-trajectory results: the raw state record both runners produce ([`TrajState`]) and the
//! grid of outcomes ([`Outcomes`]) that analysis, rendering and output consume.

use bytemuck::{Pod, Zeroable};
use std::ops::Range;

/// One trajectory's state, as kept between dispatches and read back.
///
/// Keep in sync with `struct Traj` in `shaders/common/state.wgsl` (56 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct TrajState {
    /// Current iterate `(x, y)`; frozen at the first escaped iterate if the trajectory diverged.
    pub pos: [f32; 2],
    /// Optimiser register `a`.
    pub opt_a: [f32; 2],
    /// Optimiser register `b`.
    pub opt_b: [f32; 2],
    /// Optimiser register `c`.
    pub opt_c: [f32; 2],
    /// Optimiser register `d`.
    pub opt_d: [f32; 2],
    /// Loss at `pos` (valid after the last step or at divergence).
    pub loss: f32,
    /// First iterate that escaped the threshold or was not finite, or -1.
    pub div_step: i32,
    /// First iterate whose gradient norm was <= the tolerance, or -1.
    pub conv_step: i32,
    /// Padding to an 8-byte multiple.
    pub pad: u32,
}

/// Outcomes of a whole grid, row-major `(rows, cols)` with row 0 at the low end of the y axis
/// and column 0 at the low end of the x axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcomes {
    /// Number of columns (x-axis cells).
    pub cols: u32,
    /// Number of rows (y-axis cells).
    pub rows: u32,
    /// Final x coordinate (the escaped iterate for diverged trajectories).
    pub x: Vec<f32>,
    /// Final y coordinate.
    pub y: Vec<f32>,
    /// Final loss.
    pub loss: Vec<f32>,
    /// Divergence step, or -1 (never diverged).
    pub div_step: Vec<i32>,
    /// Convergence step, or -1 (never converged).
    pub conv_step: Vec<i32>,
    /// Trajectory-steps the runner computed for the grid's cells, where it keeps count: the
    /// CPU lanes, which run a block's cells together until all of them have diverged or
    /// settled (so this can be below [`Outcomes::steps_run`], which counts every step of a
    /// settled trajectory, or above it, counting a block's diverged cells until the block
    /// stops). `None` from the other runners.
    pub steps_computed: Option<u64>,
}

/// A grid's outcomes read band by band: whole rows, in row order. A grid held in memory is one
/// band; a large map is read tile by tile from its run folder, so that no pass over it holds
/// more than a tile.
pub trait Bands {
    /// Columns of the grid.
    fn cols(&self) -> u32;
    /// Rows of the grid.
    fn rows(&self) -> u32;
    /// Calls `f(first_row, band)` for every band, in row order.
    fn each(&self, f: &mut dyn FnMut(u32, &Outcomes)) -> Result<(), crate::error::Error>;
}

impl Bands for Outcomes {
    fn cols(&self) -> u32 {
        self.cols
    }

    fn rows(&self) -> u32 {
        self.rows
    }

    fn each(&self, f: &mut dyn FnMut(u32, &Outcomes)) -> Result<(), crate::error::Error> {
        f(0, self);
        Ok(())
    }
}

/// A run of consecutive cells of an [`Outcomes`] grid, writable in place
/// ([`Outcomes::chunks_mut`]).
pub struct CellsMut<'a> {
    x: &'a mut [f32],
    y: &'a mut [f32],
    loss: &'a mut [f32],
    div_step: &'a mut [i32],
    conv_step: &'a mut [i32],
}

impl CellsMut<'_> {
    /// Number of cells in the run.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the run has no cells.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Sets cell `i` of the run (counted from the run's first cell) from its final state.
    pub fn set(&mut self, i: usize, s: &TrajState) {
        self.x[i] = s.pos[0];
        self.y[i] = s.pos[1];
        self.loss[i] = s.loss;
        self.div_step[i] = s.div_step;
        self.conv_step[i] = s.conv_step;
    }
}

impl Outcomes {
    /// An empty grid with room for `cols * rows` cells.
    pub fn with_capacity(cols: u32, rows: u32) -> Self {
        let n = cols as usize * rows as usize;
        Outcomes {
            cols,
            rows,
            x: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            loss: Vec::with_capacity(n),
            div_step: Vec::with_capacity(n),
            conv_step: Vec::with_capacity(n),
            steps_computed: None,
        }
    }

    /// Appends one cell's final state (cells must arrive in row-major order).
    pub fn push(&mut self, s: &TrajState) {
        self.x.push(s.pos[0]);
        self.y.push(s.pos[1]);
        self.loss.push(s.loss);
        self.div_step.push(s.div_step);
        self.conv_step.push(s.conv_step);
    }

    /// A grid of `cols x rows` cells with every value zero, to be filled in place through
    /// [`Outcomes::chunks_mut`].
    pub fn zeroed(cols: u32, rows: u32) -> Self {
        let n = cols as usize * rows as usize;
        Outcomes {
            cols,
            rows,
            x: vec![0.0; n],
            y: vec![0.0; n],
            loss: vec![0.0; n],
            div_step: vec![0; n],
            conv_step: vec![0; n],
            steps_computed: None,
        }
    }

    /// The cells in consecutive runs of `size` (the last may be shorter), row-major, for
    /// runners that fill disjoint parts of the grid in parallel.
    pub fn chunks_mut(&mut self, size: usize) -> Vec<CellsMut<'_>> {
        let mut out = Vec::with_capacity(self.x.len().div_ceil(size.max(1)));
        let mut x = self.x.chunks_mut(size);
        let mut y = self.y.chunks_mut(size);
        let mut loss = self.loss.chunks_mut(size);
        let mut div_step = self.div_step.chunks_mut(size);
        let mut conv_step = self.conv_step.chunks_mut(size);
        while let (Some(x), Some(y), Some(loss), Some(div_step), Some(conv_step)) =
            (x.next(), y.next(), loss.next(), div_step.next(), conv_step.next())
        {
            out.push(CellsMut { x, y, loss, div_step, conv_step });
        }
        out
    }

    /// Copies the rows of `band` (a grid of the same width) into this grid from row
    /// `first_row` on, and adds its computed steps to this grid's count (which stays `None`
    /// once a band has none; start an assembled grid from `Some(0)`).
    pub fn put_rows(&mut self, first_row: u32, band: &Outcomes) {
        assert_eq!(band.cols, self.cols, "a band of the same width");
        let at = first_row as usize * self.cols as usize;
        let n = band.len();
        self.x[at..at + n].copy_from_slice(&band.x);
        self.y[at..at + n].copy_from_slice(&band.y);
        self.loss[at..at + n].copy_from_slice(&band.loss);
        self.div_step[at..at + n].copy_from_slice(&band.div_step);
        self.conv_step[at..at + n].copy_from_slice(&band.conv_step);
        self.steps_computed = self.steps_computed.zip(band.steps_computed).map(|(a, b)| a + b);
    }

    /// A copy of the rows `rows` of this grid, with no count of computed steps.
    pub fn band(&self, rows: Range<u32>) -> Outcomes {
        let (at, end) = (rows.start as usize * self.cols as usize, rows.end as usize * self.cols as usize);
        Outcomes {
            cols: self.cols,
            rows: rows.len() as u32,
            x: self.x[at..end].to_vec(),
            y: self.y[at..end].to_vec(),
            loss: self.loss[at..end].to_vec(),
            div_step: self.div_step[at..end].to_vec(),
            conv_step: self.conv_step[at..end].to_vec(),
            steps_computed: None,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    /// Whether the grid has no cells.
    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// Whether cell `i` diverged.
    pub fn diverged(&self, i: usize) -> bool {
        self.div_step[i] >= 0
    }

    /// Whether cell `i` did not diverge but ended where the loss is NaN (outside the
    /// landscape's domain, as `log(x)` for `x < 0`).
    pub fn loss_undefined(&self, i: usize) -> bool {
        !self.diverged(i) && self.loss[i].is_nan()
    }

    /// Row-major index of `(row, col)`.
    pub fn index(&self, row: u32, col: u32) -> usize {
        row as usize * self.cols as usize + col as usize
    }

    /// Fraction of cells that diverged.
    pub fn diverged_fraction(&self) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        self.div_step.iter().filter(|&&d| d >= 0).count() as f64 / self.len() as f64
    }

    /// Trajectory-steps actually run for a run of `steps` steps: a trajectory stops at its
    /// divergence step (`div_step` updates; 0 when the start itself escaped), the others run
    /// all `steps`. Rates reported by the tool count these, not `cells * steps`.
    pub fn steps_run(&self, steps: u32) -> u64 {
        self.div_step.iter().map(|&d| if d >= 0 { (d as u64).min(steps as u64) } else { steps as u64 }).sum()
    }

    /// Fraction of cells that converged.
    pub fn converged_fraction(&self) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        self.conv_step.iter().filter(|&&c| c >= 0).count() as f64 / self.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traj_state_matches_the_wgsl_layout() {
        assert_eq!(std::mem::size_of::<TrajState>(), 56);
        assert_eq!(std::mem::offset_of!(TrajState, opt_d), 32);
        assert_eq!(std::mem::offset_of!(TrajState, loss), 40);
        assert_eq!(std::mem::offset_of!(TrajState, conv_step), 48);
    }
}
