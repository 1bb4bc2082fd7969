//! Registry of optimisers: names, hyperparameters with defaults and domains, and the CPU twins
//! of the WGSL pieces in `shaders/optimisers/`.
//!
//! The twins are f32, with the WGSL's operation order, so the CPU runner reproduces the GPU
//! kernel up to the rounding differences of fused multiply-add and transcendental functions.
//! Each twin's step over a block of SIMD lanes, and the bookkeeping around it, is in
//! [`lanes`].

mod builtin;
mod extra;
pub mod lanes;

pub use builtin::{adam, gd, momentum, nesterov, rmsprop};
pub use extra::{adagrad, adamw, amsgrad, lion, momentum_sutskever, nadam, newton};

use crate::error::{Error, did_you_mean};
use crate::param::ParamDef;
use crate::simd::Curvature;

pub use crate::numeric::{Real, k};

/// Twin of WGSL `OptState` (shaders/common/state.wgsl): four vec2 registers whose meaning
/// each optimiser documents (velocity, second moment, running powers of betas).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptState<T = f32> {
    /// Register `a` (first moment or velocity).
    pub a: [T; 2],
    /// Register `b` (second moment).
    pub b: [T; 2],
    /// Register `c` (running products such as `beta1^t`).
    pub c: [T; 2],
    /// Register `d` (AMSGrad's running maximum).
    pub d: [T; 2],
}

impl<T: Real> Default for OptState<T> {
    fn default() -> Self {
        let z = [T::zero(); 2];
        OptState { a: z, b: z, c: z, d: z }
    }
}

/// Twin of WGSL `opt_init(h0, h1)`.
pub type InitFn<T = f32> = fn([T; 4], [T; 4]) -> OptState<T>;
/// Twin of WGSL `opt_step(x, g, &s, h0, h1, t, c)`: returns the next iterate. The landscape's
/// Hessian and parameters stand in for the WGSL's direct call of `hess(x, c)`.
pub type StepFn<T = f32> =
    for<'a> fn([T; 2], [T; 2], &mut OptState<T>, [T; 4], [T; 4], u32, Curvature<'a, T>, [T; 4]) -> [T; 2];

/// An optimiser: an update rule with up to eight named hyperparameters.
pub struct Optimiser {
    /// Registry name (`--optimizer NAME`); also the WGSL piece `shaders/optimisers/NAME.wgsl`.
    pub name: &'static str,
    /// The update rule, as shown by `downhill list`.
    pub rule: &'static str,
    /// Hyperparameters in slot order (slot = `param::OPTIMISER_BASE` + index).
    pub params: &'static [ParamDef],
    /// Twin of `opt_init`.
    pub init: InitFn,
    /// Twin of `opt_step`.
    pub step: StepFn,
    /// `opt_init` in f64.
    pub init64: InitFn<f64>,
    /// `opt_step` in f64.
    pub step64: StepFn<f64>,
    /// `opt_step` over a block of lanes (the f32 twin, vectorised).
    pub step_lanes: lanes::StepLanes,
    /// Whether `opt_step` calls the landscape's Hessian (the lanes runner then evaluates it for
    /// the whole block first).
    pub uses_hessian: bool,
}

impl std::fmt::Debug for Optimiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Optimiser").field("name", &self.name).finish()
    }
}

/// Every built-in optimiser, in the order `downhill list` shows them.
pub static OPTIMISERS: &[Optimiser] = &[
    Optimiser {
        name: "gd",
        rule: "x <- x - lr*g",
        params: gd::PARAMS,
        init: gd::opt_init,
        step: gd::opt_step,
        init64: gd::opt_init,
        step64: gd::opt_step,
        step_lanes: lanes::step_lanes!(gd),
        uses_hessian: false,
    },
    Optimiser {
        name: "momentum",
        rule: "heavy ball: v <- beta*v + g; x <- x - lr*v",
        params: momentum::PARAMS,
        init: momentum::opt_init,
        step: momentum::opt_step,
        init64: momentum::opt_init,
        step64: momentum::opt_step,
        step_lanes: lanes::step_lanes!(momentum),
        uses_hessian: false,
    },
    Optimiser {
        name: "momentum_sutskever",
        rule: "lr inside the velocity (Sutskever et al. 2013): v <- beta*v - lr*g; x <- x + v",
        params: momentum_sutskever::PARAMS,
        init: momentum_sutskever::opt_init,
        step: momentum_sutskever::opt_step,
        init64: momentum_sutskever::opt_init,
        step64: momentum_sutskever::opt_step,
        step_lanes: lanes::step_lanes!(momentum_sutskever),
        uses_hessian: false,
    },
    Optimiser {
        name: "nesterov",
        rule: "v <- beta*v + g; x <- x - lr*(g + beta*v)  (one gradient per step, as in PyTorch)",
        params: nesterov::PARAMS,
        init: nesterov::opt_init,
        step: nesterov::opt_step,
        init64: nesterov::opt_init,
        step64: nesterov::opt_step,
        step_lanes: lanes::step_lanes!(nesterov),
        uses_hessian: false,
    },
    Optimiser {
        name: "rmsprop",
        rule: "s <- rho*s + (1-rho)*g^2; x <- x - lr*g/(sqrt(s) + eps)",
        params: rmsprop::PARAMS,
        init: rmsprop::opt_init,
        step: rmsprop::opt_step,
        init64: rmsprop::opt_init,
        step64: rmsprop::opt_step,
        step_lanes: lanes::step_lanes!(rmsprop),
        uses_hessian: false,
    },
    Optimiser {
        name: "adam",
        rule: "m <- b1*m + (1-b1)*g; v <- b2*v + (1-b2)*g^2; x <- x - lr*m^/(sqrt(v^) + eps)",
        params: adam::PARAMS,
        init: adam::opt_init,
        step: adam::opt_step,
        init64: adam::opt_init,
        step64: adam::opt_step,
        step_lanes: lanes::step_lanes!(adam),
        uses_hessian: false,
    },
    Optimiser {
        name: "adagrad",
        rule: "s <- s + g^2; x <- x - lr*g/(sqrt(s) + eps)",
        params: adagrad::PARAMS,
        init: adagrad::opt_init,
        step: adagrad::opt_step,
        init64: adagrad::opt_init,
        step64: adagrad::opt_step,
        step_lanes: lanes::step_lanes!(adagrad),
        uses_hessian: false,
    },
    Optimiser {
        name: "adamw",
        rule: "adam with decoupled weight decay: x <- x*(1 - lr*weight_decay) - lr*m^/(sqrt(v^) + eps)",
        params: adamw::PARAMS,
        init: adamw::opt_init,
        step: adamw::opt_step,
        init64: adamw::opt_init,
        step64: adamw::opt_step,
        step_lanes: lanes::step_lanes!(adamw),
        uses_hessian: false,
    },
    Optimiser {
        name: "nadam",
        rule: "adam with Nesterov look-ahead: m^ = b1*m/(1-b1^(t+1)) + (1-b1)*g/(1-b1^t) (constant b1)",
        params: nadam::PARAMS,
        init: nadam::opt_init,
        step: nadam::opt_step,
        init64: nadam::opt_init,
        step64: nadam::opt_step,
        step_lanes: lanes::step_lanes!(nadam),
        uses_hessian: false,
    },
    Optimiser {
        name: "lion",
        rule: "x <- x - lr*(sign(b1*m + (1-b1)*g) + weight_decay*x); m <- b2*m + (1-b2)*g",
        params: lion::PARAMS,
        init: lion::opt_init,
        step: lion::opt_step,
        init64: lion::opt_init,
        step64: lion::opt_step,
        step_lanes: lanes::step_lanes!(lion),
        uses_hessian: false,
    },
    Optimiser {
        name: "amsgrad",
        rule: "adam with vmax <- max(vmax, v) in the denominator",
        params: amsgrad::PARAMS,
        init: amsgrad::opt_init,
        step: amsgrad::opt_step,
        init64: amsgrad::opt_init,
        step64: amsgrad::opt_step,
        step_lanes: lanes::step_lanes!(amsgrad),
        uses_hessian: false,
    },
    Optimiser {
        name: "newton",
        rule: "x <- x - lr*(H + damping*I)^-1 g (|H| with saddle_free=1; a gradient step where singular)",
        params: newton::PARAMS,
        init: newton::opt_init,
        step: newton::opt_step,
        init64: newton::opt_init,
        step64: newton::opt_step,
        step_lanes: lanes::step_lanes!(newton),
        uses_hessian: true,
    },
];

/// Looks an optimiser up by name; the error names `culprit` and suggests the closest name.
pub fn find(name: &str, culprit: &str) -> Result<&'static Optimiser, Error> {
    OPTIMISERS.iter().find(|o| o.name == name).ok_or_else(|| {
        Error::input(
            culprit,
            format!(
                "unknown optimizer `{name}`{}; `downhill list` shows them all",
                did_you_mean(name, OPTIMISERS.iter().map(|o| o.name))
            ),
        )
    })
}
