//! The numerics every CPU twin shares, below the landscapes, optimisers and runners: the float
//! types the twins run in ([`Real`]), literals in them ([`k`]), the kernel's subnormal flush and
//! escape test, and the sine, cosine, tanh and exponential the f32 twins use.
//!
//! It imports nothing from the rest of the crate, so the landscape and optimiser twins and every
//! runner (scalar f32, f64, SIMD lanes) depend on it and not on each other.
//!
//! # Sine and cosine in f32
//! The f32 twins do not call the C library's `sinf`/`cosf`: a call per value keeps the CPU
//! runner from computing a block of trajectories in the lanes of one vector register. [`sin32`]
//! and [`cos32`] are branch-free instead (selects only), so the compiler vectorises them across
//! lanes, and the scalar twin and the lanes twin compute the same bits. They stay in f32 (16
//! lanes per AVX-512 register): the argument is reduced by `pi/2` split in three f32 parts
//! with fused multiply-adds (Cody and Waite), carrying the last step's rounding error, and
//! Cephes' `sinf`/`cosf` polynomials are evaluated at the reduced argument.
//!
//! Measured against f64 (`sine_and_cosine_are_within_the_documented_errors`): within 1.6 ulp
//! for `|x| < 1e6`, the default escape threshold (1.53 ulp below 1e5); within 2e-4 absolute
//! for `|x| < 1.6e7`, where neighbouring f32 values are already 1 apart; beyond, only kept in
//! `[-1, 1]`. NaN and infinities give NaN. (An f64 reduction and f64 kernels, within 1 ulp to
//! 2^28, made bumpy gradient descent 1.5x slower in the lanes.)
//! The GPU's `sin` and `cos` are the driver's own; GPU-vs-CPU tests allow for that.

#![allow(clippy::excessive_precision, reason = "the published kernel constants, digit for digit")]

/// The float types the twins run in: f32 (the twins proper, the WGSL's arithmetic) and f64
/// (the CPU's precise path for zooms deeper than f32 resolves).
pub trait Real: num_traits::Float + Send + Sync + std::fmt::Debug + 'static {
    /// Sine as the twins compute it: [`sin32`] in f32, the C library's in f64.
    fn twin_sin(self) -> Self;
    /// Cosine as the twins compute it: [`cos32`] in f32, the C library's in f64.
    fn twin_cos(self) -> Self;
    /// Hyperbolic tangent as the twins compute it: [`tanh_f32`] in f32, the standard
    /// library's in f64.
    fn twin_tanh(self) -> Self;
    /// Exponential as the twins compute it: [`exp32`] in f32, the C library's in f64.
    fn twin_exp(self) -> Self;
}

impl Real for f32 {
    #[inline(always)]
    fn twin_sin(self) -> f32 {
        sin32(self)
    }
    #[inline(always)]
    fn twin_cos(self) -> f32 {
        cos32(self)
    }
    #[inline(always)]
    fn twin_tanh(self) -> f32 {
        tanh_f32(self)
    }
    #[inline(always)]
    fn twin_exp(self) -> f32 {
        exp32(self)
    }
}

impl Real for f64 {
    fn twin_sin(self) -> f64 {
        self.sin()
    }
    fn twin_cos(self) -> f64 {
        self.cos()
    }
    #[inline(always)]
    fn twin_tanh(self) -> f64 {
        self.tanh()
    }
    fn twin_exp(self) -> f64 {
        self.exp()
    }
}

/// The constant `v` in the twin's float type (exact for the twins' literals).
#[inline(always)]
pub fn k<T: Real>(v: f64) -> T {
    T::from(v).expect("a float")
}

/// `tanh(x)` in f32 from multiplies, adds, one division and bit operations, within 2.5 ulp
/// (1 to 2 below 0.03, under 1 on average), without branches so that a loop of them
/// vectorises; NaN stays NaN. (The standard library's calls libm, one lane at a time.)
///
/// `tanh |x| = m / (m + 2)` with `m = exp(2 |x|) - 1` (`expm1_f32`, which needs no care
/// for small `x`), `2 |x|` capped at 18, where `tanh` is 1 in f32.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let y = x.abs() * 2.0;
    let y = if y > 18.0 { 18.0 } else { y };
    let m = expm1_f32(y);
    (m / (m + 2.0)).copysign(x)
}

/// `exp(x)` in f32 from multiplies, adds and bit operations, without branches so that a loop
/// of them vectorises (the C library's `expf` is a call per value), within 1.5 ulp where the
/// result is a normal number: `x = k ln 2 + r` with `k` the nearest integer to `x / ln 2`
/// (rounded by adding and subtracting `1.5 * 2^23`) and `ln 2` in Cephes' two parts, `exp(r)`
/// by Cephes' `expf` polynomial (`|r| <= ln(2) / 2`), times `2^k` applied as two halves so
/// that neither leaves the exponent range (results down to the subnormals, `k` from -150 to
/// 128). Below -104 it is 0, above 88.7228 infinity; NaN stays NaN.
#[inline(always)]
pub fn exp32(x: f32) -> f32 {
    const C1: f32 = 0.693_359_375;
    const C2: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23
    const HI: f32 = 88.722_84;
    const LO: f32 = -104.0;
    // NaN passes through `clamp`.
    let xc = x.clamp(LO, HI);
    let shifted = xc * std::f32::consts::LOG2_E + ROUND;
    let kf = shifted - ROUND;
    let r = xc - kf * C1 - kf * C2;
    let mut p = 1.987_569_2e-4;
    p = p * r + 1.398_2e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let e_r = p * r * r + r + 1.0;
    // `k` is the low bits of `shifted` above those of ROUND, two's complement for k < 0.
    let k = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let half = k >> 1;
    let two = |e: i32| f32::from_bits(((e + 127) as u32) << 23);
    let v = e_r * two(half) * two(k - half);
    if x > HI {
        f32::INFINITY
    } else if x < LO {
        0.0
    } else {
        v
    }
}

/// `exp(y) - 1` for `0 <= y <= 18` (and NaN) in f32: `y = k ln 2 + r` with `k` the nearest
/// integer to `y / ln 2` (rounded by adding and subtracting `1.5 * 2^23`, which also leaves
/// `k` in the sum's low bits) and `ln 2` in two parts, `exp(r) - 1` by its degree-7 Taylor
/// polynomial (`|r| <= ln(2) / 2`), then `2^k (exp(r) - 1) + (2^k - 1)`, `2^k` from its bits.
#[inline(always)]
fn expm1_f32(y: f32) -> f32 {
    const LN2_HI: f32 = 0.693_115_23; // 0x3f317000: k * LN2_HI is exact
    const LN2_LO: f32 = 3.194_618_3e-5;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23
    let shifted = y * std::f32::consts::LOG2_E + ROUND;
    let kf = shifted - ROUND;
    let r = y - kf * LN2_HI - kf * LN2_LO;
    let mut p = 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    let em1_r = r + r * r * p;
    // `k` is the low bits of `shifted` above those of ROUND (0 <= k <= 26 here).
    let k = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let two_k = f32::from_bits(k.wrapping_add(127) << 23);
    two_k * em1_r + (two_k - 1.0)
}

/// Twin of `escaped` in `shaders/common/numerics.wgsl`: a coordinate's magnitude exceeds
/// `threshold` or is not finite (compared on bit patterns, as the WGSL does).
pub fn escaped(p: [f32; 2], threshold: f32) -> bool {
    let t = threshold.to_bits();
    (p[0].to_bits() & 0x7fff_ffff) > t || (p[1].to_bits() & 0x7fff_ffff) > t
}

/// [`escaped`] in any float type: not `|c| <= threshold` (so NaN escapes, as on the bits).
/// Both comparisons are made (no short circuit), so a loop over lanes stays straight-line.
#[inline(always)]
pub fn escaped_t<T: Real>(p: [T; 2], threshold: T) -> bool {
    !((p[0].abs() <= threshold) & (p[1].abs() <= threshold))
}

/// Twin of `flush_subnormal` in `shaders/common/numerics.wgsl`: subnormal components become
/// zero (a converging trajectory otherwise decays into the slow subnormal range); NaN and
/// infinities pass through.
#[inline(always)]
pub fn flush_subnormal<T: Real>(v: [T; 2]) -> [T; 2] {
    // Written out, not `v.map(..)`: array `map` is left to the inliner's judgement, and a call
    // left in a lane loop stops its vectorisation.
    let flush = |c: T| if c.abs() < T::min_positive_value() { T::zero() } else { c };
    [flush(v[0]), flush(v[1])]
}

/// Twin of `within_tol` in `shaders/common/numerics.wgsl`: whether the gradient `g` at `p`
/// counts as zero. It does when its squared norm is at most `tol2` (the squared tolerance) or
/// within what the arithmetic resolves at `p`: `floor * max(|x|, |y|)`, where `floor` is
/// [`crate::spec::Spec::conv_floor`] (a few units in the last place of the iterate times the
/// landscape's curvature). Straight-line code, so a loop over lanes vectorises.
///
/// The comparisons are written out rather than as `max`, whose NaN handling costs three
/// vector instructions where one will do (the iterate is finite wherever it is tested).
#[inline(always)]
pub fn within_tol<T: Real>(g: [T; 2], p: [T; 2], tol2: T, floor: T) -> bool {
    let (ax, ay) = (p[0].abs(), p[1].abs());
    let r = floor * if ax > ay { ax } else { ay };
    let g2 = g[0] * g[0] + g[1] * g[1];
    (g2 <= tol2) | (g2 <= r * r)
}

/// Twin of the kernel's convergence bookkeeping: `conv_step` after the gradient test at step
/// `t` (`small`: the gradient's norm is within the tolerance). A trajectory has converged at
/// the first step from which its gradient stays within the tolerance, so a step above it (an
/// oscillation passing through a zero of the gradient) starts the count again: -1.
#[inline(always)]
pub fn converged_since(conv_step: i32, small: bool, t: u32) -> i32 {
    let first = if conv_step < 0 { t as i32 } else { conv_step };
    if small { first } else { -1 }
}

/// `pi/2` as the unevaluated sum `PIO2_1 + PIO2_2 + PIO2_3` of three f32 (error about 1e-23).
const PIO2_1: f32 = 1.570_796_370_506_286_6;
/// See [`PIO2_1`].
const PIO2_2: f32 = -4.371_138_828_673_793e-8;
/// See [`PIO2_1`].
const PIO2_3: f32 = -1.715_124_510_005_881_9e-15;

/// `1.5 * 2^23`: adding it to an f32 integer in `[0, 4)` leaves that integer as the low bits
/// of the sum's representation.
const LOW_BITS: f32 = 12_582_912.0;
/// Bound on the reduced argument: beyond `|x| ~ 2^24`, where the reduction is meaningless,
/// it keeps the kernels finite (and so the results in `[-1, 1]`).
const MAX_REDUCED: f32 = 2.0;

/// `x` reduced by the nearest multiple `j` of `pi/2`: `(hi, lo, j mod 4)` with
/// `x - j pi/2 ~ hi + lo` (Cody and Waite with fused multiply-adds; `lo` is the rounding error
/// of the last step). `j` comes from the f32 product `x 2/pi`, so `|hi|` can exceed `pi/4` by
/// about `|x| 2^-24`; `hi` is clamped to `[-2, 2]`. NaN and infinities give NaN.
#[inline(always)]
fn reduce(x: f32) -> (f32, f32, u32) {
    let j = (x * std::f32::consts::FRAC_2_PI).round_ties_even();
    let n = -j;
    // Exact: x and j PIO2_1 lie on one grid of 2^-23 for |x| >= 1 and |j| < 2^24.
    let r1 = n.mul_add(PIO2_1, x);
    let r2 = n.mul_add(PIO2_2, r1);
    let r3 = n.mul_add(PIO2_3, r2);
    // Exact (r3 is within a factor 2 of r2), and so the exact rounding error of r3.
    let e3 = n.mul_add(PIO2_3, r2 - r3);
    let hi = if r3 > MAX_REDUCED { MAX_REDUCED } else { r3 };
    let hi = if hi < -MAX_REDUCED { -MAX_REDUCED } else { hi };
    // j mod 4 in [0, 4), exact for |j| < 2^24, read off the representation (a float-to-int
    // conversion saturates lane by lane instead of vectorising).
    let quarters = 4.0f32.mul_add(-(j * 0.25).floor(), j);
    (hi, e3, (quarters + LOW_BITS).to_bits() & 3)
}

/// Sine on `[-pi/4, pi/4]` (Cephes' `sinf` polynomial).
#[inline(always)]
fn kernel_sin(x: f32) -> f32 {
    let z = x * x;
    let p = (-1.951_529_589_1e-4f32).mul_add(z, 8.332_160_873_6e-3).mul_add(z, -1.666_665_461_1e-1);
    (x * z).mul_add(p, x)
}

/// Cosine on `[-pi/4, pi/4]` (Cephes' `cosf` polynomial).
#[inline(always)]
fn kernel_cos(x: f32) -> f32 {
    let z = x * x;
    let p = (2.443_315_711_809_948e-5f32)
        .mul_add(z, -1.388_731_625_493_765e-3)
        .mul_add(z, 4.166_664_568_298_827e-2);
    (z * z).mul_add(p, (-0.5f32).mul_add(z, 1.0))
}

/// Sine and cosine of `hi + lo` (`|lo|` a few ulps of `hi`) from the kernels at `hi`.
#[inline(always)]
fn kernels(hi: f32, lo: f32) -> (f32, f32) {
    let (s, c) = (kernel_sin(hi), kernel_cos(hi));
    (lo.mul_add(c, s), (-lo).mul_add(s, c))
}

/// `v` kept in `[-1, 1]`; NaN passes through.
#[inline(always)]
fn unit(v: f32) -> f32 {
    let v = if v > 1.0 { 1.0 } else { v };
    if v < -1.0 { -1.0 } else { v }
}

/// Sine of an f32, branch-free (see the module's notes on accuracy).
#[inline(always)]
pub fn sin32(x: f32) -> f32 {
    let (hi, lo, q) = reduce(x);
    let (s, c) = kernels(hi, lo);
    let v = if q & 1 == 0 { s } else { c };
    unit(if q & 2 == 0 { v } else { -v })
}

/// Cosine of an f32, branch-free (see the module's notes on accuracy).
#[inline(always)]
pub fn cos32(x: f32) -> f32 {
    let (hi, lo, q) = reduce(x);
    let (s, c) = kernels(hi, lo);
    let v = if q & 1 == 0 { c } else { -s };
    unit(if q & 2 == 0 { v } else { -v })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in f32 ulps between `a` and the f64 value `truth`.
    fn ulps(a: f32, truth: f64) -> f64 {
        let t = truth as f32;
        let ulp = (f32::from_bits(t.abs().to_bits() + 1) - t.abs()) as f64;
        (a as f64 - truth).abs() / ulp
    }

    /// Worst error (ulps) of `sin32` and `cos32` against f64 over `[lo, hi)`, both signs,
    /// at geometrically spaced points, and the worst absolute error.
    fn worst_error(lo: f32, hi: f32) -> (f64, f64) {
        let (mut ulp, mut abs): (f64, f64) = (0.0, 0.0);
        let mut x = lo;
        while x < hi {
            for v in [x, -x] {
                for (got, truth) in [(sin32(v), (v as f64).sin()), (cos32(v), (v as f64).cos())] {
                    ulp = ulp.max(ulps(got, truth));
                    abs = abs.max((got as f64 - truth).abs());
                }
            }
            x *= 1.000_037;
        }
        (ulp, abs)
    }

    #[test]
    fn exp_is_within_the_documented_error() {
        let mut worst = 0.0f64;
        let mut x = -103.9f32;
        while x < 88.72 {
            for v in [x, x * 0.999_93, -x.abs() * 1e-3] {
                let truth = (v as f64).exp();
                let got = exp32(v) as f64;
                if truth >= f32::MIN_POSITIVE as f64 && truth <= f32::MAX as f64 {
                    let ulp = (truth as f32).abs() * f32::EPSILON;
                    worst = worst.max((got - truth).abs() / ulp as f64);
                } else if truth < f32::MIN_POSITIVE as f64 {
                    // Subnormal results: within one subnormal step (2^-149) or so.
                    assert!((got - truth).abs() <= 2.0 * 1.401_298_5e-45, "{v}: {got} vs {truth}");
                }
            }
            x += 0.0137;
        }
        assert!(worst <= 1.5, "worst {worst} ulp");
        assert_eq!(exp32(0.0), 1.0);
        assert_eq!(exp32(-200.0), 0.0);
        assert_eq!(exp32(89.0), f32::INFINITY);
        assert!(exp32(f32::NAN).is_nan());
        assert_eq!(exp32(f32::NEG_INFINITY), 0.0);
        assert!(exp32(88.72).is_finite() && exp32(-103.0) > 0.0);
    }

    #[test]
    fn sine_and_cosine_are_within_the_documented_errors() {
        let (ulp, _) = worst_error(1e-6, 1e6);
        assert!(ulp <= 2.0, "|x| < 1e6: worst error {ulp} ulps");
        let (_, abs) = worst_error(1e6, 1.6e7);
        assert!(abs <= 3e-4, "|x| in [1e6, 1.6e7): worst absolute error {abs}");
    }

    #[test]
    fn sine_and_cosine_keep_special_values() {
        assert_eq!(sin32(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(cos32(0.0), 1.0);
        assert!(sin32(f32::NAN).is_nan() && cos32(f32::INFINITY).is_nan());
        for x in [1e30f32, -3e38, 1e10] {
            assert!(sin32(x).abs() <= 1.0 && cos32(x).abs() <= 1.0);
        }
    }

    #[test]
    fn subnormals_flush_to_zero_and_nothing_else_changes() {
        let sub = f32::MIN_POSITIVE / 4.0;
        assert_eq!(flush_subnormal([sub, -sub]), [0.0, 0.0]);
        assert_eq!(flush_subnormal([f32::MIN_POSITIVE, -1.5]), [f32::MIN_POSITIVE, -1.5]);
        let [a, b] = flush_subnormal([f32::NAN, f32::INFINITY]);
        assert!(a.is_nan() && b == f32::INFINITY);
    }

    #[test]
    fn escape_catches_large_and_non_finite_coordinates() {
        assert!(!escaped([1e6, -1e6], 1e6));
        assert!(escaped([1.0000001e6, 0.0], 1e6));
        assert!(escaped([0.0, f32::NAN], 1e6));
        assert!(escaped([f32::NEG_INFINITY, 0.0], 1e6));
    }
}
