//! Host-side twins of the uniform structs in `shaders/kernel.wgsl`. Keep in sync: each has a
//! size test below, and the kernel names these types in its comments.

use bytemuck::{Pod, Zeroable};

use crate::param::SLOTS;
use crate::spec::Spec;

/// Twin of WGSL `struct Run`: run-wide settings, one per run.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct RunUniform {
    /// The flat parameter vector (see `param`).
    pub values: [f32; SLOTS],
    /// Grid columns.
    pub cols: u32,
    /// Grid rows.
    pub rows: u32,
    /// Total steps per trajectory.
    pub steps: u32,
    /// Divergence threshold.
    pub threshold: f32,
    /// Convergence tolerance on the gradient norm.
    pub conv_tol: f32,
    /// Seed of the gradient noise.
    pub seed: u32,
    /// Padding to a 16-byte multiple.
    pub pad: [u32; 2],
}

impl RunUniform {
    /// The uniform for a spec.
    pub fn new(spec: &Spec) -> Self {
        RunUniform {
            values: spec.values,
            cols: spec.x.cells,
            rows: spec.y.cells,
            steps: spec.steps,
            threshold: spec.threshold,
            conv_tol: spec.conv_tol,
            seed: spec.seed,
            pad: [0; 2],
        }
    }
}

/// Twin of WGSL `struct Chunk`: one dispatch's cells and steps.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct ChunkUniform {
    /// Row-major index of the tile's first cell.
    pub first_cell: u32,
    /// Cells in the tile.
    pub cells: u32,
    /// First iterate this dispatch starts from.
    pub step_begin: u32,
    /// Iterate this dispatch stops at.
    pub step_end: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_match_the_wgsl_layout() {
        assert_eq!(std::mem::size_of::<RunUniform>(), 160);
        assert_eq!(std::mem::offset_of!(RunUniform, cols), 128);
        assert_eq!(std::mem::offset_of!(RunUniform, seed), 148);
        assert_eq!(std::mem::size_of::<ChunkUniform>(), 16);
    }
}
