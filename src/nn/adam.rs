//! Adam for the single trainability network (`downhill train --optimizer adam:...`): the
//! elementwise update of the project's Adam twin ([`crate::optimiser::adam`], the CPU twin of
//! `shaders/optimisers/adam.wgsl`) applied to every weight, one state per weight, with the
//! diagonal preconditioner `P` of the steps the sharpness is measured at kept for
//! [`super::single`]. It plugs into the per-cell trainer as a [`Update`]; the map kernels and
//! the gradient-descent trainer do not use it.

use super::Real;
use super::scalar::Update;
use crate::optimiser::{OptState, adam};

/// Adam's hyperparameters, as `--optimizer adam:lr=..,beta1=..,beta2=..,eps=..,bias_correction=..`
/// gives them (defaults those of every other command's Adam).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamSpec {
    /// Learning rate.
    pub lr: f64,
    /// Decay of the gradient average.
    pub beta1: f64,
    /// Decay of the squared-gradient average.
    pub beta2: f64,
    /// Denominator guard.
    pub eps: f64,
    /// Whether the averages are divided by `1 - beta^t`.
    pub bias_correction: bool,
}

impl AdamSpec {
    /// The spec of the hyperparameters `v` in [`adam::PARAMS`] order (`lr`, `beta1`, `beta2`,
    /// `eps`, `bias_correction`), as [`crate::spec::parse_optimiser`] returns them.
    pub fn from_values(v: &[f64]) -> AdamSpec {
        AdamSpec { lr: v[0], beta1: v[1], beta2: v[2], eps: v[3], bias_correction: v[4] != 0.0 }
    }

    /// The spec as `--optimizer` takes it, every hyperparameter given.
    pub fn text(&self) -> String {
        let f = crate::fmt::num;
        format!(
            "adam:lr={},beta1={},beta2={},eps={},bias_correction={}",
            f(self.lr),
            f(self.beta1),
            f(self.beta2),
            f(self.eps),
            u8::from(self.bias_correction)
        )
    }

    /// The twin's hyperparameter vectors `h0 = (lr, beta1, beta2, eps)`, `h1 =
    /// (bias_correction, 0, 0, 0)`, in `T`.
    fn h<T: Real>(&self) -> ([T; 4], [T; 4]) {
        let c = |v: f64| T::from(v).expect("a float");
        let on = if self.bias_correction { 1.0 } else { 0.0 };
        ([c(self.lr), c(self.beta1), c(self.beta2), c(self.eps)], [c(on), c(0.0), c(0.0), c(0.0)])
    }
}

/// Adam on every weight of a network with `params` weights (`W0` row-major, then `W1`), in `T`.
pub struct Adam<T: Real> {
    h0: [T; 4],
    h1: [T; 4],
    /// One twin state per weight (its first coordinate; the second stays 0).
    states: Vec<OptState<T>>,
    /// The steps whose preconditioner is kept: those with `t % every == 0`.
    every: u32,
    /// Whether this step's preconditioner is being kept.
    keeping: bool,
    /// The kept preconditioners: step, and `P` per weight in f64.
    pub kept: Vec<(u32, Vec<f64>)>,
}

impl<T: Real> Adam<T> {
    /// Adam with the hyperparameters `spec` on `params` weights, keeping the preconditioner
    /// of every `every`-th step (from step 0).
    pub fn new(spec: &AdamSpec, params: usize, every: u32) -> Adam<T> {
        let (h0, h1) = spec.h::<T>();
        let states = vec![adam::opt_init(h0, h1); params];
        Adam { h0, h1, states, every: every.max(1), keeping: false, kept: Vec::new() }
    }

    /// The diagonal preconditioner `P` of the step the state `s` (after its moment update)
    /// takes, in f64 ([`crate::sharpness::preconditioner`]'s Adam definition).
    fn preconditioner(&self, s: &OptState<T>) -> f64 {
        let w = |v: T| v.to_f64().unwrap_or(f64::NAN);
        let s = OptState { a: s.a.map(w), b: s.b.map(w), c: s.c.map(w), d: s.d.map(w) };
        let (h0, h1) = (self.h0.map(w), self.h1.map(w));
        crate::sharpness::preconditioner("adam", &s, h0, h1).map_or(f64::NAN, |p| p[0])
    }

    /// The preconditioner `P` the run's state would give without a further step: that of the
    /// last update taken (`P` of a step the run did not take needs its gradient).
    pub fn current(&self) -> Vec<f64> {
        self.states.iter().map(|s| self.preconditioner(s)).collect()
    }

    /// One weight `x` (index `i`) stepped along its gradient `g` by the twin.
    #[inline(always)]
    fn step(&mut self, i: usize, x: T, g: T) -> T {
        let flat = |_: [T; 2], _: [T; 4]| [T::zero(); 3];
        let z = T::zero();
        let next = adam::opt_step([x, z], [g, z], &mut self.states[i], self.h0, self.h1, 0, &flat, [z; 4]);
        if self.keeping {
            let p = self.preconditioner(&self.states[i]);
            if let Some((_, kept)) = self.kept.last_mut() {
                kept[i] = p;
            }
        }
        next[0]
    }
}

impl<T: Real> Update<T> for Adam<T> {
    fn begin(&mut self, t: u32) {
        self.keeping = t.is_multiple_of(self.every);
        if self.keeping {
            self.kept.push((t, vec![f64::NAN; self.states.len()]));
        }
    }

    fn unit(&mut self, j: usize, col: &[T], g: &[T], g1: T, w0: &mut [T], w1: &mut [T]) {
        let (d, w) = (col.len(), w1.len());
        w1[j] = self.step(d * w + j, w1[j], g1);
        for k in 0..d {
            w0[k * w + j] = self.step(k * w + j, col[k], g[k]);
        }
    }
}
