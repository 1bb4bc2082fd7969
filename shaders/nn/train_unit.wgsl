// Trainability kernel, unit layout: one invocation per hidden unit. A group of W invocations
// trains one cell's network and a workgroup of WG = W * NETS invocations trains NETS networks
// (NETS = ceil(64 / W)). Invocation j of a network keeps column j of W0 and W1[j], and their
// gradients, in private variables for every step of a dispatch; the data points go by in
// chunks of CH, each invocation keeping its unit's activations and derivatives of the chunk's
// points in private arrays. Same network, update and bookkeeping as `nn/train` (twin:
// src/nn/scalar.rs; bookkeeping `record`, twin `Tally::record_in`); the sums run in another
// order, so results agree with the CPU twin to rounding, not bit for bit.
//
// The sizes are compile-time constants, spliced in by the host before this file (`nn/unit` in
// src/nn/unit.rs, `UnitSizes::header`): D, D4 = ceil(D / 4), N, NP (N rounded up to CH), W,
// NETS, WG, CH, ACT (the activation's code), XV (vec4s of `xs`), Y_AT (Y's first vec4 in `xs`)
// and LAST (the lanes of W0's last vec4 that hold weights). Every private array has a constant
// size and every loop over them constant bounds, so that unrolled, each index is a constant
// (what keeps private arrays in registers on GPUs).
//
// Per step: for each chunk of CH points, every invocation computes its unit's pre-activations
// (the X rows come from the uniform buffer, the same for every invocation: broadcast loads),
// writes phi(z) W1[j] to workgroup memory; after a barrier, invocation c of a network sums the
// W terms of its point(s) into the output and residual; after a second barrier, every
// invocation accumulates its own gradient from the chunk's residuals. The loss and gradient
// of a step are thus computed in one pass over the data (the gradient of the step whose loss
// stops the run is thrown away). Then one invocation per network records the loss, and the
// networks still running update their weights.
//
// One dispatch runs whole steps, `phase.lo` to `phase.hi` (0 first initialises), with the
// weights and bookkeeping in storage between dispatches (per cell: W0 d x w row-major, then
// W1). Barriers are uniform: networks that stopped keep going through the chunks without
// updating, and the workgroup leaves when none of its networks runs (`alive`).

#import nn/unit_sizes
#import common/hash
#import nn/common

// X (NP rows of D4 vec4s, zero beyond d and beyond n), then Y (NP / 4 vec4s, zero beyond n).
@group(0) @binding(7) var<uniform> xs: array<vec4<f32>, XV>;

// phi(z) W1[j] of every (network, chunk point, unit).
var<workgroup> terms: array<f32, WG * CH>;
// Each network's scaled residuals of the chunk's points (0 for points outside the batch).
var<workgroup> res: array<f32, NETS * CH>;
// Each invocation's sum of squared errors.
var<workgroup> sq: array<f32, WG>;
// Whether each network still runs.
var<workgroup> go: array<u32, NETS>;
// Networks of the workgroup still running.
var<workgroup> alive: atomic<u32>;

// phi(z) and phi'(z) of the activation ACT (`activation` in nn/common, with the code a
// constant; twin `Activation::eval`).
fn unit_activation(z: f32) -> vec2<f32> {
    if (ACT == 0u) {
        let t = tanh(ROOT2 * z);
        return vec2<f32>(t, ROOT2 * (1.0 - t * t));
    }
    if (ACT == 1u) {
        if (z > 0.0) {
            return vec2<f32>(ROOT2 * z, ROOT2);
        }
        return vec2<f32>(0.0, 0.0);
    }
    return vec2<f32>(z, 1.0);
}

// Target of point i.
fn target_of(i: u32) -> f32 {
    return xs[Y_AT + i / 4u][i % 4u];
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
    let slot = tid / W;
    let j = tid % W;
    let local = (wid.x + wid.y * nwg.x) * NETS + slot;
    // Invocations past the tile's last network run along (for the barriers), on nothing.
    let real = local < phase.cells;
    let cell = phase.first_cell + min(local, phase.cells - 1u);
    let p = cell_params(axes[cell % net.cols], axes[net.cols + cell / net.cols]);
    let base = local * net.params;

    // Load (or initialise) this unit's weights and the network's bookkeeping.
    var w0: array<vec4<f32>, D4>;
    var w1 = 0.0;
    var s: Stats;
    s.div_step = -1;
    if (real) {
        let w0_at = N * D + N;
        for (var k = 0u; k < D; k++) {
            if (phase.lo == 0u) {
                w0[k / 4u][k % 4u] = data[w0_at + k * W + j] + p.z;
            } else {
                w0[k / 4u][k % 4u] = weights[base + k * W + j];
            }
        }
        if (phase.lo == 0u) {
            w1 = data[w0_at + D * W + j];
        } else {
            w1 = weights[base + D * W + j];
            s = stats[local];
        }
    }
    var live = real && s.div_step < 0;
    if (j == 0u) {
        go[slot] = u32(live);
        if (live) {
            atomicAdd(&alive, 1u);
        }
    }

    var batch = N;
    if (net.batch != 0u && net.batch < N) {
        batch = net.batch;
    }
    let scale = 2.0 / f32(batch) * net.inv_sqrt_w;
    for (var t = phase.lo; t < phase.hi; t++) {
        if (workgroupUniformLoad(&alive) == 0u) {
            break;
        }
        var start = 0u;
        if (batch != N) {
            start = pcg_hash(net.batch_seed ^ pcg_hash(t)) % N;
        }
        var g0: array<vec4<f32>, D4>;
        var g1 = 0.0;
        var lsum = 0.0;
        for (var i0 = 0u; i0 < NP; i0 += CH) {
            // This unit's activations at the chunk's points, and its terms of their outputs.
            var h: array<f32, CH>;
            var dh: array<f32, CH>;
            for (var c = 0u; c < CH; c++) {
                let row = (i0 + c) * D4;
                var z = 0.0;
                for (var k = 0u; k < D4; k++) {
                    z += dot(xs[row + k], w0[k]);
                }
                let a = unit_activation(z * net.inv_sqrt_d);
                h[c] = a.x;
                dh[c] = a.y;
                terms[(slot * CH + c) * W + j] = a.x * w1;
            }
            workgroupBarrier();
            // Outputs and residuals, point c by invocation c mod W.
            for (var c = j; c < CH; c += W) {
                let i = i0 + c;
                var out = 0.0;
                for (var q = 0u; q < W; q++) {
                    out += terms[(slot * CH + c) * W + q];
                }
                let e = out * net.inv_sqrt_w - target_of(i);
                var r = 0.0;
                if (i < N) {
                    lsum += e * e;
                    if (batch == N || (i + N - start) % N < batch) {
                        r = e * scale;
                    }
                }
                res[slot * CH + c] = r;
            }
            workgroupBarrier();
            // This unit's gradient from the chunk's residuals.
            for (var c = 0u; c < CH; c++) {
                let r = res[slot * CH + c];
                g1 += r * h[c];
                let dz = r * w1 * dh[c] * net.inv_sqrt_d;
                let row = (i0 + c) * D4;
                for (var k = 0u; k < D4; k++) {
                    g0[k] += xs[row + k] * dz;
                }
            }
        }
        // The loss, recorded by invocation 0 of each network still running.
        sq[tid] = lsum;
        workgroupBarrier();
        if (j == 0u && live) {
            var total = 0.0;
            for (var q = 0u; q < W; q++) {
                total += sq[tid + q];
            }
            if (!record(&s, t, total / f32(N))) {
                go[slot] = 0u;
                atomicSub(&alive, 1u);
            }
        }
        workgroupBarrier();
        live = go[slot] != 0u;
        // The last step needs no update.
        if (live && t + 1u < net.steps) {
            for (var k = 0u; k < D4; k++) {
                w0[k] -= p.x * g0[k];
                // Under the paper's convention the offset is added again after every update.
                if (net.paper != 0u) {
                    w0[k] += vec4<f32>(p.z);
                }
            }
            // Lanes past d hold no weight: keep them 0.
            w0[D4 - 1u] = select(vec4<f32>(0.0), w0[D4 - 1u], LAST);
            w1 -= p.y * g1;
        }
    }
    if (real) {
        for (var k = 0u; k < D; k++) {
            weights[base + k * W + j] = w0[k / 4u][k % 4u];
        }
        weights[base + D * W + j] = w1;
        if (j == 0u) {
            stats[local] = s;
        }
    }
}
