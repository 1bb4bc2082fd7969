//! User-written landscapes: an expression in `x`, `y` and up to four named parameters is
//! parsed ([`parse`]), differentiated symbolically twice (`diff`), and turned into both a
//! WGSL landscape piece (`wgsl`) and the CPU twin that evaluates the same trees.
//!
//! Syntax: `expr:EXPRESSION` or `expr:EXPRESSION; a=1, b=2` giving the parameters' defaults.
//! Operators `+ - * / ^` (`^` binds tightest and groups to the right, so `-x^2` is `-(x^2)`),
//! parentheses, numbers in any float notation (`1`, `.5`, `2e-3`), the constants `pi` and `e`,
//! and the functions `sin cos tan exp log sqrt abs tanh sinh cosh atan` (one argument) and
//! `pow min max` (two). `u^n` with a whole constant `n` (|n| <= 16) is evaluated by repeated
//! multiplication, so negative bases work; other powers need a positive base (WGSL's `pow`).
//!
//! Limits, each refused with a message naming it: [`MAX_LEN`] characters, nesting
//! [`MAX_DEPTH`] levels deep as written, [`MAX_NODES`] terms in the loss and its derivatives
//! together, trees at most [`MAX_TREE_DEPTH`] operations deep once differentiated.
//! Chains `a + b - c ...` and `a * b / c ...` are built as balanced trees (the rounding may
//! differ from left to right in the last bits, the same on both backends). Parts made of
//! constants only are folded into one constant, which must be a finite f32 (`1/0`, `log(0)`,
//! `2^1000` are refused with a caret under them), and so must every constant of the
//! derivatives. Any expression that passes these checks compiles to WGSL that naga accepts.

mod diff;
mod fold;
mod parse;
mod wgsl;

pub use parse::{MAX_DEPTH, MAX_LEN, parse, typed_error, typed_fits_f32};

use crate::numeric::Real;
use crate::simd::{LANES, Lane};

use crate::error::Error;

/// A function of one or two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `sin`.
    Sin,
    /// `cos`.
    Cos,
    /// `tan`.
    Tan,
    /// `exp`.
    Exp,
    /// `log` (natural).
    Log,
    /// `sqrt`.
    Sqrt,
    /// `abs`.
    Abs,
    /// `tanh`.
    Tanh,
    /// `sinh`.
    Sinh,
    /// `cosh`.
    Cosh,
    /// `atan`.
    Atan,
    /// `sign` (-1, 0, 1): appears in derivatives of `abs`.
    Sign,
    /// `pow(a, b)`.
    Pow,
    /// `min(a, b)`.
    Min,
    /// `max(a, b)`.
    Max,
}

impl Func {
    /// Functions a user may call, with their arity.
    pub const USER: &[(&str, Func, usize)] = &[
        ("sin", Func::Sin, 1),
        ("cos", Func::Cos, 1),
        ("tan", Func::Tan, 1),
        ("exp", Func::Exp, 1),
        ("log", Func::Log, 1),
        ("sqrt", Func::Sqrt, 1),
        ("abs", Func::Abs, 1),
        ("tanh", Func::Tanh, 1),
        ("sinh", Func::Sinh, 1),
        ("cosh", Func::Cosh, 1),
        ("atan", Func::Atan, 1),
        ("pow", Func::Pow, 2),
        ("min", Func::Min, 2),
        ("max", Func::Max, 2),
    ];

    /// The WGSL (and display) name.
    pub fn name(self) -> &'static str {
        match self {
            Func::Sign => "sign",
            f => Func::USER.iter().find(|(_, g, _)| *g == f).map(|(n, _, _)| *n).expect("listed"),
        }
    }
}

/// An expression tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A constant.
    Num(f64),
    /// The coordinate `x`.
    X,
    /// The coordinate `y`.
    Y,
    /// Landscape parameter `k` (slot 2 + k, WGSL `c.x`..`c.w`).
    Param(usize),
    /// `-a`.
    Neg(Box<Expr>),
    /// `a + b`.
    Add(Box<Expr>, Box<Expr>),
    /// `a - b`.
    Sub(Box<Expr>, Box<Expr>),
    /// `a * b`.
    Mul(Box<Expr>, Box<Expr>),
    /// `a / b`.
    Div(Box<Expr>, Box<Expr>),
    /// `a ^ n` with a whole constant `n`.
    PowI(Box<Expr>, i32),
    /// A function call.
    Call(Func, Vec<Expr>),
    /// `if a <= b { c } else { d }`: appears in derivatives of `min` and `max`.
    IfLe(Box<Expr>, Box<Expr>, Box<Expr>, Box<Expr>),
}

fn sign<T: Real>(v: T) -> T {
    if v > T::zero() {
        T::one()
    } else if v < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// `f(a)`, or `f(a, b())` for the functions of two arguments.
fn call<T: Real>(f: Func, a: T, b: impl FnOnce() -> T) -> T {
    match f {
        Func::Sin => a.twin_sin(),
        Func::Cos => a.twin_cos(),
        Func::Tan => a.tan(),
        Func::Exp => a.exp(),
        Func::Log => a.ln(),
        Func::Sqrt => a.sqrt(),
        Func::Abs => a.abs(),
        Func::Tanh => a.tanh(),
        Func::Sinh => a.sinh(),
        Func::Cosh => a.cosh(),
        Func::Atan => a.atan(),
        Func::Sign => sign(a),
        Func::Pow => a.powf(b()),
        Func::Min => a.min(b()),
        Func::Max => a.max(b()),
    }
}

impl Expr {
    /// Evaluates the tree at `p` with parameters `c`, in f32 or f64.
    pub fn eval<T: Real>(&self, p: [T; 2], c: [T; 4]) -> T {
        match self {
            Expr::Num(v) => T::from(*v).expect("finite constant"),
            Expr::X => p[0],
            Expr::Y => p[1],
            Expr::Param(k) => c[*k],
            Expr::Neg(a) => -a.eval(p, c),
            Expr::Add(a, b) => a.eval(p, c) + b.eval(p, c),
            Expr::Sub(a, b) => a.eval(p, c) - b.eval(p, c),
            Expr::Mul(a, b) => a.eval(p, c) * b.eval(p, c),
            Expr::Div(a, b) => a.eval(p, c) / b.eval(p, c),
            Expr::PowI(a, n) => {
                let v = a.eval(p, c);
                let mut acc = v;
                for _ in 1..n.unsigned_abs() {
                    acc = acc * v;
                }
                match n {
                    0 => T::one(),
                    n if *n < 0 => T::one() / acc,
                    _ => acc,
                }
            }
            Expr::Call(f, args) => call(*f, args[0].eval(p, c), || args[1].eval(p, c)),
            Expr::IfLe(a, b, t, e) => {
                if a.eval(p, c) <= b.eval(p, c) {
                    t.eval(p, c)
                } else {
                    e.eval(p, c)
                }
            }
        }
    }

    /// Evaluates the tree at every lane of a block, one tree walk per block: the same bits as
    /// [`Expr::eval`] in f32 lane by lane (both branches of an `IfLe` are evaluated and one is
    /// picked per lane).
    pub fn eval_lanes(&self, x: &Lane, y: &Lane, c: &[Lane; 4]) -> Lane {
        let zip =
            |a: Lane, b: Lane, f: fn(f32, f32) -> f32| -> Lane { std::array::from_fn(|l| f(a[l], b[l])) };
        match self {
            Expr::Num(v) => [*v as f32; LANES],
            Expr::X => *x,
            Expr::Y => *y,
            Expr::Param(k) => c[*k],
            Expr::Neg(a) => a.eval_lanes(x, y, c).map(|v| -v),
            Expr::Add(a, b) => zip(a.eval_lanes(x, y, c), b.eval_lanes(x, y, c), |a, b| a + b),
            Expr::Sub(a, b) => zip(a.eval_lanes(x, y, c), b.eval_lanes(x, y, c), |a, b| a - b),
            Expr::Mul(a, b) => zip(a.eval_lanes(x, y, c), b.eval_lanes(x, y, c), |a, b| a * b),
            Expr::Div(a, b) => zip(a.eval_lanes(x, y, c), b.eval_lanes(x, y, c), |a, b| a / b),
            Expr::PowI(a, n) => {
                let v = a.eval_lanes(x, y, c);
                let mut acc = v;
                for _ in 1..n.unsigned_abs() {
                    acc = zip(acc, v, |a, b| a * b);
                }
                match n {
                    0 => [1.0; LANES],
                    n if *n < 0 => acc.map(|a| 1.0 / a),
                    _ => acc,
                }
            }
            Expr::Call(f, args) => {
                let a = args[0].eval_lanes(x, y, c);
                match f {
                    Func::Sin => a.map(crate::numeric::sin32),
                    Func::Cos => a.map(crate::numeric::cos32),
                    _ => {
                        let b = match args.get(1) {
                            Some(b) => b.eval_lanes(x, y, c),
                            None => [0.0; LANES],
                        };
                        std::array::from_fn(|l| call(*f, a[l], || b[l]))
                    }
                }
            }
            Expr::IfLe(a, b, t, e) => {
                let (a, b) = (a.eval_lanes(x, y, c), b.eval_lanes(x, y, c));
                let (t, e) = (t.eval_lanes(x, y, c), e.eval_lanes(x, y, c));
                std::array::from_fn(|l| if a[l] <= b[l] { t[l] } else { e[l] })
            }
        }
    }

    /// Levels of the tree: 1 for a leaf (bounds the recursion of every tree walk).
    pub fn depth(&self) -> usize {
        1 + match self {
            Expr::Num(_) | Expr::X | Expr::Y | Expr::Param(_) => 0,
            Expr::Neg(a) | Expr::PowI(a, _) => a.depth(),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => a.depth().max(b.depth()),
            Expr::Call(_, args) => args.iter().map(Expr::depth).max().unwrap_or(0),
            Expr::IfLe(a, b, t, e) => a.depth().max(b.depth()).max(t.depth()).max(e.depth()),
        }
    }

    /// Number of nodes (bounds the generated code).
    pub fn size(&self) -> usize {
        1 + match self {
            Expr::Num(_) | Expr::X | Expr::Y | Expr::Param(_) => 0,
            Expr::Neg(a) | Expr::PowI(a, _) => a.size(),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => a.size() + b.size(),
            Expr::Call(_, args) => args.iter().map(Expr::size).sum(),
            Expr::IfLe(a, b, t, e) => a.size() + b.size() + t.size() + e.size(),
        }
    }
}

/// Most nodes the loss, gradient and Hessian trees may have together.
pub const MAX_NODES: usize = 20_000;

/// Deepest tree (loss, gradient or Hessian) accepted. The tree walks recurse once per level,
/// the lane walk with a few kilobytes of lanes per level, and must fit the 2 MiB stacks of
/// worker threads with room to spare.
pub const MAX_TREE_DEPTH: usize = 256;

/// Most nodes differentiation may visit and copy, over all five derivatives: bounds the work
/// before [`MAX_NODES`] can be checked on the results.
const DIFF_BUDGET: usize = 10 * MAX_NODES;

/// An error when one of `trees` (named `what`) is deeper than [`MAX_TREE_DEPTH`].
fn too_deep(what: &str, trees: &[Expr]) -> Result<(), Error> {
    let depth = trees.iter().map(Expr::depth).max().unwrap_or(0);
    if depth > MAX_TREE_DEPTH {
        return Err(Error::input(
            "--landscape",
            format!(
                "the {what} nests operations {depth} deep, more than the {MAX_TREE_DEPTH} allowed (each operator and function call is a level; long chains count log2 of their length); flatten it"
            ),
        ));
    }
    Ok(())
}

/// A parsed and differentiated expression landscape.
#[derive(Debug)]
pub struct Compiled {
    /// The expression as typed.
    pub source: String,
    /// Parameter names, in slot order.
    pub params: Vec<String>,
    /// The loss.
    pub loss: Expr,
    /// `(df/dx, df/dy)`.
    pub grad: [Expr; 2],
    /// `(d2f/dx2, d2f/dxdy, d2f/dy2)`.
    pub hess: [Expr; 3],
    /// The generated WGSL landscape piece (`loss`, `grad`, `hess`).
    pub wgsl: String,
}

impl Compiled {
    /// Parses, differentiates and generates code for `text` (the part after `expr:`, without
    /// the `; name=value` defaults), with the given parameter names allowed.
    pub fn new(text: &str, params: &[String]) -> Result<Compiled, Error> {
        let loss = parse(text, params)?;
        too_deep("expression", std::slice::from_ref(&loss))?;
        let too_big = |_| {
            Error::input(
                "--landscape",
                format!(
                    "the expression's derivatives grow past {MAX_NODES} terms (long products and deep nesting multiply under differentiation); shorten it"
                ),
            )
        };
        let mut differ = diff::Differ::new(DIFF_BUDGET);
        let grad = [
            differ.derivative(&loss, &Expr::X).map_err(too_big)?,
            differ.derivative(&loss, &Expr::Y).map_err(too_big)?,
        ];
        let hess = [
            differ.derivative(&grad[0], &Expr::X).map_err(too_big)?,
            differ.derivative(&grad[0], &Expr::Y).map_err(too_big)?,
            differ.derivative(&grad[1], &Expr::Y).map_err(too_big)?,
        ];
        let nodes = loss.size()
            + grad.iter().map(Expr::size).sum::<usize>()
            + hess.iter().map(Expr::size).sum::<usize>();
        if nodes > MAX_NODES {
            return Err(Error::input(
                "--landscape",
                format!(
                    "the expression and its derivatives have {nodes} terms, more than the {MAX_NODES} allowed"
                ),
            ));
        }
        too_deep("gradient", &grad)?;
        too_deep("Hessian", &hess)?;
        let derivatives = [("gradient", &grad[..]), ("Hessian", &hess[..])];
        for (what, trees) in derivatives {
            if let Some(v) = trees.iter().find_map(fold::bad_constant) {
                return Err(Error::input(
                    "--landscape",
                    format!(
                        "differentiating the expression gives a constant that is {} in its {what}; constants must be finite f32 values (magnitude at most {}): scale the expression down",
                        fold::describe(v),
                        fold::F32_MAX_TEXT
                    ),
                ));
            }
        }
        let wgsl = wgsl::piece(text, &loss, &grad, &hess);
        Ok(Compiled { source: text.to_string(), params: params.to_vec(), loss, grad, hess, wgsl })
    }

    /// Loss at `p`.
    pub fn loss<T: Real>(&self, p: [T; 2], c: [T; 4]) -> T {
        self.loss.eval(p, c)
    }

    /// Gradient at `p`.
    pub fn grad<T: Real>(&self, p: [T; 2], c: [T; 4]) -> [T; 2] {
        [self.grad[0].eval(p, c), self.grad[1].eval(p, c)]
    }

    /// Hessian at `p`.
    pub fn hess<T: Real>(&self, p: [T; 2], c: [T; 4]) -> [T; 3] {
        [self.hess[0].eval(p, c), self.hess[1].eval(p, c), self.hess[2].eval(p, c)]
    }
}
