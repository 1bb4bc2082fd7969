//! CPU twins of the classic optimisation test functions in `shaders/landscapes/`, one module
//! per landscape, each with `loss`, `grad` and `hess` of the same names and operation order as
//! the WGSL.

use std::f64::consts::PI;

use crate::numeric::Real;

use crate::param::{Domain, ParamDef};

use super::lit;

/// Twin of `shaders/landscapes/booth.wgsl`.
pub mod booth {
    use super::*;

    /// `(x + 2y - 7)^2 + (2x + y - 5)^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let u = p[0] + lit::<T>(2.0) * p[1] - lit(7.0);
        let w = lit::<T>(2.0) * p[0] + p[1] - lit(5.0);
        u * u + w * w
    }

    /// `(2u + 4w, 4u + 2w)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let u = p[0] + lit::<T>(2.0) * p[1] - lit(7.0);
        let w = lit::<T>(2.0) * p[0] + p[1] - lit(5.0);
        [lit::<T>(2.0) * u + lit::<T>(4.0) * w, lit::<T>(4.0) * u + lit::<T>(2.0) * w]
    }

    /// `(10, 8, 10)`.
    #[inline(always)]
    pub fn hess<T: Real>(_p: [T; 2], _c: [T; 4]) -> [T; 3] {
        [lit(10.0), lit(8.0), lit(10.0)]
    }
}

/// Twin of `shaders/landscapes/matyas.wgsl`.
pub mod matyas {
    use super::*;

    /// `0.26 (x^2 + y^2) - 0.48 x y`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        lit::<T>(0.26) * (p[0] * p[0] + p[1] * p[1]) - lit::<T>(0.48) * p[0] * p[1]
    }

    /// `(0.52x - 0.48y, 0.52y - 0.48x)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        [lit::<T>(0.52) * p[0] - lit::<T>(0.48) * p[1], lit::<T>(0.52) * p[1] - lit::<T>(0.48) * p[0]]
    }

    /// `(0.52, -0.48, 0.52)`.
    #[inline(always)]
    pub fn hess<T: Real>(_p: [T; 2], _c: [T; 4]) -> [T; 3] {
        [lit(0.52), lit(-0.48), lit(0.52)]
    }
}

/// Twin of `shaders/landscapes/beale.wgsl`.
pub mod beale {
    use super::*;

    #[inline(always)]
    fn terms<T: Real>(p: [T; 2]) -> [T; 3] {
        let (x, y) = (p[0], p[1]);
        [lit::<T>(1.5) - x + x * y, lit::<T>(2.25) - x + x * y * y, lit::<T>(2.625) - x + x * y * y * y]
    }

    /// Sum of the three squared terms.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let [a1, a2, a3] = terms(p);
        a1 * a1 + a2 * a2 + a3 * a3
    }

    /// Chain rule through the three terms.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let (x, y) = (p[0], p[1]);
        let [a1, a2, a3] = terms(p);
        let one = T::one();
        let gx = a1 * (y - one) + a2 * (y * y - one) + a3 * (y * y * y - one);
        let gy = a1 * x + a2 * (lit::<T>(2.0) * x * y) + a3 * (lit::<T>(3.0) * x * y * y);
        [lit::<T>(2.0) * gx, lit::<T>(2.0) * gy]
    }

    /// Second derivatives of the three squared terms.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let (x, y) = (p[0], p[1]);
        let [a1, a2, a3] = terms(p);
        let one = T::one();
        let two = lit::<T>(2.0);
        let three = lit::<T>(3.0);
        let (p1, p2, p3) = (y - one, y * y - one, y * y * y - one);
        let (q1, q2, q3) = (x, two * x * y, three * x * y * y);
        let hxx = p1 * p1 + p2 * p2 + p3 * p3;
        let hxy = q1 * p1 + a1 + q2 * p2 + two * y * a2 + q3 * p3 + three * y * y * a3;
        let hyy = q1 * q1 + q2 * q2 + two * x * a2 + q3 * q3 + lit::<T>(6.0) * x * y * a3;
        [two * hxx, two * hxy, two * hyy]
    }
}

/// Twin of `shaders/landscapes/goldstein_price.wgsl`.
pub mod goldstein_price {
    use super::*;

    /// `(s, r, P, Q, dP, dQ/dx, dQ/dy)` shared by the three functions.
    #[inline(always)]
    fn parts<T: Real>(p: [T; 2]) -> [T; 7] {
        let (x, y) = (p[0], p[1]);
        let s = x + y + T::one();
        let r = lit::<T>(2.0) * x - lit::<T>(3.0) * y;
        let pp = lit::<T>(19.0) - lit::<T>(14.0) * x + lit::<T>(3.0) * x * x - lit::<T>(14.0) * y
            + lit::<T>(6.0) * x * y
            + lit::<T>(3.0) * y * y;
        let qq = lit::<T>(18.0) - lit::<T>(32.0) * x + lit::<T>(12.0) * x * x + lit::<T>(48.0) * y
            - lit::<T>(36.0) * x * y
            + lit::<T>(27.0) * y * y;
        let pd = lit::<T>(-14.0) + lit::<T>(6.0) * x + lit::<T>(6.0) * y;
        let qx = lit::<T>(-32.0) + lit::<T>(24.0) * x - lit::<T>(36.0) * y;
        let qy = lit::<T>(48.0) - lit::<T>(36.0) * x + lit::<T>(54.0) * y;
        [s, r, pp, qq, pd, qx, qy]
    }

    /// `A * B`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let [s, r, pp, qq, ..] = parts(p);
        (T::one() + s * s * pp) * (lit::<T>(30.0) + r * r * qq)
    }

    /// Product rule on `A * B`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let [s, r, pp, qq, pd, qx, qy] = parts(p);
        let a = T::one() + s * s * pp;
        let b = lit::<T>(30.0) + r * r * qq;
        let ad = lit::<T>(2.0) * s * pp + s * s * pd;
        let bx = lit::<T>(4.0) * r * qq + r * r * qx;
        let by = lit::<T>(-6.0) * r * qq + r * r * qy;
        [ad * b + a * bx, ad * b + a * by]
    }

    /// Second-order product rule on `A * B`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let [s, r, pp, qq, pd, qx, qy] = parts(p);
        let two = lit::<T>(2.0);
        let a = T::one() + s * s * pp;
        let b = lit::<T>(30.0) + r * r * qq;
        let ad = two * s * pp + s * s * pd;
        let bx = lit::<T>(4.0) * r * qq + r * r * qx;
        let by = lit::<T>(-6.0) * r * qq + r * r * qy;
        let add = two * pp + lit::<T>(4.0) * s * pd + lit::<T>(6.0) * s * s;
        let bxx = lit::<T>(8.0) * qq + lit::<T>(8.0) * r * qx + lit::<T>(24.0) * r * r;
        let bxy =
            lit::<T>(-12.0) * qq + lit::<T>(4.0) * r * qy - lit::<T>(6.0) * r * qx - lit::<T>(36.0) * r * r;
        let byy = lit::<T>(18.0) * qq - lit::<T>(12.0) * r * qy + lit::<T>(54.0) * r * r;
        [
            add * b + two * ad * bx + a * bxx,
            add * b + ad * by + ad * bx + a * bxy,
            add * b + two * ad * by + a * byy,
        ]
    }
}

/// Twin of `shaders/landscapes/three_hump_camel.wgsl`.
pub mod three_hump_camel {
    use super::*;

    /// `2x^2 - 1.05x^4 + x^6/6 + xy + y^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let x2 = p[0] * p[0];
        lit::<T>(2.0) * x2 - lit::<T>(1.05) * x2 * x2 + x2 * x2 * x2 / lit(6.0) + p[0] * p[1] + p[1] * p[1]
    }

    /// `(4x - 4.2x^3 + x^5 + y, x + 2y)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let x2 = p[0] * p[0];
        [
            lit::<T>(4.0) * p[0] - lit::<T>(4.2) * x2 * p[0] + x2 * x2 * p[0] + p[1],
            p[0] + lit::<T>(2.0) * p[1],
        ]
    }

    /// `(4 - 12.6x^2 + 5x^4, 1, 2)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let x2 = p[0] * p[0];
        [lit::<T>(4.0) - lit::<T>(12.6) * x2 + lit::<T>(5.0) * x2 * x2, T::one(), lit(2.0)]
    }
}

/// Twin of `shaders/landscapes/six_hump_camel.wgsl`.
pub mod six_hump_camel {
    use super::*;

    /// `(4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let x2 = p[0] * p[0];
        let y2 = p[1] * p[1];
        (lit::<T>(4.0) - lit::<T>(2.1) * x2 + x2 * x2 / lit(3.0)) * x2
            + p[0] * p[1]
            + (lit::<T>(-4.0) + lit::<T>(4.0) * y2) * y2
    }

    /// `(8x - 8.4x^3 + 2x^5 + y, x - 8y + 16y^3)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let x2 = p[0] * p[0];
        let y2 = p[1] * p[1];
        [
            lit::<T>(8.0) * p[0] - lit::<T>(8.4) * x2 * p[0] + lit::<T>(2.0) * x2 * x2 * p[0] + p[1],
            p[0] - lit::<T>(8.0) * p[1] + lit::<T>(16.0) * y2 * p[1],
        ]
    }

    /// `(8 - 25.2x^2 + 10x^4, 1, -8 + 48y^2)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let x2 = p[0] * p[0];
        [
            lit::<T>(8.0) - lit::<T>(25.2) * x2 + lit::<T>(10.0) * x2 * x2,
            T::one(),
            lit::<T>(-8.0) + lit::<T>(48.0) * p[1] * p[1],
        ]
    }
}

/// Twin of `shaders/landscapes/rastrigin.wgsl`.
pub mod rastrigin {
    use super::*;

    #[inline(always)]
    fn tau<T: Real>() -> T {
        lit(std::f64::consts::TAU)
    }

    /// `20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let ten = lit::<T>(10.0);
        lit::<T>(20.0) + p[0] * p[0] - ten * (tau::<T>() * p[0]).twin_cos() + p[1] * p[1]
            - ten * (tau::<T>() * p[1]).twin_cos()
    }

    /// `(2x + 20 pi sin(2 pi x), ...)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let k = lit::<T>(10.0) * tau::<T>();
        let d = |v: T| lit::<T>(2.0) * v + k * (tau::<T>() * v).twin_sin();
        [d(p[0]), d(p[1])]
    }

    /// `(2 + 40 pi^2 cos(2 pi x), 0, ...)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let k = lit::<T>(10.0) * tau::<T>() * tau::<T>();
        let two = lit::<T>(2.0);
        [two + k * (tau::<T>() * p[0]).twin_cos(), T::zero(), two + k * (tau::<T>() * p[1]).twin_cos()]
    }
}

/// Twin of `shaders/landscapes/ackley.wgsl`. At the origin (a kink) the radial term's
/// gradient and Hessian are taken as zero, as in the kernel.
pub mod ackley {
    use super::*;

    #[inline(always)]
    fn tau<T: Real>() -> T {
        lit(std::f64::consts::TAU)
    }

    #[inline(always)]
    fn pi<T: Real>() -> T {
        lit(PI)
    }

    #[inline(always)]
    fn radius_and_wave<T: Real>(p: [T; 2]) -> (T, T) {
        let r = (lit::<T>(0.5) * (p[0] * p[0] + p[1] * p[1])).sqrt();
        let e =
            (lit::<T>(0.5) * ((tau::<T>() * p[0]).twin_cos() + (tau::<T>() * p[1]).twin_cos())).twin_exp();
        (r, e)
    }

    /// `-20 exp(-0.2 r) - exp(0.5 (cos 2 pi x + cos 2 pi y)) + e + 20`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let (r, e) = radius_and_wave(p);
        lit::<T>(-20.0) * (lit::<T>(-0.2) * r).twin_exp() - e + lit(std::f64::consts::E) + lit(20.0)
    }

    /// `2 exp(-0.2 r) / r * (x, y) + pi E (sin 2 pi x, sin 2 pi y)`, radial part 0 at r = 0.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let (r, e) = radius_and_wave(p);
        let radial =
            if r > T::zero() { lit::<T>(2.0) * (lit::<T>(-0.2) * r).twin_exp() / r } else { T::zero() };
        let w = pi::<T>() * e;
        [
            radial * p[0] + w * (tau::<T>() * p[0]).twin_sin(),
            radial * p[1] + w * (tau::<T>() * p[1]).twin_sin(),
        ]
    }

    /// Radial and wave parts' second derivatives; radial part 0 at r = 0.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let (r, e) = radius_and_wave(p);
        let (sx, sy) = ((tau::<T>() * p[0]).twin_sin(), (tau::<T>() * p[1]).twin_sin());
        let mut h = [T::zero(); 3];
        if r > T::zero() {
            let t = (lit::<T>(-0.2) * r).twin_exp();
            let k = t * (lit::<T>(0.2) / (r * r) + T::one() / (r * r * r));
            let d = lit::<T>(2.0) * t / r;
            h = [d - k * p[0] * p[0], -k * p[0] * p[1], d - k * p[1] * p[1]];
        }
        let pe = pi::<T>() * pi::<T>() * e;
        let two = lit::<T>(2.0);
        [
            h[0] + pe * (two * (tau::<T>() * p[0]).twin_cos() - sx * sx),
            h[1] - pe * sx * sy,
            h[2] + pe * (two * (tau::<T>() * p[1]).twin_cos() - sy * sy),
        ]
    }
}

/// Twin of `shaders/landscapes/styblinski_tang.wgsl`.
pub mod styblinski_tang {
    use super::*;

    /// `0.5 (x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y)`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let q = [p[0] * p[0], p[1] * p[1]];
        lit::<T>(0.5)
            * (q[0] * q[0] - lit::<T>(16.0) * q[0] + lit::<T>(5.0) * p[0] + q[1] * q[1]
                - lit::<T>(16.0) * q[1]
                + lit::<T>(5.0) * p[1])
    }

    /// `2x^3 - 16x + 2.5` per coordinate.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let d = |v: T| lit::<T>(2.0) * v * v * v - lit::<T>(16.0) * v + lit(2.5);
        [d(p[0]), d(p[1])]
    }

    /// `(6x^2 - 16, 0, 6y^2 - 16)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        [lit::<T>(6.0) * p[0] * p[0] - lit(16.0), T::zero(), lit::<T>(6.0) * p[1] * p[1] - lit(16.0)]
    }
}

/// Twin of `shaders/landscapes/levi.wgsl`.
pub mod levi {
    use super::*;

    #[inline(always)]
    fn pi<T: Real>() -> T {
        lit(PI)
    }

    /// `sin^2(3 pi x) + (x-1)^2 (1 + sin^2(3 pi y)) + (y-1)^2 (1 + sin^2(2 pi y))`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let sx = (lit::<T>(3.0) * pi::<T>() * p[0]).twin_sin();
        let s3 = (lit::<T>(3.0) * pi::<T>() * p[1]).twin_sin();
        let s2 = (lit::<T>(2.0) * pi::<T>() * p[1]).twin_sin();
        let (u, w) = (p[0] - T::one(), p[1] - T::one());
        sx * sx + u * u * (T::one() + s3 * s3) + w * w * (T::one() + s2 * s2)
    }

    /// Chain rule; see the WGSL.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let pi = pi::<T>();
        let s3 = (lit::<T>(3.0) * pi * p[1]).twin_sin();
        let s2 = (lit::<T>(2.0) * pi * p[1]).twin_sin();
        let (u, w) = (p[0] - T::one(), p[1] - T::one());
        let two = lit::<T>(2.0);
        [
            lit::<T>(3.0) * pi * (lit::<T>(6.0) * pi * p[0]).twin_sin() + two * u * (T::one() + s3 * s3),
            lit::<T>(3.0) * pi * u * u * (lit::<T>(6.0) * pi * p[1]).twin_sin()
                + two * w * (T::one() + s2 * s2)
                + two * pi * w * w * (lit::<T>(4.0) * pi * p[1]).twin_sin(),
        ]
    }

    /// Second derivatives; see the WGSL.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let pi = pi::<T>();
        let s3 = (lit::<T>(3.0) * pi * p[1]).twin_sin();
        let s2 = (lit::<T>(2.0) * pi * p[1]).twin_sin();
        let (u, w) = (p[0] - T::one(), p[1] - T::one());
        let two = lit::<T>(2.0);
        [
            lit::<T>(18.0) * pi * pi * (lit::<T>(6.0) * pi * p[0]).twin_cos() + two * (T::one() + s3 * s3),
            lit::<T>(6.0) * pi * u * (lit::<T>(6.0) * pi * p[1]).twin_sin(),
            lit::<T>(18.0) * pi * pi * u * u * (lit::<T>(6.0) * pi * p[1]).twin_cos()
                + two * (T::one() + s2 * s2)
                + lit::<T>(8.0) * pi * w * (lit::<T>(4.0) * pi * p[1]).twin_sin()
                + lit::<T>(8.0) * pi * pi * w * w * (lit::<T>(4.0) * pi * p[1]).twin_cos(),
        ]
    }
}

/// Twin of `shaders/landscapes/mccormick.wgsl`.
pub mod mccormick {
    use super::*;

    /// `sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let d = p[0] - p[1];
        (p[0] + p[1]).twin_sin() + d * d - lit::<T>(1.5) * p[0] + lit::<T>(2.5) * p[1] + T::one()
    }

    /// `(cos(x+y) + 2(x-y) - 1.5, cos(x+y) - 2(x-y) + 2.5)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let k = (p[0] + p[1]).twin_cos();
        let d = lit::<T>(2.0) * (p[0] - p[1]);
        [k + d - lit(1.5), k - d + lit(2.5)]
    }

    /// `(2 - sin(x+y), -2 - sin(x+y), 2 - sin(x+y))`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let s = (p[0] + p[1]).twin_sin();
        [lit::<T>(2.0) - s, lit::<T>(-2.0) - s, lit::<T>(2.0) - s]
    }
}

/// Twin of `shaders/landscapes/monkey_saddle.wgsl`.
pub mod monkey_saddle {
    use super::*;

    /// `x^3 - 3xy^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        p[0] * p[0] * p[0] - lit::<T>(3.0) * p[0] * p[1] * p[1]
    }

    /// `(3x^2 - 3y^2, -6xy)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        [lit::<T>(3.0) * p[0] * p[0] - lit::<T>(3.0) * p[1] * p[1], lit::<T>(-6.0) * p[0] * p[1]]
    }

    /// `(6x, -6y, -6x)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        [lit::<T>(6.0) * p[0], lit::<T>(-6.0) * p[1], lit::<T>(-6.0) * p[0]]
    }
}

/// Twin of `shaders/landscapes/rotated.wgsl`.
pub mod rotated {
    use super::*;

    /// `k`, `cond`, `angle`.
    pub const PARAMS: &[ParamDef] = &[
        ParamDef { name: "k", default: 1.0, domain: Domain::Any, doc: "curvature along the rotated axis" },
        ParamDef {
            name: "cond",
            default: 10.0,
            domain: Domain::Positive,
            doc: "condition number k / (curvature across)",
        },
        ParamDef {
            name: "angle",
            default: 30.0,
            domain: Domain::Any,
            doc: "rotation in degrees, anticlockwise from x",
        },
    ];

    #[inline(always)]
    fn frame<T: Real>(c: [T; 4]) -> (T, T) {
        let a = c[2] * lit(PI / 180.0);
        (a.twin_cos(), a.twin_sin())
    }

    /// `0.5 (k u^2 + (k / cond) v^2)`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], c: [T; 4]) -> T {
        let (cs, sn) = frame(c);
        let u = cs * p[0] + sn * p[1];
        let v = -sn * p[0] + cs * p[1];
        lit::<T>(0.5) * (c[0] * u * u + c[0] / c[1] * v * v)
    }

    /// `k u (cos, sin) + (k / cond) v (-sin, cos)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], c: [T; 4]) -> [T; 2] {
        let (cs, sn) = frame(c);
        let u = cs * p[0] + sn * p[1];
        let v = -sn * p[0] + cs * p[1];
        let l1 = c[0] * u;
        let l2 = c[0] / c[1] * v;
        [l1 * cs - l2 * sn, l1 * sn + l2 * cs]
    }

    /// `R^T diag(k, k / cond) R`.
    #[inline(always)]
    pub fn hess<T: Real>(_p: [T; 2], c: [T; 4]) -> [T; 3] {
        let (cs, sn) = frame(c);
        let (l1, l2) = (c[0], c[0] / c[1]);
        [l1 * cs * cs + l2 * sn * sn, (l1 - l2) * cs * sn, l1 * sn * sn + l2 * cs * cs]
    }
}

/// Twin of `shaders/landscapes/liu.wgsl`: Liu (2024)'s quadratic plus cosine, the landscape of
/// "Complex fractal trainability boundary can arise from trivial non-convexity"
/// (liuyz0/FractalBoundary, `exp-1.jl` and `gpuexp-4-2.py`: `x^2 + delta cos(2 pi x / wl)`),
/// with `delta = roughness * wavelength^2` and a decoupled `y^2`.
pub mod liu {
    use super::*;

    /// `roughness` (Liu's `delta / wl^2`) and `wavelength` (`wl`). The defaults (`delta =
    /// 0.05`, `wl = 0.5`) are mildly non-convex; `exp-1.jl` runs `roughness=20,wavelength=0.1`.
    pub const PARAMS: &[ParamDef] = &[
        ParamDef {
            name: "roughness",
            default: 0.2,
            domain: Domain::Any,
            doc: "delta / wavelength^2; non-convex above 1/(2 pi^2) = 0.0507",
        },
        ParamDef { name: "wavelength", default: 0.5, domain: Domain::Positive, doc: "period of the cosine" },
    ];

    #[inline(always)]
    fn tau<T: Real>() -> T {
        lit(std::f64::consts::TAU)
    }

    /// `x^2 + r w^2 cos(2 pi x / w) + y^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], c: [T; 4]) -> T {
        p[0] * p[0] + c[0] * c[1] * c[1] * (tau::<T>() * p[0] / c[1]).twin_cos() + p[1] * p[1]
    }

    /// `(2x - 2 pi r w sin(2 pi x / w), 2y)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], c: [T; 4]) -> [T; 2] {
        [
            lit::<T>(2.0) * p[0] - c[0] * c[1] * tau::<T>() * (tau::<T>() * p[0] / c[1]).twin_sin(),
            lit::<T>(2.0) * p[1],
        ]
    }

    /// `(2 - 4 pi^2 r cos(2 pi x / w), 0, 2)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], c: [T; 4]) -> [T; 3] {
        [
            lit::<T>(2.0) - c[0] * tau::<T>() * tau::<T>() * (tau::<T>() * p[0] / c[1]).twin_cos(),
            T::zero(),
            lit(2.0),
        ]
    }
}
