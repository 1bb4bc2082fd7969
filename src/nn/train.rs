//! What a trainability map runs: the network, the axes (per-layer learning rates, a shared
//! learning rate, or an offset added to the initial input-layer weights), the step budget and
//! the per-cell bookkeeping both backends keep.
//!
//! Classification (both backends; in f32, or in f64 on the f64 path): at step `t` (before the update) the full-batch loss
//! is `loss_t` and the ratio is `v_t = loss_t / loss_0`; a non-finite ratio or one above
//! [`RATIO_CAP`] counts as the cap, and the trajectory stops there (every remaining step counts
//! as the cap, since a network that far gone does not come back within the budget). A cell
//! trains when the mean of its last [`TAIL`] ratios is below 1.
//!
//! Under [`Convention::Paper`] (Sohl-Dickstein's notebook) the run does not stop at the cap: a
//! ratio above it counts as the cap and training goes on, so a network that passes the cap and
//! comes back can still train; only a non-finite loss stops it, and such a cell's value is NaN
//! (the notebook's `v * isfinite(v)` turns an infinite loss into NaN), its class "does not
//! train". The initial-weight offset is also added again before every step, as the notebook's
//! `train_step` does.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::{Activation, NetData, Real};
use crate::spec::Axis;

/// Ratios above this (and non-finite ones) count as this.
pub const RATIO_CAP: f32 = 1e6;
/// The classification averages this many final ratios.
pub const TAIL: u32 = 20;

/// What an axis of a trainability map sweeps (its `Axis::slot` is the code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NnParam {
    /// The input layer's learning rate.
    Lr0 = 0,
    /// The output layer's learning rate.
    Lr1 = 1,
    /// One learning rate for both layers.
    Lr = 2,
    /// A constant added to every initial input-layer weight.
    Offset = 3,
}

impl NnParam {
    /// Every parameter, by name.
    pub const ALL: [(&'static str, NnParam); 4] =
        [("lr0", NnParam::Lr0), ("lr1", NnParam::Lr1), ("lr", NnParam::Lr), ("offset", NnParam::Offset)];

    /// The parameter named `name`.
    pub fn from_name(name: &str) -> Option<NnParam> {
        NnParam::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// The parameter with code `code` (an axis's slot).
    pub fn from_code(code: usize) -> NnParam {
        NnParam::ALL[code].1
    }
}

/// How the GPU kernel maps networks to invocations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "native", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One invocation per network (`shaders/nn/train.wgsl`), weights in storage, interleaved
    /// across cells.
    #[default]
    Invocation,
    /// One workgroup of 64 per network (`shaders/nn/train_workgroup.wgsl`), weights, gradient
    /// and residuals in workgroup memory; for networks with at most 544 parameters and 512
    /// data points.
    Workgroup,
    /// One invocation per hidden unit (`shaders/nn/train_unit.wgsl`), `ceil(64 / width)`
    /// networks per workgroup, each unit's weights and gradient in registers for the whole
    /// dispatch, the data in a uniform buffer (at most 64 KiB), one pipeline per network shape;
    /// built for real GPUs.
    Unit,
}

impl Layout {
    /// The layout a command uses where none is given: [`Layout::Unit`] for a network whose
    /// data fit its uniform buffer (it ran 3x faster than [`Layout::Invocation`] on lavapipe),
    /// else [`Layout::Invocation`] (the type's default, bit for bit the CPU twin's).
    pub fn default_for(shape: super::Shape) -> Layout {
        if super::unit::UnitSizes::fits(shape) { Layout::Unit } else { Layout::Invocation }
    }
}

pub use crate::spec::Precision;

/// Whose conventions a trainability map follows: the network's readout, what happens at the
/// loss-ratio cap, and how the initial-weight offset is applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "native", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// This project's: readout `/ sqrt(width)` (every layer's scale the same form), a cell
    /// stops at the cap, the offset is added to the initial weights once.
    #[default]
    Ours,
    /// Sohl-Dickstein's notebook: readout `/ width`, mapped exactly onto ours on the host
    /// (`lr1 -> lr1 / width`, `W1 -> W1 / sqrt(width)`); every cell trains all steps with its
    /// ratio capped; the offset is added to the input-layer weights before every step.
    Paper,
}

impl Convention {
    /// Which networks stop before the last step, in words for the summary line.
    pub fn stop_rule(self) -> &'static str {
        match self {
            Convention::Ours => "diverged networks stop",
            Convention::Paper => "only networks whose loss is no longer finite stop",
        }
    }

    /// The name `--convention` takes.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Ours => "ours",
            Convention::Paper => "paper",
        }
    }

    /// The code the kernels switch on (0 ours, 1 paper).
    pub fn code(self) -> u32 {
        self as u32
    }

    /// What the output layer's learning rate is multiplied by on our kernels: 1, or
    /// `1 / width` under the paper's readout.
    pub fn lr1_scale(self, width: usize) -> f64 {
        match self {
            Convention::Ours => 1.0,
            Convention::Paper => 1.0 / width as f64,
        }
    }

    /// What the initial output-layer weights are multiplied by on our kernels: 1, or
    /// `1 / sqrt(width)` under the paper's readout.
    pub fn w1_scale(self, width: usize) -> f64 {
        match self {
            Convention::Ours => 1.0,
            Convention::Paper => 1.0 / (width as f64).sqrt(),
        }
    }
}

/// Largest network the workgroup layout takes: parameters, data points.
pub const WORKGROUP_MAX: (usize, usize) = (544, 512);

/// One trainability map.
#[derive(Clone, Debug)]
pub struct TrainSpec {
    /// Network, data and initial weights.
    pub data: Arc<NetData>,
    /// Hidden nonlinearity.
    pub activation: Activation,
    /// Column axis (`slot` is the [`NnParam`] code).
    pub x: Axis,
    /// Row axis.
    pub y: Axis,
    /// Gradient-descent steps per cell.
    pub steps: u32,
    /// `lr0`, `lr1` and `offset` where no axis sets them.
    pub base: [f32; 3],
    /// Minibatch size for the gradient (0: the full batch); the loss is always the full batch.
    pub batch: u32,
    /// Seed of the minibatch positions.
    pub batch_seed: u32,
    /// The GPU kernel's layout (the CPU twin ignores it).
    pub layout: Layout,
    /// f32 or f64 arithmetic.
    pub precision: Precision,
    /// Whose conventions the map follows. Under [`Convention::Paper`], `base`, the axes and
    /// `data` are in the paper's units; the kernels get ours through [`TrainSpec::lr1_scale`]
    /// and the initial `W1` that [`TrainSpec::in_convention`] scales.
    pub convention: Convention,
}

impl TrainSpec {
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.x.cells as usize * self.y.cells as usize
    }

    /// `(lr0, lr1, offset)` of the cell at column value `vx` and row value `vy`.
    pub fn cell_params64(&self, vx: f64, vy: f64) -> [f64; 3] {
        let mut p = self.base.map(f64::from);
        for (axis, v) in [(&self.x, vx), (&self.y, vy)] {
            match NnParam::from_code(axis.slot) {
                NnParam::Lr0 => p[0] = v,
                NnParam::Lr1 => p[1] = v,
                NnParam::Lr => {
                    p[0] = v;
                    p[1] = v;
                }
                NnParam::Offset => p[2] = v,
            }
        }
        p
    }

    /// The spec under `convention`: sets it, and under the paper's readout divides the
    /// initial output-layer weights by `sqrt(width)` (the data arrive in the paper's units and
    /// are kept in ours). Call it once, on a spec built under ours.
    pub fn in_convention(mut self, convention: Convention) -> TrainSpec {
        let factor = convention.w1_scale(self.data.shape.width);
        if factor != 1.0 {
            self.data = Arc::new(self.data.with_w1_scaled(factor));
        }
        self.convention = convention;
        self
    }

    /// The factor the kernels multiply the output layer's learning rate by (1 under ours).
    pub fn lr1_scale(&self) -> f32 {
        self.convention.lr1_scale(self.data.shape.width) as f32
    }

    /// `(lr0, lr1, offset)` the kernels train cell `(vx, vy)` with, in `T`: the paper's `lr1`
    /// times [`TrainSpec::lr1_scale`] after rounding to `T`, as the WGSL does in f32.
    pub fn kernel_params<T: Real>(&self, vx: f64, vy: f64) -> [T; 3] {
        let mut p = self.cell_params64(vx, vy).map(|v| T::from(v).expect("a float"));
        if self.convention != Convention::Ours {
            let scale = match self.precision {
                Precision::F32 => T::from(self.lr1_scale()),
                Precision::F64 => T::from(self.convention.lr1_scale(self.data.shape.width)),
            };
            p[1] = p[1] * scale.expect("a float");
        }
        p
    }

    /// Points in each step's gradient: the minibatch, or all `n` for the full batch.
    pub fn batch_points(&self) -> usize {
        let n = self.data.shape.n;
        if self.batch == 0 || self.batch as usize >= n { n } else { self.batch as usize }
    }

    /// First data point of step `t`'s minibatch (the batch is the next `batch` points,
    /// wrapping around).
    pub fn batch_start(&self, t: u32) -> u32 {
        crate::options::pcg_hash(self.batch_seed ^ crate::options::pcg_hash(t)) % self.data.shape.n as u32
    }
}

/// One cell's bookkeeping, as the kernel keeps it (32 bytes): [`Tally`] in f32, the GPU's
/// layout (keep in sync with `shaders/nn/train.wgsl`). The f64 path keeps a [`CellStats64`]
/// instead and rounds it to this only where a caller asks for this layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct CellStats {
    /// Loss before the first step.
    pub loss0: f32,
    /// Sum of the ratios `v_t`.
    pub sum_v: f32,
    /// Sum of `1 / v_t`.
    pub sum_inv: f32,
    /// Sum of the last [`TAIL`] ratios.
    pub tail: f32,
    /// The last loss computed (before the last step run).
    pub last_loss: f32,
    /// Step at which the ratio reached the cap, or -1.
    pub div_step: i32,
    /// The GPU's running sum of squared errors within a step (0 between steps).
    pub acc: f32,
    /// 1 when the run stopped at a non-finite loss under [`Convention::Paper`], else 0.
    pub flags: u32,
}

impl CellStats {
    /// Accounts for the loss before step `t` of `steps`; returns false once the run stops
    /// ([`Tally::record`] in f32).
    pub fn record(&mut self, t: u32, steps: u32, loss: f32) -> bool {
        let mut tally = Tally::from(*self);
        let live = tally.record(t, steps, loss);
        *self = CellStats { acc: self.acc, ..tally.into() };
        live
    }

    /// Steps the cell's network ran ([`Tally::steps_run`]).
    pub fn steps_run(&self, steps: u32) -> u32 {
        Tally::from(*self).steps_run(steps)
    }

    /// Whether the cell trains ([`Tally::trains`] in f32).
    pub fn trains(&self, steps: u32) -> bool {
        Tally::from(*self).trains(steps)
    }

    /// The cell's value ([`Tally::value`] of the f32 sums).
    pub fn value(&self, steps: u32) -> f64 {
        Tally::from(*self).value(steps)
    }
}

/// One cell's bookkeeping kept in the float type `F` the network trains in: f32 on the f32
/// path (the same operations as the kernel's, bit for bit), f64 on the f64 path (no rounding
/// to f32 between the network and the class).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tally<F> {
    /// Loss before the first step.
    pub loss0: F,
    /// Sum of the ratios `v_t`.
    pub sum_v: F,
    /// Sum of `1 / v_t`.
    pub sum_inv: F,
    /// Sum of the last [`TAIL`] ratios.
    pub tail: F,
    /// The last loss computed (before the last step run).
    pub last_loss: F,
    /// Step at which the ratio reached the cap, or -1 (under [`Convention::Paper`]: the step
    /// whose loss was not finite).
    pub div_step: i32,
    /// The run stopped at a non-finite loss under [`Convention::Paper`]: the value is NaN.
    pub nonfinite: bool,
}

/// The f64 path's bookkeeping.
pub type CellStats64 = Tally<f64>;

impl<F: Real> Default for Tally<F> {
    /// Nothing recorded yet (`div_step` -1).
    fn default() -> Tally<F> {
        let z = F::zero();
        Tally { loss0: z, sum_v: z, sum_inv: z, tail: z, last_loss: z, div_step: -1, nonfinite: false }
    }
}

impl From<CellStats> for Tally<f32> {
    fn from(s: CellStats) -> Tally<f32> {
        let CellStats { loss0, sum_v, sum_inv, tail, last_loss, div_step, flags, .. } = s;
        Tally { loss0, sum_v, sum_inv, tail, last_loss, div_step, nonfinite: flags != 0 }
    }
}

impl<F: Real> From<Tally<F>> for CellStats {
    /// The kernel's layout, each sum rounded to f32 (exact for a `Tally<f32>`).
    fn from(t: Tally<F>) -> CellStats {
        let r = |v: F| v.to_f32().unwrap_or(f32::NAN);
        CellStats {
            loss0: r(t.loss0),
            sum_v: r(t.sum_v),
            sum_inv: r(t.sum_inv),
            tail: r(t.tail),
            last_loss: r(t.last_loss),
            div_step: t.div_step,
            acc: 0.0,
            flags: t.nonfinite as u32,
        }
    }
}

impl<F: Real> Tally<F> {
    /// Accounts for the loss before step `t` of `steps`; returns false once the run stops.
    pub fn record(&mut self, t: u32, steps: u32, loss: F) -> bool {
        self.record_in(Convention::Ours, t, steps, loss)
    }

    /// [`Tally::record`] under `convention` (the WGSL twin's `record`).
    pub fn record_in(&mut self, convention: Convention, t: u32, steps: u32, loss: F) -> bool {
        let cap = F::from(RATIO_CAP).expect("a float");
        let count = |v: u32| F::from(v).expect("a float");
        if t == 0 {
            self.loss0 = loss;
        }
        self.last_loss = loss;
        let mut v = loss / self.loss0;
        let first_tail = steps.saturating_sub(TAIL);
        if convention == Convention::Paper {
            // Non-finite (NaN fails the comparison): the notebook's value is NaN from here on.
            if v.is_nan() || v > F::max_value() {
                self.div_step = t as i32;
                self.nonfinite = true;
                return false;
            }
            if v > cap {
                v = cap;
            }
            self.sum_v = self.sum_v + v;
            self.sum_inv = self.sum_inv + F::one() / v;
            if t >= first_tail {
                self.tail = self.tail + v;
            }
            return true;
        }
        // NaN and infinities count as the cap (the WGSL twin's `!(v <= RATIO_CAP)`).
        if v.is_nan() || v > cap {
            v = cap;
        }
        if v >= cap {
            let remaining = count(steps - t);
            let in_tail = count(steps - t.max(first_tail));
            self.sum_v = self.sum_v + cap * remaining;
            self.sum_inv = self.sum_inv + remaining / cap;
            self.tail = self.tail + cap * in_tail;
            self.div_step = t as i32;
            return false;
        }
        self.sum_v = self.sum_v + v;
        self.sum_inv = self.sum_inv + F::one() / v;
        if t >= first_tail {
            self.tail = self.tail + v;
        }
        true
    }

    /// Steps the cell's network ran, counted as loss evaluations: `t + 1` for a network
    /// stopped at step `t` ([`Tally::div_step`]), `steps` for one that never stopped. It
    /// took one update fewer (no update follows the last loss, nor the one that stops it).
    pub fn steps_run(&self, steps: u32) -> u32 {
        if self.div_step >= 0 { (self.div_step as u32).saturating_add(1).min(steps) } else { steps }
    }

    /// Whether the cell trains: the mean of its last [`TAIL`] ratios is below 1 (computed in `F`).
    pub fn trains(&self, steps: u32) -> bool {
        !self.nonfinite && self.tail / F::from(TAIL.min(steps).max(1)).expect("a float") < F::one()
    }

    /// The cell's value: minus the sum of ratios if it trains, plus the sum of inverse ratios
    /// if not (class and speed in one number, as in Sohl-Dickstein's notebook).
    pub fn value(&self, steps: u32) -> f64 {
        let wide = |v: F| v.to_f64().unwrap_or(f64::NAN);
        if self.nonfinite {
            return f64::NAN;
        }
        if self.trains(steps) { -wide(self.sum_v) } else { wide(self.sum_inv) }
    }
}

/// What a map's consumers read from a cell's bookkeeping, in whichever precision it was kept.
pub trait CellOutcome: Copy + Send + Sync {
    /// Whether the cell trains.
    fn trains(&self, steps: u32) -> bool;
    /// The cell's value ([`Tally::value`]).
    fn value(&self, steps: u32) -> f64;
    /// Steps the cell's network ran ([`Tally::steps_run`]).
    fn steps_run(&self, steps: u32) -> u32;
    /// Step at which the ratio reached the cap, or -1.
    fn div_step(&self) -> i32;
    /// `loss0`, `sum_v`, `sum_inv`, `tail` and `last_loss`, widened to f64 (exactly).
    fn sums(&self) -> [f64; 5];
}

impl CellOutcome for CellStats {
    fn trains(&self, steps: u32) -> bool {
        CellStats::trains(self, steps)
    }
    fn value(&self, steps: u32) -> f64 {
        CellStats::value(self, steps)
    }
    fn steps_run(&self, steps: u32) -> u32 {
        CellStats::steps_run(self, steps)
    }
    fn div_step(&self) -> i32 {
        self.div_step
    }
    fn sums(&self) -> [f64; 5] {
        Tally::from(*self).sums()
    }
}

impl<F: Real> CellOutcome for Tally<F> {
    fn trains(&self, steps: u32) -> bool {
        Tally::trains(self, steps)
    }
    fn value(&self, steps: u32) -> f64 {
        Tally::value(self, steps)
    }
    fn steps_run(&self, steps: u32) -> u32 {
        Tally::steps_run(self, steps)
    }
    fn div_step(&self) -> i32 {
        self.div_step
    }
    fn sums(&self) -> [f64; 5] {
        [self.loss0, self.sum_v, self.sum_inv, self.tail, self.last_loss]
            .map(|v| v.to_f64().unwrap_or(f64::NAN))
    }
}

/// A trainability map's outcome: one cell's bookkeeping per cell, row-major, row 0 the low y;
/// [`CellStats`] (f32, the kernel's layout) unless the f64 path keeps [`CellStats64`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOutcomes<S = CellStats> {
    /// Columns.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// Every cell's bookkeeping.
    pub stats: Vec<S>,
}

impl<S: CellOutcome> TrainOutcomes<S> {
    /// Steps run by all cells together, of `steps` each ([`CellStats::steps_run`]): the same
    /// on every backend, since it is read from the outcomes.
    pub fn steps_run(&self, steps: u32) -> u64 {
        self.stats.iter().map(|s| s.steps_run(steps) as u64).sum()
    }

    /// Updates taken by all cells together: one fewer per cell than the steps run.
    pub fn updates_run(&self, steps: u32) -> u64 {
        self.steps_run(steps).saturating_sub(self.stats.len() as u64)
    }
}
