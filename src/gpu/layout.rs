//! Host-side twins of the uniform structs in `shaders/kernel.wgsl`. Keep in sync: a test below
//! reads every shared struct's layout off the shaders with naga and compares it with the Rust
//! twin's, and the kernel names these types in its comments.

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
    /// The gradient norm f32 resolves per unit of `max(|x|, |y|)` (`Spec::conv_floor`).
    pub conv_floor: f32,
    /// Padding to a 16-byte multiple.
    pub pad: u32,
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
            conv_floor: spec.conv_floor,
            pad: 0,
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
    use crate::nn::train::CellStats;
    use crate::outcome::TrajState;
    use std::mem::{offset_of, size_of};

    /// The naga module of a shader file with its imports resolved (the kernel composed with
    /// the first landscape and optimiser: the shared structs do not depend on the pair).
    fn module(file: &str) -> naga::Module {
        let source = if file == "kernel" {
            let (l, o) = (&crate::landscape::LANDSCAPES[0], &crate::optimiser::OPTIMISERS[0]);
            crate::shader::compose(l, o).expect("kernel composes")
        } else if file == "nn/train_unit" {
            let shape = crate::nn::Shape { d: 16, width: 16, n: 272 };
            let sizes = crate::nn::unit::UnitSizes::new(shape, crate::nn::Activation::Tanh, 1 << 16);
            sizes.and_then(|s| s.source()).expect("unit kernel composes")
        } else {
            crate::shader::resolve(file, &crate::shader::source).expect("shader resolves")
        };
        naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{file}: {}", e.emit_to_string(&source)))
    }

    /// Asserts that WGSL `name` in `module` has exactly the members `members` (name and Rust
    /// offset, in order) and the size `size`.
    fn assert_layout(module: &naga::Module, name: &str, members: &[(&str, usize)], size: usize) {
        let ty = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no WGSL struct {name}"))
            .1;
        let naga::TypeInner::Struct { members: wgsl, span } = &ty.inner else {
            panic!("{name} is not a struct")
        };
        let got: Vec<(&str, usize)> =
            wgsl.iter().map(|m| (m.name.as_deref().unwrap_or("?"), m.offset as usize)).collect();
        assert_eq!(got, members, "WGSL {name} members and offsets vs the Rust twin");
        assert_eq!(*span as usize, size, "WGSL {name} size vs the Rust twin");
    }

    #[test]
    fn shared_structs_have_the_rust_layout_in_wgsl() {
        let kernel = module("kernel");
        assert_layout(
            &kernel,
            "Run",
            &[
                ("values", offset_of!(RunUniform, values)),
                ("cols", offset_of!(RunUniform, cols)),
                ("rows", offset_of!(RunUniform, rows)),
                ("steps", offset_of!(RunUniform, steps)),
                ("threshold", offset_of!(RunUniform, threshold)),
                ("conv_tol", offset_of!(RunUniform, conv_tol)),
                ("seed", offset_of!(RunUniform, seed)),
                ("conv_floor", offset_of!(RunUniform, conv_floor)),
                ("pad", offset_of!(RunUniform, pad)),
            ],
            size_of::<RunUniform>(),
        );
        assert_layout(
            &kernel,
            "Chunk",
            &[
                ("first_cell", offset_of!(ChunkUniform, first_cell)),
                ("cells", offset_of!(ChunkUniform, cells)),
                ("step_begin", offset_of!(ChunkUniform, step_begin)),
                ("step_end", offset_of!(ChunkUniform, step_end)),
            ],
            size_of::<ChunkUniform>(),
        );
        assert_layout(
            &kernel,
            "Traj",
            &[
                ("pos", offset_of!(TrajState, pos)),
                ("opt_a", offset_of!(TrajState, opt_a)),
                ("opt_b", offset_of!(TrajState, opt_b)),
                ("opt_c", offset_of!(TrajState, opt_c)),
                ("opt_d", offset_of!(TrajState, opt_d)),
                ("loss", offset_of!(TrajState, loss)),
                ("div_step", offset_of!(TrajState, div_step)),
                ("conv_step", offset_of!(TrajState, conv_step)),
                ("pad", offset_of!(TrajState, pad)),
            ],
            size_of::<TrajState>(),
        );
        // The trainability kernels: `Stats` is read back as `CellStats`. (`Net` and `Phase`
        // twin `NetUniform` and `PhaseUniform`, private to `nn::gpu`, and are checked there.)
        for file in ["nn/train", "nn/train_workgroup", "nn/train_unit"] {
            assert_layout(
                &module(file),
                "Stats",
                &[
                    ("loss0", offset_of!(CellStats, loss0)),
                    ("sum_v", offset_of!(CellStats, sum_v)),
                    ("sum_inv", offset_of!(CellStats, sum_inv)),
                    ("tail", offset_of!(CellStats, tail)),
                    ("last_loss", offset_of!(CellStats, last_loss)),
                    ("div_step", offset_of!(CellStats, div_step)),
                    ("acc", offset_of!(CellStats, acc)),
                    ("flags", offset_of!(CellStats, flags)),
                ],
                size_of::<CellStats>(),
            );
        }
    }
}
