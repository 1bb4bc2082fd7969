//! The numerics every CPU twin shares, below the landscapes, optimisers and runners: the float
//! types the twins run in ([`Real`]), literals in them ([`k`]), the kernel's subnormal flush and
//! escape test, and the sine, cosine and tanh the f32 twins use.
//!
//! It imports nothing from the rest of the crate, so the landscape and optimiser twins and every
//! runner (scalar f32, f64, SIMD lanes) depend on it and not on each other.
//!
//! # Sine and cosine in f32
//! The f32 twins do not call the C library's `sinf`/`cosf`: a call per value keeps the CPU
//! runner from computing a block of trajectories in the lanes of one vector register. [`sin32`]
//! and [`cos32`] are branch-free instead (selects only), so the compiler vectorises them across
//! lanes, and the scalar twin and the lanes twin compute the same bits. They reduce the argument
//! in f64 by `pi/2` split in two parts (exact products for `|x| < 2^28`) and evaluate FreeBSD's
//! `__kernel_sindf` / `__kernel_cosdf` polynomials in f64 (error below 2^-33 on `[-pi/4, pi/4]`),
//! so the f32 result is within one ulp of the true value for `|x| < 2^28`. Beyond that, where
//! neighbouring f32 values are 32 radians or more apart, the result is only kept in `[-1, 1]`.
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
/// `tanh |x| = m / (m + 2)` with `m = exp(2 |x|) - 1` ([`expm1_f32`], which needs no care
/// for small `x`), `2 |x|` capped at 18, where `tanh` is 1 in f32.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let y = x.abs() * 2.0;
    let y = if y > 18.0 { 18.0 } else { y };
    let m = expm1_f32(y);
    (m / (m + 2.0)).copysign(x)
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
    v.map(|c| if c.abs() < T::min_positive_value() { T::zero() } else { c })
}

/// `pi/2` rounded to 24 significant bits: `j * PIO2_HI` is exact in f64 for `|j| < 2^29`.
const PIO2_HI: f64 = 1.570_796_251_296_997_070_312_5;
/// `pi/2 - PIO2_HI`, rounded to f64.
const PIO2_LO: f64 = 7.549_789_954_891_882e-8;
/// `2/pi`.
const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;
/// `1.5 * 2^52`: adding and subtracting it rounds an f64 below 2^51 to the nearest integer
/// (ties to even) without a rounding instruction, which SSE2 lacks.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// `x` reduced by the nearest multiple `j` of `pi/2`: `(x - j pi/2, j mod 4)`.
#[inline(always)]
fn reduce(x: f32) -> (f64, u64) {
    let x = x as f64;
    let shifted = x * TWO_OVER_PI + ROUNDER;
    let quadrant = shifted.to_bits() & 3;
    let j = shifted - ROUNDER;
    ((x - j * PIO2_HI) - j * PIO2_LO, quadrant)
}

/// FreeBSD's `__kernel_sindf`: sine on `[-pi/4, pi/4]`.
#[inline(always)]
fn kernel_sin(x: f64) -> f64 {
    const S1: f64 = -0.166_666_666_416_265_235_595;
    const S2: f64 = 0.008_333_329_385_889_463_175_6;
    const S3: f64 = -0.000_198_393_348_360_966_317_347;
    const S4: f64 = 0.000_002_718_311_493_989_821_906_4;
    let z = x * x;
    let w = z * z;
    let r = S3 + z * S4;
    let s = z * x;
    (x + s * (S1 + z * S2)) + s * w * r
}

/// FreeBSD's `__kernel_cosdf`: cosine on `[-pi/4, pi/4]`.
#[inline(always)]
fn kernel_cos(x: f64) -> f64 {
    const C0: f64 = -0.499_999_997_251_031_003_120;
    const C1: f64 = 0.041_666_623_323_739_063_189_4;
    const C2: f64 = -0.001_388_676_377_460_992_946_92;
    const C3: f64 = 0.000_024_390_448_796_277_409_065_4;
    let z = x * x;
    let w = z * z;
    let r = C2 + z * C3;
    ((1.0 + z * C0) + w * C1) + (w * z) * r
}

/// `v` kept in `[-1, 1]`; NaN passes through.
#[inline(always)]
fn unit(v: f64) -> f32 {
    let v = if v > 1.0 { 1.0 } else { v };
    let v = if v < -1.0 { -1.0 } else { v };
    v as f32
}

/// Sine of an f32, branch-free (see the module's notes on accuracy).
#[inline(always)]
pub fn sin32(x: f32) -> f32 {
    let (r, q) = reduce(x);
    let (s, c) = (kernel_sin(r), kernel_cos(r));
    let v = if q & 1 == 0 { s } else { c };
    unit(if q & 2 == 0 { v } else { -v })
}

/// Cosine of an f32, branch-free (see the module's notes on accuracy).
#[inline(always)]
pub fn cos32(x: f32) -> f32 {
    let (r, q) = reduce(x);
    let (s, c) = (kernel_sin(r), kernel_cos(r));
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

    #[test]
    fn sine_and_cosine_are_within_one_ulp_over_a_wide_range() {
        let mut worst: f64 = 0.0;
        let mut x = 1e-6f32;
        while x < 2.0e8 {
            for v in [x, -x] {
                worst = worst.max(ulps(sin32(v), (v as f64).sin())).max(ulps(cos32(v), (v as f64).cos()));
            }
            x *= 1.000_37;
        }
        assert!(worst <= 1.0, "worst error {worst} ulps");
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
