//! The unit layout's host side (`shaders/nn/train_unit.wgsl`, one invocation per hidden unit):
//! which networks it takes, the sizes spliced into its kernel as WGSL constants (one pipeline
//! per network shape and activation), its data as a uniform buffer, and how many steps one
//! dispatch may run. It creates no wgpu object; `super::gpu` does.

use super::{Activation, NetData, Shape};
use crate::error::Error;

/// Invocations a workgroup has at least: it trains `ceil(64 / width)` networks.
pub const GROUP_MIN: usize = 64;
/// Most data points per chunk (the private arrays of activations and derivatives).
pub const CHUNK: usize = 16;
/// Most bytes of data (X rows padded to vec4s, then Y) the uniform buffer takes: NVIDIA's
/// constant bank and WebGPU's default `max_uniform_buffer_binding_size`.
pub const UNIFORM_MAX: u64 = 64 * 1024;

/// The constants one unit-layout pipeline is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitSizes {
    /// The network's shape.
    pub shape: Shape,
    /// Its activation.
    pub act: Activation,
    /// Networks per workgroup, `ceil(64 / width)`.
    pub nets: usize,
    /// Data points per chunk: [`CHUNK`], or `n` where fewer.
    pub chunk: usize,
}

impl UnitSizes {
    /// The sizes for `shape` and `act`, or an error naming `--layout` when the data do not
    /// fit `max_uniform` bytes (at most [`UNIFORM_MAX`]). The shape's `d` and `width` are
    /// already within [`super::MAX_DIM`] (the data's check).
    pub fn new(shape: Shape, act: Activation, max_uniform: u64) -> Result<UnitSizes, Error> {
        let sizes =
            UnitSizes { shape, act, nets: GROUP_MIN.div_ceil(shape.width), chunk: CHUNK.min(shape.n) };
        let limit = max_uniform.min(UNIFORM_MAX);
        if sizes.uniform_bytes() > limit {
            return Err(Error::input(
                "--layout",
                format!(
                    "the unit layout keeps the data in a uniform buffer of at most {limit} bytes; \
                     {} points of dimension {} need {} (use --layout invocation)",
                    shape.n,
                    shape.d,
                    sizes.uniform_bytes()
                ),
            ));
        }
        Ok(sizes)
    }

    /// Whether the unit layout takes a network of `shape` on every adapter (its data fit
    /// [`UNIFORM_MAX`], which WebGPU guarantees as a uniform binding).
    pub fn fits(shape: Shape) -> bool {
        UnitSizes::new(shape, Activation::Identity, UNIFORM_MAX).is_ok()
    }

    /// vec4s per X row, `ceil(d / 4)`.
    pub fn d4(&self) -> usize {
        self.shape.d.div_ceil(4)
    }

    /// Data points rounded up to whole chunks (the padding rows are zero and count nowhere).
    pub fn padded_n(&self) -> usize {
        self.shape.n.div_ceil(self.chunk) * self.chunk
    }

    /// Invocations per workgroup.
    pub fn workgroup(&self) -> usize {
        self.nets * self.shape.width
    }

    /// vec4s of the uniform buffer: X's padded rows, then Y.
    fn vec4s(&self) -> usize {
        self.padded_n() * self.d4() + self.padded_n().div_ceil(4)
    }

    /// Bytes of the uniform buffer.
    pub fn uniform_bytes(&self) -> u64 {
        self.vec4s() as u64 * 16
    }

    /// The WGSL constants the kernel is compiled with (`nn/unit_sizes`).
    pub fn header(&self) -> String {
        let Shape { d, width, n } = self.shape;
        let lane = |l: usize| if (self.d4() - 1) * 4 + l < d { "true" } else { "false" };
        format!(
            "const D: u32 = {d}u;\nconst D4: u32 = {}u;\nconst N: u32 = {n}u;\nconst NP: u32 = {}u;\n\
             const W: u32 = {width}u;\nconst NETS: u32 = {}u;\nconst WG: u32 = {}u;\n\
             const CH: u32 = {}u;\nconst ACT: u32 = {}u;\nconst XV: u32 = {}u;\n\
             const Y_AT: u32 = {}u;\nconst LAST: vec4<bool> = vec4<bool>({}, {}, {}, {});\n",
            self.d4(),
            self.padded_n(),
            self.nets,
            self.workgroup(),
            self.chunk,
            self.act.code(),
            self.vec4s(),
            self.padded_n() * self.d4(),
            lane(0),
            lane(1),
            lane(2),
            lane(3),
        )
    }

    /// The kernel composed with these constants.
    pub fn source(&self) -> Result<String, Error> {
        let header = self.header();
        crate::shader::resolve("nn/train_unit", &|name| match name {
            "nn/unit_sizes" => Some(header.clone()),
            other => crate::shader::source(other),
        })
    }

    /// The uniform buffer's contents: X row by row, each padded with zeros to `4 * d4` and the
    /// rows to [`UnitSizes::padded_n`], then Y padded with zeros to whole vec4s.
    pub fn uniform_data(&self, data: &NetData) -> Vec<f32> {
        let (d, d4, np) = (self.shape.d, self.d4(), self.padded_n());
        let mut out = vec![0.0f32; self.vec4s() * 4];
        for (i, row) in data.x.chunks(d).enumerate() {
            out[i * d4 * 4..i * d4 * 4 + d].copy_from_slice(row);
        }
        out[np * d4 * 4..np * d4 * 4 + data.y.len()].copy_from_slice(&data.y);
        out
    }

    /// Loop iterations one step takes an invocation, counted generously (every loop of the
    /// kernel's, unrolled or not): what [`UnitSizes::steps_per_dispatch`] divides the budget by.
    pub fn iterations_per_step(&self) -> u64 {
        let (d4, w, ch) = (self.d4() as u64, self.shape.width as u64, self.chunk as u64);
        let chunks = (self.padded_n() / self.chunk) as u64;
        chunks * (ch * (2 * d4 + 2) + ch.div_ceil(w) * (w + 1) + 1) + 2 * d4 + w + 8
    }

    /// Whole steps per dispatch within `budget` loop iterations per invocation (the loads and
    /// stores of the weights counted too), between 1 and `steps`.
    pub fn steps_per_dispatch(&self, budget: u64, steps: u32) -> u32 {
        let fixed = 2 * self.shape.d as u64 + 16;
        (budget.saturating_sub(fixed) / self.iterations_per_step()).clamp(1, steps.max(1) as u64) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(d: usize, width: usize, n: usize) -> UnitSizes {
        UnitSizes::new(Shape { d, width, n }, Activation::Tanh, UNIFORM_MAX).unwrap()
    }

    #[test]
    fn the_default_network_takes_four_networks_per_workgroup_and_17_kib_of_data() {
        let s = sizes(16, 16, 272);
        assert_eq!((s.nets, s.workgroup(), s.chunk, s.padded_n(), s.d4()), (4, 64, 16, 272, 4));
        assert_eq!(s.uniform_bytes(), (272 * 4 + 68) * 16);
        let odd = sizes(3, 24, 5);
        assert_eq!((odd.nets, odd.workgroup(), odd.chunk, odd.padded_n(), odd.d4()), (3, 72, 5, 5, 1));
        assert!(odd.header().contains("vec4<bool>(true, true, true, false)"));
        assert!(UnitSizes::fits(Shape { d: 16, width: 16, n: 272 }));
        assert!(!UnitSizes::fits(Shape { d: 64, width: 4, n: 300 }));
    }

    #[test]
    fn the_kernel_composes_and_validates_for_odd_and_extreme_shapes() {
        for (d, width, n) in [(16, 16, 272), (1, 1, 1), (3, 24, 5), (64, 64, 17), (5, 7, 40)] {
            for act in Activation::ALL {
                let s = UnitSizes::new(Shape { d, width, n }, act, UNIFORM_MAX).unwrap();
                let source = s.source().unwrap();
                crate::shader::validate(&source).unwrap_or_else(|e| panic!("{d} {width} {n}: {e}"));
            }
        }
    }

    #[test]
    fn data_beyond_the_uniform_limit_is_refused_naming_the_flag() {
        let err = UnitSizes::new(Shape { d: 64, width: 4, n: 300 }, Activation::Relu, UNIFORM_MAX)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--layout") && err.contains("uniform"), "{err}");
    }

    #[test]
    fn the_uniform_data_pads_rows_and_points_with_zeros() {
        let data = NetData::from_seed(Shape { d: 3, width: 2, n: 5 }, 1).unwrap();
        let s = UnitSizes::new(data.shape, Activation::Tanh, UNIFORM_MAX).unwrap();
        let u = s.uniform_data(&data);
        assert_eq!(u.len(), (5 + 2) * 4);
        assert_eq!(&u[4..7], &data.x[3..6]);
        assert_eq!(u[7], 0.0);
        assert_eq!(&u[20..25], &data.y[..]);
    }

    #[test]
    fn a_dispatch_stays_within_the_loop_budget() {
        let s = sizes(16, 16, 272);
        let k = s.steps_per_dispatch(32_768, 500);
        assert!(k >= 1 && k as u64 * s.iterations_per_step() + 48 <= 32_768, "{k}");
        assert_eq!(s.steps_per_dispatch(1 << 40, 500), 500);
    }
}
