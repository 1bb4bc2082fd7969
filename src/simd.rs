//! What every SIMD lane phase of the CPU runners shares: the block width ([`LANES`]), one
//! f32 quantity of a block ([`Lane`]), the landscape phases' function types ([`GradLanes`],
//! [`LossLanes`], [`HessLanes`]) and the macros that build them from a scalar twin, the
//! Hessian as the optimiser twins see it ([`Curvature`]), and the instruction-set levels
//! ([`isa`], `multiversion!`) every phase is compiled for.
//!
//! A phase is a loop over the lanes of a block that calls a scalar f32 twin; the compiler
//! inlines the twin into the loop and vectorises it, so a lane computes exactly the bits the
//! scalar twin computes. This module imports none of the twins: the landscapes, the
//! optimisers ([`crate::optimiser::lanes`]) and the runner ([`crate::lanes`]) build on it.

/// Trajectories per block: four AVX-512 registers of f32 per quantity (eight AVX2, sixteen
/// SSE2). 64 measured faster than 16 and 32 and level with 128 (W2a, W3, W1 at 1024^2).
pub const LANES: usize = 64;

/// One f32 quantity of every trajectory in a block.
pub type Lane = [f32; LANES];

/// A landscape's gradient over a block: `(x, y, c) -> (gx, gy)`, lane by lane.
pub type GradLanes = fn(x: &Lane, y: &Lane, c: &[Lane; 4], gx: &mut Lane, gy: &mut Lane);

/// A landscape's loss over a block: `(x, y, c) -> loss`, lane by lane.
pub type LossLanes = fn(x: &Lane, y: &Lane, c: &[Lane; 4], loss: &mut Lane);

/// A landscape's Hessian over a block: `(x, y, c) -> (xx, xy, yy)`, lane by lane.
pub type HessLanes = fn(x: &Lane, y: &Lane, c: &[Lane; 4], h: &mut [Lane; 3]);

/// The Hessian as the optimiser twins see it (newton calls it).
pub type Curvature<'a, T = f32> = &'a dyn Fn([T; 2], [T; 4]) -> [T; 3];

/// Instruction-set levels the SIMD runners (map phases and the trainability block) are
/// compiled for, and the one run-time choice among them.
pub mod isa {
    use std::sync::atomic::{AtomicU8, Ordering};

    /// x86-64 baseline (SSE2), or any other architecture.
    pub const BASE: u8 = 1;
    /// AVX2 (x86-64-v3).
    pub const AVX2: u8 = 2;
    /// AVX-512 F/VL/BW/DQ (x86-64-v4).
    pub const AVX512: u8 = 3;

    static LEVEL: AtomicU8 = AtomicU8::new(0);

    /// The widest level this processor supports (detected once); `DOWNHILL_ISA=base|avx2`
    /// caps it, for measuring.
    #[inline]
    pub fn level() -> u8 {
        match LEVEL.load(Ordering::Relaxed) {
            0 => {
                let l = detect();
                LEVEL.store(l, Ordering::Relaxed);
                l
            }
            l => l,
        }
    }

    fn detect() -> u8 {
        let cap = match std::env::var("DOWNHILL_ISA").as_deref() {
            Ok("base") => BASE,
            Ok("avx2") => AVX2,
            _ => AVX512,
        };
        #[cfg(target_arch = "x86_64")]
        let found = if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            AVX512
        } else if std::arch::is_x86_feature_detected!("avx2") {
            AVX2
        } else {
            BASE
        };
        #[cfg(not(target_arch = "x86_64"))]
        let found = BASE;
        found.min(cap)
    }

    /// The name of a level, for reports.
    pub fn name(level: u8) -> &'static str {
        match level {
            AVX512 => "avx512",
            AVX2 => "avx2",
            _ => "baseline",
        }
    }
}

/// Defines `fn $name($args) -> $ret $body` compiled for each [`isa`] level, dispatching at run
/// time.
macro_rules! multiversion {
    (fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block) => {
        fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
            fn avx512($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
            fn avx2($($arg: $ty),*) $(-> $ret)? $body
            // Not inlined into this dispatcher: with the baseline body inlined, every call paid
            // that body's prologue (W2a's run took 0.21 s instead of 0.17 s).
            #[inline(never)]
            fn base($($arg: $ty),*) $(-> $ret)? $body
            match $crate::simd::isa::level() {
                // SAFETY: `isa::level` returns these levels only where the processor has them.
                #[cfg(target_arch = "x86_64")]
                $crate::simd::isa::AVX512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                $crate::simd::isa::AVX2 => unsafe { avx2($($arg),*) },
                _ => base($($arg),*),
            }
        }
    };
}
pub(crate) use multiversion;

/// The [`GradLanes`] of the landscape twin module `$m` (its `grad::<f32>` lane by lane).
macro_rules! grad_lanes {
    ($m:ident) => {{
        $crate::simd::multiversion! {
            fn grad(x: &$crate::simd::Lane, y: &$crate::simd::Lane, c: &[$crate::simd::Lane; 4],
                    gx: &mut $crate::simd::Lane, gy: &mut $crate::simd::Lane) {
                for l in 0..$crate::simd::LANES {
                    let g = $m::grad::<f32>([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
                    gx[l] = g[0];
                    gy[l] = g[1];
                }
            }
        }
        grad as $crate::simd::GradLanes
    }};
}
pub(crate) use grad_lanes;

/// The [`LossLanes`] of the landscape twin module `$m` (its `loss::<f32>` lane by lane).
macro_rules! loss_lanes {
    ($m:ident) => {{
        $crate::simd::multiversion! {
            fn loss(x: &$crate::simd::Lane, y: &$crate::simd::Lane, c: &[$crate::simd::Lane; 4],
                    out: &mut $crate::simd::Lane) {
                for l in 0..$crate::simd::LANES {
                    out[l] = $m::loss::<f32>([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
                }
            }
        }
        loss as $crate::simd::LossLanes
    }};
}
pub(crate) use loss_lanes;

/// The [`HessLanes`] of the landscape twin module `$m` (its `hess::<f32>` lane by lane).
macro_rules! hess_lanes {
    ($m:ident) => {{
        $crate::simd::multiversion! {
            fn hess(x: &$crate::simd::Lane, y: &$crate::simd::Lane, c: &[$crate::simd::Lane; 4],
                    h: &mut [$crate::simd::Lane; 3]) {
                for l in 0..$crate::simd::LANES {
                    let v = $m::hess::<f32>([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
                    h[0][l] = v[0];
                    h[1][l] = v[1];
                    h[2][l] = v[2];
                }
            }
        }
        hess as $crate::simd::HessLanes
    }};
}
pub(crate) use hess_lanes;
