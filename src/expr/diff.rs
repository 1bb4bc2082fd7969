//! Symbolic differentiation with light simplification (constant folding, `0*a`, `1*a`,
//! `a+0`), so the generated WGSL stays close to what one would write by hand.
//!
//! Derivatives can grow much faster than their expression (a product of n factors has a
//! derivative of about n log n terms, its Hessian more), so a [`Differ`] carries a budget of
//! nodes it may visit and copy, and gives up with [`TooBig`] as soon as it is spent:
//! the work is bounded whatever the input. It does not check that folded constants are finite
//! f32 values; [`super::fold::bad_constant`] does, afterwards.

use super::fold::{fold, num};
use super::{Expr, Func};

fn is(e: &Expr, v: f64) -> bool {
    matches!(e, Expr::Num(n) if *n == v)
}

/// `a + b`, simplified.
pub fn add(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        _ if is(&a, 0.0) => b,
        _ if is(&b, 0.0) => a,
        (_, Expr::Neg(_)) => {
            let Expr::Neg(inner) = b else { unreachable!("matched above") };
            sub(a, *inner)
        }
        _ => fold(Expr::Add(Box::new(a), Box::new(b))),
    }
}

/// `a - b`, simplified.
pub fn sub(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        _ if is(&b, 0.0) => a,
        _ if is(&a, 0.0) => neg(b),
        _ => fold(Expr::Sub(Box::new(a), Box::new(b))),
    }
}

/// `a * b`, simplified.
pub fn mul(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        _ if is(&a, 0.0) || is(&b, 0.0) => num(0.0),
        _ if is(&a, 1.0) => b,
        _ if is(&b, 1.0) => a,
        _ if is(&a, -1.0) => neg(b),
        _ if is(&b, -1.0) => neg(a),
        _ => fold(Expr::Mul(Box::new(a), Box::new(b))),
    }
}

/// `a / b`, simplified.
pub fn div(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        _ if is(&a, 0.0) => num(0.0),
        _ if is(&b, 1.0) => a,
        _ => fold(Expr::Div(Box::new(a), Box::new(b))),
    }
}

/// `-a`, simplified.
pub fn neg(a: Expr) -> Expr {
    fold(Expr::Neg(Box::new(a)))
}

fn call(f: Func, a: Expr) -> Expr {
    fold(Expr::Call(f, vec![a]))
}

fn powi(a: Expr, n: i32) -> Expr {
    match n {
        0 => num(1.0),
        1 => a,
        _ => fold(Expr::PowI(Box::new(a), n)),
    }
}

/// The node budget ran out: the derivatives would be too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooBig;

/// A differentiator with a budget of nodes it may still create.
pub struct Differ {
    left: usize,
}

impl Differ {
    /// A differentiator that may create `budget` nodes (over all the derivatives it takes).
    pub fn new(budget: usize) -> Differ {
        Differ { left: budget }
    }

    fn charge(&mut self, n: usize) -> Result<(), TooBig> {
        self.left = self.left.checked_sub(n).ok_or(TooBig)?;
        Ok(())
    }

    /// A copy of `e`, paid for.
    fn copy(&mut self, e: &Expr) -> Result<Expr, TooBig> {
        self.charge(e.size())?;
        Ok(e.clone())
    }

    /// `a * b` with `b` copied only when `a` is not zero.
    fn times(&mut self, a: Expr, b: &Expr) -> Result<Expr, TooBig> {
        if is(&a, 0.0) { Ok(a) } else { Ok(mul(a, self.copy(b)?)) }
    }

    /// The derivative of `e` with respect to `var` (`Expr::X` or `Expr::Y`).
    pub fn derivative(&mut self, e: &Expr, var: &Expr) -> Result<Expr, TooBig> {
        // One unit per node visited; the nodes an arm creates besides its copies are about
        // as many as it visits.
        self.charge(1)?;
        Ok(match e {
            Expr::Num(_) | Expr::Param(_) => num(0.0),
            Expr::X | Expr::Y => num(if e == var { 1.0 } else { 0.0 }),
            Expr::Neg(a) => neg(self.derivative(a, var)?),
            Expr::Add(a, b) => add(self.derivative(a, var)?, self.derivative(b, var)?),
            Expr::Sub(a, b) => sub(self.derivative(a, var)?, self.derivative(b, var)?),
            Expr::Mul(a, b) => {
                let (da, db) = (self.derivative(a, var)?, self.derivative(b, var)?);
                let left = self.times(da, b)?;
                let right = if is(&db, 0.0) { db } else { mul(self.copy(a)?, db) };
                add(left, right)
            }
            Expr::Div(a, b) => {
                // (a' b - a b') / b^2
                let (da, db) = (self.derivative(a, var)?, self.derivative(b, var)?);
                let left = self.times(da, b)?;
                let right = if is(&db, 0.0) { db } else { mul(self.copy(a)?, db) };
                let top = sub(left, right);
                if is(&top, 0.0) { top } else { div(top, powi(self.copy(b)?, 2)) }
            }
            Expr::PowI(a, n) => {
                let da = self.derivative(a, var)?;
                if is(&da, 0.0) { da } else { mul(mul(num(*n as f64), powi(self.copy(a)?, n - 1)), da) }
            }
            Expr::IfLe(a, b, t, f) => {
                let (dt, df) = (self.derivative(t, var)?, self.derivative(f, var)?);
                fold(Expr::IfLe(Box::new(self.copy(a)?), Box::new(self.copy(b)?), Box::new(dt), Box::new(df)))
            }
            Expr::Call(f, args) => self.call(*f, args, e, var)?,
        })
    }

    /// The derivative of the call `e` = `f(args)`.
    fn call(&mut self, f: Func, args: &[Expr], e: &Expr, var: &Expr) -> Result<Expr, TooBig> {
        let du = self.derivative(&args[0], var)?;
        if matches!(f, Func::Pow | Func::Min | Func::Max) {
            let dv = self.derivative(&args[1], var)?;
            let (u, v) = (&args[0], &args[1]);
            return Ok(match f {
                Func::Pow => {
                    // u^v (v' ln u + v u' / u)
                    let left = if is(&dv, 0.0) { dv } else { mul(dv, call(Func::Log, self.copy(u)?)) };
                    let right = if is(&du, 0.0) { du } else { div(mul(self.copy(v)?, du), self.copy(u)?) };
                    let inner = add(left, right);
                    if is(&inner, 0.0) { inner } else { mul(self.copy(e)?, inner) }
                }
                _ => {
                    let (le, gt) = if f == Func::Min { (du, dv) } else { (dv, du) };
                    fold(Expr::IfLe(
                        Box::new(self.copy(u)?),
                        Box::new(self.copy(v)?),
                        Box::new(le),
                        Box::new(gt),
                    ))
                }
            });
        }
        if is(&du, 0.0) {
            return Ok(du);
        }
        let u = self.copy(&args[0])?;
        Ok(match f {
            Func::Sin => mul(call(Func::Cos, u), du),
            Func::Cos => neg(mul(call(Func::Sin, u), du)),
            Func::Tan => div(du, powi(call(Func::Cos, u), 2)),
            Func::Exp => mul(call(Func::Exp, u), du),
            Func::Log => div(du, u),
            Func::Sqrt => div(du, mul(num(2.0), call(Func::Sqrt, u))),
            Func::Abs => mul(call(Func::Sign, u), du),
            Func::Tanh => mul(sub(num(1.0), powi(call(Func::Tanh, u), 2)), du),
            Func::Sinh => mul(call(Func::Cosh, u), du),
            Func::Cosh => mul(call(Func::Sinh, u), du),
            Func::Atan => div(du, add(num(1.0), powi(u, 2))),
            Func::Sign => num(0.0),
            Func::Pow | Func::Min | Func::Max => unreachable!("two-argument functions are handled above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bounds_the_work() {
        // x*x*...*x (64 factors): its derivative needs far more than 100 nodes.
        let mut e = Expr::X;
        for _ in 0..63 {
            e = Expr::Mul(Box::new(e), Box::new(Expr::X));
        }
        assert_eq!(Differ::new(100).derivative(&e, &Expr::X), Err(TooBig));
        assert!(Differ::new(100_000).derivative(&e, &Expr::X).is_ok());
        assert_eq!(Differ::new(1000).derivative(&e, &Expr::Y), Ok(Expr::Num(0.0)));
    }
}
