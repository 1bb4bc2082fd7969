//! Registry of 2-D loss landscapes: names, parameters, default domains, known minima, and the
//! CPU twins of the WGSL pieces in `shaders/landscapes/`.
//!
//! Every twin is generic over [`crate::numeric::Real`]: the CPU runner uses the f32 instance (the
//! same math as the kernel), and the finite-difference tests use the f64 instance.

mod builtin;
mod classic;

pub use builtin::{bumpy, himmelblau, quadratic, rosenbrock, saddle};
pub use classic::{
    ackley, beale, booth, goldstein_price, levi, liu, matyas, mccormick, monkey_saddle, rastrigin, rotated,
    six_hump_camel, styblinski_tang, three_hump_camel,
};

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use rayon::prelude::*;

use crate::error::{Error, did_you_mean};
use crate::param::ParamDef;

/// A literal in any float type.
#[inline(always)]
fn lit<T: num_traits::Float>(v: f64) -> T {
    T::from(v).expect("literal fits every float type")
}

/// Loss at a point, given the landscape's parameter vector `c` (slots 2..6).
pub type LossFn<T> = fn([T; 2], [T; 4]) -> T;
/// Gradient `(df/dx, df/dy)` at a point.
pub type GradFn<T> = fn([T; 2], [T; 4]) -> [T; 2];
/// Hessian `(d2f/dx2, d2f/dxdy, d2f/dy2)` at a point.
pub type HessFn<T> = fn([T; 2], [T; 4]) -> [T; 3];

/// A known local or global minimum, used to label basins.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// Short label for legends and metadata, e.g. `(3.00, 2.00)`.
    pub label: String,
    /// Location `(x, y)`.
    pub at: [f64; 2],
    /// Loss there.
    pub loss: f64,
}

/// A landscape: a scalar function of `(x, y)` and up to four named parameters.
pub struct Landscape {
    /// Registry name (`--landscape NAME`).
    pub name: &'static str,
    /// The WGSL piece `shaders/landscapes/PIECE.wgsl` (differs from `name` for presets such
    /// as `bowl` and `ravine`, which are other landscapes with other defaults).
    pub piece: &'static str,
    /// The formula, as shown by `downhill list`.
    pub formula: &'static str,
    /// Parameters in slot order (slot = `param::LANDSCAPE_BASE` + index).
    pub params: &'static [ParamDef],
    /// Default start-point domain `[x_lo, x_hi, y_lo, y_hi]` for basin maps.
    pub domain: [f64; 4],
    /// Minima that Newton's method cannot find because the function has a kink there
    /// (ackley's origin); the smooth ones are found by [`Landscape::minima`].
    pub kinks: &'static [[f64; 2]],
    /// The functions: compiled twins, or an expression tree.
    pub funcs: Funcs,
}

/// How a landscape's loss, gradient and Hessian are computed on the CPU.
pub enum Funcs {
    /// Compiled Rust twins of a built-in WGSL piece, in f32 (the runner) and f64 (analysis).
    Builtin {
        /// f32 twin of WGSL `loss`.
        loss: LossFn<f32>,
        /// f32 twin of WGSL `grad`.
        grad: GradFn<f32>,
        /// f32 twin of WGSL `hess`.
        hess: HessFn<f32>,
        /// f64 instance of `loss`.
        loss64: LossFn<f64>,
        /// f64 instance of `grad`.
        grad64: GradFn<f64>,
        /// f64 instance of `hess`.
        hess64: HessFn<f64>,
        /// `loss` over a block of lanes (the f32 twin, vectorised).
        loss_lanes: crate::simd::LossLanes,
        /// `grad` over a block of lanes (the f32 twin, vectorised).
        grad_lanes: crate::simd::GradLanes,
        /// `hess` over a block of lanes (the f32 twin, vectorised).
        hess_lanes: crate::simd::HessLanes,
    },
    /// A user-written expression, its derivatives and its generated WGSL piece.
    Expr(Box<crate::expr::Compiled>),
}

impl std::fmt::Debug for Landscape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Landscape").field("name", &self.name).finish()
    }
}

/// `(x, y)` to two decimals, without negative zeros.
/// A point as a short label, `(1.30, -1.30)`, with values within 0.005 of zero shown as 0.
pub fn point_label(at: [f64; 2]) -> String {
    let r = |v: f64| if v.abs() < 0.005 { 0.0 } else { v };
    format!("({:.2}, {:.2})", r(at[0]), r(at[1]))
}

/// Newton starts per axis when searching a domain for minima.
const SEARCH_GRID: usize = 101;

impl Landscape {
    /// Loss at `p` (f32, the runner's arithmetic).
    pub fn loss(&self, p: [f32; 2], c: [f32; 4]) -> f32 {
        match &self.funcs {
            Funcs::Builtin { loss, .. } => loss(p, c),
            Funcs::Expr(e) => e.loss(p, c),
        }
    }

    /// Gradient at `p` (f32).
    pub fn grad(&self, p: [f32; 2], c: [f32; 4]) -> [f32; 2] {
        match &self.funcs {
            Funcs::Builtin { grad, .. } => grad(p, c),
            Funcs::Expr(e) => e.grad(p, c),
        }
    }

    /// Hessian `(d2f/dx2, d2f/dxdy, d2f/dy2)` at `p` (f32).
    pub fn hess(&self, p: [f32; 2], c: [f32; 4]) -> [f32; 3] {
        match &self.funcs {
            Funcs::Builtin { hess, .. } => hess(p, c),
            Funcs::Expr(e) => e.hess(p, c),
        }
    }

    /// The loss at every lane of a block, the same bits as [`Landscape::loss`] lane by lane.
    pub fn loss_lanes(
        &self,
        x: &crate::simd::Lane,
        y: &crate::simd::Lane,
        c: &[crate::simd::Lane; 4],
        loss: &mut crate::simd::Lane,
    ) {
        match &self.funcs {
            Funcs::Builtin { loss_lanes, .. } => loss_lanes(x, y, c, loss),
            Funcs::Expr(e) => *loss = e.loss.eval_lanes(x, y, c),
        }
    }

    /// The gradient at every lane of a block: `(gx, gy)` at `(x, y)` with parameters `c`, the
    /// same bits as [`Landscape::grad`] lane by lane.
    pub fn grad_lanes(
        &self,
        x: &crate::simd::Lane,
        y: &crate::simd::Lane,
        c: &[crate::simd::Lane; 4],
        gx: &mut crate::simd::Lane,
        gy: &mut crate::simd::Lane,
    ) {
        match &self.funcs {
            Funcs::Builtin { grad_lanes, .. } => grad_lanes(x, y, c, gx, gy),
            Funcs::Expr(e) => {
                *gx = e.grad[0].eval_lanes(x, y, c);
                *gy = e.grad[1].eval_lanes(x, y, c);
            }
        }
    }

    /// The Hessian `(xx, xy, yy)` at every lane of a block, the same bits as
    /// [`Landscape::hess`] lane by lane.
    pub fn hess_lanes(
        &self,
        x: &crate::simd::Lane,
        y: &crate::simd::Lane,
        c: &[crate::simd::Lane; 4],
        h: &mut [crate::simd::Lane; 3],
    ) {
        match &self.funcs {
            Funcs::Builtin { hess_lanes, .. } => hess_lanes(x, y, c, h),
            Funcs::Expr(e) => *h = e.hess.each_ref().map(|t| t.eval_lanes(x, y, c)),
        }
    }

    /// Loss at `p` in f64.
    pub fn loss64(&self, p: [f64; 2], c: [f64; 4]) -> f64 {
        match &self.funcs {
            Funcs::Builtin { loss64, .. } => loss64(p, c),
            Funcs::Expr(e) => e.loss(p, c),
        }
    }

    /// Gradient at `p` in f64.
    pub fn grad64(&self, p: [f64; 2], c: [f64; 4]) -> [f64; 2] {
        match &self.funcs {
            Funcs::Builtin { grad64, .. } => grad64(p, c),
            Funcs::Expr(e) => e.grad(p, c),
        }
    }

    /// Hessian at `p` in f64.
    pub fn hess64(&self, p: [f64; 2], c: [f64; 4]) -> [f64; 3] {
        match &self.funcs {
            Funcs::Builtin { hess64, .. } => hess64(p, c),
            Funcs::Expr(e) => e.hess(p, c),
        }
    }

    /// The WGSL piece: generated source for expressions, else `None` (the file
    /// `shaders/landscapes/PIECE.wgsl`).
    pub fn generated_wgsl(&self) -> Option<&str> {
        match &self.funcs {
            Funcs::Builtin { .. } => None,
            Funcs::Expr(e) => Some(&e.wgsl),
        }
    }

    /// The landscape's default parameter vector.
    pub fn defaults(&self) -> [f64; 4] {
        let mut c = [0.0; 4];
        for (v, p) in c.iter_mut().zip(self.params) {
            *v = p.default as f64;
        }
        c
    }

    /// The strict local minima inside the default domain for parameters `c`, global first
    /// (ordered by loss to 1e-10, then by x and y, so symmetric minima keep one order).
    ///
    /// Found in f64 by Newton's method from a 101x101 grid of starts over the domain: a point
    /// counts when its gradient norm is below 1e-9 (relative to the loss scale) and its Hessian
    /// is positive definite. Points closer than 1e-6 of the domain's size are merged. Minima
    /// at kinks ([`Landscape::kinks`]) are added as given.
    pub fn minima(&self, c: [f64; 4]) -> Vec<Minimum> {
        self.minima_in(c, self.domain)
    }

    /// [`Landscape::minima`] inside `d = [x_lo, x_hi, y_lo, y_hi]` instead of the default
    /// domain (a basin map over another window labels the minima it can reach). Remembered
    /// for the process by landscape, parameters and window: the search takes milliseconds
    /// (about 10 on bumpy's default window), and a figure asks for the same minima several
    /// times (its floor, its attractors; every frame of an animation, every refinement round).
    pub fn minima_in(&self, c: [f64; 4], d: [f64; 4]) -> Vec<Minimum> {
        type Memo = HashMap<(String, [u64; 4], [u64; 4]), Vec<Minimum>>;
        static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(|| Mutex::new(HashMap::new()));
        let key = (self.piece.to_string() + "/" + self.name, c.map(f64::to_bits), d.map(f64::to_bits));
        if let Some(found) = MEMO.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return found.clone();
        }
        let found = self.search_minima(c, d);
        MEMO.lock().unwrap_or_else(|e| e.into_inner()).insert(key, found.clone());
        found
    }

    /// The search behind [`Landscape::minima_in`].
    fn search_minima(&self, c: [f64; 4], d: [f64; 4]) -> Vec<Minimum> {
        let span = (d[1] - d[0]).max(d[3] - d[2]);
        let inside = |p: [f64; 2]| {
            let m = 1e-9 * span;
            p[0] >= d[0] - m && p[0] <= d[1] + m && p[1] >= d[2] - m && p[1] <= d[3] + m
        };
        let mut found: Vec<[f64; 2]> = Vec::new();
        let keep = |p: [f64; 2], found: &mut Vec<[f64; 2]>| {
            if inside(p) && !found.iter().any(|q| (q[0] - p[0]).hypot(q[1] - p[1]) < 1e-6 * span) {
                found.push(p);
            }
        };
        for &k in self.kinks {
            keep(k, &mut found);
        }
        // Newton from every start in parallel; kept in start order, so the result does not
        // depend on the thread count.
        let n = SEARCH_GRID;
        let ends: Vec<Option<[f64; 2]>> = (0..n * n)
            .into_par_iter()
            .map(|k| {
                let (i, j) = (k / n, k % n);
                let start = [
                    d[0] + (i as f64 + 0.5) / n as f64 * (d[1] - d[0]),
                    d[2] + (j as f64 + 0.5) / n as f64 * (d[3] - d[2]),
                ];
                self.newton(start, c)
            })
            .collect();
        for p in ends.into_iter().flatten() {
            keep(p, &mut found);
        }
        let mut minima: Vec<Minimum> = found
            .into_iter()
            .map(|at| Minimum { label: point_label(at), at, loss: self.loss64(at, c) })
            .collect();
        // By loss to 1e-10, then position: symmetric minima tie in exact arithmetic, and their
        // f64 losses differ only by the platform's sine (glibc here, another in the browser),
        // so position decides their order (and their colours) the same way everywhere.
        let key = |l: f64| if l.abs() < 1e8 { (l * 1e10).round() } else { l };
        minima.sort_by(|a, b| {
            key(a.loss)
                .total_cmp(&key(b.loss))
                .then(a.at[0].total_cmp(&b.at[0]))
                .then(a.at[1].total_cmp(&b.at[1]))
        });
        minima
    }

    /// Newton's method from `p`; the point it converges to if that is a strict minimum.
    fn newton(&self, mut p: [f64; 2], c: [f64; 4]) -> Option<[f64; 2]> {
        for _ in 0..50 {
            let g = self.grad64(p, c);
            let h = self.hess64(p, c);
            let det = h[0] * h[2] - h[1] * h[1];
            if !det.is_finite() || det.abs() < 1e-300 {
                return None;
            }
            let step = [(h[2] * g[0] - h[1] * g[1]) / det, (h[0] * g[1] - h[1] * g[0]) / det];
            p = [p[0] - step[0], p[1] - step[1]];
            if !(p[0].is_finite() && p[1].is_finite()) {
                return None;
            }
            if step[0].hypot(step[1]) < 1e-13 * (1.0 + p[0].hypot(p[1])) {
                break;
            }
        }
        let g = self.grad64(p, c);
        let h = self.hess64(p, c);
        let scale = 1.0 + self.loss64(p, c).abs();
        let stationary = g[0].hypot(g[1]) < 1e-9 * scale;
        (stationary && h[0] > 0.0 && h[0] * h[2] - h[1] * h[1] > 0.0).then_some(p)
    }
}

macro_rules! entry {
    ($name:expr, $m:ident, $formula:expr, $params:expr, $domain:expr) => {
        entry!($name, $m, $formula, $params, $domain, &[])
    };
    ($name:expr, $m:ident, $formula:expr, $params:expr, $domain:expr, $kinks:expr) => {
        Landscape {
            name: $name,
            piece: stringify!($m),
            formula: $formula,
            params: $params,
            domain: $domain,
            kinks: $kinks,
            funcs: Funcs::Builtin {
                loss: $m::loss::<f32>,
                grad: $m::grad::<f32>,
                hess: $m::hess::<f32>,
                loss64: $m::loss::<f64>,
                grad64: $m::grad::<f64>,
                hess64: $m::hess::<f64>,
                loss_lanes: crate::simd::loss_lanes!($m),
                grad_lanes: crate::simd::grad_lanes!($m),
                hess_lanes: crate::simd::hess_lanes!($m),
            },
        }
    };
}

/// Every built-in landscape, in the order `downhill list` shows them.
pub static LANDSCAPES: &[Landscape] = &[
    entry!("quadratic", quadratic, "0.5*(kx*x^2 + ky*y^2)", quadratic::PARAMS, [-2.0, 2.0, -2.0, 2.0]),
    entry!(
        "bowl",
        quadratic,
        "x^2 + 2*y^2 (quadratic with kx=2, ky=4)",
        quadratic::BOWL,
        [-2.0, 2.0, -2.0, 2.0]
    ),
    entry!(
        "rotated",
        rotated,
        "0.5*(k*u^2 + (k/cond)*v^2), (u, v) = (x, y) rotated by angle degrees",
        rotated::PARAMS,
        [-2.0, 2.0, -2.0, 2.0]
    ),
    entry!("rosenbrock", rosenbrock, "(a - x)^2 + b*(y - x^2)^2", rosenbrock::PARAMS, [-2.0, 2.0, -1.0, 3.0]),
    entry!(
        "ravine",
        rosenbrock,
        "(a - x)^2 + b*(y - x^2)^2 with b=20",
        rosenbrock::RAVINE,
        [-2.0, 2.0, -1.0, 3.0]
    ),
    entry!("saddle", saddle, "x^2 - y^2", &[], [-2.0, 2.0, -2.0, 2.0]),
    entry!("monkey_saddle", monkey_saddle, "x^3 - 3*x*y^2", &[], [-2.0, 2.0, -2.0, 2.0]),
    entry!("bumpy", bumpy, "0.1*(x^2 + y^2) + sin(x)*sin(y)", &[], [-6.0, 6.0, -6.0, 6.0]),
    entry!("himmelblau", himmelblau, "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", &[], [-5.0, 5.0, -5.0, 5.0]),
    entry!("booth", booth, "(x + 2y - 7)^2 + (2x + y - 5)^2", &[], [-10.0, 10.0, -10.0, 10.0]),
    entry!("matyas", matyas, "0.26*(x^2 + y^2) - 0.48*x*y", &[], [-10.0, 10.0, -10.0, 10.0]),
    entry!(
        "beale",
        beale,
        "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        &[],
        [-4.5, 4.5, -4.5, 4.5]
    ),
    entry!(
        "goldstein_price",
        goldstein_price,
        "[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)] [30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]",
        &[],
        [-2.0, 2.0, -2.0, 2.0]
    ),
    entry!(
        "three_hump_camel",
        three_hump_camel,
        "2x^2 - 1.05x^4 + x^6/6 + xy + y^2",
        &[],
        [-2.0, 2.0, -2.0, 2.0]
    ),
    entry!(
        "six_hump_camel",
        six_hump_camel,
        "(4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2",
        &[],
        [-3.0, 3.0, -2.0, 2.0]
    ),
    entry!(
        "rastrigin",
        rastrigin,
        "20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)",
        &[],
        [-5.12, 5.12, -5.12, 5.12]
    ),
    entry!(
        "ackley",
        ackley,
        "-20 exp(-0.2 sqrt(0.5 (x^2 + y^2))) - exp(0.5 (cos 2 pi x + cos 2 pi y)) + e + 20",
        &[],
        [-5.0, 5.0, -5.0, 5.0],
        &[[0.0, 0.0]]
    ),
    entry!(
        "styblinski_tang",
        styblinski_tang,
        "0.5 (x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y)",
        &[],
        [-5.0, 5.0, -5.0, 5.0]
    ),
    entry!(
        "levi",
        levi,
        "sin^2(3 pi x) + (x-1)^2 (1 + sin^2(3 pi y)) + (y-1)^2 (1 + sin^2(2 pi y))",
        &[],
        [-10.0, 10.0, -10.0, 10.0]
    ),
    entry!("mccormick", mccormick, "sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1", &[], [-1.5, 4.0, -3.0, 4.0]),
    entry!(
        "liu",
        liu,
        "x^2 + roughness*wavelength^2*cos(2 pi x/wavelength) + y^2 (Liu 2024)",
        liu::PARAMS,
        [-2.0, 2.0, -2.0, 2.0]
    ),
];

/// Default start-point domain of expression landscapes.
pub const EXPR_DOMAIN: [f64; 4] = [-2.0, 2.0, -2.0, 2.0];

/// Builds a landscape from the text after `expr:`: `EXPRESSION` or `EXPRESSION; a=1, b=2`.
///
/// The landscape lives for the rest of the process (it is leaked so that it can be used like
/// the built-ins, which are `'static`); a process builds one per distinct figure.
pub fn from_expr(text: &str) -> Result<&'static Landscape, Error> {
    let (body, defaults) = match text.split_once(';') {
        Some((b, d)) => (b, d),
        None => (text, ""),
    };
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<f32> = Vec::new();
    // Byte offset of each pair in `text`, for a caret under a value out of f32's range.
    let mut at = text.len() - defaults.len();
    for raw in defaults.split(',') {
        let pair_at = at + (raw.len() - raw.trim_start().len());
        at += raw.len() + 1;
        let pair = raw.trim();
        if pair.is_empty() {
            continue;
        }
        let Some((k, v)) = pair.split_once('=') else {
            return Err(Error::input("--landscape", format!("`{pair}` after `;` is not name=value")));
        };
        let k = k.trim();
        let reserved =
            ["x", "y", "pi", "e"].contains(&k) || crate::expr::Func::USER.iter().any(|(n, _, _)| *n == k);
        let valid = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || reserved {
            return Err(Error::input("--landscape", format!("`{k}` cannot name a parameter")));
        }
        if names.iter().any(|n| n == k) {
            return Err(Error::input("--landscape", format!("parameter `{k}` is given twice")));
        }
        let typed = v.trim();
        let v = crate::number::parse_number("--landscape", k, v)?;
        if !crate::expr::typed_fits_f32(v) {
            // `pair` is trimmed, so the value ends where the pair does.
            let col = pair_at + pair.len() - typed.len();
            return Err(crate::expr::typed_error(text, col, typed));
        }
        names.push(k.to_string());
        values.push(v as f32);
    }
    if names.len() > crate::param::LANDSCAPE_MAX {
        return Err(Error::input(
            "--landscape",
            format!(
                "{} parameters given; an expression may have at most {}",
                names.len(),
                crate::param::LANDSCAPE_MAX
            ),
        ));
    }
    let compiled = crate::expr::Compiled::new(body.trim(), &names)?;
    let params: Vec<ParamDef> = names
        .iter()
        .zip(&values)
        .map(|(n, v)| ParamDef {
            name: Box::leak(n.clone().into_boxed_str()),
            default: *v,
            domain: crate::param::Domain::Any,
            doc: "expression parameter",
        })
        .collect();
    let landscape = Landscape {
        name: "expr",
        piece: Box::leak(format!("expr:{text}").into_boxed_str()),
        formula: Box::leak(body.trim().to_string().into_boxed_str()),
        params: Box::leak(params.into_boxed_slice()),
        domain: EXPR_DOMAIN,
        kinks: &[],
        funcs: Funcs::Expr(Box::new(compiled)),
    };
    Ok(Box::leak(Box::new(landscape)))
}

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
