// Trainability kernel, cooperative layout: one workgroup of 64 invocations trains one cell's
// network, with its weights, gradient and residuals in workgroup memory. The data points are
// shared out among the invocations in pass 1 (outputs, residuals, a tree reduction for the
// loss), then in blocks in pass 2 (each invocation one point's pre-activation terms, then
// each invocation a share of the parameters summing over the block). Same network, update
// and bookkeeping as `nn/train` (see there); the sums run in another order, so results
// agree with the CPU twin to rounding, not bit for bit.
//
// One dispatch runs whole steps: `phase.lo` to `phase.hi` (0 first initialises), with the
// weights kept in storage between dispatches. Workgroup memory bounds the network: d * width + width <= MAX_P, n <= MAX_N and
// width <= BLOCK_FLOATS / WGN (checked on the host).

#import common/hash
#import nn/common

const WGN: u32 = 64u;
const MAX_P: u32 = 544u;
const MAX_N: u32 = 512u;
const BLOCK_FLOATS: u32 = 512u;

var<workgroup> wsh: array<f32, MAX_P>;
var<workgroup> gsh: array<f32, MAX_P>;
var<workgroup> rsh: array<f32, MAX_N>;
// One block of points: ri * W1_j * phi'(z) / sqrt(d) and ri * phi(z), `w` per point.
var<workgroup> dzsh: array<f32, BLOCK_FLOATS>;
var<workgroup> hrsh: array<f32, BLOCK_FLOATS>;
var<workgroup> part: array<f32, WGN>;
var<workgroup> st: Stats;
var<workgroup> go_on: u32;

// `record` on the workgroup's copy of the bookkeeping.
fn record_shared(t: u32, loss: f32) -> bool {
    var s = st;
    let go = record(&s, t, loss);
    st = s;
    return go;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
    // Uniform per workgroup, so every barrier below is reached by all or none.
    let local = wid.x + wid.y * nwg.x;
    if (local >= phase.cells) {
        return;
    }
    let cell = phase.first_cell + local;
    let col = cell % net.cols;
    let row = cell / net.cols;
    let n = net.n;
    let d = net.d;
    let w = net.w;
    let dw = d * w;
    let params = net.params;
    let y_at = n * d;
    let w0_at = y_at + n;
    let base = local * params;

    let p = cell_params(axes[col], axes[net.cols + row]);

    // Load (or initialise) the weights and the bookkeeping.
    for (var q = tid; q < params; q += WGN) {
        if (phase.lo == 0u) {
            wsh[q] = data[w0_at + q] + select(0.0, p.z, q < dw);
        } else {
            wsh[q] = weights[base + q];
        }
    }
    if (tid == 0u) {
        if (phase.lo == 0u) {
            var fresh: Stats;
            fresh.div_step = -1;
            st = fresh;
        } else {
            st = stats[local];
        }
        go_on = select(1u, 0u, st.div_step >= 0);
    }
    if (workgroupUniformLoad(&go_on) == 0u) {
        return;
    }

    var batch = n;
    if (net.batch != 0u && net.batch < n) {
        batch = net.batch;
    }
    let scale = 2.0 / f32(batch) * net.inv_sqrt_w;
    let block = min(WGN, BLOCK_FLOATS / w);
    for (var t = phase.lo; t < phase.hi; t++) {
        // Pass 1: this invocation's points; residuals to workgroup memory; the loss reduced.
        var lsum = 0.0;
        for (var i = tid; i < n; i += WGN) {
            let xi = i * d;
            var out = 0.0;
            for (var j = 0u; j < w; j++) {
                var z = 0.0;
                for (var k = 0u; k < d; k++) {
                    z += data[xi + k] * wsh[k * w + j];
                }
                out += activation(z * net.inv_sqrt_d).x * wsh[dw + j];
            }
            let e = out * net.inv_sqrt_w - data[y_at + i];
            rsh[i] = e;
            lsum += e * e;
        }
        part[tid] = lsum;
        for (var half = WGN / 2u; half > 0u; half = half / 2u) {
            workgroupBarrier();
            if (tid < half) {
                part[tid] += part[tid + half];
            }
        }
        workgroupBarrier();
        if (tid == 0u) {
            go_on = select(0u, 1u, record_shared(t, part[0] / f32(n)) && t + 1u < net.steps);
        }
        if (workgroupUniformLoad(&go_on) == 0u) {
            break;
        }
        for (var q = tid; q < params; q += WGN) {
            gsh[q] = 0.0;
        }
        // Pass 2 in blocks of points.
        var start = 0u;
        if (batch != n) {
            start = pcg_hash(net.batch_seed ^ pcg_hash(t)) % n;
        }
        for (var b0 = 0u; b0 < batch; b0 += block) {
            let count = min(block, batch - b0);
            workgroupBarrier();
            if (tid < count) {
                let i = (start + b0 + tid) % n;
                let xi = i * d;
                let ri = rsh[i] * scale;
                for (var j = 0u; j < w; j++) {
                    var z = 0.0;
                    for (var k = 0u; k < d; k++) {
                        z += data[xi + k] * wsh[k * w + j];
                    }
                    let a = activation(z * net.inv_sqrt_d);
                    dzsh[tid * w + j] = ri * wsh[dw + j] * a.y * net.inv_sqrt_d;
                    hrsh[tid * w + j] = ri * a.x;
                }
            }
            workgroupBarrier();
            for (var q = tid; q < params; q += WGN) {
                var g = gsh[q];
                if (q < dw) {
                    let k = q / w;
                    let j = q % w;
                    for (var s = 0u; s < count; s++) {
                        let i = (start + b0 + s) % n;
                        g += data[i * d + k] * dzsh[s * w + j];
                    }
                } else {
                    let j = q - dw;
                    for (var s = 0u; s < count; s++) {
                        g += hrsh[s * w + j];
                    }
                }
                gsh[q] = g;
            }
        }
        workgroupBarrier();
        for (var q = tid; q < params; q += WGN) {
            wsh[q] -= select(p.y, p.x, q < dw) * gsh[q];
            // Under the paper's convention the offset is added again after every update.
            if (net.paper != 0u && q < dw) {
                wsh[q] += p.z;
            }
        }
        workgroupBarrier();
    }
    workgroupBarrier();
    for (var q = tid; q < params; q += WGN) {
        weights[base + q] = wsh[q];
    }
    if (tid == 0u) {
        stats[local] = st;
    }
}
