//! CPU twins of the later optimisers in `shaders/optimisers/` (adagrad, adamw, nadam, lion),
//! each with `opt_init` and `opt_step` of the same names and f32 operation order as the WGSL.

#![allow(clippy::too_many_arguments, reason = "opt_step mirrors the WGSL signature, argument for argument")]

use super::builtin::{BETA, BETA1, BETA2, BIAS_CORRECTION, EPS, LR, corrected, corrected_moments, moments};
use super::{OptState, Real, k};
use crate::numeric::flush_subnormal;
use crate::param::{Domain, ParamDef};
use crate::simd::Curvature;

/// Twin of WGSL `sign`: -1, 0 or 1 (unlike `f32::signum`, zero maps to zero).
#[inline(always)]
fn sign<T: Real>(v: T) -> T {
    if v > T::zero() {
        T::one()
    } else if v < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

#[inline(always)]
fn powers_start<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
    OptState { c: [T::one(); 2], ..OptState::default() }
}

/// Twin of `shaders/optimisers/adagrad.wgsl`.
pub mod adagrad {
    use super::*;

    /// `lr`, `eps`.
    pub const PARAMS: &[ParamDef] =
        &[LR, ParamDef { name: "eps", default: 1e-10, domain: Domain::Positive, doc: "denominator guard" }];

    /// `s = 0`.
    #[inline(always)]
    pub fn opt_init<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
        OptState::default()
    }

    /// `s += g^2; x - lr g / (sqrt(s) + eps)`.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        s: &mut OptState<T>,
        h0: [T; 4],
        _h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        let sq = flush_subnormal([s.b[0] + g[0] * g[0], s.b[1] + g[1] * g[1]]);
        s.b = sq;
        [x[0] - h0[0] * g[0] / (sq[0].sqrt() + h0[1]), x[1] - h0[0] * g[1] / (sq[1].sqrt() + h0[1])]
    }
}

/// Twin of `shaders/optimisers/adamw.wgsl`.
pub mod adamw {
    use super::*;

    /// `lr`, `beta1`, `beta2`, `eps`, `bias_correction`, `weight_decay`.
    pub const PARAMS: &[ParamDef] = &[
        LR,
        BETA1,
        BETA2,
        EPS,
        BIAS_CORRECTION,
        ParamDef {
            name: "weight_decay",
            default: 0.01,
            domain: Domain::NonNegative,
            doc: "decoupled decay: x shrinks by lr*weight_decay*x each step",
        },
    ];

    /// `m = v = 0`, powers `(1, 1)`.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        powers_start(h0, h1)
    }

    /// Adam step on `x * (1 - lr * wd)`.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        s: &mut OptState<T>,
        h0: [T; 4],
        h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        let (mh, vh) = corrected_moments(s, g, h0, h1);
        let shrink = T::one() - h0[0] * h1[1];
        [
            x[0] * shrink - h0[0] * mh[0] / (vh[0].sqrt() + h0[3]),
            x[1] * shrink - h0[0] * mh[1] / (vh[1].sqrt() + h0[3]),
        ]
    }
}

/// Twin of `shaders/optimisers/nadam.wgsl`.
pub mod nadam {
    use super::*;

    /// `lr`, `beta1`, `beta2`, `eps`.
    pub const PARAMS: &[ParamDef] = &[LR, BETA1, BETA2, EPS];

    /// `m = v = 0`, powers `(1, 1)`.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        powers_start(h0, h1)
    }

    /// Adam with the Nesterov look-ahead on `m`.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        s: &mut OptState<T>,
        h0: [T; 4],
        _h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        let b1 = h0[1];
        let (m, v, pw) = moments(s, g, b1, h0[2]);
        let next = T::one() - pw[0] * b1;
        let now = T::one() - pw[0];
        let mh = [
            b1 * m[0] / next + (T::one() - b1) * g[0] / now,
            b1 * m[1] / next + (T::one() - b1) * g[1] / now,
        ];
        let vh = [v[0] / (T::one() - pw[1]), v[1] / (T::one() - pw[1])];
        [x[0] - h0[0] * mh[0] / (vh[0].sqrt() + h0[3]), x[1] - h0[0] * mh[1] / (vh[1].sqrt() + h0[3])]
    }
}

/// Twin of `shaders/optimisers/lion.wgsl`.
pub mod lion {
    use super::*;

    /// `lr`, `beta1`, `beta2`, `weight_decay`.
    pub const PARAMS: &[ParamDef] = &[
        LR,
        ParamDef {
            name: "beta1",
            default: 0.9,
            domain: Domain::UnitInterval,
            doc: "interpolation for the update sign",
        },
        ParamDef { name: "beta2", default: 0.99, domain: Domain::UnitInterval, doc: "decay of the momentum" },
        ParamDef {
            name: "weight_decay",
            default: 0.0,
            domain: Domain::NonNegative,
            doc: "decoupled decay added to the sign update",
        },
    ];

    /// `m = 0`.
    #[inline(always)]
    pub fn opt_init<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
        OptState::default()
    }

    /// `x - lr (sign(b1 m + (1 - b1) g) + wd x)`, then `m = b2 m + (1 - b2) g`.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        s: &mut OptState<T>,
        h0: [T; 4],
        _h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        let (b1, b2) = (h0[1], h0[2]);
        let u = [sign(b1 * s.a[0] + (T::one() - b1) * g[0]), sign(b1 * s.a[1] + (T::one() - b1) * g[1])];
        s.a = flush_subnormal([b2 * s.a[0] + (T::one() - b2) * g[0], b2 * s.a[1] + (T::one() - b2) * g[1]]);
        [x[0] - h0[0] * (u[0] + h0[3] * x[0]), x[1] - h0[0] * (u[1] + h0[3] * x[1])]
    }
}

/// Twin of `shaders/optimisers/amsgrad.wgsl`.
pub mod amsgrad {
    use super::*;

    /// `lr`, `beta1`, `beta2`, `eps`, `bias_correction`.
    pub const PARAMS: &[ParamDef] = &[LR, BETA1, BETA2, EPS, BIAS_CORRECTION];

    /// `m = v = vmax = 0`, powers `(1, 1)`.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        powers_start(h0, h1)
    }

    /// Adam with `vmax = max(vmax, v)` in the denominator.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        s: &mut OptState<T>,
        h0: [T; 4],
        h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        let (m, v, pw) = moments(s, g, h0[1], h0[2]);
        let vmax = [s.d[0].max(v[0]), s.d[1].max(v[1])];
        s.d = vmax;
        let (mh, vh) = corrected(m, vmax, pw, h1[0] != T::zero());
        [x[0] - h0[0] * mh[0] / (vh[0].sqrt() + h0[3]), x[1] - h0[0] * mh[1] / (vh[1].sqrt() + h0[3])]
    }
}

/// Twin of `shaders/optimisers/newton.wgsl`.
pub mod newton {
    use super::*;

    /// `lr`, `damping`, `saddle_free`.
    pub const PARAMS: &[ParamDef] = &[
        ParamDef {
            name: "lr",
            default: 1.0,
            domain: Domain::NonNegative,
            doc: "step scale (1 = full Newton step)",
        },
        ParamDef {
            name: "damping",
            default: 0.0,
            domain: Domain::NonNegative,
            doc: "added to the Hessian's diagonal (Levenberg-style)",
        },
        ParamDef {
            name: "saddle_free",
            default: 0.0,
            domain: Domain::Switch,
            doc: "use |H| (absolute eigenvalues) so steps never head for saddles or maxima",
        },
    ];

    /// No state.
    #[inline(always)]
    pub fn opt_init<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
        OptState::default()
    }

    /// `x - lr (M + damping I)^-1 g`; a gradient step where that matrix is singular.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        _s: &mut OptState<T>,
        h0: [T; 4],
        _h1: [T; 4],
        _t: u32,
        hess: Curvature<'_, T>,
        c: [T; 4],
    ) -> [T; 2] {
        let mut m = hess(x, c);
        if h0[2] != T::zero() {
            let mean = k::<T>(0.5) * (m[0] + m[2]);
            let half = k::<T>(0.5) * (m[0] - m[2]);
            let r = (half * half + m[1] * m[1]).sqrt();
            let (a1, a2) = ((mean + r).abs(), (mean - r).abs());
            let iso = k::<T>(0.5) * (a1 + a2);
            let k = if r > T::zero() { k::<T>(0.5) * (a1 - a2) / r } else { T::zero() };
            m = [iso + k * half, k * m[1], iso - k * half];
        }
        let (hx, hy) = (m[0] + h0[1], m[2] + h0[1]);
        let det = hx * hy - m[1] * m[1];
        let d = if det.abs() > k::<T>(1e-30) {
            [(hy * g[0] - m[1] * g[1]) / det, (hx * g[1] - m[1] * g[0]) / det]
        } else {
            g
        };
        [x[0] - h0[0] * d[0], x[1] - h0[0] * d[1]]
    }
}

/// Twin of `shaders/optimisers/momentum_sutskever.wgsl`.
pub mod momentum_sutskever {
    use super::*;

    /// `lr`, `beta`.
    pub const PARAMS: &[ParamDef] = &[LR, BETA];

    /// `v = 0`.
    #[inline(always)]
    pub fn opt_init<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
        OptState::default()
    }

    /// `v = beta v - lr g; x + v`.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        s: &mut OptState<T>,
        h0: [T; 4],
        _h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        let v = flush_subnormal([h0[1] * s.a[0] - h0[0] * g[0], h0[1] * s.a[1] - h0[0] * g[1]]);
        s.a = v;
        [x[0] + v[0], x[1] + v[1]]
    }
}
