//! CPU twins of `shaders/optimisers/*.wgsl`, one module per optimiser, each with `opt_init`
//! and `opt_step` of the same names and the same f32 operation order as the WGSL, including
//! the flushing of subnormal state registers to zero.

#![allow(clippy::too_many_arguments, reason = "opt_step mirrors the WGSL signature, argument for argument")]

use super::{OptState, Real};
use crate::numeric::flush_subnormal;
use crate::param::{Domain, ParamDef};
use crate::simd::Curvature;

/// Hyperparameters shared by several optimisers (same name, default, domain and meaning).
pub(super) const LR: ParamDef =
    ParamDef { name: "lr", default: 0.01, domain: Domain::NonNegative, doc: "learning rate" };
pub(super) const BETA: ParamDef =
    ParamDef { name: "beta", default: 0.9, domain: Domain::UnitInterval, doc: "momentum" };
pub(super) const BETA1: ParamDef = ParamDef {
    name: "beta1",
    default: 0.9,
    domain: Domain::UnitInterval,
    doc: "decay of the gradient average",
};
pub(super) const BETA2: ParamDef = ParamDef {
    name: "beta2",
    default: 0.999,
    domain: Domain::UnitInterval,
    doc: "decay of the squared-gradient average",
};
pub(super) const EPS: ParamDef =
    ParamDef { name: "eps", default: 1e-8, domain: Domain::Positive, doc: "denominator guard" };
pub(super) const BIAS_CORRECTION: ParamDef = ParamDef {
    name: "bias_correction",
    default: 1.0,
    domain: Domain::Switch,
    doc: "divide the averages by 1 - beta^t",
};

/// `beta * v + g`: the velocity update of heavy ball and Nesterov.
#[inline(always)]
fn velocity<T: Real>(beta: T, v: [T; 2], g: [T; 2]) -> [T; 2] {
    flush_subnormal([beta * v[0] + g[0], beta * v[1] + g[1]])
}

/// Twin of `adam_moments` in `shaders/common/moments.wgsl`: Adam's moment and power updates,
/// shared by adam, adamw, amsgrad and nadam. Returns the new
/// `(m, v, (beta1^t, beta2^t))`, each flushed to zero when subnormal.
#[inline(always)]
pub(super) fn moments<T: Real>(s: &mut OptState<T>, g: [T; 2], b1: T, b2: T) -> ([T; 2], [T; 2], [T; 2]) {
    let (k1, k2) = (T::one() - b1, T::one() - b2);
    let m = flush_subnormal([b1 * s.a[0] + k1 * g[0], b1 * s.a[1] + k1 * g[1]]);
    let v = flush_subnormal([b2 * s.b[0] + k2 * (g[0] * g[0]), b2 * s.b[1] + k2 * (g[1] * g[1])]);
    let pw = flush_subnormal([s.c[0] * b1, s.c[1] * b2]);
    s.a = m;
    s.b = v;
    s.c = pw;
    (m, v, pw)
}

/// Twin of `corrected` in `shaders/common/moments.wgsl`: `(m / (1 - b1^t), v / (1 - b2^t))`,
/// or `(m, v)` when `on` is false.
#[inline(always)]
pub(super) fn corrected<T: Real>(m: [T; 2], v: [T; 2], pw: [T; 2], on: bool) -> ([T; 2], [T; 2]) {
    if on {
        (
            [m[0] / (T::one() - pw[0]), m[1] / (T::one() - pw[0])],
            [v[0] / (T::one() - pw[1]), v[1] / (T::one() - pw[1])],
        )
    } else {
        (m, v)
    }
}

/// Adam's `(m^, v^)` after one moment update, with `bias_correction` (h1.x) deciding the
/// correction.
#[inline(always)]
pub(super) fn corrected_moments<T: Real>(
    s: &mut OptState<T>,
    g: [T; 2],
    h0: [T; 4],
    h1: [T; 4],
) -> ([T; 2], [T; 2]) {
    let (m, v, pw) = moments(s, g, h0[1], h0[2]);
    corrected(m, v, pw, h1[0] != T::zero())
}

#[inline(always)]
fn zero_state<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
    OptState::default()
}

/// Twin of `shaders/optimisers/gd.wgsl`.
pub mod gd {
    use super::*;

    /// `lr`.
    pub const PARAMS: &[ParamDef] = &[LR];

    /// No state.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        zero_state(h0, h1)
    }

    /// `x - lr * g`.
    #[inline(always)]
    pub fn opt_step<T: Real>(
        x: [T; 2],
        g: [T; 2],
        _s: &mut OptState<T>,
        h0: [T; 4],
        _h1: [T; 4],
        _t: u32,
        _hess: Curvature<'_, T>,
        _c: [T; 4],
    ) -> [T; 2] {
        [x[0] - h0[0] * g[0], x[1] - h0[0] * g[1]]
    }
}

/// Twin of `shaders/optimisers/momentum.wgsl`.
pub mod momentum {
    use super::*;

    /// `lr`, `beta`.
    pub const PARAMS: &[ParamDef] = &[LR, BETA];

    /// `v = 0`.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        zero_state(h0, h1)
    }

    /// `v = beta v + g; x - lr v`.
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
        let v = velocity(h0[1], s.a, g);
        s.a = v;
        [x[0] - h0[0] * v[0], x[1] - h0[0] * v[1]]
    }
}

/// Twin of `shaders/optimisers/nesterov.wgsl`.
pub mod nesterov {
    use super::*;

    /// `lr`, `beta`.
    pub const PARAMS: &[ParamDef] = &[LR, BETA];

    /// `v = 0`.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        zero_state(h0, h1)
    }

    /// `v = beta v + g; x - lr (g + beta v)`.
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
        let v = velocity(h0[1], s.a, g);
        s.a = v;
        [x[0] - h0[0] * (g[0] + h0[1] * v[0]), x[1] - h0[0] * (g[1] + h0[1] * v[1])]
    }
}

/// Twin of `shaders/optimisers/rmsprop.wgsl`.
pub mod rmsprop {
    use super::*;

    /// `lr`, `rho`, `eps`.
    pub const PARAMS: &[ParamDef] = &[
        LR,
        ParamDef {
            name: "rho",
            default: 0.9,
            domain: Domain::UnitInterval,
            doc: "decay of the squared-gradient average",
        },
        EPS,
    ];

    /// `s = 0`.
    #[inline(always)]
    pub fn opt_init<T: Real>(h0: [T; 4], h1: [T; 4]) -> OptState<T> {
        zero_state(h0, h1)
    }

    /// `s = rho s + (1 - rho) g^2; x - lr g / (sqrt(s) + eps)`.
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
        let k = T::one() - h0[1];
        let sq = flush_subnormal([h0[1] * s.b[0] + k * (g[0] * g[0]), h0[1] * s.b[1] + k * (g[1] * g[1])]);
        s.b = sq;
        [x[0] - h0[0] * g[0] / (sq[0].sqrt() + h0[2]), x[1] - h0[0] * g[1] / (sq[1].sqrt() + h0[2])]
    }
}

/// Twin of `shaders/optimisers/adam.wgsl`.
pub mod adam {
    use super::*;

    /// `lr`, `beta1`, `beta2`, `eps`, `bias_correction`.
    pub const PARAMS: &[ParamDef] = &[LR, BETA1, BETA2, EPS, BIAS_CORRECTION];

    /// `m = v = 0`, running powers `(beta1^0, beta2^0) = (1, 1)`.
    #[inline(always)]
    pub fn opt_init<T: Real>(_h0: [T; 4], _h1: [T; 4]) -> OptState<T> {
        OptState { c: [T::one(); 2], ..OptState::default() }
    }

    /// One Adam step; see the WGSL piece for the formula.
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
        [x[0] - h0[0] * mh[0] / (vh[0].sqrt() + h0[3]), x[1] - h0[0] * mh[1] / (vh[1].sqrt() + h0[3])]
    }
}
