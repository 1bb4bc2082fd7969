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
//   4 update    weights -= learning rate * gradient (+ the offset, under the paper's convention).
// Sums run over the data in the same order as the twin's, so the split changes no bit.

#import common/hash
#import nn/common

override WG: u32 = 64u;
const MAX_DIM: u32 = 64u;

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

    let p = cell_params(axes[col], axes[net.cols + row]);

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
            // Under the paper's convention the offset is added again after every update.
            for (var k = 0u; k < d * w; k++) {
                let stepped = weights[k * stride + local] - p.x * weights[(gslot + k) * stride + local];
                if (net.paper != 0u) {
                    weights[k * stride + local] = stepped + p.z;
                } else {
                    weights[k * stride + local] = stepped;
                }
            }
            for (var j = 0u; j < w; j++) {
                weights[(d * w + j) * stride + local] = weights[(d * w + j) * stride + local] - p.y * weights[(gslot + d * w + j) * stride + local];
            }
        }
    }
    stats[local] = s;
}
