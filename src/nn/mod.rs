//! Tiny neural networks as loss landscapes: the trainability maps of Sohl-Dickstein (2024, "The
//! boundary of neural network trainability is fractal"), one full-batch gradient-descent run
//! per cell of a grid of per-layer learning rates.
//!
//! The network has one hidden layer and no biases, in mean-field parameterisation: hidden
//! pre-activations `Z = X W0 / sqrt(d)`, output `phi(Z) W1 / sqrt(width)`, loss the mean over
//! the `n` data points of `(output - y)^2`. `X` is `n x d`, `W0` is `d x width`, `W1` is
//! `width x 1`, all row-major. Data and initial weights come from a seed ([`NetData::from_seed`],
//! standard normals, identical on every backend because they are drawn on the host) or from an
//! `.npz` file with arrays `X`, `Y`, `W0`, `W1` ([`NetData::from_npz`]). They are kept both as
//! read (f64, what the f64 path trains) and rounded to f32 (what the f32 path and the GPU train).

pub mod adam;
pub mod build;
pub mod cpu;
pub mod gpu;
pub mod job;
mod lanes;
pub mod map;
pub mod scalar;
pub mod sharpness;
pub mod single;
pub mod train;
pub mod unit;

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// Largest input dimension and width the kernels support (their private arrays' size).
pub const MAX_DIM: usize = 64;

/// The hidden layer's nonlinearity, scaled so that its output has unit variance for unit
/// normal input (up to the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `tanh(sqrt(2) z)`.
    Tanh,
    /// `sqrt(2) max(z, 0)`.
    Relu,
    /// `z`.
    Identity,
}

impl Activation {
    /// Every activation.
    pub const ALL: [Activation; 3] = [Activation::Tanh, Activation::Relu, Activation::Identity];

    /// The name `--activation` takes.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Identity => "identity",
        }
    }

    /// The activation named `name`, or an error naming the flag.
    pub fn from_name(name: &str) -> Result<Activation, Error> {
        Activation::ALL.into_iter().find(|a| a.name() == name).ok_or_else(|| {
            let names = Activation::ALL.map(|a| a.name());
            Error::input(
                "--activation",
                format!(
                    "unknown activation `{name}`{}; known: {}",
                    crate::error::did_you_mean(name, names),
                    names.join(", ")
                ),
            )
        })
    }

    /// The code the kernel switches on.
    pub fn code(self) -> u32 {
        match self {
            Activation::Tanh => 0,
            Activation::Relu => 1,
            Activation::Identity => 2,
        }
    }

    /// `phi(z)` and `phi'(z)`, with [`Real::twin_tanh`] for the tanh.
    #[inline(always)]
    pub fn eval<T: Real>(self, z: T) -> (T, T) {
        match self {
            Activation::Tanh => tanh_unit(z),
            Activation::Relu => relu_unit(z),
            Activation::Identity => (z, T::one()),
        }
    }

    /// [`Activation::eval`] of every lane: the same operations, lane by lane (the match
    /// outside the lane loop, so that the loop vectorises).
    #[inline(always)]
    pub fn eval_lanes<T: Real, const L: usize>(self, z: &[T; L]) -> ([T; L], [T; L]) {
        match self {
            Activation::Tanh => each_lane(z, tanh_unit),
            Activation::Relu => each_lane(z, relu_unit),
            Activation::Identity => each_lane(z, |z| (z, T::one())),
        }
    }
}

/// `f` of every lane of `z` (generic, so that `f` is inlined into the lane loop).
#[inline(always)]
fn each_lane<T: Real, const L: usize>(z: &[T; L], f: impl Fn(T) -> (T, T)) -> ([T; L], [T; L]) {
    let (mut h, mut dh) = ([T::zero(); L], [T::zero(); L]);
    for l in 0..L {
        (h[l], dh[l]) = f(z[l]);
    }
    (h, dh)
}

/// `tanh(sqrt(2) z)` and its derivative.
#[inline(always)]
fn tanh_unit<T: Real>(z: T) -> (T, T) {
    let root2 = T::from(std::f64::consts::SQRT_2).expect("a float");
    let t = (root2 * z).twin_tanh();
    (t, root2 * (T::one() - t * t))
}

/// `sqrt(2) max(z, 0)` and its derivative (0 at 0 and for NaN).
#[inline(always)]
fn relu_unit<T: Real>(z: T) -> (T, T) {
    let root2 = T::from(std::f64::consts::SQRT_2).expect("a float");
    let on = z > T::zero();
    (if on { root2 * z } else { T::zero() }, if on { root2 } else { T::zero() })
}

pub use crate::numeric::{Real, tanh_f32};

/// Sizes of the network and its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shape {
    /// Input dimension `d`.
    pub d: usize,
    /// Hidden width.
    pub width: usize,
    /// Number of data points `n`.
    pub n: usize,
}

impl Shape {
    /// Number of trained parameters, `d * width + width`.
    pub fn params(&self) -> usize {
        self.d * self.width + self.width
    }

    /// Floating-point operations of one loss evaluation (pass 1: the forward pass over all
    /// `n` points), a multiply-add counted as two: per point `2 d width` for the
    /// pre-activations, `4 width` for scaling them, the activation (one operation) and the
    /// output's multiply-add, and `4` for the output's scale, the residual, its square and
    /// the sum.
    pub fn flops_per_loss(&self) -> f64 {
        let (n, d, w) = (self.n as f64, self.d as f64, self.width as f64);
        n * (2.0 * d * w + 4.0 * w + 4.0)
    }

    /// Floating-point operations of one update with `batch` points in the gradient (pass 2 and
    /// the step): per point `1` for the residual's scale, `5 width` for the output layer's
    /// gradient (a multiply-add) and the hidden units' (three multiplies), `2 d width` for the
    /// input layer's gradient; then `2` per parameter for the step. The pre-activations pass 2
    /// needs are counted once, in pass 1, whether or not a backend computes them again.
    pub fn flops_per_update(&self, batch: usize) -> f64 {
        let (b, d, w) = (batch.min(self.n) as f64, self.d as f64, self.width as f64);
        b * (2.0 * d * w + 5.0 * w + 1.0) + 2.0 * self.params() as f64
    }

    /// Floating-point operations of `losses` loss evaluations and `updates` updates with
    /// `batch` points in the gradient.
    pub fn flops(&self, losses: u64, updates: u64, batch: usize) -> f64 {
        losses as f64 * self.flops_per_loss() + updates as f64 * self.flops_per_update(batch)
    }

    /// Checks the sizes; errors name `file` (sizes read from a file) or the flag of the size
    /// at fault.
    fn check(&self, file: Option<&str>) -> Result<(), Error> {
        let culprit = |flag: &str| file.unwrap_or(flag).to_string();
        for (flag, v, max) in
            [("--dim", self.d, MAX_DIM), ("--width", self.width, MAX_DIM), ("--data", self.n, 1 << 16)]
        {
            if v == 0 || v > max {
                let what = &flag[2..];
                return Err(Error::input(
                    culprit(flag),
                    format!("{what} {v} must be 1 to {max} (the kernels' limit)"),
                ));
            }
        }
        Ok(())
    }
}

/// A network's data and initial weights, rounded to f32 (the f32 path's and the GPU's) and as
/// read ([`NetData::exact`], the f64 path's).
#[derive(Clone, Debug, PartialEq)]
pub struct NetData {
    /// Sizes.
    pub shape: Shape,
    /// Inputs, `n x d` row-major, rounded to f32.
    pub x: Vec<f32>,
    /// Targets, `n`, rounded to f32.
    pub y: Vec<f32>,
    /// Initial input-layer weights, `d x width` row-major, rounded to f32.
    pub w0: Vec<f32>,
    /// Initial output-layer weights, `width`, rounded to f32.
    pub w1: Vec<f32>,
    /// The same arrays in f64, as drawn or read (a float32 file's values widened exactly).
    pub exact: Arrays<f64>,
}

/// A network's four arrays in one float type.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrays<T> {
    /// Inputs, `n x d` row-major.
    pub x: Vec<T>,
    /// Targets, `n`.
    pub y: Vec<T>,
    /// Initial input-layer weights, `d x width` row-major.
    pub w0: Vec<T>,
    /// Initial output-layer weights, `width`.
    pub w1: Vec<T>,
}

impl NetData {
    /// The data `exact`, with its f32 rounding (`as f32`, to nearest) alongside.
    fn new(shape: Shape, exact: Arrays<f64>) -> NetData {
        let r = |v: &[f64]| v.iter().map(|&v| v as f32).collect();
        NetData { shape, x: r(&exact.x), y: r(&exact.y), w0: r(&exact.w0), w1: r(&exact.w1), exact }
    }

    /// The same network with its initial output-layer weights multiplied by `factor` (in f64,
    /// then rounded to f32 as [`NetData::w1`] always is).
    pub fn with_w1_scaled(&self, factor: f64) -> NetData {
        let mut exact = self.exact.clone();
        for v in &mut exact.w1 {
            *v *= factor;
        }
        NetData::new(self.shape, exact)
    }

    /// The exact arrays converted to `T`: in f32 the same values as [`NetData::x`] and the
    /// rest (`as f32` rounds to nearest, as `T::from` does), in f64 the values as read.
    pub fn arrays<T: Real>(&self) -> Arrays<T> {
        let c = |v: &[f64]| v.iter().map(|&x| T::from(x).expect("a float")).collect();
        let e = &self.exact;
        Arrays { x: c(&e.x), y: c(&e.y), w0: c(&e.w0), w1: c(&e.w1) }
    }
}

/// Standard normal draws number `index` of stream `stream` for `seed` (counter-based: the
/// same numbers on every machine), drawn in f32.
fn normal(seed: u32, stream: u32, index: u32) -> f64 {
    crate::options::gaussian(seed, stream, index / 2)[(index % 2) as usize] as f64
}

impl NetData {
    /// Data `X ~ N(0, 1)`, `Y ~ N(0, 1)` and weights `W0, W1 ~ N(0, 1)` drawn from `seed`, each
    /// array from its own stream.
    pub fn from_seed(shape: Shape, seed: u32) -> Result<NetData, Error> {
        shape.check(None)?;
        let draw = |stream: u32, len: usize| (0..len as u32).map(|i| normal(seed, stream, i)).collect();
        let exact = Arrays {
            x: draw(1, shape.n * shape.d),
            y: draw(2, shape.n),
            w0: draw(3, shape.d * shape.width),
            w1: draw(4, shape.width),
        };
        Ok(NetData::new(shape, exact))
    }

    /// Reads `X` (`n x d`), `Y` (`n` or `n x 1`), `W0` (`d x width`) and `W1` (`width` or
    /// `width x 1`) from an `.npz` archive (stored or deflated; float32 or float64, kept as
    /// read in [`NetData::exact`]).
    pub fn from_npz(path: &Path) -> Result<NetData, Error> {
        let culprit = path.display().to_string();
        let bad = |m: String| Error::input(&culprit, m);
        let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not an .npz archive: {e}")))?;
        let mut array = |name: &str| -> Result<(Vec<u64>, Vec<f64>), Error> {
            let mut entry =
                zip.by_name(&format!("{name}.npy")).map_err(|_| bad(format!("has no array `{name}`")))?;
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| bad(format!("reading `{name}`: {e}")))?;
            let npy =
                npyz::NpyFile::new(&bytes[..]).map_err(|e| bad(format!("`{name}` is not an array: {e}")))?;
            let shape = npy.shape().to_vec();
            let values = match npy.into_vec::<f32>() {
                Ok(v) => v.into_iter().map(f64::from).collect(),
                Err(_) => npyz::NpyFile::new(&bytes[..])
                    .and_then(|f| f.into_vec::<f64>())
                    .map_err(|_| bad(format!("`{name}` must be float32 or float64")))?,
            };
            if values.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("`{name}` has non-finite values")));
            }
            if values.iter().any(|&v| !(v as f32).is_finite()) {
                return Err(bad(format!("`{name}` has values beyond f32's range (|v| > 3.4e38)")));
            }
            Ok((shape, values))
        };
        let (xs, x) = array("X")?;
        let (ys, y) = array("Y")?;
        let (w0s, w0) = array("W0")?;
        let (w1s, w1) = array("W1")?;
        let [n, d] = xs[..] else { return Err(bad(format!("X must be 2-D (n x d), not {xs:?}"))) };
        let [d0, width] = w0s[..] else {
            return Err(bad(format!("W0 must be 2-D (d x width), not {w0s:?}")));
        };
        let column = |s: &[u64], len: u64| s == [len] || s == [len, 1];
        if d0 != d || !column(&ys, n) || !column(&w1s, width) {
            return Err(bad(format!(
                "shapes do not fit: X {xs:?}, Y {ys:?}, W0 {w0s:?}, W1 {w1s:?} (want n x d, n, d x width, width)"
            )));
        }
        let shape = Shape { d: d as usize, width: width as usize, n: n as usize };
        shape.check(Some(&culprit))?;
        Ok(NetData::new(shape, Arrays { x, y, w0, w1 }))
    }
}

/// The loss and its gradient with respect to `W0` and `W1` (written into `g0`, `g1`), in any
/// float type (on [`NetData::arrays`] in that type), computed directly from the definition: the
/// reference the kernels are held to, and the function finite differences check.
pub fn loss_grad<T: Real>(
    data: &NetData,
    act: Activation,
    w0: &[T],
    w1: &[T],
    g0: &mut [T],
    g1: &mut [T],
) -> T {
    let Shape { d, width, n } = data.shape;
    let Arrays { x, y, .. } = data.arrays::<T>();
    let (sd, sw) = (T::from(d).unwrap().sqrt(), T::from(width).unwrap().sqrt());
    let nn = T::from(n).unwrap();
    g0.iter_mut().for_each(|g| *g = T::zero());
    g1.iter_mut().for_each(|g| *g = T::zero());
    let mut loss = T::zero();
    let mut z = vec![T::zero(); width];
    for i in 0..n {
        let xi = &x[i * d..(i + 1) * d];
        for (j, zj) in z.iter_mut().enumerate() {
            *zj = (0..d).fold(T::zero(), |s, k| s + xi[k] * w0[k * width + j]) / sd;
        }
        let out = (0..width).fold(T::zero(), |s, j| s + act.eval(z[j]).0 * w1[j]) / sw;
        let e = out - y[i];
        loss = loss + e * e;
        let dout = (T::one() + T::one()) * e / nn;
        for j in 0..width {
            let (h, dh) = act.eval(z[j]);
            g1[j] = g1[j] + dout * h / sw;
            let dz = dout * w1[j] / sw * dh;
            for k in 0..d {
                g0[k * width + j] = g0[k * width + j] + xi[k] * dz / sd;
            }
        }
    }
    loss / nn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_twin_tanh_is_within_two_and_a_half_ulp_everywhere() {
        let ulp = |v: f32| f32::from_bits(v.abs().to_bits() + 1) - v.abs();
        let mut worst = 0.0f64;
        // Every 64th f32 from 1e-6 to 12 (both branches and the switch between them), both signs.
        let (lo, hi) = (1e-6f32.to_bits(), 12f32.to_bits());
        for bits in (lo..hi).step_by(64) {
            for x in [f32::from_bits(bits), -f32::from_bits(bits)] {
                let exact = (x as f64).tanh();
                let err = (tanh_f32(x) as f64 - exact).abs() / ulp(exact as f32) as f64;
                worst = worst.max(err);
            }
        }
        assert!(worst <= 2.5, "worst error {worst} ulp");
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh_f32(1e30), 1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
        assert_eq!(tanh_f32(1e-30), 1e-30);
    }
}
