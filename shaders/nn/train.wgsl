// Trainability kernel: each invocation trains one cell's network (one hidden layer, no
// biases, mean-field parameterisation) by full-batch gradient descent with per-layer learning
// rates, and keeps the loss-ratio bookkeeping that classifies the cell. Rust twin:
// src/nn/cpu.rs (same arithmetic in the same order); bookkeeping twin: `CellStats::record` in
// src/nn/train.rs.
//
// A step is a sequence of dispatches, each one phase over a range (so that no invocation loops
// more than a bounded number of times per dispatch: Mesa's llvmpipe stops every loop of an
// invocation after 65535 iterations in total):
//   0 init      weights = initial weights (+ offset), bookkeeping cleared;
//   1 residuals data points [lo, hi): residuals, and the squared errors summed into `acc`;
//   2 record    loss = acc / n, the ratio bookkeeping, gradient accumulators cleared;
//   3 gradient  (mini)batch positions [lo, hi): every hidden unit's gradient, accumulated;
//   4 update    weights -= learning rate * gradient.
// Sums run over the data in the same order as the twin's, so the split changes no bit.

#import common/hash

override WG: u32 = 64u;
const MAX_DIM: u32 = 64u;
const RATIO_CAP: f32 = 1e6;
const TAIL: u32 = 20u;
const ROOT2: f32 = 1.41421356;

// Keep in sync with `NetUniform` in src/nn/gpu.rs.
struct Net {
    n: u32,
    d: u32,
    w: u32,
    steps: u32,
    cols: u32,
    rows: u32,
    act: u32,
    batch: u32,
    batch_seed: u32,
    x_param: u32,
    y_param: u32,
    params: u32,
    base_lr0: f32,
    base_lr1: f32,
    base_offset: f32,
    inv_sqrt_d: f32,
    inv_sqrt_w: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

// One dispatch. Keep in sync with `PhaseUniform` in src/nn/gpu.rs.
struct Phase {
    first_cell: u32,
    cells: u32,
    step: u32,
    phase: u32,
    lo: u32,
    hi: u32,
    pad0: u32,
    pad1: u32,
}

// Keep in sync with `CellStats` in src/nn/train.rs.
struct Stats {
    loss0: f32,
    sum_v: f32,
    sum_inv: f32,
    tail: f32,
    last_loss: f32,
    div_step: i32,
    acc: f32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> net: Net;
@group(0) @binding(1) var<uniform> phase: Phase;
// X (n x d), then Y (n), then the initial W0 (d x w), then the initial W1 (w).
@group(0) @binding(2) var<storage, read> data: array<f32>;
// `cols` column values, then `rows` row values.
@group(0) @binding(3) var<storage, read> axes: array<f32>;
// Per cell of the tile, interleaved (slot s of cell c at s * cells + c): W0 (d x w, row-major)
// then W1 (w), `params` slots; then the gradient accumulators in the same layout.
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;
// Per cell of the tile, interleaved: the residuals of the last pass 1 (`n` slots).
@group(0) @binding(5) var<storage, read_write> resid: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<Stats>;

// phi(z) and phi'(z).
fn activation(z: f32) -> vec2<f32> {
    switch net.act {
        case 0u: {
            let t = tanh(ROOT2 * z);
            return vec2<f32>(t, ROOT2 * (1.0 - t * t));
        }
        case 1u: {
            if (z > 0.0) {
                return vec2<f32>(ROOT2 * z, ROOT2);
            }
            return vec2<f32>(0.0, 0.0);
        }
        default: {
            return vec2<f32>(z, 1.0);
        }
    }
}

// Sets lr0 / lr1 / offset from an axis value.
fn apply_axis(p: ptr<function, vec3<f32>>, param: u32, v: f32) {
    switch param {
        case 0u: { (*p).x = v; }
        case 1u: { (*p).y = v; }
        case 2u: { (*p).x = v; (*p).y = v; }
        default: { (*p).z = v; }
    }
}

// Twin of `CellStats::record`: false once the run stops.
fn record(s: ptr<function, Stats>, t: u32, loss: f32) -> bool {
    if (t == 0u) {
        (*s).loss0 = loss;
    }
    (*s).last_loss = loss;
    var v = loss / (*s).loss0;
    if (!(v <= RATIO_CAP)) {
        v = RATIO_CAP;
    }
    let first_tail = select(0u, net.steps - TAIL, net.steps > TAIL);
    if (v >= RATIO_CAP) {
        let remaining = f32(net.steps - t);
        let in_tail = f32(net.steps - max(t, first_tail));
        (*s).sum_v += RATIO_CAP * remaining;
        (*s).sum_inv += remaining / RATIO_CAP;
        (*s).tail += RATIO_CAP * in_tail;
        (*s).div_step = i32(t);
        return false;
    }
    (*s).sum_v += v;
    (*s).sum_inv += 1.0 / v;
    if (t >= first_tail) {
        (*s).tail += v;
    }
    return true;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let local = gid.x + gid.y * nwg.x * WG;
    if (local >= phase.cells) {
        return;
    }
    let cell = phase.first_cell + local;
    let col = cell % net.cols;
    let row = cell / net.cols;
    let n = net.n;
    let d = net.d;
    let w = net.w;
    let y_at = n * d;
    let w0_at = y_at + n;
    let w1_at = w0_at + d * w;
    // Cell-interleaved layout: slot s of this cell is at s * stride + local, so neighbouring
    // invocations touch neighbouring words (coalesced on GPUs, vector loads on llvmpipe).
    let stride = phase.cells;
    let gslot = net.params;

    var p = vec3<f32>(net.base_lr0, net.base_lr1, net.base_offset);
    apply_axis(&p, net.x_param, axes[col]);
    apply_axis(&p, net.y_param, axes[net.cols + row]);

    if (phase.phase == 0u) {
        for (var k = 0u; k < d * w; k++) {
            weights[k * stride + local] = data[w0_at + k] + p.z;
        }
        for (var j = 0u; j < w; j++) {
            weights[(d * w + j) * stride + local] = data[w1_at + j];
        }
        var fresh: Stats;
        fresh.div_step = -1;
        stats[local] = fresh;
        return;
    }
    var s = stats[local];
    if (s.div_step >= 0) {
        return;
    }
    switch phase.phase {
        case 1u: {
            // Residuals and squared errors of data points [lo, hi).
            for (var i = phase.lo; i < phase.hi; i++) {
                let xi = i * d;
                var out = 0.0;
                for (var j = 0u; j < w; j++) {
                    var z = 0.0;
                    for (var k = 0u; k < d; k++) {
                        z += data[xi + k] * weights[(k * w + j) * stride + local];
                    }
                    out += activation(z * net.inv_sqrt_d).x * weights[(d * w + j) * stride + local];
                }
                let e = out * net.inv_sqrt_w - data[y_at + i];
                resid[i * stride + local] = e;
                s.acc += e * e;
            }
        }
        case 2u: {
            let loss = s.acc / f32(n);
            s.acc = 0.0;
            if (record(&s, phase.step, loss)) {
                for (var k = 0u; k < net.params; k++) {
                    weights[(gslot + k) * stride + local] = 0.0;
                }
            }
        }
        case 3u: {
            // Every hidden unit's gradient over batch positions [lo, hi).
            var batch = n;
            var start = 0u;
            if (net.batch != 0u && net.batch < n) {
                batch = net.batch;
                start = pcg_hash(net.batch_seed ^ pcg_hash(phase.step)) % n;
            }
            let scale = 2.0 / f32(batch) * net.inv_sqrt_w;
            var colw: array<f32, MAX_DIM>;
            var g: array<f32, MAX_DIM>;
            for (var j = 0u; j < w; j++) {
                for (var k = 0u; k < d; k++) {
                    colw[k] = weights[(k * w + j) * stride + local];
                    g[k] = weights[(gslot + k * w + j) * stride + local];
                }
                let w1j = weights[(d * w + j) * stride + local];
                var g1 = weights[(gslot + d * w + j) * stride + local];
                for (var b = phase.lo; b < phase.hi; b++) {
                    let i = (start + b) % n;
                    let xi = i * d;
                    var z = 0.0;
                    for (var k = 0u; k < d; k++) {
                        z += data[xi + k] * colw[k];
                    }
                    let a = activation(z * net.inv_sqrt_d);
                    let ri = resid[i * stride + local] * scale;
                    g1 += ri * a.x;
                    let dz = ri * w1j * a.y * net.inv_sqrt_d;
                    for (var k = 0u; k < d; k++) {
                        g[k] += data[xi + k] * dz;
                    }
                }
                weights[(gslot + d * w + j) * stride + local] = g1;
                for (var k = 0u; k < d; k++) {
                    weights[(gslot + k * w + j) * stride + local] = g[k];
                }
            }
        }
        default: {
            // Update: W0 with lr0, W1 with lr1.
            for (var k = 0u; k < d * w; k++) {
                weights[k * stride + local] = weights[k * stride + local] - p.x * weights[(gslot + k) * stride + local];
            }
            for (var j = 0u; j < w; j++) {
                weights[(d * w + j) * stride + local] = weights[(d * w + j) * stride + local] - p.y * weights[(gslot + d * w + j) * stride + local];
            }
        }
    }
    stats[local] = s;
}
