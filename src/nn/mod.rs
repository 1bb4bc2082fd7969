//! Tiny neural networks as loss landscapes: the trainability maps of Sohl-Dickstein (2024, "The
//! boundary of neural network trainability is fractal"), one full-batch gradient-descent run
//! per cell of a grid of per-layer learning rates.
//!
//! The network has one hidden layer and no biases, in mean-field parameterisation: hidden
//! pre-activations `Z = X W0 / sqrt(d)`, output `phi(Z) W1 / sqrt(width)`, loss the mean over
//! the `n` data points of `(output - y)^2`. `X` is `n x d`, `W0` is `d x width`, `W1` is
//! `width x 1`, all row-major f32. Data and initial weights come from a seed ([`NetData::from_seed`],
//! standard normals, identical on every backend because they are drawn on the host) or from an
//! `.npz` file with arrays `X`, `Y`, `W0`, `W1` ([`NetData::from_npz`]).

pub mod cpu;
pub mod gpu;
pub mod job;
pub mod map;
pub mod train;

use std::io::Read;
use std::path::Path;

use num_traits::Float;

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

    /// `phi(z)` and `phi'(z)`.
    pub fn eval<T: Float>(self, z: T) -> (T, T) {
        let root2 = T::from(std::f64::consts::SQRT_2).expect("a float");
        match self {
            Activation::Tanh => {
                let t = (root2 * z).tanh();
                (t, root2 * (T::one() - t * t))
            }
            Activation::Relu => {
                if z > T::zero() {
                    (root2 * z, root2)
                } else {
                    (T::zero(), T::zero())
                }
            }
            Activation::Identity => (z, T::one()),
        }
    }
}

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

    /// Floating-point operations of one training step as the kernels do it (two passes over
    /// the data, the second recomputing the pre-activations one hidden unit at a time):
    /// `6 n d width` multiply-adds counted as two each, plus about `12 n width` for the
    /// activations, residuals and accumulations, plus `2` per parameter for the update.
    pub fn flops_per_step(&self) -> f64 {
        let (n, d, w) = (self.n as f64, self.d as f64, self.width as f64);
        6.0 * n * d * w + 12.0 * n * w + 2.0 * self.params() as f64
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

/// A network's data and initial weights.
#[derive(Clone, Debug, PartialEq)]
pub struct NetData {
    /// Sizes.
    pub shape: Shape,
    /// Inputs, `n x d` row-major.
    pub x: Vec<f32>,
    /// Targets, `n`.
    pub y: Vec<f32>,
    /// Initial input-layer weights, `d x width` row-major.
    pub w0: Vec<f32>,
    /// Initial output-layer weights, `width`.
    pub w1: Vec<f32>,
}

/// Standard normal draws number `index` of stream `stream` for `seed` (counter-based: the
/// same numbers on every machine).
fn normal(seed: u32, stream: u32, index: u32) -> f32 {
    crate::options::gaussian(seed, stream, index / 2)[(index % 2) as usize]
}

impl NetData {
    /// Data `X ~ N(0, 1)`, `Y ~ N(0, 1)` and weights `W0, W1 ~ N(0, 1)` drawn from `seed`, each
    /// array from its own stream.
    pub fn from_seed(shape: Shape, seed: u32) -> Result<NetData, Error> {
        shape.check(None)?;
        let draw = |stream: u32, len: usize| (0..len as u32).map(|i| normal(seed, stream, i)).collect();
        Ok(NetData {
            shape,
            x: draw(1, shape.n * shape.d),
            y: draw(2, shape.n),
            w0: draw(3, shape.d * shape.width),
            w1: draw(4, shape.width),
        })
    }

    /// Reads `X` (`n x d`), `Y` (`n` or `n x 1`), `W0` (`d x width`) and `W1` (`width` or
    /// `width x 1`) from an `.npz` archive (stored or deflated; float32 or float64).
    pub fn from_npz(path: &Path) -> Result<NetData, Error> {
        let culprit = path.display().to_string();
        let bad = |m: String| Error::input(&culprit, m);
        let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not an .npz archive: {e}")))?;
        let mut array = |name: &str| -> Result<(Vec<u64>, Vec<f32>), Error> {
            let mut entry =
                zip.by_name(&format!("{name}.npy")).map_err(|_| bad(format!("has no array `{name}`")))?;
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| bad(format!("reading `{name}`: {e}")))?;
            let npy =
                npyz::NpyFile::new(&bytes[..]).map_err(|e| bad(format!("`{name}` is not an array: {e}")))?;
            let shape = npy.shape().to_vec();
            let values = match npy.into_vec::<f32>() {
                Ok(v) => v,
                Err(_) => npyz::NpyFile::new(&bytes[..])
                    .and_then(|f| f.into_vec::<f64>())
                    .map_err(|_| bad(format!("`{name}` must be float32 or float64")))?
                    .into_iter()
                    .map(|v| v as f32)
                    .collect(),
            };
            if values.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("`{name}` has non-finite values")));
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
        Ok(NetData { shape, x, y, w0, w1 })
    }
}

/// The loss and its gradient with respect to `W0` and `W1` (written into `g0`, `g1`), in any
/// float type, computed directly from the definition: the reference the f32 kernels are held
/// to, and the function finite differences check.
pub fn loss_grad<T: Float>(
    data: &NetData,
    act: Activation,
    w0: &[T],
    w1: &[T],
    g0: &mut [T],
    g1: &mut [T],
) -> T {
    let Shape { d, width, n } = data.shape;
    let c = |v: f32| T::from(v).expect("a float");
    let (sd, sw) = (T::from(d).unwrap().sqrt(), T::from(width).unwrap().sqrt());
    let nn = T::from(n).unwrap();
    g0.iter_mut().for_each(|g| *g = T::zero());
    g1.iter_mut().for_each(|g| *g = T::zero());
    let mut loss = T::zero();
    let mut z = vec![T::zero(); width];
    for i in 0..n {
        let xi = &data.x[i * d..(i + 1) * d];
        for (j, zj) in z.iter_mut().enumerate() {
            *zj = (0..d).fold(T::zero(), |s, k| s + c(xi[k]) * w0[k * width + j]) / sd;
        }
        let out = (0..width).fold(T::zero(), |s, j| s + act.eval(z[j]).0 * w1[j]) / sw;
        let e = out - c(data.y[i]);
        loss = loss + e * e;
        let dout = (T::one() + T::one()) * e / nn;
        for j in 0..width {
            let (h, dh) = act.eval(z[j]);
            g1[j] = g1[j] + dout * h / sw;
            let dz = dout * w1[j] / sw * dh;
            for k in 0..d {
                g0[k * width + j] = g0[k * width + j] + c(xi[k]) * dz / sd;
            }
        }
    }
    loss / nn
}
