//! Networks in lanes: the CPU twin's training loop ([`super::scalar::train_cell`]) run for
//! [`LANES`] cells at once. Every network of a map multiplies the same data `X`, so each
//! element of `X` is broadcast against the weights of all the block's networks, stored
//! lane-minor (`[T; LANES]` per weight); the per-lane loops are straight-line code that LLVM
//! vectorises. Each network sees exactly the operations of the scalar loop, in the same order,
//! so the results are bit-identical to it (no intrinsics, no fast-math, and Rust never fuses a
//! multiply and an add). The step loop is compiled three times, for AVX-512, AVX2 and the
//! baseline target, and the CPU's features pick one at run time.
//!
//! Two reorderings that change no result. The full-batch gradient is accumulated in the same
//! pass that computes the loss (from the pre-activations and residuals pass 1 computes; a
//! minibatch's are computed again, as the scalar loop does). And the points are taken a chunk
//! at a time, every hidden unit for each chunk, rather than every point for each hidden unit;
//! each sum still adds its terms in point order. The loops are arranged so that the innermost
//! loop over a run-time length is such a sum, which LLVM leaves in order: it then vectorises
//! across the lanes (unrolled), not across units or inputs with gathers.
//!
//! A lane whose network has stopped (its loss ratio reached the cap) is frozen: its weights
//! and statistics no longer change. A block stops once every lane has stopped. This module does
//! not schedule blocks (`nn::cpu::run` does) and does not know about the GPU.

use super::Real;
use super::train::{Convention, Tally, TrainSpec};

/// Networks trained together in one block.
pub const LANES: usize = 16;

/// Data points taken together in the forward pass's loops over hidden units and inputs.
const POINTS: usize = 4;

/// Input weights whose gradients are accumulated together.
const INPUTS: usize = 4;

/// Data points in hand at a time (a multiple of [`POINTS`]).
const CHUNK: usize = 16;

/// One value per lane.
type Lanes<T> = [T; LANES];

/// The network's data and initial weights converted to the float type `T` once per run
/// ([`super::NetData::arrays`]: rounded to f32 for f32, as read for f64).
pub type Data<T> = super::Arrays<T>;

/// What stays fixed while a block trains: sizes, scale factors and the data.
struct Net<'a, T> {
    spec: &'a TrainSpec,
    data: &'a Data<T>,
    d: usize,
    w: usize,
    n: usize,
    /// Points in the gradient's (mini)batch.
    batch: usize,
    inv_sqrt_d: T,
    inv_sqrt_w: T,
    /// `2 / batch / sqrt(width)`: turns a residual into the output's gradient.
    scale: T,
}

impl<'a, T: Real> Net<'a, T> {
    fn new(spec: &'a TrainSpec, data: &'a Data<T>) -> Net<'a, T> {
        let shape = spec.data.shape;
        let (d, w, n) = (shape.d, shape.width, shape.n);
        let f = |v: usize| T::from(v).expect("a float");
        let inv_sqrt_w = T::one() / f(w).sqrt();
        let batch = spec.batch_points();
        Net {
            spec,
            data,
            d,
            w,
            n,
            batch,
            inv_sqrt_d: T::one() / f(d).sqrt(),
            inv_sqrt_w,
            scale: (T::one() + T::one()) / f(batch) * inv_sqrt_w,
        }
    }
}

/// The weights, gradients and scratch space of one block of networks. Input-layer weights and
/// their gradients are stored unit by unit: unit `j`'s `d` weights at `j * d`.
struct Block<T> {
    w0: Vec<Lanes<T>>,
    w1: Vec<Lanes<T>>,
    g0: Vec<Lanes<T>>,
    g1: Vec<Lanes<T>>,
    lr0: Lanes<T>,
    lr1: Lanes<T>,
    /// The initial-weight offset, added again after every update under the paper's
    /// convention (`drift`).
    offset: Lanes<T>,
    drift: bool,
    /// The chunk of points in hand: inputs (point `q`'s at `q * d`) and targets.
    x: Vec<T>,
    y: Vec<T>,
    /// Activations and their derivatives: point `q`'s unit `j` at `q * width + j`.
    h: Vec<Lanes<T>>,
    dh: Vec<Lanes<T>>,
    /// Residuals, point by point.
    e: Vec<Lanes<T>>,
    /// Gradients with respect to the pre-activations: unit `j`'s point `q` at `j * CHUNK + q`.
    dz: Vec<Lanes<T>>,
}

impl<T: Real> Block<T> {
    /// A block starting from the data's weights, with `params` (`lr0`, `lr1`, `offset`) per
    /// lane; lanes past `params.len()` copy the first lane.
    fn new(net: &Net<T>, params: &[[T; 3]]) -> Block<T> {
        let (d, w) = (net.d, net.w);
        let p = |l: usize| params.get(l).unwrap_or(&params[0]);
        let lanes = |k: usize| -> Lanes<T> { std::array::from_fn(|l| p(l)[k]) };
        let offset = lanes(2);
        let mut w0 = vec![[T::zero(); LANES]; d * w];
        for j in 0..w {
            for k in 0..d {
                let v = net.data.w0[k * w + j];
                w0[j * d + k] = std::array::from_fn(|l| v + offset[l]);
            }
        }
        let zeros = |len: usize| vec![[T::zero(); LANES]; len];
        Block {
            w0,
            w1: net.data.w1.iter().map(|&v| [v; LANES]).collect(),
            g0: zeros(d * w),
            g1: zeros(w),
            lr0: lanes(0),
            lr1: lanes(1),
            offset,
            drift: net.spec.convention == Convention::Paper,
            x: vec![T::zero(); CHUNK * d],
            y: vec![T::zero(); CHUNK],
            h: zeros(CHUNK * w),
            dh: zeros(CHUNK * w),
            e: zeros(CHUNK),
            dz: zeros(CHUNK * w),
        }
    }

    /// Copies the inputs and targets of the `m` points from `first` on (wrapping around) into
    /// the chunk.
    fn load(&mut self, net: &Net<T>, first: usize, m: usize) {
        let d = net.d;
        for q in 0..m {
            let i = (first + q) % net.n;
            self.x[q * d..(q + 1) * d].copy_from_slice(&net.data.x[i * d..(i + 1) * d]);
            self.y[q] = net.data.y[i];
        }
    }

    /// Pre-activations, activations and residuals of the chunk's `Q` points from `q0` on:
    /// fills `h`, `dh` and `e`. The sums over inputs are the innermost loop, each in input order.
    #[inline(always)]
    fn forward<const Q: usize>(&mut self, net: &Net<T>, q0: usize) {
        let (d, w) = (net.d, net.w);
        let act = net.spec.activation;
        let x: [&[T]; Q] = std::array::from_fn(|q| &self.x[(q0 + q) * d..(q0 + q + 1) * d]);
        for j in 0..w {
            let col = &self.w0[j * d..(j + 1) * d];
            let mut z = [[T::zero(); LANES]; Q];
            for (k, wk) in col.iter().enumerate() {
                for q in 0..Q {
                    let xk = x[q][k];
                    for l in 0..LANES {
                        z[q][l] = z[q][l] + xk * wk[l];
                    }
                }
            }
            for (q, z) in z.iter().enumerate() {
                let u: Lanes<T> = std::array::from_fn(|l| z[l] * net.inv_sqrt_d);
                let (h, dh) = act.eval_lanes(&u);
                self.h[(q0 + q) * w + j] = h;
                self.dh[(q0 + q) * w + j] = dh;
            }
        }
        for q in q0..q0 + Q {
            let mut out = [T::zero(); LANES];
            for (h, w1) in self.h[q * w..(q + 1) * w].iter().zip(&self.w1) {
                for l in 0..LANES {
                    out[l] = out[l] + h[l] * w1[l];
                }
            }
            let y = self.y[q];
            self.e[q] = std::array::from_fn(|l| out[l] * net.inv_sqrt_w - y);
        }
    }

    /// Adds the gradient contributions of the chunk's first `m` points (after
    /// [`Block::forward`] of them). The sums over points are the innermost loops, in point
    /// order: so LLVM vectorises across the lanes, not across units or inputs.
    #[inline(always)]
    fn backward(&mut self, net: &Net<T>, m: usize) {
        let (d, w) = (net.d, net.w);
        for j in 0..w {
            // Copied in and out, so that LLVM need not worry whether the buffers overlap.
            let w1 = self.w1[j];
            let mut g1 = self.g1[j];
            let dz = &mut self.dz[j * CHUNK..j * CHUNK + m];
            for (q, dz) in dz.iter_mut().enumerate() {
                let (h, dh, e) = (self.h[q * w + j], self.dh[q * w + j], self.e[q]);
                let mut out = [T::zero(); LANES];
                for l in 0..LANES {
                    let ri = e[l] * net.scale;
                    g1[l] = g1[l] + ri * h[l];
                    out[l] = ri * w1[l] * dh[l] * net.inv_sqrt_d;
                }
                *dz = out;
            }
            self.g1[j] = g1;
            let g0 = &mut self.g0[j * d..(j + 1) * d];
            let dz = &self.dz[j * CHUNK..j * CHUNK + m];
            let mut k = 0;
            while k + INPUTS <= d {
                input_gradients::<T, INPUTS>(&mut g0[k..k + INPUTS], dz, &self.x[k..], d);
                k += INPUTS;
            }
            while k < d {
                input_gradients::<T, 1>(&mut g0[k..k + 1], dz, &self.x[k..], d);
                k += 1;
            }
        }
    }

    /// One pass over the `count` points from `start` on (wrapping around), a chunk at a time:
    /// returns the sum of squared residuals, and with `grad` adds the gradient too.
    #[inline(always)]
    fn pass(&mut self, net: &Net<T>, start: usize, count: usize, grad: bool) -> Lanes<T> {
        let mut loss = [T::zero(); LANES];
        let mut b = 0;
        while b < count {
            let m = CHUNK.min(count - b);
            self.load(net, start + b, m);
            let mut q = 0;
            while q + POINTS <= m {
                self.forward::<POINTS>(net, q);
                q += POINTS;
            }
            while q < m {
                self.forward::<1>(net, q);
                q += 1;
            }
            for e in &self.e[..m] {
                for l in 0..LANES {
                    loss[l] = loss[l] + e[l] * e[l];
                }
            }
            if grad {
                self.backward(net, m);
            }
            b += m;
        }
        loss
    }

    /// Takes the gradient step in the lanes marked `live`, then clears the gradient.
    #[inline(always)]
    fn update(&mut self, live: &[bool; LANES]) {
        let (lr0, lr1) = (self.lr0, self.lr1);
        let step = |w: &mut Lanes<T>, g: &mut Lanes<T>, lr: &Lanes<T>| {
            let (old, grad) = (*w, *g);
            *w = std::array::from_fn(|l| if live[l] { old[l] - lr[l] * grad[l] } else { old[l] });
            *g = [T::zero(); LANES];
        };
        for (w1, g1) in self.w1.iter_mut().zip(&mut self.g1) {
            step(w1, g1, &lr1);
        }
        for (w0, g0) in self.w0.iter_mut().zip(&mut self.g0) {
            step(w0, g0, &lr0);
        }
        if self.drift {
            let offset = self.offset;
            for w0 in &mut self.w0 {
                let old = *w0;
                *w0 = std::array::from_fn(|l| if live[l] { old[l] + offset[l] } else { old[l] });
            }
        }
    }
}

/// Adds to the gradients `g` of `K` consecutive input weights of one unit the contributions of
/// the chunk's points: `g[kk] += x[q * d + kk] * dz[q]` over the points `q` in order, the
/// gradients held in registers.
#[inline(always)]
fn input_gradients<T: Real, const K: usize>(g: &mut [Lanes<T>], dz: &[Lanes<T>], x: &[T], d: usize) {
    let mut acc: [Lanes<T>; K] = std::array::from_fn(|kk| g[kk]);
    for (q, dz) in dz.iter().enumerate() {
        let x = &x[q * d..q * d + K];
        for kk in 0..K {
            for l in 0..LANES {
                acc[kk][l] = acc[kk][l] + x[kk] * dz[l];
            }
        }
    }
    g.copy_from_slice(&acc);
}

/// Trains up to [`LANES`] cells' networks, one per entry of `params` (`lr0`, `lr1`, `offset`),
/// writing each one's bookkeeping (kept in `T`) to the same entry of `out`; the same results as
/// [`super::scalar::train_cell_tally`] cell by cell.
pub fn train_block<T: Real>(spec: &TrainSpec, data: &Data<T>, params: &[[T; 3]], out: &mut [Tally<T>]) {
    use crate::simd::isa;
    match isa::level() {
        // SAFETY: `isa::level` returns these levels only where the processor has their features,
        // a superset of what these functions are compiled for.
        #[cfg(target_arch = "x86_64")]
        isa::AVX512 => unsafe { train_block_avx512(spec, data, params, out) },
        #[cfg(target_arch = "x86_64")]
        isa::AVX2 => unsafe { train_block_avx2(spec, data, params, out) },
        _ => train_block_in(spec, data, params, out),
    }
}

/// [`train_block_in`] compiled for AVX-512 (separate multiplies and adds, as everywhere).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
fn train_block_avx512<T: Real>(spec: &TrainSpec, data: &Data<T>, params: &[[T; 3]], out: &mut [Tally<T>]) {
    train_block_in(spec, data, params, out)
}

/// [`train_block_in`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn train_block_avx2<T: Real>(spec: &TrainSpec, data: &Data<T>, params: &[[T; 3]], out: &mut [Tally<T>]) {
    train_block_in(spec, data, params, out)
}

/// The block's step loop: the scalar loop's structure, every lane at once.
#[inline(always)]
fn train_block_in<T: Real>(spec: &TrainSpec, data: &Data<T>, params: &[[T; 3]], out: &mut [Tally<T>]) {
    let cells = params.len().min(out.len()).min(LANES);
    if cells == 0 {
        return;
    }
    let net = Net::new(spec, data);
    let mut block = Block::new(&net, &params[..cells]);
    let mut live: [bool; LANES] = std::array::from_fn(|l| l < cells);
    let mut stats = [Tally::<T>::default(); LANES];
    let full = net.batch == net.n;
    let n = T::from(net.n).expect("a float");
    for t in 0..spec.steps {
        let loss = block.pass(&net, 0, net.n, full);
        for l in 0..cells {
            if live[l] {
                live[l] = stats[l].record_in(spec.convention, t, spec.steps, loss[l] / n);
            }
        }
        if t + 1 == spec.steps || !live.iter().any(|&a| a) {
            break;
        }
        if !full {
            block.pass(&net, spec.batch_start(t) as usize, net.batch, true);
        }
        block.update(&live);
    }
    out[..cells].copy_from_slice(&stats[..cells]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::build::{Source, spec};
    use crate::nn::train::CellStats;
    use crate::nn::{Activation, Shape, scalar};
    use crate::spec::{AxisText, Scale};

    /// Runs `f` on every variant of the step loop this CPU can run.
    fn each_variant(f: impl Fn(&str, &dyn Fn(&TrainSpec, &Data<f32>, &[[f32; 3]], &mut [Tally<f32>]))) {
        f("baseline", &|s, d, p, o| train_block_in(s, d, p, o));
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has the features.
                f("avx2", &|s, d, p, o| unsafe { train_block_avx2(s, d, p, o) });
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: the CPU has the features.
                f("avx512", &|s, d, p, o| unsafe { train_block_avx512(s, d, p, o) });
            }
        }
    }

    #[test]
    fn every_compiled_variant_equals_the_scalar_twin_bit_for_bit() {
        // Sizes that are not multiples of the chunking: 5 inputs, 11 points, a minibatch of 4.
        let axis = |p: &str| AxisText { param: p.into(), lo: 0.01, hi: 100.0, scale: Scale::Log };
        let shape = Shape { d: 5, width: 3, n: 11 };
        let lr = |i: usize| 10f32.powf(-2.0 + 4.0 * (i as f32 + 0.5) / 4.0);
        let params: Vec<[f32; 3]> = (0..LANES).map(|i| [lr(i % 4), lr(i / 4), 0.1]).collect();
        for act in Activation::ALL {
            for batch in [(0, 0), (4, 2)] {
                let (x, y) = (axis("lr0"), axis("lr1"));
                let s = spec(
                    &Source::Seed(shape, 5),
                    act,
                    &x,
                    &y,
                    (4, 4),
                    40,
                    [1.0; 3],
                    batch,
                    Default::default(),
                )
                .expect("a valid map");
                let want: Vec<CellStats> = params.iter().map(|&p| scalar::train_cell(&s, p)).collect();
                assert!(want.iter().any(|c| c.div_step >= 0) && want.iter().any(|c| c.div_step < 0));
                let data = s.data.arrays();
                each_variant(|name, train| {
                    let mut got = vec![Tally::default(); LANES];
                    train(&s, &data, &params, &mut got);
                    let got: Vec<CellStats> = got.into_iter().map(CellStats::from).collect();
                    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                        let bits = |c: &CellStats| bytemuck::cast::<CellStats, [u32; 8]>(*c);
                        assert_eq!(bits(a), bits(b), "{name} {act:?} {batch:?} cell {i}: {a:?} vs {b:?}");
                    }
                });
            }
        }
    }
}
