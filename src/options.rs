//! Options that apply to every optimiser, and the CPU twins of `shaders/common/options.wgsl`:
//! Gaussian gradient noise from a counter-based generator, learning-rate schedules, coupled L2
//! weight decay and gradient clipping.
//!
//! Their numbers live in the flat parameter vector (slots 14-20), so each can be a sweep axis;
//! which of them are compiled into the kernel is fixed per run ([`Features`]).

use crate::numeric::{Real, k};
use serde::Serialize;

use crate::error::{Error, did_you_mean};
use crate::param::{Domain, ParamDef};

/// First slot of the options (`sigma`, `clip`, `l2`, then the schedule's four numbers).
pub const OPTION_BASE: usize = 14;
/// Slot of `sigma`.
pub const SLOT_SIGMA: usize = 14;
/// Slot of `clip`.
pub const SLOT_CLIP: usize = 15;
/// Slot of `l2`.
pub const SLOT_L2: usize = 16;
/// First slot of the schedule's numbers (`gamma`, `step_size`, `warmup`, `horizon`).
pub const SLOT_SCHEDULE: usize = 17;

/// The options' parameters in slot order from [`OPTION_BASE`].
pub const PARAMS: &[ParamDef] = &[
    ParamDef {
        name: "sigma",
        default: 0.0,
        domain: Domain::NonNegative,
        doc: "std. dev. of Gaussian noise added to each gradient component",
    },
    ParamDef {
        name: "clip",
        default: 0.0,
        domain: Domain::NonNegative,
        doc: "clip the gradient to this norm (0 = off)",
    },
    ParamDef {
        name: "l2",
        default: 0.0,
        domain: Domain::NonNegative,
        doc: "coupled weight decay: g += l2 * x",
    },
    ParamDef { name: "gamma", default: 0.5, domain: Domain::Positive, doc: "schedule decay factor or rate" },
    ParamDef {
        name: "step_size",
        default: 100.0,
        domain: Domain::Positive,
        doc: "steps between step-decay drops",
    },
    ParamDef { name: "warmup", default: 100.0, domain: Domain::Positive, doc: "linear warm-up steps" },
    ParamDef {
        name: "horizon",
        default: 0.0,
        domain: Domain::NonNegative,
        doc: "cosine schedules reach 0 here (0 = the run's steps)",
    },
];

/// A learning-rate schedule: the step-`t` learning rate is `lr * factor(t)` (t from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// `1`.
    Constant,
    /// `gamma^floor(t / step_size)`.
    Step,
    /// `gamma^t`.
    Exp,
    /// `1 / (1 + gamma t)` (Robbins-Monro).
    Inv,
    /// `0.5 (1 + cos(pi min(t, T) / T))`, T = horizon.
    Cosine,
    /// `(t + 1) / warmup` for `t < warmup`, then cosine from 1 to 0 over the rest of T.
    WarmupCosine,
}

impl Schedule {
    /// Every schedule with its CLI name and the default `gamma` it implies.
    pub const ALL: &[(Schedule, &str, f32)] = &[
        (Schedule::Constant, "constant", 0.5),
        (Schedule::Step, "step", 0.5),
        (Schedule::Exp, "exp", 0.999),
        (Schedule::Inv, "inv", 0.01),
        (Schedule::Cosine, "cosine", 0.5),
        (Schedule::WarmupCosine, "warmup_cosine", 0.5),
    ];

    /// The schedule's name on the command line.
    pub fn name(self) -> &'static str {
        Schedule::ALL
            .iter()
            .find(|(s, _, _)| *s == self)
            .map(|(_, n, _)| *n)
            .expect("every schedule is listed")
    }

    /// Which of the four schedule numbers (`gamma`, `step_size`, `warmup`, `horizon`, from
    /// [`SLOT_SCHEDULE`]) this schedule reads (see [`lr_factor`]).
    pub fn uses(self) -> &'static [usize] {
        match self {
            Schedule::Constant => &[],
            Schedule::Step => &[0, 1],
            Schedule::Exp | Schedule::Inv => &[0],
            Schedule::Cosine => &[3],
            Schedule::WarmupCosine => &[2, 3],
        }
    }

    /// The value of the kernel's `SCHEDULE` override.
    pub fn code(self) -> u32 {
        Schedule::ALL.iter().position(|(s, _, _)| *s == self).expect("every schedule is listed") as u32
    }

    /// Looks a schedule up by name; the error names `--schedule` and suggests the closest.
    pub fn find(name: &str) -> Result<(Schedule, f32), Error> {
        Schedule::ALL.iter().find(|(_, n, _)| *n == name).map(|(s, _, g)| (*s, *g)).ok_or_else(|| {
            let names: Vec<&str> = Schedule::ALL.iter().map(|(_, n, _)| *n).collect();
            Error::input(
                "--schedule",
                format!(
                    "unknown schedule `{name}`{}; choose from {}",
                    did_you_mean(name, names.iter().copied()),
                    names.join(", ")
                ),
            )
        })
    }
}

/// Which options a run compiles into its kernel.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct Features {
    /// Gradient noise.
    pub noise: bool,
    /// Gradient clipping.
    pub clip: bool,
    /// Coupled L2 decay.
    pub l2: bool,
    /// The schedule.
    pub schedule: u32,
}

/// Twin of WGSL `pcg_hash`.
pub fn pcg_hash(v: u32) -> u32 {
    let s = v.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let w = ((s >> ((s >> 28) + 4)) ^ s).wrapping_mul(277_803_737);
    (w >> 22) ^ w
}

/// Twin of WGSL `gaussian`: two standard normal draws for (seed, cell, step).
pub fn gaussian(seed: u32, cell: u32, t: u32) -> [f32; 2] {
    let h = pcg_hash(seed ^ pcg_hash(cell));
    let u1 = ((pcg_hash(h.wrapping_add(2u32.wrapping_mul(t))) >> 8) as f32 + 1.0) / 16_777_216.0;
    let u2 =
        ((pcg_hash(h.wrapping_add(2u32.wrapping_mul(t)).wrapping_add(1)) >> 8) as f32 + 1.0) / 16_777_216.0;
    let r = (-2.0 * u1.ln()).sqrt();
    // The WGSL literal 6.2831853 rounds to this same f32.
    let a = std::f32::consts::TAU * u2;
    [r * a.cos(), r * a.sin()]
}

/// Twin of WGSL `lr_factor`: the learning-rate multiplier at step `t` for `schedule`, with
/// `s = (gamma, step_size, warmup, horizon)` and `steps` the run's step count; in f32 (the
/// twin) or f64 (the precise CPU path).
pub fn lr_factor<T: Real>(schedule: u32, t: u32, s: [T; 4], steps: u32) -> T {
    let (zero, one, half) = (T::zero(), T::one(), k::<T>(0.5));
    let tf = k::<T>(t as f64);
    let horizon = if s[3] <= zero { k::<T>(steps as f64) } else { s[3] };
    // The WGSL literal 3.14159265 rounds to the same f32 as pi.
    let pi = k::<T>(std::f64::consts::PI);
    match schedule {
        1 => s[0].powf((tf / s[1].max(one)).floor()),
        2 => s[0].powf(tf),
        3 => one / (one + s[0] * tf),
        4 => half * (one + (pi * tf.min(horizon) / horizon).cos()),
        5 => {
            if tf < s[2] {
                (tf + one) / s[2]
            } else {
                let span = (horizon - s[2]).max(one);
                half * (one + (pi * (tf - s[2]).min(span) / span).cos())
            }
        }
        _ => one,
    }
}

/// Twin of WGSL `perturb`: `g + l2 x + sigma noise`, clipped to norm `clip`, for the
/// features compiled in. `o = (sigma, clip, l2, -)`. The noise draws are f32 on every path.
pub fn perturb<T: Real>(
    f: Features,
    g: [T; 2],
    x: [T; 2],
    o: [T; 4],
    seed: u32,
    cell: u32,
    t: u32,
) -> [T; 2] {
    let mut q = g;
    if f.l2 {
        q = [q[0] + o[2] * x[0], q[1] + o[2] * x[1]];
    }
    if f.noise {
        let z = gaussian(seed, cell, t);
        let z = [k::<T>(z[0] as f64), k::<T>(z[1] as f64)];
        q = [q[0] + o[0] * z[0], q[1] + o[0] * z[1]];
    }
    if f.clip {
        let n2 = q[0] * q[0] + q[1] * q[1];
        if n2 > o[1] * o[1] {
            let c = o[1] / n2.sqrt();
            q = [q[0] * c, q[1] * c];
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_their_formulas() {
        let s: [f32; 4] = [0.5, 10.0, 4.0, 0.0];
        assert_eq!(lr_factor(0, 7, s, 100), 1.0);
        assert_eq!(lr_factor(1, 25, s, 100), 0.25);
        assert!((lr_factor(2, 3, s, 100) - 0.125).abs() < 1e-7);
        assert!((lr_factor(3, 10, s, 100) - 1.0 / 6.0).abs() < 1e-7);
        assert!((lr_factor(4, 50, s, 100) - 0.5).abs() < 1e-6);
        assert!(lr_factor(4, 100, s, 100).abs() < 1e-6);
        assert_eq!(lr_factor(5, 1, s, 100), 0.5);
        assert!((lr_factor(5, 4, s, 100) - 1.0).abs() < 1e-6);
        assert!((lr_factor(5, 52, s, 100) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn pcg_hash_is_the_published_permutation() {
        // pcg_hash(0), computed independently from the published formula.
        assert_eq!(pcg_hash(0), 129_708_002);
        assert_ne!(pcg_hash(1), pcg_hash(2));
    }
}
