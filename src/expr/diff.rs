//! Symbolic differentiation with light simplification (constant folding, `0*a`, `1*a`,
//! `a+0`), so the generated WGSL stays close to what one would write by hand.

use super::{Expr, Func};

fn num(v: f64) -> Expr {
    Expr::Num(v)
}

fn is(e: &Expr, v: f64) -> bool {
    matches!(e, Expr::Num(n) if *n == v)
}

/// `a + b`, simplified.
pub fn add(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        (Expr::Num(x), Expr::Num(y)) => num(x + y),
        _ if is(&a, 0.0) => b,
        _ if is(&b, 0.0) => a,
        (_, Expr::Neg(inner)) => sub(a, (**inner).clone()),
        _ => Expr::Add(Box::new(a), Box::new(b)),
    }
}

/// `a - b`, simplified.
pub fn sub(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        (Expr::Num(x), Expr::Num(y)) => num(x - y),
        _ if is(&b, 0.0) => a,
        _ if is(&a, 0.0) => neg(b),
        _ => Expr::Sub(Box::new(a), Box::new(b)),
    }
}

/// `a * b`, simplified.
pub fn mul(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        (Expr::Num(x), Expr::Num(y)) => num(x * y),
        _ if is(&a, 0.0) || is(&b, 0.0) => num(0.0),
        _ if is(&a, 1.0) => b,
        _ if is(&b, 1.0) => a,
        _ if is(&a, -1.0) => neg(b),
        _ if is(&b, -1.0) => neg(a),
        _ => Expr::Mul(Box::new(a), Box::new(b)),
    }
}

/// `a / b`, simplified.
pub fn div(a: Expr, b: Expr) -> Expr {
    match (&a, &b) {
        _ if is(&a, 0.0) => num(0.0),
        _ if is(&b, 1.0) => a,
        _ => Expr::Div(Box::new(a), Box::new(b)),
    }
}

/// `-a`, simplified.
pub fn neg(a: Expr) -> Expr {
    match a {
        Expr::Num(x) => num(-x),
        Expr::Neg(inner) => *inner,
        other => Expr::Neg(Box::new(other)),
    }
}

fn call(f: Func, a: Expr) -> Expr {
    Expr::Call(f, vec![a])
}

fn powi(a: Expr, n: i32) -> Expr {
    match n {
        0 => num(1.0),
        1 => a,
        _ => Expr::PowI(Box::new(a), n),
    }
}

/// The derivative of `e` with respect to `var` (`Expr::X` or `Expr::Y`).
pub fn derivative(e: &Expr, var: &Expr) -> Expr {
    let d = |e: &Expr| derivative(e, var);
    match e {
        Expr::Num(_) | Expr::Param(_) => num(0.0),
        Expr::X | Expr::Y => num(if e == var { 1.0 } else { 0.0 }),
        Expr::Neg(a) => neg(d(a)),
        Expr::Add(a, b) => add(d(a), d(b)),
        Expr::Sub(a, b) => sub(d(a), d(b)),
        Expr::Mul(a, b) => add(mul(d(a), (**b).clone()), mul((**a).clone(), d(b))),
        Expr::Div(a, b) => {
            // (a' b - a b') / b^2
            let top = sub(mul(d(a), (**b).clone()), mul((**a).clone(), d(b)));
            div(top, powi((**b).clone(), 2))
        }
        Expr::PowI(a, n) => mul(mul(num(*n as f64), powi((**a).clone(), n - 1)), d(a)),
        Expr::IfLe(a, b, t, f) => Expr::IfLe(a.clone(), b.clone(), Box::new(d(t)), Box::new(d(f))),
        Expr::Call(f, args) => {
            let u = args[0].clone();
            let du = d(&args[0]);
            match f {
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
                Func::Pow => {
                    // u^v (v' ln u + v u' / u)
                    let v = args[1].clone();
                    let dv = d(&args[1]);
                    let inner = add(mul(dv, call(Func::Log, u.clone())), div(mul(v, du), u));
                    mul(e.clone(), inner)
                }
                Func::Min | Func::Max => {
                    let dv = d(&args[1]);
                    let (le, gt) = if *f == Func::Min { (du, dv) } else { (dv, du) };
                    Expr::IfLe(Box::new(u), Box::new(args[1].clone()), Box::new(le), Box::new(gt))
                }
            }
        }
    }
}
