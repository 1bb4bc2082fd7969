//! CPU twins of `shaders/landscapes/*.wgsl`, one module per landscape, each with `loss`,
//! `grad` and `hess` of the same names and the same operation order as the WGSL.

use crate::numeric::Real;

use crate::param::{Domain, ParamDef};

use super::lit;

/// Twin of `shaders/landscapes/quadratic.wgsl`.
pub mod quadratic {
    use super::*;

    /// `kx`, `ky`: curvatures along x and y.
    pub const PARAMS: &[ParamDef] = &[
        ParamDef { name: "kx", default: 1.0, domain: Domain::Any, doc: "curvature along x" },
        ParamDef { name: "ky", default: 1.0, domain: Domain::Any, doc: "curvature along y" },
    ];

    /// The `bowl` preset: `x^2 + 2y^2`.
    pub const BOWL: &[ParamDef] = &[
        ParamDef { name: "kx", default: 2.0, domain: Domain::Any, doc: "curvature along x" },
        ParamDef { name: "ky", default: 4.0, domain: Domain::Any, doc: "curvature along y" },
    ];

    /// `0.5 * (kx x^2 + ky y^2)`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], c: [T; 4]) -> T {
        lit::<T>(0.5) * (c[0] * p[0] * p[0] + c[1] * p[1] * p[1])
    }

    /// `(kx x, ky y)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], c: [T; 4]) -> [T; 2] {
        [c[0] * p[0], c[1] * p[1]]
    }

    /// `(kx, 0, ky)`.
    #[inline(always)]
    pub fn hess<T: Real>(_p: [T; 2], c: [T; 4]) -> [T; 3] {
        [c[0], T::zero(), c[1]]
    }
}

/// Twin of `shaders/landscapes/rosenbrock.wgsl`.
pub mod rosenbrock {
    use super::*;

    /// `a`: location of the minimum `(a, a^2)`; `b`: steepness of the valley walls.
    pub const PARAMS: &[ParamDef] = &[
        ParamDef { name: "a", default: 1.0, domain: Domain::Any, doc: "minimum at (a, a^2)" },
        ParamDef { name: "b", default: 100.0, domain: Domain::Positive, doc: "valley steepness" },
    ];

    /// The `ravine` preset: a gentler valley, `b = 20`.
    pub const RAVINE: &[ParamDef] = &[
        ParamDef { name: "a", default: 1.0, domain: Domain::Any, doc: "minimum at (a, a^2)" },
        ParamDef { name: "b", default: 20.0, domain: Domain::Positive, doc: "valley steepness" },
    ];

    /// `(a - x)^2 + b (y - x^2)^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], c: [T; 4]) -> T {
        let u = c[0] - p[0];
        let w = p[1] - p[0] * p[0];
        u * u + c[1] * w * w
    }

    /// `(-2 (a - x) - 4 b x w, 2 b w)` with `w = y - x^2`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], c: [T; 4]) -> [T; 2] {
        let w = p[1] - p[0] * p[0];
        [lit::<T>(-2.0) * (c[0] - p[0]) - lit::<T>(4.0) * c[1] * p[0] * w, lit::<T>(2.0) * c[1] * w]
    }

    /// `(2 - 4 b y + 12 b x^2, -4 b x, 2 b)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], c: [T; 4]) -> [T; 3] {
        [
            lit::<T>(2.0) - lit::<T>(4.0) * c[1] * p[1] + lit::<T>(12.0) * c[1] * p[0] * p[0],
            lit::<T>(-4.0) * c[1] * p[0],
            lit::<T>(2.0) * c[1],
        ]
    }
}

/// Twin of `shaders/landscapes/saddle.wgsl`.
pub mod saddle {
    use super::*;

    /// `x^2 - y^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        p[0] * p[0] - p[1] * p[1]
    }

    /// `(2x, -2y)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        [lit::<T>(2.0) * p[0], lit::<T>(-2.0) * p[1]]
    }

    /// `(2, 0, -2)`.
    #[inline(always)]
    pub fn hess<T: Real>(_p: [T; 2], _c: [T; 4]) -> [T; 3] {
        [lit(2.0), T::zero(), lit(-2.0)]
    }
}

/// Twin of `shaders/landscapes/bumpy.wgsl`.
pub mod bumpy {
    use super::*;

    /// `0.1 (x^2 + y^2) + sin x sin y`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        lit::<T>(0.1) * (p[0] * p[0] + p[1] * p[1]) + p[0].twin_sin() * p[1].twin_sin()
    }

    /// `(0.2 x + cos x sin y, 0.2 y + sin x cos y)`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let (sx, cx) = (p[0].twin_sin(), p[0].twin_cos());
        let (sy, cy) = (p[1].twin_sin(), p[1].twin_cos());
        [lit::<T>(0.2) * p[0] + cx * sy, lit::<T>(0.2) * p[1] + sx * cy]
    }

    /// `(0.2 - sin x sin y, cos x cos y, 0.2 - sin x sin y)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        let ss = p[0].twin_sin() * p[1].twin_sin();
        [lit::<T>(0.2) - ss, p[0].twin_cos() * p[1].twin_cos(), lit::<T>(0.2) - ss]
    }
}

/// Twin of `shaders/landscapes/himmelblau.wgsl`.
pub mod himmelblau {
    use super::*;

    /// `(x^2 + y - 11)^2 + (x + y^2 - 7)^2`.
    #[inline(always)]
    pub fn loss<T: Real>(p: [T; 2], _c: [T; 4]) -> T {
        let u = p[0] * p[0] + p[1] - lit(11.0);
        let w = p[0] + p[1] * p[1] - lit(7.0);
        u * u + w * w
    }

    /// `(4 x u + 2 w, 2 u + 4 y w)` with `u = x^2 + y - 11`, `w = x + y^2 - 7`.
    #[inline(always)]
    pub fn grad<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 2] {
        let u = p[0] * p[0] + p[1] - lit(11.0);
        let w = p[0] + p[1] * p[1] - lit(7.0);
        [lit::<T>(4.0) * p[0] * u + lit::<T>(2.0) * w, lit::<T>(2.0) * u + lit::<T>(4.0) * p[1] * w]
    }

    /// `(12 x^2 + 4 y - 42, 4 (x + y), 4 x + 12 y^2 - 26)`.
    #[inline(always)]
    pub fn hess<T: Real>(p: [T; 2], _c: [T; 4]) -> [T; 3] {
        [
            lit::<T>(12.0) * p[0] * p[0] + lit::<T>(4.0) * p[1] - lit(42.0),
            lit::<T>(4.0) * (p[0] + p[1]),
            lit::<T>(4.0) * p[0] + lit::<T>(12.0) * p[1] * p[1] - lit(26.0),
        ]
    }
}
