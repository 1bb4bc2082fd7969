// Declarations shared by the two trainability kernels (`nn/train`, one invocation per network,
// and `nn/train_workgroup`, one workgroup per network): the uniforms, bindings and bookkeeping.
// Rust twins: `NetUniform` and `PhaseUniform` in src/nn/gpu.rs, `CellStats` in src/nn/train.rs.

const RATIO_CAP: f32 = 1e6;
const TAIL: u32 = 20u;
const ROOT2: f32 = 1.41421356;
const F32_MAX: f32 = 3.40282347e38;

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
    // 0 ours, 1 the paper's (`Convention::code`): train on past the cap, the offset added
    // before every step.
    paper: u32,
    // What the output layer's learning rate is multiplied by (1 under ours).
    lr1_scale: f32,
    pad0: u32,
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
    flags: u32,
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

// The cell's lr0 / lr1 / offset as the kernel trains them: the axis values, then lr1 scaled
// (the twin: `TrainSpec::kernel_params`).
fn cell_params(col_v: f32, row_v: f32) -> vec3<f32> {
    var p = vec3<f32>(net.base_lr0, net.base_lr1, net.base_offset);
    apply_axis(&p, net.x_param, col_v);
    apply_axis(&p, net.y_param, row_v);
    if (net.paper != 0u) {
        p.y = p.y * net.lr1_scale;
    }
    return p;
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

// Twin of `Tally::record_in`: false once the run stops.
fn record(s: ptr<function, Stats>, t: u32, loss: f32) -> bool {
    if (t == 0u) {
        (*s).loss0 = loss;
    }
    (*s).last_loss = loss;
    var v = loss / (*s).loss0;
    let first_tail = select(0u, net.steps - TAIL, net.steps > TAIL);
    if (net.paper != 0u) {
        // Non-finite (NaN fails the comparison) stops the run with a NaN value; above the cap
        // counts as the cap and training goes on.
        if (!(v <= F32_MAX)) {
            (*s).div_step = i32(t);
            (*s).flags = 1u;
            return false;
        }
        v = min(v, RATIO_CAP);
        (*s).sum_v += v;
        (*s).sum_inv += 1.0 / v;
        if (t >= first_tail) {
            (*s).tail += v;
        }
        return true;
    }
    if (!(v <= RATIO_CAP)) {
        v = RATIO_CAP;
    }
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

