//! Registry of 2-D loss landscapes: names, parameters, default domains, known minima, and the
//! CPU twins of the WGSL pieces in `shaders/landscapes/`.
//!
//! Every twin is generic over [`num_traits::Float`]: the CPU runner uses the f32 instance (the
//! same math as the kernel), and the finite-difference tests use the f64 instance.

mod builtin;

pub use builtin::{bumpy, himmelblau, quadratic, rosenbrock, saddle};

use crate::error::{Error, did_you_mean};
use crate::param::ParamDef;

/// Loss at a point, given the landscape's parameter vector `c` (slots 2..6).
pub type LossFn<T> = fn([T; 2], [T; 4]) -> T;
/// Gradient `(df/dx, df/dy)` at a point.
pub type GradFn<T> = fn([T; 2], [T; 4]) -> [T; 2];
/// Hessian `(d2f/dx2, d2f/dxdy, d2f/dy2)` at a point.
pub type HessFn<T> = fn([T; 2], [T; 4]) -> [T; 3];

/// A known local or global minimum, used to label basins.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// Short label for legends and metadata, e.g. `(3, 2)`.
    pub label: String,
    /// Location `(x, y)`.
    pub at: [f64; 2],
}

/// A landscape: a scalar function of `(x, y)` and up to four named parameters.
pub struct Landscape {
    /// Registry name (`--landscape NAME`); also the WGSL piece `shaders/landscapes/NAME.wgsl`.
    pub name: &'static str,
    /// The formula, as shown by `downhill list`.
    pub formula: &'static str,
    /// Parameters in slot order (slot = `param::LANDSCAPE_BASE` + index).
    pub params: &'static [ParamDef],
    /// Default start-point domain `[x_lo, x_hi, y_lo, y_hi]` for basin maps.
    pub domain: [f64; 4],
    /// Known minima for the given parameter vector (empty where there are none).
    pub minima: fn([f64; 4]) -> Vec<Minimum>,
    /// f32 twin of WGSL `loss`.
    pub loss: LossFn<f32>,
    /// f32 twin of WGSL `grad`.
    pub grad: GradFn<f32>,
    /// f32 twin of WGSL `hess`.
    pub hess: HessFn<f32>,
    /// f64 instance of `loss`, for finite-difference checks and analysis.
    pub loss64: LossFn<f64>,
    /// f64 instance of `grad`.
    pub grad64: GradFn<f64>,
    /// f64 instance of `hess`.
    pub hess64: HessFn<f64>,
}

impl std::fmt::Debug for Landscape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Landscape")
            .field("name", &self.name)
            .finish()
    }
}

macro_rules! entry {
    ($m:ident, $formula:expr, $params:expr, $domain:expr, $minima:expr) => {
        Landscape {
            name: stringify!($m),
            formula: $formula,
            params: $params,
            domain: $domain,
            minima: $minima,
            loss: $m::loss::<f32>,
            grad: $m::grad::<f32>,
            hess: $m::hess::<f32>,
            loss64: $m::loss::<f64>,
            grad64: $m::grad::<f64>,
            hess64: $m::hess::<f64>,
        }
    };
}

/// Every built-in landscape, in the order `downhill list` shows them.
pub static LANDSCAPES: &[Landscape] = &[
    entry!(
        quadratic,
        "0.5*(kx*x^2 + ky*y^2)",
        quadratic::PARAMS,
        [-2.0, 2.0, -2.0, 2.0],
        quadratic::minima
    ),
    entry!(
        rosenbrock,
        "(a - x)^2 + b*(y - x^2)^2",
        rosenbrock::PARAMS,
        [-2.0, 2.0, -1.0, 3.0],
        rosenbrock::minima
    ),
    entry!(saddle, "x^2 - y^2", &[], [-2.0, 2.0, -2.0, 2.0], |_| {
        Vec::new()
    }),
    entry!(
        bumpy,
        "0.1*(x^2 + y^2) + sin(x)*sin(y)",
        &[],
        [-6.0, 6.0, -6.0, 6.0],
        bumpy::minima
    ),
    entry!(
        himmelblau,
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        &[],
        [-5.0, 5.0, -5.0, 5.0],
        himmelblau::minima
    ),
];

/// Looks a landscape up by name; the error names `culprit` and suggests the closest name.
pub fn find(name: &str, culprit: &str) -> Result<&'static Landscape, Error> {
    LANDSCAPES.iter().find(|l| l.name == name).ok_or_else(|| {
        Error::input(
            culprit,
            format!(
                "unknown landscape `{name}`{}; `downhill list` shows them all",
                did_you_mean(name, LANDSCAPES.iter().map(|l| l.name))
            ),
        )
    })
}
