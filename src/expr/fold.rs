//! Constant folding: a node whose operands are all constants becomes one constant, so that no
//! tree the parser or the differentiator builds holds an operation on constants alone.
//!
//! This matters for WGSL: naga evaluates constant expressions itself and refuses any whose
//! value is not a finite f32 (`1.0 / 0.0`, `log(0.0)`, `1e30 * 1e30`), so the generated code
//! must contain nothing but single literals where the value is known. Folding happens in f64
//! (then rounds once to f32, on both backends alike). It does not simplify algebraically
//! (`0*a` stays); [`super::diff`] does that for derivatives. It does not judge whether the
//! folded value is finite: callers check with [`fits_f32`] and report the culprit.

use super::Expr;

/// Largest finite f32, as the error messages quote it.
pub const F32_MAX_TEXT: &str = "3.4e38";

/// Whether `v` rounds to a finite f32 (NaN does not).
pub fn fits_f32(v: f64) -> bool {
    (v as f32).is_finite()
}

/// What is wrong with a constant that is not a finite f32: "infinite", "undefined (NaN)" or
/// its value, beyond f32's range.
pub fn describe(v: f64) -> String {
    if v.is_nan() {
        "undefined (NaN)".into()
    } else if v.is_infinite() {
        "infinite".into()
    } else {
        format!("{v:.3e}, beyond f32's range")
    }
}

/// A constant node. Values that round to a subnormal f32 become (signed) zero, so every
/// constant in a tree is zero or a normal f32: a literal WGSL takes as is, rounded the same
/// way by the CPU twin.
pub fn num(v: f64) -> Expr {
    let f = v as f32;
    if f.is_finite() && !f.is_normal() { Expr::Num(0.0_f64.copysign(v)) } else { Expr::Num(v) }
}

/// Whether `e` is a constant.
pub fn is_num(e: &Expr) -> bool {
    matches!(e, Expr::Num(_))
}

/// `e` with its operation carried out when every operand is a constant; `-(-a)` becomes `a`
/// (exact in IEEE arithmetic). Only the top node is looked at: build trees bottom-up.
pub fn fold(e: Expr) -> Expr {
    match e {
        Expr::Neg(a) => match *a {
            Expr::Neg(inner) => *inner,
            Expr::Num(v) => num(-v),
            a => Expr::Neg(Box::new(a)),
        },
        Expr::IfLe(a, b, t, f) => match (&*a, &*b) {
            (Expr::Num(x), Expr::Num(y)) => {
                if x <= y {
                    *t
                } else {
                    *f
                }
            }
            _ if t == f => *t,
            _ => Expr::IfLe(a, b, t, f),
        },
        e if operands_constant(&e) => num(e.eval::<f64>([0.0, 0.0], [0.0; 4])),
        e => e,
    }
}

/// Whether `e` is an operation whose operands are all constants.
fn operands_constant(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::X | Expr::Y | Expr::Param(_) => false,
        Expr::Neg(a) | Expr::PowI(a, _) => is_num(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => is_num(a) && is_num(b),
        Expr::Call(_, args) => args.iter().all(is_num),
        Expr::IfLe(a, b, t, f) => [a, b, t, f].iter().all(|x| is_num(x)),
    }
}

/// The first constant in `e` that is not a finite f32, if any.
pub fn bad_constant(e: &Expr) -> Option<f64> {
    match e {
        Expr::Num(v) => (!fits_f32(*v)).then_some(*v),
        Expr::X | Expr::Y | Expr::Param(_) => None,
        Expr::Neg(a) | Expr::PowI(a, _) => bad_constant(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            bad_constant(a).or_else(|| bad_constant(b))
        }
        Expr::Call(_, args) => args.iter().find_map(bad_constant),
        Expr::IfLe(a, b, t, f) => [a, b, t, f].into_iter().find_map(|x| bad_constant(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Func;

    fn b(e: Expr) -> Box<Expr> {
        Box::new(e)
    }

    #[test]
    fn operations_on_constants_become_one_constant() {
        assert_eq!(fold(Expr::Mul(b(Expr::Num(2.0)), b(Expr::Num(3.0)))), Expr::Num(6.0));
        assert_eq!(fold(Expr::PowI(b(Expr::Num(-2.0)), 3)), Expr::Num(-8.0));
        assert_eq!(fold(Expr::Call(Func::Max, vec![Expr::Num(1.0), Expr::Num(4.0)])), Expr::Num(4.0));
        assert_eq!(fold(Expr::Neg(b(Expr::Neg(b(Expr::X))))), Expr::X);
        let x2 = Expr::Mul(b(Expr::X), b(Expr::Num(2.0)));
        assert_eq!(fold(x2.clone()), x2, "a non-constant operand stays");
        let pick = Expr::IfLe(b(Expr::Num(1.0)), b(Expr::Num(2.0)), b(Expr::X), b(Expr::Y));
        assert_eq!(fold(pick), Expr::X);
        let same = Expr::IfLe(b(Expr::X), b(Expr::Y), b(Expr::Num(1.0)), b(Expr::Num(1.0)));
        assert_eq!(fold(same), Expr::Num(1.0));
    }

    #[test]
    fn folded_constants_are_zero_or_normal_f32() {
        assert_eq!(num(1e-60), Expr::Num(0.0));
        assert_eq!(num(-1e-42), Expr::Num(-0.0));
        assert!(bad_constant(&fold(Expr::Div(b(Expr::Num(1.0)), b(Expr::Num(0.0))))).is_some());
        assert!(bad_constant(&fold(Expr::Mul(b(Expr::Num(1e30)), b(Expr::Num(1e30))))).is_some());
        assert!(bad_constant(&Expr::Num(3.4e38)).is_none());
    }
}
