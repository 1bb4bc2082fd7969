//! What a figure takes for every field its recipe (or the command line) leaves unset: one
//! definition each, which recipe planning applies and the command line shows in `--help`.

use crate::analysis::fractal::BoxCount;
use crate::spec;

/// Landscape of basin, sweep and path figures.
pub const LANDSCAPE: &str = "bumpy";
/// Optimizer of every map and path figure.
pub const OPTIMIZER: &str = "gd";
/// Learning-rate axis of stability maps.
pub const STABILITY_LR: &str = "0:4";
/// Curvature axis of stability maps.
pub const STABILITY_K: &str = "0.1:10:log";
/// Divergence threshold on `|x|` and `|y|`.
pub const THRESHOLD: f64 = spec::DEFAULT_THRESHOLD as f64;
/// Convergence tolerance on the gradient norm.
pub const TOL: f64 = spec::DEFAULT_CONV_TOL;
/// Grid side of basin maps.
pub const BASINS_RES: u32 = 512;
/// Grid side of stability, sweep and trainability maps.
pub const MAP_RES: u32 = 256;
/// Steps of basin maps, path figures and trainability maps.
pub const BASINS_STEPS: u32 = 500;
/// Steps of stability and sweep maps and of traces.
pub const MAP_STEPS: u32 = 1000;
/// Hidden nonlinearity of trainability maps.
pub const ACTIVATION: &str = "tanh";
/// Input dimension and hidden width of trainability maps.
pub const NN_SIDE: usize = 16;
/// Column axis of trainability maps.
pub const NN_X: &str = "lr0:0.01:100:log";
/// Row axis of trainability maps.
pub const NN_Y: &str = "lr1:0.01:100:log";
/// How map boundaries are marked and counted for their box-counting dimension.
pub const BOX_COUNT: BoxCount = BoxCount::Cells;
/// Frames per second of animations.
pub const FPS: u32 = 8;
