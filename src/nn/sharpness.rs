//! The sharpness of the trainability network's loss (the largest eigenvalue of its Hessian
//! with respect to all `d * width + width` weights) from exact Hessian-vector products and
//! Lanczos iteration, in f64. Host-side analysis of weights a run produced; trains nothing.
//!
//! The Hessian-vector product is forward-over-reverse written out for this network (see
//! [`hvp`]). [`top_eigenvalue`] finds the largest (algebraic) eigenvalue of any symmetric
//! operator given as a product, as Cohen et al. (2021, `locuslab/edge-of-stability`) do with
//! Lanczos. With per-layer learning rates `D = diag(lr0 ... lr0, lr1 ... lr1)`, gradient descent
//! is stable along a direction when the eigenvalue of `D H` there is below 2; the
//! learning-rate-scaled sharpness is the largest eigenvalue of the symmetric
//! `D^1/2 H D^1/2` (the same spectrum as `D H`), measured against 2 ([`Scaled`]). For Adam,
//! with `D = P^-1` (its diagonal preconditioner), the same operator gives the preconditioned
//! sharpness `lambda_max(P^-1 H)` of Cohen et al. (2022).

use super::{Activation, Arrays, Shape};

/// The network at fixed data, in f64: what the products are taken of.
pub struct Net<'a> {
    /// Sizes.
    pub shape: Shape,
    /// Data (and initial weights, unused here), in f64.
    pub data: &'a Arrays<f64>,
    /// Hidden nonlinearity.
    pub act: Activation,
}

/// `phi(z)`, `phi'(z)` and `phi''(z)` in f64 (`phi''` is 0 for relu and the identity; for
/// `tanh(sqrt(2) z)` it is `-2 sqrt(2) phi phi'`).
fn phi3(act: Activation, z: f64) -> (f64, f64, f64) {
    let (h, dh) = act.eval(z);
    let d2 = match act {
        Activation::Tanh => -2.0 * std::f64::consts::SQRT_2 * h * dh,
        Activation::Relu | Activation::Identity => 0.0,
    };
    (h, dh, d2)
}

impl Net<'_> {
    /// Number of weights, `d * width + width`: `W0` row-major, then `W1`.
    pub fn params(&self) -> usize {
        self.shape.params()
    }

    /// The Hessian of the full-batch loss at weights `w` (`W0` then `W1`) times `v`, into
    /// `out`: the directional derivative along `v` of the gradient of [`super::loss_grad`].
    ///
    /// With `z_j = x.W0[:, j] / sqrt(d)`, `e = sum_j phi(z_j) w1_j / sqrt(width) - y` and the
    /// direction's `zd_j = x.V0[:, j] / sqrt(d)`, `ed = sum_j (phi'(z_j) zd_j w1_j + phi(z_j)
    /// v1_j) / sqrt(width)`, each point adds `(2/n) (ed phi_j + e phi'_j zd_j) / sqrt(width)` to
    /// the `w1_j` entry and `(2/n) x_k (ed w1_j phi'_j + e v1_j phi'_j + e w1_j phi''_j zd_j) /
    /// sqrt(width d)` to the `W0[k, j]` entry.
    pub fn hvp(&self, w: &[f64], v: &[f64], out: &mut [f64]) {
        let Shape { d, width, n } = self.shape;
        let (w0, w1) = w.split_at(d * width);
        let (v0, v1) = v.split_at(d * width);
        let (sd, sw) = ((d as f64).sqrt(), (width as f64).sqrt());
        let c = 2.0 / n as f64;
        out.iter_mut().for_each(|o| *o = 0.0);
        let (mut z, mut zd) = (vec![0.0; width], vec![0.0; width]);
        let mut act = vec![(0.0, 0.0, 0.0); width];
        for i in 0..n {
            let xi = &self.data.x[i * d..(i + 1) * d];
            z.iter_mut().for_each(|v| *v = 0.0);
            zd.iter_mut().for_each(|v| *v = 0.0);
            for (k, &xk) in xi.iter().enumerate() {
                for j in 0..width {
                    z[j] += xk * w0[k * width + j];
                    zd[j] += xk * v0[k * width + j];
                }
            }
            let (mut e, mut ed) = (0.0, 0.0);
            for j in 0..width {
                (z[j], zd[j]) = (z[j] / sd, zd[j] / sd);
                act[j] = phi3(self.act, z[j]);
                let (h, dh, _) = act[j];
                e += h * w1[j];
                ed += dh * zd[j] * w1[j] + h * v1[j];
            }
            let (e, ed) = (e / sw - self.data.y[i], ed / sw);
            let (o0, o1) = out.split_at_mut(d * width);
            for j in 0..width {
                let (h, dh, d2) = act[j];
                o1[j] += c * (ed * h + e * dh * zd[j]) / sw;
                let a = c * (ed * w1[j] * dh + e * v1[j] * dh + e * w1[j] * d2 * zd[j]) / (sw * sd);
                for (k, &xk) in xi.iter().enumerate() {
                    o0[k * width + j] += xk * a;
                }
            }
        }
    }
}

/// The diagonally scaled operator `D^1/2 H D^1/2` at weights `w`, for a positive diagonal
/// `D`: per layer, `lr0` on the `d * width` input-layer weights and `lr1` on the output
/// layer's (GD's learning-rate-scaled sharpness, [`Scaled::per_layer`]), or per weight, `P^-1`
/// for Adam's preconditioner `P` (the preconditioned sharpness, [`Scaled::diagonal`]). Its
/// spectrum is that of `D H`.
pub struct Scaled<'a> {
    /// The network.
    pub net: &'a Net<'a>,
    /// `D^1/2`, one entry per weight.
    roots: Vec<f64>,
}

impl<'a> Scaled<'a> {
    /// `D = diag(lr0 ... lr0, lr1 ... lr1)`: `lr0` for the input layer, `lr1` for the output
    /// layer.
    pub fn per_layer(net: &'a Net<'a>, lr: [f64; 2]) -> Scaled<'a> {
        let first = net.shape.d * net.shape.width;
        let roots = (0..net.params()).map(|i| if i < first { lr[0].sqrt() } else { lr[1].sqrt() }).collect();
        Scaled { net, roots }
    }

    /// `D = diag(d)`, one entry per weight (`W0` then `W1`), each positive.
    pub fn diagonal(net: &'a Net<'a>, d: &[f64]) -> Scaled<'a> {
        debug_assert_eq!(d.len(), net.params(), "one entry per weight");
        Scaled { net, roots: d.iter().map(|v| v.sqrt()).collect() }
    }

    /// `D^1/2 H D^1/2 v` into `out`, using `scratch` (all of the network's length).
    pub fn apply(&self, w: &[f64], v: &[f64], out: &mut [f64], scratch: &mut [f64]) {
        for ((s, r), x) in scratch.iter_mut().zip(&self.roots).zip(v) {
            *s = r * x;
        }
        self.net.hvp(w, scratch, out);
        for (o, r) in out.iter_mut().zip(&self.roots) {
            *o *= r;
        }
    }
}

/// Most Lanczos steps one eigenvalue takes.
pub const MAX_LANCZOS: usize = 80;

/// The largest (algebraic) eigenvalue of the symmetric `n x n` operator `apply(v, out)`, by
/// Lanczos iteration with full reorthogonalisation from a fixed pseudo-random start: it stops
/// when the largest Ritz value changes by at most `1e-10` of itself between steps, when the
/// Krylov space stops growing, or after `min(n, MAX_LANCZOS)` steps.
pub fn top_eigenvalue(n: usize, mut apply: impl FnMut(&[f64], &mut [f64])) -> f64 {
    let m = n.min(MAX_LANCZOS);
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
    // A fixed start with every component non-zero (a hash of the index), unit length.
    let mut start: Vec<f64> =
        (0..n as u32).map(|i| 0.5 + (crate::options::pcg_hash(i) as f64 / u32::MAX as f64)).collect();
    let norm = dot(&start, &start).sqrt();
    start.iter_mut().for_each(|v| *v /= norm);
    q.push(start);
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; n];
    let mut theta = f64::NEG_INFINITY;
    for j in 0..m {
        apply(&q[j], &mut w);
        let a = dot(&q[j], &w);
        alpha.push(a);
        // Full reorthogonalisation, twice ("twice is enough").
        for _ in 0..2 {
            for qi in &q {
                let c = dot(qi, &w);
                w.iter_mut().zip(qi).for_each(|(wv, qv)| *wv -= c * qv);
            }
        }
        let next = tridiagonal_top(&alpha, &beta);
        let settled = (next - theta).abs() <= 1e-10 * next.abs();
        theta = next;
        let b = dot(&w, &w).sqrt();
        let scale = alpha.iter().chain(&beta).fold(0.0f64, |s, v| s.max(v.abs()));
        if settled || b <= 1e-13 * scale.max(f64::MIN_POSITIVE) || !theta.is_finite() {
            break;
        }
        beta.push(b);
        q.push(w.iter().map(|v| v / b).collect());
    }
    theta
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The largest eigenvalue of the symmetric tridiagonal matrix with diagonal `a` and
/// off-diagonal `b` (`b.len() + 1 >= a.len()`; extra entries are ignored), by bisection on
/// Sturm counts inside the Gershgorin interval.
fn tridiagonal_top(a: &[f64], b: &[f64]) -> f64 {
    let m = a.len();
    let off = |i: usize| if i < m - 1 { b[i].abs() } else { 0.0 };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (i, &ai) in a.iter().enumerate() {
        let r = off(i) + if i > 0 { off(i - 1) } else { 0.0 };
        lo = lo.min(ai - r);
        hi = hi.max(ai + r);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return f64::NAN;
    }
    // Number of eigenvalues below x (the negative pivots of T - x I).
    let tiny = f64::EPSILON * (hi - lo).abs().max(f64::MIN_POSITIVE);
    let below = |x: f64| {
        let mut count = 0;
        let mut p = 1.0;
        for i in 0..m {
            let b2 = if i > 0 { b[i - 1] * b[i - 1] } else { 0.0 };
            p = a[i] - x - if i > 0 { b2 / p } else { 0.0 };
            if p == 0.0 {
                p = tiny;
            }
            if p < 0.0 {
                count += 1;
            }
        }
        count
    };
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if below(mid) == m { hi = mid } else { lo = mid }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tridiagonal_top_of_a_known_matrix() {
        // [[2, -1, 0], [-1, 2, -1], [0, -1, 2]]: eigenvalues 2 - sqrt(2), 2, 2 + sqrt(2).
        let top = tridiagonal_top(&[2.0, 2.0, 2.0], &[-1.0, -1.0]);
        assert!((top - (2.0 + 2f64.sqrt())).abs() < 1e-12, "{top}");
        assert_eq!(tridiagonal_top(&[-3.0], &[]), -3.0);
    }
}
